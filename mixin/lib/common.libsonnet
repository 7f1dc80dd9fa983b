// What the six dashboards share, computed from the mixin's _config: selectors, variables,
// annotations and the uids the dashboards link to.
local g = import 'grafana.libsonnet';

function(config) {
  local c = config,
  local C = c.clusterLabel,
  cl:: C,

  uids:: {
    overview: c.dashboardUidPrefix + 'cluster-overview',
    raft: c.dashboardUidPrefix + 'raft-replication',
    zones: c.dashboardUidPrefix + 'zones-placement',
    cross: c.dashboardUidPrefix + 'cross-cluster',
    internals: c.dashboardUidPrefix + 'database-internals',
    agent: c.dashboardUidPrefix + 'cluster-agent',
  },

  // ---------------------------------------------------------------------------------------------
  // Selectors. Every query filters on the agent's targets (config.agentSelector), the Kubernetes
  // cluster target label ($cluster) and the Neo4j cluster ($neo4j_cluster); `database` and
  // `member` where the series have them and the dashboard has the variable.
  //
  // lint-exception: template-job-rule, target-job-rule: no `job` variable; the kit is about one
  // kind of target, so every query carries the config's agentSelector (a fixed job matcher, as
  // etcd-mixin's job=~".*etcd.*") instead of job=~"$job".
  // lint-exception: template-instance-rule, target-instance-rule: `instance` is the agent (its
  // node), not a Neo4j member; members are selected by `member` and a member's series from several
  // agents are aggregated. Only the agent dashboard has (and filters on) `instance`.
  local join(ms) = std.join(', ', ms),
  local targets = [c.agentSelector, C + '=~"$cluster"'],
  sel:: join(targets + ['neo4j_cluster=~"$neo4j_cluster"']),
  selDb:: join(targets + ['neo4j_cluster=~"$neo4j_cluster"', 'database=~"$database"']),
  selMember:: join(targets + ['neo4j_cluster=~"$neo4j_cluster"', 'member=~"$member"']),
  selDbMember:: join(targets + ['neo4j_cluster=~"$neo4j_cluster"', 'database=~"$database"', 'member=~"$member"']),
  // lint-exception: target-neo4j-cluster-rule: the cross-cluster series name the pair of clusters
  // (source_cluster, target_cluster) instead of neo4j_cluster; $neo4j_cluster selects the source.
  selCross:: join(targets + ['source_cluster=~"$neo4j_cluster"']),
  // lint-exception: target-neo4j-cluster-rule: the agent's self-metrics (neo4j_agent_*, process_*) are
  // about the agent process, not a Neo4j cluster, and carry no neo4j_cluster label; they are
  // filtered by the agent ($instance) instead.
  selAgent:: join(targets + ['instance=~"$instance"']),
  // Member series on the agent dashboard: by agent and by Neo4j cluster.
  selAgentNeo4j:: join(targets + ['instance=~"$instance"', 'neo4j_cluster=~"$neo4j_cluster"']),

  // ---------------------------------------------------------------------------------------------
  // Variables
  local v = g.queryVariable,
  // lint-exception: template-all-value: $cluster and $neo4j_cluster use allValue ".*", not ".+":
  // a Prometheus without the cluster target label (one Kubernetes cluster) must still match, and
  // annotations on series without neo4j_cluster (agent alerts) must show under "All".
  cluster:: v('cluster', 'Cluster', 'label_values(neo4j_up{%s}, %s)' % [c.agentSelector, C], '.*'),
  neo4jCluster:: v('neo4j_cluster', 'Neo4j cluster',
                   'label_values(neo4j_up{%s}, neo4j_cluster)' % join(targets), '.*'),
  database:: v('database', 'Database',
               'label_values(neo4j_member_database_role{%s}, database)' % self.sel),
  member:: v('member', 'Member', 'label_values(neo4j_up{%s}, member)' % self.sel),
  instance:: v('instance', 'Instance', 'label_values(neo4j_agent_build_info{%s}, instance)' % join(targets)),

  variables(extra=[]):: [g.datasourceVariable, self.cluster, self.neo4jCluster] + extra,

  // ---------------------------------------------------------------------------------------------
  // Annotations: firing alerts (Prometheus' ALERTS and the agent's own neo4j_agent_alerts) and
  // leader changes.
  annotations:: [
    // lint-exception: target-job-rule: ALERTS is written by Prometheus' rule evaluation; the shipped
    // rules aggregate the target labels (job, instance, cluster) away, so it is selected by alert
    // name and Neo4j cluster (or source cluster for the cross-cluster alerts).
    g.annotation(
      'Firing alerts (Prometheus)',
      'ALERTS{alertstate="firing", %(a)s, neo4j_cluster=~"$neo4j_cluster"} or ALERTS{alertstate="firing", %(a)s, source_cluster=~"$neo4j_cluster"}' % { a: c.alertSelector },
      'red',
      '{{alertname}}',
      '{{severity}}: {{alertname}} {{neo4j_cluster}} {{database}} {{member}}',
      'alertname,severity,neo4j_cluster,database,member'
    ),
    g.annotation(
      'Firing alerts (agents)',
      'neo4j_agent_alerts{%s, alertstate="firing", neo4j_cluster=~"$neo4j_cluster"}' % join(targets),
      'orange',
      '{{alertname}} (agent {{instance}})',
      '{{severity}}: {{alertname}} {{neo4j_cluster}} {{database}} {{member}}',
      'alertname,severity,neo4j_cluster,database,member,instance'
    ),
    g.annotation(
      'Leader changes',
      'max by (neo4j_cluster, database) (increase(neo4j_failover_events_total{%s}[%s])) > 0' % [self.sel, c.rateInterval],
      'yellow',
      'Leader change',
      'New Raft leader of {{database}} in {{neo4j_cluster}}',
      'neo4j_cluster,database'
    ),
  ],

  dashboard(uidKey, title, description, variables, panels)::
    g.dashboard(c, std.substr(self.uids[uidKey], std.length(c.dashboardUidPrefix), 100),
                title, description, variables, panels, self.annotations),

  // Link to another dashboard of the kit keeping time range, data source and Kubernetes cluster.
  link(uidKey, params):: '/d/%s?${__url_time_range}&${datasource:queryparam}&${cluster:queryparam}%s' % [self.uids[uidKey], params],
}
