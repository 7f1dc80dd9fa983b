// RoleCollector ("role"): what each member is for each database — its Raft/cluster role, whether it
// is the leader, writable, available, healthy and participating in Raft — from
// /dbms/cluster/status, the per-database cluster endpoints and the official role (4.x
// dbms.cluster.role, 5.x SHOW DATABASES). Metrics and sources: docs/metrics.md.
#pragma once

#include "collectors/collector.h"

namespace nca::collectors {

// Stateless between runs. Thread-compatible: the Scheduler never runs it concurrently with itself.
class RoleCollector final : public Collector {
 public:
  CollectOutcome Collect(const CollectContext& ctx) override;
};

}  // namespace nca::collectors
