// libFuzzer harness for Neo4jEnterpriseCluster manifests read as topology configuration
// (config::ParseClusterSpec, src/config/cluster_spec.h): --cluster-spec files, and the custom
// resources the agent reads from the Kubernetes API as JSON. An accepted manifest then goes
// through everything the agent derives from it: LocalClusterIndex, PlacementOf, ToClusterConfigs
// and the spec.monitoring alerts as rules (alerts::rules::MonitoringRules,
// src/alerts/rules/manifest_rules.h). Run with tests/fuzz/run-fuzzer.sh cluster_spec SECONDS.
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "alerts/promql/ast.h"
#include "alerts/promql/parser.h"
#include "alerts/rules/manifest_rules.h"
#include "alerts/templates/template.h"
#include "config/cluster_spec.h"
#include "config/loader.h"
#include "fuzz_check.h"

namespace {

using nca::ErrorKind;
using nca::fuzz::StartsWith;
using namespace nca::config;  // NOLINT(google-build-using-namespace): the parser under test
namespace promql = nca::alerts::promql;

const std::string kSource = "fuzz/manifest.yaml";

// ParseClusterSpec's catch-all for yaml-cpp exceptions after parsing ("Not expected").
bool FromUnexpectedYamlException(const std::string& message) {
  for (const char* what : {"yaml-cpp: ", "invalid node", "bad conversion", "bad dereference",
                           "operator[] call on a scalar", "appending to a non-sequence",
                           "inserting in a non-convertible-to-map", "key not found"}) {
    if (StartsWith(message, kSource + ": " + what)) return true;
  }
  return false;
}

// What cluster_spec.h promises of an accepted manifest.
void CheckDoc(const ClusterSpecDoc& doc) {
  FUZZ_CHECK(doc.source == kSource);
  FUZZ_CHECK(StartsWith(doc.api_version, "neo4j.neo4j.com/") &&
             doc.api_version.size() > std::string_view("neo4j.neo4j.com/").size());
  FUZZ_CHECK(!doc.name.empty());
  std::set<std::string> names;
  for (const SpecCluster& c : doc.multi_cluster.clusters) {
    FUZZ_CHECK(IsValidClusterName(c.name));
    FUZZ_CHECK(names.insert(c.name).second);
    FUZZ_CHECK(c.node_allocation.primaries.value_or(0) >= 0);
    FUZZ_CHECK(c.node_allocation.secondaries.value_or(0) >= 0);
  }
  FUZZ_CHECK(!doc.multi_cluster.enabled || !doc.multi_cluster.clusters.empty());
  if (!doc.multi_cluster.primary_cluster.empty()) {
    FUZZ_CHECK(IsValidClusterName(doc.multi_cluster.primary_cluster));
  }
  const TopologySpec& t = doc.topology;
  FUZZ_CHECK(t.primaries.value_or(1) >= 1);
  FUZZ_CHECK(t.secondaries.value_or(0) >= 0);
  std::set<std::string> zones;
  for (const std::string& z : t.availability_zones) {
    FUZZ_CHECK(!z.empty());
    FUZZ_CHECK(zones.insert(z).second);
  }
  if (const auto& ts = t.placement.topology_spread) {
    FUZZ_CHECK(ts->max_skew >= 1);
    FUZZ_CHECK(!ts->enabled || !ts->topology_key.empty());
    FUZZ_CHECK(ts->when_unsatisfiable == "DoNotSchedule" ||
               ts->when_unsatisfiable == "ScheduleAnyway");
    FUZZ_CHECK(!ts->min_domains ||
               (*ts->min_domains >= 1 && ts->when_unsatisfiable == "DoNotSchedule"));
  }
  if (const auto& aa = t.placement.anti_affinity) {
    FUZZ_CHECK(aa->type.empty() || aa->type == "required" || aa->type == "preferred");
  }
  for (const auto& m : doc.monitoring.metrics) FUZZ_CHECK(!m.name.empty() && !m.query.empty());
  for (const auto& a : doc.monitoring.alerts) FUZZ_CHECK(!a.name.empty() && !a.condition.empty());
  for (const std::string& w : doc.warnings) FUZZ_CHECK(StartsWith(w, kSource));
}

void CheckDerived(const ClusterSpecDoc& doc) {
  const auto local = LocalClusterIndex(doc);
  FUZZ_CHECK(!local || *local < doc.multi_cluster.clusters.size());
  const PlacementConfig p = PlacementOf(doc);
  FUZZ_CHECK(p.max_skew >= 1 && p.min_domains >= 1);
  FUZZ_CHECK(p.availability_zones == doc.topology.availability_zones);
  const auto clusters = ToClusterConfigs(doc);
  const std::size_t listed = doc.multi_cluster.clusters.size();
  FUZZ_CHECK(clusters.size() == (listed == 0 ? 1 : listed));
  for (const ClusterConfig& c : clusters) {
    FUZZ_CHECK(c.members.empty());
    FUZZ_CHECK(c.spec_sources.size() == 1 && c.spec_sources[0] == kSource);
  }
}

// The manifest's alerts as rules: one rule per alert, each a valid instant-vector or scalar
// expression printed canonically, with label and annotation templates a rule file could hold.
void CheckRules(const ClusterSpecDoc& doc) {
  const auto r = nca::alerts::rules::MonitoringRules(doc);
  if (!r.ok()) {
    FUZZ_CHECK(r.error().kind == ErrorKind::kInvalidArgument);
    FUZZ_CHECK_SHOW(StartsWith(r.error().message, kSource + ": spec.monitoring."),
                    r.error().message, "");
    return;
  }
  if (doc.monitoring.alerts.empty()) {
    FUZZ_CHECK(!r->has_value());
    return;
  }
  FUZZ_CHECK(r->has_value());
  const auto& group = **r;
  FUZZ_CHECK(group.rules.size() == doc.monitoring.alerts.size());
  for (std::size_t i = 0; i < group.rules.size(); ++i) {
    const auto& rule = group.rules[i];
    FUZZ_CHECK(rule.name == doc.monitoring.alerts[i].name);
    FUZZ_CHECK(rule.expr != nullptr);
    const auto type = rule.expr->Type();
    FUZZ_CHECK(type == promql::ValueType::kVector || type == promql::ValueType::kScalar);
    FUZZ_CHECK_SHOW(promql::Format(*rule.expr) == rule.expr_text, promql::Format(*rule.expr),
                    rule.expr_text);
    for (const auto* templates : {&rule.labels, &rule.annotations}) {
      for (const auto& [name, text] : *templates) {
        const auto checked = nca::alerts::templates::CheckAlertTemplate(rule.name, text);
        FUZZ_CHECK_SHOW(checked.ok(), text, checked.ok() ? "" : checked.error().message);
      }
    }
    // Manifest text is data, never template code: the summary and the labels expand to exactly
    // what the manifest says (manifest_rules.h).
    const auto& alert = doc.monitoring.alerts[i];
    const std::string manifest =
        (doc.namespace_name.empty() ? std::string("default") : doc.namespace_name) + "/" + doc.name;
    const nca::alerts::templates::AlertTemplateData data;
    const auto expand = [&](const std::map<std::string, std::string>& m, const std::string& key) {
      const auto it = m.find(key);
      FUZZ_CHECK(it != m.end());
      return nca::alerts::templates::ExpandAlertTemplate(rule.name, it->second, data);
    };
    const std::string summary =
        "Manifest " + manifest + " alert " + alert.name + ": " + alert.condition;
    FUZZ_CHECK_SHOW(expand(rule.annotations, "summary") == summary,
                    expand(rule.annotations, "summary"), summary);
    FUZZ_CHECK_SHOW(expand(rule.labels, "manifest") == manifest, expand(rule.labels, "manifest"),
                    manifest);
    if (!alert.severity.empty()) {
      FUZZ_CHECK_SHOW(expand(rule.labels, "severity") == alert.severity,
                      expand(rule.labels, "severity"), alert.severity);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = ParseClusterSpec(text, kSource);
  if (!r.ok()) {
    FUZZ_CHECK(r.error().kind == ErrorKind::kInvalidArgument);
    FUZZ_CHECK_SHOW(StartsWith(r.error().message, kSource), r.error().message, "");
    FUZZ_CHECK_SHOW(!FromUnexpectedYamlException(r.error().message), r.error().message, "");
    return 0;
  }
  CheckDoc(*r);
  CheckDerived(*r);
  CheckRules(*r);
  return 0;
}
