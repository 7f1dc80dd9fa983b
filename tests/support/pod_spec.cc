#include "pod_spec.h"

#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "process.h"

namespace nca::testing {
namespace {

std::string Str(const YAML::Node& n) {
  return n && n.IsScalar() ? n.as<std::string>() : std::string();
}

std::vector<std::string> Strings(const YAML::Node& n) {
  std::vector<std::string> out;
  if (n && n.IsSequence()) {
    for (const auto& e : n) out.push_back(Str(e));
  }
  return out;
}

// The data of a rendered ConfigMap (data, and binaryData left out: the project uses none).
std::optional<std::map<std::string, std::string>> ConfigMapData(const Rendered& rendered,
                                                                const std::string& name) {
  const RenderedObject* cm = rendered.Find("ConfigMap", name);
  if (cm == nullptr) return std::nullopt;
  std::map<std::string, std::string> out;
  YAML::Node data = YAML::Load(cm->yaml)["data"];
  if (data && data.IsMap()) {
    for (const auto& kv : data) out[kv.first.as<std::string>()] = Str(kv.second);
  }
  return out;
}

bool WriteFile(const std::string& path, const std::string& content, int mode, int gid) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  out.close();
  if (!out) return false;
  ::chmod(path.c_str(), static_cast<mode_t>(mode));
  if (gid >= 0 && ::geteuid() == 0) {
    if (::chown(path.c_str(), 0, static_cast<gid_t>(gid)) != 0) return false;
  }
  return true;
}

}  // namespace

const RenderedObject* Rendered::Find(const std::string& kind, const std::string& name) const {
  for (const auto& o : objects) {
    if (o.kind == kind && (name.empty() || o.name == name)) return &o;
  }
  return nullptr;
}

Rendered ParseRendered(const std::string& yaml_text) {
  Rendered r;
  try {
    for (const YAML::Node& doc : YAML::LoadAll(yaml_text)) {
      if (!doc || !doc.IsMap()) continue;
      RenderedObject o;
      o.api_version = Str(doc["apiVersion"]);
      o.kind = Str(doc["kind"]);
      o.name = Str(doc["metadata"]["name"]);
      o.yaml = YAML::Dump(doc);
      r.objects.push_back(std::move(o));
    }
  } catch (const YAML::Exception& e) {
    r.error = std::string("rendered YAML: ") + e.what();
  }
  return r;
}

Rendered RenderKustomization(const std::string& dir) {
  CommandResult out = RunCommand({"kubectl", "kustomize", dir});
  if (out.exit_code != 0) {
    Rendered r;
    r.error =
        "kubectl kustomize " + dir + " (exit " + std::to_string(out.exit_code) + "): " + out.output;
    return r;
  }
  return ParseRendered(out.output);
}

