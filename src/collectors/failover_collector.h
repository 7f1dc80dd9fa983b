// FailoverCollector ("failover"): counts leader changes of each database of each cluster and
// names the current leader (a leader the agent does not monitor is named through Neo4j's server
// list, cluster_servers.h, as the agent on its node names it). The cluster leader is the one
// ElectLeader (cluster_view.h) picks from the reachable primaries' /dbms/cluster/status. Metrics
// and sources: docs/metrics.md.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "collectors/collector.h"

namespace nca::collectors {

// Event rules: the first leader observed for a (cluster, database) is the baseline (no event at
// start-up); a change from a known leader A to a different known leader B is one event; runs in
// which no leader is seen (election, partition, nobody reachable) leave the baseline unchanged, so
// A -> none -> A is no event and A -> none -> B is exactly one.
//
// Thread-compatible: keeps state between runs without locking; the Scheduler never runs it
// concurrently with itself.
class FailoverCollector final : public Collector {
 public:
  CollectOutcome Collect(const CollectContext& ctx) override;

 private:
  struct LeaderState {
    std::string leader;  // last known leader id (the baseline)
    double events = 0;
    std::optional<double> last_event_unix_seconds;
  };
  // The configured member name of a Neo4j member id, or the id when never seen.
  std::string MemberName(const std::string& cluster, const std::string& member_id) const;

  std::map<std::pair<std::string, std::string>, LeaderState> state_;  // (cluster, database)
  // Member id -> configured member name per cluster, learned from each member's own status and
  // remembered, so the leader keeps its name while it is briefly unreachable.
  std::map<std::string, std::map<std::string, std::string>> names_;
};

}  // namespace nca::collectors
