// The simulated clusters' state machine: members, faults and, per database, a Raft group over
// the cluster's primaries (term, leader, per-member applied index). Pure and clock-driven: time
// only moves in Advance(now), so tests drive it with a ManualClock and never sleep.
//
// Rules (see docs/simulator.md for the full description):
//  * Two members "reach" each other when both are up and in the same partition group. A member
//    takes part in a database's group when it is up and the database is online on it.
//  * A leader that is down loses leadership at once; a leader cut off from a majority of the
//    primaries steps down after election_timeout. Members keep reporting the last leader they
//    heard from for election_timeout, then report none (primaries become candidates).
//  * When a group has no leader and a majority component of its primaries exists, an election
//    happens as soon as a member of that component has timed out (i.e. election_timeout after
//    the leader was lost); the most up-to-date primary of the component wins (ties: seeded
//    random), and the term increments by one per election. So, once settled, there is exactly
//    one leader per database iff a majority of its primaries are up and reach each other.
//  * The leader commits tx_rate transactions per second (system: system_tx_rate) while it
//    reaches a majority; followers and secondaries apply what the leader had committed
//    apply_lag ago, at most catchup_rate per second, from any reachable primary; stalled members
//    apply nothing (a stalled leader commits nothing). An election truncates the group's commit
//    index to the winner's (unreplicated transactions of a lost leader are discarded).
//  * lastAppliedRaftIndex == lastCommittedTxn (kept equal).
//  * Placement: every member runs on a Kubernetes node in a zone and region. A member is up
//    unless it was stopped or its zone (in its cluster) or its region is down; zone/region
//    faults stop and restart members exactly as stop_member/restart_member do.
//  * Cross-cluster links (one per ordered pair of clusters) carry a delay and a cut flag; the
//    Simulator serves them.
//  * The emulated Kubernetes API is up or down (kube_api_down / kube_api_up) and requires a
//    bearer token (topology kube_token, rotated by kube_token); the Simulator serves it.
//
// Thread-safety: none; the Simulator serialises every access with its own mutex. Copyable (a
// copy is a consistent snapshot).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "sim/config.h"
#include "sim/faults.h"

