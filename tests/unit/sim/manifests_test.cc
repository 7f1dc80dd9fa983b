// Instantiating simulated clusters from the seed's Neo4jEnterpriseCluster manifests.
#include "sim/manifests.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/cluster_spec.h"

namespace nca::sim {
namespace {

std::string Fixture(const std::string& name) {
  return std::string(NCA_FIXTURE_DIR) + "/manifests/" + name;
}

config::ClusterSpecDoc Load(const std::string& name) {
  auto doc = config::LoadClusterSpecFile(Fixture(name));
  EXPECT_TRUE(doc.ok()) << (doc.ok() ? "" : doc.error().message);
  return doc.ok() ? *doc : config::ClusterSpecDoc{};
}

struct Shape {
  std::string name;
  std::string region;
  int primaries;
  int secondaries;
};

Shape ShapeOf(const ClusterSpec& c) {
  Shape s{c.name, c.region, 0, 0};
  for (const auto& m : c.members) {
    (m.mode == MemberMode::kPrimary ? s.primaries : s.secondaries)++;
  }
  return s;
}

void ExpectShape(const ClusterSpec& c, const Shape& want) {
  const Shape got = ShapeOf(c);
  EXPECT_EQ(got.name, want.name);
  EXPECT_EQ(got.region, want.region) << want.name;
  EXPECT_EQ(got.primaries, want.primaries) << want.name;
  EXPECT_EQ(got.secondaries, want.secondaries) << want.name;
}

TEST(SimManifestVersionTest, ImageTags) {
  EXPECT_EQ(VersionFromImageTag("5.15-enterprise"), "5.15.0");
  EXPECT_EQ(VersionFromImageTag("5.26.3-enterprise"), "5.26.3");
  EXPECT_EQ(VersionFromImageTag("5.26"), "5.26.0");
  EXPECT_EQ(VersionFromImageTag("4.4-enterprise"), "4.4.0");
  EXPECT_EQ(VersionFromImageTag("2025.10.1-enterprise"), "2025.10.1");
  EXPECT_EQ(VersionFromImageTag("2025.6"), "2025.06.0");
  EXPECT_FALSE(VersionFromImageTag("").has_value());
  EXPECT_FALSE(VersionFromImageTag("latest").has_value());
  EXPECT_FALSE(VersionFromImageTag("enterprise").has_value());
  EXPECT_FALSE(VersionFromImageTag("5").has_value());
  EXPECT_FALSE(VersionFromImageTag("5.x").has_value());
  EXPECT_FALSE(VersionFromImageTag("3.5.3").has_value());  // not simulated
}

TEST(SimManifestTest, ProductionManifestGivesThreeClusters) {
  auto config = SimConfigFromClusterSpecs({Load("production-resilient-cluster-fixed.yaml")});
  ASSERT_TRUE(config.ok()) << config.error().message;
  ASSERT_EQ(config->clusters.size(), 3u);
  ExpectShape(config->clusters[0], {"production-primary", "us-east-1", 3, 3});
  ExpectShape(config->clusters[1], {"production-dr", "us-west-2", 3, 2});
  ExpectShape(config->clusters[2], {"production-backup", "eu-west-1", 1, 1});
  const ClusterSpec& c = config->clusters[0];
  EXPECT_EQ(c.version, "5.15.0");  // image.tag 5.15-enterprise
  EXPECT_EQ(c.namespace_name, "neo4j");
  EXPECT_EQ(c.password, kDemoPassword);
  EXPECT_EQ(c.username, "neo4j");
  EXPECT_EQ(c.zones, (std::vector<std::string>{"us-east-1a", "us-east-1b", "us-east-1c"}));
  // Round-robin: primaries a, b, c, then secondaries a, b, c.
  std::vector<std::string> zones;
  std::vector<std::string> names;
  for (const auto& m : c.members) {
    zones.push_back(m.zone);
    names.push_back(m.name);
    EXPECT_EQ(m.region, "us-east-1");
  }
  EXPECT_EQ(zones, (std::vector<std::string>{"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1a",
                                             "us-east-1b", "us-east-1c"}));
  EXPECT_EQ(names.front(), "production-primary-1");
  EXPECT_EQ(names.back(), "production-primary-6");
  // spec.topology describes the cluster the manifest deploys (production-primary, the only
  // region prefixing its zones); the others run elsewhere, in zones the manifest does not give.
  EXPECT_TRUE(config->clusters[1].zones.empty());
  EXPECT_TRUE(config->clusters[2].zones.empty());
  EXPECT_EQ(config->clusters[1].members[0].zone, "");
  EXPECT_EQ(config->clusters[1].members[0].region, "us-west-2");
  ASSERT_EQ(config->manifests.size(), 1u);
  EXPECT_EQ(config->manifests[0].name, "neo4j-production");
  EXPECT_EQ(config->manifests[0].namespace_name, "neo4j");
  EXPECT_EQ(config->manifests[0].api_version, "neo4j.neo4j.com/v1alpha1");
}

TEST(SimManifestTest, BrokenProductionManifestFailsWithItsError) {
  auto doc = config::LoadClusterSpecFile(Fixture("production-resilient-cluster.yaml"));
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.error().message.find("invalid YAML"), std::string::npos) << doc.error().message;
  EXPECT_NE(doc.error().message.find("production-resilient-cluster.yaml:"), std::string::npos);
}

TEST(SimManifestTest, PrimaryAndDrManifestsMergeByNameFirstWins) {
  auto config = SimConfigFromClusterSpecs({Load("primary-cluster.yaml"), Load("dr-cluster.yaml")});
  ASSERT_TRUE(config.ok()) << config.error().message;
  ASSERT_EQ(config->clusters.size(), 2u);
  ExpectShape(config->clusters[0], {"us-east-primary", "us-east-1", 3, 2});
  // dr-cluster.yaml describes us-west-dr again (3 + 2): the first description (1 + 1) wins, but
  // where it runs comes from dr-cluster.yaml, the manifest that deploys it.
  ExpectShape(config->clusters[1], {"us-west-dr", "us-west-2", 1, 1});
  EXPECT_EQ(config->clusters[0].zones,
            (std::vector<std::string>{"us-east-1a", "us-east-1b", "us-east-1c"}));
  EXPECT_EQ(config->clusters[1].zones,
            (std::vector<std::string>{"us-west-2a", "us-west-2b", "us-west-2c"}));
  EXPECT_EQ(config->clusters[1].members[0].zone, "us-west-2a");
  EXPECT_EQ(config->clusters[1].members[1].zone, "us-west-2b");
  EXPECT_EQ(config->clusters[0].version, kDefaultManifestVersion);  // no image tag
  ASSERT_EQ(config->manifests.size(), 2u);
  EXPECT_EQ(config->manifests[1].name, "neo4j-dr");

  // The other order: the DR manifest's description wins, the primary adds us-east-primary.
  auto reversed =
      SimConfigFromClusterSpecs({Load("dr-cluster.yaml"), Load("primary-cluster.yaml")});
  ASSERT_TRUE(reversed.ok()) << reversed.error().message;
  ASSERT_EQ(reversed->clusters.size(), 2u);
  ExpectShape(reversed->clusters[0], {"us-west-dr", "us-west-2", 3, 2});
  EXPECT_EQ(reversed->clusters[0].zones,
            (std::vector<std::string>{"us-west-2a", "us-west-2b", "us-west-2c"}));
  ExpectShape(reversed->clusters[1], {"us-east-primary", "us-east-1", 3, 2});
  EXPECT_EQ(reversed->clusters[1].zones,
            (std::vector<std::string>{"us-east-1a", "us-east-1b", "us-east-1c"}));

  // Only the primary manifest: us-west-dr is described but deployed by no manifest.
  auto alone = SimConfigFromClusterSpecs({Load("primary-cluster.yaml")});
  ASSERT_TRUE(alone.ok()) << alone.error().message;
  EXPECT_TRUE(alone->clusters[1].zones.empty());
}

TEST(SimManifestTest, ManifestWithoutMultiClusterIsOneCluster) {
  auto doc = config::ParseClusterSpec(R"(
apiVersion: neo4j.neo4j.com/v1
kind: Neo4jEnterpriseCluster
metadata: {name: single, namespace: graphs}
spec:
  image: {tag: 2025.10.1-enterprise}
  topology:
    primaries: 3
    secondaries: 1
    availabilityZones: [z1, z2]
)",
                                      "single.yaml");
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  auto config = SimConfigFromClusterSpecs({*doc});
  ASSERT_TRUE(config.ok()) << config.error().message;
  ASSERT_EQ(config->clusters.size(), 1u);
  ExpectShape(config->clusters[0], {"single", "", 3, 1});
  EXPECT_EQ(config->clusters[0].version, "2025.10.1");
  EXPECT_EQ(config->clusters[0].namespace_name, "graphs");
  EXPECT_EQ(config->clusters[0].members[3].zone, "z2");  // p z1, z2, z1; s z2

