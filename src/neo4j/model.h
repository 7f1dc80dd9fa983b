// Parsed Neo4j answers: the vocabulary shared by the pure parsers (neo4j/parsers.h), the member
// client (neo4j/member_client.h), the collectors and the simulator. Plain values, no I/O.
//
// Field optionality follows ../shared/reference/neo4j/INTERFACES.md: where Neo4j may omit a key
// or send an explicit null, the field is std::optional and both cases parse to std::nullopt.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nca::neo4j {

// Which family of cluster interfaces a member speaks.
enum class Dialect {
  kV4,  // 4.x causal clustering: leader/follower/read_replica, dbms.cluster.* procedures
  kV5,  // 5.x and calendar versions (2025.x, 2026.x): primary/secondary, SHOW SERVERS
};

// How Cypher statements are sent.
enum class CypherTransport {
  kTransactional,  // POST /db/<db>/tx/commit (4.x, 5.x)
  kQueryApi,       // POST /db/<db>/query/v2 (5.19+ when enabled, advertised as "query" in GET /)
};

// GET / with Accept: application/json.
struct DiscoveryInfo {
  std::string version;  // free-form: "4.4.0", "5.12.0", "2026.03", "5.0.0-SNAPSHOT"
  std::string edition;  // "enterprise", "community"
  int major = 0;        // 4, 5, 2025, 2026 ...
  int minor = 0;
  std::optional<std::string> bolt_direct;   // "bolt://localhost:7687"
  std::optional<std::string> bolt_routing;  // "neo4j://localhost:7687"
  std::optional<std::string> transaction;   // "http://localhost:7474/db/{databaseName}/tx"
  std::optional<std::string> query;         // ".../db/{databaseName}/query/v2" (Query API on)
  bool has_cluster_endpoints = false;       // "db/cluster" / "dbms/cluster" (or legacy "cluster")
  Dialect dialect = Dialect::kV5;
  CypherTransport transport = CypherTransport::kTransactional;
};

// One database's status as seen by one member: /db/<db>/cluster/status, or one element of
// /dbms/cluster/status (which adds databaseName/databaseUuid).
struct DatabaseClusterStatus {
  std::string database;                      // from databaseName, or the requested db
  std::optional<std::string> database_uuid;  // /dbms/cluster/status only
  bool core = false;                         // hosted as primary (core) vs secondary
  int64_t last_applied_raft_index = 0;       // may be -1 on an empty database
  bool participating_in_raft_group = false;
  std::vector<std::string> voting_members;  // sorted member ids
  std::optional<bool> healthy;              // "healthy" (source) or "isHealthy" (docs)
  std::optional<bool> discovery_healthy;    // 4.x later versions only
  std::string member_id;
  std::optional<std::string> leader;                        // null or missing: leader unknown
  std::optional<int64_t> millis_since_last_leader_message;  // null on leaders' secondaries
  std::optional<double> raft_commands_per_second;           // deprecated 5.4, nullable
};

// /db/<db>/cluster/{available,writable,read-only}: 200 "true" / 404 "false" / 404 empty (database
// not hosted) / 503 text (database not running, maybe Retry-After) / 403 (standalone, 4.x).
enum class EndpointKind { kAvailable, kWritable, kReadOnly };

enum class EndpointState {
  kTrue,         // 200 true
  kFalse,        // 404 false
  kNotHosted,    // 404 without "false": database not hosted on this member
  kUnavailable,  // 503: database not running (stopped, initial, dirty, ...)
  kForbidden,    // 403: not a clustered member
};

struct EndpointAnswer {
  EndpointState state = EndpointState::kFalse;
  std::optional<int> retry_after_seconds;
  std::string message;  // e.g. "Database neo4j is stopped" for 503
};

// A generic Cypher result: columns and rows of JSON values, identical for both transports.
struct CypherResult {
  std::vector<std::string> columns;
  std::vector<std::vector<nlohmann::json>> rows;
};

// Role of one database copy on one member, normalised across versions.
enum class DatabaseRole {
  kLeader,      // 4.x "leader"/LEADER, 5.x primary with writer=true
  kFollower,    // 4.x "follower"/FOLLOWER, 5.x primary with writer=false
  kCandidate,   // election in progress (CANDIDATE)
  kSecondary,   // 4.x "read_replica"/READ_REPLICA, 5.x "secondary"
  kStandalone,  // "standalone"
  kUnknown,     // "unknown", offline, or not reported
};

// One row of SHOW DATABASES [YIELD *] (4.4 and 5.x columns; absent columns stay empty/nullopt).
struct DatabaseRow {
  std::string name;
  std::optional<std::string> type;     // 5.x: "system", "standard", "composite", ...
  std::optional<std::string> address;  // bolt address "host:port"; null when server offline
  std::string role_raw;                // as sent: "leader", "primary", "read_replica", ...
  DatabaseRole role = DatabaseRole::kUnknown;
  std::optional<bool> writer;  // 5.x only
  std::string requested_status;
  std::string current_status;
  std::string status_message;  // 5.x statusMessage, 4.x error
  bool is_default = false;
  std::optional<std::string> server_id;
  std::optional<std::string> database_id;
  std::optional<int64_t> last_committed_txn;
  std::optional<int64_t> replication_lag;  // as sent (docs: negative integers, sometimes positive)
  std::optional<int64_t> current_primaries_count;
  std::optional<int64_t> current_secondaries_count;
  std::optional<int64_t> requested_primaries_count;
  std::optional<int64_t> requested_secondaries_count;
};

// One row of SHOW SERVERS [YIELD *] (5.x).
struct ServerRow {
  std::string server_id;
  std::string name;
  std::optional<std::string> address;
  std::optional<std::string> http_address;
  std::optional<std::string> https_address;
  std::string state;   // Free, Enabled, Cordoned, Deallocating, Deallocated, Dropped
  std::string health;  // Available, Unavailable
  std::vector<std::string> hosting;
  std::vector<std::string> requested_hosting;
  std::vector<std::string> tags;
  std::optional<std::string> mode_constraint;
  std::optional<std::string> version;
};

// One row of CALL dbms.cluster.overview() (4.x).
struct OverviewRow {
  std::string id;
  std::vector<std::string> addresses;
  std::vector<std::string> groups;
  std::map<std::string, std::string> databases;  // db -> "LEADER" | "FOLLOWER" | "READ_REPLICA"
};

}  // namespace nca::neo4j
