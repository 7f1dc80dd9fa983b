#!/usr/bin/env bash
# Builds with warnings as errors under AddressSanitizer + UndefinedBehaviorSanitizer and runs every
# test (unit, end-to-end with the real agent, simulator, promtool and Prometheus). This is the
# README's test command; .ci/run calls it and nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
build_dir="${BUILD_DIR:-build/asan}"
mkdir -p "$build_dir"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DNCA_WERROR=ON -DNCA_SANITIZE=ON -DNCA_BUILD_TESTS=ON -DNCA_LLD=ON > "$build_dir.configure.log" 2>&1 \
  || { cat "$build_dir.configure.log"; exit 1; }
cmake --build "$build_dir" -j "$(nproc)"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd "$build_dir"
ctest --output-on-failure -j "$(nproc)" --timeout 300
