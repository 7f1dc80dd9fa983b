#include "config/loader.h"

#include <re2/re2.h>
#include <spdlog/fmt/fmt.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <limits>
#include <set>
#include <utility>

#include "common/files.h"
#include "config/loader_internal.h"
#include "config/text_util.h"
#include "config/yaml_util.h"
#include "config/yaml_walker.h"

namespace nca::config {
namespace {

constexpr double kDefaultCollectorTimeoutSeconds = 4.0;

using internal::ApplySection;
using internal::ParseCluster;
using internal::ParseSectionOverrides;
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

void ParseWeb(const Walker& w, const Field& section, WebConfig& web) {
  Fields f(w, section.value, section.path, {"listen_address", "telemetry_path"});
  if (const Field* x = f.Find("listen_address")) {
    web.listen_address = GetString(w, *x);
    if (Status s = ValidateListenAddress(web.listen_address); !s.ok()) {
      w.Fail(x->value, x->path, s.error().message);
    }
  }
  if (const Field* x = f.Find("telemetry_path")) {
    web.telemetry_path = GetString(w, *x);
    if (Status s = ValidateTelemetryPath(web.telemetry_path); !s.ok()) {
      w.Fail(x->value, x->path, s.error().message);
    }
  }
}

void ParseLog(const Walker& w, const Field& section, LogConfig& log) {
  Fields f(w, section.value, section.path, {"level", "format"});
  if (const Field* x = f.Find("level")) {
    log.level = GetString(w, *x);
    if (Status s = ValidateLogLevel(log.level); !s.ok()) {
      w.Fail(x->value, x->path, s.error().message);
    }
  }
  if (const Field* x = f.Find("format")) {
    log.format = GetString(w, *x);
    if (Status s = ValidateLogFormat(log.format); !s.ok()) {
      w.Fail(x->value, x->path, s.error().message);
    }
  }
}

void ParseCollectors(const Walker& w, const Field& section, LoadedConfig& out) {
  if (!section.value.IsMap()) {
    w.Fail(section.value, section.path,
           fmt::format("want a mapping of collector names, got {}", YamlKindName(section.value)));
  }
  const std::vector<std::string> known = KnownCollectors();
  std::set<std::string> seen;
  for (auto it = section.value.begin(); it != section.value.end(); ++it) {
    const YAML::Node key_node = it->first;
    if (!key_node.IsScalar()) {
      w.Fail(key_node, section.path,
             fmt::format("keys must be collector names, got {}", YamlKindName(key_node)));
    }
    const std::string name = key_node.Scalar();
    const std::string path = JoinPath(section.path, name);
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      w.Fail(key_node, path,
             fmt::format("unknown collector \"{}\" (known: {})", name, JoinNames(known)));
    }
    if (!seen.insert(name).second) {
      w.Fail(key_node, path, fmt::format("duplicate key {}", name));
    }
    std::initializer_list<std::string_view> keys = {"enabled", "interval", "timeout"};
    std::initializer_list<std::string_view> relay_keys = {"enabled", "interval", "timeout",
                                                          "include", "exclude",  "series_limit"};
    Fields f(w, it->second, path, name == "neo4j_metrics" ? relay_keys : keys);
    if (name == "neo4j_metrics") {
      Neo4jMetricsRelayConfig& relay = out.config.neo4j_metrics;
      for (const char* key : {"include", "exclude"}) {
        if (const Field* x = f.Find(key)) {
          std::string& target = std::string_view(key) == "include" ? relay.include : relay.exclude;
          target = GetString(w, *x);
          if (Status st = ValidateRelayRegex(target); !st.ok()) {
            w.Fail(x->value, x->path, st.error().message);
          }
        }
      }
      if (const Field* x = f.Find("series_limit")) {
        relay.series_limit = static_cast<std::size_t>(GetInt(w, *x, 1, 10000000));
      }
    }
    CollectorSettings& settings = out.config.collectors[name];
    CollectorFieldsSet& set = out.collectors_set[name];
    if (const Field* x = f.Find("enabled")) {
      settings.enabled = GetBool(w, *x);
      set.enabled = true;
    }
    const Field* interval = f.Find("interval");
    if (interval != nullptr) {
      settings.interval = GetDuration(w, *interval);
      set.interval = true;
      if (settings.interval.count() < kMinCollectorIntervalSeconds) {
        w.Fail(interval->value, interval->path,
               fmt::format("interval {} is too short (minimum 1s)",
                           FormatDuration(settings.interval)));
      }
    }
    if (const Field* x = f.Find("timeout")) {
      settings.timeout = GetPositiveDuration(w, *x);
      set.timeout = true;
      if (settings.timeout > settings.interval) {
        w.Fail(x->value, x->path,
               fmt::format("timeout {} exceeds the interval {} (a run must finish before the next "
                           "one starts)",
                           FormatDuration(settings.timeout), FormatDuration(settings.interval)));
      }
    } else {
      settings.timeout = DefaultCollectorTimeout(settings.interval);
    }
  }
}
void ParseKubernetes(const Walker& w, const Field& section, KubernetesConfig& k) {
  Fields f(w, section.value, section.path,
           {"mode", "api_url", "ca_file", "token_file", "insecure_skip_verify", "namespace",
            "node_name", "service_account_dir", "pod_selector", "cluster_label", "role_label",
            "http_scheme", "http_port", "discovery_interval", "cluster_resources"});
  if (const Field* x = f.Find("mode")) {
    Result<KubernetesConfig::Mode> mode = ParseKubernetesMode(GetString(w, *x));
    if (!mode.ok()) {
      w.Fail(x->value, x->path, mode.error().message);
    }
    k.mode = *mode;
  }
  const Field* api_url = f.Find("api_url");
  if (api_url != nullptr) {
    std::string url = GetNonEmptyString(w, *api_url);
    if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) {
      w.Fail(api_url->value, api_url->path, "want an http:// or https:// URL");
    }
    k.api_url = url;
  }
  if (const Field* x = f.Find("ca_file")) {
    k.ca_file = GetNonEmptyString(w, *x);
  }
  if (const Field* x = f.Find("token_file")) {
    k.token_file = GetNonEmptyString(w, *x);
  }
  if (const Field* x = f.Find("insecure_skip_verify")) {
    k.insecure_skip_verify = GetBool(w, *x);
  }
  if (const Field* x = f.Find("namespace")) {
    k.namespace_name = GetNonEmptyString(w, *x);
  }
  if (const Field* x = f.Find("service_account_dir")) {
    k.service_account_dir = GetNonEmptyString(w, *x);
  }
  if (const Field* x = f.Find("node_name")) {
    k.node_name = GetNonEmptyString(w, *x);
  }
  if (const Field* x = f.Find("pod_selector")) {
    k.pod_selector = GetNonEmptyString(w, *x);
  }
  if (const Field* x = f.Find("cluster_label")) {
    k.cluster_label = GetNonEmptyString(w, *x);
  }
  if (const Field* x = f.Find("role_label")) {
    k.role_label = GetNonEmptyString(w, *x);
  }
  if (const Field* x = f.Find("http_scheme")) {
    std::string v = GetString(w, *x);
    if (v != "http" && v != "https") {
      w.Fail(x->value, x->path, fmt::format("invalid value \"{}\" (want http or https)", v));
    }
    k.http_scheme = v;
  }
  if (const Field* x = f.Find("http_port")) {
    k.http_port = GetInt(w, *x, 1, 65535);
  }
  if (const Field* x = f.Find("discovery_interval")) {
    k.discovery_interval = GetPositiveDuration(w, *x);
  }
  if (const Field* x = f.Find("cluster_resources")) {
    k.cluster_resources = GetStringList(w, *x, /*unique=*/true);
    std::size_t i = 0;
    for (const std::string& ref : k.cluster_resources) {
      if (Status st = ValidateClusterResourceRef(ref); !st.ok()) {
        w.Fail(x->value[i], IndexPath(x->path, i), st.error().message);
      }
      ++i;
    }
  }
  if (k.mode == KubernetesConfig::Mode::kExplicit && api_url == nullptr) {
    w.Fail(section.value, JoinPath(section.path, "api_url"),
           "required field is missing (mode explicit needs the API server URL)");
  }
}

