// Neo4j / Zones & placement: how the members are spread over availability zones, judged as
// kube-scheduler judges the cluster's topologySpreadConstraint (docs/zone-skew.md).
local g = import '../lib/grafana.libsonnet';

{
  grafanaDashboards+:: {
    'neo4j-zones-placement.json':
      local c = (import '../lib/common.libsonnet')($._config);
      local C = c.cl;
      local perCluster = '%s, neo4j_cluster' % C;

      c.dashboard(
        'zones',
        $._config.dashboardTitlePrefix + 'Zones & placement',
        'Members per availability zone and role, skew against maxSkew, eligible zones against minDomains, zones without a primary, anti-affinity violations, distribution health and whether the loss of a zone is survivable.',
        // lint-exception: template-database/member: the zone series are per Neo4j cluster (and
        // zone and role), without database or member labels, so the dashboard has neither variable.
        c.variables(),
        [
          g.row('Placement health', 'Whether the loss of one zone would hurt.'),
          g.gauge('Zone distribution health', 'neo4j_zone_distribution_health per cluster: members surviving the loss of the worst zone relative to the best placement the zones allow (at most 75% when that loss breaks the primaries\' quorum). Below 80%, the seed\'s threshold, Neo4jZoneImbalance fires (clusters with at least three primaries).',
                  [g.target('max by (%s) (neo4j_zone_distribution_health{%s})' % [perCluster, c.sel], '{{neo4j_cluster}}')],
                  steps=g.steps([['red', null], ['orange', 0.75], ['green', 0.8]]), w=8, h=6),
          g.stat('Zone loss survivable', 'Whether the primaries keep a strict majority after losing the zone that hosts the most of them (neo4j_zone_loss_survivable).',
                 [g.target('max by (%s) (neo4j_zone_loss_survivable{%s})' % [perCluster, c.sel], '{{neo4j_cluster}}')],
                 mappings=g.okMappings('NO', 'YES'), steps=g.steps([['red', null], ['green', 1]]),
                 colorMode='background', textMode='value_and_name', w=4, h=6),
          g.stat('Zones without a primary', 'Eligible zones that host no primary (neo4j_zones_without_primary).',
                 [g.target('max by (%s) (neo4j_zones_without_primary{%s})' % [perCluster, c.sel], '{{neo4j_cluster}}')],
                 steps=g.steps([['green', null], ['orange', 1]]), textMode='value_and_name', w=4, h=6),
          g.stat('Anti-affinity violations', 'With anti_affinity: required, zones hosting more than one primary (neo4j_zone_anti_affinity_violations); always 0 otherwise.',
                 [g.target('max by (%s) (neo4j_zone_anti_affinity_violations{%s})' % [perCluster, c.sel], '{{neo4j_cluster}}')],
                 steps=g.steps([['green', null], ['red', 1]]), textMode='value_and_name', w=4, h=6),
          g.stat('Source of zone data', 'Where the agent found the members\' zones: kubernetes (node labels), neo4j_tags (server tags), static (configuration) or none (neo4j_zone_source_info).',
                 [g.target('max by (%s, source) (neo4j_zone_source_info{%s})' % [perCluster, c.sel], '{{neo4j_cluster}}: {{source}}')],
                 colorMode='none', textMode='name', w=4, h=6),

          g.row('Spread', 'Members per zone and the spread constraint.'),
          g.bargauge('Members per zone and role', 'Members per eligible zone and role, counted as the scheduler counts pods (terminating pods and pods without an eligible zone left out; eligible zones without members show 0).',
                     [g.instantTarget('max by (%s, neo4j_zone, role) (neo4j_zone_members{%s})' % [perCluster, c.sel], '{{neo4j_cluster}} {{neo4j_zone}} {{role}}')],
                     w=8, h=10),
          g.timeseries('Skew against maxSkew', 'Largest zone count minus the smallest, per role (neo4j_zone_skew), against the constraint\'s maxSkew (dashed). Above it the spread constraint is violated; the scheduler never rebalances running pods.',
                       [
                         g.target('max by (%s, role) (neo4j_zone_skew{%s})' % [perCluster, c.sel], 'skew {{neo4j_cluster}} {{role}}'),
                         g.target('max by (%s) (neo4j_zone_max_skew{%s})' % [perCluster, c.sel], 'maxSkew {{neo4j_cluster}}'),
                       ],
                       'none', decimals=0, w=8, h=10) + {
            fieldConfig+: { overrides: [g.seriesOverride('^maxSkew .*', { 'custom.lineStyle': { fill: 'dash', dash: [10, 10] } })] },
          },
          g.timeseries('Eligible zones against minDomains', 'Zones the cluster\'s pods may run in (neo4j_zone_eligible_zones) against the constraint\'s minDomains (dashed). With fewer eligible zones than minDomains the scheduler treats the global minimum as 0.',
                       [
                         g.target('max by (%s) (neo4j_zone_eligible_zones{%s})' % [perCluster, c.sel], 'eligible {{neo4j_cluster}}'),
                         g.target('max by (%s) (neo4j_zone_min_domains{%s})' % [perCluster, c.sel], 'minDomains {{neo4j_cluster}}'),
                       ],
                       'none', decimals=0, w=8, h=10) + {
            fieldConfig+: { overrides: [g.seriesOverride('^minDomains .*', { 'custom.lineStyle': { fill: 'dash', dash: [10, 10] } })] },
          },
          g.stateTimeline('Spread constraint per role', 'Whether the skew of each role exceeds maxSkew (neo4j_zone_skew_violated). A violation after a zone failure stays until someone acts.',
                          [g.target('max by (%s, role) (neo4j_zone_skew_violated{%s})' % [perCluster, c.sel], '{{neo4j_cluster}} {{role}}')],
                          g.valueMappings([[0, 'satisfied', 'green'], [1, 'violated', 'red']]), w=24, h=6),
        ],
      ),
  },
}
