#!/usr/bin/env bash
# Alert latency benchmark: fault -> pending and fault -> firing on the agent (its local rule
# evaluation) and on a central Prometheus (15 s scrape, 15 s evaluation) that scrapes the agent and
# loads the very same rule file, side by side on the same fault. The fault: two of legacy-44's
# three cores stop, so the cluster loses its leader (Neo4jNoLeader, `for: 1m`). Both sides are
# polled every 200 ms on /api/v1/alerts. Each round resets the simulator, waits until Prometheus
# has scraped the healthy cluster for a while, injects the fault and waits for both to fire.
# Prints the seconds per round and the medians' ratio Prometheus/agent (> 1: the agent is sooner).
# Not part of the test suite.
#
#   bench/alert-latency.sh               # 3 rounds (about 2 minutes each)
#   ROUNDS=1 bench/alert-latency.sh
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${ROUNDS:-3}"
build_dir="${BUILD_DIR:-build/bench}"
rules="rules/prometheus/neo4j-cluster.rules.yml"
alert="Neo4jNoLeader"
cluster="legacy-44"
for tool in prometheus curl python3; do
  command -v "$tool" > /dev/null 2>&1 ||
    { echo "alert-latency: $tool not found (scripts/setup.sh installs it)" >&2; exit 1; }
done

. bench/lib.sh
bench_build

bench_workdir nca-alert-bench
now() { date +%s.%N; }

control_port=$(free_port)
"$build_dir/neo4j-cluster-sim" --control-address "127.0.0.1:$control_port" --kube-address "" \
  --agent-config "$work/agent.yml" --log.level warn > "$work/sim.log" 2>&1 &
pids+=($!)
await_agent_config "$work/sim.log"
control="http://127.0.0.1:$control_port"

start_agent "$work/agent.log"
agent="http://127.0.0.1:$agent_port"

prom_port=$(free_port)
cat > "$work/prometheus.yml" << PROM
global:
  scrape_interval: 15s
  evaluation_interval: 15s
rule_files: ["$PWD/$rules"]
scrape_configs:
  - job_name: neo4j-cluster-agent
    static_configs: [{targets: ["127.0.0.1:$agent_port"]}]
PROM
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" > "$work/prometheus.log" 2>&1 &
pids+=($!)
prom="http://127.0.0.1:$prom_port"

# The state of the alert for the cluster on one side: "", "pending" or "firing".
state() {
  curl -fs "$1/api/v1/alerts" 2> /dev/null | python3 -c '
import json, sys
try:
    alerts = json.load(sys.stdin)["data"]["alerts"]
except Exception:
    alerts = []
states = [a["state"] for a in alerts
          if a["labels"].get("alertname") == sys.argv[1] and a["labels"].get("neo4j_cluster") == sys.argv[2]]
print("firing" if "firing" in states else ("pending" if "pending" in states else ""))
' "$alert" "$cluster"
}

wait_until() {  # seconds, command...
  local deadline=$(($(date +%s) + $1))
  shift
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}
scraped() { curl -fs "$prom/api/v1/query?query=up" 2> /dev/null | grep -q '"1"\]'; }
wait_until 60 scraped || { echo "Prometheus does not scrape the agent"; cat "$work/prometheus.log"; exit 1; }

printf '\n%-6s %14s %14s %14s %14s\n' round agent_pending prom_pending agent_firing prom_firing
: > "$work/results"
for r in $(seq 1 "$rounds"); do
  curl -fs -X POST "$control/reset" > /dev/null
  # Both sides must have seen the healthy cluster (the alert inactive) for a while: two of
  # Prometheus' scrape and evaluation intervals.
  sleep 35
  t0=$(now)
  curl -fs -X POST "$control/faults" -d "{\"action\":\"stop_member\",\"member\":\"$cluster-2\"}" > /dev/null
  curl -fs -X POST "$control/faults" -d "{\"action\":\"stop_member\",\"member\":\"$cluster-3\"}" > /dev/null
  ap="" pp="" af="" pf=""
  deadline=$(($(date +%s) + 240))
  while [ -z "$af" ] || [ -z "$pf" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "round $r: timed out"; break; }
    a=$(state "$agent")
    p=$(state "$prom")
    t=$(python3 -c "print(f'{$(now) - $t0:.1f}')")
    [ -z "$ap" ] && [ -n "$a" ] && ap=$t
    [ -z "$pp" ] && [ -n "$p" ] && pp=$t
    [ -z "$af" ] && [ "$a" = firing ] && af=$t
    [ -z "$pf" ] && [ "$p" = firing ] && pf=$t
    sleep 0.2
  done
  printf '%-6s %13ss %13ss %13ss %13ss\n' "$r" "$ap" "$pp" "$af" "$pf"
  echo "$ap $pp $af $pf" >> "$work/results"
done
python3 - "$work/results" << 'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 4]
if rows:
    med = [statistics.median(c) for c in zip(*rows)]
    print(f"median  agent pending {med[0]:.1f} s, Prometheus pending {med[1]:.1f} s: "
          f"{med[1] / max(med[0], 0.1):.1f}x sooner; firing {med[2]:.1f} s vs {med[3]:.1f} s: "
          f"{med[3] / max(med[2], 0.1):.2f}x")
PY
