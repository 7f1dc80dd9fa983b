#!/usr/bin/env node
// Offline Pod Security Standards "restricted" checker for rendered manifests.
//
//   node tests/deploy/pss-restricted.mjs FILE...
//
// Reads multi-document YAML (e.g. the output of `kubectl kustomize`) and applies the checks of
// kubernetes/pod-security-admission (policy/check_*.go, at the latest policy version: v1.37 at
// commit 8f84a87) to every Pod and every pod template: DaemonSet, Deployment, StatefulSet,
// ReplicaSet, ReplicationController, Job (spec.template), CronJob (spec.jobTemplate.spec.template),
// PodTemplate (template). Containers are initContainers, containers and ephemeralContainers, as in
// policy/visitor.go (visitContainers).
//
// Output, one line per violation:  FILE: Kind/name: <check id>: <reason> (<detail>)
// and "OK Kind/name" per pod spec without violations. Reasons and details follow upstream's
// ForbiddenReason/ForbiddenDetail wording (what `kubectl apply` prints as a warning).
// Exit status: 0 every pod spec passes; 1 a violation (or an unreadable file); 2 usage.
//
// Attribution. Upstream evaluates the "restricted" level as every baseline check plus the
// restricted ones, where some restricted checks *replace* a baseline check (OverrideCheckIDs):
// capabilities_restricted replaces capabilities_baseline, restrictedVolumes replaces
// hostPathVolumes, seccompProfile_restricted replaces seccompProfile_baseline,
// procMount_restricted replaces procMount. The allow/deny verdict of a pod is the same whether or
// not the overridden baseline check runs too (each restricted check forbids a superset), so this
// checker runs both and reports every violation once, under the *lowest* level that forbids it:
// e.g. `add: [SYS_ADMIN]` is capabilities_baseline (baseline forbids it already), `add: [CHOWN]`
// or a missing drop ALL is capabilities_restricted; a hostPath volume is hostPathVolumes, an nfs
// volume restrictedVolumes. The check id therefore also tells whether the pod would still pass
// "baseline".
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// --- helpers ---------------------------------------------------------------------------------
const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const arr = (v) => (Array.isArray(v) ? v : []);
const sc = (x) => (isObj(x?.securityContext) ? x.securityContext : null);
const q = (s) => JSON.stringify(String(s));
const joinQuote = (list) => list.map(q).join(", ");
const plural = (one, many, n) => (n === 1 ? one : many);
const sorted = (set) => [...set].sort();
const containersOf = (list) => `${plural("container", "containers", list.length)} ${joinQuote(list)}`;

// policy/visitor.go: initContainers, containers, ephemeralContainers.
function visitContainers(spec, fn) {
  for (const field of ["initContainers", "containers", "ephemeralContainers"]) {
    for (const c of arr(spec[field])) if (isObj(c)) fn(c);
  }
}
// policy/helpers.go relaxPolicyForUserNamespacePod: hostUsers explicitly false.
const userNamespacePod = (spec) => spec.hostUsers === false;
// Pod API: spec.os.name windows (policy checks with the 1.25 windows exemption).
const windowsPod = (spec) => isObj(spec.os) && spec.os.name === "windows";

// --- the checks: each returns null (allowed) or "reason (detail)" -----------------------------
const checks = [];
const check = (id, level, fn) => checks.push({ id, level, fn });

// policy/check_hostNamespaces.go
check("hostNamespaces", "baseline", (meta, spec) => {
  const bad = ["hostNetwork", "hostPID", "hostIPC"].filter((f) => spec[f] === true).map((f) => `${f}=true`);
  return bad.length ? `host namespaces (${bad.join(", ")})` : null;
});

// policy/check_privileged.go
check("privileged", "baseline", (meta, spec) => {
  const bad = [];
  visitContainers(spec, (c) => { if (sc(c)?.privileged === true) bad.push(c.name); });
  return bad.length ? `privileged (${containersOf(bad)} must not set securityContext.privileged=true)` : null;
});

