// The topology parts of the configuration: the file's placement / endpoint / kubernetes /
// cross_cluster keys, the --cluster-spec and --kubernetes.* flags, and merging manifests with
// configured clusters.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "config/cluster_spec.h"
#include "config/flags.h"
#include "config/loader.h"
#include "config/merge.h"

namespace nca::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Fixture(const std::string& name) {
  return std::string(NCA_FIXTURE_DIR) + "/manifests/" + name;
}

EnvLookup MapEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

Result<ParsedFlags> Flags(std::vector<std::string> args, const EnvLookup& env = MapEnv({})) {
  std::vector<const char*> argv = {"neo4j-cluster-agent"};
  for (const auto& a : args) {
    argv.push_back(a.c_str());
  }
  return ParseFlags(static_cast<int>(argv.size()), argv.data(), env);
}

const ClusterConfig* Find(const Config& c, const std::string& name) {
  for (const auto& cluster : c.clusters) {
    if (cluster.name == name) {
      return &cluster;
    }
  }
  return nullptr;
}

TEST(TopologyConfigTest, FileKeysAreParsed) {
  Result<Config> r = ParseConfig(
      "kubernetes:\n"
      "  mode: explicit\n"
      "  api_url: http://127.0.0.1:6443\n"
      "  node_name: node-1\n"
      "  pod_selector: app=neo4j\n"
      "  http_port: 7475\n"
      "  discovery_interval: 10s\n"
      "  cluster_resources: [neo4j/neo4j-primary]\n"
      "cross_cluster:\n"
      "  source: east\n"
      "  probe_timeout: 500ms\n"
      "  http_probe: false\n"
      "clusters:\n"
      "  - name: east\n"
      "    region: us-east-1\n"
      "    members: [{url: http://h:7474, zone: us-east-1a}]\n"
      "    placement:\n"
      "      availability_zones: [us-east-1a, us-east-1b, us-east-1c]\n"
      "      max_skew: 2\n"
      "      min_domains: 3\n"
      "      anti_affinity: required\n"
      "      node_selector: {node-type: database}\n"
      "    kubernetes: {namespace: neo4j, pod_selector: 'neo4j.com/cluster=east'}\n"
      "  - name: dr\n"
      "    bolt_endpoint: neo4j-dr.example.com:7687\n"
      "    http_endpoint: http://neo4j-dr.example.com:7474\n",
      "t.yml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->kubernetes.mode, KubernetesConfig::Mode::kExplicit);
  EXPECT_EQ(r->kubernetes.node_name, "node-1");
  EXPECT_EQ(r->kubernetes.http_port, 7475);
  EXPECT_DOUBLE_EQ(r->kubernetes.discovery_interval.count(), 10.0);
  EXPECT_THAT(r->kubernetes.cluster_resources, ElementsAre("neo4j/neo4j-primary"));
  EXPECT_EQ(r->cross_cluster.source, "east");
  EXPECT_DOUBLE_EQ(r->cross_cluster.probe_timeout.count(), 0.5);
  EXPECT_FALSE(r->cross_cluster.http_probe);
  ASSERT_EQ(r->clusters.size(), 2u);
  const ClusterConfig& east = r->clusters[0];
  EXPECT_THAT(east.placement.availability_zones,
              ElementsAre("us-east-1a", "us-east-1b", "us-east-1c"));
  EXPECT_EQ(east.placement.max_skew, 2);
  EXPECT_EQ(east.placement.min_domains, 3);
  EXPECT_EQ(east.placement.anti_affinity, "required");
  EXPECT_EQ(east.placement.node_selector.at("node-type"), "database");
  EXPECT_EQ(east.kubernetes.namespace_name, "neo4j");
  EXPECT_EQ(east.members[0].zone, "us-east-1a");
  const ClusterConfig& dr = r->clusters[1];
  EXPECT_TRUE(dr.members.empty());
  EXPECT_EQ(dr.bolt_endpoint, "neo4j-dr.example.com:7687");
  EXPECT_EQ(dr.http_endpoint, "http://neo4j-dr.example.com:7474");
}

struct BadKey {
  const char* name;
  std::string yaml;
  std::string prefix;
  std::string contains;
};

class TopologyConfigErrorTest : public ::testing::TestWithParam<BadKey> {};

TEST_P(TopologyConfigErrorTest, NamesFileLineAndKey) {
  Result<Config> r = ParseConfig(GetParam().yaml, "t.yml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, StartsWith(GetParam().prefix));
  EXPECT_THAT(r.error().message, HasSubstr(GetParam().contains));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TopologyConfigErrorTest,
    ::testing::Values(
        BadKey{"BoltEndpointWithoutPort",
               "clusters:\n  - name: a\n    bolt_endpoint: dr.example.com\n",
               "t.yml:3:20: clusters[0].bolt_endpoint: ", "missing port"},
        BadKey{"BoltEndpointWithScheme",
               "clusters:\n  - name: a\n    bolt_endpoint: bolt://dr:7687\n",
               "t.yml:3:20: clusters[0].bolt_endpoint: ", "no scheme"},
        BadKey{"EmptyMembersList", "clusters:\n  - name: a\n    members: []\n",
               "t.yml:3:14: clusters[0].members: ", "empty"},
        BadKey{"MaxSkewZero", "clusters:\n  - name: a\n    placement:\n      max_skew: 0\n",
               "t.yml:4:17: clusters[0].placement.max_skew: ", "from 1"},
        BadKey{"MinDomainsWithScheduleAnyway",
               "clusters:\n  - name: a\n    placement:\n      min_domains: 2\n"
               "      when_unsatisfiable: ScheduleAnyway\n",
               "t.yml:4:20: clusters[0].placement.min_domains: ", "DoNotSchedule"},
        BadKey{"DuplicateZone",
               "clusters:\n  - name: a\n    placement:\n      availability_zones: [z1, z1]\n",
               "t.yml:4:32: clusters[0].placement.availability_zones[1]: ", "duplicate"},
        BadKey{"BadAntiAffinity",
               "clusters:\n  - name: a\n    placement:\n      anti_affinity: always\n",
               "t.yml:4:22: clusters[0].placement.anti_affinity: ", "required, preferred"},
        BadKey{"BadKubeMode", "kubernetes:\n  mode: sometimes\n",
               "t.yml:2:9: kubernetes.mode: ", "auto, off, in_cluster or explicit"},
        BadKey{"ExplicitWithoutUrl", "kubernetes:\n  mode: explicit\n",
               "t.yml:2:3: kubernetes.api_url: ", "missing"},
        BadKey{"BadResourceRef", "kubernetes:\n  cluster_resources: [just-a-name]\n",
               "t.yml:2:23: kubernetes.cluster_resources[0]: ", "namespace/name"},
        BadKey{"UnknownCrossClusterKey", "cross_cluster:\n  target: x\n",
               "t.yml:2:3: cross_cluster.target: ", "not found"}),
    [](const ::testing::TestParamInfo<BadKey>& p) { return std::string(p.param.name); });

TEST(TopologyConfigTest, ClusterSpecFlagAddsTheManifestsClusters) {
  Result<ParsedFlags> r = Flags({"--cluster-spec", Fixture("primary-cluster.yaml"),
                                 "--cluster-spec", Fixture("dr-cluster.yaml")});
  ASSERT_TRUE(r.ok()) << r.error().message;
  const ClusterConfig* east = Find(r->config, "us-east-primary");
  const ClusterConfig* dr = Find(r->config, "us-west-dr");
  ASSERT_NE(east, nullptr);
  ASSERT_NE(dr, nullptr);
  EXPECT_EQ(east->region, "us-east-1");
  EXPECT_EQ(east->bolt_endpoint, "neo4j-primary.neo4j.svc.cluster.local:7687");
  EXPECT_EQ(east->placement.availability_zones.size(), 3u);
  EXPECT_EQ(east->placement.min_domains, 3);
  EXPECT_EQ(east->placement.anti_affinity, "required");
  EXPECT_EQ(east->kubernetes.namespace_name, "neo4j");
  // The DR cluster's own manifest wins for its sizes (3 + 2), not the primary's view (1 + 1).
  EXPECT_EQ(dr->expected.primaries, 3);
  EXPECT_EQ(dr->expected.secondaries, 2);
  EXPECT_FALSE(dr->placement.availability_zones.empty());
  EXPECT_EQ(dr->placement.availability_zones.front().rfind("us-west-2", 0), 0u);
  EXPECT_EQ(dr->spec_sources.size(), 2u);
}

TEST(TopologyConfigTest, BrokenManifestNamesFileAndPosition) {
  Result<ParsedFlags> r = Flags({"--cluster-spec", Fixture("production-resilient-cluster.yaml")});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message,
              StartsWith("--cluster-spec: " + Fixture("production-resilient-cluster.yaml") + ":"));
}

TEST(TopologyConfigTest, MissingManifestFileIsAnError) {
  Result<ParsedFlags> r = Flags({"--cluster-spec", Fixture("does-not-exist.yaml")});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("does-not-exist.yaml"));
}

