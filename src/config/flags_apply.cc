// Applying the parsed flags (flags_internal.h's FlagValues) over the --config file: ParseFlags
// itself, which tokenises argv, loads the file and overlays the web/log, collector, cluster,
// Kubernetes, cross-cluster, relay and alerting flags, merges the manifests and validates the
// result, plus the consistency checks on --neo4j.* overrides and on the credential environment
// variables. Tokenising argv, the --help text and ProcessEnvLookup live in flags.cc.

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "config/cluster_spec.h"
#include "config/flag_specs.h"
#include "config/flags.h"
#include "config/flags_internal.h"
#include "config/loader.h"
#include "config/merge.h"

namespace nca::config {
namespace {

using flags::BuildSpecs;
using flags::FlagSpec;
using internal::FlagError;
using internal::FlagValues;
using internal::Printable;
using internal::Tokenise;

// --kubernetes.* and --cross-cluster.* over the file; NODE_NAME (downward API) when neither the
// file nor a flag names the node.
void ApplyKubernetesFlags(const FlagValues& v, const EnvLookup& env, Config& config) {
  KubernetesConfig& k = config.kubernetes;
  if (v.kube_api_url) {
    k.api_url = *v.kube_api_url;
    if (!v.kube_mode) {
      k.mode = KubernetesConfig::Mode::kExplicit;
    }
  }
  if (v.kube_mode) {
    k.mode = *v.kube_mode;
  }
  if (v.kube_ca_file) {
    k.ca_file = *v.kube_ca_file;
  }
  if (v.kube_token_file) {
    k.token_file = *v.kube_token_file;
  }
  if (v.kube_namespace) {
    k.namespace_name = *v.kube_namespace;
  }
  if (v.kube_service_account_dir) {
    k.service_account_dir = *v.kube_service_account_dir;
  }
  if (v.kube_node_name) {
    k.node_name = *v.kube_node_name;
  } else if (k.node_name.empty() && env) {
    if (std::optional<std::string> node = env("NODE_NAME"); node && !node->empty()) {
      k.node_name = *node;
    }
  }
  for (const std::string& ref : v.kube_cluster_resources) {
    if (std::find(k.cluster_resources.begin(), k.cluster_resources.end(), ref) ==
        k.cluster_resources.end()) {
      k.cluster_resources.push_back(ref);
    }
  }
  if (v.cross_cluster_source) {
    config.cross_cluster.source = *v.cross_cluster_source;
  }
  if (v.cross_cluster_probe_timeout) {
    config.cross_cluster.probe_timeout = *v.cross_cluster_probe_timeout;
  }
  if (v.neo4j_metrics_include) {
    config.neo4j_metrics.include = *v.neo4j_metrics_include;
  }
  if (v.neo4j_metrics_exclude) {
    config.neo4j_metrics.exclude = *v.neo4j_metrics_exclude;
  }
  if (v.neo4j_metrics_series_limit) {
    config.neo4j_metrics.series_limit = *v.neo4j_metrics_series_limit;
  }
}

// --rules.* and --alertmanager.* over the file's `alerting:` section. Scalars replace the file's
// value; lists (--rules.file, --alertmanager.url) are appended to the file's, skipping entries it
// already has (an Alertmanager is the same when it differs only in the file's user info);
// --rules.external-label replaces the file's label of the same name and keeps the others.
void ApplyAlertingFlags(const FlagValues& v, AlertingConfig& a) {
  if (v.rules_enabled) {
    a.enabled = *v.rules_enabled;
  }
  if (v.rules_manifest) {
    a.manifest_rules = *v.rules_manifest;
  }
  for (const std::string& pattern : v.rule_files) {
    if (std::find(a.rule_files.begin(), a.rule_files.end(), pattern) == a.rule_files.end()) {
      a.rule_files.push_back(pattern);
    }
  }
  if (v.evaluation_interval) {
    a.evaluation_interval = *v.evaluation_interval;
  }
  for (const auto& [name, value] : v.external_labels) {
    a.external_labels[name] = value;
  }
  if (v.external_url) {
    a.external_url = *v.external_url;
  }
  if (v.resend_delay) {
    a.resend_delay = *v.resend_delay;
  }
  if (v.alertmanager_timeout) {
    a.alertmanager_timeout = *v.alertmanager_timeout;
  }
  std::set<std::string> known;  // redacted forms of the URLs already listed
  for (const std::string& url : a.alertmanager_urls) {
    Result<HttpBaseUrl> parsed = ParseHttpBaseUrl(url);
    known.insert(parsed.ok() ? parsed->redacted : url);
  }
  for (const HttpBaseUrl& url : v.alertmanagers) {
    if (known.insert(url.redacted).second) {
      a.alertmanager_urls.push_back(url.url);
    }
  }
}

Status CheckOverrides(const DefaultsOverrides& o) {
  if (o.auth_file && (o.username_file || o.password_file)) {
    return FlagError("neo4j.auth-file",
                     fmt::format("cannot be combined with --{} (the auth file holds both the "
                                 "username and the password, as \"user/password\")",
                                 o.username_file ? "neo4j.username-file" : "neo4j.password-file"));
  }
  if (o.username_file.has_value() != o.password_file.has_value()) {
    return FlagError(o.username_file ? "neo4j.username-file" : "neo4j.password-file",
                     fmt::format("needs --{} too (username and password come from the same kind "
                                 "of source)",
                                 o.username_file ? "neo4j.password-file" : "neo4j.username-file"));
  }
  bool cert = o.tls_cert_file && !o.tls_cert_file->empty();
  bool key = o.tls_key_file && !o.tls_key_file->empty();
  if (cert != key) {
    return FlagError(cert ? "neo4j.tls.cert-file" : "neo4j.tls.key-file",
                     fmt::format("needs --{} too (client certificate and key go together)",
                                 cert ? "neo4j.tls.key-file" : "neo4j.tls.cert-file"));
  }
  return OkStatus();
}

Status ApplyCollectorFlags(const FlagValues& v, LoadedConfig& loaded) {
  const std::string& source = loaded.config.source;
  for (const auto& name : KnownCollectors()) {
    CollectorSettings& settings = loaded.config.collectors[name];
    const CollectorFieldsSet& file_set = loaded.collectors_set[name];
    if (auto it = v.collector_enabled.find(name); it != v.collector_enabled.end()) {
      settings.enabled = it->second;
    } else if (v.disable_defaults && !(file_set.enabled && settings.enabled)) {
      settings.enabled = false;
    }
    auto interval = v.collector_interval.find(name);
    auto timeout = v.collector_timeout.find(name);
    if (interval != v.collector_interval.end()) {
      settings.interval = interval->second;
    }
    if (timeout != v.collector_timeout.end()) {
      settings.timeout = timeout->second;
    } else if (!file_set.timeout) {
      settings.timeout = DefaultCollectorTimeout(settings.interval);
    }
    if (settings.timeout > settings.interval) {
      if (timeout != v.collector_timeout.end()) {
        return FlagError(
            fmt::format("collector.{}.timeout", name),
            fmt::format("timeout {} exceeds the interval {}", FormatDuration(settings.timeout),
                        FormatDuration(settings.interval)));
      }
      return FlagError(fmt::format("collector.{}.interval", name),
                       fmt::format("interval {} is shorter than the timeout {} set in {} (set "
                                   "--collector.{}.timeout too)",
                                   FormatDuration(settings.interval),
                                   FormatDuration(settings.timeout), source, name));
    }
  }
  return OkStatus();
}

Status AddFlagClusters(const FlagValues& v, LoadedConfig& loaded) {
  const std::size_t file_clusters = loaded.config.clusters.size();
  for (const std::string& spec : v.clusters) {
    std::size_t eq = spec.find('=');
    if (eq == std::string::npos) {
      return FlagError("cluster", fmt::format("\"{}\" is not NAME=URL[,URL...]", Printable(spec)));
    }
    ClusterConfig c;
    c.name = spec.substr(0, eq);
    if (!IsValidClusterName(c.name)) {
      return FlagError("cluster",
                       fmt::format("cluster name \"{}\" is not label-safe (allowed: letters, "
                                   "digits and _ . : -)",
                                   c.name));
    }
    for (std::size_t i = 0; i < loaded.config.clusters.size(); ++i) {
      if (loaded.config.clusters[i].name == c.name) {
        return FlagError("cluster",
                         i < file_clusters
                             ? fmt::format("cluster \"{}\" is already defined in {}", c.name,
                                           loaded.config.source)
                             : fmt::format("cluster \"{}\" given more than once", c.name));
      }
    }
    std::string_view urls = std::string_view(spec).substr(eq + 1);
    std::size_t index = 0;
    while (true) {
      std::size_t comma = urls.find(',');
      std::string_view text = urls.substr(0, comma);
      ++index;
      Result<MemberUrl> url = ParseMemberUrl(text);
      if (!url.ok()) {
        return FlagError("cluster", fmt::format("cluster \"{}\": URL {} \"{}\": {}", c.name, index,
                                                Printable(text), url.error().message));
      }
      for (const auto& m : c.members) {
        if (m.name == url->host_port) {
          return FlagError("cluster", fmt::format("cluster \"{}\": member {} given more than once",
                                                  c.name, url->host_port));
        }
      }
      MemberConfig m;
      m.name = url->host_port;
      m.url = url->url;
      c.members.push_back(std::move(m));
      if (comma == std::string_view::npos) {
        break;
      }
      urls = urls.substr(comma + 1);
    }
    c.credentials = loaded.defaults.credentials;
    c.tls = loaded.defaults.tls;
    c.http = loaded.defaults.http;
    loaded.config.clusters.push_back(std::move(c));
  }
  return OkStatus();
}

Status CheckEnvironment(const Config& config, const EnvLookup& env) {
  if (!env) {
    return OkStatus();
  }
  const auto is_set = [&](const std::string& name) {
    if (name.empty()) {
      return false;
    }
    std::optional<std::string> value = env(name);
    return value.has_value() && !value->empty();
  };
  for (const auto& c : config.clusters) {
    const CredentialsConfig& cred = c.credentials;
    if (!cred.username_file.empty() || !cred.password_file.empty() || !cred.auth_file.empty()) {
      continue;
    }
    bool user = is_set(cred.username_env);
    bool pass = is_set(cred.password_env);
    if (user != pass) {
      return MakeError(
          ErrorKind::kInvalidArgument,
          fmt::format("cluster \"{}\": environment variable {} is set but {} is not (set both, "
                      "or neither to connect without authentication)",
                      c.name, user ? cred.username_env : cred.password_env,
                      user ? cred.password_env : cred.username_env));
    }
  }
  return OkStatus();
}

}  // namespace

Result<ParsedFlags> ParseFlags(int argc, const char* const* argv, const EnvLookup& env) {
  const std::vector<FlagSpec> specs = BuildSpecs();
  FlagValues values;
  Result<ParsedFlags::Action> action = Tokenise(argc, argv, specs, values);
  if (!action.ok()) {
    return action.error();
  }
  ParsedFlags out;
  out.action = *action;
  if (out.action != ParsedFlags::Action::kRun) {
    for (const auto& name : KnownCollectors()) {
      out.config.collectors[name] = DefaultCollectorSettings(name);
    }
    return out;
  }
  if (Status s = CheckOverrides(values.overrides); !s.ok()) {
    return s.error();
  }
  LoadOptions options;
  options.overrides = values.overrides;
  Result<LoadedConfig> loaded = values.config_path
                                    ? LoadConfigFileWithOptions(*values.config_path, options)
                                    : ParseConfigWithOptions("", "", options);
  if (!loaded.ok()) {
    return loaded.error();
  }
  Config& config = loaded->config;
  if (values.listen_address) {
    config.web.listen_address = *values.listen_address;
  }
  if (values.web_config_file) {
    config.web.config_file = *values.web_config_file;
  }
  if (values.telemetry_path) {
    config.web.telemetry_path = *values.telemetry_path;
  }
  if (values.log_level) {
    config.log.level = *values.log_level;
  }
  if (values.log_format) {
    config.log.format = *values.log_format;
  }
  if (Status s = ApplyCollectorFlags(values, *loaded); !s.ok()) {
    return s.error();
  }
  if (Status s = AddFlagClusters(values, *loaded); !s.ok()) {
    return s.error();
  }
  ApplyKubernetesFlags(values, env, config);
  ApplyAlertingFlags(values, config.alerting);
  // Manifests: the file's cluster_specs first, then --cluster-spec, in order.
  for (const std::string& path : values.cluster_specs) {
    if (std::find(config.cluster_spec_files.begin(), config.cluster_spec_files.end(), path) ==
        config.cluster_spec_files.end()) {
      config.cluster_spec_files.push_back(path);
    }
  }
  std::vector<ClusterSpecDoc> docs;
  for (const std::string& path : config.cluster_spec_files) {
    Result<ClusterSpecDoc> doc = LoadClusterSpecFile(path);
    if (!doc.ok()) {
      return FlagError("cluster-spec", doc.error().message);
    }
    docs.push_back(std::move(*doc));
  }
  MergeClusterSpecs(docs, loaded->defaults, config, out.notes);
  out.defaults = loaded->defaults;
  // Custom resources are read from the API by the agent at start-up (and validated again then);
  // a configuration relying on them alone must not fail for lack of clusters yet.
  const bool clusters_pending =
      config.clusters.empty() && !config.kubernetes.cluster_resources.empty();
  if (Status s = clusters_pending ? OkStatus() : ValidateMergedConfig(config); !s.ok()) {
    return s.error();
  }
  if (Status s = CheckEnvironment(config, env); !s.ok()) {
    return s.error();
  }
  out.config = std::move(config);
  return out;
}

}  // namespace nca::config
