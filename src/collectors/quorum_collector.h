// QuorumCollector ("quorum"): whether each database of each cluster has a working Raft majority.
//
// It judges from the cluster-wide view that Neo4j offers on every member, so that a node-local
// (DaemonSet) agent that monitors one member judges the whole cluster like an agent that monitors
// all of them:
//   1. the /dbms/cluster/status of the members the agent monitors;
//   2. the cluster's servers as one of them lists them (5.x/2025.x SHOW SERVERS YIELD *: name,
//      address, httpAddress, health, state; 4.4 CALL dbms.cluster.overview(): id, addresses),
//      remembered across runs (a 4.4 overview forgets the servers its member cannot reach);
//   3. a cross-check: the /dbms/cluster/status of every other server of that list, asked directly
//      through a PeerDirectory (CollectServices::peers).
// Per database the voting members are the union of the reported `votingMembers`; the cluster
// leader is the one most reached primaries follow (ElectLeader). A voter counts as available when
// it answered, is healthy, participates in Raft and follows that leader.
//
// The verdict (voting_members_available, ok, failures_tolerated, leaders_seen, and the per-server
// neo4j_cluster_member_available) is reported only when the view is decisive
// (neo4j_quorum_view_complete 1): a majority of the voters was reached and follows one leader, or
// every voter not reached is confirmed down (its HTTP port refused the connection). An agent whose
// own member is cut off and that cannot reach the others (timeouts) cannot tell a partition from
// an outage, and so does not claim that the cluster lost its quorum: it reports view_complete 0
// and its member's own view (neo4j_member_database_has_quorum). Reasoning: docs/kubernetes.md.
// Metrics: docs/metrics.md.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "collectors/cluster_servers.h"
#include "collectors/collector.h"

namespace nca::collectors {

// Keeps the servers it has learned per cluster between runs. Thread-compatible: the Scheduler
// never runs it concurrently with itself.
class QuorumCollector final : public Collector {
 public:
  CollectOutcome Collect(const CollectContext& ctx) override;

  // A server of a cluster as Neo4j last listed it, and when.
  struct KnownServer {
    ListedServer server;
    SystemTime last_listed;
  };

 private:
  // cluster name -> server id -> server.
  std::map<std::string, std::map<std::string, KnownServer>> known_;
  // cluster name -> monitored member name -> its Raft member id (to recognise it when it is down).
  std::map<std::string, std::map<std::string, std::string>> member_ids_;
};

}  // namespace nca::collectors
