// The `clusters:` entries of the configuration file and the cluster-level override blocks they
// share with `defaults:`: credentials, tls and http (ParseSectionOverrides, ApplySection), and a
// cluster's members, node_allocation, placement, kubernetes and neo4j_metrics sections
// (ParseCluster). The root of the file, the other top-level sections and the public API live in
// loader.cc; the declarations both halves use are in loader_internal.h.
#include <spdlog/fmt/fmt.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "config/loader.h"
#include "config/loader_internal.h"
#include "config/text_util.h"
#include "config/yaml_util.h"
#include "config/yaml_walker.h"

namespace nca::config {
namespace {

using text::IsMetricNamePart;
using text::IsValidEnvName;
using text::ParseUint64;
using walk::Field;
using walk::Fields;
using walk::ForEachItem;
using walk::GetBool;
using walk::GetDuration;
using walk::GetInt;
using walk::GetNonEmptyString;
using walk::GetPositiveDuration;
using walk::GetPositiveSize;
using walk::GetString;
using walk::GetStringList;
using walk::GetStringMap;
using walk::IndexPath;
using walk::JoinNames;
using walk::JoinPath;
using walk::LoadFailure;
using walk::Walker;

CredentialsConfig ParseCredentials(const Walker& w, const Field& section) {
  Fields f(w, section.value, section.path,
           {"username_file", "password_file", "username_env", "password_env", "auth_file"});
  const Field* uf = f.Find("username_file");
  const Field* pf = f.Find("password_file");
  const Field* ue = f.Find("username_env");
  const Field* pe = f.Find("password_env");
  CredentialsConfig out;
  if (const Field* af = f.Find("auth_file")) {
    for (const Field* other : {uf, pf, ue, pe}) {
      if (other != nullptr) {
        w.Fail(other->key_node, other->path,
               "cannot be combined with auth_file (auth_file holds both the username and the "
               "password, as \"user/password\"): use auth_file alone, or username_file and "
               "password_file, or username_env and password_env");
      }
    }
    out.auth_file = GetNonEmptyString(w, *af);
    // The file is the only source: no environment fallback for this block.
    out.username_env.clear();
    out.password_env.clear();
    return out;
  }
  if ((uf != nullptr || pf != nullptr) && (ue != nullptr || pe != nullptr)) {
    const Field* env = ue != nullptr ? ue : pe;
    w.Fail(env->key_node, env->path,
           "cannot mix files and environment variables: use either username_file and "
           "password_file, or username_env and password_env");
  }
  if (uf != nullptr || pf != nullptr) {
    if (uf == nullptr || pf == nullptr) {
      const Field* given = uf != nullptr ? uf : pf;
      w.Fail(given->key_node, given->path,
             fmt::format("{} is set but {} is not (username_file and password_file go together)",
                         given->key, uf != nullptr ? "password_file" : "username_file"));
    }
    out.username_file = GetNonEmptyString(w, *uf);
    out.password_file = GetNonEmptyString(w, *pf);
    // Files are the source: no environment fallback for this block.
    out.username_env.clear();
    out.password_env.clear();
    return out;
  }
  if (ue != nullptr || pe != nullptr) {
    if (ue == nullptr || pe == nullptr) {
      const Field* given = ue != nullptr ? ue : pe;
      w.Fail(given->key_node, given->path,
             fmt::format("{} is set but {} is not (username_env and password_env go together)",
                         given->key, ue != nullptr ? "password_env" : "username_env"));
    }
    for (const Field* e : {ue, pe}) {
      std::string name = GetNonEmptyString(w, *e);
      if (!IsValidEnvName(name)) {
        w.Fail(
            e->value, e->path,
            fmt::format("\"{}\" is not a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)",
                        name));
      }
    }
    out.username_env = ue->value.Scalar();
    out.password_env = pe->value.Scalar();
  }
  return out;
}

// TLS settings as a patch: only the fields written in the file.
void ParseTls(const Walker& w, const Field& section, DefaultsOverrides& patch) {
  Fields f(w, section.value, section.path,
           {"ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify"});
  if (const Field* x = f.Find("ca_file")) {
    patch.tls_ca_file = GetString(w, *x);
  }
  const Field* cert = f.Find("cert_file");
  const Field* key = f.Find("key_file");
  if (cert != nullptr) {
    patch.tls_cert_file = GetString(w, *cert);
  }
  if (key != nullptr) {
    patch.tls_key_file = GetString(w, *key);
  }
  bool has_cert = patch.tls_cert_file && !patch.tls_cert_file->empty();
  bool has_key = patch.tls_key_file && !patch.tls_key_file->empty();
  if (has_cert != has_key) {
    const Field* given = has_cert ? cert : key;
    w.Fail(given->key_node, given->path,
           fmt::format("{} is set but {} is not (client certificate and key go together)",
                       given->key, has_cert ? "key_file" : "cert_file"));
  }
  if (const Field* x = f.Find("server_name")) {
    patch.tls_server_name = GetString(w, *x);
  }
  if (const Field* x = f.Find("insecure_skip_verify")) {
    patch.tls_insecure_skip_verify = GetBool(w, *x);
  }
}

void ParseHttp(const Walker& w, const Field& section, DefaultsOverrides& patch) {
  Fields f(w, section.value, section.path,
           {"connect_timeout", "request_timeout", "max_response_bytes"});
  if (const Field* x = f.Find("connect_timeout")) {
    patch.connect_timeout = GetPositiveDuration(w, *x);
  }
  if (const Field* x = f.Find("request_timeout")) {
    patch.request_timeout = GetPositiveDuration(w, *x);
  }
  if (const Field* x = f.Find("max_response_bytes")) {
    patch.max_response_bytes = GetPositiveSize(w, *x);
  }
}

MemberConfig ParseMember(const Walker& w, const YAML::Node& node, const std::string& path) {
  if (node.IsNull()) {
    w.Fail(node, path, "want a mapping with at least url, got nothing");
  }
  Fields f(w, node, path, {"url", "name", "zone", "metrics_url"});
  const Field& url_field = f.Require("url");
  Result<MemberUrl> url = ParseMemberUrl(GetString(w, url_field));
  if (!url.ok()) {
    w.Fail(url_field.value, url_field.path, url.error().message);
  }
  MemberConfig m;
  m.url = url->url;
  m.name = url->host_port;
  if (const Field* x = f.Find("name")) {
    m.name = GetNonEmptyString(w, *x);
  }
  if (const Field* x = f.Find("zone")) {
    m.zone = GetString(w, *x);
  }
  if (const Field* x = f.Find("metrics_url")) {
    Result<HttpBaseUrl> u = ParseHttpBaseUrl(GetString(w, *x));
    if (!u.ok()) {
      w.Fail(x->value, x->path, u.error().message);
    }
    if (!u->userinfo.empty()) {
      w.Fail(x->value, x->path,
             "user info is not supported (Neo4j's metrics endpoint has no auth)");
    }
    m.metrics_url = u->url.empty() ? std::string() : u->url;
    if (u->path.empty()) {
      m.metrics_url += "/metrics";
    }
  }
  return m;
}

// A cluster's `neo4j_metrics:` section: where its members serve Neo4j's own metrics.
void ParseNeo4jMetricsEndpoint(const Walker& w, const Field& section, Neo4jMetricsEndpoint& e) {
  Fields f(w, section.value, section.path, {"scheme", "port", "path", "prefix"});
  if (const Field* x = f.Find("scheme")) {
    e.scheme = GetString(w, *x);
    if (e.scheme != "http" && e.scheme != "https") {
      w.Fail(x->value, x->path, fmt::format("want http or https, got \"{}\"", e.scheme));
    }
  }
  if (const Field* x = f.Find("port")) {
    e.port = GetInt(w, *x, 1, 65535);
  }
  if (const Field* x = f.Find("path")) {
    e.path = GetString(w, *x);
    if (e.path.empty() || e.path.front() != '/' ||
        e.path.find_first_of(" ?#") != std::string::npos) {
      w.Fail(x->value, x->path,
             fmt::format("want an absolute path such as /metrics, got \"{}\"", e.path));
    }
  }
  if (const Field* x = f.Find("prefix")) {
    e.prefix = GetNonEmptyString(w, *x);
    if (!IsMetricNamePart(e.prefix)) {
      w.Fail(x->value, x->path,
             fmt::format("want Neo4j's metrics.prefix as it appears in metric names (letters, "
                         "digits, _), got \"{}\"",
                         e.prefix));
    }
  }
}

void ParseNodeAllocation(const Walker& w, const Field& section, ExpectedTopology& out) {
  Fields f(w, section.value, section.path, {"primaries", "secondaries"});
  if (const Field* x = f.Find("primaries")) {
    out.primaries = GetInt(w, *x, 1, 1000);
  }
  if (const Field* x = f.Find("secondaries")) {
    out.secondaries = GetInt(w, *x, 0, 1000);
  }
}

void ParsePlacement(const Walker& w, const Field& section, PlacementConfig& p) {
  Fields f(w, section.value, section.path,
           {"availability_zones", "topology_key", "max_skew", "min_domains", "when_unsatisfiable",
            "anti_affinity", "node_selector"});
  if (const Field* x = f.Find("availability_zones")) {
    p.availability_zones = GetStringList(w, *x, /*unique=*/true);
  }
  if (const Field* x = f.Find("topology_key")) {
    p.topology_key = GetNonEmptyString(w, *x);
  }
  if (const Field* x = f.Find("max_skew")) {
    p.max_skew = GetInt(w, *x, 1, 1000);
  }
  const Field* min_domains = f.Find("min_domains");
  if (min_domains != nullptr) {
    p.min_domains = GetInt(w, *min_domains, 1, 1000);
  }
  if (const Field* x = f.Find("when_unsatisfiable")) {
    std::string v = GetString(w, *x);
    if (v != "DoNotSchedule" && v != "ScheduleAnyway") {
      w.Fail(x->value, x->path,
             fmt::format("invalid value \"{}\" (want DoNotSchedule or ScheduleAnyway)", v));
    }
    p.do_not_schedule = v == "DoNotSchedule";
    if (!p.do_not_schedule && min_domains != nullptr) {
      w.Fail(min_domains->value, min_domains->path,
             "min_domains is only allowed with when_unsatisfiable DoNotSchedule (as in "
             "Kubernetes)");
    }
  }
  if (const Field* x = f.Find("anti_affinity")) {
    std::string v = GetString(w, *x);
    if (v != "required" && v != "preferred" && v != "none") {
      w.Fail(x->value, x->path,
             fmt::format("invalid value \"{}\" (want required, preferred or none)", v));
    }
    p.anti_affinity = v == "none" ? "" : v;
  }
  if (const Field* x = f.Find("node_selector")) {
    p.node_selector = GetStringMap(w, *x);
  }
}

void ParseClusterKube(const Walker& w, const Field& section, ClusterKubeConfig& k) {
  Fields f(w, section.value, section.path, {"namespace", "pod_selector"});
  if (const Field* x = f.Find("namespace")) {
    k.namespace_name = GetNonEmptyString(w, *x);
  }
  if (const Field* x = f.Find("pod_selector")) {
    k.pod_selector = GetNonEmptyString(w, *x);
  }
}
}  // namespace

namespace internal {

SectionOverrides ParseSectionOverrides(const Walker& w, const Fields& f) {
  SectionOverrides out;
  if (const Field* x = f.Find("credentials")) {
    out.credentials = ParseCredentials(w, *x);
  }
  if (const Field* x = f.Find("tls")) {
    ParseTls(w, *x, out.patch);
  }
  if (const Field* x = f.Find("http")) {
    ParseHttp(w, *x, out.patch);
  }
  return out;
}

ClusterDefaults ApplySection(ClusterDefaults base, const SectionOverrides& s) {
  if (s.credentials) {
    base.credentials = *s.credentials;
  }
  return ApplyOverrides(std::move(base), s.patch);
}

ClusterConfig ParseCluster(const Walker& w, const YAML::Node& node, const std::string& path,
                           const ClusterDefaults& defaults) {
  if (node.IsNull()) {
    w.Fail(node, path, "want a mapping with at least name and members, got nothing");
  }
  Fields f(
      w, node, path,
      {"name", "region", "node_allocation", "databases", "members", "bolt_endpoint",
       "http_endpoint", "placement", "kubernetes", "credentials", "tls", "http", "neo4j_metrics"});
  ClusterConfig c;
  const Field& name = f.Require("name");
  c.name = GetString(w, name);
  if (!IsValidClusterName(c.name)) {
    w.Fail(
        name.value, name.path,
        fmt::format("cluster name \"{}\" is not label-safe (allowed: letters, digits and _ . : -)",
                    c.name));
  }
  if (const Field* x = f.Find("region")) {
    c.region = GetString(w, *x);
  }
  if (const Field* x = f.Find("node_allocation")) {
    ParseNodeAllocation(w, *x, c.expected);
  }
  if (const Field* x = f.Find("databases")) {
    std::map<std::string, int> seen;  // name -> line
    ForEachItem(w, *x, [&](const YAML::Node& item, const std::string& item_path) {
      if (!item.IsScalar() || item.Scalar().empty()) {
        w.Fail(item, item_path,
               fmt::format("want a database name, got {}",
                           item.IsScalar() ? "an empty string" : YamlKindName(item)));
      }
      auto [pos, inserted] = seen.emplace(item.Scalar(), item.Mark().line + 1);
      if (!inserted) {
        w.Fail(item, item_path,
               fmt::format("duplicate database \"{}\" (first listed at line {})", item.Scalar(),
                           pos->second));
      }
      c.databases.push_back(item.Scalar());
    });
  }
  if (const Field* x = f.Find("bolt_endpoint")) {
    c.bolt_endpoint = GetString(w, *x);
    if (Status st = ValidateBoltEndpoint(c.bolt_endpoint); !st.ok()) {
      w.Fail(x->value, x->path, st.error().message);
    }
  }
  if (const Field* x = f.Find("http_endpoint")) {
    Result<MemberUrl> url = ParseMemberUrl(GetString(w, *x));
    if (!url.ok()) {
      w.Fail(x->value, x->path, url.error().message);
    }
    c.http_endpoint = url->url;
  }
  if (const Field* x = f.Find("placement")) {
    ParsePlacement(w, *x, c.placement);
  }
  if (const Field* x = f.Find("kubernetes")) {
    ParseClusterKube(w, *x, c.kubernetes);
  }
  if (const Field* x = f.Find("neo4j_metrics")) {
    ParseNeo4jMetricsEndpoint(w, *x, c.neo4j_metrics);
  }
  // Members are optional: a peer cluster may only be probed (bolt_endpoint), and members may be
  // discovered through Kubernetes. Whether every cluster ends up with something to monitor is
  // checked once every source is merged (ValidateMergedConfig).
  std::map<std::string, std::pair<std::size_t, int>> names;  // name -> (index, line)
  std::map<std::string, std::size_t> urls;
  const Field* members_field = f.Find("members");
  const YAML::Node empty_list(YAML::NodeType::Sequence);
  const Field members =
      members_field != nullptr ? *members_field : Field{"members", {}, empty_list, ""};
  ForEachItem(w, members, [&](const YAML::Node& item, const std::string& item_path) {
    MemberConfig m = ParseMember(w, item, item_path);
    std::size_t index = c.members.size();
    // Blame the explicit name when there is one, else the URL the name was derived from.
    const YAML::Node name_node = item["name"];
    const bool named = name_node.IsDefined() && !name_node.IsNull();
    const YAML::Node url_node = item["url"];
    auto [npos, name_new] = names.emplace(m.name, std::make_pair(index, item.Mark().line + 1));
    if (!name_new) {
      w.Fail(named ? name_node : url_node, JoinPath(item_path, named ? "name" : "url"),
             fmt::format("duplicate member name \"{}\" (also used by members[{}] at line {})",
                         m.name, npos->second.first, npos->second.second));
    }
    auto [upos, url_new] = urls.emplace(m.url, index);
    if (!url_new) {
      w.Fail(url_node, JoinPath(item_path, "url"),
             fmt::format("member URL {} is already used by members[{}]", m.url, upos->second));
    }
    c.members.push_back(std::move(m));
  });
  if (members_field != nullptr && c.members.empty()) {
    w.Fail(members.value, members.path,
           "the list is empty (remove the key to rely on Kubernetes discovery)");
  }
  ClusterDefaults effective = ApplySection(defaults, ParseSectionOverrides(w, f));
  c.credentials = std::move(effective.credentials);
  c.tls = std::move(effective.tls);
  c.http = effective.http;
  return c;
}

}  // namespace internal
}  // namespace nca::config
