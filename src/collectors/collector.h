// The collector interface: one collector, one concern. A collector is run periodically by the
// Scheduler (collectors/scheduler.h) on its own thread, with a deadline; it fans out to the
// members through MemberApi (never blocking past the deadline) and returns a MetricSet that the
// scheduler publishes as an immutable snapshot. Collectors never touch the scrape path.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "exporter/metric_set.h"
#include "neo4j/member_api.h"

namespace nca::collectors {

// Label names used by every collector. `cluster`, `instance`, `job`, `region` and `zone` are left
// to Prometheus target labels (the seed scrape config adds `cluster`); ours are prefixed.
inline constexpr char kClusterLabel[] = "neo4j_cluster";
inline constexpr char kMemberLabel[] = "member";
inline constexpr char kDatabaseLabel[] = "database";

// One monitored cluster: its configuration and its members' APIs (not owned).
struct ClusterHandle {
  const config::ClusterConfig* config = nullptr;
  std::vector<neo4j::MemberApi*> members;
};

struct CollectContext {
  const Clock* clock = nullptr;
  MonoTime deadline;  // answers not in by then count as timeouts for this run
  const std::vector<ClusterHandle>* clusters = nullptr;
};

// What one run produced. `metrics` is published even when `error` is set (partial results);
// `error` marks the run as failed (neo4j_agent_collector_success 0) and is logged.
struct CollectOutcome {
  exporter::MetricSet metrics;
  std::optional<Error> error;
};

// Implementations are called from one scheduler thread at a time (never concurrently with
// themselves), so they may keep state between runs (e.g. the failover collector's last leader)
// without locking.
class Collector {
 public:
  virtual ~Collector() = default;
  virtual CollectOutcome Collect(const CollectContext& ctx) = 0;
};

using CollectorPtr = std::unique_ptr<Collector>;

}  // namespace nca::collectors
