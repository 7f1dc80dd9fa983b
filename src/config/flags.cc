#include "config/flags.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <map>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "config/cluster_spec.h"
#include "config/flag_specs.h"
#include "config/loader.h"
#include "config/merge.h"

namespace nca::config {
namespace {

using flags::BuildSpecs;
using flags::FlagSpec;
using flags::Id;
using flags::Kind;

Error FlagError(std::string_view flag, std::string_view message) {
  return MakeError(ErrorKind::kInvalidArgument, fmt::format("--{}: {}", flag, message));
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1);
  std::vector<std::size_t> cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    prev[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// A flag whose name asks for a secret value on the command line.
bool IsSecretFlag(std::string_view name) {
  for (std::string_view secret : {"password", "username", "pass", "user", "auth"}) {
    if (name == secret) {
      return true;
    }
    if (name.size() > secret.size() && name.substr(name.size() - secret.size()) == secret &&
        name[name.size() - secret.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

// A value as it may be echoed in an error: URLs with user info are redacted.
std::string Printable(std::string_view value) {
  if (value.find('@') != std::string_view::npos) {
    return "<redacted>";
  }
  return std::string(value);
}

// One flag occurrence, with its value already parsed where it has a type.
struct Occurrence {
  const FlagSpec* spec = nullptr;
  bool bool_value = false;
  std::string value;
};

// What the flags set, before merging with the file.
struct FlagValues {
  std::optional<std::string> config_path;
  std::vector<std::string> clusters;
  DefaultsOverrides overrides;
  std::optional<std::string> listen_address;
  std::optional<std::string> telemetry_path;
  std::optional<std::string> web_config_file;
  std::optional<std::string> log_level;
  std::optional<std::string> log_format;
  bool disable_defaults = false;
  std::map<std::string, bool> collector_enabled;
  std::map<std::string, Seconds> collector_interval;
  std::map<std::string, Seconds> collector_timeout;
  std::vector<std::string> cluster_specs;
  std::optional<KubernetesConfig::Mode> kube_mode;
  std::optional<std::string> kube_api_url;
  std::optional<std::string> kube_ca_file;
  std::optional<std::string> kube_token_file;
  std::optional<std::string> kube_namespace;
  std::optional<std::string> kube_node_name;
  std::optional<std::string> kube_service_account_dir;
  std::vector<std::string> kube_cluster_resources;
  std::optional<std::string> cross_cluster_source;
  std::optional<Seconds> cross_cluster_probe_timeout;
  std::optional<std::string> neo4j_metrics_include;
  std::optional<std::string> neo4j_metrics_exclude;
  std::optional<std::size_t> neo4j_metrics_series_limit;
  std::optional<bool> rules_enabled;
  std::optional<bool> rules_manifest;
  std::vector<std::string> rule_files;
  std::optional<Seconds> evaluation_interval;
  std::map<std::string, std::string> external_labels;
  std::optional<std::string> external_url;
  std::optional<Seconds> resend_delay;
  std::vector<HttpBaseUrl> alertmanagers;
  std::optional<Seconds> alertmanager_timeout;
};

Result<bool> ParseBoolText(std::string_view flag, std::string_view text) {
  if (text == "true") {
    return true;
  }
  if (text == "false") {
    return false;
  }
  return FlagError(flag, fmt::format("invalid boolean \"{}\" (want true or false)", text));
}

Status Store(const Occurrence& o, FlagValues& v) {
  const std::string& flag = o.spec->name;
  const auto check = [&](const Status& s) -> Status {
    if (!s.ok()) {
      return FlagError(flag, s.error().message);
    }
    return OkStatus();
  };
  const auto duration = [&](bool allow_zero) -> Result<Seconds> {
    Result<Seconds> d = ParseDuration(o.value);
    if (!d.ok()) {
      return FlagError(flag, d.error().message);
    }
    if (!allow_zero && d->count() <= 0) {
      return FlagError(flag, "must be greater than 0");
    }
    return d;
  };
  switch (o.spec->id) {
    case Id::kHelp:
    case Id::kVersion:
      return OkStatus();  // handled by the caller
    case Id::kConfig:
      if (o.value.empty()) {
        return FlagError(flag, "must not be empty");
      }
      v.config_path = o.value;
      return OkStatus();
    case Id::kCluster:
      v.clusters.push_back(o.value);
      return OkStatus();
    case Id::kUsernameFile:
    case Id::kPasswordFile:
      if (o.value.empty()) {
        return FlagError(flag, "must not be empty");
      }
      (o.spec->id == Id::kUsernameFile ? v.overrides.username_file : v.overrides.password_file) =
          o.value;
      return OkStatus();
    case Id::kAuthFile:
      if (o.value.empty()) {
        return FlagError(flag, "must not be empty");
      }
      v.overrides.auth_file = o.value;
      return OkStatus();
    case Id::kTlsCaFile:
      v.overrides.tls_ca_file = o.value;
      return OkStatus();
    case Id::kTlsCertFile:
      v.overrides.tls_cert_file = o.value;
      return OkStatus();
    case Id::kTlsKeyFile:
      v.overrides.tls_key_file = o.value;
      return OkStatus();
    case Id::kTlsServerName:
      v.overrides.tls_server_name = o.value;
      return OkStatus();
    case Id::kTlsInsecureSkipVerify:
      v.overrides.tls_insecure_skip_verify = o.bool_value;
      return OkStatus();
    case Id::kConnectTimeout:
    case Id::kRequestTimeout: {
      Result<Seconds> d = duration(false);
      if (!d.ok()) {
        return d.error();
      }
      (o.spec->id == Id::kConnectTimeout ? v.overrides.connect_timeout
                                         : v.overrides.request_timeout) = *d;
      return OkStatus();
    }
    case Id::kMaxResponseBytes: {
      Result<std::size_t> size = ParseByteSize(o.value);
      if (!size.ok()) {
        return FlagError(flag, size.error().message);
      }
      if (*size == 0) {
        return FlagError(flag, "must be greater than 0");
      }
      v.overrides.max_response_bytes = *size;
      return OkStatus();
    }
    case Id::kListenAddress:
      v.listen_address = o.value;
      return check(ValidateListenAddress(o.value));
    case Id::kTelemetryPath:
      v.telemetry_path = o.value;
      return check(ValidateTelemetryPath(o.value));
    case Id::kWebConfigFile:
      v.web_config_file = o.value;
      return OkStatus();
    case Id::kLogLevel:
      v.log_level = o.value;
      return check(ValidateLogLevel(o.value));
    case Id::kLogFormat:
      v.log_format = o.value;
      return check(ValidateLogFormat(o.value));
    case Id::kCollectorDisableDefaults:
      v.disable_defaults = o.bool_value;
      return OkStatus();
    case Id::kClusterSpec:
      if (o.value.empty()) {
        return FlagError(flag, "must not be empty");
      }
      v.cluster_specs.push_back(o.value);
      return OkStatus();
    case Id::kKubeMode: {
      Result<KubernetesConfig::Mode> mode = ParseKubernetesMode(o.value);
      if (!mode.ok()) {
        return FlagError(flag, mode.error().message);
      }
      v.kube_mode = *mode;
      return OkStatus();
    }
    case Id::kKubeApiUrl:
      if (o.value.rfind("https://", 0) != 0 && o.value.rfind("http://", 0) != 0) {
        return FlagError(flag, "want an http:// or https:// URL");
      }
      v.kube_api_url = o.value;
      return OkStatus();
    case Id::kKubeCaFile:
    case Id::kKubeTokenFile:
    case Id::kKubeNamespace:
    case Id::kKubeNodeName:
    case Id::kKubeServiceAccountDir:
    case Id::kCrossClusterSource: {
      if (o.value.empty()) {
        return FlagError(flag, "must not be empty");
      }
      std::optional<std::string>* target = o.spec->id == Id::kKubeCaFile      ? &v.kube_ca_file
                                           : o.spec->id == Id::kKubeTokenFile ? &v.kube_token_file
                                           : o.spec->id == Id::kKubeNamespace ? &v.kube_namespace
                                           : o.spec->id == Id::kKubeNodeName  ? &v.kube_node_name
                                           : o.spec->id == Id::kKubeServiceAccountDir
                                               ? &v.kube_service_account_dir
                                               : &v.cross_cluster_source;
      *target = o.value;
      return OkStatus();
    }
    case Id::kKubeClusterResource:
      if (Status st = ValidateClusterResourceRef(o.value); !st.ok()) {
        return FlagError(flag, st.error().message);
      }
      v.kube_cluster_resources.push_back(o.value);
      return OkStatus();
    case Id::kCrossClusterProbeTimeout: {
      Result<Seconds> d = duration(false);
      if (!d.ok()) {
        return d.error();
      }
      v.cross_cluster_probe_timeout = *d;
      return OkStatus();
    }
    case Id::kNeo4jMetricsInclude:
    case Id::kNeo4jMetricsExclude:
      if (Status st = ValidateRelayRegex(o.value); !st.ok()) {
        return FlagError(flag, st.error().message);
      }
      (o.spec->id == Id::kNeo4jMetricsInclude ? v.neo4j_metrics_include : v.neo4j_metrics_exclude) =
          o.value;
      return OkStatus();
    case Id::kNeo4jMetricsSeriesLimit: {
      std::size_t n = 0;
      const char* end = o.value.data() + o.value.size();
      auto [ptr, ec] = std::from_chars(o.value.data(), end, n);
      if (ec != std::errc() || ptr != end || n == 0 || n > 10000000) {
        return FlagError(
            flag, fmt::format("want a whole number from 1 to 10000000, got \"{}\"", o.value));
      }
      v.neo4j_metrics_series_limit = n;
      return OkStatus();
    }
    case Id::kCollectorEnable:
      v.collector_enabled[o.spec->collector] = o.bool_value;
      return OkStatus();
    case Id::kRulesEnabled:
      v.rules_enabled = o.bool_value;
      return OkStatus();
    case Id::kRulesManifest:
      v.rules_manifest = o.bool_value;
      return OkStatus();
    case Id::kRulesFile:
      if (o.value.empty()) {
        return FlagError(flag, "must not be empty");
      }
      v.rule_files.push_back(o.value);
      return OkStatus();
    case Id::kRulesEvaluationInterval:
    case Id::kRulesResendDelay:
    case Id::kAlertmanagerTimeout: {
      Result<Seconds> d = duration(false);
      if (!d.ok()) {
        return d.error();
      }
      (o.spec->id == Id::kRulesEvaluationInterval ? v.evaluation_interval
       : o.spec->id == Id::kRulesResendDelay      ? v.resend_delay
                                                  : v.alertmanager_timeout) = *d;
      return OkStatus();
    }
    case Id::kRulesExternalLabel: {
      std::size_t eq = o.value.find('=');
      if (eq == std::string::npos) {
        return FlagError(flag, fmt::format("\"{}\" is not NAME=VALUE", Printable(o.value)));
      }
      std::string name = o.value.substr(0, eq);
      if (Status st = ValidateLabelName(name); !st.ok()) {
        return FlagError(flag, st.error().message);
      }
      if (!v.external_labels.emplace(name, o.value.substr(eq + 1)).second) {
        return FlagError(flag, fmt::format("label {} given more than once", name));
      }
      return OkStatus();
    }
    case Id::kRulesExternalUrl: {
      if (o.value.empty()) {  // back to the default
        v.external_url = "";
        return OkStatus();
      }
      Result<HttpBaseUrl> url = ParseHttpBaseUrl(o.value);
      if (!url.ok()) {
        return FlagError(flag, url.error().message);
      }
      if (!url->userinfo.empty()) {
        return FlagError(flag,
                         "user info is not allowed in the external URL (it is published in every "
                         "alert's generatorURL)");
      }
      v.external_url = url->url;
      return OkStatus();
    }
    case Id::kAlertmanagerUrl: {
      if (o.value.empty()) {
        return FlagError(flag, "must not be empty");
      }
      Result<HttpBaseUrl> url = ParseHttpBaseUrl(o.value);
      if (!url.ok()) {
        return FlagError(flag, url.error().message);
      }
      if (!url->userinfo.empty()) {
        return FlagError(flag,
                         "user info (user:password@) is a secret and is never read from the "
                         "command line (argv is visible to every process on the host): put this "
                         "Alertmanager URL in the --config file (alerting.alertmanagers) instead");
      }
      v.alertmanagers.push_back(std::move(*url));
      return OkStatus();
    }
    case Id::kCollectorInterval: {
      Result<Seconds> d = duration(true);
      if (!d.ok()) {
        return d.error();
      }
      if (d->count() < kMinCollectorIntervalSeconds) {
        return FlagError(flag,
                         fmt::format("interval {} is too short (minimum 1s)", FormatDuration(*d)));
      }
      v.collector_interval[o.spec->collector] = *d;
      return OkStatus();
    }
    case Id::kCollectorTimeout: {
      Result<Seconds> d = duration(false);
      if (!d.ok()) {
        return d.error();
      }
      v.collector_timeout[o.spec->collector] = *d;
      return OkStatus();
    }
  }
  return OkStatus();
}

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

Error UnknownFlag(std::string_view name, const std::vector<FlagSpec>& specs) {
  std::string best;
  std::size_t best_distance = 3;
  const auto consider = [&](const std::string& candidate) {
    std::size_t d = EditDistance(name, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  };
  for (const auto& spec : specs) {
    consider(spec.name);
    if (spec.kind == Kind::kBool && spec.id != Id::kHelp && spec.id != Id::kVersion) {
      consider("no-" + spec.name);
    }
  }
  std::string message = fmt::format("unknown flag --{}", name);
  if (!best.empty()) {
    message += fmt::format(" (did you mean --{}?)", best);
  }
  message += "; see --help";
  return MakeError(ErrorKind::kInvalidArgument, std::move(message));
}

// Tokenises argv. Stops early for --help/--version (returned as the action).
Result<ParsedFlags::Action> Tokenise(int argc, const char* const* argv,
                                     const std::vector<FlagSpec>& specs, FlagValues& values) {
  std::set<const FlagSpec*> seen;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i] != nullptr ? argv[i] : "";
    if (arg == "-h") {
      return ParsedFlags::Action::kHelp;
    }
    if (arg.size() < 3 || arg.substr(0, 2) != "--") {
      if (!arg.empty() && arg[0] == '-') {
        return MakeError(ErrorKind::kInvalidArgument,
                         fmt::format("unknown short flag {}; see --help", arg.substr(0, 2)));
      }
      return MakeError(ErrorKind::kInvalidArgument,
                       fmt::format("unexpected argument \"{}\": this program takes no positional "
                                   "arguments (boolean flags take --flag=false or --no-flag)",
                                   Printable(arg)));
    }
    std::string_view body = arg.substr(2);
    std::size_t eq = body.find('=');
    std::string_view name = body.substr(0, eq);
    std::optional<std::string> inline_value;
    if (eq != std::string_view::npos) {
      inline_value = std::string(body.substr(eq + 1));
    }
    if (IsSecretFlag(name)) {
      return FlagError(name,
                       "secrets are never read from the command line (argv is visible to every "
                       "process on the host): use --neo4j.username-file/--neo4j.password-file "
                       "or --neo4j.auth-file, or "
                       "the NEO4J_USERNAME/NEO4J_PASSWORD environment variables, or credentials in "
                       "the --config file");
    }
    const FlagSpec* spec = nullptr;
    bool negated = false;
    for (const auto& s : specs) {
      if (s.name == name) {
        spec = &s;
      }
    }
    if (spec == nullptr && name.substr(0, 3) == "no-") {
      for (const auto& s : specs) {
        if (s.kind == Kind::kBool && s.name == name.substr(3) && s.id != Id::kHelp &&
            s.id != Id::kVersion) {
          spec = &s;
          negated = true;
        }
      }
    }
    if (spec == nullptr) {
      return UnknownFlag(name, specs);
    }
    if (!spec->repeatable && !seen.insert(spec).second) {
      return FlagError(spec->name, "flag given more than once");
    }
    Occurrence o;
    o.spec = spec;
    if (spec->kind == Kind::kBool) {
      if (inline_value) {
        if (negated) {
          return FlagError(name, "takes no value");
        }
        Result<bool> b = ParseBoolText(name, *inline_value);
        if (!b.ok()) {
          return b.error();
        }
        o.bool_value = *b;
      } else {
        o.bool_value = !negated;
      }
      if (spec->id == Id::kHelp && o.bool_value) {
        return ParsedFlags::Action::kHelp;
      }
      if (spec->id == Id::kVersion && o.bool_value) {
        return ParsedFlags::Action::kVersion;
      }
    } else if (inline_value) {
      o.value = *inline_value;
    } else {
      if (i + 1 >= argc || argv[i + 1] == nullptr ||
          std::string_view(argv[i + 1]).substr(0, 2) == "--") {
        return FlagError(name, fmt::format("expected a value ({})", spec->placeholder));
      }
      o.value = argv[++i];
    }
    if (Status s = Store(o, values); !s.ok()) {
      return s.error();
    }
  }
  return ParsedFlags::Action::kRun;
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

std::string HelpText() {
  const std::vector<FlagSpec> specs = BuildSpecs();
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& s : specs) {
    std::string left;
    std::string right = s.help;
    if (s.id == Id::kHelp) {
      left = "-h, --help";
    } else if (s.id == Id::kVersion) {
      left = "    --version";
    } else if (s.kind == Kind::kBool) {
      left = "    --[no-]" + s.name;
      if (s.default_text == "enabled" || s.default_text == "true") {
        right += fmt::format(" (default: {}; --no-{} turns it off)", s.default_text, s.name);
      } else {
        right += fmt::format(" (default: {})", s.default_text);
      }
    } else if (!s.default_text.empty()) {
      left = fmt::format("    --{}=\"{}\"", s.name, s.default_text);
    } else {
      left = fmt::format("    --{}={}", s.name, s.placeholder);
    }
    rows.emplace_back(std::move(left), std::move(right));
  }
  std::size_t width = 0;
  for (const auto& [left, right] : rows) {
    width = std::max(width, left.size());
  }
  std::string out =
      "usage: neo4j-cluster-agent [<flags>]\n"
      "\n"
      "Prometheus exporter and agent for Neo4j Enterprise clusters (4.4 causal clustering, 5.x\n"
      "and 2025.x). Secrets are read from files or environment variables, never from flags.\n"
      "\n"
      "Flags:\n";
  for (const auto& [left, right] : rows) {
    out += fmt::format("  {:<{}}  {}\n", left, width, right);
  }
  return out;
}

EnvLookup ProcessEnvLookup() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  };
}

}  // namespace nca::config
