#!/usr/bin/env bash
# Scrape benchmark: the agent's /metrics against nginx serving the very same bytes, with wrk,
# side by side. For each topology (the simulator's embedded default, and 3 clusters x 15 members)
# it starts the simulator and the Release agent, lets the collectors run, saves one /metrics body
# to a file that nginx serves, then runs wrk against agent and nginx alternately (ROUNDS rounds of
# DURATION seconds each, at 4 and at 64 connections, keep-alive on both) and reports the medians:
# requests/s and the ratio agent/nginx, p99 latency, the agent's CPU time per scrape (from
# /proc/<pid>/stat over the agent's runs) and its resident memory. Absolute numbers depend on the
# machine; the ratios are what to read. Not part of the test suite.
#
#   bench/scrape-vs-nginx.sh                 # both topologies, 3 rounds of 5 s
#   ROUNDS=5 DURATION=10 bench/scrape-vs-nginx.sh
#   TOPOLOGIES=default bench/scrape-vs-nginx.sh
#
# Needs wrk and nginx-light (Debian; scripts/setup.sh installs them) and builds build/bench.
# Everything listens on 127.0.0.1, on ports the kernel picks.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${ROUNDS:-3}"
duration="${DURATION:-5}"
warmup="${WARMUP:-20}"
topologies="${TOPOLOGIES:-default 3x15}"
build_dir="${BUILD_DIR:-build/bench}"
for tool in wrk nginx curl python3; do
  command -v "$tool" > /dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] ||
    { echo "scrape-vs-nginx: $tool not found (scripts/setup.sh installs it)" >&2; exit 1; }
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

. bench/lib.sh
bench_build

bench_workdir nca-scrape-bench
chmod 755 "$work"  # nginx's workers run as an unprivileged user and must read the files



cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# wrk output -> "requests_per_s p99_ms"
run_wrk() {
  local url=$1 conns=$2 out
  out=$(wrk -t1 -c"$conns" -d"${duration}s" --latency "$url")
  echo "$out" | awk '
    /Requests\/sec:/ {rps=$2}
    /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; p99=v}
    /Non-2xx|Socket errors/ {err=err $0 " "}
    END {printf "%s %s %s\n", rps, p99, (err=="" ? "-" : "ERR")}'
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

printf '\n%-8s %5s %12s %12s %7s %10s %10s %14s %9s\n' topology conns agent_req/s nginx_req/s ratio \
  agent_p99 nginx_p99 agent_cpu/scrape agent_rss
hz=$(getconf CLK_TCK)
for topo in $topologies; do
  sim_args=()
  if [ "$topo" = "3x15" ]; then
    write_3x15 > "$work/3x15.yml"
    sim_args=(--topology "$work/3x15.yml")
  fi
  rm -f "$work/agent.yml"
  "$build_dir/neo4j-cluster-sim" "${sim_args[@]}" --agent-config "$work/agent.yml" \
    --kube-address "" --log.level warn > "$work/sim-$topo.log" 2>&1 &
  sim_pid=$!
  pids+=("$sim_pid")
  await_agent_config "$work/sim-$topo.log"
  start_agent "$work/agent-$topo.log"
  sleep "$warmup"  # collectors and rules settle; the RSS below is after warm-up
  curl -fs "http://127.0.0.1:$agent_port/metrics" -o "$work/metrics.txt"
  bytes=$(wc -c < "$work/metrics.txt")
  series=$(grep -vc '^#' "$work/metrics.txt")

  nginx_port=$(free_port)
  mkdir -p "$work/nginx-$topo"
  cp "$work/metrics.txt" "$work/nginx-$topo/metrics"
  chmod -R a+rX "$work/nginx-$topo"
  cat > "$work/nginx-$topo.conf" << NGINX
worker_processes 1;
daemon off;
pid $work/nginx-$topo.pid;
error_log $work/nginx-$topo.error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  types { }
  default_type "text/plain; version=0.0.4; charset=utf-8";
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/nginx-$topo;
  }
}
NGINX
  "$nginx_bin" -c "$work/nginx-$topo.conf" -p "$work" > /dev/null 2>&1 &
  nginx_pid=$!
  pids+=("$nginx_pid")
  for _ in $(seq 1 100); do
    cmp -s <(curl -fs "http://127.0.0.1:$nginx_port/metrics" 2> /dev/null) "$work/metrics.txt" &&
      break
    sleep 0.1
  done
  cmp -s <(curl -fs "http://127.0.0.1:$nginx_port/metrics") "$work/metrics.txt" ||
    { echo "nginx does not serve the saved body"; cat "$work/nginx-$topo.error.log"; exit 1; }

  for conns in 4 64; do
    : > "$work/a_rps"; : > "$work/n_rps"; : > "$work/a_p99"; : > "$work/n_p99"; : > "$work/a_cpu"
    errors=""
    for r in $(seq 1 "$rounds"); do
      # Alternate which goes first, so that a burst of other load hits both alike.
      order="agent nginx"
      [ $((r % 2)) -eq 0 ] && order="nginx agent"
      for who in $order; do
        if [ "$who" = agent ]; then
          before=$(cpu_ticks "$agent_pid")
          read -r rps p99 err < <(run_wrk "http://127.0.0.1:$agent_port/metrics" "$conns")
          after=$(cpu_ticks "$agent_pid")
          echo "$rps" >> "$work/a_rps"
          echo "$p99" >> "$work/a_p99"
          python3 -c "print(($after-$before)/$hz/max(1.0,$rps*$duration)*1000)" >> "$work/a_cpu"
        else
          read -r rps p99 err < <(run_wrk "http://127.0.0.1:$nginx_port/metrics" "$conns")
          echo "$rps" >> "$work/n_rps"
          echo "$p99" >> "$work/n_p99"
        fi
        [ "$err" = "-" ] || errors="$errors $who"
      done
    done
    a=$(median < "$work/a_rps")
    n=$(median < "$work/n_rps")
    printf '%-8s %5s %12.0f %12.0f %7.2f %8.2fms %8.2fms %12.3fms %7.1fMiB%s\n' "$topo" "$conns" \
      "$a" "$n" "$(python3 -c "print($a/$n)")" "$(median < "$work/a_p99")" \
      "$(median < "$work/n_p99")" "$(median < "$work/a_cpu")" \
      "$(python3 -c "print($(rss_kib "$agent_pid")/1024)")" \
      "${errors:+   (errors:$errors)}"
  done
  echo "         ($topo: $bytes bytes, $series samples per scrape)"
  kill "$nginx_pid" "$agent_pid" "$sim_pid" 2> /dev/null || true
  wait "$nginx_pid" "$agent_pid" "$sim_pid" 2> /dev/null || true
done
