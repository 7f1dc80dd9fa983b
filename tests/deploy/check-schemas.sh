#!/usr/bin/env bash
# Offline schema validation of deploy/daemonset/ (tests/deploy/validate.mjs: kubernetes-models
# .validate() per kind plus an unknown-field walk), after a self-test of the validator.
#
#   tests/deploy/check-schemas.sh [DEPLOY_DIR]
#
# 1. Self-test on tests/deploy/validate-fixtures/: every fail-*.yaml must be rejected with each
#    "# expect: FRAGMENT" line of the file in the output; every pass-*.yaml must be accepted.
# 2. Renders every entry point of tests/deploy/entry-points.txt with `kubectl kustomize` (as
#    check-manifests.sh does) and validates the output, plus rules/prometheus/prometheus-rule.yaml
#    and DEPLOY_DIR/components/prometheus-operator/prometheusrule.yaml if it exists.
# DEPLOY_DIR: default deploy/daemonset of this repository (another one checks a modified copy).
#
# Exit status: 0 pass; 1 a check failed; 2 usage; 77 skipped (kubectl or the npm packages of
# tests/deploy are not installed).
set -euo pipefail

usage() { echo "usage: $0 [DEPLOY_DIR]" >&2; exit 2; }
[ $# -le 1 ] || usage
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
deploy=${1:-$root/deploy/daemonset}
[ -d "$deploy" ] || { echo "check-schemas: $deploy is not a directory" >&2; exit 2; }

if ! command -v kubectl >/dev/null 2>&1; then
  echo "check-schemas: SKIPPED: kubectl is not installed (kubectl >= 1.25 renders the kustomize layout)." >&2
  exit 77
fi
for p in yaml kubernetes-models @kubernetes-models/prometheus-operator @kubernetes/client-node; do
  if [ ! -f "$here/node_modules/$p/package.json" ]; then
    echo "check-schemas: SKIPPED: tests/deploy/node_modules/$p is missing: run scripts/setup.sh" >&2
    echo "  (or \`npm ci\` in tests/deploy), which installs the pinned packages of package-lock.json." >&2
    exit 77
  fi
done
command -v node >/dev/null 2>&1 || { echo "check-schemas: SKIPPED: node is not installed (scripts/setup.sh)" >&2; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/check-schemas.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
fail() { failures=$((failures + 1)); echo "FAIL $*" >&2; }
# shellcheck source=tests/deploy/entry-points.sh
. "$here/entry-points.sh"

# --- 1. self-test --------------------------------------------------------------------------------
# One run over all fixtures; problems are read per file from the lines "validate: FILE: ...".
fixtures=("$here"/validate-fixtures/*.yaml)
n_fixtures=${#fixtures[@]}
rc=0
node "$here/validate.mjs" "${fixtures[@]}" >"$work/out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "self-test: validate.mjs must exit 1 on the fixtures, got rc=$rc: $(cat "$work/out")"
for f in "${fixtures[@]}"; do
  name=$(basename "$f")
  grep -F "validate: $f: " "$work/out" >"$work/lines" || true
  case $name in
    pass-*)
      [ ! -s "$work/lines" ] || fail "self-test: $name must pass: $(cat "$work/lines")"
      ;;
    fail-*)
      if [ ! -s "$work/lines" ]; then fail "self-test: $name must be rejected, was accepted"; continue; fi
      expects=$(sed -n 's/^# expect: //p' "$f")
      [ -n "$expects" ] || fail "self-test: $name has no '# expect:' line"
      while IFS= read -r e; do
        [ -n "$e" ] || continue
        grep -qF -- "$e" "$work/lines" || fail "self-test: $name: '$e' not in the output: $(cat "$work/lines")"
      done <<<"$expects"
      ;;
    *) fail "self-test: $name is neither pass-*.yaml nor fail-*.yaml" ;;
  esac
done
[ "$n_fixtures" -gt 1 ] || fail "self-test: no fixtures in $here/validate-fixtures"

# --- 2. the rendered manifests -------------------------------------------------------------------
load_entry_points

rendered=()
for d in "${entries[@]}"; do
  render_entry_point "$d"
  [ -z "$rendered_out" ] || rendered+=("$rendered_out")
done
extra=("$root/rules/prometheus/prometheus-rule.yaml")
[ ! -f "$deploy/components/prometheus-operator/prometheusrule.yaml" ] || extra+=("$deploy/components/prometheus-operator/prometheusrule.yaml")
rc=0
node "$here/validate.mjs" "${rendered[@]}" "${extra[@]}" | sed "s|$work/rendered-||g" || rc=$?
[ "$rc" -eq 0 ] || fail "validate.mjs found problems in the rendered manifests (rc=$rc, above)"

if [ "$failures" -gt 0 ]; then
  echo "check-schemas: $failures failure(s) ($deploy)" >&2
  exit 1
fi
echo "check-schemas: self-test ($n_fixtures fixtures) and ${#entries[@]} entry points + ${#extra[@]} rule file(s) passed ($deploy)"
