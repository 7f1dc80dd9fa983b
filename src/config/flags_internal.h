// Private to the flag parser (flags.cc, flags_apply.cc): what the tokeniser collects from argv
// (FlagValues), the tokeniser itself, and the two error helpers both halves use. Not part of the
// public API; include only from src/config/flags*.cc.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "config/flag_specs.h"
#include "config/flags.h"
#include "config/loader.h"

namespace nca::config::internal {

Error FlagError(std::string_view flag, std::string_view message);

// A value as it may be echoed in an error: URLs with user info are redacted.
std::string Printable(std::string_view value);

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

// Tokenises argv. Stops early for --help/--version (returned as the action).
Result<ParsedFlags::Action> Tokenise(int argc, const char* const* argv,
                                     const std::vector<flags::FlagSpec>& specs, FlagValues& values);

}  // namespace nca::config::internal
