#!/usr/bin/env bash
# Soak: 64 keep-alive connections scrape the agent's /metrics for DURATION seconds (wrk) while the
# collectors run on the simulator (3 clusters x 15 members) and a member flaps (stopped and
# restarted every FLAP seconds through the simulator's control API). Pass line: wrk reports no
# socket error and no non-2xx answer, every scrape is answered, and the agent's RSS grows by at
# most 1 MiB between the end of the warm-up (one full DURATION run of the same load, so caches,
# arenas and the rule history have reached their steady state) and the end of the measured run.
# RSS is sampled every second and each end is the median of its last WINDOW seconds (default 20,
# four collector rounds): within one round RSS swings by up to 1 MiB (requests and parses at the
# round's start, freed and trimmed after the render), so two single readings judged the phase of
# the round more than growth. A leak still moves the median.
# Exit 0 on pass, 1 on fail. Not part of the test suite (it takes about 2.5 minutes).
#
#   bench/soak.sh
#   DURATION=120 FLAP=3 WINDOW=30 bench/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${DURATION:-60}"
flap="${FLAP:-5}"
window="${WINDOW:-20}"
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

load() { wrk -t1 -c64 -d"${duration}s" --latency "http://127.0.0.1:$agent_port/metrics"; }
# RSS once a second, "<unix seconds> <KiB>" per line, until the agent exits.
(
  while kill -0 "$agent_pid" 2> /dev/null; do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$agent_pid/status" 2> /dev/null) || break
    echo "$(date +%s) $rss"
    sleep 1
  done
) > "$work/rss.txt" &
pids+=($!)
# Median RSS (KiB) of the samples in the WINDOW seconds up to unix time $1.
median_rss_until() {
  awk -v end="$1" -v w="$window" '$1 > end - w && $1 <= end {print $2}' "$work/rss.txt" |
    sort -n | awk '{v[NR] = $1} END {if (NR == 0) exit 1; print v[int((NR + 1) / 2)]}'
}

echo "soak: warm-up, ${duration} s"
load > "$work/warmup.txt"
warmup_end=$(date +%s)
echo "soak: measured run, ${duration} s"
load > "$work/run.txt"
run_end=$(date +%s)
cat "$work/run.txt"
# The sampler writes once a second: let it record the second the run ended in.
for _ in $(seq 1 30); do
  [ "$(awk 'END {print $1}' "$work/rss.txt")" -ge "$run_end" ] 2> /dev/null && break
  sleep 0.1
done
rss_before=$(median_rss_until "$warmup_end") || { echo "soak: FAIL: no RSS sample"; exit 1; }
rss_after=$(median_rss_until "$run_end") || { echo "soak: FAIL: no RSS sample"; exit 1; }

fail=0
if grep -qE "Socket errors|Non-2xx" "$work/run.txt"; then
  echo "soak: FAIL: wrk saw errors"
  fail=1
fi
requests=$(awk '/requests in/ {print $1}' "$work/run.txt")
[ "${requests:-0}" -gt 0 ] || { echo "soak: FAIL: no request answered"; fail=1; }
growth=$((rss_after - rss_before))
echo "soak: RSS median of the last ${window} s: ${rss_before} KiB after the warm-up -> ${rss_after} KiB after the run (growth ${growth} KiB, limit 1024 KiB)"
[ "$growth" -le 1024 ] || { echo "soak: FAIL: RSS grew by more than 1 MiB"; fail=1; }
if ! kill -0 "$agent_pid" 2> /dev/null; then
  echo "soak: FAIL: the agent exited"
  fail=1
fi
[ "$fail" -eq 0 ] && echo "soak: PASS ($requests scrapes in ${duration} s, 64 connections, a member flapping every ${flap} s)"
exit "$fail"
