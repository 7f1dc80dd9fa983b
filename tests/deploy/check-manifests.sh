#!/usr/bin/env bash
# Offline checks of deploy/daemonset/: renders every kustomize entry point with `kubectl
# kustomize` (no cluster needed) and checks invariants on the rendered objects, reading them with
# kubectl's own YAML parser and JSONPath (`kubectl annotate --local -o jsonpath`, which works
# offline for any kind, custom resources included).
#
#   tests/deploy/check-manifests.sh AGENT_BINARY [DEPLOY_DIR]
#
# AGENT_BINARY: the built neo4j-cluster-agent (its --help and --version are the reference for the
# container's flags and the image tag). DEPLOY_DIR: default deploy/daemonset of this repository
# (another directory lets you check a modified copy).
#
# Exit status: 0 all checks passed; 1 a check failed (every failure is listed); 2 usage;
# 77 skipped because kubectl is not installed (ctest reports the test as skipped).
#
# What is checked (Pod Security: the checks of kubernetes/pod-security-admission, policy/check_*.go):
#   render      every entry point renders; the one-line install and the base contain only
#               built-in kinds (no CRDs needed); no Namespace object (`kubectl delete -k` must
#               never delete Neo4j's namespace); the Operator entry points contain the PodMonitor
#               and the PrometheusRule, the kube-prometheus-stack one with its `release` label
#   namespace   every namespaced object has the expected namespace; binding subjects name the
#               DaemonSet's ServiceAccount in the ServiceAccount's namespace; roleRefs exist
#   labels      app.kubernetes.io/{name,part-of,version} on every object; version and image tag
#               equal the agent's --version
#   selectors   the DaemonSet selector is exactly name+component and matches the template labels;
#               the Service, PodMonitor and NetworkPolicy selectors match the template labels
#   ports       the PodMonitor port, the Service targetPort, the probe ports and the
#               NetworkPolicy ingress port are container ports of the agent
#   probes      liveness /-/healthy, readiness /-/ready, no probe host
#   flags       every container argument is --flag=value and the flag is one the agent accepts;
#               every $(VAR) in the arguments is defined in the container's env, and every
#               configMapKeyRef names a key of a rendered ConfigMap
#   env         NODE_NAME from spec.nodeName, POD_NAMESPACE from metadata.namespace
#   security    Pod Security "restricted" as far as it concerns this pod: runAsNonRoot,
#               runAsUser/runAsGroup/fsGroup 65534, seccomp RuntimeDefault, no host namespaces,
#               ports or paths, only restricted volume types, and per container
#               allowPrivilegeEscalation false, readOnlyRootFilesystem, capabilities drop ALL and
#               add nothing, not privileged, not root
#   secrets     credential files are read from a read-only Secret volume, mounted without subPath
#   resources   requests (cpu, memory) and a memory limit; RollingUpdate with maxUnavailable
#   rbac        the ClusterRole (and Role) grant exactly list on pods and nodes and get on
#               neo4j.neo4j.com neo4jenterpriseclusters (nodes only in the ClusterRole of the
#               namespaced variant), nothing else
#   scrape      prometheus-scrape-config.yaml: kubernetes_sd pod role, keeps the agent's pods by
#               the DaemonSet's template labels and the metrics port name, node name as instance
set -euo pipefail
# No pathname expansion: unquoted values such as RBAC wildcards ("*") stay what they are.
set -f

