#!/usr/bin/env bash
# Pod Security Standards "restricted" for deploy/daemonset/ (tests/deploy/pss-restricted.mjs: the
# checks of kubernetes/pod-security-admission policy/check_*.go), after a self-test of the checker.
#
#   tests/deploy/check-pss.sh [DEPLOY_DIR]
#
# 1. Self-test on tests/deploy/pss-fixtures/: every pass/*.yaml must be accepted; every
#    fail/<check id>-<n>.yaml must be rejected for exactly that check id and no other.
# 2. Renders every entry point of tests/deploy/entry-points.txt with `kubectl kustomize` (as
#    check-manifests.sh does) and checks every pod template in the output.
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
[ -d "$deploy" ] || { echo "check-pss: $deploy is not a directory" >&2; exit 2; }

if ! command -v kubectl >/dev/null 2>&1; then
  echo "check-pss: SKIPPED: kubectl is not installed (kubectl >= 1.25 renders the kustomize layout)." >&2
  exit 77
fi
if [ ! -f "$here/node_modules/yaml/package.json" ]; then
  echo "check-pss: SKIPPED: tests/deploy/node_modules/yaml is missing: run scripts/setup.sh" >&2
  echo "  (or \`npm ci\` in tests/deploy), which installs the pinned packages of package-lock.json." >&2
  exit 77
fi
command -v node >/dev/null 2>&1 || { echo "check-pss: SKIPPED: node is not installed (scripts/setup.sh)" >&2; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/check-pss.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
fail() { failures=$((failures + 1)); echo "FAIL $*" >&2; }
# shellcheck source=tests/deploy/entry-points.sh
. "$here/entry-points.sh"

# --- 1. self-test --------------------------------------------------------------------------------
# One run over all fixtures; the verdicts are read per file from the lines "FILE: Kind/name: ID: ...".
pass_files=("$here"/pss-fixtures/pass/*.yaml)
fail_files=("$here"/pss-fixtures/fail/*.yaml)
n_pass=${#pass_files[@]}
n_fail=${#fail_files[@]}
rc=0
node "$here/pss-restricted.mjs" "${pass_files[@]}" "${fail_files[@]}" >"$work/out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "self-test: pss-restricted.mjs must exit 1 on the fixtures, got rc=$rc: $(cat "$work/out")"
ids_of() { awk -F': ' -v f="$1" 'index($0, f ": ") == 1 { print $3 }' "$work/out" | sort -u | tr '\n' ' ' | sed 's/ $//'; }
for f in "${pass_files[@]}"; do
  got=$(ids_of "$f")
  [ -z "$got" ] || fail "self-test: pass/$(basename "$f") must be accepted, got [$got]: $(grep -F "$f: " "$work/out")"
done
ids_seen=""
for f in "${fail_files[@]}"; do
  name=$(basename "$f" .yaml)
  want=${name%-*}
  ids_seen+=" $want"
  got=$(ids_of "$f")
  [ "$got" == "$want" ] || fail "self-test: fail/$name.yaml must be rejected for exactly $want, got [$got]: $(grep -F "$f: " "$work/out")"
done
# Every check id has a failing fixture.
for id in hostNamespaces privileged capabilities_baseline hostPathVolumes hostPorts appArmorProfile seLinuxOptions \
  procMount seccompProfile_baseline sysctls windowsHostProcess hostProbesAndHostLifecycle allowPrivilegeEscalation \
  capabilities_restricted runAsNonRoot runAsUser seccompProfile_restricted restrictedVolumes procMount_restricted; do
  [[ " $ids_seen " == *" $id "* ]] || fail "self-test: no fail fixture for check $id (pss-fixtures/fail/$id-1.yaml)"
done

# --- 2. the rendered manifests -------------------------------------------------------------------
load_entry_points

pods=0
for d in "${entries[@]}"; do
  render_entry_point "$d"
  [ -n "$rendered_out" ] || continue
  out=$rendered_out
  rc=0
  node "$here/pss-restricted.mjs" "$out" >"$work/out" 2>&1 || rc=$?
  sed -e "s|^$work/rendered-||" -e "s|^OK |OK [$d] |" "$work/out" | grep -v '^pss-restricted: ' || true
  [ "$rc" -eq 0 ] || fail "$d: Pod Security restricted violations (above)"
  grep -q '^pss-restricted: 0 pod spec' "$work/out" && fail "$d: no pod spec rendered"
  pods=$((pods + $(sed -n 's/^pss-restricted: \([0-9]*\) pod spec.*/\1/p' "$work/out")))
done

if [ "$failures" -gt 0 ]; then
  echo "check-pss: $failures failure(s) ($deploy)" >&2
  exit 1
fi
echo "check-pss: self-test ($n_pass pass, $n_fail fail fixtures) and $pods pod spec(s) in ${#entries[@]} entry points passed ($deploy)"