TEST(TopologyConfigTest, ManifestMergesWithConfiguredMembers) {
  Result<ParsedFlags> r = Flags({"--cluster", "us-east-primary=http://127.0.0.1:7474",
                                 "--cluster-spec", Fixture("primary-cluster.yaml")});
  ASSERT_TRUE(r.ok()) << r.error().message;
  const ClusterConfig* east = Find(r->config, "us-east-primary");
  ASSERT_NE(east, nullptr);
  ASSERT_EQ(east->members.size(), 1u);
  EXPECT_EQ(east->members[0].url, "http://127.0.0.1:7474");
  EXPECT_EQ(east->region, "us-east-1");
  EXPECT_EQ(east->placement.availability_zones.size(), 3u);
}

TEST(TopologyConfigTest, NodeNameComesFromTheEnvironmentUnlessFlagged) {
  Result<ParsedFlags> env = Flags(
      {"--cluster-spec", Fixture("dr-cluster.yaml"), "--kubernetes.api-url", "http://127.0.0.1:1"},
      MapEnv({{"NODE_NAME", "worker-3"}}));
  ASSERT_TRUE(env.ok()) << env.error().message;
  EXPECT_EQ(env->config.kubernetes.node_name, "worker-3");
  EXPECT_EQ(env->config.kubernetes.mode, KubernetesConfig::Mode::kExplicit);
  Result<ParsedFlags> flag =
      Flags({"--cluster-spec", Fixture("dr-cluster.yaml"), "--kubernetes.node-name", "worker-9"},
            MapEnv({{"NODE_NAME", "worker-3"}}));
  ASSERT_TRUE(flag.ok()) << flag.error().message;
  EXPECT_EQ(flag->config.kubernetes.node_name, "worker-9");
}

