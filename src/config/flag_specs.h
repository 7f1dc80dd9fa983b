// The agent's command-line flags as data: names, kinds, defaults and help (the table behind
// `--help`, the parser in flags.cc and the flag checks of tests/deploy/check-manifests.sh).
// Internal to src/config; BuildSpecs is pure and thread-safe.
#pragma once

#include <string>
#include <vector>

namespace nca::config::flags {

enum class Kind { kBool, kValue };

enum class Id {
  kHelp,
  kVersion,
  kConfig,
  kCluster,
  kUsernameFile,
  kPasswordFile,
  kAuthFile,
  kTlsCaFile,
  kTlsCertFile,
  kTlsKeyFile,
  kTlsServerName,
  kTlsInsecureSkipVerify,
  kConnectTimeout,
  kRequestTimeout,
  kMaxResponseBytes,
  kListenAddress,
  kTelemetryPath,
  kWebConfigFile,
  kCollectorEnable,
  kCollectorInterval,
  kCollectorTimeout,
  kCollectorDisableDefaults,
  kClusterSpec,
  kKubeMode,
  kKubeApiUrl,
  kKubeCaFile,
  kKubeTokenFile,
  kKubeNamespace,
  kKubeNodeName,
  kKubeServiceAccountDir,
  kKubeClusterResource,
  kCrossClusterSource,
  kCrossClusterProbeTimeout,
  kNeo4jMetricsInclude,
  kNeo4jMetricsExclude,
  kNeo4jMetricsSeriesLimit,
  kRulesEnabled,
  kRulesFile,
  kRulesManifest,
  kRulesEvaluationInterval,
  kRulesExternalLabel,
  kRulesExternalUrl,
  kRulesResendDelay,
  kAlertmanagerUrl,
  kAlertmanagerTimeout,
  kLogLevel,
  kLogFormat,
};

struct FlagSpec {
  std::string name;  // without the leading --
  Kind kind = Kind::kValue;
  Id id = Id::kConfig;
  std::string collector;     // for the per-collector flags
  std::string placeholder;   // shown when there is no default
  std::string default_text;  // "" when none
  std::string help;
  bool repeatable = false;
};

// Every flag, in the order `--help` lists them. Built per call (no static initialisation); cheap.
std::vector<FlagSpec> BuildSpecs();

}  // namespace nca::config::flags
