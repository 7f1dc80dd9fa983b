#!/usr/bin/env bash
# Installs everything the agent, the simulator and the tests need, from Debian bookworm packages
# only. Idempotent: packages already present are not touched; run as root (or with sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates openssl
  prometheus-cpp-dev libcivetweb-dev libcurl4-openssl-dev nlohmann-json3-dev libspdlog-dev
  libconcurrentqueue-dev libyaml-cpp-dev libre2-dev libgtest-dev libgmock-dev
  prometheus prometheus-alertmanager
  socat
)
# socat: test-only, the TLS front of the simulator's Kubernetes API in the DaemonSet end-to-end
# test (the agents reach it in-cluster, over HTTPS with the service account's CA).

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
# The prometheus package would start a system service; tests start their own on loopback.
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
