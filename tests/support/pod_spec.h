// A pod as the kubelet would start it, from manifests rendered by `kubectl kustomize`: the
// container's arguments and environment with the downward API, ConfigMap keys and $(VAR)
// references resolved, and its volumes as directories. Also the RBAC side: which API access a
// request is, and whether a rendered ClusterRole allows it. Used by the DaemonSet test to start
// each agent exactly as the shipped DaemonSet does. Pure functions (except RenderKustomization
// and MaterializeVolumes); thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nca::testing {

// One rendered object, kept as YAML text plus the fields looked up most.
struct RenderedObject {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string yaml;  // the object's own YAML document
};

// `kubectl kustomize DIR`: the objects, or an error message in `error`.
struct Rendered {
  std::vector<RenderedObject> objects;
  std::string error;
  const RenderedObject* Find(const std::string& kind, const std::string& name = "") const;
};
Rendered RenderKustomization(const std::string& dir);
// The same, from YAML text (multi-document).
Rendered ParseRendered(const std::string& yaml_text);

// What the kubelet knows about the pod being started.
struct PodContext {
  std::string node_name;       // spec.nodeName
  std::string namespace_name;  // metadata.namespace
  std::string pod_name;        // metadata.name
  std::string pod_ip;          // status.podIP
  // Secret contents by secret name (key -> file content); ConfigMaps come from the rendering.
  std::map<std::string, std::map<std::string, std::string>> secrets;
};

// A volume mounted into the container, materialized as a directory on the test machine.
struct MountedVolume {
  std::string name;
  std::string mount_path;  // inside the container
  std::string host_dir;    // where its files are here
};

// The container's process as the kubelet would exec it.
struct ContainerLaunch {
  std::vector<std::string> args;           // after $(VAR) expansion; image ENTRYPOINT not included
  std::map<std::string, std::string> env;  // the container's env, resolved
  std::vector<MountedVolume> mounts;
  std::string error;  // non-empty: could not resolve (say why)
};

// Kubernetes' $(VAR) expansion of args and env values (k8s.io/kubernetes third_party/forked/
// golang/expansion): $(NAME) becomes the value when NAME is defined, stays as written otherwise;
// $$ is an escaped $; a lone $ stays.
std::string ExpandKubeVars(const std::string& s, const std::map<std::string, std::string>& env);

// Resolves container `container` of the pod template of workload `kind`/`name` in `rendered`:
// env (value, fieldRef for spec.nodeName / metadata.namespace / metadata.name / status.podIP,
// configMapKeyRef and secretKeyRef from rendered ConfigMaps and ctx.secrets), args expanded, and
// each volumeMount's Secret/ConfigMap written under `volumes_root/<volume>` with the volume's
// defaultMode, group-owned by the pod's fsGroup when running as root (as the kubelet does).
ContainerLaunch ResolveContainer(const Rendered& rendered, const std::string& kind,
                                 const std::string& name, const std::string& container,
                                 const PodContext& ctx, const std::string& volumes_root);

// Rewrites paths inside the container (below a mount path) to the mounted volume's directory.
std::string MapContainerPath(const std::string& value, const std::vector<MountedVolume>& mounts);

// An API request as RBAC sees it.
struct ApiAccess {
  std::string verb;      // get, list
  std::string group;     // "" for the core group
  std::string resource;  // plural
  bool operator<(const ApiAccess& o) const;
  bool operator==(const ApiAccess& o) const;
};
std::string ToString(const ApiAccess& a);
// GET /api/v1/pods -> list pods; GET /api/v1/nodes/n1 -> get nodes; GET /apis/G/V/namespaces/NS/
// R/NAME -> get G R; nullopt for paths that are not resource requests.
std::optional<ApiAccess> AccessOfRequest(const std::string& method, const std::string& path);

// The rules of a rendered ClusterRole or Role, expanded to (verb, group, resource) triples;
// "*" entries are kept as "*".
std::vector<ApiAccess> RbacGrants(const RenderedObject& role);
bool Allows(const std::vector<ApiAccess>& grants, const ApiAccess& access);

}  // namespace nca::testing