  EXPECT_FALSE(SimConfigFromClusterSpecs({}).ok());
  auto none = config::ParseClusterSpec(R"(
apiVersion: neo4j.neo4j.com/v1
kind: Neo4jEnterpriseCluster
metadata: {name: empty}
spec:
  multiCluster:
    enabled: true
    topology:
      clusters:
        - {name: a, nodeAllocation: {primaries: 0, secondaries: 1}}
  topology: {primaries: 3}
)",
                                       "empty.yaml");
  ASSERT_TRUE(none.ok()) << none.error().message;
  auto invalid = SimConfigFromClusterSpecs({*none});
  ASSERT_FALSE(invalid.ok());
  EXPECT_NE(invalid.error().message.find("primary"), std::string::npos) << invalid.error().message;
}

TEST(SimManifestTest, JsonOfAManifestReadsBackTheSame) {
  for (const char* file :
       {"primary-cluster.yaml", "dr-cluster.yaml", "production-resilient-cluster-fixed.yaml"}) {
    const config::ClusterSpecDoc doc = Load(file);
    auto again = config::ParseClusterSpec(ClusterSpecDocJson(doc).dump(), "json");
    ASSERT_TRUE(again.ok()) << file << ": " << again.error().message;
    EXPECT_EQ(again->api_version, doc.api_version);
    EXPECT_EQ(again->name, doc.name);
    EXPECT_EQ(again->namespace_name, doc.namespace_name);
    EXPECT_EQ(again->labels, doc.labels);
    EXPECT_EQ(again->image_tag, doc.image_tag);
    ASSERT_EQ(again->multi_cluster.clusters.size(), doc.multi_cluster.clusters.size());
    for (std::size_t i = 0; i < doc.multi_cluster.clusters.size(); ++i) {
      const auto& a = again->multi_cluster.clusters[i];
      const auto& b = doc.multi_cluster.clusters[i];
      EXPECT_EQ(a.name, b.name);
      EXPECT_EQ(a.region, b.region);
      EXPECT_EQ(a.endpoint, b.endpoint);
      EXPECT_EQ(a.node_allocation.primaries, b.node_allocation.primaries);
      EXPECT_EQ(a.node_allocation.secondaries, b.node_allocation.secondaries);
    }
    EXPECT_EQ(again->multi_cluster.primary_cluster, doc.multi_cluster.primary_cluster);
    EXPECT_EQ(again->topology.primaries, doc.topology.primaries);
    EXPECT_EQ(again->topology.availability_zones, doc.topology.availability_zones);
    EXPECT_EQ(again->topology.placement.node_selector, doc.topology.placement.node_selector);
    ASSERT_EQ(again->topology.placement.topology_spread.has_value(),
              doc.topology.placement.topology_spread.has_value());
    if (doc.topology.placement.topology_spread) {
      EXPECT_EQ(again->topology.placement.topology_spread->min_domains,
                doc.topology.placement.topology_spread->min_domains);
      EXPECT_EQ(again->topology.placement.topology_spread->topology_key,
                doc.topology.placement.topology_spread->topology_key);
    }
    EXPECT_EQ(again->monitoring.metrics.size(), doc.monitoring.metrics.size());
    EXPECT_EQ(again->monitoring.alerts.size(), doc.monitoring.alerts.size());
  }
}

}  // namespace
}  // namespace nca::sim
