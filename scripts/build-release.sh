#!/usr/bin/env bash
# Builds the release agent (optimised, warnings as errors, no tests, no sanitizers) and copies the
# binary to the directory given as $1 (default: build/release/out). Used by the Dockerfile's build
# stage; needs the build packages of scripts/setup.sh (`./scripts/setup.sh --build-only`).
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-build/release/out}"
build_dir="${BUILD_DIR:-build/release}"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNCA_WERROR=ON \
  -DNCA_SANITIZE=OFF -DNCA_BUILD_TESTS=OFF -DNCA_BUILD_BENCH=OFF
cmake --build "$build_dir" -j "$(nproc)" --target neo4j-cluster-agent
mkdir -p "$out"
install -m 0755 "$build_dir/neo4j-cluster-agent" "$out/neo4j-cluster-agent"
strip --strip-unneeded "$out/neo4j-cluster-agent"
