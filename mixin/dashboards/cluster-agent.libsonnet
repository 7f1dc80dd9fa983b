// Neo4j cluster agent: the agents themselves (collectors, requests to Neo4j, rules, notifications).
local g = import '../lib/grafana.libsonnet';

{
  grafanaDashboards+:: {
    'neo4j-cluster-agent.json':
      local c = (import '../lib/common.libsonnet')($._config);
      local C = c.cl;
      local r = $._config.rateInterval;
      local perAgent = '%s, instance' % C;

      c.dashboard(
        'agent',
        'Neo4j cluster agent',
        'Self-monitoring of neo4j-cluster-agent: collectors, requests to the Neo4j members, the relay of Neo4j\'s metrics, the local rule engine, Alertmanager notifications, memory and builds, per agent (instance).',
        c.variables([c.instance]),
        [
          g.row('Collectors', 'The background collection runs of every agent.'),
          g.stateTimeline('Collector success', 'Whether the latest run of each collector succeeded (neo4j_agent_collector_success). A run fails only for the agent\'s own trouble (credentials, TLS, answers it cannot parse), not because Neo4j members are down. Neo4jAgentCollectorFailing fires after 10 minutes.',
                          [g.target('min by (%s, collector) (neo4j_agent_collector_success{%s})' % [perAgent, c.selAgent], '{{instance}} {{collector}}')],
                          g.okMappings('FAILING', 'OK'), steps=g.steps([['red', null], ['green', 1]]), w=24, h=8),
          g.timeseries('Collector duration', 'Duration of the latest run of each collector (neo4j_agent_collector_duration_seconds). Runs close to the collection interval or the deadline point to slow members.',
                       [g.target('max by (%s, collector) (neo4j_agent_collector_duration_seconds{%s})' % [perAgent, c.selAgent], '{{instance}} {{collector}}')],
                       's', w=12),
          g.timeseries('Time since the last successful run', 'Seconds since each collector last succeeded (time() - neo4j_agent_collector_last_success_timestamp_seconds): the age of the series it serves.',
                       [g.target('time() - max by (%s, collector) (neo4j_agent_collector_last_success_timestamp_seconds{%s})' % [perAgent, c.selAgent], '{{instance}} {{collector}}')],
                       's', w=12),

          g.row('Neo4j members', 'The agents\' requests to their Neo4j members and the relay of Neo4j\'s own metrics.'),
          g.timeseries('Member request errors by reason', 'Failed requests from each agent to each member per second, by reason (neo4j_member_request_errors_total): connection_refused, timeout, unauthorized, tls, ... Empty while every request succeeds.',
                       [g.target('sum by (%s, neo4j_cluster, member, reason) (rate(neo4j_member_request_errors_total{%s}[%s]))' % [perAgent, c.selAgentNeo4j, r], '{{instance}} {{neo4j_cluster}} {{member}} {{reason}}')],
                       'reqps', w=12),
          g.stateTimeline('Neo4j metrics relay', 'Whether the latest scrape of each member\'s own Prometheus endpoint was relayed (neo4j_metrics_scrape_success); when it fails, neo4j_metrics_scrape_errors_total and the agent\'s log say why.',
                          [g.target('min by (%s, neo4j_cluster, member) (neo4j_metrics_scrape_success{%s})' % [perAgent, c.selAgentNeo4j], '{{instance}} {{neo4j_cluster}} {{member}}')],
                          g.okMappings('FAILING', 'OK'), steps=g.steps([['red', null], ['green', 1]]), w=12, h=8),

          g.row('Rules and notifications', 'The agent\'s local rule engine and its Alertmanager notifier.'),
          g.timeseries('Rule group evaluation duration', 'How long the latest evaluation of each rule group took (neo4j_agent_rule_group_last_duration_seconds).',
                       [g.target('max by (%s, rule_group) (neo4j_agent_rule_group_last_duration_seconds{%s})' % [perAgent, c.selAgent], '{{instance}} {{rule_group}}')],
                       's', w=8),
          g.timeseries('Rule evaluations and failures', 'Rule group evaluations and failed ones per second (neo4j_agent_rule_evaluations_total, neo4j_agent_rule_evaluation_failures_total). A failing rule keeps its previous alerts.',
                       [
                         g.target('sum by (%s, rule_group) (rate(neo4j_agent_rule_evaluations_total{%s}[%s]))' % [perAgent, c.selAgent, r], 'evaluations {{instance}} {{rule_group}}'),
                         g.target('sum by (%s, rule_group) (rate(neo4j_agent_rule_evaluation_failures_total{%s}[%s]))' % [perAgent, c.selAgent, r], 'failures {{instance}} {{rule_group}}'),
                       ],
                       'ops', w=8),
          g.timeseries('Alerts by state', 'Pending and firing alerts of each agent\'s rule engine, by alert (neo4j_agent_alerts). Empty while no alert is active.',
                       [g.target('count by (%s, alertname, alertstate) (neo4j_agent_alerts{%s})' % [perAgent, c.selAgent], '{{instance}} {{alertname}} {{alertstate}}')],
                       'none', decimals=0, w=8),
          g.timeseries('Notifications', 'Alerts per second accepted by each Alertmanager (sent), in failed attempts (errors) and given up (dropped) (neo4j_agent_notifications_*). Sent and errors exist only with Alertmanagers configured.',
                       [
                         g.target('sum by (%s, alertmanager) (rate(neo4j_agent_notifications_sent_total{%s}[%s]))' % [perAgent, c.selAgent, r], 'sent {{instance}} {{alertmanager}}'),
                         g.target('sum by (%s, alertmanager) (rate(neo4j_agent_notifications_errors_total{%s}[%s]))' % [perAgent, c.selAgent, r], 'errors {{instance}} {{alertmanager}}'),
                         g.target('sum by (%s) (rate(neo4j_agent_notifications_dropped_total{%s}[%s]))' % [perAgent, c.selAgent, r], 'dropped {{instance}}'),
                       ],
                       'ops', w=8),
          g.timeseries('Notification queue', 'Alerts waiting to be sent to Alertmanager, against the queue\'s capacity (dashed); when it is full the oldest are dropped.',
                       [
                         g.target('max by (%s) (neo4j_agent_notification_queue_length{%s})' % [perAgent, c.selAgent], 'queued {{instance}}'),
                         g.target('max by (%s) (neo4j_agent_notification_queue_capacity{%s})' % [perAgent, c.selAgent], 'capacity {{instance}}'),
                       ],
                       'none', w=8) + {
            fieldConfig+: { overrides: [g.seriesOverride('^capacity .*', { 'custom.lineStyle': { fill: 'dash', dash: [10, 10] } })] },
          },
          g.timeseries('Memory', 'Resident memory of each agent process (process_resident_memory_bytes) and the part held by the rule engine\'s sample history (neo4j_agent_rule_history_memory_bytes).',
                       [
                         g.target('max by (%s) (process_resident_memory_bytes{%s})' % [perAgent, c.selAgent], 'resident {{instance}}'),
                         g.target('max by (%s) (neo4j_agent_rule_history_memory_bytes{%s})' % [perAgent, c.selAgent], 'sample history {{instance}}'),
                       ],
                       'bytes', w=8),

          g.row('Builds', 'What runs where.'),
          g.table('Build info per agent', 'Version, revision and compiler of every agent (neo4j_agent_build_info), with its node (instance) and pod.',
                  [g.tableTarget('max by (%s, pod, version, revision, compiler) (neo4j_agent_build_info{%s})' % [perAgent, c.selAgent])],
                  w=24, h=6,
                  transformations=[g.organize(['Time', 'Value'], { [C]: 0, instance: 1, pod: 2, version: 3, revision: 4, compiler: 5 })]),
        ],
      ),
  },
}
