// Neo4j / Cluster overview: is every cluster healthy, who leads what, what runs where.
local g = import '../lib/grafana.libsonnet';

{
  grafanaDashboards+:: {
    'neo4j-cluster-overview.json':
      local c = (import '../lib/common.libsonnet')($._config);
      local C = c.cl;
      local r = $._config.rateInterval;
      local up = 'neo4j_up{%(s)s} or neo4j_cluster_member_available{%(s)s}' % { s: c.sel };
      local role(name, code) = 'neo4j_member_database_role{%s, role="%s"} * %d' % [c.selDb, name, code];

      c.dashboard(
        'overview',
        $._config.dashboardTitlePrefix + 'Cluster overview',
        'At a glance: members, leaders, quorum, replication lag, failovers, alerts and zone placement of every Neo4j cluster the agents watch; roles over time, an inventory of the members, transaction throughput.',
        c.variables([c.database]),
        [
          g.row('At a glance', 'The state of the selected clusters now (worst value over clusters and databases).'),
          g.stat('Clusters', 'Neo4j clusters reported by the agents (per Kubernetes cluster).',
                 [g.target('count(count by (%s, neo4j_cluster) (neo4j_up{%s}))' % [C, c.sel], 'clusters')],
                 w=2),
          g.stat('Members up', 'Members that answer at least one agent (up) and members known to the agents (expected): the agents\' own members (neo4j_up) and the servers of the cluster-wide view (neo4j_cluster_member_available).',
                 [
                   g.target('sum(max by (%s, neo4j_cluster, member) (%s))' % [C, up], 'up'),
                   g.target('count(max by (%s, neo4j_cluster, member) (%s))' % [C, up], 'expected'),
                 ],
                 colorMode='none', textMode='value_and_name'),
          g.stat('Databases with a leader', 'Databases whose primaries report at least one Raft leader, out of the databases with voting members. A database without a leader accepts no writes.',
                 [
                   g.target('sum(max by (%s, neo4j_cluster, database) (clamp_max(neo4j_quorum_leaders_seen{%s}, 1)))' % [C, c.selDb], 'with leader'),
                   g.target('count(max by (%s, neo4j_cluster, database) (neo4j_quorum_voting_members{%s}))' % [C, c.selDb], 'databases'),
                 ],
                 colorMode='none', textMode='value_and_name'),
          g.stat('Quorum', 'LOST when any selected database has fewer available voting members than its Raft majority, or not exactly one leader (neo4j_quorum_ok, best view over the agents).',
                 [g.target('min(max by (%s, neo4j_cluster, database) (neo4j_quorum_ok{%s}))' % [C, c.selDb], 'quorum')],
                 mappings=g.okMappings('LOST', 'OK'), steps=g.steps([['red', null], ['green', 1]]),
                 colorMode='background', w=2),
          g.stat('Failures tolerated', 'Primaries that can still fail before a database loses its majority: the minimum over the selected databases. 0 means the next primary failure stops writes.',
                 [g.target('min(max by (%s, neo4j_cluster, database) (neo4j_quorum_failures_tolerated{%s}))' % [C, c.selDb], 'tolerated')],
                 steps=g.steps([['red', null], ['orange', 1], ['green', 2]]), w=3),
          g.stat('Worst replication lag', 'The copy furthest behind the most advanced copy of its database (a lower bound, see docs/metrics.md). The Neo4jReplicationLagHigh alert fires above 30 s.',
                 [g.target('max(neo4j_replication_lag_seconds{%s})' % c.selDb, 'lag')],
                 unit='s', steps=g.steps([['green', null], ['orange', 30]]), w=3),
          g.stat('Failovers in range', 'Leader changes of the selected databases within the dashboard\'s time range (neo4j_failover_events_total).',
                 [g.target('sum(max by (%s, neo4j_cluster, database) (increase(neo4j_failover_events_total{%s}[$__range])))' % [C, c.selDb], 'failovers')],
                 steps=g.steps([['green', null], ['yellow', 1], ['orange', 4]]), decimals=0, w=3),
          // lint-exception: target-job-rule: `or vector(0)` has no selector; it only turns "no alert" into 0.
          g.stat('Alerts firing', 'Alerts the agents\' own rule engines report as firing (neo4j_agent_alerts), one per alert and label set.',
                 [g.target('count(count by (alertname, neo4j_cluster, database, member, source_cluster, target_cluster) (neo4j_agent_alerts{%s, alertstate="firing"})) or vector(0)' % c.sel, 'firing')],
                 steps=g.steps([['green', null], ['red', 1]]), colorMode='background', w=2),
          g.stat('Worst zone distribution', 'Lowest neo4j_zone_distribution_health over the selected clusters: members surviving the loss of the worst zone relative to the best placement possible. Below 80% (the seed\'s threshold) the placement is uneven.',
                 [g.target('min(max by (%s, neo4j_cluster) (neo4j_zone_distribution_health{%s}))' % [C, c.sel], 'health')],
                 unit='percentunit', steps=g.steps([['red', null], ['green', 0.8]]), w=3),

          g.row('Roles', 'Which member leads which database, now and over time.'),
          g.stat('Cluster Status', 'Seed panel: whether each primary is the Raft leader of its database (neo4j_cluster_core_is_leader: 1 leader, 0 follower; secondaries have no tile).',
                 [g.target('max by (%s, neo4j_cluster, member, database) (neo4j_cluster_core_is_leader{%s})' % [C, c.selDb], '{{neo4j_cluster}} {{member}} {{database}}')],
                 mappings=g.valueMappings([[0, 'FOLLOWER', 'blue'], [1, 'LEADER', 'green']]),
                 colorMode='background', textMode='value_and_name', w=8, h=9),
          g.stateTimeline('Role per member and database', 'Role of each member for each database over time (neo4j_member_database_role); "down" is a member that answers no agent (neo4j_up 0), shown once per member.',
                          [g.target(
                            |||
                              max by (%(C)s, neo4j_cluster, member, database) (
                                  %(leader)s
                                or %(follower)s
                                or %(candidate)s
                                or %(secondary)s
                                or %(unknown)s
                                or %(standalone)s
                              )
                              or on (%(C)s, neo4j_cluster, member)
                                (max by (%(C)s, neo4j_cluster, member) (neo4j_up{%(sel)s}) == 0) * 0
                            ||| % {
                              C: C,
                              sel: c.sel,
                              leader: role('leader', 5),
                              follower: role('follower', 4),
                              candidate: role('candidate', 3),
                              secondary: role('secondary', 2),
                              unknown: role('unknown', 1),
                              standalone: role('standalone', 6),
                            },
                            '{{neo4j_cluster}} {{member}} {{database}}'
                          )],
                          g.roleMappings, w=16, h=9),

          g.row('Members', 'Who runs where, and whether the agents reach them.'),
          g.stat('Cluster Health', 'Seed panel: whether each member answers the agent\'s HTTP requests (neo4j_up, best view over the agents).',
                 [g.target('max by (%s, neo4j_cluster, member) (neo4j_up{%s})' % [C, c.sel], '{{neo4j_cluster}} {{member}}')],
                 mappings=g.upMappings, steps=g.steps([['red', null], ['green', 1]]),
                 colorMode='background', textMode='value_and_name', w=8, h=8),
          g.table('Inventory', 'One row per member and database with its role, the Neo4j version and edition, and the agent that watches it: instance is the agent\'s node in a DaemonSet (the member\'s node too), pod the agent\'s pod. Members that answer no agent show as role "down". Zone and node come from the zone_skew collector (neo4j_zone_member_info: node only with the Kubernetes source; empty when no zone source works). Click a member for its replication, a database for its internals, an instance for the agent.',
                  [g.tableTarget(
                    |||
                      (
                        max by (%(C)s, neo4j_cluster, member, database, role) (neo4j_member_database_role{%(selDb)s} == 1)
                          * on (%(C)s, neo4j_cluster, member) group_left (version, edition, instance, pod)
                            topk by (%(C)s, neo4j_cluster, member) (1, neo4j_member_info{%(sel)s})
                      )
                        * on (%(C)s, neo4j_cluster, member) group_left (neo4j_zone, node)
                          topk by (%(C)s, neo4j_cluster, member) (1, neo4j_zone_member_info{%(sel)s})
                      or on (%(C)s, neo4j_cluster, member, database)
                        max by (%(C)s, neo4j_cluster, member, database, role) (neo4j_member_database_role{%(selDb)s} == 1)
                          * on (%(C)s, neo4j_cluster, member) group_left (version, edition, instance, pod)
                            topk by (%(C)s, neo4j_cluster, member) (1, neo4j_member_info{%(sel)s})
                      or on (%(C)s, neo4j_cluster, member)
                        label_replace(max by (%(C)s, neo4j_cluster, member, instance, pod) (neo4j_up{%(sel)s}) == 0, "role", "down", "", "")
                    ||| % { C: C, sel: c.sel, selDb: c.selDb }
                  )],
                  w=16, h=8,
                  transformations=[g.organize(['Time', 'Value'], {
                    [C]: 0,
                    neo4j_cluster: 1,
                    member: 2,
                    database: 3,
                    role: 4,
                    neo4j_zone: 5,
                    node: 6,
                    version: 7,
                    edition: 8,
                    instance: 9,
                    pod: 10,
                  }, { neo4j_zone: 'zone', node: 'node', instance: 'agent', pod: 'agent pod' })],
                  overrides=[
                    g.linkOverride('member', [['Raft & replication of ${__data.fields.member}', c.link('raft', '&var-neo4j_cluster=${__data.fields.neo4j_cluster}&var-member=${__data.fields.member}')]]),
                    g.linkOverride('database', [['Internals of ${__data.fields.database}', c.link('internals', '&var-neo4j_cluster=${__data.fields.neo4j_cluster}&var-database=${__data.fields.database}')]]),
                    g.linkOverride('neo4j_cluster', [['Zones & placement of ${__data.fields.neo4j_cluster}', c.link('zones', '&var-neo4j_cluster=${__data.fields.neo4j_cluster}')]]),
                    g.linkOverride('instance', [['Agent on ${__data.fields.instance}', c.link('agent', '&var-neo4j_cluster=${__data.fields.neo4j_cluster}&var-instance=${__data.fields.instance}')]]),
                  ]),

          g.row('Activity', 'Transactions and leader changes.'),
          g.timeseries('Transaction Throughput', 'Seed panel: transactions committed per second per database, summed over its members (Neo4j\'s transaction.committed, relayed).',
                       [g.target('sum by (%s, neo4j_cluster, database) (rate(neo4j_transaction_committed_total{%s}[%s]))' % [C, c.selDb, r], '{{neo4j_cluster}} {{database}}')],
                       'ops', w=16),
          g.table('Failover Events', 'Seed panel: leader changes per database within the dashboard\'s time range (neo4j_failover_events_total, best view over the agents).',
                  [g.tableTarget('max by (%s, neo4j_cluster, database) (increase(neo4j_failover_events_total{%s}[$__range]))' % [C, c.selDb])],
                  w=8, h=8,
                  transformations=[g.organize(['Time'], {}, { Value: 'failovers' })]) + {
            fieldConfig+: { defaults+: { decimals: 0 } },
          },
        ],
      ),
  },
}
