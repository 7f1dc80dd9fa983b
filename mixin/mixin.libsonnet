// neo4j-cluster-agent monitoring mixin (the layout of github.com/monitoring-mixins):
//   grafanaDashboards  { '<file>.json': dashboard }   rendered into dashboards/grafana/
//   prometheusAlerts   { groups: [...] }              the shipped rules/prometheus/neo4j-cluster.rules.yml
// Render: scripts/gen-dashboards.sh (see docs/dashboards.md for your own _config).
(import 'config.libsonnet')
+ (import 'dashboards/dashboards.libsonnet')
+ (import 'alerts/alerts.libsonnet')