usage() {
  echo "usage: $0 AGENT_BINARY [DEPLOY_DIR]" >&2
  exit 2
}
[ $# -ge 1 ] && [ $# -le 2 ] || usage
agent=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
deploy=${2:-$root/deploy/daemonset}
[ -x "$agent" ] || { echo "check-manifests: $agent is not an executable" >&2; exit 2; }
[ -d "$deploy" ] || { echo "check-manifests: $deploy is not a directory" >&2; exit 2; }

if ! command -v kubectl >/dev/null 2>&1; then
  echo "check-manifests: SKIPPED: kubectl is not installed, the manifests were not checked." >&2
  echo "  kubectl >= 1.25 (kustomize >= v4.5.5) is needed; Debian bookworm's kubernetes-client" >&2
  echo "  package is 1.20 (kustomize v2, no components), see deploy/daemonset/README.md." >&2
  exit 77
fi

# Expected values.
default_namespace=neo4j
image_repo=ghcr.io/neo4j-cluster-agent/neo4j-cluster-agent
uid=65534
# The entry points: directory (relative to DEPLOY_DIR) and what it must contain.
#   base      only built-in kinds (no CRD needed)
#   operator  + PodMonitor and PrometheusRule
#   kps       operator + the release label for kube-prometheus-stack
#   nsrbac    pods and custom resources in a Role, nodes only in the ClusterRole
#   ns=NAME   the namespace (default neo4j); release=NAME the kps release label (default
#             kube-prometheus-stack)
entry_points=(
  ".:base"
  "base:base"
  "overlays/prometheus-operator:operator"
  "overlays/kube-prometheus-stack:kps"
  "examples/helm-chart-secret:base"
  "examples/namespaced-rbac:base,nsrbac"
  "examples/custom-overlay:kps,ns=graph,release=monitoring"
)
# Kinds that are cluster-scoped (every other kind must carry a namespace).
cluster_scoped=" ClusterRole ClusterRoleBinding Namespace CustomResourceDefinition PriorityClass StorageClass PersistentVolume APIService MutatingWebhookConfiguration ValidatingWebhookConfiguration "
# API groups of built-in kinds the base may use.
builtin_groups=" v1 apps/v1 rbac.authorization.k8s.io/v1 networking.k8s.io/v1 policy/v1 "
# Pod Security "restricted": the volume types it allows.
restricted_volumes=" configMap downwardAPI emptyDir projected secret csi persistentVolumeClaim ephemeral image "
# RBAC, as "apiGroup resource verb" triples ("core" for the core group), sorted.
rbac_all=$'core nodes list\ncore pods list\nneo4j.neo4j.com neo4jenterpriseclusters get'
rbac_nodes=$'core nodes list'
rbac_namespaced=$'core pods list\nneo4j.neo4j.com neo4jenterpriseclusters get'

work=$(mktemp -d "${TMPDIR:-/tmp}/check-manifests.XXXXXX")
trap 'rm -rf "$work"' EXIT

failures=0
checks=0
entry=""
fail() {
  failures=$((failures + 1))
  echo "FAIL [${entry:-global}] $*" >&2
}
ok() { checks=$((checks + 1)); }
# expect DESCRIPTION ACTUAL EXPECTED
expect() {
  if [ "$2" == "$3" ]; then ok; else fail "$1: got '$2', want '$3'"; fi
}

# q FILE JSONPATH: evaluates JSONPath on every object of FILE (offline).
q() { kubectl annotate --local -f "$1" check-manifests/query=1 -o "jsonpath=$2"; }

# The top-level keys of a one-line JSON object (awk; strings may contain braces and quotes).
json_top_keys() {
  awk '{
    depth = 0; instr = 0; esc = 0; key = ""; collecting = 0
    for (i = 1; i <= length($0); i++) {
      c = substr($0, i, 1)
      if (instr) {
        if (esc) { esc = 0; if (collecting) key = key c; continue }
        if (c == "\\") { esc = 1; continue }
        if (c == "\"") { instr = 0; if (collecting) { print key; collecting = 0 } ; continue }
        if (collecting) key = key c
        continue
      }
      if (c == "\"") {
        instr = 1
        # A key at depth 1 follows "{" or ",".
        if (depth == 1 && (prev == "{" || prev == ",")) { collecting = 1; key = "" }
        prev = c; continue
      }
      if (c == "{" || c == "[") depth++
      else if (c == "}" || c == "]") depth--
      if (c != " ") prev = c
    }
  }'
}

# Flags the agent accepts, one per line, from its --help ("--[no-]x" gives x and no-x).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
help=$("$agent" --help)
{
  grep -oE -- '--(\[no-\])?[a-z0-9][a-z0-9._-]*' <<<"$help" | sed 's/^--//' | while read -r f; do
    case $f in
      '[no-]'*) echo "${f#\[no-\]}"; echo "no-${f#\[no-\]}" ;;
      *) echo "$f" ;;
    esac
  done
} | sort -u >"$work/flags"
if ! grep -qx 'web.listen-address' "$work/flags" || ! grep -qx 'no-rules.enabled' "$work/flags"; then
  echo "check-manifests: could not read the flags from $agent --help" >&2
  exit 2
fi
version=$("$agent" --version | awk '{print $2}')
[ -n "$version" ] || { echo "check-manifests: no version from $agent --version" >&2; exit 2; }

