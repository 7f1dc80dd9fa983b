// Loading and validating the YAML configuration file (--config), Prometheus-style: unknown keys,
// missing required keys and invalid values are errors, each reported as ONE message
//   <file>:<line>:<column>: <key.path>: <what is wrong>
// (line and column 1-based), e.g.
//   agent.yml:14:9: clusters[1].members[0].url: scheme "ftp" not supported (want http or https)
//
// Secrets are never accepted in the file: only file paths (`password_file`) or environment
// variable names (`password_env`). A `username:`/`password:` key is rejected with a message
// saying so, and no error message ever echoes such a value. The one exception is the user info
// of an Alertmanager URL (`alerting.alertmanagers`, HTTP basic auth): accepted in the file (never
// on the command line), kept in AlertingConfig::alertmanager_urls and never echoed in errors.
//
// Every function here is pure (no global state) except LoadConfigFile*, which reads the file;
// all are safe to call concurrently.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/config.h"

namespace nca::config {

// Names of the collectors the agent knows, in display order: "role", "quorum",
// "replication_lag", "failover", "zone_skew", "cross_cluster_latency". The collector registry and
// the flags share this list.
std::vector<std::string> KnownCollectors();

// Settings that the `defaults:` section supplies to every cluster unless the cluster overrides
// them. Credentials are replaced as a whole block; tls and http field by field.
struct ClusterDefaults {
  CredentialsConfig credentials;
  TlsConfig tls;
  HttpConfig http;
};

// Overrides of the `defaults:` section coming from command-line flags (--neo4j.*). Every set
// field wins over the file's `defaults:` but not over a cluster's own setting. Credentials: when
// either file is set both must be, and together they replace the default credentials block; an
// auth_file (never with the other two) replaces it alone.
struct DefaultsOverrides {
  std::optional<std::string> username_file;
  std::optional<std::string> password_file;
  std::optional<std::string> auth_file;
  std::optional<std::string> tls_ca_file;
  std::optional<std::string> tls_cert_file;
  std::optional<std::string> tls_key_file;
  std::optional<std::string> tls_server_name;
  std::optional<bool> tls_insecure_skip_verify;
  std::optional<Seconds> connect_timeout;
  std::optional<Seconds> request_timeout;
  std::optional<std::size_t> max_response_bytes;
};

// `base` with every field set in `overrides` replaced. Does not validate.
ClusterDefaults ApplyOverrides(ClusterDefaults base, const DefaultsOverrides& overrides);

struct LoadOptions {
  DefaultsOverrides overrides;
};

// Which fields of one collector's settings the file set explicitly.
struct CollectorFieldsSet {
  bool enabled = false;
  bool interval = false;
  bool timeout = false;
};

// A parsed file plus what later layers (the flags) need to merge correctly: the effective
// cluster defaults (file `defaults:` with the overrides applied), for clusters added afterwards
// (e.g. by --cluster), and which collector settings were explicit in the file.
struct LoadedConfig {
  Config config;
  ClusterDefaults defaults;
  std::map<std::string, CollectorFieldsSet> collectors_set;  // one entry per known collector
};

// A collector timeout that is not configured follows the interval: min(4s, interval).
Seconds DefaultCollectorTimeout(Seconds interval);
// A collector's settings before configuration: enabled, every 5s (neo4j_metrics: every 15s, the
// scrape interval of the seeds' Prometheus), timeout DefaultCollectorTimeout(interval).
CollectorSettings DefaultCollectorSettings(const std::string& name);
// Minimum collector interval (1s).
inline constexpr double kMinCollectorIntervalSeconds = 1.0;

// Parses and validates `yaml`; `source_name` (usually the file path) prefixes every error and
// is stored in Config::source. Relative `alerting.rule_files` entries are joined with the
// directory of `source_name` (DirectoryOf), so they stay valid whatever the working directory. The
// result has an entry in Config::collectors for every known collector (defaults for those the file
// does not mention). Zero clusters is not an error here (flags may add some). All errors are
// kInvalidArgument.
Result<Config> ParseConfig(std::string_view yaml, const std::string& source_name);
Result<LoadedConfig> ParseConfigWithOptions(std::string_view yaml, const std::string& source_name,
                                            const LoadOptions& options);

// Reads `path` and parses it as above. A missing or unreadable file names the file and the
// strerror text.
Result<Config> LoadConfigFile(const std::string& path);
Result<LoadedConfig> LoadConfigFileWithOptions(const std::string& path, const LoadOptions& options);

// --- Value syntax shared with the flags -------------------------------------------------------

// Prometheus duration syntax: one or more of <int>y, w, d, h, m, s, ms in that order, each at
// most once ("500ms", "5s", "1m", "1h30m"), or "0". Errors name the offending text.
Result<Seconds> ParseDuration(std::string_view text);
// Inverse of ParseDuration for display ("1m30s", "500ms", "0s"); sub-millisecond parts dropped.
std::string FormatDuration(Seconds d);

// Byte sizes: plain bytes ("1048576") or an integer with a unit B, KiB, MiB or GiB ("512KiB",
// "8MiB"). Decimal units (KB, MB, ...) are rejected to avoid the 1000/1024 ambiguity.
Result<std::size_t> ParseByteSize(std::string_view text);
// "8MiB", "512KiB", "1000B" (largest unit that divides exactly).
std::string FormatByteSize(std::size_t bytes);

// Cluster names become label values: [a-zA-Z0-9_.:-]+.
bool IsValidClusterName(std::string_view name);

// A member base URL, normalised.
struct MemberUrl {
  std::string scheme;     // "http" or "https"
  std::string host;       // as written; IPv6 without brackets
  int port = 0;           // defaulted to 7474 (http) / 7473 (https) when omitted
  std::string url;        // scheme://host:port (IPv6 host in brackets), no trailing slash
  std::string host_port;  // host:port (IPv6 host in brackets): the default member name
};

// Parses http(s)://host[:port][/]. Rejects other schemes, a missing host, a bad port, paths,
// queries, fragments and user info (credentials in URLs are refused). The error message does
// not repeat the URL (it may contain a secret), only the offending part when it is safe.
Result<MemberUrl> ParseMemberUrl(std::string_view text);

// Checks a Bolt endpoint "host:port" (IPv6 in brackets), as a manifest's `endpoint`.
Status ValidateBoltEndpoint(std::string_view text);
// "auto", "off", "in_cluster", "explicit".
Result<KubernetesConfig::Mode> ParseKubernetesMode(std::string_view text);
// A Neo4jEnterpriseCluster custom resource reference "namespace/name".
Status ValidateClusterResourceRef(std::string_view text);
// An RE2 expression for --collector.neo4j_metrics.include/exclude ("" is valid: no filter).
Status ValidateRelayRegex(std::string_view text);

// --- Alerting (the `alerting:` section and the --rules.* / --alertmanager.* flags) -----------

// Prometheus label names: [a-zA-Z_][a-zA-Z0-9_]*; names starting with "__" are reserved for
// internal use and rejected. The error message names the offending label.
Status ValidateLabelName(std::string_view name);

// An http(s) base URL with an optional path prefix (Alertmanager, the external URL).
struct HttpBaseUrl {
  std::string scheme;    // "http" or "https" (lower case)
  std::string userinfo;  // "user:password" as written, "" when none. A secret: never log it.
  std::string host;      // as written; IPv6 without brackets
  int port = 0;          // 0 when the URL has none (the scheme's default port applies)
  std::string path;      // "" or "/prefix" without trailing '/'
  // scheme://[userinfo@]host[:port][path], the form stored in the configuration.
  std::string url;
  // The same without the user info: safe to log and to show in error messages.
  std::string redacted;
};

// Parses http(s)://[userinfo@]host[:port][/path]. Rejects other schemes, a missing or invalid
// host, a bad port, a query and a fragment; trailing slashes of the path are removed (so
// "<url>/api/v2/alerts" can be appended). User info is returned, not rejected: callers decide.
// Error messages never contain the user info (nor any part of a URL that has an '@').
Result<HttpBaseUrl> ParseHttpBaseUrl(std::string_view text);

// `path` as seen from a file in directory `base_dir`: absolute paths and a "" base_dir leave it
// unchanged, otherwise "<base_dir>/<path>". Pure string work (no I/O, globs stay globs).
std::string ResolveRelativeTo(std::string_view base_dir, std::string_view path);

// The directory part of a file path ("conf/agent.yml" -> "conf", "agent.yml" -> "",
// "/agent.yml" -> "/").
std::string DirectoryOf(std::string_view file_path);

// Checks a listen address "[host]:port" (":9474", "0.0.0.0:9474", "[::]:9474").
Status ValidateListenAddress(std::string_view text);
// Checks a telemetry path: starts with '/' and is not "/" alone.
Status ValidateTelemetryPath(std::string_view text);
// Checks log level (debug|info|warn|error) and format (logfmt|json).
Status ValidateLogLevel(std::string_view text);
Status ValidateLogFormat(std::string_view text);

}  // namespace nca::config
