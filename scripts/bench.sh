#!/usr/bin/env bash
# Configures and builds the benchmarks (Release, no sanitizers) in build/bench and runs them,
# printing a results table of candidate/baseline ratios. Not part of the test suite.
#
#   ./scripts/bench.sh                  # full run (about 30 s of benchmarks on 2 cores)
#   ./scripts/bench.sh --quick          # smoke run: fewer repetitions, noisier
#   ./scripts/bench.sh --filter render  # only rows whose group/name contains "render"
#
# Arguments are passed to nca_bench (see bench/README.md). The table is also written to
# $BUILD_DIR/results.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir="${BUILD_DIR:-build/bench}"
mkdir -p "$build_dir"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DNCA_BUILD_BENCH=ON -DNCA_BUILD_TESTS=OFF -DNCA_SANITIZE=OFF > "$build_dir.configure.log" 2>&1 \
  || { cat "$build_dir.configure.log"; exit 1; }
cmake --build "$build_dir" --target nca_bench -j "$(nproc)"

"$build_dir/bench/nca_bench" "$@" | tee "$build_dir/results.txt"