void ParseCrossCluster(const Walker& w, const Field& section, CrossClusterConfig& c) {
  Fields f(w, section.value, section.path, {"source", "probe_timeout", "http_probe"});
  if (const Field* x = f.Find("source")) {
    c.source = GetNonEmptyString(w, *x);
  }
  if (const Field* x = f.Find("probe_timeout")) {
    c.probe_timeout = GetPositiveDuration(w, *x);
  }
  if (const Field* x = f.Find("http_probe")) {
    c.http_probe = GetBool(w, *x);
  }
}

// `external_labels:`: a mapping of label names to string values.
std::map<std::string, std::string> GetLabelMap(const Walker& w, const Field& f) {
  if (!f.value.IsMap()) {
    w.Fail(f.value, f.path,
           fmt::format("want a mapping of label names to values, got {}", YamlKindName(f.value)));
  }
  std::map<std::string, std::string> out;
  std::map<std::string, int> lines;  // name -> line
  for (auto it = f.value.begin(); it != f.value.end(); ++it) {
    const YAML::Node key_node = it->first;
    if (!key_node.IsScalar()) {
      w.Fail(key_node, f.path,
             fmt::format("keys must be label names, got {}", YamlKindName(key_node)));
    }
    const std::string name = key_node.Scalar();
    const std::string path = JoinPath(f.path, name);
    if (Status s = ValidateLabelName(name); !s.ok()) {
      w.Fail(key_node, path, s.error().message);
    }
    auto [pos, inserted] = lines.emplace(name, key_node.Mark().line + 1);
    if (!inserted) {
      w.Fail(key_node, path,
             fmt::format("duplicate label {} (first set at line {})", name, pos->second));
    }
    if (!it->second.IsScalar()) {
      w.Fail(it->second.IsNull() ? key_node : it->second, path,
             fmt::format("want a string value, got {}", YamlKindName(it->second)));
    }
    out[name] = it->second.Scalar();
  }
  return out;
}