# render DIR OUT: renders DIR and splits it into OUT/NNN.yaml, one object each, with
# OUT/index: "NNN kind name namespace apiVersion" per object.
render() {
  local dir=$1 out=$2
  mkdir -p "$out"
  if ! kubectl kustomize "$deploy/$dir" >"$out/rendered.yaml" 2>"$out/render.err"; then
    local hint=""
    if grep -q "unknown field" "$out/render.err"; then
      hint=" (kubectl $(kubectl version --client 2>/dev/null | head -1 | sed "s/^Client Version: //"): the layout needs kubectl >= 1.25, kustomize >= v4.5.5)"
    fi
    fail "kubectl kustomize $dir failed$hint: $(cat "$out/render.err")"
    return 1
  fi
  ok
  awk -v dir="$out" 'BEGIN { n = 0; f = sprintf("%s/%03d.yaml", dir, n) }
    /^---$/ { close(f); n++; f = sprintf("%s/%03d.yaml", dir, n); next }
    { print > f }' "$out/rendered.yaml"
  local i=0
  # One line per object, in document order.
  q "$out/rendered.yaml" '{.kind}{" "}{.metadata.name}{" "}{.metadata.namespace}{" "}{.apiVersion}{"\n"}' |
    while read -r kind name ns api; do
      # The namespace column is empty for cluster-scoped objects: keep the apiVersion last.
      if [ -z "$api" ]; then api=$ns; ns=""; fi
      printf '%03d %s %s %s %s\n' "$i" "$kind" "$name" "${ns:--}" "$api"
      i=$((i + 1))
    done >"$out/index"
}

# objs OUT KIND: the object files of that kind.
objs() { awk -v k="$2" -v d="$1" '$2 == k { print d "/" $1 ".yaml" }' "$1/index"; }

# Labels "k=v" per line of a JSONPath map (JSON object on one line).
map_lines() { sed -e 's/^{//' -e 's/}$//' | tr ',' '\n' | sed -e 's/^"//' -e 's/"$//' -e 's/":"/=/' | sed '/^$/d' | sort; }

# subset DESCRIPTION SELECTOR_LINES LABEL_LINES: every selector pair is among the labels.
subset() {
  local missing
  if [ -z "$2" ]; then fail "$1: empty selector"; return; fi
  missing=$(comm -23 <(echo "$2") <(echo "$3"))
  if [ -n "$missing" ]; then fail "$1: not in the pod template's labels: $(echo "$missing" | tr '\n' ' ')"; else ok; fi
}

# rbac_triples FILE: the rules of a Role/ClusterRole as sorted "group resource verb" lines, and
# a line "EXTRA ..." for any resourceNames/nonResourceURLs.
rbac_triples() {
  q "$1" '{range .rules[*]}{.apiGroups}|{.resources}|{.verbs}|{.resourceNames}{.nonResourceURLs}{"\n"}{end}' |
    while IFS='|' read -r groups resources verbs extra; do
      [ -z "$extra" ] || echo "EXTRA resourceNames/nonResourceURLs $extra"
      for g in $(sed -e 's/[][]//g' -e 's/""/core/g' -e 's/"//g' -e 's/,/ /g' <<<"$groups"); do
        for r in $(sed -e 's/[][]//g' -e 's/"//g' -e 's/,/ /g' <<<"$resources"); do
          for v in $(sed -e 's/[][]//g' -e 's/"//g' -e 's/,/ /g' <<<"$verbs"); do
            echo "$g $r $v"
          done
        done
      done
    done | sort -u
}

# fields FILE: reads "key<TAB>jsonpath" lines on stdin and prints "key<TAB>value" lines for the
# (single) object in FILE, with one kubectl call. Values must not span lines.
fields() {
  local tpl="" key path
  while IFS=$'\t' read -r key path; do
    tpl+="$key{\"\\t\"}{$path}{\"\\n\"}"
  done
  q "$1" "$tpl"
}
# v VALUES KEY: the value of KEY in the output of `fields`.
v() { awk -F'\t' -v k="$2" '$1 == k { sub(/^[^\t]*\t/, ""); print; exit }' <<<"$1"; }

