#!/usr/bin/env bash
# Usage: tests/fuzz/run-fuzzer.sh TARGET SECONDS
# Builds tests/fuzz/TARGET_fuzzer.cc with the sources listed in tests/fuzz/TARGET.sources under
# libFuzzer + ASan + UBSan (clang++), then fuzzes for SECONDS seconds: new inputs go to a fresh
# temporary corpus, tests/fuzz/corpus/TARGET/ is read only (a run never modifies the repository).
# Environment: FUZZ_BUILD_DIR (work dir, kept; default a temporary one, removed unless a run
# fails), FUZZ_CRASH_DIR (where a failing input is copied; default /tmp/nca-fuzz-crashes),
# CXX_FUZZ (default clang++), FUZZ_ARGS (extra libFuzzer flags, e.g. -jobs=2 -workers=2).
# Exit: 0 no crash; 1 a crash, leak, timeout or OOM (the input is copied and its path printed),
# or the harness does not build; 2 usage; 77 clang++ or its libFuzzer runtime missing.
set -uo pipefail

usage() {
  echo "usage: $0 TARGET SECONDS   (TARGET: one of tests/fuzz/*_fuzzer.cc without _fuzzer.cc)" >&2
  exit 2
}
[ $# -eq 2 ] || usage
target=$1
seconds=$2
[[ $target =~ ^[a-z0-9_]+$ ]] || usage
[[ $seconds =~ ^[1-9][0-9]*$ ]] || usage

fuzz_dir=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$fuzz_dir/../.." && pwd)
harness=$fuzz_dir/${target}_fuzzer.cc
sources_file=$fuzz_dir/$target.sources
corpus=$fuzz_dir/corpus/$target
for f in "$harness" "$sources_file" "$corpus"; do
  [ -e "$f" ] || { echo "run-fuzzer: $f not found" >&2; usage; }
done

cxx=${CXX_FUZZ:-clang++}
missing_toolchain() {
  echo "run-fuzzer: SKIP: $1; scripts/setup.sh installs clang and libclang-rt-14-dev" >&2
  exit 77
}
command -v "$cxx" > /dev/null 2>&1 || missing_toolchain "$cxx not found"

if [ -n "${FUZZ_BUILD_DIR:-}" ]; then
  work=$FUZZ_BUILD_DIR
  mkdir -p "$work" || exit 1
  keep_work=1
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/nca-fuzz-$target.XXXXXX") || exit 1
  keep_work=0
fi
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() { [ "$keep_work" -eq 1 ] || rm -rf "$work"; }
trap cleanup EXIT

# shellcheck disable=SC2054  # the commas are part of one flag
flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all)

# The toolchain: clang++ can link a trivial libFuzzer target (clang-14 without libclang-rt-14-dev
# has no libclang_rt.fuzzer / asan / ubsan).
printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' \
  > "$work/probe.cc"
if ! "$cxx" "${flags[@]}" "$work/probe.cc" -o "$work/probe" > "$work/probe.log" 2>&1; then
  cat "$work/probe.log" >&2
  missing_toolchain "$cxx cannot link -fsanitize=fuzzer,address,undefined"
fi

# The sources file: repository-relative source paths and linker flags, # comments.
srcs=()
libs=()
set -f  # no globbing of the words
while read -r line; do
  for word in ${line%%#*}; do
    case $word in
      -*) libs+=("$word") ;;
      *) srcs+=("$repo/$word") ;;
    esac
  done
done < "$sources_file"
set +f

bin=$work/${target}_fuzzer
echo "run-fuzzer: building $bin"
build_start=$(date +%s)
if ! (cd "$repo" && "$cxx" "${flags[@]}" -Isrc "$harness" "${srcs[@]}" -o "$bin" \
  "${libs[@]}"); then
  echo "run-fuzzer: FAIL: the $target harness does not build" >&2
  keep_work=1
  exit 1
fi
echo "run-fuzzer: built in $(($(date +%s) - build_start)) s"

run_id=$(date +%Y%m%d-%H%M%S)-$$
new_corpus=$work/corpus-$run_id
artifacts=$work/artifacts-$run_id
mkdir -p "$new_corpus" "$artifacts" || exit 1
log=$work/fuzz-$target.log
echo "run-fuzzer: fuzzing $target for $seconds s (corpus $corpus, new inputs in $new_corpus)"
# shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
(cd "$work" && "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=1048576 -print_final_stats=1 -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} \
  "$new_corpus" "$corpus") > "$log" 2>&1
status=$?

# The summary: what was loaded, how far it got, the final stats.
grep -E '^(INFO: seed corpus|#[0-9]+[[:space:]]+(INITED|DONE)|Done [0-9]+ runs|stat::)' "$log"
crashes=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
  -o -name 'oom-*' \) | sort)
if [ "$status" -eq 0 ] && [ -z "$crashes" ]; then
  echo "run-fuzzer: PASS: $target, $seconds s, no crash ($(find "$new_corpus" -type f | wc -l) new inputs)"
  exit 0
fi

keep_work=1
# The report: from the first error line on (sanitizer, libFuzzer or a harness invariant).
echo "---- libFuzzer output ($log) ----"
report=$(sed -n '/ERROR: \|runtime error: \|invariant failed: \|ALARM: /,$p' "$log" | head -n 150)
if [ -n "$report" ]; then echo "$report"; else tail -n 60 "$log"; fi
echo "----"
crash_dir=${FUZZ_CRASH_DIR:-/tmp/nca-fuzz-crashes}
mkdir -p "$crash_dir"
for c in $crashes; do
  copy=$crash_dir/$target-$(basename "$c")
  cp "$c" "$copy"
  echo "run-fuzzer: FAIL: failing input copied to $copy"
  echo "run-fuzzer: reproduce with: $bin $copy"
done
[ -n "$crashes" ] || echo "run-fuzzer: FAIL: libFuzzer exited with $status and left no input"
echo "run-fuzzer: work dir kept: $work"
exit 1
