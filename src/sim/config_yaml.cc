// The simulator's topology file (docs/simulator.md): YAML to SimConfig, with errors that name
// the key; the derived facts and Validate are in config.cc.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "sim/config.h"
#include "sim/config_internal.h"

namespace nca::sim {
namespace {

using internal::Invalid;
using internal::Lower;

// ---- YAML helpers (yaml-cpp throws; everything is caught in ParseTopologyYaml) ----

Status CheckKeys(const YAML::Node& node, const std::set<std::string>& allowed,
                 const std::string& where) {
  if (!node.IsMap()) {
    return Invalid(where + " must be a mapping");
  }
  for (const auto& kv : node) {
    auto key = kv.first.as<std::string>();
    if (allowed.count(key) == 0) {
      const YAML::Mark mark = kv.first.Mark();
      return Invalid("unknown key \"" + key + "\" in " + where + " (line " +
                     std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1) +
                     ")");
    }
  }
  return OkStatus();
}

Result<std::string> GetString(const YAML::Node& node, const std::string& key,
                              const std::string& where) {
  const YAML::Node v = node[key];
  if (!v.IsScalar()) {
    return Invalid(where + "." + key + " must be a scalar");
  }
  return v.as<std::string>();
}

Result<bool> GetBool(const YAML::Node& node, const std::string& key, const std::string& where) {
  auto s = GetString(node, key, where);
  if (!s) {
    return s.error();
  }
  std::string v = Lower(*s);
  if (v == "true" || v == "yes" || v == "on") {
    return true;
  }
  if (v == "false" || v == "no" || v == "off") {
    return false;
  }
  return Invalid(where + "." + key + " must be true or false, not \"" + *s + "\"");
}

Result<double> GetNumber(const YAML::Node& node, const std::string& key, const std::string& where) {
  auto s = GetString(node, key, where);
  if (!s) {
    return s.error();
  }
  char* end = nullptr;
  double v = std::strtod(s->c_str(), &end);
  if (s->empty() || end == nullptr || *end != '\0' || !std::isfinite(v)) {
    return Invalid(where + "." + key + " must be a number, not \"" + *s + "\"");
  }
  return v;
}

Result<int> GetPort(const YAML::Node& node, const std::string& key, const std::string& where) {
  auto v = GetNumber(node, key, where);
  if (!v) {
    return v.error();
  }
  if (*v < 0 || *v > 65535 || std::floor(*v) != *v) {
    return Invalid(where + "." + key + " must be a port number (0-65535)");
  }
  return static_cast<int>(*v);
}

Result<Duration> GetDuration(const YAML::Node& node, const std::string& key,
                             const std::string& where) {
  auto s = GetString(node, key, where);
  if (!s) {
    return s.error();
  }
  auto d = ParseDuration(*s);
  if (!d) {
    return Invalid(where + "." + key + ": " + d.error().message);
  }
  return *d;
}

#define NCA_ASSIGN_OR_RETURN(lhs, expr) \
  do {                                  \
    auto _r = (expr);                   \
    if (!_r) {                          \
      return _r.error();                \
    }                                   \
    lhs = std::move(*_r);               \
  } while (false)

Result<MemberSpec> ParseMember(const YAML::Node& node, const std::string& where) {
  MemberSpec m;
  if (node.IsScalar()) {  // shorthand: just the name (a primary)
    m.name = node.as<std::string>();
    return m;
  }
  auto keys = CheckKeys(
      node,
      {"name", "mode", "zone", "region", "http_port", "bolt_port", "metrics_port", "server_id"},
      where);
  if (!keys) {
    return keys.error();
  }
  if (!node["name"]) {
    return Invalid(where + " needs a name");
  }
  NCA_ASSIGN_OR_RETURN(m.name, GetString(node, "name", where));
  if (node["mode"]) {
    std::string mode;
    NCA_ASSIGN_OR_RETURN(mode, GetString(node, "mode", where));
    mode = Lower(mode);
    if (mode == "primary" || mode == "core") {
      m.mode = MemberMode::kPrimary;
    } else if (mode == "secondary" || mode == "read_replica" || mode == "read-replica") {
      m.mode = MemberMode::kSecondary;
    } else {
      return Invalid(where + ".mode must be primary|secondary (core|read_replica), not \"" + mode +
                     "\"");
    }
  }
  if (node["zone"]) {
    NCA_ASSIGN_OR_RETURN(m.zone, GetString(node, "zone", where));
  }
  if (node["region"]) {
    NCA_ASSIGN_OR_RETURN(m.region, GetString(node, "region", where));
  }
  if (node["http_port"]) {
    NCA_ASSIGN_OR_RETURN(m.http_port, GetPort(node, "http_port", where));
  }
  if (node["metrics_port"]) {
    NCA_ASSIGN_OR_RETURN(m.metrics_port, GetPort(node, "metrics_port", where));
  }
  if (node["bolt_port"]) {
    NCA_ASSIGN_OR_RETURN(m.bolt_port, GetPort(node, "bolt_port", where));
  }
  if (node["server_id"]) {
    NCA_ASSIGN_OR_RETURN(m.server_id, GetString(node, "server_id", where));
  }
  return m;
}

Result<ClusterSpec> ParseCluster(const YAML::Node& node, const std::string& where) {
  static const std::set<std::string> kKeys = {"name",
                                              "version",
                                              "edition",
                                              "region",
                                              "zones",
                                              "namespace",
                                              "kubernetes_labels",
                                              "members",
                                              "databases",
                                              "credentials",
                                              "auth",
                                              "status_auth",
                                              "auth_max_failed_attempts",
                                              "auth_lock_time",
                                              "query_api",
                                              "query_api_values",
                                              "status_health_key",
                                              "discovery_healthy",
                                              "raft_commands_per_second",
                                              "election_timeout",
                                              "tx_rate",
                                              "system_tx_rate",
                                              "apply_lag",
                                              "catchup_rate",
                                              "neo4j_metrics"};
  auto keys = CheckKeys(node, kKeys, where);
  if (!keys) {
    return keys.error();
  }
  ClusterSpec c;
  if (!node["name"]) {
    return Invalid(where + " needs a name");
  }
  NCA_ASSIGN_OR_RETURN(c.name, GetString(node, "name", where));
  const std::string w = "cluster \"" + c.name + "\"";
  if (node["version"]) {
    NCA_ASSIGN_OR_RETURN(c.version, GetString(node, "version", w));
  }
  if (node["edition"]) {
    NCA_ASSIGN_OR_RETURN(c.edition, GetString(node, "edition", w));
  }
  if (node["region"]) {
    NCA_ASSIGN_OR_RETURN(c.region, GetString(node, "region", w));
  }
  if (node["namespace"]) {
    NCA_ASSIGN_OR_RETURN(c.namespace_name, GetString(node, "namespace", w));
  }
  if (node["kubernetes_labels"]) {
    std::string v;
    NCA_ASSIGN_OR_RETURN(v, GetString(node, "kubernetes_labels", w));
    if (v == "operator") {
      c.kubernetes_labels = KubernetesLabels::kOperator;
    } else if (v == "helm") {
      c.kubernetes_labels = KubernetesLabels::kHelm;
    } else {
      return Invalid(w + ".kubernetes_labels must be operator|helm");
    }
  }
  if (node["zones"]) {
    const YAML::Node zones = node["zones"];
    if (!zones.IsSequence()) {
      return Invalid(w + ".zones must be a list of zone names");
    }
    for (const auto& z : zones) {
      if (!z.IsScalar()) {
        return Invalid(w + ".zones must be a list of zone names");
      }
      c.zones.push_back(z.as<std::string>());
    }
  }
  if (node["credentials"]) {
    const YAML::Node cred = node["credentials"];
    auto ck = CheckKeys(cred, {"username", "password"}, w + ".credentials");
    if (!ck) {
      return ck.error();
    }
    if (cred["username"]) {
      NCA_ASSIGN_OR_RETURN(c.username, GetString(cred, "username", w + ".credentials"));
    }
    if (cred["password"]) {
      NCA_ASSIGN_OR_RETURN(c.password, GetString(cred, "password", w + ".credentials"));
    }
  }
  if (node["auth"]) {
    NCA_ASSIGN_OR_RETURN(c.auth_enabled, GetBool(node, "auth", w));
  }
  if (node["status_auth"]) {
    NCA_ASSIGN_OR_RETURN(c.status_auth, GetBool(node, "status_auth", w));
  }
  if (node["auth_max_failed_attempts"]) {
    double v = 0;
    NCA_ASSIGN_OR_RETURN(v, GetNumber(node, "auth_max_failed_attempts", w));
    if (v < 0 || std::floor(v) != v) {
      return Invalid(w + ".auth_max_failed_attempts must be a non-negative integer");
    }
    c.auth_max_failed_attempts = static_cast<int>(v);
  }
  if (node["auth_lock_time"]) {
    NCA_ASSIGN_OR_RETURN(c.auth_lock_time, GetDuration(node, "auth_lock_time", w));
  }
  if (node["query_api"]) {
    bool v = false;
    NCA_ASSIGN_OR_RETURN(v, GetBool(node, "query_api", w));
    c.query_api = v;
  }
  if (node["query_api_values"]) {
    std::string v;
    NCA_ASSIGN_OR_RETURN(v, GetString(node, "query_api_values", w));
    if (v == "rows") {
      c.query_values = QueryValuesShape::kRows;
    } else if (v == "flat") {
      c.query_values = QueryValuesShape::kFlat;
    } else {
      return Invalid(w + ".query_api_values must be rows|flat");
    }
  }
  if (node["status_health_key"]) {
    std::string v;
    NCA_ASSIGN_OR_RETURN(v, GetString(node, "status_health_key", w));
    if (v == "healthy") {
      c.health_key = HealthKey::kHealthy;
    } else if (v == "isHealthy") {
      c.health_key = HealthKey::kIsHealthy;
    } else {
      return Invalid(w + ".status_health_key must be healthy|isHealthy");
    }
  }
  if (node["discovery_healthy"]) {
    bool v = false;
    NCA_ASSIGN_OR_RETURN(v, GetBool(node, "discovery_healthy", w));
    c.discovery_healthy = v;
  }
  if (node["raft_commands_per_second"]) {
    NCA_ASSIGN_OR_RETURN(c.raft_commands_per_second, GetBool(node, "raft_commands_per_second", w));
  }
  if (node["election_timeout"]) {
    NCA_ASSIGN_OR_RETURN(c.election_timeout, GetDuration(node, "election_timeout", w));
  }
  if (node["tx_rate"]) {
    NCA_ASSIGN_OR_RETURN(c.tx_rate, GetNumber(node, "tx_rate", w));
  }
  if (node["system_tx_rate"]) {
    NCA_ASSIGN_OR_RETURN(c.system_tx_rate, GetNumber(node, "system_tx_rate", w));
  }
  if (node["apply_lag"]) {
    NCA_ASSIGN_OR_RETURN(c.apply_lag, GetDuration(node, "apply_lag", w));
  }
  if (node["catchup_rate"]) {
    NCA_ASSIGN_OR_RETURN(c.catchup_rate, GetNumber(node, "catchup_rate", w));
  }
  if (node["neo4j_metrics"]) {
    const YAML::Node nm = node["neo4j_metrics"];
    const std::string wm = w + ".neo4j_metrics";
    if (auto st = CheckKeys(nm, {"enabled", "prefix", "namespaces"}, wm); !st) {
      return st.error();
    }
    if (nm["enabled"]) {
      NCA_ASSIGN_OR_RETURN(c.neo4j_metrics.enabled, GetBool(nm, "enabled", wm));
    }
    if (nm["prefix"]) {
      NCA_ASSIGN_OR_RETURN(c.neo4j_metrics.prefix, GetString(nm, "prefix", wm));
    }
    if (nm["namespaces"]) {
      NCA_ASSIGN_OR_RETURN(c.neo4j_metrics.namespaces, GetBool(nm, "namespaces", wm));
    }
  }
  if (node["databases"]) {
    const YAML::Node dbs = node["databases"];
    if (!dbs.IsSequence()) {
      return Invalid(w + ".databases must be a list of names");
    }
    for (const auto& d : dbs) {
      c.databases.push_back(d.as<std::string>());
    }
  }
  const YAML::Node members = node["members"];
  if (!members || !members.IsSequence()) {
    return Invalid(w + ".members must be a list");
  }
  for (std::size_t i = 0; i < members.size(); ++i) {
    auto m = ParseMember(members[i], w + ".members[" + std::to_string(i) + "]");
    if (!m) {
      return m.error();
    }
    c.members.push_back(std::move(*m));
  }
  ResolvePlacement(c);
  return c;
}

}  // namespace

