#include "sim/neo4j_metrics.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <system_error>

namespace nca::sim {
namespace {

// Where a family lives in the name.
enum class Scope {
  kGlobal,    // <prefix>.<suffix> (4.4, namespaces off) or <prefix>.dbms.<suffix>
  kDbmsPool,  // 4.4: <prefix>.dbms.<suffix> even with namespaces off (dbms.pool.bolt.*)
  kDb,        // <prefix>.<db>.<suffix> (4.4, namespaces off) or <prefix>.database.<db>.<suffix>
  kRaft,      // like kDb, only for databases the member is a Raft member of
};

enum class Kind { kGauge, kCounter, kSummary };

// One family as the exporter writes it. `suffix` may contain "{db}" (the database name again,
// as in pool.transaction.<db>.used_heap). `type` is the Java class in the HELP text. Exactly
// one of `db` and `global` is set, except for summaries (the query latency histogram).
struct MetricFamily {
  Scope scope;
  std::string_view suffix;
  Kind kind;
  std::string_view type;
  double Neo4jDbMetrics::*db;
  double Neo4jGlobalMetrics::*global;
};

constexpr std::string_view kCounterClass = "com.neo4j.metrics.metric.MetricsCounter";

// Families of the real captures (prometheus-standalone-{5.11.0,4.4.0}-enterprise.txt), with
// their HELP type= classes verbatim. Generated from the captures; order does not matter here.
constexpr MetricFamily kFamilies5[] = {
    {Scope::kGlobal, "bolt.connections_closed", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", nullptr,
     &Neo4jGlobalMetrics::bolt_connections_closed},
    {Scope::kGlobal, "bolt.connections_idle", Kind::kGauge,
     "com.neo4j.metrics.source.db.BoltMetrics$$Lambda$2473/0x00007f39d8b35190", nullptr,
     &Neo4jGlobalMetrics::bolt_connections_idle},
    {Scope::kGlobal, "bolt.connections_opened", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", nullptr,
     &Neo4jGlobalMetrics::bolt_connections_opened},
    {Scope::kGlobal, "bolt.connections_running", Kind::kGauge,
     "com.neo4j.metrics.source.db.BoltMetrics$$Lambda$2471/0x00007f39d8b34d40", nullptr,
     &Neo4jGlobalMetrics::bolt_connections_running},
    {Scope::kGlobal, "bolt.messages_received", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", nullptr,
     &Neo4jGlobalMetrics::bolt_messages_received},
    {Scope::kGlobal, "bolt.messages_started", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", nullptr,
     &Neo4jGlobalMetrics::bolt_messages_started},
    {Scope::kGlobal, "page_cache.hit_ratio", Kind::kGauge,
     "com.neo4j.metrics.source.db.PageCacheHitRatioGauge", nullptr,
     &Neo4jGlobalMetrics::page_cache_hit_ratio},
    {Scope::kGlobal, "page_cache.hits", Kind::kCounter, "com.neo4j.metrics.metric.MetricsCounter",
     nullptr, &Neo4jGlobalMetrics::page_cache_hits},
    {Scope::kGlobal, "page_cache.page_faults", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", nullptr,
     &Neo4jGlobalMetrics::page_cache_page_faults},
    {Scope::kGlobal, "page_cache.usage_ratio", Kind::kGauge,
     "com.neo4j.metrics.source.db.PageCacheMetrics$$Lambda$2430/0x00007f39d8b2ba48", nullptr,
     &Neo4jGlobalMetrics::page_cache_usage_ratio},
    {Scope::kGlobal, "pool.bolt.free", Kind::kGauge,
     "com.neo4j.metrics.source.db.AbstractMemoryPoolMetrics$$Lambda$2498/0x00007f39d8b38b18",
     nullptr, &Neo4jGlobalMetrics::pool_bolt_free},
    {Scope::kGlobal, "pool.bolt.total_size", Kind::kGauge,
     "com.neo4j.metrics.source.db.AbstractMemoryPoolMetrics$$Lambda$2496/0x00007f39d8b386a8",
     nullptr, &Neo4jGlobalMetrics::pool_bolt_total_size},
    {Scope::kGlobal, "pool.bolt.total_used", Kind::kGauge,
     "com.neo4j.metrics.source.db.AbstractMemoryPoolMetrics$$Lambda$2102/0x00007f39d8a63878",
     nullptr, &Neo4jGlobalMetrics::pool_bolt_total_used},
    {Scope::kGlobal, "pool.bolt.used_heap", Kind::kGauge,
     "com.neo4j.metrics.source.db.AbstractMemoryPoolMetrics$$Lambda$2100/0x00007f39d8a63428",
     nullptr, &Neo4jGlobalMetrics::pool_bolt_used_heap},
    {Scope::kGlobal, "vm.file.descriptors.count", Kind::kGauge,
     "com.neo4j.metrics.source.jvm.FileDescriptorMetrics$$Lambda$2454/0x00007f39d8b328a8", nullptr,
     &Neo4jGlobalMetrics::vm_file_descriptors_count},
    {Scope::kGlobal, "vm.gc.time.g1_old_generation", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", nullptr,
     &Neo4jGlobalMetrics::vm_gc_time_g1_old_generation},
    {Scope::kGlobal, "vm.gc.time.g1_young_generation", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", nullptr,
     &Neo4jGlobalMetrics::vm_gc_time_g1_young_generation},
    {Scope::kGlobal, "vm.heap.used", Kind::kGauge,
     "com.neo4j.metrics.source.jvm.HeapMetrics$$Lambda$2441/0x00007f39d8b2c400", nullptr,
     &Neo4jGlobalMetrics::vm_heap_used},
    {Scope::kGlobal, "vm.memory.buffer.direct.used", Kind::kGauge,
     "com.neo4j.metrics.source.jvm.JVMMemoryBuffersMetrics$$Lambda$2452/0x00007f39d8b32460",
     nullptr, &Neo4jGlobalMetrics::vm_memory_buffer_direct_used},
    {Scope::kGlobal, "vm.memory.pool.g1_eden_space", Kind::kGauge,
     "com.neo4j.metrics.source.jvm.JVMMemoryPoolMetrics$$Lambda$2448/0x00007f39d8b319b8", nullptr,
     &Neo4jGlobalMetrics::vm_memory_pool_g1_eden_space},
    {Scope::kGlobal, "vm.memory.pool.g1_old_gen", Kind::kGauge,
     "com.neo4j.metrics.source.jvm.JVMMemoryPoolMetrics$$Lambda$2448/0x00007f39d8b319b8", nullptr,
     &Neo4jGlobalMetrics::vm_memory_pool_g1_old_gen},
    {Scope::kGlobal, "vm.pause_time", Kind::kCounter, "com.neo4j.metrics.metric.MetricsCounter",
     nullptr, &Neo4jGlobalMetrics::vm_pause_time},
    {Scope::kGlobal, "vm.threads", Kind::kGauge,
     "com.neo4j.metrics.source.jvm.ThreadMetrics$$Lambda$2446/0x00007f39d8b30ad8", nullptr,
     &Neo4jGlobalMetrics::vm_threads},
    {Scope::kDb, "check_point.duration", Kind::kGauge,
     "com.neo4j.metrics.source.db.CheckPointingMetrics$$Lambda$2052/0x00007f39d8a5a228",
     &Neo4jDbMetrics::check_point_duration, nullptr},
    {Scope::kDb, "check_point.events", Kind::kCounter, "com.neo4j.metrics.metric.MetricsCounter",
     &Neo4jDbMetrics::check_point_events, nullptr},
    {Scope::kDb, "check_point.flushed_bytes", Kind::kGauge,
     "com.neo4j.metrics.source.db.CheckPointingMetrics$$Lambda$2064/0x00007f39d8a5bc08",
     &Neo4jDbMetrics::check_point_flushed_bytes, nullptr},
    {Scope::kDb, "check_point.io_limit", Kind::kGauge,
     "com.neo4j.metrics.source.db.CheckPointingMetrics$$Lambda$2058/0x00007f39d8a5af18",
     &Neo4jDbMetrics::check_point_io_limit, nullptr},
    {Scope::kDb, "check_point.io_performed", Kind::kGauge,
     "com.neo4j.metrics.source.db.CheckPointingMetrics$$Lambda$2056/0x00007f39d8a5aac8",
     &Neo4jDbMetrics::check_point_io_performed, nullptr},
    {Scope::kDb, "check_point.limit_millis", Kind::kGauge,
     "com.neo4j.metrics.source.db.CheckPointingMetrics$$Lambda$2062/0x00007f39d8a5b7b8",
     &Neo4jDbMetrics::check_point_limit_millis, nullptr},
    {Scope::kDb, "check_point.limit_times", Kind::kGauge,
     "com.neo4j.metrics.source.db.CheckPointingMetrics$$Lambda$2060/0x00007f39d8a5b368",
     &Neo4jDbMetrics::check_point_limit_times, nullptr},
    {Scope::kDb, "check_point.pages_flushed", Kind::kGauge,
     "com.neo4j.metrics.source.db.CheckPointingMetrics$$Lambda$2054/0x00007f39d8a5a678",
     &Neo4jDbMetrics::check_point_pages_flushed, nullptr},
    {Scope::kDb, "check_point.total_time", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", &Neo4jDbMetrics::check_point_total_time, nullptr},
    {Scope::kDb, "cypher.replan_events", Kind::kCounter, "com.neo4j.metrics.metric.MetricsCounter",
     &Neo4jDbMetrics::cypher_replan_events, nullptr},
    {Scope::kDb, "db.query.execution.failure", Kind::kCounter, "com.codahale.metrics.Meter",
     &Neo4jDbMetrics::query_execution_failure, nullptr},
    {Scope::kDb, "db.query.execution.latency.millis", Kind::kSummary,
     "com.codahale.metrics.Histogram", nullptr, nullptr},
    {Scope::kDb, "db.query.execution.success", Kind::kCounter, "com.codahale.metrics.Meter",
     &Neo4jDbMetrics::query_execution_success, nullptr},
    {Scope::kDb, "ids_in_use.node", Kind::kGauge,
     "com.neo4j.metrics.source.db.EntityCountMetrics$$Lambda$2072/0x00007f39d8a58800",
     &Neo4jDbMetrics::ids_in_use_node, nullptr},
    {Scope::kDb, "ids_in_use.property", Kind::kGauge,
     "com.neo4j.metrics.source.db.EntityCountMetrics$$Lambda$2076/0x00007f39d8a60228",
     &Neo4jDbMetrics::ids_in_use_property, nullptr},
    {Scope::kDb, "ids_in_use.relationship", Kind::kGauge,
     "com.neo4j.metrics.source.db.EntityCountMetrics$$Lambda$2074/0x00007f39d8a58c50",
     &Neo4jDbMetrics::ids_in_use_relationship, nullptr},
    {Scope::kDb, "ids_in_use.relationship_type", Kind::kGauge,
     "com.neo4j.metrics.source.db.EntityCountMetrics$$Lambda$2078/0x00007f39d8a60678",
     &Neo4jDbMetrics::ids_in_use_relationship_type, nullptr},
    {Scope::kDb, "pool.transaction.{db}.total_used", Kind::kGauge,
     "com.neo4j.metrics.source.db.AbstractMemoryPoolMetrics$$Lambda$2102/0x00007f39d8a63878",
     &Neo4jDbMetrics::pool_transaction_total_used, nullptr},
    {Scope::kDb, "pool.transaction.{db}.used_heap", Kind::kGauge,
     "com.neo4j.metrics.source.db.AbstractMemoryPoolMetrics$$Lambda$2100/0x00007f39d8a63428",
     &Neo4jDbMetrics::pool_transaction_used_heap, nullptr},
    {Scope::kDb, "pool.transaction.{db}.used_native", Kind::kGauge,
     "com.neo4j.metrics.source.db.AbstractMemoryPoolMetrics$$Lambda$2101/0x00007f39d8a63650",
     &Neo4jDbMetrics::pool_transaction_used_native, nullptr},
    {Scope::kDb, "store.size.database", Kind::kGauge,
     "com.neo4j.metrics.source.db.StoreSizeMetrics$$Lambda$2086/0x00007f39d8a617b8",
     &Neo4jDbMetrics::store_size_database, nullptr},
    {Scope::kDb, "store.size.total", Kind::kGauge,
     "com.neo4j.metrics.source.db.StoreSizeMetrics$$Lambda$2083/0x00007f39d8a61140",
     &Neo4jDbMetrics::store_size_total, nullptr},
    {Scope::kDb, "transaction.active_read", Kind::kGauge,
     "com.neo4j.metrics.source.db.TransactionMetrics$$Lambda$2011/0x00007f39d8a56520",
     &Neo4jDbMetrics::transaction_active_read, nullptr},
    {Scope::kDb, "transaction.active_write", Kind::kGauge,
     "com.neo4j.metrics.source.db.TransactionMetrics$$Lambda$2013/0x00007f39d8a56970",
     &Neo4jDbMetrics::transaction_active_write, nullptr},
    {Scope::kDb, "transaction.committed", Kind::kCounter, "com.neo4j.metrics.metric.MetricsCounter",
     &Neo4jDbMetrics::transaction_committed, nullptr},
    {Scope::kDb, "transaction.committed_read", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", &Neo4jDbMetrics::transaction_committed_read,
     nullptr},
    {Scope::kDb, "transaction.committed_write", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", &Neo4jDbMetrics::transaction_committed_write,
     nullptr},
    {Scope::kDb, "transaction.last_committed_tx_id", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", &Neo4jDbMetrics::transaction_last_committed_tx_id,
     nullptr},
    {Scope::kDb, "transaction.peak_concurrent", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", &Neo4jDbMetrics::transaction_peak_concurrent,
     nullptr},
    {Scope::kDb, "transaction.rollbacks", Kind::kCounter, "com.neo4j.metrics.metric.MetricsCounter",
     &Neo4jDbMetrics::transaction_rollbacks, nullptr},
    {Scope::kDb, "transaction.rollbacks_read", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", &Neo4jDbMetrics::transaction_rollbacks_read,
     nullptr},
    {Scope::kDb, "transaction.rollbacks_write", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", &Neo4jDbMetrics::transaction_rollbacks_write,
     nullptr},
};
constexpr MetricFamily kFamilies44[] = {
    {Scope::kGlobal, "bolt.connections_closed", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", nullptr,
     &Neo4jGlobalMetrics::bolt_connections_closed},
    {Scope::kGlobal, "bolt.connections_idle", Kind::kGauge,
     "com.neo4j.metrics.source.db.BoltMetrics$$Lambda$1442/0x00000008409a0040", nullptr,
     &Neo4jGlobalMetrics::bolt_connections_idle},
    {Scope::kGlobal, "bolt.connections_opened", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", nullptr,
     &Neo4jGlobalMetrics::bolt_connections_opened},
    {Scope::kGlobal, "bolt.connections_running", Kind::kGauge,
     "com.neo4j.metrics.source.db.BoltMetrics$$Lambda$1440/0x000000084099f840", nullptr,
     &Neo4jGlobalMetrics::bolt_connections_running},
    {Scope::kGlobal, "bolt.messages_received", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", nullptr,
     &Neo4jGlobalMetrics::bolt_messages_received},
    {Scope::kGlobal, "bolt.messages_started", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", nullptr,
     &Neo4jGlobalMetrics::bolt_messages_started},
    {Scope::kGlobal, "page_cache.hit_ratio", Kind::kGauge,
     "com.neo4j.metrics.source.db.PageCacheHitRatioGauge", nullptr,
     &Neo4jGlobalMetrics::page_cache_hit_ratio},
    {Scope::kGlobal, "page_cache.hits", Kind::kCounter, "com.neo4j.metrics.metric.MetricsCounter",
     nullptr, &Neo4jGlobalMetrics::page_cache_hits},
    {Scope::kGlobal, "page_cache.page_faults", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", nullptr,
     &Neo4jGlobalMetrics::page_cache_page_faults},
    {Scope::kGlobal, "page_cache.usage_ratio", Kind::kGauge,
     "com.neo4j.metrics.source.db.PageCacheMetrics$$Lambda$1406/0x000000084098c040", nullptr,
     &Neo4jGlobalMetrics::page_cache_usage_ratio},
    {Scope::kDbmsPool, "pool.bolt.free", Kind::kGauge,
     "com.neo4j.metrics.source.db.AbstractMemoryPoolMetrics$$Lambda$1458/0x00000008409a4040",
     nullptr, &Neo4jGlobalMetrics::pool_bolt_free},
    {Scope::kDbmsPool, "pool.bolt.total_size", Kind::kGauge,
     "com.neo4j.metrics.source.db.AbstractMemoryPoolMetrics$$Lambda$1457/0x00000008409a3c40",
     nullptr, &Neo4jGlobalMetrics::pool_bolt_total_size},
    {Scope::kDbmsPool, "pool.bolt.total_used", Kind::kGauge,
     "com.neo4j.metrics.source.db.AbstractMemoryPoolMetrics$$Lambda$1172/0x00000008408cf840",
     nullptr, &Neo4jGlobalMetrics::pool_bolt_total_used},
    {Scope::kDbmsPool, "pool.bolt.used_heap", Kind::kGauge,
     "com.neo4j.metrics.source.db.AbstractMemoryPoolMetrics$$Lambda$1170/0x00000008408cf040",
     nullptr, &Neo4jGlobalMetrics::pool_bolt_used_heap},
    {Scope::kGlobal, "vm.file.descriptors.count", Kind::kGauge,
     "com.neo4j.metrics.source.jvm.FileDescriptorMetrics$$Lambda$1430/0x000000084099d040", nullptr,
     &Neo4jGlobalMetrics::vm_file_descriptors_count},
    {Scope::kGlobal, "vm.gc.time.g1_old_generation", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", nullptr,
     &Neo4jGlobalMetrics::vm_gc_time_g1_old_generation},
    {Scope::kGlobal, "vm.gc.time.g1_young_generation", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", nullptr,
     &Neo4jGlobalMetrics::vm_gc_time_g1_young_generation},
    {Scope::kGlobal, "vm.heap.used", Kind::kGauge,
     "com.neo4j.metrics.source.jvm.HeapMetrics$$Lambda$1417/0x0000000840999c40", nullptr,
     &Neo4jGlobalMetrics::vm_heap_used},
    {Scope::kGlobal, "vm.memory.buffer.direct.used", Kind::kGauge,
     "com.neo4j.metrics.source.jvm.JVMMemoryBuffersMetrics$$Lambda$1428/0x000000084099c840",
     nullptr, &Neo4jGlobalMetrics::vm_memory_buffer_direct_used},
    {Scope::kGlobal, "vm.memory.pool.g1_eden_space", Kind::kGauge,
     "com.neo4j.metrics.source.jvm.JVMMemoryPoolMetrics$$Lambda$1424/0x000000084099b840", nullptr,
     &Neo4jGlobalMetrics::vm_memory_pool_g1_eden_space},
    {Scope::kGlobal, "vm.memory.pool.g1_old_gen", Kind::kGauge,
     "com.neo4j.metrics.source.jvm.JVMMemoryPoolMetrics$$Lambda$1424/0x000000084099b840", nullptr,
     &Neo4jGlobalMetrics::vm_memory_pool_g1_old_gen},
    {Scope::kGlobal, "vm.pause_time", Kind::kGauge,
     "com.neo4j.metrics.source.jvm.PauseMetrics$$Lambda$1433/0x000000084099dc40", nullptr,
     &Neo4jGlobalMetrics::vm_pause_time},
    {Scope::kGlobal, "vm.thread.count", Kind::kGauge,
     "com.neo4j.metrics.source.jvm.ThreadMetrics$$Lambda$1420/0x000000084099a840", nullptr,
     &Neo4jGlobalMetrics::vm_thread_count},
    {Scope::kGlobal, "vm.thread.total", Kind::kGauge,
     "com.neo4j.metrics.source.jvm.ThreadMetrics$$Lambda$1422/0x000000084099b040", nullptr,
     &Neo4jGlobalMetrics::vm_thread_total},
    {Scope::kDb, "check_point.duration", Kind::kGauge,
     "com.neo4j.metrics.source.db.CheckPointingMetrics$$Lambda$1135/0x00000008408c6440",
     &Neo4jDbMetrics::check_point_duration, nullptr},
    {Scope::kDb, "check_point.total_time", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", &Neo4jDbMetrics::check_point_total_time, nullptr},
    {Scope::kDb, "cypher.replan_events", Kind::kCounter, "com.neo4j.metrics.metric.MetricsCounter",
     &Neo4jDbMetrics::cypher_replan_events, nullptr},
    {Scope::kDb, "db.query.execution.failure", Kind::kCounter, "com.codahale.metrics.Meter",
     &Neo4jDbMetrics::query_execution_failure, nullptr},
    {Scope::kDb, "db.query.execution.latency.millis", Kind::kSummary,
     "com.codahale.metrics.Histogram", nullptr, nullptr},
    {Scope::kDb, "db.query.execution.success", Kind::kCounter, "com.codahale.metrics.Meter",
     &Neo4jDbMetrics::query_execution_success, nullptr},
    {Scope::kDb, "ids_in_use.node", Kind::kGauge,
     "com.neo4j.metrics.source.db.EntityCountMetrics$$Lambda$1143/0x00000008408c8440",
     &Neo4jDbMetrics::ids_in_use_node, nullptr},
    {Scope::kDb, "ids_in_use.property", Kind::kGauge,
     "com.neo4j.metrics.source.db.EntityCountMetrics$$Lambda$1147/0x00000008408c9440",
     &Neo4jDbMetrics::ids_in_use_property, nullptr},
    {Scope::kDb, "ids_in_use.relationship", Kind::kGauge,
     "com.neo4j.metrics.source.db.EntityCountMetrics$$Lambda$1145/0x00000008408c8c40",
     &Neo4jDbMetrics::ids_in_use_relationship, nullptr},
    {Scope::kDb, "ids_in_use.relationship_type", Kind::kGauge,
     "com.neo4j.metrics.source.db.EntityCountMetrics$$Lambda$1149/0x00000008408c9c40",
     &Neo4jDbMetrics::ids_in_use_relationship_type, nullptr},
    {Scope::kDb, "pool.transaction.{db}.total_used", Kind::kGauge,
     "com.neo4j.metrics.source.db.AbstractMemoryPoolMetrics$$Lambda$1172/0x00000008408cf840",
     &Neo4jDbMetrics::pool_transaction_total_used, nullptr},
    {Scope::kDb, "pool.transaction.{db}.used_heap", Kind::kGauge,
     "com.neo4j.metrics.source.db.AbstractMemoryPoolMetrics$$Lambda$1170/0x00000008408cf040",
     &Neo4jDbMetrics::pool_transaction_used_heap, nullptr},
    {Scope::kDb, "pool.transaction.{db}.used_native", Kind::kGauge,
     "com.neo4j.metrics.source.db.AbstractMemoryPoolMetrics$$Lambda$1171/0x00000008408cf440",
     &Neo4jDbMetrics::pool_transaction_used_native, nullptr},
    {Scope::kDb, "store.size.database", Kind::kGauge,
     "com.neo4j.metrics.source.db.StoreSizeMetrics$$Lambda$1156/0x00000008408cb840",
     &Neo4jDbMetrics::store_size_database, nullptr},
    {Scope::kDb, "store.size.total", Kind::kGauge,
     "com.neo4j.metrics.source.db.StoreSizeMetrics$$Lambda$1154/0x00000008408cb040",
     &Neo4jDbMetrics::store_size_total, nullptr},
    {Scope::kDb, "transaction.active_read", Kind::kGauge,
     "com.neo4j.metrics.source.db.TransactionMetrics$$Lambda$1108/0x00000008408a5840",
     &Neo4jDbMetrics::transaction_active_read, nullptr},
    {Scope::kDb, "transaction.active_write", Kind::kGauge,
     "com.neo4j.metrics.source.db.TransactionMetrics$$Lambda$1110/0x00000008408c0040",
     &Neo4jDbMetrics::transaction_active_write, nullptr},
    {Scope::kDb, "transaction.committed", Kind::kCounter, "com.neo4j.metrics.metric.MetricsCounter",
     &Neo4jDbMetrics::transaction_committed, nullptr},
    {Scope::kDb, "transaction.committed_read", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", &Neo4jDbMetrics::transaction_committed_read,
     nullptr},
    {Scope::kDb, "transaction.committed_write", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", &Neo4jDbMetrics::transaction_committed_write,
     nullptr},
    {Scope::kDb, "transaction.last_committed_tx_id", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", &Neo4jDbMetrics::transaction_last_committed_tx_id,
     nullptr},
    {Scope::kDb, "transaction.peak_concurrent", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", &Neo4jDbMetrics::transaction_peak_concurrent,
     nullptr},
    {Scope::kDb, "transaction.rollbacks", Kind::kCounter, "com.neo4j.metrics.metric.MetricsCounter",
     &Neo4jDbMetrics::transaction_rollbacks, nullptr},
    {Scope::kDb, "transaction.rollbacks_read", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", &Neo4jDbMetrics::transaction_rollbacks_read,
     nullptr},
    {Scope::kDb, "transaction.rollbacks_write", Kind::kCounter,
     "com.neo4j.metrics.metric.MetricsCounter", &Neo4jDbMetrics::transaction_rollbacks_write,
     nullptr},
};

// The Raft families of the default metrics filter (no real cluster capture exists: the names and
// types are from the metrics reference, the lambda class names are modelled on the captures').
constexpr MetricFamily kRaft5[] = {
    {Scope::kRaft, "cluster.raft.is_leader", Kind::kGauge,
     "com.neo4j.metrics.source.cluster.RaftCoreMetrics$$Lambda$2187/0x00007f39d8a6f4a0",
     &Neo4jDbMetrics::raft_is_leader, nullptr},
    {Scope::kRaft, "cluster.raft.last_leader_message", Kind::kGauge,
     "com.neo4j.metrics.source.cluster.RaftCoreMetrics$$Lambda$2189/0x00007f39d8a6f8f0",
     &Neo4jDbMetrics::raft_last_leader_message, nullptr},
    {Scope::kRaft, "cluster.raft.append_index", Kind::kGauge,
     "com.neo4j.metrics.source.cluster.RaftCoreMetrics$$Lambda$2181/0x00007f39d8a6e9a8",
     &Neo4jDbMetrics::raft_append_index, nullptr},
    {Scope::kRaft, "cluster.raft.commit_index", Kind::kGauge,
     "com.neo4j.metrics.source.cluster.RaftCoreMetrics$$Lambda$2183/0x00007f39d8a6edf8",
     &Neo4jDbMetrics::raft_commit_index, nullptr},
    {Scope::kRaft, "cluster.raft.applied_index", Kind::kGauge,
     "com.neo4j.metrics.source.cluster.RaftCoreMetrics$$Lambda$2185/0x00007f39d8a6f248",
     &Neo4jDbMetrics::raft_applied_index, nullptr},
    {Scope::kRaft, "cluster.raft.replication_attempt", Kind::kCounter, kCounterClass,
     &Neo4jDbMetrics::raft_replication_attempt, nullptr},
    {Scope::kRaft, "cluster.raft.replication_fail", Kind::kCounter, kCounterClass,
     &Neo4jDbMetrics::raft_replication_fail, nullptr},
};

constexpr MetricFamily kRaft44[] = {
    {Scope::kRaft, "causal_clustering.core.is_leader", Kind::kGauge,
     "com.neo4j.metrics.source.causalclustering.RaftCoreMetrics$$Lambda$1187/0x00000008408d2c40",
     &Neo4jDbMetrics::raft_is_leader, nullptr},
    {Scope::kRaft, "causal_clustering.core.last_leader_message", Kind::kGauge,
     "com.neo4j.metrics.source.causalclustering.RaftCoreMetrics$$Lambda$1189/0x00000008408d3440",
     &Neo4jDbMetrics::raft_last_leader_message, nullptr},
    {Scope::kRaft, "causal_clustering.core.replication_attempt", Kind::kCounter, kCounterClass,
     &Neo4jDbMetrics::raft_replication_attempt, nullptr},
    {Scope::kRaft, "causal_clustering.core.replication_fail", Kind::kCounter, kCounterClass,
     &Neo4jDbMetrics::raft_replication_fail, nullptr},
};

// One family instance to write.
struct Entry {
  std::string dotted;  // Dropwizard name
  std::string key;     // sanitised name: the HashMap key and the family name before "_total"
  const MetricFamily* family = nullptr;
  const Neo4jDbMetrics* db = nullptr;
  int group = 0;  // insertion group: gauges, histograms, counters and meters
  std::size_t insertion = 0;
  std::size_t bucket = 0;
};

// Prometheus simpleclient's sanitizeMetricName.
std::string Sanitize(std::string_view name) {
  std::string out(name);
  for (char& ch : out) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '_' || ch == ':';
    if (!ok) {
      ch = '_';
    }
  }
  if (!out.empty() && out.front() >= '0' && out.front() <= '9') {
    out.insert(out.begin(), '_');
  }
  return out;
}

// java.lang.String.hashCode() for ASCII/Latin-1 text, then HashMap.hash()'s spread.
uint32_t JavaSpreadHash(std::string_view s) {
  uint32_t h = 0;
  for (unsigned char ch : s) {
    h = 31 * h + ch;
  }
  return h ^ (h >> 16);
}

// Capacity of a java.util.HashMap (default initial capacity 16, load factor 0.75) after
// inserting n entries.
std::size_t HashMapCapacity(std::size_t n) {
  std::size_t cap = 16;
  while (n * 4 > cap * 3) {
    cap *= 2;
  }
  return cap;
}

std::string ReplaceDb(std::string_view suffix, std::string_view db) {
  std::string out(suffix);
  constexpr std::string_view kDbMark = "{db}";
  if (auto pos = out.find(kDbMark); pos != std::string::npos) {
    out.replace(pos, kDbMark.size(), db);
  }
  return out;
}

void AppendSample(std::string& out, std::string_view name, std::string_view labels, double value) {
  out.append(name);
  out.append(labels);
  out.push_back(' ');
  out.append(JavaDouble(value));
  out.push_back('\n');
}

}  // namespace

std::string JavaDouble(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  if (value == 0) {
    return std::signbit(value) ? "-0.0" : "0.0";
  }
  // Shortest round-trip digits and the decimal exponent.
  std::array<char, 64> buf{};
  auto res =
      std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::scientific);
  std::string sci(buf.data(), res.ptr);  // "-d.ddde+XX"
  std::string out;
  if (sci.front() == '-') {
    out.push_back('-');
    sci.erase(sci.begin());
  }
  const auto e_pos = sci.find('e');
  const int exponent = std::atoi(sci.c_str() + e_pos + 1);
  std::string digits;
  for (std::size_t i = 0; i < e_pos; ++i) {
    if (sci[i] != '.') {
      digits.push_back(sci[i]);
    }
  }
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    // Plain notation with at least one digit after the point.
    if (exponent >= 0) {
      const auto int_len = static_cast<std::size_t>(exponent) + 1;
      if (digits.size() <= int_len) {
        out += digits + std::string(int_len - digits.size(), '0') + ".0";
      } else {
        out += digits.substr(0, int_len) + "." + digits.substr(int_len);
      }
    } else {
      out += "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    }
    return out;
  }
  // Computerised scientific notation: d.ddddE[-]n, at least one digit after the point.
  out.push_back(digits.front());
  out.push_back('.');
  out += digits.size() > 1 ? digits.substr(1) : "0";
  out += "E" + std::to_string(exponent);
  return out;
}

std::string RenderNeo4jMetrics(const Neo4jMemberMetrics& metrics) {
  const bool v44 = metrics.family == VersionFamily::kV4;
  const bool namespaced = !v44 || metrics.namespaces;
  const std::string& prefix = metrics.prefix;
  auto families = [&]() -> std::vector<const MetricFamily*> {
    std::vector<const MetricFamily*> list;
    if (v44) {
      for (const MetricFamily& f : kFamilies44) {
        list.push_back(&f);
      }
      for (const MetricFamily& f : kRaft44) {
        list.push_back(&f);
      }
    } else {
      for (const MetricFamily& f : kFamilies5) {
        list.push_back(&f);
      }
      for (const MetricFamily& f : kRaft5) {
        list.push_back(&f);
      }
    }
    return list;
  }();

  std::vector<Entry> entries;
  for (const MetricFamily* f : families) {
    auto add = [&](std::string dotted, const Neo4jDbMetrics* db) {
      Entry e;
      e.key = Sanitize(dotted);
      e.dotted = std::move(dotted);
      e.family = f;
      e.db = db;
      e.group = f->kind == Kind::kGauge ? 0 : (f->kind == Kind::kSummary ? 1 : 2);
      entries.push_back(std::move(e));
    };
    switch (f->scope) {
      case Scope::kGlobal:
        add(prefix + (namespaced ? ".dbms." : ".") + std::string(f->suffix), nullptr);
        break;
      case Scope::kDbmsPool:
        add(prefix + ".dbms." + std::string(f->suffix), nullptr);
        break;
      case Scope::kDb:
      case Scope::kRaft:
        for (const Neo4jDbMetrics& db : metrics.dbs) {
          if (f->scope == Scope::kRaft && !db.raft_member) {
            continue;
          }
          add(prefix + (namespaced ? ".database." : ".") + db.name + "." +
                  ReplaceDb(f->suffix, db.name),
              &db);
        }
        break;
    }
  }
  // Insertion order into the exporter's HashMap: gauges, histograms, counters and meters, each
  // sorted by Dropwizard name (MetricRegistry's sorted maps).
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.group != b.group ? a.group < b.group : a.dotted < b.dotted;
  });
  // Duplicate keys (e.g. two database names that sanitise alike) collapse into one family, as
  // in the HashMap; the first inserted wins.
  const std::size_t cap = HashMapCapacity(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    entries[i].insertion = i;
    entries[i].bucket = JavaSpreadHash(entries[i].key) & (cap - 1);
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.bucket < b.bucket; });

  std::string out;
  out.reserve(entries.size() * 300);
  std::vector<std::string_view> written;
  for (const Entry& e : entries) {
    if (std::find(written.begin(), written.end(), e.key) != written.end()) {
      continue;
    }
    written.push_back(e.key);
    const MetricFamily& f = *e.family;
    const std::string name = f.kind == Kind::kCounter ? e.key + "_total" : e.key;
    out += "# HELP " + name + " Generated from Dropwizard metric import (metric=" + e.dotted +
           ", type=" + std::string(f.type) + ")\n";
    out += "# TYPE " + name + " " +
           (f.kind == Kind::kGauge     ? "gauge"
            : f.kind == Kind::kCounter ? "counter"
                                       : "summary") +
           "\n";
    if (f.kind == Kind::kSummary) {
      const LatencySummary& s = e.db->query_execution_latency_millis;
      AppendSample(out, name, "{quantile=\"0.5\",}", s.q50);
      AppendSample(out, name, "{quantile=\"0.75\",}", s.q75);
      AppendSample(out, name, "{quantile=\"0.95\",}", s.q95);
      AppendSample(out, name, "{quantile=\"0.98\",}", s.q98);
      AppendSample(out, name, "{quantile=\"0.99\",}", s.q99);
      AppendSample(out, name, "{quantile=\"0.999\",}", s.q999);
      AppendSample(out, name + "_count", "", s.count);
      continue;
    }
    const double value = f.db != nullptr ? e.db->*(f.db) : metrics.global.*(f.global);
    AppendSample(out, name, "", value);
  }
  return out;
}

