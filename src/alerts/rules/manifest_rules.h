// The `spec.monitoring` section of a Neo4jEnterpriseCluster manifest (seed 004) as Prometheus
// alerting rules, so the agent evaluates it with the same engine as the shipped rule files:
//
//   monitoring:
//     metrics:                       # name -> PromQL query
//     - name: zone_distribution_health
//       query: neo4j_zone_distribution_health
//     alerts:                        # condition over those names (or any PromQL)
//     - name: zone-imbalance
//       condition: "zone_distribution_health < 0.8"
//       severity: warning
//
// Each alert becomes an alerting rule named as written whose expression is the condition with
// every bare selector naming a manifest metric replaced by `(query)`; names that are not manifest
// metrics stay ordinary metric selectors. Labels: `severity` (when given) and
// `manifest="<namespace>/<name>"`; annotations: `summary` and a templated `description`. The
// manifest gives no `for`, so the rule fires on the first evaluation that matches. A metric's
// `threshold` is informational and not used.
//
// Pure: no I/O.
#pragma once

#include <optional>
#include <string>

#include "alerts/rules/rule_file.h"
#include "common/result.h"
#include "config/cluster_spec.h"

namespace nca::alerts::rules {

// One rule group for the manifest's alerts, named "manifest/<namespace>/<name>" with
// file = doc.source; nullopt when the manifest has no alerts. Errors (kInvalidArgument) name the
// source, the alert and the problem: a condition or query that is not valid PromQL, a manifest
// metric used with a range `[..]`, label matchers or `offset`, a condition that does not yield
// an instant vector or scalar, a duplicate metric name.
Result<std::optional<GroupDef>> MonitoringRules(const config::ClusterSpecDoc& doc);

}  // namespace nca::alerts::rules
