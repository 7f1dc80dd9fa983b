#include "alerts/rules/manifest_rules.h"

#include <gtest/gtest.h>

#include <string>

#include "alerts/promql/ast.h"
#include "alerts/promql/engine.h"
#include "alerts/promql/memory.h"
#include "alerts/templates/template.h"

namespace nca::alerts::rules {
namespace {

// The seed-004 manifest's monitoring section.
config::ClusterSpecDoc SeedDoc() {
  config::ClusterSpecDoc doc;
  doc.source = "manifests/prod.yaml";
  doc.name = "prod-east";
  doc.namespace_name = "neo4j";
  doc.monitoring.metrics = {{"zone_distribution_health", "neo4j_zone_distribution_health", 0.8},
                            {"cross_cluster_latency", "neo4j_cross_cluster_latency_seconds", 0.1}};
  doc.monitoring.alerts = {{"zone-imbalance", "zone_distribution_health < 0.8", "warning"},
                           {"cross-cluster-partition", "cross_cluster_latency > 1.0", "critical"}};
  return doc;
}

TEST(MonitoringRulesTest, TranslatesTheSeedManifest) {
  auto group = MonitoringRules(SeedDoc());
  ASSERT_TRUE(group.ok()) << group.error().message;
  ASSERT_TRUE(group->has_value());
  const GroupDef& g = **group;
  EXPECT_EQ(g.name, "manifest/neo4j/prod-east");
  EXPECT_EQ(g.file, "manifests/prod.yaml");
  ASSERT_EQ(g.rules.size(), 2u);
  EXPECT_EQ(g.rules[0].name, "zone-imbalance");
  EXPECT_EQ(g.rules[0].kind, RuleDef::Kind::kAlerting);
  EXPECT_EQ(promql::Format(*g.rules[0].expr), "(neo4j_zone_distribution_health) < 0.8");
  EXPECT_EQ(g.rules[0].labels.at("severity"), "warning");
  EXPECT_EQ(g.rules[0].labels.at("manifest"), "neo4j/prod-east");
  EXPECT_EQ(g.rules[0].for_ms, 0);
  EXPECT_EQ(promql::Format(*g.rules[1].expr), "(neo4j_cross_cluster_latency_seconds) > 1");
  EXPECT_EQ(g.rules[1].labels.at("severity"), "critical");
}

// The translated expression selects what the query selects.
TEST(MonitoringRulesTest, TranslatedConditionEvaluates) {
  auto group = MonitoringRules(SeedDoc());
  ASSERT_TRUE(group.ok());
  promql::MemoryQueryable data;
  data.Add(promql::Labels({{"__name__", "neo4j_zone_distribution_health"}, {"cluster", "a"}}), 0,
           0.75);
  data.Add(promql::Labels({{"__name__", "neo4j_zone_distribution_health"}, {"cluster", "b"}}), 0,
           1);
  promql::Engine engine(promql::EngineOptions{});
  auto v = engine.Instant(*(*group)->rules[0].expr, 0, data);
  ASSERT_TRUE(v.ok()) << v.error().message;
  const auto& vec = std::get<promql::Vector>(*v);
  ASSERT_EQ(vec.size(), 1u);
  EXPECT_EQ(vec[0].labels.Get("cluster"), "a");
}

TEST(MonitoringRulesTest, QueriesMayBeExpressionsAndOtherNamesStayMetrics) {
  config::ClusterSpecDoc doc = SeedDoc();
  doc.monitoring.metrics = {{"lag", "max by (cluster) (neo4j_replication_lag_transactions)", {}}};
  doc.monitoring.alerts = {{"lagging", "lag > 100 and on (cluster) neo4j_up == 1", ""}};
  auto group = MonitoringRules(doc);
  ASSERT_TRUE(group.ok()) << group.error().message;
  const RuleDef& r = (**group).rules[0];
  EXPECT_EQ(promql::Format(*r.expr),
            "(max by (cluster) (neo4j_replication_lag_transactions)) > 100 and on (cluster) "
            "neo4j_up == 1");
  EXPECT_EQ(r.labels.count("severity"), 0u);
}

TEST(MonitoringRulesTest, NoAlertsMeansNoGroup) {
  config::ClusterSpecDoc doc = SeedDoc();
  doc.monitoring.alerts.clear();
  auto group = MonitoringRules(doc);
  ASSERT_TRUE(group.ok());
  EXPECT_FALSE(group->has_value());
}

struct BadCase {
  std::string condition;
  std::string want;  // substring of the error
};

TEST(MonitoringRulesTest, BadConditionsNameTheManifestAndTheAlert) {
  const std::vector<BadCase> cases = {
      {"zone_distribution_health <", "parse error"},
      {"rate(zone_distribution_health[5m]) > 0", "cannot be used with a range [5m]"},
      {"zone_distribution_health{cluster=\"a\"} < 0.8", "cannot take label matchers"},
      {"zone_distribution_health offset 5m < 0.8", "cannot take label matchers or offset"},
      {"\"text\"", "instant vector or a scalar"},
  };
  for (const auto& c : cases) {
    config::ClusterSpecDoc doc = SeedDoc();
    doc.monitoring.alerts = {{"zone-imbalance", c.condition, "warning"}};
    auto group = MonitoringRules(doc);
    ASSERT_FALSE(group.ok()) << c.condition;
    const std::string& msg = group.error().message;
    EXPECT_NE(msg.find("manifests/prod.yaml: spec.monitoring.alerts[0] (zone-imbalance)"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find(c.want), std::string::npos) << c.condition << " -> " << msg;
  }
}

TEST(MonitoringRulesTest, BadQueriesAndDuplicatesAreErrors) {
  config::ClusterSpecDoc doc = SeedDoc();
  doc.monitoring.metrics.push_back({"zone_distribution_health", "up", {}});
  auto dup = MonitoringRules(doc);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("duplicate metric name \"zone_distribution_health\""),
            std::string::npos)
      << dup.error().message;

  doc = SeedDoc();
  doc.monitoring.metrics[0].query = "sum(";
  auto bad = MonitoringRules(doc);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(
      bad.error().message.find("spec.monitoring.metrics[0] (zone_distribution_health): query"),
      std::string::npos)
      << bad.error().message;
}

// Manifest text is data in the rules' templates: "{{" in a condition (inside a PromQL string),
// an alert name or a severity was template code, run on every expansion or breaking it (found by
// tests/fuzz, cluster_spec target).
TEST(MonitoringRulesTest, ManifestTextIsNotTemplateCode) {
  config::ClusterSpecDoc doc = SeedDoc();
  doc.monitoring.alerts = {{"x {{", R"(up{job="{{ $value }}"} == 0)", "{{ .Value }}"},
                           {"y", R"(up{job="{{"} == 0)", ""}};
  auto group = MonitoringRules(doc);
  ASSERT_TRUE(group.ok()) << group.error().message;
  ASSERT_TRUE(group->has_value());
  const GroupDef& g = **group;
  ASSERT_EQ(g.rules.size(), 2u);
  templates::AlertTemplateData data;
  data.value = 7;
  data.labels = {{"cluster", "c1"}};
  const RuleDef& x = g.rules[0];
  for (const auto* texts : {&x.labels, &x.annotations}) {
    for (const auto& [name, text] : *texts) {
      EXPECT_TRUE(templates::CheckAlertTemplate(x.name, text).ok()) << name << ": " << text;
    }
  }
  EXPECT_EQ(templates::ExpandAlertTemplate(x.name, x.annotations.at("summary"), data),
            R"(Manifest neo4j/prod-east alert x {{: up{job="{{ $value }}"} == 0)");
  EXPECT_EQ(templates::ExpandAlertTemplate(x.name, x.annotations.at("description"), data),
            R"(The condition "up{job="{{ $value }}"} == 0" of Neo4jEnterpriseCluster )"
            "neo4j/prod-east holds (value 7, cluster c1).");
  EXPECT_EQ(templates::ExpandAlertTemplate(x.name, x.labels.at("severity"), data), "{{ .Value }}");
  const RuleDef& y = g.rules[1];
  EXPECT_TRUE(templates::CheckAlertTemplate(y.name, y.annotations.at("summary")).ok());
  EXPECT_EQ(templates::ExpandAlertTemplate(y.name, y.annotations.at("summary"), data),
            R"(Manifest neo4j/prod-east alert y: up{job="{{"} == 0)");
  // Bytes of any kind come back as they were: quotes, backslashes, control characters, invalid
  // UTF-8 and non-printable characters (escaped as \uXXXX by Go's quoting, which the template
  // engine does not decode).
  config::ClusterSpecDoc bytes = SeedDoc();
  const std::string name = "n\x01{{\xef\x83\x83\xff\"\\\n";
  bytes.monitoring.alerts = {{name, "up == 0", ""}};
  auto odd = MonitoringRules(bytes);
  ASSERT_TRUE(odd.ok()) << odd.error().message;
  const RuleDef& z = (**odd).rules[0];
  EXPECT_TRUE(templates::CheckAlertTemplate(z.name, z.annotations.at("summary")).ok());
  EXPECT_EQ(templates::ExpandAlertTemplate(z.name, z.annotations.at("summary"), data),
            "Manifest neo4j/prod-east alert " + name + ": up == 0");
  // Text without "{{" is kept as written.
  auto seed = MonitoringRules(SeedDoc());
  ASSERT_TRUE(seed.ok());
  EXPECT_EQ((**seed).rules[0].annotations.at("summary"),
            "Manifest neo4j/prod-east alert zone-imbalance: zone_distribution_health < 0.8");
}

}  // namespace
}  // namespace nca::alerts::rules
