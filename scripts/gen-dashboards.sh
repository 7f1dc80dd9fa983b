#!/usr/bin/env bash
# Renders the monitoring mixin (mixin/) into the Grafana dashboards checked in under
# dashboards/grafana/, one pretty-printed JSON file per dashboard (the file names are the keys of
# the mixin's grafanaDashboards), and checks that the mixin's prometheusAlerts are the shipped
# rule file.
#
#   scripts/gen-dashboards.sh            render into dashboards/grafana/
#   scripts/gen-dashboards.sh --check    exit 1 (with a diff) when a checked-in dashboard differs
#                                        from what the mixin renders, a file is missing or extra,
#                                        a file is not valid JSON, or prometheusAlerts differs from
#                                        rules/prometheus/neo4j-cluster.rules.yml
#
# Needs jsonnet (Debian's 0.18 is enough). The rule comparison parses the YAML with python3 +
# PyYAML when available, else with the `yaml` npm package of tests/deploy (npm ci); without
# either it is skipped with a warning (jsonnet 0.18's own std.parseYaml cannot read the file:
# see mixin/lib/yaml.libsonnet).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/dashboards/grafana"
rules="$root/rules/prometheus/neo4j-cluster.rules.yml"

mode=write
case ${1:-} in
  '') ;;
  --check) mode=check ;;
  -h | --help)
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "gen-dashboards: unknown argument: $1 (see --help)" >&2
    exit 2
    ;;
esac

if ! command -v jsonnet >/dev/null 2>&1; then
  echo "gen-dashboards: jsonnet not found (apt-get install jsonnet; scripts/setup.sh installs it)" >&2
  exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gen-dashboards.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# One file per dashboard, two-space indentation, keys sorted (jsonnet's order), final newline.
mkdir "$tmp/dashboards"
(cd "$root" && jsonnet -J mixin -S -m "$tmp/dashboards" -e '
  local mixin = import "mixin/mixin.libsonnet";
  { [name]: std.manifestJsonEx(mixin.grafanaDashboards[name], "  ") + "\n"
    for name in std.objectFields(mixin.grafanaDashboards) }') >/dev/null

# Every rendered file must be JSON (jsonnet guarantees it; this guards the manifest step).
json_ok() {  # $1: file
  if command -v python3 >/dev/null 2>&1; then
    python3 -m json.tool "$1" >/dev/null
  elif command -v node >/dev/null 2>&1; then
    node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$1"
  fi
}
for f in "$tmp/dashboards"/*.json; do
  json_ok "$f" || { echo "gen-dashboards: ${f##*/} is not valid JSON" >&2; exit 1; }
done

# prometheusAlerts (jsonnet's parse of the rule file) against a YAML library's parse of it.
check_alerts() {
  local rc=0
  (cd "$root" && jsonnet -J mixin -e '(import "mixin/mixin.libsonnet").prometheusAlerts') >"$tmp/alerts.json"
  if command -v python3 >/dev/null 2>&1 && python3 -c 'import yaml' >/dev/null 2>&1; then
    python3 - "$rules" "$tmp/alerts.json" <<'EOF' || rc=$?
import json, sys
import yaml
with open(sys.argv[1], encoding="utf-8") as f:
    want = yaml.safe_load(f)
with open(sys.argv[2], encoding="utf-8") as f:
    got = json.load(f)
if got != want:
    sys.stderr.write("gen-dashboards: the mixin's prometheusAlerts differ from %s\n" % sys.argv[1])
    json.dump(want, open(sys.argv[2] + ".want", "w"), indent=2, sort_keys=True)
    json.dump(got, open(sys.argv[2] + ".got", "w"), indent=2, sort_keys=True)
    sys.exit(1)
EOF
  elif command -v node >/dev/null 2>&1 && [ -d "$root/tests/deploy/node_modules/yaml" ]; then
    NODE_PATH="$root/tests/deploy/node_modules" node - "$rules" "$tmp/alerts.json" <<'EOF' || rc=$?
const fs = require('fs');
const YAML = require('yaml');
const sorted = v => Array.isArray(v) ? v.map(sorted) : (v && typeof v === 'object')
  ? Object.fromEntries(Object.keys(v).sort().map(k => [k, sorted(v[k])])) : v;
const want = sorted(YAML.parse(fs.readFileSync(process.argv[2], 'utf8')));
const got = sorted(JSON.parse(fs.readFileSync(process.argv[3], 'utf8')));
if (JSON.stringify(want) !== JSON.stringify(got)) {
  process.stderr.write(`gen-dashboards: the mixin's prometheusAlerts differ from ${process.argv[2]}\n`);
  fs.writeFileSync(process.argv[3] + '.want', JSON.stringify(want, null, 2));
  fs.writeFileSync(process.argv[3] + '.got', JSON.stringify(got, null, 2));
  process.exit(1);
}
EOF
  else
    echo "gen-dashboards: warning: neither python3 with PyYAML nor tests/deploy's yaml package; prometheusAlerts not compared with the rule file" >&2
    return 0
  fi
  if [ "$rc" -ne 0 ]; then
    diff -u "$tmp/alerts.json.want" "$tmp/alerts.json.got" >&2 || true
    return 1
  fi
  echo "gen-dashboards: mixin prometheusAlerts equal ${rules#"$root"/}"
}

case $mode in
  write)
    mkdir -p "$out"
    for f in "$tmp/dashboards"/*.json; do
      cp "$f" "$out/${f##*/}"
      echo "gen-dashboards: wrote ${out#"$root"/}/${f##*/}"
    done
    for f in "$out"/*.json; do
      [ -e "$tmp/dashboards/${f##*/}" ] ||
        echo "gen-dashboards: warning: ${out#"$root"/}/${f##*/} is not rendered by the mixin (remove it?)" >&2
    done
    check_alerts
    ;;
  check)
    status=0
    if diff -ru -x README.md "$out" "$tmp/dashboards" >"$tmp/diff" 2>&1; then
      echo "gen-dashboards: ${out#"$root"/} is up to date ($(ls "$tmp/dashboards" | wc -l) dashboards)"
    else
      echo "gen-dashboards: ${out#"$root"/} differs from what mixin/ renders; run scripts/gen-dashboards.sh" >&2
      sed -e "s|$tmp/dashboards|rendered|g" -e "s|$root/||g" "$tmp/diff" >&2
      status=1
    fi
    check_alerts || status=1
    exit $status
    ;;
esac
