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

// Which deployment's labels the emulated Kubernetes API puts on a cluster's pods.
enum class KubernetesLabels {
  kOperator,  // the Neo4j Kubernetes operator's (neo4j.com/cluster, app.kubernetes.io/*)
  kHelm,      // the Neo4j Helm chart's (helm.neo4j.com/neo4j.name, app; 4.4: dbms.mode)
};

struct MemberSpec {
  std::string name;
  MemberMode mode = MemberMode::kPrimary;
  // Availability zone and region the member runs in (SHOW SERVERS tags / 4.4 groups, the
  // Kubernetes node labels). Empty zone: placed round-robin over the cluster's `zones`
  // (ResolvePlacement); empty region: the cluster's region.
  std::string zone;
  std::string region;
  int http_port = 0;      // 0: any free loopback port
  int bolt_port = 0;      // Bolt handshake listener; 0: allocated by the simulator
  int metrics_port = 0;   // Neo4j's Prometheus endpoint; 0: any free loopback port
  std::string server_id;  // UUID; empty: derived deterministically from cluster and member name
};

// Neo4j's own Prometheus endpoint on every member (topology key `neo4j_metrics`):
// server.metrics.prometheus.enabled, server.metrics.prefix / metrics.prefix and, for 4.x,
// metrics.namespaces.enabled (5.x and later are always namespaced).
struct Neo4jMetricsSpec {
  bool enabled = true;
  std::string prefix = "neo4j";
  bool namespaces = false;
};

struct ClusterSpec {
  std::string name;
  std::string version = "5.26.0";
  std::string edition = "enterprise";
  std::vector<MemberSpec> members;
  // Placement: the cluster's region (default of its members' regions) and the zones it is
  // meant to span. Members without a zone are placed round-robin over `zones` (primaries first,
  // then secondaries, in member order); listed zones without a member get a spare Kubernetes
  // node (an empty eligible domain).
  std::string region;
  std::vector<std::string> zones;
  std::string namespace_name = "neo4j";  // Kubernetes namespace of the members' pods
  KubernetesLabels kubernetes_labels = KubernetesLabels::kOperator;  // labels of those pods
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

  Neo4jMetricsSpec neo4j_metrics;
};

// When the simulator runs its own ticker thread.
enum class TickerMode {
  kAuto,  // only when the clock is a RealClock
  kOn,
  kOff,  // tests call Simulator::Tick()
};

// A Neo4jEnterpriseCluster manifest the simulation was instantiated from, served by the
// emulated Kubernetes API as a custom object (group neo4j.neo4j.com, plural
// neo4jenterpriseclusters).
struct SimManifest {
  std::string api_version;     // "neo4j.neo4j.com/v1alpha1"
  std::string namespace_name;  // metadata.namespace ("neo4j" when the manifest has none)
  std::string name;            // metadata.name
  std::string json;            // the whole object as JSON text
};

struct SimConfig {
  std::vector<ClusterSpec> clusters;
  std::string listen_host = "127.0.0.1";
  std::string control_address = "127.0.0.1:0";
  // Emulated Kubernetes API (sim/kube_api.h): listen address ("" = off) and, when non-empty,
  // the bearer token every request must present.
  std::string kube_address = "127.0.0.1:0";
  std::string kube_token;
  // Cross-cluster links: a Bolt and an HTTP listener per ordered pair of clusters.
  bool links = true;
  std::vector<SimManifest> manifests;
  Duration tick_interval = Millis(50);  // ticker thread period
  Duration model_step = Millis(50);     // largest model time step (Advance sub-steps)
  uint64_t seed = 1;                    // elections' tie-breaks and initial leaders
  int member_threads = 8;               // civetweb worker threads per member
  // How long a member's HTTP and metrics endpoints keep an idle connection open for the next
  // request; 0 (the default): every answer closes its connection. Neo4j's HTTP connector is
  // Jetty, which keeps connections alive (Jetty's HTTP connector idle timeout defaults to 30 s).
  // Off by default because civetweb holds one worker thread (member_threads) per open
  // connection, idle or not, where Jetty's selector holds none: several agents keeping
  // connections to one member would queue each other's requests.
  std::chrono::milliseconds keep_alive_timeout{0};
  // First allocated bolt port; 0: every allocated port is ephemeral (kept across restarts
  // while free), for tests that run simulators side by side.
  int first_bolt_port = 17687;
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

// Fills in placement defaults (idempotent): members without a zone get the cluster's zones
// round-robin (primaries first, then secondaries, in member order; the rotation only counts the
// members it places), members without a region get the cluster's region.
void ResolvePlacement(ClusterSpec& cluster);
// Zones the cluster uses: its `zones` list, then any other zone of its members (in order).
std::vector<std::string> ClusterZones(const ClusterSpec& cluster);

// Checks names (unique members across clusters, at least one primary), versions and options.
Status Validate(const SimConfig& config);

// YAML topology (schema in docs/simulator.md). Validates the result.
Result<SimConfig> ParseTopologyYaml(std::string_view yaml);
Result<SimConfig> LoadTopologyFile(const std::string& path);

// The password of the embedded topology and of clusters instantiated from manifests. A demo
// value published in the documentation; not a secret.
inline constexpr char kDemoPassword[] = "demo-password-not-secret";

// The embedded default topology: prod-east (5.26.0, us-east-1, 3 primaries + 2 secondaries),
// legacy-44 (4.4.26, eu-central-1, 3 cores + 1 read replica), dr-west (2025.10.1, us-west-2,
// 3 primaries + 1 secondary), each spread over three zones; credentials neo4j / kDemoPassword.
std::string_view DefaultTopologyYaml();
SimConfig DefaultTopology();

// Deterministic RFC-4122-shaped (version 4) UUID derived from a string.
std::string DeterministicUuid(std::string_view seed);
// Deterministic 64-hex-digit upper-case id (SHOW DATABASES databaseID) derived from a string.
std::string DeterministicHexId(std::string_view seed);

}  // namespace nca::sim