Result<SimConfig> ParseTopologyYaml(std::string_view yaml) {
  SimConfig config;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    auto keys = CheckKeys(root, {"simulator", "clusters"}, "topology");
    if (!keys) {
      return keys.error();
    }
    if (root["simulator"]) {
      const YAML::Node s = root["simulator"];
      auto sk = CheckKeys(
          s,
          {"seed", "tick", "model_step", "control_address", "listen_host", "member_threads",
           "keep_alive_timeout", "first_bolt_port", "kube_address", "kube_token", "links"},
          "simulator");
      if (!sk) {
        return sk.error();
      }
      if (s["seed"]) {
        double v = 0;
        NCA_ASSIGN_OR_RETURN(v, GetNumber(s, "seed", "simulator"));
        if (v < 0) {
          return Invalid("simulator.seed must be >= 0");
        }
        config.seed = static_cast<uint64_t>(v);
      }
      if (s["tick"]) {
        NCA_ASSIGN_OR_RETURN(config.tick_interval, GetDuration(s, "tick", "simulator"));
      }
      if (s["model_step"]) {
        NCA_ASSIGN_OR_RETURN(config.model_step, GetDuration(s, "model_step", "simulator"));
      }
      if (s["control_address"]) {
        NCA_ASSIGN_OR_RETURN(config.control_address, GetString(s, "control_address", "simulator"));
      }
      if (s["kube_address"]) {
        NCA_ASSIGN_OR_RETURN(config.kube_address, GetString(s, "kube_address", "simulator"));
      }
      if (s["kube_token"]) {
        NCA_ASSIGN_OR_RETURN(config.kube_token, GetString(s, "kube_token", "simulator"));
      }
      if (s["links"]) {
        NCA_ASSIGN_OR_RETURN(config.links, GetBool(s, "links", "simulator"));
      }
      if (s["listen_host"]) {
        NCA_ASSIGN_OR_RETURN(config.listen_host, GetString(s, "listen_host", "simulator"));
      }
      if (s["member_threads"]) {
        double v = 0;
        NCA_ASSIGN_OR_RETURN(v, GetNumber(s, "member_threads", "simulator"));
        config.member_threads = static_cast<int>(v);
      }
      if (s["keep_alive_timeout"]) {
        Duration d{};
        NCA_ASSIGN_OR_RETURN(d, GetDuration(s, "keep_alive_timeout", "simulator"));
        config.keep_alive_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(d);
      }
      if (s["first_bolt_port"]) {
        NCA_ASSIGN_OR_RETURN(config.first_bolt_port, GetPort(s, "first_bolt_port", "simulator"));
      }
    }
    const YAML::Node clusters = root["clusters"];
    if (!clusters || !clusters.IsSequence()) {
      return Invalid("topology needs a \"clusters\" list");
    }
    for (std::size_t i = 0; i < clusters.size(); ++i) {
      auto c = ParseCluster(clusters[i], "clusters[" + std::to_string(i) + "]");
      if (!c) {
        return c.error();
      }
      config.clusters.push_back(std::move(*c));
    }
  } catch (const YAML::Exception& e) {
    return Invalid(std::string("invalid topology YAML: ") + e.what());
  }
  auto valid = Validate(config);
  if (!valid) {
    return valid.error();
  }
  return config;
}

Result<SimConfig> LoadTopologyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Invalid("cannot read topology file \"" + path + "\"");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto config = ParseTopologyYaml(ss.str());
  if (!config) {
    return Invalid(path + ": " + config.error().message);
  }
  return config;
}

}  // namespace nca::sim
