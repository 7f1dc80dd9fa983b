#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, starts the Neo4j cluster simulator
# with its embedded default topology (three clusters: 5.x, 4.4 and 2025.x) on loopback, then runs
# the agent against it in the foreground and prints a short guide. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
build_dir="${BUILD_DIR:-build/release}"
mkdir -p "$build_dir"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNCA_BUILD_TESTS=OFF \
  > "$build_dir.configure.log" 2>&1 || { cat "$build_dir.configure.log"; exit 1; }
cmake --build "$build_dir" -j "$(nproc)" --target neo4j-cluster-agent neo4j-cluster-sim

listen="${NCA_DEMO_LISTEN:-127.0.0.1:9474}"
control="${NCA_DEMO_CONTROL:-127.0.0.1:9475}"
alertmanager="${NCA_DEMO_ALERTMANAGER:-127.0.0.1:9476}"
run_dir="$(mktemp -d /tmp/neo4j-cluster-agent-demo.XXXXXX)"
sim_pid=""
am_pid=""
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  [ -n "$am_pid" ] && kill "$am_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

"$build_dir/neo4j-cluster-sim" --control-address "$control" \
  --ports-file "$run_dir/state.json" --agent-config "$run_dir/agent.yml" \
  > "$run_dir/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do
  [ -s "$run_dir/agent.yml" ] && break
  kill -0 "$sim_pid" 2>/dev/null || { cat "$run_dir/sim.log"; exit 1; }
  sleep 0.1
done
[ -s "$run_dir/agent.yml" ] || { echo "simulator did not start"; cat "$run_dir/sim.log"; exit 1; }

# A local Alertmanager (Debian's prometheus-alertmanager) receives the agent's alerts.
cat > "$run_dir/alertmanager.yml" <<'AMCONFIG'
route:
  receiver: "null"
receivers:
  - name: "null"
AMCONFIG
prometheus-alertmanager --config.file="$run_dir/alertmanager.yml" \
  --storage.path="$run_dir/alertmanager" --web.listen-address="$alertmanager" \
  --cluster.listen-address= > "$run_dir/alertmanager.log" 2>&1 &
am_pid=$!

# Demo credentials of the simulator (not a secret); the agent reads them from the environment.
export NEO4J_USERNAME=neo4j
export NEO4J_PASSWORD=demo-password-not-secret

cat <<GUIDE

neo4j-cluster-agent demo
========================
Simulated clusters: prod-east (5.26, 3 primaries + 2 secondaries), legacy-44 (4.4, 3 cores +
1 read replica), dr-west (2025.10, 3 primaries + 1 secondary).
Agent config: $run_dir/agent.yml   simulator log: $run_dir/sim.log   state: http://$control/state

Look at:
  curl -s http://$listen/metrics | grep -E '^neo4j_(quorum|cluster_core_is_leader|up|failover)'
  curl -s http://$listen/metrics | grep neo4j_replication_lag
  curl -s http://$listen/metrics | grep -E '^neo4j_transaction_committed_total'   # Neo4j's own, per database
  open http://$listen/ in a browser (landing page), /-/ready for readiness

Alerts: the agent evaluates the shipped rules (rules/prometheus/) itself and sends them to the
local Alertmanager (log: $run_dir/alertmanager.log). Alerts wait for their 'for:' duration
(1 to 15 minutes) before they fire:
  curl -s http://$listen/api/v1/alerts          # pending and firing, as Prometheus shows them
  curl -s http://$listen/api/v1/rules           # every rule with its health
  curl -s http://$listen/metrics | grep neo4j_agent_alerts
  curl -s http://$alertmanager/api/v2/alerts    # what reached Alertmanager

Break things (the agent's metrics change within a few seconds):
  curl -s -X POST http://$control/faults -d '{"action":"stop_member","member":"prod-east-1"}'
  curl -s -X POST http://$control/faults -d '{"action":"force_leader_change","cluster":"prod-east"}'
  curl -s -X POST http://$control/faults -d '{"action":"stall_replication","member":"prod-east-3"}'
  curl -s -X POST http://$control/faults -d '{"action":"partition","groups":[["legacy-44-1"],["legacy-44-2","legacy-44-3","legacy-44-4"]]}'
  curl -s -X POST http://$control/reset
(see docs/simulator.md for every fault). Ctrl-C stops the agent and the simulator.

GUIDE

"$build_dir/neo4j-cluster-agent" --web.listen-address "$listen" --config "$run_dir/agent.yml" \
  --alertmanager.url "http://$alertmanager" &
agent_pid=$!
wait "$agent_pid"