namespace nca::sim {

// Role of a database copy as its member sees it.
enum class RaftRole {
  kLeader,
  kFollower,
  kCandidate,  // primary without a known leader
  kSecondary,
};

std::string_view RaftRoleName(RaftRole role);  // "leader", "follower", "candidate", "secondary"

// One database on one member.
struct MemberDb {
  DbState state = DbState::kOnline;
  int64_t applied = 0;              // lastAppliedRaftIndex == lastCommittedTxn
  std::optional<int> known_leader;  // member index the member follows
  int64_t known_term = 0;           // term of the last leader contact
  std::optional<MonoTime> last_leader_contact;
  double apply_rate = 0;  // smoothed applied transactions per second
  // Neo4j's own metrics count since the member (process) started: what was applied then, and
  // the transactions this member committed as the leader since then.
  int64_t applied_at_start = 0;
  int64_t committed_here = 0;
};

struct AuthFailures {
  int count = 0;
  MonoTime locked_until{};
};

// A Kubernetes node of the simulated placement (served by the emulated Kubernetes API).
struct SimNode {
  std::string name;
  std::string zone;      // "" when the member it was made for has no zone
  std::string region;    // "" when unknown
  std::string owner;     // the member it was made for; "" for a spare node
  bool created = false;  // made by reschedule_member (removed by reset)
};

// A cross-cluster link: `to`'s Service as reached from `from`'s region.
struct SimLink {
  int from = 0;  // cluster indexes
  int to = 0;
  Millis delay{0};    // added before every answer
  bool cut = false;   // connections accepted, never answered
  int bolt_port = 0;  // bound ports (0 until the simulator started them)
  int http_port = 0;
  bool listening = false;  // set by the simulator: false while no member of `to` is up
};

struct SimMember {
  MemberSpec spec;        // as configured (zone/region resolved); reset restores this placement
  std::string server_id;  // UUID (memberId / serverId)
  int http_port = 0;      // bound port (0 until the simulator starts it)
  int bolt_port = 0;      // bolt port (the bound one once the simulator started)
  std::string zone;       // current zone (reschedule_member changes it)
  std::string region;     // current region
  std::string node;       // current Kubernetes node name
  bool stopped = false;   // stop_member (or a failed restart); zone/region faults are separate
  bool up = true;         // effective: not stopped and neither its zone nor its region is down
  bool hung = false;
  bool stalled = false;
  Millis slow{0};
  AnswerMode answer_mode = AnswerMode::kOk;
  std::size_t oversized_bytes = kDefaultOversizedBytes;
  std::string answer_path_prefix;
  int partition_group = 0;    // members reach each other only within the same group
  std::vector<MemberDb> dbs;  // indexed like SimCluster::dbs
  std::map<std::string, AuthFailures> auth_failures;  // by user name (for 429)
  int requests_in_flight = 0;  // HTTP requests being handled (e.g. parked in a hang)
  MonoTime started_at{};       // when the member (process) last started
  // Neo4j's Prometheus endpoint (sim/neo4j_metrics.h): bound port (0 until the simulator
  // starts it; kept across restarts) and its fault (metrics_fault).
  int metrics_port = 0;
  MetricsMode metrics_mode = MetricsMode::kOk;
  Millis metrics_delay{0};
  std::size_t metrics_size_bytes = kDefaultMetricsHugeBytes;
};

struct SimDatabase {
  std::string name;
  std::string uuid;         // databaseUuid (system: 00000000-0000-0000-0000-000000000001)
  std::string database_id;  // SHOW DATABASES databaseID (64 hex digits)
  double rate = 0;          // committed tx per second while a leader reaches a majority
  int64_t term = 0;
  std::optional<int> leader;
  int64_t commit_index = 0;
  double commit_carry = 0;  // fractional transactions not yet committed
  std::optional<MonoTime> leader_isolated_since;
  std::deque<std::pair<MonoTime, int64_t>> history;  // (time, commit_index) for apply_lag
  int64_t elections = 0;
};

struct SimCluster {
  ClusterSpec spec;  // placement resolved (ResolvePlacement)
  VersionFamily family = VersionFamily::kV5;
  std::vector<SimMember> members;
  std::vector<SimDatabase> dbs;  // neo4j, system, extras (DatabaseNames order)
  // One node per member ("<member>-node"), a spare node per listed zone without members
  // ("<cluster>-spare-<zone>") and nodes created by reschedule_member ("<member>-node-<zone>").
  std::vector<SimNode> nodes;
  std::set<std::string> zones_down;  // zone_down faults that apply to this cluster
};

// SHOW SERVERS `tags` / 4.4 overview `groups` of a member: "zone:<zone>", "region:<region>"
// (only the ones that are set, in that order).
std::vector<std::string> ServerTags(const SimMember& member);

// What one member reports about one database.
struct MemberDbView {
  DbState state = DbState::kOnline;
  RaftRole role = RaftRole::kFollower;
  std::optional<int> leader;  // member index, as this member sees it
  int64_t term = 0;
  int64_t applied = 0;
  std::optional<int64_t> millis_since_last_leader_message;  // 0 on the leader; null: n/a
  std::optional<double> raft_commands_per_second;           // null when no leader is known
  bool participating = false;  // leader known && member is a voter (primary)
};

// Model members are addressed by (cluster index, member index).
struct MemberIndex {
  int cluster = 0;
  int member = 0;
};

// A listening socket the simulator must open or close after a fault was applied.
struct ServerChange {
  MemberIndex member;
  bool start = false;  // false: stop
};

class Model {
 public:
  // Builds the clusters at `start`: every database has a leader (term 1, chosen with the seed)
  // and every member is caught up, as if the cluster had been running.
  static Result<Model> Create(const SimConfig& config, MonoTime start);

  // Advances to `now` in steps of at most config.model_step. Earlier times are ignored.
  void Advance(MonoTime now);
  MonoTime Now() const { return now_; }

  // Applies a fault at the current time. Listening sockets to open/close are appended to
  // `changes` (may be null). Unknown names -> kInvalidArgument; nothing changes then.
  Status Apply(const FaultAction& action, std::vector<ServerChange>* changes);

