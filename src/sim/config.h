// Simulator configuration: the topology of the simulated Neo4j clusters (members, versions,
// credentials, per-cluster protocol options and Raft timings), loaded from YAML or taken from
// the embedded default topology. Plain values; the loader functions are pure (no I/O except
// LoadTopologyFile) and thread-safe. The YAML schema is documented in docs/simulator.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace nca::sim {

using Millis = std::chrono::milliseconds;

// 4.x calls primaries "core" and secondaries "read_replica".
enum class MemberMode { kPrimary, kSecondary };

// Which interface family a version speaks.
enum class VersionFamily {
  kV4,        // 4.x causal clustering (4.4 shapes)
  kV5,        // 5.x
  kCalendar,  // 2025.x, 2026.x ... (5.x interfaces, calendar version string)
};

// Key name of the health flag in the cluster status JSON.
enum class HealthKey {
  kHealthy,    // "healthy": what the server code serialises
  kIsHealthy,  // "isHealthy": what the manuals show
};

// Shape of data.values in Query API answers.
enum class QueryValuesShape {
  kRows,  // [[v1, v2], ...] (current)
  kFlat,  // [v1, v2, ...] (2024 docs)
};

struct MemberSpec {
  std::string name;
  MemberMode mode = MemberMode::kPrimary;
  std::string zone;       // kept for later (not served yet)
  std::string region;     // kept for later (not served yet)
  int http_port = 0;      // 0: any free loopback port
  int bolt_port = 0;      // Bolt handshake listener; 0: allocated by the simulator
  std::string server_id;  // UUID; empty: derived deterministically from cluster and member name
};

struct ClusterSpec {
  std::string name;
  std::string version = "5.26.0";
  std::string edition = "enterprise";
  std::vector<MemberSpec> members;
  // Extra databases besides `system` and `neo4j`, which every cluster always has.
  std::vector<std::string> databases;

  std::string username = "neo4j";
  std::string password;
  bool auth_enabled = true;
  bool status_auth = true;  // status endpoints require auth too (when auth_enabled)
  // Failed Basic-auth attempts per user before 429 for auth_lock_time; 0 disables (Neo4j's own
  // default is 3 attempts / 5 s).
  int auth_max_failed_attempts = 0;
  Duration auth_lock_time = std::chrono::seconds(5);

  std::optional<bool> query_api;  // unset: on for 5.25+ and calendar versions
  QueryValuesShape query_values = QueryValuesShape::kRows;
  HealthKey health_key = HealthKey::kHealthy;
  std::optional<bool> discovery_healthy;  // emit "discoveryHealthy"; unset: 4.x only
  bool raft_commands_per_second = true;   // emit "raftCommandsPerSecond"

  Duration election_timeout = std::chrono::seconds(2);
  double tx_rate = 5.0;              // committed transactions per second on user databases
  double system_tx_rate = 0.1;       // ... on the system database
  Duration apply_lag = Millis(500);  // how far behind the leader followers/secondaries apply
  double catchup_rate = 500.0;       // max transactions per second a lagging member applies
};

// When the simulator runs its own ticker thread.
enum class TickerMode {
  kAuto,  // only when the clock is a RealClock
  kOn,
  kOff,  // tests call Simulator::Tick()
};

struct SimConfig {
  std::vector<ClusterSpec> clusters;
  std::string listen_host = "127.0.0.1";
  std::string control_address = "127.0.0.1:0";
  Duration tick_interval = Millis(50);  // ticker thread period
  Duration model_step = Millis(50);     // largest model time step (Advance sub-steps)
  uint64_t seed = 1;                    // elections' tie-breaks and initial leaders
  int member_threads = 8;               // civetweb worker threads per member
  int first_bolt_port = 17687;          // first allocated bolt port
  TickerMode ticker = TickerMode::kAuto;
};

// Parses "10s", "500ms", "1.5s", "2m", "1h", "250us"; a bare number means seconds.
Result<Duration> ParseDuration(std::string_view text);
// Formats a duration compactly ("2s", "500ms").
std::string FormatDuration(Duration d);

// "4.4.26" -> (4, 4); "2025.10.1" -> (2025, 10); "2026.03" -> (2026, 3).
std::optional<std::pair<int, int>> ParseVersionNumbers(std::string_view version);
// Family of a version string (major 4 -> kV4, 5 -> kV5, >= 2025 -> kCalendar).
Result<VersionFamily> FamilyOf(std::string_view version);

// Effective per-cluster options (defaults resolved from the version).
VersionFamily Family(const ClusterSpec& cluster);
bool QueryApiEnabled(const ClusterSpec& cluster);
bool EmitsDiscoveryHealthy(const ClusterSpec& cluster);

std::string_view MemberModeName(MemberMode mode, VersionFamily family);  // primary / core ...
std::string_view HealthKeyName(HealthKey key);

// Databases of a cluster in serving order: neo4j, system, then the extra ones (deduplicated).
std::vector<std::string> DatabaseNames(const ClusterSpec& cluster);

// Checks names (unique members across clusters, at least one primary), versions and options.
Status Validate(const SimConfig& config);

// YAML topology (schema in docs/simulator.md). Validates the result.
Result<SimConfig> ParseTopologyYaml(std::string_view yaml);
Result<SimConfig> LoadTopologyFile(const std::string& path);

// The embedded default topology: prod-east (5.26.0, 3 primaries + 2 secondaries), legacy-44
// (4.4.26, 3 cores + 1 read replica), dr-west (2025.10.1, 3 primaries + 1 secondary);
// credentials neo4j / demo-password-not-secret (a demo value, not a secret).
std::string_view DefaultTopologyYaml();
SimConfig DefaultTopology();

// Deterministic RFC-4122-shaped (version 4) UUID derived from a string.
std::string DeterministicUuid(std::string_view seed);
// Deterministic 64-hex-digit upper-case id (SHOW DATABASES databaseID) derived from a string.
std::string DeterministicHexId(std::string_view seed);

}  // namespace nca::sim