check_entry_point() {
  local dir=$1 traits=$2
  local out
  out="$work/$(echo "$dir" | tr '/.' '__')"
  entry=$dir
  local namespace=$default_namespace release_label=kube-prometheus-stack t
  for t in ${traits//,/ }; do
    case $t in
      ns=*) namespace=${t#ns=} ;;
      release=*) release_label=${t#release=} ;;
    esac
  done
  render "$dir" "$out" || return 0

  # --- render: kinds ----------------------------------------------------------------------------
  if grep -q ' Namespace ' "$out/index"; then fail "renders a Namespace object: kubectl delete -k would delete it (and Neo4j in it)"; else ok; fi
  local n_ds
  n_ds=$(objs "$out" DaemonSet | wc -l)
  expect "number of DaemonSets" "$n_ds" 1
  [ "$n_ds" -eq 1 ] || return 0
  local ds
  ds=$(objs "$out" DaemonSet)
  case ",$traits," in
    *,operator,* | *,kps,*)
      expect "PodMonitor objects" "$(objs "$out" PodMonitor | wc -l)" 1
      expect "PrometheusRule objects" "$(objs "$out" PrometheusRule | wc -l)" 1
      ;;
    *)
      # The one-line install must apply on a cluster without the Prometheus Operator's CRDs.
      local foreign
      foreign=$(awk -v b="$builtin_groups" 'index(b, " " $5 " ") == 0 { print $2 " (" $5 ")" }' "$out/index")
      if [ -n "$foreign" ]; then fail "kinds that need CRDs: $(echo "$foreign" | tr '\n' ' ')"; else ok; fi
      ;;
  esac

  # Per object: kind/name, the standard labels and the release label.
  local labels
  labels=$(q "$out/rendered.yaml" '{.kind}/{.metadata.name}|{.metadata.labels.app\.kubernetes\.io/name}|{.metadata.labels.app\.kubernetes\.io/part-of}|{.metadata.labels.app\.kubernetes\.io/version}|{.metadata.labels.release}{"\n"}')
  if [[ ",$traits," == *,kps,* ]]; then
    local what name partof ver release
    while IFS='|' read -r what name partof ver release; do
      case $what in
        PodMonitor/* | PrometheusRule/*) expect "$what label release (kube-prometheus-stack's selector)" "$release" "$release_label" ;;
      esac
    done <<<"$labels"
  fi

  # --- the DaemonSet's fields, in one query ------------------------------------------------------
  local ps='.spec.template.spec' containers dsv
  containers=$(q "$ds" "{range $ps.initContainers[*]}initContainers {.name}{\"\\n\"}{end}{range $ps.containers[*]}containers {.name}{\"\\n\"}{end}{range $ps.ephemeralContainers[*]}ephemeralContainers {.name}{\"\\n\"}{end}")
  dsv=$(
    {
      printf '%s\t%s\n' \
        ns .metadata.namespace \
        sa "$ps.serviceAccountName" \
        tmpl .spec.template.metadata.labels \
        sel .spec.selector.matchLabels \
        selexpr .spec.selector.matchExpressions \
        version .spec.template.metadata.labels.app\\.kubernetes\\.io/version \
        command "$ps.containers[0].command" \
        nodename "$ps.containers[0].env[?(@.name==\"NODE_NAME\")].valueFrom.fieldRef.fieldPath" \
        podns "$ps.containers[0].env[?(@.name==\"POD_NAMESPACE\")].valueFrom.fieldRef.fieldPath" \
        secretenv "$ps.containers[*].env[*].valueFrom.secretKeyRef.name" \
        secretenvfrom "$ps.containers[*].envFrom[*].secretRef.name" \
        runAsNonRoot "$ps.securityContext.runAsNonRoot" \
        runAsUser "$ps.securityContext.runAsUser" \
        runAsGroup "$ps.securityContext.runAsGroup" \
        fsGroup "$ps.securityContext.fsGroup" \
        seccomp "$ps.securityContext.seccompProfile.type" \
        hostNetwork "$ps.hostNetwork" \
        hostPID "$ps.hostPID" \
        hostIPC "$ps.hostIPC" \
        hostPorts "$ps.initContainers[*].ports[*].hostPort}{$ps.containers[*].ports[*].hostPort}{$ps.ephemeralContainers[*].ports[*].hostPort" \
        update .spec.updateStrategy.type \
        maxUnavailable .spec.updateStrategy.rollingUpdate.maxUnavailable
      local kc c sc
      while read -r kc c; do
        [ -n "$c" ] || continue
        sc="$ps.${kc}[?(@.name==\"$c\")]"
        printf '%s\t%s\n' \
          "$c.image" "$sc.image" \
          "$c.liveness.path" "$sc.livenessProbe.httpGet.path" \
          "$c.liveness.port" "$sc.livenessProbe.httpGet.port" \
          "$c.readiness.path" "$sc.readinessProbe.httpGet.path" \
          "$c.readiness.port" "$sc.readinessProbe.httpGet.port" \
          "$c.probe.hosts" "$sc.livenessProbe.httpGet.host}{$sc.readinessProbe.httpGet.host}{$sc.startupProbe.httpGet.host" \
          "$c.ape" "$sc.securityContext.allowPrivilegeEscalation" \
          "$c.rorfs" "$sc.securityContext.readOnlyRootFilesystem" \
          "$c.drop" "$sc.securityContext.capabilities.drop" \
          "$c.add" "$sc.securityContext.capabilities.add" \
          "$c.privileged" "$sc.securityContext.privileged" \
          "$c.runAsNonRoot" "$sc.securityContext.runAsNonRoot" \
          "$c.runAsUser" "$sc.securityContext.runAsUser" \
          "$c.seccomp" "$sc.securityContext.seccompProfile.type" \
          "$c.procMount" "$sc.securityContext.procMount" \
          "$c.req.cpu" "$sc.resources.requests.cpu" \
          "$c.req.memory" "$sc.resources.requests.memory" \
          "$c.lim.memory" "$sc.resources.limits.memory"
      done <<<"$containers"
    } | fields "$ds"
  )

  # --- namespace ---------------------------------------------------------------------------------
  local kind name ns api
  while read -r _ kind name ns api; do
    if [[ "$cluster_scoped" == *" $kind "* ]]; then
      if [ "$ns" != - ]; then fail "$kind/$name is cluster-scoped but has namespace $ns"; else ok; fi
    else
      expect "namespace of $kind/$name" "$ns" "$namespace"
    fi
  done <"$out/index"
  local sa ds_ns
  sa=$(v "$dsv" sa)
  ds_ns=$(v "$dsv" ns)
  if ! awk -v s="$sa" '$2 == "ServiceAccount" && $3 == s' "$out/index" | grep . > /dev/null; then
    fail "the DaemonSet's serviceAccountName '$sa' is not a rendered ServiceAccount"
  else ok; fi
  local f
  for f in $(objs "$out" ClusterRoleBinding) $(objs "$out" RoleBinding); do
    local b subjects ref
    b=$(q "$f" '{.kind}/{.metadata.name}')
    subjects=$(q "$f" '{range .subjects[*]}{.kind}{" "}{.name}{" "}{.namespace}{"\n"}{end}')
    expect "$b subjects" "$subjects" "ServiceAccount $sa $ds_ns"
    ref=$(q "$f" '{.roleRef.kind} {.roleRef.name}')
    if ! awk -v r="$ref" '$2 " " $3 == r' "$out/index" | grep . > /dev/null; then
      fail "$b roleRef $ref is not rendered"
    else ok; fi
  done

  # --- labels ------------------------------------------------------------------------------------
  local what lname partof ver release
  while IFS='|' read -r what lname partof ver release; do
    expect "$what label app.kubernetes.io/name" "$lname" neo4j-cluster-agent
    expect "$what label app.kubernetes.io/part-of" "$partof" neo4j-cluster-agent
    expect "$what label app.kubernetes.io/version (the agent's --version)" "$ver" "$version"
  done <<<"$labels"
  local kc c
  while read -r kc c; do
    [ -n "$c" ] || continue
    expect "$kc $c image (tag = the agent's --version)" "$(v "$dsv" "$c.image")" "$image_repo:$version"
  done <<<"$containers"
  expect "pod template label app.kubernetes.io/version" "$(v "$dsv" version)" "$version"

  # --- selectors ---------------------------------------------------------------------------------
  local tmpl sel
  tmpl=$(v "$dsv" tmpl | map_lines)
  sel=$(v "$dsv" sel | map_lines)
  expect "DaemonSet selector (name + component only: it is immutable)" "$(echo "$sel" | tr '\n' ' ')" "app.kubernetes.io/component=agent app.kubernetes.io/name=neo4j-cluster-agent "
  expect "DaemonSet selector matchExpressions" "$(v "$dsv" selexpr)" ""
  subset "DaemonSet selector" "$sel" "$tmpl"
  expect "Service objects" "$(objs "$out" Service | wc -l)" 1
  expect "NetworkPolicy objects" "$(objs "$out" NetworkPolicy | wc -l)" 1

  # --- ports -------------------------------------------------------------------------------------
  local ports
  ports=$(q "$ds" "{range $ps.containers[*].ports[*]}{.name}{\"\\n\"}{end}" | sort)
  if ! grep -qx metrics <<<"$ports"; then fail "no container port named metrics (ports: $(echo $ports))"; else ok; fi
  # has_port DESCRIPTION NAME
  has_port() {
    if [ -z "$2" ]; then fail "$1: no port given"
    elif grep -qx -- "$2" <<<"$ports"; then ok
    else fail "$1: '$2' is not a container port name of the DaemonSet (ports: $(echo $ports))"; fi
  }
  local p fv
  for f in $(objs "$out" Service); do
    fv=$(printf '%s\t%s\n' selector .spec.selector ports '.spec.ports[*].name' targets '.spec.ports[*].targetPort' clusterIP .spec.clusterIP | fields "$f")
    subset "Service selector" "$(v "$fv" selector | map_lines)" "$tmpl"
    for p in $(v "$fv" targets); do has_port "Service targetPort" "$p"; done
    expect "Service port names" "$(v "$fv" ports)" metrics
    expect "Service clusterIP (headless)" "$(v "$fv" clusterIP)" None
  done
  for f in $(objs "$out" PodMonitor); do
    fv=$(printf '%s\t%s\n' selector .spec.selector.matchLabels selexpr .spec.selector.matchExpressions \
      ports '.spec.podMetricsEndpoints[*].port' \
      instance '.spec.podMetricsEndpoints[*].relabelings[?(@.targetLabel=="instance")].sourceLabels' | fields "$f")
    subset "PodMonitor selector" "$(v "$fv" selector | map_lines)" "$tmpl"
    expect "PodMonitor selector matchExpressions" "$(v "$fv" selexpr)" ""
    [ -n "$(v "$fv" ports)" ] && ok || fail "PodMonitor has no podMetricsEndpoints with a port"
    for p in $(v "$fv" ports); do has_port "PodMonitor port" "$p"; done
    expect "PodMonitor relabeling to instance" "$(v "$fv" instance)" '["__meta_kubernetes_pod_node_name"]'
  done
  for f in $(objs "$out" NetworkPolicy); do
    fv=$(printf '%s\t%s\n' selector .spec.podSelector.matchLabels ports '.spec.ingress[*].ports[*].port' | fields "$f")
    subset "NetworkPolicy podSelector" "$(v "$fv" selector | map_lines)" "$tmpl"
    for p in $(v "$fv" ports); do has_port "NetworkPolicy ingress port" "$p"; done
  done

  # --- probes ------------------------------------------------------------------------------------
  for c in $(q "$ds" "{$ps.containers[*].name}"); do
    expect "container $c livenessProbe path" "$(v "$dsv" "$c.liveness.path")" /-/healthy
    expect "container $c readinessProbe path" "$(v "$dsv" "$c.readiness.path")" /-/ready
    has_port "container $c livenessProbe port" "$(v "$dsv" "$c.liveness.port")"
    has_port "container $c readinessProbe port" "$(v "$dsv" "$c.readiness.port")"
    expect "container $c probe hosts (must be empty)" "$(v "$dsv" "$c.probe.hosts")" ""
  done

  # --- flags and env -----------------------------------------------------------------------------
  local args env_names a
  args=$(q "$ds" "{range $ps.containers[0].args[*]}{@}{\"\\n\"}{end}")
  [ -n "$args" ] || fail "the agent container has no args"
  expect "container command (the image's ENTRYPOINT runs the agent)" "$(v "$dsv" command)" ""
  env_names=$(q "$ds" "{range $ps.containers[0].env[*]}{.name}{\"\\n\"}{end}")
  while IFS= read -r a; do
    [ -n "$a" ] || continue
    if [[ "$a" != --* ]]; then
      fail "argument '$a' is not --flag=value (write flag and value as one argument)"
      continue
    fi
    local flag=${a#--}
    flag=${flag%%=*}
    if grep -qxF -- "$flag" "$work/flags"; then ok; else fail "argument '$a': --$flag is not a flag of $(basename "$agent") (see its --help)"; fi
    local var
    for var in $(grep -oE '\$\([A-Za-z_][A-Za-z0-9_]*\)' <<<"$a" | sed -e 's/^\$(//' -e 's/)$//'); do
      if grep -qx -- "$var" <<<"$env_names"; then ok; else fail "argument '$a': \$($var) is not in the container's env (Kubernetes would pass it literally)"; fi
    done
  done <<<"$args"
  local refs cm key cmf
  refs=$(q "$ds" "{range $ps.containers[0].env[*]}{.valueFrom.configMapKeyRef.name}{\" \"}{.valueFrom.configMapKeyRef.key}{\"\\n\"}{end}")
  while read -r cm key; do
    [ -n "$cm" ] || continue
    cmf=$(awk -v n="$cm" '$2 == "ConfigMap" && $3 == n { print $1 }' "$out/index")
    if [ -z "$cmf" ]; then fail "env refers to ConfigMap $cm, which is not rendered"; continue; fi
    if q "$out/$cmf.yaml" '{.data}' | json_top_keys | grep -xF -- "$key" > /dev/null; then ok; else fail "env refers to key $key of ConfigMap $cm, which it does not have"; fi
  done <<<"$refs"
  expect "env NODE_NAME (downward API)" "$(v "$dsv" nodename)" spec.nodeName
  expect "env POD_NAMESPACE (downward API)" "$(v "$dsv" podns)" metadata.namespace

  # --- security (Pod Security "restricted") ------------------------------------------------------
  expect "pod runAsNonRoot" "$(v "$dsv" runAsNonRoot)" true
  expect "pod runAsUser" "$(v "$dsv" runAsUser)" "$uid"
  expect "pod runAsGroup" "$(v "$dsv" runAsGroup)" "$uid"
  expect "pod fsGroup" "$(v "$dsv" fsGroup)" "$uid"
  expect "pod seccompProfile" "$(v "$dsv" seccomp)" RuntimeDefault
  local h
  for h in hostNetwork hostPID hostIPC; do
    case $(v "$dsv" $h) in "" | false) ok ;; *) fail "pod $h is set" ;; esac
  done
  expect "container hostPorts" "$(v "$dsv" hostPorts)" ""
  local vkeys bad
  vkeys=$(q "$ds" "{range $ps.volumes[*]}{@}{\"\\n\"}{end}" | json_top_keys | sort -u)
  bad=$(grep -vx name <<<"$vkeys" | while read -r k; do [[ "$restricted_volumes" == *" $k "* ]] || echo "$k"; done)
  if [ -n "$bad" ]; then fail "volume types not allowed by Pod Security restricted: $(echo $bad)"; else ok; fi
  while read -r kc c; do
    [ -n "$c" ] || continue
    expect "$c allowPrivilegeEscalation" "$(v "$dsv" "$c.ape")" false
    expect "$c readOnlyRootFilesystem" "$(v "$dsv" "$c.rorfs")" true
    if grep -q '"ALL"' <<<"$(v "$dsv" "$c.drop")"; then ok; else fail "$c capabilities.drop lacks ALL"; fi
    expect "$c capabilities.add" "$(v "$dsv" "$c.add")" ""
    case $(v "$dsv" "$c.privileged") in "" | false) ok ;; *) fail "$c is privileged" ;; esac
    case $(v "$dsv" "$c.runAsNonRoot") in "" | true) ok ;; *) fail "$c runAsNonRoot is false" ;; esac
    case $(v "$dsv" "$c.runAsUser") in 0) fail "$c runs as uid 0" ;; *) ok ;; esac
    case $(v "$dsv" "$c.seccomp") in "" | RuntimeDefault | Localhost) ok ;; *) fail "$c seccompProfile is not RuntimeDefault/Localhost" ;; esac
    case $(v "$dsv" "$c.procMount") in "" | Default) ok ;; *) fail "$c procMount is not Default" ;; esac
  done <<<"$containers"

  # --- secrets -----------------------------------------------------------------------------------
  local mounts secret_volumes
  mounts=$(q "$ds" "{range $ps.containers[0].volumeMounts[*]}{.mountPath}{\" \"}{.name}{\" \"}{.readOnly}{\" \"}{.subPath}{.subPathExpr}{\"\\n\"}{end}")
  secret_volumes=$(q "$ds" "{range $ps.volumes[*]}{.name}{\" \"}{.secret.secretName}{\"\\n\"}{end}" | awk 'NF == 2 { print $1 }')
  while IFS= read -r a; do
    case $a in
      --neo4j.username-file=* | --neo4j.password-file=* | --neo4j.auth-file=*) ;;
      *) continue ;;
    esac
    local path=${a#*=} found=no mpath vname ro sub
    while read -r mpath vname ro sub; do
      [ -n "$mpath" ] || continue
      case $path in "$mpath"/*) ;; *) continue ;; esac
      found=yes
      [ "$ro" = true ] && ok || fail "$a: volume $vname is not mounted readOnly"
      [ -z "$sub" ] && ok || fail "$a: volume $vname is mounted with subPath (Secret updates would not reach the file)"
      grep -qxF -- "$vname" <<<"$secret_volumes" && ok || fail "$a: volume $vname is not a Secret"
    done <<<"$mounts"
    [ $found = yes ] && ok || fail "$a: the file is on no mounted volume"
  done <<<"$args"
  expect "Secrets in environment variables (mount them as files)" "$(v "$dsv" secretenv)$(v "$dsv" secretenvfrom)" ""

  # --- resources and updates ---------------------------------------------------------------------
  for c in $(q "$ds" "{$ps.containers[*].name}"); do
    [ -n "$(v "$dsv" "$c.req.cpu")" ] && ok || fail "$c has no cpu request"
    [ -n "$(v "$dsv" "$c.req.memory")" ] && ok || fail "$c has no memory request"
    [ -n "$(v "$dsv" "$c.lim.memory")" ] && ok || fail "$c has no memory limit"
  done
  expect "updateStrategy" "$(v "$dsv" update)" RollingUpdate
  [ -n "$(v "$dsv" maxUnavailable)" ] && ok || fail "no updateStrategy.rollingUpdate.maxUnavailable"

  # --- rbac --------------------------------------------------------------------------------------
  local roles cluster_roles want_cluster want_role
  cluster_roles=$(objs "$out" ClusterRole)
  roles=$(objs "$out" Role)
  if [[ ",$traits," == *,nsrbac,* ]]; then
    want_cluster=$rbac_nodes
    want_role=$rbac_namespaced
  else
    want_cluster=$rbac_all
    want_role=""
  fi
  expect "ClusterRole objects" "$(echo "$cluster_roles" | sed '/^$/d' | wc -l)" 1
  for f in $cluster_roles; do
    expect "ClusterRole rules (apiGroup resource verb)" "$(rbac_triples "$f")" "$want_cluster"
    expect "ClusterRole aggregationRule" "$(q "$f" '{.aggregationRule}')" ""
  done
  if [ -n "$want_role" ]; then
    expect "Role objects" "$(echo "$roles" | sed '/^$/d' | wc -l)" 1
  else
    expect "Role objects" "$(echo "$roles" | sed '/^$/d' | wc -l)" 0
  fi
  for f in $roles; do
    expect "Role rules (apiGroup resource verb)" "$(rbac_triples "$f")" "$want_role"
  done
}

check_scrape_config() {
  entry=prometheus-scrape-config.yaml
  local file="$deploy/prometheus-scrape-config.yaml"
  [ -f "$file" ] || { fail "missing"; return 0; }
  # kubectl parses any object with apiVersion, kind and metadata: wrap the file in one.
  { printf 'apiVersion: check-manifests.local/v1\nkind: ScrapeConfig\nmetadata: {name: scrape}\n'; cat "$file"; } >"$work/scrape.yaml"
  local jobs
  if ! jobs=$(q "$work/scrape.yaml" '{range .scrape_configs[*]}{.job_name}{"\n"}{end}' 2>"$work/scrape.err"); then
    fail "does not parse: $(cat "$work/scrape.err")"
    return 0
  fi
  [ -n "$jobs" ] && ok || fail "no scrape_configs"
  expect "duplicate job names" "$(sort <<<"$jobs" | uniq -d)" ""
  # The agent's pod labels and metrics port, from the rendered base.
  local ds name component
  if [ ! -s "$work/base/index" ]; then fail "the base did not render: the scrape configuration cannot be compared with it"; return 0; fi
  ds=$(objs "$work/base" DaemonSet)
  name=$(q "$ds" '{.spec.template.metadata.labels.app\.kubernetes\.io/name}')
  component=$(q "$ds" '{.spec.template.metadata.labels.app\.kubernetes\.io/component}')
  local j
  while read -r j; do
    [ -n "$j" ] || continue
    local jp=".scrape_configs[?(@.job_name==\"$j\")]"
    expect "$j: kubernetes_sd_configs role" "$(q "$work/scrape.yaml" "{$jp.kubernetes_sd_configs[*].role}")" pod
    expect "$j: keep rule" \
      "$(q "$work/scrape.yaml" "{range $jp.relabel_configs[?(@.action==\"keep\")]}{.source_labels}{\" \"}{.regex}{\"\\n\"}{end}")" \
      "[\"__meta_kubernetes_pod_label_app_kubernetes_io_name\",\"__meta_kubernetes_pod_label_app_kubernetes_io_component\",\"__meta_kubernetes_pod_container_port_name\"] $name;$component;metrics"
    expect "$j: instance from the node name" \
      "$(q "$work/scrape.yaml" "{range $jp.relabel_configs[?(@.target_label==\"instance\")]}{.source_labels}{\"\\n\"}{end}")" \
      '["__meta_kubernetes_pod_node_name"]'
    expect "$j: namespaces" "$(q "$work/scrape.yaml" "{$jp.kubernetes_sd_configs[*].namespaces.names[*]}")" "$default_namespace"
  done <<<"$jobs"
}

for ep in "${entry_points[@]}"; do
  check_entry_point "${ep%%:*}" "${ep#*:}"
done
check_scrape_config

if [ "$failures" -gt 0 ]; then
  echo "check-manifests: $failures check(s) failed, $checks passed ($deploy)" >&2
  exit 1
fi
echo "check-manifests: all $checks checks passed on ${#entry_points[@]} entry points and the scrape config ($deploy)"
