#include "config/cluster_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace nca::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::StartsWith;

std::string FixturePath(const std::string& name) {
  return std::string(NCA_FIXTURE_DIR) + "/manifests/" + name;
}

ClusterSpecDoc LoadFixture(const std::string& name) {
  Result<ClusterSpecDoc> r = LoadClusterSpecFile(FixturePath(name));
  if (!r.ok()) {
    ADD_FAILURE() << "loading " << name << ": " << r.error().message;
    return ClusterSpecDoc{};
  }
  return std::move(r).value();
}

std::string ErrorOf(const std::string& yaml) {
  Result<ClusterSpecDoc> r = ParseClusterSpec(yaml, "m.yaml");
  if (r.ok()) {
    ADD_FAILURE() << "expected an error for:\n" << yaml;
    return "";
  }
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
  return r.error().message;
}

// Header lines 1-5 of a valid manifest; `spec:` is on line 5.
constexpr char kHead[] =
    "apiVersion: neo4j.neo4j.com/v1alpha1\n"
    "kind: Neo4jEnterpriseCluster\n"
    "metadata:\n"
    "  name: c\n"
    "spec:\n";

// ---------------------------------------------------------------------------------------------
// The seed's manifests.

TEST(ClusterSpecSeedTest, PrimaryCluster) {
  ClusterSpecDoc d = LoadFixture("primary-cluster.yaml");
  EXPECT_EQ(d.source, FixturePath("primary-cluster.yaml"));
  EXPECT_EQ(d.api_version, "neo4j.neo4j.com/v1alpha1");
  EXPECT_EQ(d.name, "neo4j-primary");
  EXPECT_EQ(d.namespace_name, "neo4j");
  EXPECT_THAT(d.labels, IsEmpty());

  EXPECT_TRUE(d.multi_cluster.enabled);
  ASSERT_EQ(d.multi_cluster.clusters.size(), 2u);
  const SpecCluster& east = d.multi_cluster.clusters[0];
  EXPECT_EQ(east.name, "us-east-primary");
  EXPECT_EQ(east.region, "us-east-1");
  EXPECT_EQ(east.endpoint, "neo4j-primary.neo4j.svc.cluster.local:7687");
  EXPECT_EQ(east.node_allocation.primaries, 3);
  EXPECT_EQ(east.node_allocation.secondaries, 2);
  const SpecCluster& west = d.multi_cluster.clusters[1];
  EXPECT_EQ(west.name, "us-west-dr");
  EXPECT_EQ(west.region, "us-west-2");
  EXPECT_EQ(west.endpoint, "neo4j-dr.neo4j.svc.cluster.local:7687");
  EXPECT_EQ(west.node_allocation.primaries, 1);
  EXPECT_EQ(west.node_allocation.secondaries, 1);
  EXPECT_EQ(d.multi_cluster.primary_cluster, "us-east-primary");
  EXPECT_EQ(d.multi_cluster.strategy, "active-passive");
  EXPECT_THAT(d.warnings, IsEmpty());

  EXPECT_EQ(d.topology.primaries, 3);
  EXPECT_EQ(d.topology.secondaries, 2);
  EXPECT_TRUE(d.topology.enforce_distribution);
  EXPECT_THAT(d.topology.availability_zones, ElementsAre("us-east-1a", "us-east-1b", "us-east-1c"));
  ASSERT_TRUE(d.topology.placement.topology_spread.has_value());
  const TopologySpreadSpec& ts = *d.topology.placement.topology_spread;
  EXPECT_TRUE(ts.enabled);
  EXPECT_EQ(ts.topology_key, "topology.kubernetes.io/zone");
  EXPECT_EQ(ts.max_skew, 1);
  EXPECT_EQ(ts.when_unsatisfiable, "DoNotSchedule");
  EXPECT_EQ(ts.min_domains, 3);
  ASSERT_TRUE(d.topology.placement.anti_affinity.has_value());
  EXPECT_TRUE(d.topology.placement.anti_affinity->enabled);
  EXPECT_EQ(d.topology.placement.anti_affinity->type, "required");
  EXPECT_EQ(d.topology.placement.anti_affinity->topology_key, "topology.kubernetes.io/zone");
  EXPECT_THAT(d.topology.placement.node_selector,
              ElementsAre(Pair("kubernetes.io/arch", "amd64"), Pair("node-type", "database")));
  EXPECT_THAT(d.monitoring.metrics, IsEmpty());
  EXPECT_THAT(d.monitoring.alerts, IsEmpty());
  EXPECT_EQ(d.image_tag, "");
}