Neo4jMemberMetrics Neo4jMetricsFromModel(const Model& model, MemberIndex mi) {
  const SimCluster& c = model.cluster(mi.cluster);
  const SimMember& m = model.member(mi);
  Neo4jMemberMetrics out;
  out.family = c.family;
  out.prefix = c.spec.neo4j_metrics.prefix;
  out.namespaces = c.spec.neo4j_metrics.namespaces;
  const double uptime_s = std::max(0.0, ToSeconds(model.Now() - m.started_at));
  const auto uptime = static_cast<int64_t>(uptime_s);
  const bool primary = m.spec.mode == MemberMode::kPrimary;
  int64_t applied_since_start = 0;
  double stores = 0;
  for (std::size_t di = 0; di < c.dbs.size(); ++di) {
    const SimDatabase& d = c.dbs[di];
    const MemberDb& md = m.dbs[di];
    if (md.state != DbState::kOnline) {
      continue;  // a stopped (or failed) database unregisters its metrics
    }
    const MemberDbView v = model.View(mi.cluster, mi.member, static_cast<int>(di));
    const int64_t since_start = std::max<int64_t>(0, md.applied - md.applied_at_start);
    applied_since_start += since_start;
    Neo4jDbMetrics db;
    db.name = d.name;
    const auto committed = static_cast<double>(md.committed_here);
    // Writes committed here (as the leader); followers only apply them (their transaction
    // counters stay put, their last committed transaction id follows replication).
    db.transaction_committed = committed;
    db.transaction_committed_write = committed;
    db.transaction_last_committed_tx_id = static_cast<double>(md.applied);
    db.transaction_peak_concurrent = md.committed_here > 0 ? 1 : 0;
    db.query_execution_success = committed;
    if (md.committed_here > 0) {
      db.query_execution_latency_millis = LatencySummary{1, 2, 5, 8, 12, 41, committed};
    }
    const auto applied = static_cast<double>(md.applied);
    if (d.name == "system") {
      db.ids_in_use_node = 55;
      db.ids_in_use_relationship = 111;
      db.ids_in_use_property = 135;
      db.ids_in_use_relationship_type = 9;
    } else {
      db.ids_in_use_node = applied;
      db.ids_in_use_relationship = std::floor(applied / 2);
      db.ids_in_use_property = 2 * applied;
      db.ids_in_use_relationship_type = md.applied > 0 ? 3 : 0;
    }
    db.store_size_database = 878258.0 + 512.0 * applied;
    db.store_size_total = db.store_size_database + 2.69158e8;
    stores += db.store_size_database;
    db.check_point_events = static_cast<double>(uptime / 900);  // every 15 minutes
    db.raft_member = primary;
    if (primary) {
      const bool leader = d.leader && *d.leader == mi.member;
      db.raft_is_leader = leader ? 1 : 0;
      db.raft_last_leader_message =
          static_cast<double>(v.millis_since_last_leader_message.value_or(0));
      db.raft_replication_attempt = committed;
      db.raft_applied_index = applied;
      // Entries reach a follower that hears from the leader at once; it applies them apply_lag
      // later. Cut off (or stalled), it has appended what it applied.
      int64_t appended = md.applied;
      if (leader) {
        appended = std::max(md.applied, d.commit_index);
      } else if (d.leader && !m.stalled && model.Reaches(mi.cluster, mi.member, *d.leader)) {
        appended = std::max(md.applied, d.commit_index);
      }
      db.raft_append_index = static_cast<double>(appended);
      db.raft_commit_index = static_cast<double>(appended);
    }
    out.dbs.push_back(std::move(db));
  }
  Neo4jGlobalMetrics& g = out.global;
  const auto a = static_cast<double>(applied_since_start);
  g.page_cache_hits = 883.0 + 12.0 * a + 3.0 * static_cast<double>(uptime);
  g.page_cache_page_faults = 314.0 + std::floor(a / 8);
  g.page_cache_hit_ratio = g.page_cache_hits / (g.page_cache_hits + g.page_cache_page_faults);
  g.page_cache_usage_ratio = std::min(1.0, stores / 536870912.0);  // 512 MiB page cache
  g.vm_heap_used = 7.5342848E7 + static_cast<double>(uptime % 64) * 1048576.0;
  g.vm_memory_pool_g1_eden_space = static_cast<double>(uptime % 32) * 4194304.0;
  g.vm_memory_pool_g1_old_gen = 6.695424E7;
  g.vm_memory_buffer_direct_used = 7864451.0;
  g.vm_gc_time_g1_young_generation = 71.0 + 3.0 * static_cast<double>(uptime / 10);
  g.vm_file_descriptors_count = out.family == VersionFamily::kV4 ? 526 : 868;
  g.vm_threads = 126;
  g.vm_thread_count = 51;
  g.vm_thread_total = 56;
  return out;
}

}  // namespace nca::sim
