// The alerting rules stay single-source: the mixin's prometheusAlerts is the shipped rule file
// (rules/prometheus/neo4j-cluster.rules.yml, also the source of the PrometheusRule), parsed as it
// is. scripts/gen-dashboards.sh --check verifies that this parse equals a YAML library's parse.
local yaml = import '../lib/yaml.libsonnet';

{
  prometheusAlerts+:: yaml.parse(importstr '../../rules/prometheus/neo4j-cluster.rules.yml'),
}
