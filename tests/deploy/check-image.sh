#!/usr/bin/env bash
# Checks of the container image that need no container engine (none runs on our machines or in
# CI; ../shared/reference/kubernetes/DAEMONSET.md §7):
#   1. the Dockerfile lints clean (npm dockerfilelint, pinned in tests/deploy/package-lock.json and
#      installed by scripts/setup.sh) and runs as a numeric user (the kubelet refuses a named one
#      under runAsNonRoot; the linter does not check that);
#   2. its runtime package list covers every shared library the agent binary links (`ldd` +
#      `dpkg -S`), through the listed packages' dependencies or the Priority: required packages
#      that debian:bookworm-slim holds; sanitizer runtimes of a test build are left out;
#   3. the binary starts as uid/gid 65534 from a read-only working directory and serves /-/ready
#      (against the simulator), as it would in the DaemonSet (readOnlyRootFilesystem).
# Usage: check-image.sh AGENT_BINARY SIM_BINARY
set -euo pipefail
agent="$(readlink -f "$1")"
sim="$(readlink -f "$2")"
root="$(cd "$(dirname "$0")/../.." && pwd)"
dockerfile="$root/Dockerfile"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail=0

# 1. Lint.
lint="$root/tests/deploy/node_modules/.bin/dockerfilelint"
if [ ! -x "$lint" ]; then
  echo "FAIL: $lint missing: run scripts/setup.sh (npm ci in tests/deploy)"
  exit 1
fi
if ! "$lint" "$dockerfile"; then
  echo "FAIL: dockerfilelint reports issues in the Dockerfile"
  fail=1
fi
last_user="$(grep -E '^USER ' "$dockerfile" | tail -n 1)"
if ! grep -Eq '^USER [0-9]+:[0-9]+$' <<<"$last_user"; then
  echo "FAIL: the final USER must be numeric uid:gid (got: ${last_user:-none})"
  fail=1
fi
if [ "$fail" -eq 0 ]; then
  echo "ok: Dockerfile lint and numeric USER ($last_user)"
fi

# 2. Runtime packages cover the linked libraries.
# The final stage's `apt-get install` list: the words after --no-install-recommends up to the
# next `&&`.
final_stage="$(awk '/^FROM /{stage=""} {stage=stage $0 "\n"} END{printf "%s", stage}' "$dockerfile")"
listed="$(tr '\n' ' ' <<<"$final_stage" | sed 's/\\ / /g' |
  grep -o -- '--no-install-recommends[^&]*' | head -n 1 | sed 's/--no-install-recommends//')"
if [ -z "${listed// /}" ]; then
  echo "FAIL: no runtime package list found in the Dockerfile's final stage"
  exit 1
fi
if ! apt-cache show libcurl4 > /dev/null 2>&1; then
  echo "FAIL: apt-cache knows no packages (run apt-get update)"
  exit 1
fi
# What the listed packages bring (their Depends/PreDepends closure) plus what bookworm-slim holds.
# shellcheck disable=SC2086
apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances $listed 2>/dev/null |
  sed -n 's/^ *\(Pre\)\{0,1\}Depends: <\{0,1\}\([^ >:]*\).*$/\2/p; s/^\([a-z0-9][^ :]*\)$/\1/p' |
  sort -u >"$work/allowed"
dpkg-query -W -f='${Package} ${Priority}\n' | awk '$2 == "required" {print $1}' >>"$work/allowed"
sort -u -o "$work/allowed" "$work/allowed"
package_of() {
  local lib="$1" candidate
  for candidate in "$lib" "$(readlink -f "$lib")" "/usr$lib" "${lib#/usr}"; do
    if out="$(dpkg -S "$candidate" 2>/dev/null)"; then
      cut -d: -f1 <<<"$out" | head -n 1
      return 0
    fi
  done
  return 1
}
missing=0
while read -r lib; do
  case "$(basename "$lib")" in
    libasan.so* | libubsan.so* | liblsan.so* | libtsan.so*) continue ;;  # test build only
  esac
  if ! pkg="$(package_of "$lib")"; then
    echo "FAIL: no Debian package owns $lib"
    missing=1
    continue
  fi
  if ! grep -qx "$pkg" "$work/allowed"; then
    echo "FAIL: $lib comes from $pkg, which the Dockerfile's runtime stage does not install"
    missing=1
  fi
done < <(ldd "$agent" | awk '$2 == "=>" && $3 ~ /^\// {print $3}')
if [ "$missing" -ne 0 ]; then
  fail=1
else
  echo "ok: the runtime packages ($(wc -w <<<"$listed") listed) cover every library of $(basename "$agent")"
fi

# 3. Starts as 65534 on a read-only directory and gets ready.
if [ "$(id -u)" -ne 0 ]; then
  echo "skip: not root, cannot switch to uid 65534 (the start check needs root)"
else
  chmod 0755 "$work"
  export ASAN_OPTIONS="detect_leaks=0"
  "$sim" --control-address 127.0.0.1:0 --kube-address "" --ports-file "$work/ports.json" \
    --agent-config "$work/agent.yml" >"$work/sim.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 1 100); do
    [ -s "$work/agent.yml" ] && break
    sleep 0.1
  done
  if [ ! -s "$work/agent.yml" ]; then
    echo "FAIL: the simulator wrote no agent config"; cat "$work/sim.log"; exit 1
  fi
  chmod 0644 "$work/agent.yml"
  mkdir "$work/ro"
  chmod 0555 "$work/ro"
  # exec: the background job is the agent itself, so that the clean-up stops it.
  (cd "$work/ro" && NEO4J_USERNAME=neo4j NEO4J_PASSWORD=demo-password-not-secret \
    exec setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs \
    "$agent" --config="$work/agent.yml" --web.listen-address=127.0.0.1:0 \
    >"$work/agent.log" 2>&1) &
  agent_pid="$!"
  pids+=("$agent_pid")
  port=""
  for _ in $(seq 1 300); do
    port="$(grep -o 'msg="listening".*port=[0-9]*' "$work/agent.log" 2>/dev/null |
      grep -o 'port=[0-9]*' | head -n 1 | cut -d= -f2 || true)"
    [ -n "$port" ] && break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "FAIL: the agent did not start as uid 65534:"; cat "$work/agent.log"; exit 1
  fi
  ready=0
  for _ in $(seq 1 600); do
    if curl -fsS -o /dev/null 2>/dev/null "http://127.0.0.1:$port/-/ready"; then ready=1; break; fi
    sleep 0.1
  done
  uid="$(ps -o uid= -p "$agent_pid" | tr -d ' ')"
  if [ "$ready" -ne 1 ]; then
    echo "FAIL: /-/ready did not answer 200 within 60 s"; tail -n 20 "$work/agent.log"; fail=1
  elif [ "$uid" != "65534" ]; then
    echo "FAIL: the agent runs as uid '$uid', not 65534"; fail=1
  else
    echo "ok: the agent runs as uid 65534 in a read-only directory and /-/ready answers 200"
  fi
fi

if [ "$fail" -ne 0 ]; then
  exit 1
fi
echo "image checks: all passed"