std::string ExpandKubeVars(const std::string& s, const std::map<std::string, std::string>& env) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '$' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    if (s[i + 1] == '$') {  // $$ -> $
      out += '$';
      ++i;
      continue;
    }
    if (s[i + 1] == '(') {
      const std::size_t close = s.find(')', i + 2);
      if (close != std::string::npos) {
        const std::string name = s.substr(i + 2, close - i - 2);
        auto it = env.find(name);
        if (it != env.end()) {
          out += it->second;
        } else {
          out += s.substr(i, close - i + 1);  // undefined: left as written
        }
        i = close;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

ContainerLaunch ResolveContainer(const Rendered& rendered, const std::string& kind,
                                 const std::string& name, const std::string& container,
                                 const PodContext& ctx, const std::string& volumes_root) {
  ContainerLaunch launch;
  const RenderedObject* workload = rendered.Find(kind, name);
  if (workload == nullptr) {
    launch.error = "no " + kind + " " + name + " in the rendering";
    return launch;
  }
  YAML::Node pod = YAML::Load(workload->yaml)["spec"]["template"]["spec"];
  YAML::Node c;
  for (const auto& each : pod["containers"]) {
    if (Str(each["name"]) == container) c.reset(each);
  }
  if (!c || c.IsNull()) {
    launch.error = kind + " " + name + " has no container " + container;
    return launch;
  }
  // env in order: a value may refer to variables defined before it.
  for (const auto& e : c["env"]) {
    const std::string var = Str(e["name"]);
    if (e["value"]) {
      launch.env[var] = ExpandKubeVars(Str(e["value"]), launch.env);
      continue;
    }
    YAML::Node from = e["valueFrom"];
    if (from["fieldRef"]) {
      const std::string path = Str(from["fieldRef"]["fieldPath"]);
      if (path == "spec.nodeName") {
        launch.env[var] = ctx.node_name;
      } else if (path == "metadata.namespace") {
        launch.env[var] = ctx.namespace_name;
      } else if (path == "metadata.name") {
        launch.env[var] = ctx.pod_name;
      } else if (path == "status.podIP") {
        launch.env[var] = ctx.pod_ip;
      } else {
        launch.error = "env " + var + ": fieldRef " + path + " is not emulated";
        return launch;
      }
    } else if (from["configMapKeyRef"]) {
      const std::string cm = Str(from["configMapKeyRef"]["name"]);
      const std::string key = Str(from["configMapKeyRef"]["key"]);
      auto data = ConfigMapData(rendered, cm);
      if (!data || data->count(key) == 0) {
        launch.error = "env " + var + ": ConfigMap " + cm + " key " + key + " is not rendered";
        return launch;
      }
      launch.env[var] = data->at(key);
    } else if (from["secretKeyRef"]) {
      const std::string secret = Str(from["secretKeyRef"]["name"]);
      const std::string key = Str(from["secretKeyRef"]["key"]);
      auto s = ctx.secrets.find(secret);
      if (s == ctx.secrets.end() || s->second.count(key) == 0) {
        launch.error = "env " + var + ": Secret " + secret + " key " + key + " not provided";
        return launch;
      }
      launch.env[var] = s->second.at(key);
    } else {
      launch.error = "env " + var + ": valueFrom is not emulated";
      return launch;
    }
  }
  // The image's ENTRYPOINT is the agent; `command` would replace it.
  if (c["command"]) {
    launch.error = "container " + container + " sets command: not emulated";
    return launch;
  }
  for (const std::string& a : Strings(c["args"])) {
    launch.args.push_back(ExpandKubeVars(a, launch.env));
  }
  // Volumes: Secrets and ConfigMaps as directories of files, with defaultMode and fsGroup.
  const int fs_group =
      pod["securityContext"]["fsGroup"] ? pod["securityContext"]["fsGroup"].as<int>() : -1;
  for (const auto& m : c["volumeMounts"]) {
    const std::string vname = Str(m["name"]);
    YAML::Node vol;
    for (const auto& v : pod["volumes"]) {
      if (Str(v["name"]) == vname) vol.reset(v);
    }
    if (!vol || vol.IsNull()) {
      launch.error = "volumeMount " + vname + " has no volume";
      return launch;
    }
    if (m["subPath"]) {
      launch.error = "volumeMount " + vname + " uses subPath: not emulated";
      return launch;
    }
    std::map<std::string, std::string> files;
    YAML::Node src;
    if (vol["secret"]) {
      src.reset(vol["secret"]);
      const std::string secret = Str(src["secretName"]);
      auto s = ctx.secrets.find(secret);
      if (s == ctx.secrets.end()) {
        launch.error = "volume " + vname + ": Secret " + secret + " not provided";
        return launch;
      }
      files = s->second;
    } else if (vol["configMap"]) {
      src.reset(vol["configMap"]);
      auto data = ConfigMapData(rendered, Str(src["name"]));
      if (!data) {
        launch.error = "volume " + vname + ": ConfigMap " + Str(src["name"]) + " not rendered";
        return launch;
      }
      files = *data;
    } else {
      launch.error = "volume " + vname + ": only secret and configMap volumes are emulated";
      return launch;
    }
    // Kubernetes' default for Secret and ConfigMap volumes is 0644.
    const int mode = src["defaultMode"] ? src["defaultMode"].as<int>() : 0644;
    const std::string dir = volumes_root + "/" + vname;
    std::filesystem::create_directories(dir);
    ::chmod(dir.c_str(), 0755);
    for (const auto& [file, content] : files) {
      if (!WriteFile(dir + "/" + file, content, mode, fs_group)) {
        launch.error = "volume " + vname + ": cannot write " + file;
        return launch;
      }
    }
    launch.mounts.push_back({vname, Str(m["mountPath"]), dir});
  }
  return launch;
}

std::string MapContainerPath(const std::string& value, const std::vector<MountedVolume>& mounts) {
  std::string out = value;
  for (const MountedVolume& m : mounts) {
    const std::string prefix = m.mount_path + "/";
    std::size_t pos = 0;
    while ((pos = out.find(prefix, pos)) != std::string::npos) {
      out.replace(pos, prefix.size(), m.host_dir + "/");
      pos += m.host_dir.size() + 1;
    }
  }
  return out;
}

bool ApiAccess::operator<(const ApiAccess& o) const {
  return std::tie(verb, group, resource) < std::tie(o.verb, o.group, o.resource);
}
bool ApiAccess::operator==(const ApiAccess& o) const {
  return verb == o.verb && group == o.group && resource == o.resource;
}

std::string ToString(const ApiAccess& a) {
  return a.verb + " " + (a.group.empty() ? "core" : a.group) + "/" + a.resource;
}

std::optional<ApiAccess> AccessOfRequest(const std::string& method, const std::string& path) {
  if (method != "GET") return std::nullopt;  // the agent only reads
  std::vector<std::string> seg;
  std::stringstream in(path.substr(0, path.find('?')));
  for (std::string s; std::getline(in, s, '/');) {
    if (!s.empty()) seg.push_back(s);
  }
  // /api/v1/... (core) or /apis/GROUP/VERSION/...
  std::size_t rest = 0;
  ApiAccess a;
  if (seg.size() >= 2 && seg[0] == "api") {
    rest = 2;
  } else if (seg.size() >= 3 && seg[0] == "apis") {
    a.group = seg[1];
    rest = 3;
  } else {
    return std::nullopt;
  }
  if (seg.size() > rest + 1 && seg[rest] == "namespaces") rest += 2;  // namespaced
  if (seg.size() == rest + 1) {
    a.verb = "list";
  } else if (seg.size() == rest + 2) {
    a.verb = "get";
  } else {
    return std::nullopt;
  }
  a.resource = seg[rest];
  return a;
}

std::vector<ApiAccess> RbacGrants(const RenderedObject& role) {
  std::vector<ApiAccess> out;
  YAML::Node rules = YAML::Load(role.yaml)["rules"];
  for (const auto& r : rules) {
    for (const std::string& g : Strings(r["apiGroups"])) {
      for (const std::string& res : Strings(r["resources"])) {
        for (const std::string& v : Strings(r["verbs"])) out.push_back({v, g, res});
      }
    }
  }
  return out;
}

bool Allows(const std::vector<ApiAccess>& grants, const ApiAccess& access) {
  for (const ApiAccess& g : grants) {
    if ((g.verb == "*" || g.verb == access.verb) && (g.group == "*" || g.group == access.group) &&
        (g.resource == "*" || g.resource == access.resource)) {
      return true;
    }
  }
  return false;
}

}  // namespace nca::testing
