// ClusterView: the shared first stage of every Neo4j collector. It asks every member of every
// configured cluster for GET / (optional) and GET /dbms/cluster/status at once, waits for the
// answers without ever blocking past the run's deadline, and lets a collector start its own
// second-stage requests for a member as soon as that member's first-stage answers are in (so a
// hung member never delays the others). It also holds the cluster-wide reasoning that several
// collectors share: which databases to report and who the cluster leader of a database is.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.h"
#include "common/result.h"
#include "neo4j/member_api.h"
#include "neo4j/model.h"

namespace nca::collectors {

// What one member answered in the first stage of a run. Plain value; not thread-safe.
struct MemberView {
  std::size_t cluster_index = 0;    // index into the run's clusters
  std::size_t member_index = 0;     // index into the cluster's members (config order)
  neo4j::MemberApi* api = nullptr;  // not owned
  std::string name;                 // configured member name (MemberRef::name)
  // GET /; nullopt when it was not requested or failed.
  std::optional<neo4j::DiscoveryInfo> discovery;
  // GET /dbms/cluster/status; nullopt when it failed (the member contributes no series).
  std::optional<std::vector<neo4j::DatabaseClusterStatus>> statuses;
  // The first failure of the first stage, if any.
  std::optional<Error> error;

  bool Answered() const { return statuses.has_value(); }
  // This member's status for `database`, or nullptr when it does not report it (or did not
  // answer).
  const neo4j::DatabaseClusterStatus* StatusFor(std::string_view database) const;
  // host:port of DiscoveryInfo::bolt_direct, the address SHOW DATABASES / SHOW SERVERS report
  // for this member; nullopt when unknown.
  std::optional<std::string> BoltAddress() const;
};

// One monitored cluster as seen in one run. Plain value; not thread-safe.
struct ClusterView {
  const ClusterHandle* handle = nullptr;  // not owned
  std::string name;                       // configured cluster name (the neo4j_cluster label)
  std::vector<MemberView> members;        // config order
  // ClusterConfig::databases when set, else the sorted union of the databases the members that
  // answered report in /dbms/cluster/status. Filled by GatherClusters.
  std::vector<std::string> databases;

  bool AnyAnswered() const;
};

struct GatherOptions {
  bool discovery = true;  // also request GET / (dialect, bolt address)
  // Called on the collector's thread before each wait for outstanding answers (every few ms
  // while members are awaited), with the views as far as they are filled: lets a collector act
  // on something else finishing meanwhile (zone_skew: the Kubernetes lists).
  std::function<void(const std::vector<ClusterView>& clusters)> on_wait;
};

// Called on the collector's thread for a member as soon as its first-stage answers are in
// (successfully or not), in config order among the members that are ready at the same time.
// `cluster.databases` is not filled yet at that point (it needs every member's answer).
using OnMemberReady = std::function<void(const ClusterView& cluster, MemberView& member)>;

// Fans out the first stage to every member of every cluster in `ctx.clusters`, then waits for the
// answers, never past `ctx.deadline` (a steady-clock time point, as in neo4j::AwaitUntil). Members
// whose answers are not in by then get a kTimeout error. Returns one ClusterView per cluster, in
// order. Thread-compatible: call from one thread.
std::vector<ClusterView> GatherClusters(const CollectContext& ctx, const GatherOptions& options,
                                        const OnMemberReady& on_ready = {});

// The Raft leadership of one database as seen by the reachable primaries of one cluster.
struct LeaderView {
  // The "cluster leader": the leader id reported by the most reachable primaries (ties: the one
  // that reports itself as leader, then the smallest id). nullopt when no primary reports one.
  std::optional<std::string> leader;
  // Number of distinct non-null leader ids reported by reachable primaries (0 = no leader,
  // >1 = members disagree, e.g. a split brain).
  int leaders_seen = 0;
  // Reachable primaries (core == true) that reported the database.
  int primaries = 0;
};

// Elects the cluster leader of `database` from the members of `cluster` that answered.
LeaderView ElectLeader(const ClusterView& cluster, std::string_view database);

// Whether an error of this kind means the member is down or unreachable (refused, timed out,
// other transport failure, 503, 5xx): Neo4j's outage, which neo4j_up and Neo4jMemberDown report,
// rather than a fault of the agent (credentials, TLS, protocol, configuration).
bool IsMemberOutage(ErrorKind kind);

// Builds a first-stage summary error for a run in which no member of any cluster answered
// /dbms/cluster/status and at least one failed for a reason other than an outage (IsMemberOutage):
// the agent cannot do its job (wrong credentials, TLS, answers it cannot parse). nullopt when a
// member answered, when there is no member (a DaemonSet agent on a node without Neo4j), or when
// every member is simply down: a collector's failure (Neo4jAgentCollectorFailing) is about the
// agent's own health and must not follow a Neo4j outage. `what` names the collector.
std::optional<Error> NothingAnsweredError(const std::vector<ClusterView>& clusters,
                                          std::string_view what);

// Label helpers for the common label sets.
exporter::Labels MemberLabels(const ClusterView& cluster, const MemberView& member);
exporter::Labels MemberDatabaseLabels(const ClusterView& cluster, const MemberView& member,
                                      const std::string& database);
exporter::Labels ClusterDatabaseLabels(const ClusterView& cluster, const std::string& database);

}  // namespace nca::collectors
