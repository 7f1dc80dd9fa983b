// Neo4j's own Prometheus endpoint (server.metrics.prometheus.endpoint, default localhost:2004,
// /metrics) as a simulated member serves it: a pure renderer of the exposition text and the
// mapping from the model to the values it renders.
//
// Format (from the real captures ../shared/reference/neo4j/payloads/prometheus-standalone-
// {5.11.0,4.4.0}-enterprise.txt, INTERFACES.md §4): every family is
//   # HELP <name> Generated from Dropwizard metric import (metric=<dotted>, type=<java class>)
//   # TYPE <name> gauge|counter|summary
// counters (Dropwizard counters and meters) get `_total`, histograms are summaries with
// `{quantile="0.5",}` (trailing comma) for 0.5/0.75/0.95/0.98/0.99/0.999 and `_count` but no
// `_sum`, values are Java Double.toString, and there are no labels: the database is part of the
// name. Names: 5.x/2025.x `<prefix>_database_<db>_<metric>` and `<prefix>_dbms_<metric>`; 4.4
// `<prefix>_<db>_<metric>` and `<prefix>_<metric>` (namespaces off, the default) or the 5.x
// shapes (namespaces on). Family sets: the 5.11 capture's for 5.x and 2025.x, the 4.4 capture's
// for 4.4 (database families once per database the member hosts), plus the Raft families of the
// default metrics filter on primaries (5.x: cluster.raft.{is_leader, last_leader_message,
// replication_attempt, replication_fail, append_index, commit_index, applied_index}; 4.4:
// causal_clustering.core.{is_leader, last_leader_message, replication_attempt,
// replication_fail}).
//
// Order: the exporter (Prometheus simpleclient's DropwizardExports) collects families into a
// java.util.HashMap keyed by the sanitised Dropwizard name and writes them in its iteration
// order. The renderer reproduces that order exactly: bucket = spread(String.hashCode()) &
// (capacity - 1) with the HashMap's capacity for that many entries, and within a bucket the
// insertion order (gauges by name, then histograms by name, then counters and meters by name).
// Both captures are in exactly this order.
//
// Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sim/config.h"
#include "sim/model.h"

namespace nca::sim {

// Content-Type of the real endpoint (Prometheus simpleclient TextFormat.CONTENT_TYPE_004).
inline constexpr char kNeo4jMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// A Dropwizard histogram in milliseconds (db.query.execution.latency.millis).
struct LatencySummary {
  double q50 = 0;
  double q75 = 0;
  double q95 = 0;
  double q98 = 0;
  double q99 = 0;
  double q999 = 0;
  double count = 0;
};

// The metrics of one database on one member. Counters count since the member (process) started.
struct Neo4jDbMetrics {
  std::string name;
  bool raft_member = false;  // a primary of the database: the Raft families are rendered

  double check_point_duration = 0;
  double check_point_events = 0;
  double check_point_flushed_bytes = 0;
  double check_point_io_limit = 0;
  double check_point_io_performed = 0;
  double check_point_limit_millis = 0;
  double check_point_limit_times = 0;
  double check_point_pages_flushed = 0;
  double check_point_total_time = 0;
  double cypher_replan_events = 0;
  double ids_in_use_node = 0;
  double ids_in_use_property = 0;
  double ids_in_use_relationship = 0;
  double ids_in_use_relationship_type = 0;
  double pool_transaction_total_used = 0;
  double pool_transaction_used_heap = 0;
  double pool_transaction_used_native = 0;
  double query_execution_failure = 0;
  double query_execution_success = 0;
  LatencySummary query_execution_latency_millis;
  double store_size_database = 0;
  double store_size_total = 0;
  double transaction_active_read = 0;
  double transaction_active_write = 0;
  double transaction_committed = 0;
  double transaction_committed_read = 0;
  double transaction_committed_write = 0;
  double transaction_last_committed_tx_id = 0;
  double transaction_peak_concurrent = 0;
  double transaction_rollbacks = 0;
  double transaction_rollbacks_read = 0;
  double transaction_rollbacks_write = 0;

  // Raft (only when raft_member).
  double raft_is_leader = 0;
  double raft_last_leader_message = 0;  // milliseconds since the last leader message
  double raft_replication_attempt = 0;
  double raft_replication_fail = 0;
  double raft_append_index = 0;  // 5.x only (4.4's default filter leaves them out)
  double raft_commit_index = 0;
  double raft_applied_index = 0;
};

// The DBMS-wide metrics of one member.
struct Neo4jGlobalMetrics {
  double bolt_connections_closed = 0;
  double bolt_connections_idle = 0;
  double bolt_connections_opened = 0;
  double bolt_connections_running = 0;
  double bolt_messages_received = 0;
  double bolt_messages_started = 0;
  double page_cache_hit_ratio = 0;
  double page_cache_hits = 0;
  double page_cache_page_faults = 0;
  double page_cache_usage_ratio = 0;
  double pool_bolt_free = 9.223372036854776E18;  // Long.MAX_VALUE: unlimited
  double pool_bolt_total_size = 9.223372036854776E18;
  double pool_bolt_total_used = 0;
  double pool_bolt_used_heap = 0;
  double vm_file_descriptors_count = 0;
  double vm_gc_time_g1_old_generation = 0;
  double vm_gc_time_g1_young_generation = 0;
  double vm_heap_used = 0;
  double vm_memory_buffer_direct_used = 0;
  double vm_memory_pool_g1_eden_space = 0;
  double vm_memory_pool_g1_old_gen = 0;
  double vm_pause_time = 0;
  double vm_thread_count = 0;  // 4.4 (vm.thread.count)
  double vm_thread_total = 0;  // 4.4 (vm.thread.total)
  double vm_threads = 0;       // 5.x (vm.threads)
};

struct Neo4jMemberMetrics {
  VersionFamily family = VersionFamily::kV5;
  std::string prefix = "neo4j";  // server.metrics.prefix / metrics.prefix
  bool namespaces = false;       // 4.4 metrics.namespaces.enabled (5.x: always on)
  Neo4jGlobalMetrics global;
  std::vector<Neo4jDbMetrics> dbs;  // the databases the member hosts (started ones)
};

// The exposition text (ends with a newline).
std::string RenderNeo4jMetrics(const Neo4jMemberMetrics& metrics);

// Java's Double.toString as the exporter writes samples: "0.0", "95.0", "2.7036229E8",
// "0.004258578431372549", "9.223372036854776E18"; +Inf / -Inf / NaN as Prometheus spells them.
std::string JavaDouble(double value);

// What member `m` exposes now: databases online on it (in the cluster's database order), the
// Raft families on primaries. Counters follow the model (see docs/simulator.md).
Neo4jMemberMetrics Neo4jMetricsFromModel(const Model& model, MemberIndex m);

}  // namespace nca::sim
