#include "collectors/registry.h"

#include <memory>

#include "collectors/cross_cluster_latency_collector.h"
#include "collectors/failover_collector.h"
#include "collectors/neo4j_metrics_collector.h"
#include "collectors/quorum_collector.h"
#include "collectors/replication_lag_collector.h"
#include "collectors/role_collector.h"
#include "collectors/zone_skew_collector.h"

namespace nca::collectors {
namespace {

template <typename T>
CollectorPtr Make() {
  return std::make_unique<T>();
}

}  // namespace

const std::vector<CollectorInfo>& AllCollectors() {
  static const std::vector<CollectorInfo> kCollectors = {
      {"role", true,
       "Per member and database: Raft role, leader flag, writable/available endpoints, health.",
       &Make<RoleCollector>},
      {"quorum", true,
       "Per database: voting members, available voters, quorum size and state, leaders seen; "
       "per member quorum view; 5.x server states.",
       &Make<QuorumCollector>},
      {"replication_lag", true,
       "Per member and database: Raft applied index, last committed transaction, lag in "
       "transactions and estimated seconds, time since the last leader message.",
       &Make<ReplicationLagCollector>},
      {"failover", true,
       "Per database: leader changes observed since start-up and the current leader.",
       &Make<FailoverCollector>},
      {"zone_skew", true,
       "Per cluster: members per zone and role, topology-spread skew as kube-scheduler computes "
       "it, zones without a primary, anti-affinity violations, quorum on zone loss and zone "
       "distribution health; zones from the Kubernetes API, Neo4j server tags or static config.",
       &Make<ZoneSkewCollector>},
      {"cross_cluster_latency", true,
       "Per pair of clusters: TCP connect, Bolt handshake and HTTP discovery round trips from "
       "this agent's cluster to each peer, probe success, failures and consecutive failures.",
       &Make<CrossClusterLatencyCollector>},
      {"neo4j_metrics", true,
       "Per member: Neo4j's own Prometheus metrics (transactions, queries, page cache, Bolt, "
       "Raft, JVM), relayed under stable names with the database as a label.",
       &Make<Neo4jMetricsCollector>},
  };
  return kCollectors;
}

const CollectorInfo* FindCollector(std::string_view name) {
  for (const CollectorInfo& info : AllCollectors()) {
    if (info.name == name) {
      return &info;
    }
  }
  return nullptr;
}

}  // namespace nca::collectors
