// Neo4j / Database internals: Neo4j's own metrics, relayed by the agent with the database as a
// label (docs/neo4j-metrics.md).
local g = import '../lib/grafana.libsonnet';

{
  grafanaDashboards+:: {
    'neo4j-database-internals.json':
      local c = (import '../lib/common.libsonnet')($._config);
      local C = c.cl;
      local r = $._config.rateInterval;
      local perDb = '%s, neo4j_cluster, member, database' % C;
      local perMember = '%s, neo4j_cluster, member' % C;
      local latency(q) = 'max by (%s) (neo4j_db_query_execution_latency_seconds{%s, quantile="%s"})' % [perDb, c.selDbMember, q];

      c.dashboard(
        'internals',
        $._config.dashboardTitlePrefix + 'Database internals',
        'Neo4j\'s own metrics per member, and per database where Neo4j reports them per database: transactions, query latency, page cache, Bolt, heap and GC, checkpoints and store size. Needs Neo4j\'s Prometheus endpoint reachable by the agent (docs/neo4j-metrics.md).',
        c.variables([c.database, c.member]),
        [
          g.row('Transactions and queries', 'Per member and database.'),
          g.timeseries('Transactions committed and rolled back', 'Transactions committed and rolled back per second on each member and database (Neo4j transaction.committed and transaction.rollbacks).',
                       [
                         g.target('sum by (%s) (rate(neo4j_transaction_committed_total{%s}[%s]))' % [perDb, c.selDbMember, r], 'committed {{member}} {{database}}'),
                         g.target('sum by (%s) (rate(neo4j_transaction_rollbacks_total{%s}[%s]))' % [perDb, c.selDbMember, r], 'rolled back {{member}} {{database}}'),
                       ],
                       'ops', w=12),
          g.timeseries('Active transactions', 'Read and write transactions open right now on each member and database (transaction.active_read, transaction.active_write).',
                       [
                         g.target('sum by (%s) (neo4j_transaction_active_read{%s})' % [perDb, c.selDbMember], 'read {{member}} {{database}}'),
                         g.target('sum by (%s) (neo4j_transaction_active_write{%s})' % [perDb, c.selDbMember], 'write {{member}} {{database}}'),
                       ],
                       'none', w=12),
          g.timeseries('Query Performance', 'Seed panel: query execution latency quantiles per member and database. Neo4j reports db.query.execution.latency.millis as a summary with precomputed quantiles (relayed in seconds), not a histogram: the quantiles are read directly, and cannot be averaged across members.',
                       [
                         g.target(latency('0.5'), 'p50 {{member}} {{database}}'),
                         g.target(latency('0.95'), 'p95 {{member}} {{database}}'),
                         g.target(latency('0.99'), 'p99 {{member}} {{database}}'),
                       ],
                       's', w=12),
          g.timeseries('Queries per second', 'Successful and failed query executions per second (db.query.execution.success and .failure).',
                       [
                         g.target('sum by (%s) (rate(neo4j_db_query_execution_success_total{%s}[%s]))' % [perDb, c.selDbMember, r], 'succeeded {{member}} {{database}}'),
                         g.target('sum by (%s) (rate(neo4j_db_query_execution_failure_total{%s}[%s]))' % [perDb, c.selDbMember, r], 'failed {{member}} {{database}}'),
                       ],
                       'ops', w=12),

          // lint-exception: target-database: page cache, Bolt and JVM metrics are global to the
          // Neo4j process (no database label), so these panels filter by member only.
          g.row('Memory and connections', 'Per member (Neo4j reports these for the whole server).'),
          g.timeseries('Page cache hit ratio and usage', 'Share of page cache lookups that hit (page_cache.hit_ratio) and share of the page cache in use (page_cache.usage_ratio), per member.',
                       [
                         g.target('max by (%s) (neo4j_page_cache_hit_ratio{%s})' % [perMember, c.selMember], 'hit ratio {{member}}'),
                         g.target('max by (%s) (neo4j_page_cache_usage_ratio{%s})' % [perMember, c.selMember], 'usage {{member}}'),
                       ],
                       'percentunit', w=12),
          g.timeseries('Page faults', 'Page cache faults per second per member (page_cache.page_faults): pages read from disk because they were not cached.',
                       [g.target('sum by (%s) (rate(neo4j_page_cache_page_faults_total{%s}[%s]))' % [perMember, c.selMember, r], '{{member}}')],
                       'ops', w=12),
          g.timeseries('Bolt connections', 'Bolt connections running a query and idle, per member (bolt.connections_running, bolt.connections_idle).',
                       [
                         g.target('sum by (%s) (neo4j_bolt_connections_running{%s})' % [perMember, c.selMember], 'running {{member}}'),
                         g.target('sum by (%s) (neo4j_bolt_connections_idle{%s})' % [perMember, c.selMember], 'idle {{member}}'),
                       ],
                       'none', w=8),
          g.timeseries('Heap used', 'JVM heap in use per member (vm.heap.used).',
                       [g.target('max by (%s) (neo4j_vm_heap_used{%s})' % [perMember, c.selMember], '{{member}}')],
                       'bytes', w=8),
          g.timeseries('Time spent in GC', 'Share of time the JVM spends in garbage collection per member, for the G1 collector Neo4j uses by default (vm.gc.time.g1_young_generation / g1_old_generation).',
                       [
                         g.target('sum by (%s) (rate(neo4j_vm_gc_time_g1_young_generation_seconds_total{%s}[%s]))' % [perMember, c.selMember, r], 'young {{member}}'),
                         g.target('sum by (%s) (rate(neo4j_vm_gc_time_g1_old_generation_seconds_total{%s}[%s]))' % [perMember, c.selMember, r], 'old {{member}}'),
                       ],
                       'percentunit', w=8),

          g.row('Storage', 'Checkpoints and store size, per member and database.'),
          g.timeseries('Checkpoint duration', 'Duration of the latest checkpoint per member and database (check_point.duration).',
                       [g.target('max by (%s) (neo4j_check_point_duration_seconds{%s})' % [perDb, c.selDbMember], '{{member}} {{database}}')],
                       's', w=8),
          g.timeseries('Time spent checkpointing', 'Share of time spent in checkpoints per member and database (check_point.total_time).',
                       [g.target('sum by (%s) (rate(neo4j_check_point_total_time_seconds_total{%s}[%s]))' % [perDb, c.selDbMember, r], '{{member}} {{database}}')],
                       'percentunit', w=8),
          g.timeseries('Store size', 'Total size of each database\'s store on each member (store.size.total).',
                       [g.target('max by (%s) (neo4j_store_size_total_bytes{%s})' % [perDb, c.selDbMember], '{{member}} {{database}}')],
                       'bytes', w=8),
        ],
      ),
  },
}
