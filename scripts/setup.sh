#!/usr/bin/env bash
# Installs everything the agent, the simulator and the tests need, from Debian bookworm packages
# only. Idempotent: packages already present are not touched; run as root (or with sudo).
set -euo pipefail

# --build-only: just what building the agent needs (the Dockerfile's build stage).
build_only=0
if [ "${1:-}" = "--build-only" ]; then
  build_only=1
fi

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  prometheus-cpp-dev libcivetweb-dev libcurl4-openssl-dev nlohmann-json3-dev libspdlog-dev
  libconcurrentqueue-dev libyaml-cpp-dev libre2-dev zlib1g-dev
  # libssl-dev: TLS of the agent's web server; libcrypt-dev: bcrypt for its basic auth.
  libssl-dev libcrypt-dev
)
if [ "$build_only" -eq 0 ]; then
  packages+=(
    curl openssl libgtest-dev libgmock-dev
    prometheus prometheus-alertmanager
    # socat: test-only, the TLS front of the simulator's Kubernetes API in the DaemonSet
    # end-to-end test (the agents reach it in-cluster, over HTTPS with the service account's CA).
    socat
    # clang, libclang-rt-14-dev: test-only, the libFuzzer runs of tests/fuzz (fuzz.* tests).
    clang libclang-rt-14-dev
    # lld: test-build-only linker (NCA_LLD): links the ASan unit-test binary 3x faster.
    lld
    # jsonnet: renders the monitoring mixin (mixin/) into dashboards/grafana/ and checks that the
    # rendered files are current (scripts/gen-dashboards.sh --check).
    jsonnet
    # wrk, nginx-light: bench-only, bench/scrape-vs-nginx.sh (the agent's /metrics against nginx
    # serving the same bytes). nginx-light's service is not used; the script starts its own.
    wrk nginx-light
  )
  # npm for the pinned test-only tools of tests/deploy (Debian's, unless the machine has one).
  if ! command -v npm > /dev/null 2>&1; then
    packages+=(nodejs npm)
  fi
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi

# Test-only npm tools, pinned in tests/deploy/package-lock.json: installed again whenever the lock
# file is newer than what npm ci last installed (node_modules/.package-lock.json).
install_npm_tools() {
  if [ "$build_only" -eq 0 ] && { [ ! -f tests/deploy/node_modules/.package-lock.json ] ||
    [ tests/deploy/package-lock.json -nt tests/deploy/node_modules/.package-lock.json ]; }; then
    echo "setup: npm ci in tests/deploy"
    (cd tests/deploy && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
cd "$(dirname "$0")/.."

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  install_npm_tools
  exit 0
fi

echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
# The prometheus package would start a system service; tests start their own on loopback.
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_npm_tools