TEST(ClusterSpecSeedTest, DrClusterAcceptsUnlistedPrimaryWithWarning) {
  ClusterSpecDoc d = LoadFixture("dr-cluster.yaml");
  EXPECT_EQ(d.name, "neo4j-dr");
  EXPECT_EQ(d.namespace_name, "neo4j");
  EXPECT_TRUE(d.multi_cluster.enabled);
  ASSERT_EQ(d.multi_cluster.clusters.size(), 1u);
  EXPECT_EQ(d.multi_cluster.clusters[0].name, "us-west-dr");
  EXPECT_EQ(d.multi_cluster.clusters[0].region, "us-west-2");
  EXPECT_EQ(d.multi_cluster.clusters[0].node_allocation.primaries, 3);
  EXPECT_EQ(d.multi_cluster.clusters[0].node_allocation.secondaries, 2);
  EXPECT_EQ(d.multi_cluster.primary_cluster, "us-east-primary");
  EXPECT_EQ(d.multi_cluster.strategy, "active-passive");
  // The primary is described by another manifest: accepted, with a positioned warning.
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_THAT(d.warnings[0], StartsWith(FixturePath("dr-cluster.yaml") +
                                        ":22:23: "
                                        "spec.multiCluster.topology.primaryCluster: "));
  EXPECT_THAT(d.warnings[0], HasSubstr("\"us-east-primary\" is not one of the listed clusters "
                                       "(us-west-dr)"));

  EXPECT_EQ(d.topology.primaries, 3);
  EXPECT_EQ(d.topology.secondaries, 2);
  EXPECT_THAT(d.topology.availability_zones, ElementsAre("us-west-2a", "us-west-2b", "us-west-2c"));
  ASSERT_TRUE(d.topology.placement.topology_spread.has_value());
  EXPECT_EQ(d.topology.placement.topology_spread->max_skew, 1);
  EXPECT_EQ(d.topology.placement.topology_spread->min_domains, 3);
}

TEST(ClusterSpecSeedTest, BrokenProductionManifestNamesFileAndLine) {
  const std::string path = FixturePath("production-resilient-cluster.yaml");
  // The first line that cannot be parsed: the orphaned `threshold: 0.8` under `image.tag`.
  std::ifstream in(path);
  ASSERT_TRUE(in.good());
  std::string line;
  int bad_line = 0;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line == "      threshold: 0.8") {
      bad_line = n;
      break;
    }
  }
  ASSERT_GT(bad_line, 0);

  Result<ClusterSpecDoc> r = LoadClusterSpecFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_THAT(r.error().message, StartsWith(path + ":" + std::to_string(bad_line) + ":"));
  EXPECT_THAT(r.error().message, HasSubstr("invalid YAML"));
}

TEST(ClusterSpecSeedTest, RepairedProductionManifest) {
  ClusterSpecDoc d = LoadFixture("production-resilient-cluster-fixed.yaml");
  EXPECT_EQ(d.name, "neo4j-production");
  EXPECT_THAT(d.labels,
              ElementsAre(Pair("environment", "production"), Pair("resilience-tier", "maximum")));
  ASSERT_EQ(d.multi_cluster.clusters.size(), 3u);
  EXPECT_EQ(d.multi_cluster.clusters[0].name, "production-primary");
  EXPECT_EQ(d.multi_cluster.clusters[0].node_allocation.secondaries, 3);
  EXPECT_EQ(d.multi_cluster.clusters[1].name, "production-dr");
  EXPECT_EQ(d.multi_cluster.clusters[2].name, "production-backup");
  EXPECT_EQ(d.multi_cluster.clusters[2].region, "eu-west-1");
  EXPECT_EQ(d.multi_cluster.clusters[2].endpoint, "neo4j-backup.neo4j.svc.cluster.local:7687");
  EXPECT_EQ(d.multi_cluster.primary_cluster, "production-primary");
  EXPECT_THAT(d.warnings, IsEmpty());
  EXPECT_EQ(d.topology.secondaries, 3);
  EXPECT_EQ(d.image_tag, "5.15-enterprise");

  ASSERT_EQ(d.monitoring.metrics.size(), 2u);
  EXPECT_EQ(d.monitoring.metrics[0].name, "zone_distribution_health");
  EXPECT_EQ(d.monitoring.metrics[0].threshold, 0.8);
  EXPECT_EQ(d.monitoring.metrics[1].name, "cross_cluster_latency");
  EXPECT_EQ(d.monitoring.metrics[1].query, "neo4j_cross_cluster_latency_seconds");
  EXPECT_EQ(d.monitoring.metrics[1].threshold, 0.1);
  ASSERT_EQ(d.monitoring.alerts.size(), 2u);
  EXPECT_EQ(d.monitoring.alerts[0].name, "zone-imbalance");
  EXPECT_EQ(d.monitoring.alerts[0].condition, "zone_distribution_health < 0.8");
  EXPECT_EQ(d.monitoring.alerts[0].severity, "warning");
  EXPECT_EQ(d.monitoring.alerts[1].name, "cross-cluster-partition");
  EXPECT_EQ(d.monitoring.alerts[1].condition, "cross_cluster_latency > 1.0");
  EXPECT_EQ(d.monitoring.alerts[1].severity, "critical");
}