void ParseAlerting(const Walker& w, const Field& section, const std::string& base_dir,
                   AlertingConfig& a) {
  Fields f(w, section.value, section.path,
           {"enabled", "rule_files", "manifest_rules", "evaluation_interval", "external_labels",
            "external_url", "alertmanagers", "alertmanager_timeout", "resend_delay"});
  if (const Field* x = f.Find("enabled")) {
    a.enabled = GetBool(w, *x);
  }
  if (const Field* x = f.Find("rule_files")) {
    a.rule_files.clear();
    for (const std::string& pattern : GetStringList(w, *x, /*unique=*/true)) {
      a.rule_files.push_back(ResolveRelativeTo(base_dir, pattern));
    }
  }
  if (const Field* x = f.Find("manifest_rules")) {
    a.manifest_rules = GetBool(w, *x);
  }
  if (const Field* x = f.Find("evaluation_interval")) {
    a.evaluation_interval = GetPositiveDuration(w, *x);
  }
  if (const Field* x = f.Find("external_labels")) {
    a.external_labels = GetLabelMap(w, *x);
  }
  if (const Field* x = f.Find("external_url")) {
    const std::string text = GetString(w, *x);
    a.external_url.clear();
    if (!text.empty()) {
      Result<HttpBaseUrl> url = ParseHttpBaseUrl(text);
      if (!url.ok()) {
        w.Fail(x->value, x->path, url.error().message);
      }
      if (!url->userinfo.empty()) {
        w.Fail(x->value, x->path,
               "user info is not allowed in the external URL (it is published in every alert's "
               "generatorURL)");
      }
      a.external_url = url->url;
    }
  }
  if (const Field* x = f.Find("alertmanagers")) {
    a.alertmanager_urls.clear();
    std::map<std::string, std::size_t> seen;  // normalised URL -> index
    ForEachItem(w, *x, [&](const YAML::Node& item, const std::string& item_path) {
      if (!item.IsScalar() || item.Scalar().empty()) {
        w.Fail(item, item_path,
               fmt::format("want an http:// or https:// URL, got {}",
                           item.IsScalar() ? "an empty string" : YamlKindName(item)));
      }
      Result<HttpBaseUrl> url = ParseHttpBaseUrl(item.Scalar());
      if (!url.ok()) {
        w.Fail(item, item_path, url.error().message);
      }
      auto [pos, inserted] = seen.emplace(url->redacted, seen.size());
      if (!inserted) {
        // The redacted form only: the URL may carry a password.
        w.Fail(item, item_path,
               fmt::format("duplicate Alertmanager URL {} (also listed as {})", url->redacted,
                           IndexPath(x->path, pos->second)));
      }
      a.alertmanager_urls.push_back(url->url);
    });
  }
  if (const Field* x = f.Find("alertmanager_timeout")) {
    a.alertmanager_timeout = GetPositiveDuration(w, *x);
  }
  if (const Field* x = f.Find("resend_delay")) {
    a.resend_delay = GetPositiveDuration(w, *x);
  }
}

