// What users of the mixin change. Override with, e.g.:
//   jsonnet -J mixin -m out -e '((import "mixin/mixin.libsonnet") + {
//     _config+:: { agentSelector: "job=\"my-agents\"", clusterLabel: "k8s_cluster" } }).grafanaDashboards'
{
  _config+:: {
    // PromQL matchers selecting the agent's targets. Matches job="neo4j-cluster-agent" (the
    // job of deploy/daemonset/prometheus-scrape-config.yaml, and of the PodMonitor, whose
    // jobLabel is the pods' app.kubernetes.io/name), the operator's default job
    // "<namespace>/neo4j-cluster-agent" when jobLabel is dropped, and per-cluster job names such
    // as "neo4j-cluster-agent-primary".
    agentSelector: 'job=~".*neo4j-cluster-agent.*"',

    // The Prometheus target label that tells Kubernetes clusters apart (the seed's multi-cluster
    // scrape configuration adds `cluster`). The agent never exports it itself.
    clusterLabel: 'cluster',

    // Alerts of the shipped rules, for the "firing alerts" annotation on Prometheus' ALERTS.
    alertSelector: 'alertname=~"Neo4j.*"',

    // One tag for the whole kit; the dashboards' dropdown link lists the dashboards with it.
    dashboardTags: ['neo4j'],
    dashboardRefresh: '30s',
    dashboardTimezone: 'utc',
    dashboardTime: { from: 'now-1h', to: 'now' },
    dashboardTitlePrefix: 'Neo4j / ',
    // uid = prefix + a fixed suffix (cluster-overview, raft-replication, zones-placement,
    // cross-cluster, database-internals, cluster-agent). Never change it on a running Grafana:
    // links and bookmarks use it.
    dashboardUidPrefix: 'neo4j-',
    // Folder for provisioning tools that read it (grafana-operator, kube-prometheus-stack's
    // sidecar with the grafana_folder annotation); not part of the dashboard JSON.
    grafanaDashboardFolder: 'Neo4j',

    // The rate window of every rate()/increase() in the panels.
    rateInterval: '$__rate_interval',
  },
}
