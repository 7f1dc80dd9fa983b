// The fault vocabulary shared by the control API (POST /faults, JSON), scenario files (YAML,
// timed events) and the C++ API (Simulator::Apply). Plain values and pure parsers; thread-safe.
//
// Every fault has an undo: stop_member/restart_member, hang_member/unhang_member,
// partition/heal, slow_member (delay 0 or unslow_member), stall_replication/resume_replication,
// answer_mode (mode ok), metrics_fault (mode ok), set_database_state (state online),
// link_slow/link_cut (link_heal), zone_down/zone_up, region_down/region_up, reschedule_member
// (reset), kube_api_down/kube_api_up; force_leader_change and kube_token (a rotation) are events.
// `reset` undoes every fault at once (and restores the topology's kube_token).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "sim/config.h"

namespace nca::sim {

enum class FaultKind {
  kStopMember,         // member: close the listening socket (connection refused)
  kRestartMember,      // member: listen again on the same port
  kHangMember,         // member: accept connections, never answer (until unhung/stopped)
  kUnhangMember,       // member
  kPartition,          // groups: members in different groups cannot reach each other
  kHeal,               // cluster (optional): remove partitions
  kSlowMember,         // member, delay: answer every request after a fixed delay
  kUnslowMember,       // member
  kStallReplication,   // member: stop applying transactions
  kResumeReplication,  // member
  kForceLeaderChange,  // cluster, database (optional: all), to (optional): new leader now
  kAnswerMode,         // member, mode, size_mib (oversized), path_prefix (optional)
  kSetDatabaseState,   // cluster or member, database, state (online, stopped, initial, ...)
  kReset,              // undo every fault
  kLinkSlow,           // from, to, delay, one_way: delay every answer on a cross-cluster link
  kLinkCut,            // from, to, one_way: accept connections on the link, never answer
  kLinkHeal,           // from, to (both optional), one_way: no delay, not cut
  kZoneDown,           // zones, cluster (optional): every member in those zones stops
  kZoneUp,             // zones, cluster (optional)
  kRegionDown,         // region: every member of the region stops
  kRegionUp,           // region
  kRescheduleMember,   // member, zone: the member's pod moves to a node in that zone
  kMetricsFault,       // member, mode, delay (slow), size_mib (huge): Neo4j's metrics endpoint
  kKubeApiDown,        // the emulated Kubernetes API closes its listener (connection refused)
  kKubeApiUp,          // ... and listens again on the same port
  kKubeToken,          // token: the bearer token the Kubernetes API requires from now on
};

// How a member answers HTTP requests (fault "answer_mode").
enum class AnswerMode {
  kOk,             // normal answers
  kHttp500,        // 500 Internal Server Error
  kHttp401,        // 401 as for wrong credentials (not on the unauthenticated GET /)
  kHttp503,        // 503 Service Unavailable with Retry-After
  kMalformedJson,  // the normal answer cut in half (never valid JSON / boolean)
  kOversized,      // 200 with a JSON-prefix body of size_bytes (default 16 MiB)
  kHttp429,        // 429 AuthenticationRateLimit as for a locked user (not on GET /)
  kTruncated,      // the normal status and headers, half the body, then the connection closes
};

// How a member's Neo4j Prometheus endpoint answers (fault "metrics_fault"; mode "ok" undoes).
enum class MetricsMode {
  kOk,         // the exposition text
  kDisabled,   // the listener is closed: connection refused (the endpoint switched off)
  kHang,       // accepts connections, never answers
  kSlow,       // answers after `delay`
  kHuge,       // 200 with valid exposition text padded with comments to size_mib (default 17)
  kHtml,       // 200 text/html with an HTML page
  kStatus500,  // 500 Internal Server Error
  kGarbage,    // 200 with the Prometheus content type and a body that is not Prometheus text
};

// State of one database on one member (what /db/<db>/cluster/* and SHOW DATABASES report).
enum class DbState {
  kOnline,
  kStopped,      // STOP DATABASE: 503 "Database <db> is stopped", SHOW DATABASES offline
  kInitial,      // starting: 503 with Retry-After: 60
  kDirty,        // failed: 503
  kQuarantined,  // 503
  kUnknown,      // 503
};

inline constexpr std::size_t kDefaultOversizedBytes = std::size_t{16} << 20;
// Default size of a "huge" metrics answer: larger than 16 MiB.
inline constexpr std::size_t kDefaultMetricsHugeBytes = std::size_t{17} << 20;

struct FaultAction {
  FaultKind kind = FaultKind::kReset;
  std::string member;
  std::string cluster;
  std::string database;  // force_leader_change: "" = every database
  std::string to;        // force_leader_change: preferred new leader ("" = any other primary)
  std::vector<std::vector<std::string>> groups;     // partition
  Millis delay{0};                                  // slow_member
  AnswerMode mode = AnswerMode::kOk;                // answer_mode
  std::size_t size_bytes = kDefaultOversizedBytes;  // answer_mode oversized
  std::string path_prefix;                          // answer_mode: only paths starting with this
  DbState state = DbState::kOnline;                 // set_database_state
  MetricsMode metrics_mode = MetricsMode::kOk;      // metrics_fault
  std::string from;  // link_*: source cluster ("" = any, link_heal only)
  // link_*: `to` (above) is the target cluster. By default a link fault applies to both
  // directions; one_way: only from -> to.
  bool one_way = false;
  std::vector<std::string> zones;  // zone_down / zone_up ("zone" or "zones")
  std::string zone;                // reschedule_member
  std::string region;              // region_down / region_up
  std::string token;               // kube_token ("" = the Kubernetes API checks no token)
};

std::string_view FaultKindName(FaultKind kind);
std::string_view AnswerModeName(AnswerMode mode);
std::string_view DbStateName(DbState state);  // "online", "stopped", "initial", ...
Result<AnswerMode> ParseAnswerMode(std::string_view name);
Result<DbState> ParseDbState(std::string_view name);
std::string_view MetricsModeName(MetricsMode mode);  // "ok", "disabled", "hang", ...
Result<MetricsMode> ParseMetricsMode(std::string_view name);

// {"action": "stop_member", "member": "prod-east-2"} etc. (schema in docs/simulator.md).
// Numbers may be JSON numbers or numeric strings; durations are strings with a unit ("500ms")
// or numbers of seconds. Unknown keys are errors.
Result<FaultAction> ParseFaultAction(const nlohmann::json& j);
nlohmann::json FaultActionToJson(const FaultAction& action);

// One timed event: `at` is measured from Simulator::Start().
struct ScenarioEvent {
  Duration at{0};
  FaultAction action;
};

struct Scenario {
  std::vector<ScenarioEvent> events;  // sorted by `at` (stable)
  // When set, the whole event list is replayed every `repeat_every` (must exceed the last `at`).
  std::optional<Duration> repeat_every;
};

// YAML: {repeat_every: 120s, events: [{at: 10s, action: stop_member, member: prod-east-2}, ...]}
Result<Scenario> ParseScenarioYaml(std::string_view yaml);
Result<Scenario> LoadScenarioFile(const std::string& path);

}  // namespace nca::sim
