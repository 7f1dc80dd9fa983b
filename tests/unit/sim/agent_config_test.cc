// The agent configuration the simulator writes (--agent-config): regions, placement, link
// endpoints from the first cluster, the Kubernetes API and the cross-cluster source.
#include "sim/agent_config.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "config/loader.h"
#include "sim/simulator.h"

namespace nca::sim {
namespace {

class SimAgentConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SimConfig config = DefaultTopology();
    config.ticker = TickerMode::kOff;
    config.member_threads = 2;
    config.clusters[1].namespace_name = "legacy";
    auto sim = Simulator::Create(std::move(config), clock_);
    ASSERT_TRUE(sim.ok()) << sim.error().message;
    sim_ = std::move(*sim);
    ASSERT_TRUE(sim_->Start().ok());
  }
  void TearDown() override { sim_->Stop(); }

  ManualClock clock_;
  std::unique_ptr<Simulator> sim_;
};

TEST_F(SimAgentConfigTest, DescribesClustersLinksAndKubernetes) {
  const std::string text = AgentConfigYaml(sim_->State());
  YAML::Node root = YAML::Load(text);
  EXPECT_EQ(root["kubernetes"]["mode"].as<std::string>(), "explicit");
  EXPECT_EQ(root["kubernetes"]["api_url"].as<std::string>(), sim_->KubeUrl());
  EXPECT_EQ(root["cross_cluster"]["source"].as<std::string>(), "prod-east");
  const YAML::Node clusters = root["clusters"];
  ASSERT_TRUE(clusters.IsSequence());
  ASSERT_EQ(clusters.size(), 3u);

  const YAML::Node first = clusters[0];
  EXPECT_EQ(first["name"].as<std::string>(), "prod-east");
  EXPECT_EQ(first["region"].as<std::string>(), "us-east-1");
  EXPECT_EQ(first["placement"]["availability_zones"].as<std::vector<std::string>>(),
            (std::vector<std::string>{"us-east-1a", "us-east-1b", "us-east-1c"}));
  EXPECT_EQ(first["kubernetes"]["namespace"].as<std::string>(), "neo4j");
  EXPECT_FALSE(first["bolt_endpoint"]);  // the source cluster itself has no link
  EXPECT_FALSE(first["http_endpoint"]);
  ASSERT_EQ(first["members"].size(), 5u);
  EXPECT_EQ(first["members"][0]["name"].as<std::string>(), "prod-east-1");
  EXPECT_EQ(first["members"][0]["url"].as<std::string>(), sim_->MemberUrl("prod-east-1"));
  EXPECT_EQ(first["members"][3]["zone"].as<std::string>(), "us-east-1a");

  const YAML::Node legacy = clusters[1];
  EXPECT_EQ(legacy["region"].as<std::string>(), "eu-central-1");
  EXPECT_EQ(legacy["kubernetes"]["namespace"].as<std::string>(), "legacy");
  for (std::size_t i = 1; i < 3; ++i) {
    const std::string name = clusters[i]["name"].as<std::string>();
    auto link = sim_->LinkEndpoints("prod-east", name);
    ASSERT_TRUE(link.has_value()) << name;
    EXPECT_EQ(clusters[i]["bolt_endpoint"].as<std::string>(), link->bolt) << name;
    EXPECT_EQ(clusters[i]["http_endpoint"].as<std::string>(), link->http) << name;
  }
}

TEST_F(SimAgentConfigTest, TheAgentsLoaderAcceptsIt) {
  auto config = config::ParseConfig(AgentConfigYaml(sim_->State()), "agent.yml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->kubernetes.mode, config::KubernetesConfig::Mode::kExplicit);
  EXPECT_EQ(config->kubernetes.api_url, sim_->KubeUrl());
  EXPECT_EQ(config->cross_cluster.source, "prod-east");
  ASSERT_EQ(config->clusters.size(), 3u);
  const config::ClusterConfig& dr = config->clusters[2];
  EXPECT_EQ(dr.name, "dr-west");
  EXPECT_EQ(dr.region, "us-west-2");
  EXPECT_EQ(dr.placement.availability_zones,
            (std::vector<std::string>{"us-west-2a", "us-west-2b", "us-west-2c"}));
  EXPECT_EQ(dr.kubernetes.namespace_name, "neo4j");
  EXPECT_EQ(dr.bolt_endpoint, sim_->LinkEndpoints("prod-east", "dr-west")->bolt);
  EXPECT_EQ(dr.http_endpoint, sim_->LinkEndpoints("prod-east", "dr-west")->http);
  ASSERT_EQ(dr.members.size(), 4u);
  EXPECT_EQ(dr.members[3].zone, "us-west-2a");
  EXPECT_TRUE(config->clusters[0].bolt_endpoint.empty());
}

TEST_F(SimAgentConfigTest, AnotherSourceClusterGetsTheLinksFromThere) {
  YAML::Node root = YAML::Load(AgentConfigYaml(sim_->State(), "dr-west"));
  EXPECT_EQ(root["cross_cluster"]["source"].as<std::string>(), "dr-west");
  const YAML::Node clusters = root["clusters"];
  ASSERT_EQ(clusters.size(), 3u);
  EXPECT_FALSE(clusters[2]["bolt_endpoint"]);  // dr-west itself
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string name = clusters[i]["name"].as<std::string>();
    auto link = sim_->LinkEndpoints("dr-west", name);
    ASSERT_TRUE(link.has_value()) << name;
    EXPECT_EQ(clusters[i]["bolt_endpoint"].as<std::string>(), link->bolt) << name;
    EXPECT_EQ(clusters[i]["http_endpoint"].as<std::string>(), link->http) << name;
  }
  // An unknown name falls back to the first cluster.
  EXPECT_EQ(YAML::Load(AgentConfigYaml(sim_->State(), "nope"))["cross_cluster"]["source"]
                .as<std::string>(),
            "prod-east");
}

TEST(SimAgentConfigPureTest, NoKubernetesNoLinks) {
  SimState state;
  SimCluster c;
  c.spec.name = "only";
  c.spec.namespace_name = "ns";
  SimMember m;
  m.spec.name = "only-1";
  m.http_port = 7474;
  c.members.push_back(m);
  state.clusters.push_back(c);
  YAML::Node root = YAML::Load(AgentConfigYaml(state));
  EXPECT_FALSE(root["kubernetes"]);
  EXPECT_EQ(root["cross_cluster"]["source"].as<std::string>(), "only");
  EXPECT_FALSE(root["clusters"][0]["region"]);
  EXPECT_FALSE(root["clusters"][0]["placement"]);
  EXPECT_EQ(root["clusters"][0]["members"][0]["url"].as<std::string>(), "http://127.0.0.1:7474");
}

}  // namespace
}  // namespace nca::sim