void ParseRoot(const Walker& w, const YAML::Node& root, const LoadOptions& options,
               LoadedConfig& out) {
  if (!root.IsNull() && !root.IsMap()) {
    w.Fail(root, "", fmt::format("want a mapping at the top level, got {}", YamlKindName(root)));
  }
  Fields f(w, root, "",
           {"web", "log", "defaults", "collectors", "clusters", "cluster_specs", "kubernetes",
            "cross_cluster", "alerting"});
  if (const Field* x = f.Find("cluster_specs")) {
    out.config.cluster_spec_files = GetStringList(w, *x, /*unique=*/true);
  }
  if (const Field* x = f.Find("kubernetes")) {
    ParseKubernetes(w, *x, out.config.kubernetes);
  }
  if (const Field* x = f.Find("cross_cluster")) {
    ParseCrossCluster(w, *x, out.config.cross_cluster);
  }
  if (const Field* x = f.Find("alerting")) {
    ParseAlerting(w, *x, DirectoryOf(w.source()), out.config.alerting);
  }
  if (const Field* x = f.Find("web")) {
    ParseWeb(w, *x, out.config.web);
  }
  if (const Field* x = f.Find("log")) {
    ParseLog(w, *x, out.config.log);
  }
  ClusterDefaults defaults;
  if (const Field* x = f.Find("defaults")) {
    Fields d(w, x->value, x->path, {"credentials", "tls", "http"});
    defaults = ApplySection(defaults, ParseSectionOverrides(w, d));
  }
  out.defaults = ApplyOverrides(std::move(defaults), options.overrides);
  if (const Field* x = f.Find("collectors")) {
    ParseCollectors(w, *x, out);
  }
  if (const Field* x = f.Find("clusters")) {
    std::map<std::string, int> names;  // name -> line
    ForEachItem(w, *x, [&](const YAML::Node& item, const std::string& item_path) {
      ClusterConfig c = ParseCluster(w, item, item_path, out.defaults);
      auto [pos, inserted] = names.emplace(c.name, item.Mark().line + 1);
      if (!inserted) {
        const YAML::Node name_node = item["name"];
        w.Fail(name_node, JoinPath(item_path, "name"),
               fmt::format("duplicate cluster name \"{}\" (first defined at line {})", c.name,
                           pos->second));
      }
      out.config.clusters.push_back(std::move(c));
    });
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public API.

std::vector<std::string> KnownCollectors() {
  return {"role",         "quorum",    "replication_lag",
          "failover",     "zone_skew", "cross_cluster_latency",
          "neo4j_metrics"};
}

CollectorSettings DefaultCollectorSettings(const std::string& name) {
  CollectorSettings s;
  if (name == "neo4j_metrics") {
    s.interval = Seconds{15.0};
  }
  s.timeout = DefaultCollectorTimeout(s.interval);
  return s;
}

Seconds DefaultCollectorTimeout(Seconds interval) {
  return std::min(Seconds(kDefaultCollectorTimeoutSeconds), interval);
}

ClusterDefaults ApplyOverrides(ClusterDefaults base, const DefaultsOverrides& o) {
  if (o.username_file || o.password_file || o.auth_file) {
    CredentialsConfig c;
    c.username_file = o.username_file.value_or("");
    c.password_file = o.password_file.value_or("");
    c.auth_file = o.auth_file.value_or("");
    c.username_env.clear();
    c.password_env.clear();
    base.credentials = std::move(c);
  }
  if (o.tls_ca_file) {
    base.tls.ca_file = *o.tls_ca_file;
  }
  if (o.tls_cert_file) {
    base.tls.cert_file = *o.tls_cert_file;
  }
  if (o.tls_key_file) {
    base.tls.key_file = *o.tls_key_file;
  }
  if (o.tls_server_name) {
    base.tls.server_name = *o.tls_server_name;
  }
  if (o.tls_insecure_skip_verify) {
    base.tls.insecure_skip_verify = *o.tls_insecure_skip_verify;
  }
  if (o.connect_timeout) {
    base.http.connect_timeout = *o.connect_timeout;
  }
  if (o.request_timeout) {
    base.http.request_timeout = *o.request_timeout;
  }
  if (o.max_response_bytes) {
    base.http.max_response_bytes = *o.max_response_bytes;
  }
  return base;
}

Result<LoadedConfig> ParseConfigWithOptions(std::string_view yaml, const std::string& source_name,
                                            const LoadOptions& options) {
  const Walker w(source_name);
  LoadedConfig out;
  out.config.source = source_name;
  for (const auto& name : KnownCollectors()) {
    out.config.collectors[name] = DefaultCollectorSettings(name);
    out.collectors_set[name] = CollectorFieldsSet{};
  }
  std::vector<YAML::Node> docs;
  try {
    docs = LoadAllDocuments(std::string(yaml));
  } catch (const YAML::Exception& e) {
    std::string where = source_name;
    if (!e.mark.is_null()) {
      where = fmt::format("{}:{}:{}", source_name, e.mark.line + 1, e.mark.column + 1);
    }
    return MakeError(ErrorKind::kInvalidArgument,
                     fmt::format("{}: invalid YAML: {}", where, e.msg));
  }
  try {
    if (docs.size() > 1) {
      w.Fail(docs[1], "", "multiple YAML documents are not supported (remove the extra ---)");
    }
    YAML::Node root = docs.empty() ? YAML::Node() : docs[0];
    ParseRoot(w, root, options, out);
  } catch (const LoadFailure& e) {
    return MakeError(ErrorKind::kInvalidArgument, e.message);
  } catch (const YAML::Exception& e) {
    // Not expected (every access is checked first); reported rather than thrown.
    return MakeError(ErrorKind::kInvalidArgument, fmt::format("{}: {}", source_name, e.what()));
  }
  return out;
}

Result<Config> ParseConfig(std::string_view yaml, const std::string& source_name) {
  Result<LoadedConfig> r = ParseConfigWithOptions(yaml, source_name, LoadOptions{});
  if (!r.ok()) {
    return r.error();
  }
  return std::move(r->config);
}

Result<LoadedConfig> LoadConfigFileWithOptions(const std::string& path,
                                               const LoadOptions& options) {
  auto text = ReadWholeFile(path, "config file");
  if (!text.ok()) {
    return text.error();
  }
  return ParseConfigWithOptions(*text, path, options);
}

Result<Config> LoadConfigFile(const std::string& path) {
  Result<LoadedConfig> r = LoadConfigFileWithOptions(path, LoadOptions{});
  if (!r.ok()) {
    return r.error();
  }
  return std::move(r->config);
}

}  // namespace nca::config
