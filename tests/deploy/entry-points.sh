# shellcheck shell=bash disable=SC2154  # deploy, here, work: set by the sourcing script
# Sourced by check-pss.sh and check-schemas.sh: the kustomize entry points of DEPLOY_DIR and their
# rendering. Needs `deploy`, `here` and `work` set and a `fail MESSAGE` function.

# entries: the entry points listed in entry-points.txt ("." is the root). Every kustomization
# directory of $deploy (except Components, rendered through the overlays) must be listed.
load_entry_points() {
  mapfile -t entries < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$here/entry-points.txt" | sed '/^$/d')
  local k d
  while IFS= read -r k; do
    d=$(dirname "${k#"$deploy"/}")
    [ "$k" != "$deploy/kustomization.yaml" ] || d=.
    grep -q '^kind: Component' "$k" && continue
    # grep reads to the end (no -q): with pipefail, a grep that quits at the first match can leave
    # printf killed by SIGPIPE, and the pipeline failing although the entry is listed.
    printf '%s\n' "${entries[@]}" | grep -xF -- "$d" > /dev/null || fail "entry point $d (has $(basename "$k")) is not in tests/deploy/entry-points.txt"
  done < <(find "$deploy" -name kustomization.yaml -o -name kustomization.yml -o -name Kustomization | sort)
}

# render_entry_point DIR: `kubectl kustomize $deploy/DIR` into $work/rendered-<name>.yaml and sets
# `rendered_out` to that path; fails and sets it to "" when it does not render. (Not meant for
# $(...): `fail` must count in this shell.)
render_entry_point() {
  rendered_out="$work/rendered-$( [ "$1" = . ] && echo root || echo "$1" | tr / _).yaml"
  if ! kubectl kustomize "$deploy/$1" >"$rendered_out" 2>"$work/err"; then
    fail "kubectl kustomize $1: $(cat "$work/err")"
    rendered_out=""
  fi
}
