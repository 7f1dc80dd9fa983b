#!/usr/bin/env bash
# Offline lint of the shipped Grafana dashboards (issue 12 §3): tests/dashboards/lint-dashboards.mjs
# (grafana/dashboard-linter's rules re-implemented, plus the project's nca-* rules), after a
# self-test of the linter.
#
#   tests/dashboards/check-dashboards.sh [DASHBOARD_DIR]
#
# 1. Self-test on tests/dashboards/lint-fixtures/:
#    - pass/*.json, linted together, must be accepted;
#    - every fail/<rule-id>.json (or fail/<rule-id>@<variant>.json), linted with pass/*.json (so
#      that uids, /d/ links and the kit tag are judged against a kit), must be rejected for
#      exactly <rule-id>, on that file only, and pass/*.json stay clean;
#    - every rule of `lint-dashboards.mjs --list-rules` (but nca-exception) has a fail fixture;
#    - exceptions/: ok.json excepts the one finding of exceptions/dashboard.json (exit 0);
#      bad.json adds an exception without a reason and a stale one: exactly two nca-exception
#      findings.
# 2. Lints every DASHBOARD_DIR/*.json (default dashboards/grafana) together, with the exceptions
#    of tests/dashboards/lint-exceptions.json (each with its written reason) and the metric
#    reference docs/metrics.md + docs/alerting.md (which neo4j_* series carry neo4j_cluster).
#
# Exit status: 0 pass; 1 a check failed; 2 usage; 77 skipped (node is not installed).
set -euo pipefail

usage() { echo "usage: $0 [DASHBOARD_DIR]" >&2; exit 2; }
[ $# -le 1 ] || usage
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=${1:-$root/dashboards/grafana}
[ -d "$dir" ] || { echo "check-dashboards: $dir is not a directory" >&2; exit 2; }
command -v node >/dev/null 2>&1 || { echo "check-dashboards: SKIPPED: node is not installed (scripts/setup.sh)" >&2; exit 77; }

lint=(node "$here/lint-dashboards.mjs" --metrics-doc "$root/docs/metrics.md" --metrics-doc "$root/docs/alerting.md")
fx=$here/lint-fixtures
work=$(mktemp -d "${TMPDIR:-/tmp}/check-dashboards.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
fail() { failures=$((failures + 1)); echo "FAIL $*" >&2; }

# Rule ids of the finding lines of FILE in $work/out, sorted, unique, space-separated. A line is
# "FILE: dashboard UID: [panel "T" (id N): ]RULE: msg" or "FILE: exception #I: RULE: msg".
ids_of() {
  local f=$1
  while IFS= read -r line; do
    [[ $line == "$f: "* ]] || continue
    rest=${line#"$f: "}
    rest=$(sed -E -e 's/^(dashboard [^:]*|exception [^:]*): //' -e 's/^panel ".*" \(id [^)]*\): //' <<<"$rest")
    echo "${rest%%: *}"
  done <"$work/out" | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# --- 1. self-test --------------------------------------------------------------------------------
pass_files=("$fx"/pass/*.json)
rc=0
"${lint[@]}" "${pass_files[@]}" >"$work/out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "self-test: pass fixtures must be accepted, got rc=$rc: $(cat "$work/out")"

ids_seen=" "
n_fail=0
for f in "$fx"/fail/*.json; do
  n_fail=$((n_fail + 1))
  name=$(basename "$f" .json)
  want=${name%%@*}
  ids_seen+="$want "
  rc=0
  "${lint[@]}" "${pass_files[@]}" "$f" >"$work/out" 2>&1 || rc=$?
  got=$(ids_of "$f")
  [ "$rc" -eq 1 ] && [ "$got" == "$want" ] ||
    fail "self-test: fail/$name.json must be rejected for exactly $want, got rc=$rc [$got]: $(grep -v '^lint-dashboards: ' "$work/out")"
  for p in "${pass_files[@]}"; do
    [ -z "$(ids_of "$p")" ] || fail "self-test: with fail/$name.json, pass/$(basename "$p") got findings: $(grep -F "$p: " "$work/out")"
  done
done
while IFS=$'\t' read -r id _; do
  [ "$id" != nca-exception ] || continue
  [[ $ids_seen == *" $id "* ]] || fail "self-test: no fail fixture for rule $id (lint-fixtures/fail/$id.json)"
done < <("${lint[@]}" --list-rules)

rc=0
"${lint[@]}" --exceptions "$fx/exceptions/ok.json" "${pass_files[@]}" "$fx/exceptions/dashboard.json" >"$work/out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] && grep -q '; 1 finding(s) excepted' "$work/out" ||
  fail "self-test: exceptions/ok.json must except the one finding, got rc=$rc: $(cat "$work/out")"
rc=0
"${lint[@]}" --exceptions "$fx/exceptions/bad.json" "${pass_files[@]}" "$fx/exceptions/dashboard.json" >"$work/out" 2>&1 || rc=$?
n_ex=$(grep -c "^$fx/exceptions/bad.json: exception #[0-9]*: nca-exception: " "$work/out" || true)
[ "$rc" -eq 1 ] && [ "$n_ex" -eq 2 ] && [ -z "$(ids_of "$fx/exceptions/dashboard.json")" ] ||
  fail "self-test: exceptions/bad.json must give exactly 2 nca-exception findings (no reason, stale), got rc=$rc: $(cat "$work/out")"

# --- 2. the shipped dashboards -------------------------------------------------------------------
# The kit exists (issue 12): a dashboard directory without JSON files is a failure, not a skip,
# so that a broken render or a deleted kit cannot pass silently.
shopt -s nullglob
dashboards=("$dir"/*.json)
shopt -u nullglob
if [ ${#dashboards[@]} -eq 0 ]; then
  fail "no dashboard (*.json) in $dir"
else
  rc=0
  "${lint[@]}" --exceptions "$here/lint-exceptions.json" "${dashboards[@]}" >"$work/out" 2>&1 || rc=$?
  sed -e "s|^$root/||" "$work/out"
  [ "$rc" -eq 0 ] || fail "dashboards in $dir: lint findings (above)"
fi

if [ "$failures" -gt 0 ]; then
  echo "check-dashboards: $failures failure(s)" >&2
  exit 1
fi
echo "check-dashboards: self-test (${#pass_files[@]} pass, $n_fail fail fixtures, exceptions) and ${#dashboards[@]} dashboard(s) in $dir passed"
