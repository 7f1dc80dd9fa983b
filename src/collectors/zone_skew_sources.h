// The zone_skew collector's sources, apart from its evaluation (zone_skew_collector.cc): the
// Kubernetes node and pod lists, the Neo4j server tags (SHOW SERVERS on 5.x, the 4.4 cluster
// overview's groups) and each server's role as a member sees it. Internal to the collector;
// plain values and functions, called from the collector's thread (ListKube from its own).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collectors/cluster_view.h"
#include "collectors/collector.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "kube/objects.h"
#include "neo4j/member_api.h"
#include "neo4j/model.h"
#include "topology/placement.h"

namespace nca::collectors::zone_skew {

// Members asked for their server tags per cluster: the first ones whose status answered (every
// member reports the whole cluster's tags; a second one covers a failing first).
inline constexpr std::size_t kMaxTagRequests = 2;

// ---- Kubernetes ------------------------------------------------------------------------------

struct KubeCluster {
  std::string namespace_name;  // resolved ("" replaced by the view's default namespace)
  std::string selector;
  std::optional<Result<std::vector<kube::Pod>>> pods;  // nullopt: not asked (nodes failed)
};

struct KubeLists {
  std::optional<Result<std::vector<kube::Node>>> nodes;
  std::vector<KubeCluster> clusters;  // per cluster index
};

// Lists the nodes once and every cluster's pods; runs on its own thread, never past `deadline`.
KubeLists ListKube(KubeView& kube, const config::KubernetesConfig& kcfg,
                   const std::vector<ClusterHandle>& handles, MonoTime deadline);

// Whether the lists can place cluster `ci` at all: nodes and its pods listed, some pod found.
bool KubeListsPods(const KubeLists& lists, std::size_t ci);

// ---- Neo4j server tags ---------------------------------------------------------------------

struct TagRequest {
  bool v5 = false;
  neo4j::Pending<std::vector<neo4j::ServerRow>> servers;
  neo4j::Pending<std::vector<neo4j::OverviewRow>> overview;

  bool Ready() const {
    const auto zero = std::chrono::seconds(0);
    return v5 ? servers.wait_for(zero) == std::future_status::ready
              : overview.wait_for(zero) == std::future_status::ready;
  }
};

struct TagRows {
  std::vector<neo4j::ServerRow> servers;
  std::vector<neo4j::OverviewRow> overview;
};

// Asks `member` for the server tags unless kMaxTagRequests are out already or it did not answer.
void IssueTagRequest(const MemberView& member, std::vector<TagRequest>& out);

// The first successful answer (request order among those ready at the same time), waiting at
// most until `deadline`; the last error when every request failed.
Result<TagRows> FirstTagAnswer(const std::vector<TagRequest>& requests, MonoTime deadline);

// The member's zone from the tag rows: the row with its Bolt address, its name or its HTTP
// address.
std::optional<std::string> MemberZoneFromTags(const MemberView& member, const TagRows& rows,
                                              const std::vector<std::string>& known_zones);

// ---- Server roles ------------------------------------------------------------------------------

// The database whose roles decide primary or secondary: the first configured one, else "neo4j".
std::string RoleDatabase(const config::ClusterConfig* cfg);

// One member's view of every server's role: SHOW DATABASES YIELD * (5.x: `role` primary or
// secondary at `address`) or CALL dbms.cluster.overview() (4.4: `databases` LEADER/FOLLOWER or
// READ_REPLICA at `addresses`). Awaited lazily, once. Not thread-safe.
struct RoleRequest {
  bool v5 = false;
  neo4j::Pending<std::vector<neo4j::DatabaseRow>> rows;
  neo4j::Pending<std::vector<neo4j::OverviewRow>> overview;
  bool awaited = false;
  std::vector<std::pair<std::vector<std::string>, topology::MemberRole>> roles;  // addresses

  // The role of the server `pod` runs (kube::JoinPod), waiting for the answer until `deadline`
  // on the first call; kUnknown when no row matches or the request failed.
  topology::MemberRole RoleOf(const kube::Pod& pod, const std::vector<kube::Pod>& pods,
                              MonoTime deadline, const std::string& database);

 private:
  void Await(MonoTime deadline, const std::string& database);
};

// A role request to the first member that answered with a known dialect; nullopt when none did.
std::optional<RoleRequest> IssueRoleRequest(const ClusterView& cluster);

}  // namespace nca::collectors::zone_skew
