// Neo4j / Raft & replication: leaders, elections, quorum and how far each copy is behind.
local g = import '../lib/grafana.libsonnet';

{
  grafanaDashboards+:: {
    'neo4j-raft-replication.json':
      local c = (import '../lib/common.libsonnet')($._config);
      local C = c.cl;
      local r = $._config.rateInterval;
      local perMember = '%s, neo4j_cluster, member, database' % C;
      local perDb = '%s, neo4j_cluster, database' % C;

      c.dashboard(
        'raft',
        $._config.dashboardTitlePrefix + 'Raft & replication',
        'Raft leaders and elections per database, quorum, and replication lag per member: who leads, whether the members agree, and which copy is behind.',
        c.variables([c.database, c.member]),
        [
          g.row('Leaders', 'Who leads each database and whether the primaries agree.'),
          g.stateTimeline('Leader per database', 'The member seen as the Raft leader of each database over time (neo4j_cluster_leader_info): one row per database and member, filled while that member leads.',
                          [g.target('max by (%s) (neo4j_cluster_leader_info{%s})' % [perMember, c.selDb], '{{neo4j_cluster}} {{database}}: {{member}}')],
                          g.valueMappings([[1, 'leader', 'green']]), w=24, h=8),
          g.timeseries('Leaders seen', 'Distinct leaders the reachable primaries follow (neo4j_quorum_leaders_seen, best view over the agents): 1 is healthy, 0 no leader (no writes), more than 1 a split between members (red band).',
                       [g.target('max by (%s) (neo4j_quorum_leaders_seen{%s})' % [perDb, c.selDb], '{{neo4j_cluster}} {{database}}')],
                       'none', steps=g.steps([['red', null], ['green', 1], ['red', 2]]),
                       thresholdsStyle='line+area', decimals=0, w=12),
          g.timeseries('Failovers', 'Leader changes per database in each interval (neo4j_failover_events_total). Four or more within 15 minutes fire Neo4jFailoverStorm.',
                       [g.target('max by (%s) (increase(neo4j_failover_events_total{%s}[%s]))' % [perDb, c.selDb, r], '{{neo4j_cluster}} {{database}}')],
                       'none', drawStyle='bars', w=12),
          g.timeseries('Voting members available and needed', 'Voting members (primaries) that are available and follow the leader, against the majority Raft needs (dashed). Below the dashed line the database has lost its quorum.',
                       [
                         g.target('max by (%s) (neo4j_quorum_voting_members_available{%s})' % [perDb, c.selDb], 'available {{neo4j_cluster}} {{database}}'),
                         g.target('max by (%s) (neo4j_quorum_size{%s})' % [perDb, c.selDb], 'needed {{neo4j_cluster}} {{database}}'),
                       ],
                       'none', decimals=0, w=24) + {
            fieldConfig+: { overrides: [g.seriesOverride('^needed .*', { 'custom.lineStyle': { fill: 'dash', dash: [10, 10] } })] },
          },

          g.row('Replication', 'How far each copy is behind the most advanced copy of its database.'),
          g.timeseries('Replication lag (transactions)', 'Transactions (or Raft entries) each copy is behind the most advanced copy (neo4j_replication_lag_transactions). Neo4jReplicationLagGrowing fires above 250 while still rising.',
                       [g.target('max by (%s) (neo4j_replication_lag_transactions{%s})' % [perMember, c.selDbMember], '{{neo4j_cluster}} {{member}} {{database}}')],
                       'none', steps=g.steps([['green', null], ['orange', 250]]), thresholdsStyle='dashed', w=12),
          g.timeseries('Replication lag (seconds)', 'Estimated time each copy is behind (neo4j_replication_lag_seconds, a lower bound limited by the agent\'s ~10-minute history). Neo4jReplicationLagHigh fires above 30 s.',
                       [g.target('max by (%s) (neo4j_replication_lag_seconds{%s})' % [perMember, c.selDbMember], '{{neo4j_cluster}} {{member}} {{database}}')],
                       's', steps=g.steps([['green', null], ['orange', 30]]), thresholdsStyle='dashed', w=12),
          g.timeseries('Time since the last leader message', 'Seconds since each primary last heard from its leader (Neo4j\'s millisSinceLastLeaderMessage; 0 on the leader, absent on secondaries). A steadily growing value means the member is cut off from its leader.',
                       [g.target('max by (%s) (neo4j_member_database_seconds_since_leader_message{%s})' % [perMember, c.selDbMember], '{{neo4j_cluster}} {{member}} {{database}}')],
                       's', w=12),
          g.timeseries('Applied Raft index', 'Last Raft log index applied by each copy (lastAppliedRaftIndex). Copies of one database should move together; a flat line on one member is a stalled copy.',
                       [g.target('max by (%s) (neo4j_member_database_raft_applied_index{%s})' % [perMember, c.selDbMember], '{{neo4j_cluster}} {{member}} {{database}}')],
                       'none', w=12) + {
            fieldConfig+: { defaults+: { custom+: { axisSoftMin: null } } },
          },
        ],
      ),
  },
}
