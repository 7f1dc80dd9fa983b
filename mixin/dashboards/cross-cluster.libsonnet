// Neo4j / Cross-cluster: round trips and reachability between Neo4j clusters, probed by the agents
// of the source cluster (tcp_connect, bolt_handshake, http_discovery).
local g = import '../lib/grafana.libsonnet';

{
  grafanaDashboards+:: {
    'neo4j-cross-cluster.json':
      local c = (import '../lib/common.libsonnet')($._config);
      local r = $._config.rateInterval;
      local pair = 'source_cluster, target_cluster';
      local quantile(q) =
        'histogram_quantile(%s, sum by (%s, phase, le) (rate(neo4j_cross_cluster_probe_duration_seconds_bucket{%s}[%s])))' % [q, pair, c.selCross, r];

      c.dashboard(
        'cross',
        $._config.dashboardTitlePrefix + 'Cross-cluster',
        'Latency and reachability between Neo4j clusters: the latest round trip per pair, round trips per phase over time, probe success and failures. A failed probe reports +Inf latency; the charts keep it out and show partitions separately.',
        // lint-exception: template-database/member: the probe series are per pair of clusters; the
        // $neo4j_cluster variable selects the source cluster (source_cluster).
        c.variables(),
        [
          g.row('Now', 'The latest probe of every pair.'),
          g.table('Latency matrix (source → target)', 'Latest Bolt handshake round trip from each source cluster (rows) to each target cluster (columns), the best over the source\'s agents (min, as the alerts aggregate). Inf: every agent\'s latest probe failed (a partition). Orange above 100 ms (Neo4jCrossClusterLatencyHigh), red above 1 s (Neo4jCrossClusterPartition).',
                  [g.tableTarget('min by (%s) (neo4j_cross_cluster_latency_seconds{%s})' % [pair, c.selCross])],
                  unit='s', steps=g.steps([['green', null], ['orange', 0.1], ['red', 1]]),
                  w=12, h=8, cellType='color-background',
                  transformations=[{
                    id: 'groupingToMatrix',
                    options: { rowField: 'source_cluster', columnField: 'target_cluster', valueField: 'Value', emptyValue: 'null' },
                  }]),
          g.stateTimeline('Probe success per phase', 'Whether the latest probe of each pair and phase succeeded from at least one of the source\'s agents (neo4j_cross_cluster_probe_success): partitions show as FAIL here, while the latency charts leave them out.',
                          [g.target('max by (%s, phase) (neo4j_cross_cluster_probe_success{%s})' % [pair, c.selCross], '{{source_cluster}} → {{target_cluster}} {{phase}}')],
                          g.okMappings('FAIL', 'OK'), steps=g.steps([['red', null], ['green', 1]]), w=12, h=8),

          g.row('Over time', 'Round trips per pair and phase.'),
          g.timeseries('Cross-Cluster Latency', 'Seed panel: latest Bolt handshake round trip per pair (neo4j_cross_cluster_latency_seconds, best over the source\'s agents). Failed probes (+Inf) are filtered out (< +Inf) so that they do not flatten the chart: a gap is a partition, see "Probe success per phase".',
                       [g.target('min by (%s) (neo4j_cross_cluster_latency_seconds{%s} < +Inf)' % [pair, c.selCross], '{{source_cluster}} → {{target_cluster}}')],
                       's', steps=g.steps([['green', null], ['orange', 0.1]]), thresholdsStyle='dashed', w=12),
          g.timeseries('Round trip per phase (p50, p99)', 'Quantiles of the successful probe phases per pair, from the neo4j_cross_cluster_probe_duration_seconds histogram over the rate window (tcp_connect, bolt_handshake, http_discovery).',
                       [
                         g.target(quantile('0.5'), 'p50 {{source_cluster}} → {{target_cluster}} {{phase}}'),
                         g.target(quantile('0.99'), 'p99 {{source_cluster}} → {{target_cluster}} {{phase}}'),
                       ],
                       's', w=12),
          g.timeseries('Consecutive failed probes', 'Consecutive runs whose latency probe failed, per pair (neo4j_cross_cluster_probe_consecutive_failures, best over the source\'s agents); 0 after a success.',
                       [g.target('min by (%s) (neo4j_cross_cluster_probe_consecutive_failures{%s})' % [pair, c.selCross], '{{source_cluster}} → {{target_cluster}}')],
                       'none', decimals=0, w=8),
          g.timeseries('Failed probes by reason', 'Failed probe phases per interval, by pair, phase and reason (neo4j_cross_cluster_probe_failures_total): refused, timeout, resolve, tls, ... Empty while every probe succeeds.',
                       [g.target('sum by (%s, phase, reason) (increase(neo4j_cross_cluster_probe_failures_total{%s}[%s]))' % [pair, c.selCross, r], '{{source_cluster}} → {{target_cluster}} {{phase}} {{reason}}')],
                       'none', drawStyle='bars', w=8),
          g.timeseries('Time since the last successful probe', 'Seconds since the latest successful latency probe per pair (neo4j_cross_cluster_last_success_timestamp_seconds, the most recent over the source\'s agents).',
                       [g.target('time() - max by (%s) (neo4j_cross_cluster_last_success_timestamp_seconds{%s})' % [pair, c.selCross], '{{source_cluster}} → {{target_cluster}}')],
                       's', w=8),
        ],
      ),
  },
}