  const std::vector<SimCluster>& clusters() const { return clusters_; }
  const SimCluster& cluster(int c) const { return clusters_[static_cast<std::size_t>(c)]; }
  const SimMember& member(MemberIndex m) const;
  SimMember& mutable_member(MemberIndex m);
  std::optional<MemberIndex> FindMember(std::string_view name) const;
  std::optional<int> FindCluster(std::string_view name) const;
  // Database index in the cluster, or nullopt.
  std::optional<int> FindDatabase(int cluster, std::string_view name) const;

  // Network reachability (both up, same partition group; a member reaches itself when up).
  bool Reaches(int cluster, int a, int b) const;
  // `m` takes part in database `db`'s group: up and the database online on it.
  bool Participates(int cluster, int m, int db) const;
  // The member reaches a majority of its cluster's primaries (discoveryHealthy).
  bool ReachesMajority(int cluster, int m) const;
  MemberDbView View(int cluster, int member, int db) const;

  // Called when a member's server failed to (re)start: the member stays down.
  void MarkDown(MemberIndex m);

  // Placement.
  // The zone is down for the cluster, or the region is down.
  bool ZoneDown(int cluster, const std::string& zone) const;
  bool RegionDown(const std::string& region) const { return regions_down_.count(region) != 0; }
  const std::set<std::string>& regions_down() const { return regions_down_; }
  // Ready unless its zone (in its cluster) or its region is down.
  bool NodeReady(int cluster, const SimNode& node) const;
  // Some member of the cluster is up.
  bool ClusterUp(int cluster) const;
  // The member a Service of the cluster routes to: the first up member that is not hung, else
  // the first up member; nullopt when none is up.
  std::optional<int> ServingMember(int cluster) const;

  // Cross-cluster links, every ordered pair (from-major order); empty when SimConfig::links is
  // off.
  const std::vector<SimLink>& links() const { return links_; }
  SimLink& mutable_link(std::size_t i) { return links_[i]; }
  std::optional<std::size_t> FindLink(int from, int to) const;

  // The emulated Kubernetes API: down (kube_api_down: its listener is closed) and the bearer
  // token it requires ("" = none; starts as the topology's kube_token, reset restores that).
  bool kube_api_down() const { return kube_api_down_; }
  const std::string& kube_token() const { return kube_token_; }

 private:
  explicit Model(const SimConfig& config)
      : config_(config), rng_(config.seed), kube_token_(config.kube_token) {}

  void Step(MonoTime now, Duration dt);
  void StepDatabase(SimCluster& c, int ci, int di, MonoTime now, Duration dt);
  // Elects a leader in the majority component now (if any). `exclude`: a member that must not
  // win if another candidate exists; `prefer`: wins if it is in the component.
  bool Elect(SimCluster& c, int ci, int di, std::optional<int> exclude, std::optional<int> prefer);
  std::vector<int> MajorityComponent(int ci, int di) const;
  // What the leader had committed apply_lag ago (from the history kept by StepDatabase).
  static int64_t LaggedCommit(const SimDatabase& d);
  void ResetFaults(std::vector<ServerChange>* changes);
  void StopMember(MemberIndex m);
  void RestartMember(MemberIndex m);
  // Whether the member should be up (not stopped, zone and region up).
  bool WantsUp(int cluster, const SimMember& m) const;
  // Stops / restarts every member whose wanted state differs from its state.
  void Reconcile(std::vector<ServerChange>* changes);
  bool KnowsZone(int cluster, const std::string& zone) const;
  bool KnowsRegion(const std::string& region) const;
  Status ApplyLinkFault(const FaultAction& action);
  Status ApplyZoneFault(const FaultAction& action, std::vector<ServerChange>* changes);
  Status Reschedule(MemberIndex m, const std::string& zone, std::vector<ServerChange>* changes);

  SimConfig config_;
  std::vector<SimCluster> clusters_;
  std::set<std::string> regions_down_;
  std::vector<SimLink> links_;
  MonoTime now_{};
  std::mt19937_64 rng_;
  bool kube_api_down_ = false;
  std::string kube_token_;
};

}  // namespace nca::sim
