# shellcheck shell=bash
# Shared by the whole-process benchmarks (bench/*.sh): sourced, not run. Defines
#   bench_build               Release build of the agent and the simulator in $build_dir
#   bench_workdir PREFIX      a fresh $work directory and $pids, both cleaned up on exit
#   free_port                 a loopback port the kernel considers free now
#   write_3x15                the 3 clusters x 15 members topology (YAML on stdout)
#   keep_alive_topology FILE  makes the members of topology FILE keep connections alive like Neo4j
#   await_agent_config LOG    waits for the simulator to write $work/agent.yml (shows LOG if not)
#   start_agent LOG [ARG...]  the agent on $work/agent.yml, listening on a free loopback port
#                             ($agent_port, pid $agent_pid), ready; ARGs are added to its flags
# Callers set build_dir first.
# shellcheck disable=SC2154  # build_dir: set by the sourcing script

bench_build() {
  mkdir -p "$build_dir"
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNCA_BUILD_BENCH=ON \
    -DNCA_BUILD_TESTS=OFF -DNCA_SANITIZE=OFF > "$build_dir.configure.log" 2>&1 ||
    { cat "$build_dir.configure.log"; exit 1; }
  cmake --build "$build_dir" -j "$(nproc)" --target neo4j-cluster-agent neo4j-cluster-sim \
    > /dev/null
}

bench_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$work"
}

bench_workdir() {
  work=$(mktemp -d "/tmp/$1.XXXXXX")
  pids=()
  trap bench_cleanup EXIT INT TERM
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# 3 clusters (5.x, 4.4, 2025.x) of 3 primaries and 12 secondaries each.
write_3x15() {
  local i=0 m mode spec
  echo "clusters:"
  for spec in "c5:5.26.0" "c44:4.4.26" "c25:2025.10.1"; do
    i=$((i + 1))
    echo "  - name: ${spec%%:*}"
    echo "    version: ${spec#*:}"
    echo "    zones: [z$i-a, z$i-b, z$i-c]"
    echo "    credentials: {username: neo4j, password: demo-password-not-secret}"
    echo "    members:"
    for m in $(seq 1 15); do
      if [ "$m" -le 3 ]; then mode=primary; else mode=secondary; fi
      echo "      - {name: ${spec%%:*}-$m, mode: $mode}"
    done
  done
}

# Members keep idle connections 30 s (Jetty's default idle timeout, as Neo4j's HTTP connector),
# with enough civetweb threads for one agent's connections to a member (civetweb holds a thread
# per open connection). Edits FILE's "simulator:" block, adding one when there is none.
keep_alive_topology() {
  local settings="  keep_alive_timeout: 30s\n  member_threads: 16"
  if grep -q '^simulator:' "$1"; then
    sed -i "s/^simulator:.*/simulator:\n$settings/" "$1"
  else
    sed -i "1i simulator:\n$settings" "$1"
  fi
}

await_agent_config() {
  for _ in $(seq 1 200); do [ -s "$work/agent.yml" ] && return 0; sleep 0.1; done
  cat "$1"
  exit 1
}

start_agent() {
  local log="$1"
  shift
  agent_port=$(free_port)
  NEO4J_USERNAME=neo4j NEO4J_PASSWORD=demo-password-not-secret \
    "$build_dir/neo4j-cluster-agent" --config "$work/agent.yml" "$@" \
    --web.listen-address "127.0.0.1:$agent_port" --log.level warn > "$log" 2>&1 &
  agent_pid=$!
  pids+=("$agent_pid")
  for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$agent_port/-/ready" > /dev/null 2>&1 && return 0
    sleep 0.1
  done
}
