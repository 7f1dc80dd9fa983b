// The six dashboards, keyed by their file name in dashboards/grafana/.
(import 'cluster-overview.libsonnet')
+ (import 'raft-replication.libsonnet')
+ (import 'zones-placement.libsonnet')
+ (import 'cross-cluster.libsonnet')
+ (import 'database-internals.libsonnet')
+ (import 'cluster-agent.libsonnet')
