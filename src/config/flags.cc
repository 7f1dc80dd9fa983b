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

#include "config/flag_specs.h"
#include "config/flags_internal.h"
#include "config/loader.h"

namespace nca::config {
namespace internal {

Error FlagError(std::string_view flag, std::string_view message) {
  return MakeError(ErrorKind::kInvalidArgument, fmt::format("--{}: {}", flag, message));
}

// A value as it may be echoed in an error: URLs with user info are redacted.
std::string Printable(std::string_view value) {
  if (value.find('@') != std::string_view::npos) {
    return "<redacted>";
  }
  return std::string(value);
}

}  // namespace internal

namespace {

using flags::BuildSpecs;
using flags::FlagSpec;
using flags::Id;
using flags::Kind;
using internal::FlagError;
using internal::FlagValues;
using internal::Printable;

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

// One flag occurrence, with its value already parsed where it has a type.
struct Occurrence {
  const FlagSpec* spec = nullptr;
  bool bool_value = false;
  std::string value;
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

}  // namespace

namespace internal {

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

}  // namespace internal

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