// In-cluster mode reads the service account's files from the kubelet's fixed path unless told
// otherwise; an empty directory is refused with the flag's name.
TEST(TopologyConfigTest, ServiceAccountDirDefaultsToTheKubeletsPath) {
  Result<ParsedFlags> dflt = Flags({"--cluster-spec", Fixture("dr-cluster.yaml")});
  ASSERT_TRUE(dflt.ok()) << dflt.error().message;
  EXPECT_EQ(dflt->config.kubernetes.service_account_dir,
            "/var/run/secrets/kubernetes.io/serviceaccount");
  Result<ParsedFlags> flag = Flags({"--cluster-spec", Fixture("dr-cluster.yaml"),
                                    "--kubernetes.service-account-dir", "/tmp/sa"});
  ASSERT_TRUE(flag.ok()) << flag.error().message;
  EXPECT_EQ(flag->config.kubernetes.service_account_dir, "/tmp/sa");
  Result<ParsedFlags> empty =
      Flags({"--cluster-spec", Fixture("dr-cluster.yaml"), "--kubernetes.service-account-dir="});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("kubernetes.service-account-dir"), std::string::npos)
      << empty.error().message;
}

TEST(TopologyConfigTest, ClusterWithNothingToMonitorIsRejected) {
  // A manifest cluster without members, endpoint or discovery: nothing to do for it.
  Result<ParsedFlags> r =
      Flags({"--cluster-spec", Fixture("production-resilient-cluster-fixed.yaml")});
  if (r.ok()) {
    // Every cluster of that manifest has an endpoint: then at least make sure they are probed.
    for (const auto& c : r->config.clusters) {
      EXPECT_FALSE(c.bolt_endpoint.empty()) << c.name;
    }
  }
  Config config;
  ClusterConfig lonely;
  lonely.name = "lonely";
  lonely.spec_sources = {"m.yaml"};
  config.clusters.push_back(lonely);
  Status st = ValidateMergedConfig(config);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("cluster \"lonely\" (described in m.yaml)"));
  config.kubernetes.node_name = "worker-1";
  EXPECT_TRUE(ValidateMergedConfig(config).ok());
}

TEST(TopologyConfigTest, UnknownCrossClusterSourceIsRejected) {
  Result<ParsedFlags> r =
      Flags({"--cluster", "a=http://127.0.0.1:7474", "--cross-cluster.source", "b"});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("no cluster named \"b\""));
}

TEST(TopologyConfigTest, ResourcesAloneDeferTheClusterCheck) {
  Result<ParsedFlags> r = Flags({"--kubernetes.api-url", "http://127.0.0.1:1",
                                 "--kubernetes.cluster-resource", "neo4j/neo4j-primary"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->config.clusters.empty());
  EXPECT_FALSE(Flags({"--kubernetes.cluster-resource", "no-slash"}).ok());
}

TEST(TopologyConfigTest, LocalClusterIndexRules) {
  Result<ClusterSpecDoc> primary = LoadClusterSpecFile(Fixture("primary-cluster.yaml"));
  ASSERT_TRUE(primary.ok()) << primary.error().message;
  // metadata.name neo4j-primary matches no entry; zones us-east-1a.. match region us-east-1.
  EXPECT_EQ(LocalClusterIndex(*primary), std::optional<std::size_t>(0));
  ClusterSpecDoc no_zones = *primary;
  no_zones.topology.availability_zones.clear();
  // Falls back to primaryCluster.
  EXPECT_EQ(LocalClusterIndex(no_zones), std::optional<std::size_t>(0));
  no_zones.multi_cluster.primary_cluster = "";
  EXPECT_EQ(LocalClusterIndex(no_zones), std::nullopt);
}

}  // namespace
}  // namespace nca::config
