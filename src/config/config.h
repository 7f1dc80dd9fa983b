// The agent's configuration: what the YAML file (--config) and the flags produce. Plain values.
// Loading and validation live in config/loader.h; nothing here does I/O.
//
// Secrets: only the *sources* of credentials (file paths, environment variable names) are kept
// here. The secret values are read by config::ResolveCredentials at use time and are never
// logged, formatted or exported.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nca::config {

using Seconds = std::chrono::duration<double>;

struct TlsConfig {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;          // SNI / verification name override
  bool insecure_skip_verify = false;  // explicit only; logs a warning when used
};

// Where the username and password come from. Files win over environment variables.
struct CredentialsConfig {
  std::string username_file;
  std::string password_file;
  std::string username_env = "NEO4J_USERNAME";
  std::string password_env = "NEO4J_PASSWORD";
};

struct HttpConfig {
  Seconds connect_timeout{2.0};
  Seconds request_timeout{5.0};        // total per request
  std::size_t max_response_bytes = 8u << 20;  // 8 MiB
};

struct MemberConfig {
  std::string name;  // defaults to host:port of url
  std::string url;   // http(s)://host:port
  std::string zone;  // static zone (optional)
};

// Expected topology, as in a Neo4jEnterpriseCluster's nodeAllocation.
struct ExpectedTopology {
  std::optional<int> primaries;
  std::optional<int> secondaries;
};

struct ClusterConfig {
  std::string name;
  std::string region;
  std::vector<MemberConfig> members;
  std::vector<std::string> databases;  // empty: every database the members report
  CredentialsConfig credentials;
  TlsConfig tls;
  HttpConfig http;
  ExpectedTopology expected;
};

struct CollectorSettings {
  bool enabled = true;
  Seconds interval{5.0};
  Seconds timeout{4.0};  // deadline of one run; must be <= interval
};

struct WebConfig {
  std::string listen_address = ":9474";
  std::string telemetry_path = "/metrics";
};

struct LogConfig {
  std::string level = "info";    // debug, info, warn, error
  std::string format = "logfmt";  // logfmt, json
};

struct Config {
  std::string source;  // file the config came from ("" for flags only)
  WebConfig web;
  LogConfig log;
  std::vector<ClusterConfig> clusters;
  // Per collector name ("role", "quorum", "replication_lag", "failover").
  std::map<std::string, CollectorSettings> collectors;
};

}  // namespace nca::config
