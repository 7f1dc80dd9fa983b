#!/usr/bin/env bash
# Soak: 64 keep-alive connections scrape the agent's /metrics for DURATION seconds (wrk) while the
# collectors run on the simulator (3 clusters x 15 members) and a member flaps (stopped and
# restarted every FLAP seconds through the simulator's control API). Pass line: wrk reports no
# socket error and no non-2xx answer, every scrape is answered, and the agent's RSS grows by at
# most 1 MiB between the end of the warm-up (one full DURATION run of the same load, so caches,
# arenas and the rule history have reached their steady state) and the end of the measured run.
# Exit 0 on pass, 1 on fail. Not part of the test suite (it takes about 2.5 minutes).
#
#   bench/soak.sh
#   DURATION=120 FLAP=3 bench/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${DURATION:-60}"
flap="${FLAP:-5}"
build_dir="${BUILD_DIR:-build/bench}"
for tool in wrk curl python3; do
  command -v "$tool" > /dev/null 2>&1 ||
    { echo "soak: $tool not found (scripts/setup.sh installs it)" >&2; exit 1; }
done
. bench/lib.sh
bench_build

bench_workdir nca-soak

write_3x15 > "$work/topology.yml"

control_port=$(free_port)
"$build_dir/neo4j-cluster-sim" --topology "$work/topology.yml" --kube-address "" \
  --control-address "127.0.0.1:$control_port" --agent-config "$work/agent.yml" \
  --log.level warn > "$work/sim.log" 2>&1 &
pids+=($!)
await_agent_config "$work/sim.log"
start_agent "$work/agent.log"

# The flapping member: a secondary of the 5.x cluster, stopped and restarted until told to end.
(
  while :; do
    curl -fs -X POST "http://127.0.0.1:$control_port/faults" \
      -d '{"action":"stop_member","member":"c5-7"}' > /dev/null || true
    sleep "$flap"
    curl -fs -X POST "http://127.0.0.1:$control_port/faults" \
      -d '{"action":"restart_member","member":"c5-7"}' > /dev/null || true
    sleep "$flap"
  done
) &
pids+=($!)

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$agent_pid/status"; }
load() { wrk -t1 -c64 -d"${duration}s" --latency "http://127.0.0.1:$agent_port/metrics"; }

echo "soak: warm-up, ${duration} s"
load > "$work/warmup.txt"
rss_before=$(rss_kib)
echo "soak: measured run, ${duration} s"
load > "$work/run.txt"
rss_after=$(rss_kib)
cat "$work/run.txt"

fail=0
if grep -qE "Socket errors|Non-2xx" "$work/run.txt"; then
  echo "soak: FAIL: wrk saw errors"
  fail=1
fi
requests=$(awk '/requests in/ {print $1}' "$work/run.txt")
[ "${requests:-0}" -gt 0 ] || { echo "soak: FAIL: no request answered"; fail=1; }
growth=$((rss_after - rss_before))
echo "soak: RSS ${rss_before} KiB -> ${rss_after} KiB (growth ${growth} KiB, limit 1024 KiB)"
[ "$growth" -le 1024 ] || { echo "soak: FAIL: RSS grew by more than 1 MiB"; fail=1; }
if ! kill -0 "$agent_pid" 2> /dev/null; then
  echo "soak: FAIL: the agent exited"
  fail=1
fi
[ "$fail" -eq 0 ] && echo "soak: PASS ($requests scrapes in ${duration} s, 64 connections, a member flapping every ${flap} s)"
exit "$fail"
