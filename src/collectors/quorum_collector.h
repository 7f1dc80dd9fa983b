// QuorumCollector ("quorum"): whether each database of each cluster has a working Raft majority,
// computed from every reachable member's /dbms/cluster/status (voting members, leader, health,
// participation), each primary's own view of quorum, and (5.x) the SHOW SERVERS state counts.
// Metrics and sources: docs/metrics.md.
#pragma once

#include "collectors/collector.h"

namespace nca::collectors {

// Stateless between runs. Thread-compatible: the Scheduler never runs it concurrently with itself.
class QuorumCollector final : public Collector {
 public:
  CollectOutcome Collect(const CollectContext& ctx) override;
};

}  // namespace nca::collectors
