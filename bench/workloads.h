// Representative inputs for the benchmarks: collector snapshots shaped like the agent's real
// families (names, HELP texts, label names and order as the collectors emit them), member states
// for the self-metrics, and Neo4j HTTP bodies (SHOW DATABASES YIELD * via tx/commit,
// /dbms/cluster/status) at realistic sizes. Deterministic: the same spec gives the same data.
//
// Thread-safety: free functions over values; no shared state.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/clock.h"
#include "exporter/metric_set.h"
#include "exporter/snapshot_store.h"
#include "exporter/web_app.h"

namespace nca::bench {

// Shape of the monitored estate. Even-numbered clusters speak 5.x, odd-numbered ones 4.4; the
// first `primaries` members of each cluster are primaries (cores), the others secondaries.
struct TopologySpec {
  std::string name;  // row label, e.g. "3x8x4"
  int clusters = 3;
  int members = 8;    // per cluster
  int databases = 4;  // per cluster, "system" and "neo4j" included
  int primaries = 3;
};

struct Workload {
  TopologySpec spec;
  // One snapshot per collector (failover, quorum, replication_lag, role), as the scheduler
  // publishes them.
  std::vector<exporter::CollectorSnapshot> snapshots;
  // What the member clients would report (neo4j_up, neo4j_member_info, request errors).
  std::vector<exporter::MemberStatus> members;
  std::vector<exporter::CollectorInfo> collectors;
  // Series in the collector snapshots (self-metrics not included).
  std::size_t collector_series = 0;
};

// Builds the snapshots with MetricSetBuilder, exactly like the collectors do.
Workload BuildWorkload(const TopologySpec& spec, SystemTime now);

// Copies of every family of every snapshot, in snapshot order: what a plain
// prometheus::TextSerializer would be handed without the agent's merge/sort/self-metrics.
exporter::MetricSet FlattenFamilies(const std::vector<exporter::CollectorSnapshot>& snapshots);

// POST /db/system/tx/commit answer to SHOW DATABASES YIELD * on a 5.x cluster: one row per
// (database, hosting member), 27 columns as documented for 2025.x, "meta": [null...] per row,
// pretty-printed with 2-space indentation like Neo4j's HTTP API. `rows` is set to the row count.
std::string ShowDatabasesTxCommitBody(int members, int databases, std::size_t* rows);

// GET /dbms/cluster/status answer of one 5.x primary hosting `databases` databases in a cluster
// of `voting_members` primaries.
std::string DbmsClusterStatusBody(int databases, int voting_members);

}  // namespace nca::bench