TEST(ClusterSpecSeedTest, ToClusterConfigsFromPrimaryManifest) {
  std::vector<ClusterConfig> cs = ToClusterConfigs(LoadFixture("primary-cluster.yaml"));
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[0].name, "us-east-primary");
  EXPECT_EQ(cs[0].region, "us-east-1");
  EXPECT_EQ(cs[0].expected.primaries, 3);
  EXPECT_EQ(cs[0].expected.secondaries, 2);
  EXPECT_THAT(cs[0].members, IsEmpty());
  EXPECT_EQ(cs[1].name, "us-west-dr");
  EXPECT_EQ(cs[1].region, "us-west-2");
  EXPECT_EQ(cs[1].expected.primaries, 1);
  EXPECT_EQ(cs[1].expected.secondaries, 1);
}

// ---------------------------------------------------------------------------------------------
// Inline documents.

TEST(ClusterSpecTest, MinimalManifestSingleClusterMapping) {
  Result<ClusterSpecDoc> r = ParseClusterSpec(std::string(kHead) +
                                                  "  topology:\n"
                                                  "    primaries: 5\n"
                                                  "    secondaries: 0\n",
                                              "m.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->multi_cluster.enabled);
  EXPECT_FALSE(r->topology.placement.topology_spread.has_value());
  std::vector<ClusterConfig> cs = ToClusterConfigs(*r);
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].name, "c");
  EXPECT_EQ(cs[0].region, "");
  EXPECT_EQ(cs[0].expected.primaries, 5);
  EXPECT_EQ(cs[0].expected.secondaries, 0);
}