// policy/check_capabilities_baseline.go: capabilities_allowed_1_0.
const capabilitiesBaseline = new Set(["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
  "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]);
check("capabilities_baseline", "baseline", (meta, spec) => {
  const bad = [];
  const caps = new Set();
  visitContainers(spec, (c) => {
    const add = arr(sc(c)?.capabilities?.add).filter((x) => !capabilitiesBaseline.has(x));
    if (add.length) { bad.push(c.name); add.forEach((x) => caps.add(x)); }
  });
  return bad.length
    ? `non-default capabilities (${containersOf(bad)} must not include ${joinQuote(sorted(caps))} in securityContext.capabilities.add)`
    : null;
});

// policy/check_hostPathVolumes.go
check("hostPathVolumes", "baseline", (meta, spec) => {
  const bad = arr(spec.volumes).filter((v) => isObj(v) && v.hostPath != null).map((v) => v.name);
  return bad.length ? `hostPath volumes (${plural("volume", "volumes", bad.length)} ${joinQuote(bad)})` : null;
});

// policy/check_hostPorts.go: any non-zero hostPort.
check("hostPorts", "baseline", (meta, spec) => {
  const bad = [];
  const ports = new Set();
  visitContainers(spec, (c) => {
    const hp = arr(c.ports).filter((p) => isObj(p) && p.hostPort != null && Number(p.hostPort) !== 0).map((p) => String(p.hostPort));
    if (hp.length) { bad.push(c.name); hp.forEach((p) => ports.add(p)); }
  });
  return bad.length
    ? `hostPort (${containersOf(bad)} ${plural("uses", "use", bad.length)} ${plural("hostPort", "hostPorts", ports.size)} ${sorted(ports).join(", ")})`
    : null;
});

// policy/check_appArmorProfile.go: the field appArmorProfile.type (pod and containers) must be
// RuntimeDefault or Localhost; the deprecated annotations
// container.apparmor.security.beta.kubernetes.io/<container> must be "", runtime/default or localhost/*.
check("appArmorProfile", "baseline", (meta, spec) => {
  const allowedType = (t) => t === "RuntimeDefault" || t === "Localhost";
  const setters = [];
  const values = new Set();
  const podProfile = sc(spec)?.appArmorProfile;
  if (isObj(podProfile) && !allowedType(podProfile.type)) { setters.push("pod"); values.add(String(podProfile.type ?? "")); }
  const bad = [];
  visitContainers(spec, (c) => {
    const p = sc(c)?.appArmorProfile;
    if (isObj(p) && !allowedType(p.type)) { bad.push(c.name); values.add(String(p.type ?? "")); }
  });
  if (bad.length) setters.push(containersOf(bad));
  const prefix = "container.apparmor.security.beta.kubernetes.io/";
  const annotations = Object.entries(isObj(meta?.annotations) ? meta.annotations : {})
    .filter(([k, v]) => k.startsWith(prefix) && !(v === "" || v == null || v === "runtime/default" || String(v).startsWith("localhost/")))
    .map(([k, v]) => `${k}=${q(v)}`)
    .sort();
  const list = [...sorted(values), ...annotations];
  if (annotations.length) setters.push(plural("annotation", "annotations", annotations.length));
  return setters.length
    ? `${plural("forbidden AppArmor profile", "forbidden AppArmor profiles", list.length)} (${setters.join(" and ")} must not set AppArmor profile type to ${joinQuote(list)})`
    : null;
});

// policy/check_seLinuxOptions.go: selinuxAllowedTypes1_31; user and role must not be set.
const seLinuxTypes = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
check("seLinuxOptions", "baseline", (meta, spec) => {
  const types = new Set();
  let user = false;
  let role = false;
  const valid = (o) => {
    let ok = true;
    if (!seLinuxTypes.has(o.type ?? "")) { ok = false; types.add(String(o.type)); }
    if (o.user) { ok = false; user = true; }
    if (o.role) { ok = false; role = true; }
    return ok;
  };
  const setters = [];
  if (isObj(sc(spec)?.seLinuxOptions) && !valid(sc(spec).seLinuxOptions)) setters.push("pod");
  const bad = [];
  visitContainers(spec, (c) => { if (isObj(sc(c)?.seLinuxOptions) && !valid(sc(c).seLinuxOptions)) bad.push(c.name); });
  if (bad.length) setters.push(containersOf(bad));
  if (!setters.length) return null;
  const data = [];
  if (types.size) data.push(`${plural("type", "types", types.size)} ${joinQuote(sorted(types))}`);
  if (user) data.push("user may not be set");
  if (role) data.push("role may not be set");
  return `seLinuxOptions (${setters.join(" and ")} set forbidden securityContext.seLinuxOptions: ${data.join("; ")})`;
});

// policy/check_procMount_baseline.go (procMount1_35baseline) and check_procMount_restricted.go
// (procMount_1_0, unconditional at restricted): securityContext.procMount unset or Default.
// Baseline relaxes it for user-namespace pods (hostUsers: false), restricted does not: such a pod
// is reported under procMount_restricted, any other under procMount.
const badProcMount = (spec) => {
  const bad = [];
  const types = new Set();
  visitContainers(spec, (c) => {
    const pm = sc(c)?.procMount;
    if (pm != null && pm !== "Default") { bad.push(c.name); types.add(String(pm)); }
  });
  return bad.length ? `procMount (${containersOf(bad)} must not set securityContext.procMount to ${joinQuote(sorted(types))})` : null;
};
check("procMount", "baseline", (meta, spec) => (userNamespacePod(spec) ? null : badProcMount(spec)));
check("procMount_restricted", "restricted", (meta, spec) => (userNamespacePod(spec) ? badProcMount(spec) : null));

// policy/check_seccompProfile_baseline.go (seccompProfileBaseline_1_19): an explicit
// seccompProfile.type other than RuntimeDefault/Localhost (i.e. Unconfined) on pod or container.
// (The pre-1.19 seccomp annotations are not checked by the latest policy version.)
const validSeccomp = (t) => t === "RuntimeDefault" || t === "Localhost";
const explicitBadSeccomp = (spec) => {
  const setters = [];
  const values = new Set();
  const podProfile = sc(spec)?.seccompProfile;
  if (isObj(podProfile) && !validSeccomp(podProfile.type)) { setters.push("pod"); values.add(String(podProfile.type ?? "")); }
  const bad = [];
  visitContainers(spec, (c) => {
    const p = sc(c)?.seccompProfile;
    if (isObj(p) && !validSeccomp(p.type)) { bad.push(c.name); values.add(String(p.type ?? "")); }
  });
  if (bad.length) setters.push(containersOf(bad));
  return setters.length ? `seccompProfile (${setters.join(" and ")} must not set securityContext.seccompProfile.type to ${joinQuote(sorted(values))})` : null;
};
check("seccompProfile_baseline", "baseline", (meta, spec) => explicitBadSeccomp(spec));

// policy/check_sysctls.go: sysctlsAllowedV1Dot37, the 14 safe sysctls.
const safeSysctls = new Set([
  "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
  "net.ipv4.ip_unprivileged_port_start", // 1.0
  "net.ipv4.ip_local_reserved_ports", // 1.27
  "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes", // 1.29
  "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem", // 1.32
  "net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat", // 1.37
]);
check("sysctls", "baseline", (meta, spec) => {
  const bad = arr(sc(spec)?.sysctls).filter((s) => isObj(s) && !safeSysctls.has(s.name)).map((s) => String(s.name));
  return bad.length ? `forbidden sysctls (${bad.join(", ")})` : null;
});

// policy/check_windowsHostProcess.go: windowsOptions.hostProcess must not be true (pod, containers).
check("windowsHostProcess", "baseline", (meta, spec) => {
  const setters = [];
  if (sc(spec)?.windowsOptions?.hostProcess === true) setters.push("pod");
  const bad = [];
  visitContainers(spec, (c) => { if (sc(c)?.windowsOptions?.hostProcess === true) bad.push(c.name); });
  if (bad.length) setters.push(containersOf(bad));
  return setters.length ? `hostProcess (${setters.join(" and ")} must not set securityContext.windowsOptions.hostProcess=true)` : null;
});

// policy/check_hostProbesAndhostLifecycle.go (1.34+): httpGet.host and tcpSocket.host of the
// liveness/readiness/startup probes and the postStart/preStop handlers must be empty.
// (Upstream's check id is spelled hostProbesAndHostLifecycle.)
check("hostProbesAndHostLifecycle", "baseline", (meta, spec) => {
  const bad = new Set();
  const hosts = new Set();
  const handlerHosts = (h) => (isObj(h) ? [h.httpGet?.host, h.tcpSocket?.host].filter((x) => x != null && x !== "") : []);
  visitContainers(spec, (c) => {
    const found = [c.livenessProbe, c.readinessProbe, c.startupProbe, c.lifecycle?.postStart, c.lifecycle?.preStop].flatMap(handlerHosts);
    if (found.length) { bad.add(c.name); found.forEach((h) => hosts.add(String(h))); }
  });
  return bad.size
    ? `probe or lifecycle host (${containersOf(sorted(bad))} ${plural("uses", "use", bad.size)} ${plural("probe or lifecycle host", "probe or lifecycle hosts", hosts.size)} ${joinQuote(sorted(hosts))})`
    : null;
});

// policy/check_allowPrivilegeEscalation.go (1.25): every container must set it to false;
// windows pods are exempt.
check("allowPrivilegeEscalation", "restricted", (meta, spec) => {
  if (windowsPod(spec)) return null;
  const bad = [];
  visitContainers(spec, (c) => { if (sc(c)?.allowPrivilegeEscalation !== false) bad.push(c.name); });
  return bad.length ? `allowPrivilegeEscalation != false (${containersOf(bad)} must set securityContext.allowPrivilegeEscalation=false)` : null;
});

// policy/check_capabilities_restricted.go (1.25): drop must contain ALL and add may only hold
// NET_BIND_SERVICE; windows pods are exempt. Adds that baseline forbids already are reported by
// capabilities_baseline (see "Attribution" above).
check("capabilities_restricted", "restricted", (meta, spec) => {
  if (windowsPod(spec)) return null;
  const missingDrop = [];
  const adding = [];
  const caps = new Set();
  visitContainers(spec, (c) => {
    const capabilities = sc(c)?.capabilities;
    if (!arr(capabilities?.drop).includes("ALL")) missingDrop.push(c.name);
    const add = arr(capabilities?.add).filter((x) => x !== "NET_BIND_SERVICE" && capabilitiesBaseline.has(x));
    if (add.length) { adding.push(c.name); add.forEach((x) => caps.add(x)); }
  });
  const details = [];
  if (missingDrop.length) details.push(`${containersOf(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
  if (adding.length) details.push(`${containersOf(adding)} must not include ${joinQuote(sorted(caps))} in securityContext.capabilities.add`);
  return details.length ? `unrestricted capabilities (${details.join("; ")})` : null;
});

// policy/check_runAsNonRoot.go (1.35): runAsNonRoot true on the pod or on every container; an
// explicit false anywhere fails; user-namespace pods (hostUsers: false) are exempt.
check("runAsNonRoot", "restricted", (meta, spec) => {
  if (userNamespacePod(spec)) return null;
  const setters = [];
  let podNonRoot = false;
  const podValue = sc(spec)?.runAsNonRoot;
  if (podValue != null) { if (podValue !== true) setters.push("pod"); else podNonRoot = true; }
  const explicit = [];
  const implicit = [];
  visitContainers(spec, (c) => {
    const v = sc(c)?.runAsNonRoot;
    if (v != null) { if (v !== true) explicit.push(c.name); } else if (!podNonRoot) implicit.push(c.name);
  });
  if (explicit.length) setters.push(containersOf(explicit));
  if (setters.length) return `runAsNonRoot != true (${setters.join(" and ")} must not set securityContext.runAsNonRoot=false)`;
  if (implicit.length) return `runAsNonRoot != true (pod or ${containersOf(implicit)} must set securityContext.runAsNonRoot=true)`;
  return null;
});

// policy/check_runAsUser.go (1.35): runAsUser must not be 0 (pod or container); user-namespace
// pods are exempt.
check("runAsUser", "restricted", (meta, spec) => {
  if (userNamespacePod(spec)) return null;
  const setters = [];
  if (sc(spec)?.runAsUser != null && Number(sc(spec).runAsUser) === 0) setters.push("pod");
  const bad = [];
  visitContainers(spec, (c) => { if (sc(c)?.runAsUser != null && Number(sc(c).runAsUser) === 0) bad.push(c.name); });
  if (bad.length) setters.push(containersOf(bad));
  return setters.length ? `runAsUser=0 (${setters.join(" and ")} must not set runAsUser=0)` : null;
});

// policy/check_seccompProfile_restricted.go (1.25): RuntimeDefault or Localhost on the pod or on
// every container; windows pods are exempt. Explicitly bad values are seccompProfile_baseline's;
// as upstream, the "must set" message only comes when nothing is set to a bad value.
check("seccompProfile_restricted", "restricted", (meta, spec) => {
  if (windowsPod(spec) || explicitBadSeccomp(spec)) return null;
  const podSet = validSeccomp(sc(spec)?.seccompProfile?.type);
  const implicit = [];
  visitContainers(spec, (c) => { if (!isObj(sc(c)?.seccompProfile) && !podSet) implicit.push(c.name); });
  return implicit.length
    ? `seccompProfile (pod or ${containersOf(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`
    : null;
});

// policy/check_restrictedVolumes.go: only these volume sources; hostPath is hostPathVolumes'.
const restrictedVolumeTypes = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"]);
check("restrictedVolumes", "restricted", (meta, spec) => {
  const bad = [];
  const types = new Set();
  for (const v of arr(spec.volumes)) {
    if (!isObj(v)) continue;
    const sources = Object.keys(v).filter((k) => k !== "name" && v[k] != null);
    // A volume without a source is defaulted to emptyDir by the API server (as upstream's
    // pass fixture restrictedvolumes0 expects).
    if (sources.length === 0) continue;
    if (sources.some((k) => restrictedVolumeTypes.has(k)) || sources.includes("hostPath")) continue;
    bad.push(v.name);
    sources.forEach((k) => types.add(k));
  }
  return bad.length
    ? `restricted volume types (${plural("volume", "volumes", bad.length)} ${joinQuote(bad)} ${plural("uses", "use", bad.length)} ${plural("restricted volume type", "restricted volume types", types.size)} ${joinQuote(sorted(types))})`
    : null;
});

// --- pod specs in the documents ---------------------------------------------------------------
// [metadata, spec] of the pod (template) of an object, or null.
function podOf(obj) {
  const kind = obj.kind;
  const tpl = (t) => (isObj(t) && isObj(t.spec) ? [isObj(t.metadata) ? t.metadata : {}, t.spec] : null);
  switch (kind) {
    case "Pod": return isObj(obj.spec) ? [isObj(obj.metadata) ? obj.metadata : {}, obj.spec] : null;
    case "PodTemplate": return tpl(obj.template);
    case "DaemonSet": case "Deployment": case "StatefulSet": case "ReplicaSet": case "ReplicationController": case "Job":
      return tpl(obj.spec?.template);
    case "CronJob": return tpl(obj.spec?.jobTemplate?.spec?.template);
    default: return null;
  }
}
const podKinds = new Set(["Pod", "PodTemplate", "DaemonSet", "Deployment", "StatefulSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"]);

// --- main ----------------------------------------------------------------------------------------
const files = process.argv.slice(2);
if (files.length === 0 || files.some((f) => f.startsWith("-"))) {
  console.error("usage: node tests/deploy/pss-restricted.mjs FILE...");
  process.exit(2);
}
let violations = 0;
let checked = 0;
for (const file of files) {
  let docs;
  try {
    docs = parseAllDocuments(readFileSync(file, "utf8"));
  } catch (e) {
    console.log(`${file}: cannot read: ${e.message}`);
    violations++;
    continue;
  }
  for (const doc of docs) {
    if (doc.errors.length) {
      console.log(`${file}: YAML error: ${doc.errors[0].message}`);
      violations++;
      continue;
    }
    const obj = doc.toJS();
    if (!isObj(obj)) continue;
    const what = `${obj.kind}/${obj.metadata?.name ?? "(no name)"}`;
    if (obj.kind === "List") {
      console.log(`${file}: ${what}: List objects are not supported, render them as separate documents`);
      violations++;
      continue;
    }
    const pod = podOf(obj);
    if (!pod) {
      if (podKinds.has(obj.kind)) { console.log(`${file}: ${what}: no pod spec found`); violations++; }
      continue;
    }
    checked++;
    const [meta, spec] = pod;
    let bad = 0;
    for (const c of checks) {
      const msg = c.fn(meta, spec);
      if (msg) { console.log(`${file}: ${what}: ${c.id}: ${msg}`); bad++; }
    }
    if (bad === 0) console.log(`OK ${what}`);
    violations += bad;
  }
}
console.log(`pss-restricted: ${checked} pod spec(s) checked in ${files.length} file(s), ${violations} violation(s)`);
process.exit(violations ? 1 : 0);