TEST(ClusterSpecTest, UnknownFieldsAreIgnored) {
  Result<ClusterSpecDoc> r = ParseClusterSpec(std::string(kHead) +
                                                  "  somethingNew: {a: [1, 2]}\n"
                                                  "  topology:\n"
                                                  "    futureKnob: 7\n"
                                                  "    primaries: 3\n",
                                              "m.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->topology.primaries, 3);
}

TEST(ClusterSpecTest, PrimaryClusterAndStrategyDirectlyUnderMultiCluster) {
  Result<ClusterSpecDoc> r = ParseClusterSpec(std::string(kHead) +
                                                  "  multiCluster:\n"
                                                  "    enabled: true\n"
                                                  "    primaryCluster: a\n"
                                                  "    strategy: active-active\n"
                                                  "    topology:\n"
                                                  "      clusters:\n"
                                                  "      - name: a\n",
                                              "m.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->multi_cluster.primary_cluster, "a");
  EXPECT_EQ(r->multi_cluster.strategy, "active-active");
  EXPECT_THAT(r->warnings, IsEmpty());
}

struct ErrorCase {
  std::string name;
  std::string yaml;
  std::string prefix;  // expected start of the message
  std::string detail;  // expected substring
};

class ClusterSpecErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ClusterSpecErrorTest, ReportsPositionAndPath) {
  const ErrorCase& c = GetParam();
  std::string message = ErrorOf(c.yaml);
  EXPECT_THAT(message, StartsWith(c.prefix));
  EXPECT_THAT(message, HasSubstr(c.detail));
}

const std::string kHeadStr = kHead;

INSTANTIATE_TEST_SUITE_P(
    Cases, ClusterSpecErrorTest,
    ::testing::Values(
        ErrorCase{
            "MissingClusterName",
            kHeadStr + "  multiCluster:\n"    // 6
                       "    enabled: true\n"  // 7
                       "    topology:\n"      // 8
                       "      clusters:\n"    // 9
                       "      - name: a\n"    // 10
                       "      - region: r\n"  // 11
                       "        endpoint: e:7687\n",
            "m.yaml:11:9: spec.multiCluster.topology.clusters[1].name: ", "missing required field"},
        ErrorCase{"DuplicateClusterName",
                  kHeadStr + "  multiCluster:\n"
                             "    topology:\n"
                             "      clusters:\n"
                             "      - name: a\n"
                             "      - name: a\n",
                  "m.yaml:10:15: spec.multiCluster.topology.clusters[1].name: ",
                  "duplicate cluster name"},
        ErrorCase{"EnabledWithoutClusters",
                  kHeadStr + "  multiCluster:\n"
                             "    enabled: true\n",
                  "m.yaml:7:5: spec.multiCluster.topology.clusters: ", "missing required field"},
        ErrorCase{"BadAllocation",
                  kHeadStr + "  multiCluster:\n"
                             "    topology:\n"
                             "      clusters:\n"
                             "      - name: a\n"
                             "        nodeAllocation:\n"
                             "          primaries: three\n",
                  "m.yaml:11:22: spec.multiCluster.topology.clusters[0].nodeAllocation.primaries: ",
                  "want an integer, got \"three\""},
        ErrorCase{
            "InvalidPrimaryClusterName",
            kHeadStr + "  multiCluster:\n"
                       "    topology:\n"
                       "      clusters:\n"
                       "      - name: a\n"
                       "      primaryCluster: \"a b\"\n",
            "m.yaml:10:23: spec.multiCluster.topology.primaryCluster: ", "invalid cluster name"},
        ErrorCase{"MaxSkewZero",
                  kHeadStr + "  topology:\n"
                             "    placement:\n"
                             "      topologySpread:\n"
                             "        enabled: true\n"
                             "        topologyKey: topology.kubernetes.io/zone\n"
                             "        maxSkew: 0\n",
                  "m.yaml:11:18: spec.topology.placement.topologySpread.maxSkew: ",
                  "must be >= 1, got 0"},
        ErrorCase{"MaxSkewMissing",
                  kHeadStr + "  topology:\n"
                             "    placement:\n"
                             "      topologySpread:\n"
                             "        enabled: true\n"
                             "        topologyKey: topology.kubernetes.io/zone\n",
                  "m.yaml:9:9: spec.topology.placement.topologySpread.maxSkew: ",
                  "missing required field"},
        ErrorCase{"MinDomainsWithScheduleAnyway",
                  kHeadStr + "  topology:\n"
                             "    placement:\n"
                             "      topologySpread:\n"
                             "        enabled: true\n"
                             "        topologyKey: k\n"
                             "        maxSkew: 1\n"
                             "        whenUnsatisfiable: ScheduleAnyway\n"
                             "        minDomains: 3\n",
                  "m.yaml:13:21: spec.topology.placement.topologySpread.minDomains: ",
                  "only allowed with whenUnsatisfiable: DoNotSchedule"},
        ErrorCase{"BadWhenUnsatisfiable",
                  kHeadStr + "  topology:\n"
                             "    placement:\n"
                             "      topologySpread:\n"
                             "        whenUnsatisfiable: Sometimes\n",
                  "m.yaml:9:28: spec.topology.placement.topologySpread.whenUnsatisfiable: ",
                  "want DoNotSchedule or ScheduleAnyway"},
        ErrorCase{"BadAntiAffinityType",
                  kHeadStr + "  topology:\n"
                             "    placement:\n"
                             "      antiAffinity:\n"
                             "        type: maybe\n",
                  "m.yaml:9:15: spec.topology.placement.antiAffinity.type: ",
                  "want required or preferred"},
        ErrorCase{"DuplicateZone",
                  kHeadStr + "  topology:\n"
                             "    availabilityZones: [z1, z2, z1]\n",
                  "m.yaml:7:33: spec.topology.availabilityZones[2]: ", "duplicate zone \"z1\""},
        ErrorCase{"ZeroPrimaries",
                  kHeadStr + "  topology:\n"
                             "    primaries: 0\n",
                  "m.yaml:7:16: spec.topology.primaries: ", "must be >= 1"},
        ErrorCase{"TopologyNotAMapping", kHeadStr + "  topology: [1]\n",
                  "m.yaml:6:13: spec.topology: ", "want a mapping, got a list"},
        ErrorCase{"MetricWithoutQuery",
                  kHeadStr + "  monitoring:\n"
                             "    metrics:\n"
                             "    - name: m\n"
                             "      threshold: 0.5\n",
                  "m.yaml:8:7: spec.monitoring.metrics[0].query: ", "missing required field"},
        ErrorCase{"AlertWithoutCondition",
                  kHeadStr + "  monitoring:\n"
                             "    alerts:\n"
                             "    - name: a\n",
                  "m.yaml:8:7: spec.monitoring.alerts[0].condition: ", "missing required field"},
        ErrorCase{"BadThreshold",
                  kHeadStr + "  monitoring:\n"
                             "    metrics:\n"
                             "    - name: m\n"
                             "      query: q\n"
                             "      threshold: high\n",
                  "m.yaml:10:18: spec.monitoring.metrics[0].threshold: ", "want a number"},
        ErrorCase{"WrongKind",
                  "apiVersion: neo4j.neo4j.com/v1alpha1\nkind: Deployment\nmetadata: {name: c}\n"
                  "spec: {}\n",
                  "m.yaml:2:7: kind: ", "want Neo4jEnterpriseCluster, got \"Deployment\""},
        ErrorCase{"MissingKind",
                  "apiVersion: neo4j.neo4j.com/v1alpha1\nmetadata: {name: c}\nspec: {}\n",
                  "m.yaml:1:1: kind: ", "missing required field"},
        ErrorCase{"WrongApiGroup",
                  "apiVersion: apps/v1\nkind: Neo4jEnterpriseCluster\nmetadata: {name: c}\n"
                  "spec: {}\n",
                  "m.yaml:1:13: apiVersion: ", "want neo4j.neo4j.com/<version>, got \"apps/v1\""},
        ErrorCase{"ApiGroupWithoutVersion",
                  "apiVersion: neo4j.neo4j.com/\nkind: Neo4jEnterpriseCluster\n"
                  "metadata: {name: c}\nspec: {}\n",
                  "m.yaml:1:13: apiVersion: ", "want neo4j.neo4j.com/<version>"},
        ErrorCase{"MissingMetadataName",
                  "apiVersion: neo4j.neo4j.com/v1\nkind: Neo4jEnterpriseCluster\n"
                  "metadata:\n  namespace: n\nspec: {}\n",
                  "m.yaml:4:3: metadata.name: ", "missing required field"},
        ErrorCase{"MissingSpec",
                  "apiVersion: neo4j.neo4j.com/v1\nkind: Neo4jEnterpriseCluster\n"
                  "metadata: {name: c}\n",
                  "m.yaml:1:1: spec: ", "missing required field"},
        ErrorCase{"NotAMapping", "- a\n- b\n", "m.yaml:1:1: ", "want a mapping, got a list"},
        ErrorCase{"Empty", "", "m.yaml: ", "empty document"},
        ErrorCase{"TwoDocuments", kHeadStr + "  topology: {}\n---\nkind: x\n",
                  "m.yaml:8:1: ", "multiple YAML documents"},
        ErrorCase{"BrokenYaml", kHeadStr + "  topology:\n    primaries: 3\n      bad: 1\n",
                  "m.yaml:8:", "invalid YAML"}),
    [](const ::testing::TestParamInfo<ErrorCase>& param_info) { return param_info.param.name; });

TEST(ClusterSpecTest, MissingFileNamesFile) {
  Result<ClusterSpecDoc> r = LoadClusterSpecFile(FixturePath("does-not-exist.yaml"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, StartsWith(FixturePath("does-not-exist.yaml") + ": "));
  EXPECT_THAT(r.error().message, HasSubstr("No such file"));
}

// yaml-cpp 0.7's LoadAll looped forever on a token no node starts with (found by tests/fuzz,
// cluster_spec target).
TEST(ClusterSpecTest, StrayTokenIsAnErrorNotAHang) {
  EXPECT_EQ(ErrorOf(",z{"),
            "m.yaml:1:1: invalid YAML: unexpected token (no YAML node starts here)");
}

}  // namespace
}  // namespace nca::config
