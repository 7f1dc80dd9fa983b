// Node-local discovery (kube/discovery.h) and the member directory that publishes what it finds.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "agent/agent.h"
#include "agent/member_directory.h"
#include "config/cluster_spec.h"
#include "sim/kube_api.h"
#include "common/clock.h"
#include "kube/discovery.h"
#include "neo4j/http_engine.h"

namespace nca::agent {
namespace {

using ::testing::ElementsAre;

// A YAML manifest as the JSON the API server would serve (scalars that read as integers become
// numbers, everything else strings).
nlohmann::json ToJson(const YAML::Node& node) {
  if (node.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& kv : node) {
      out[kv.first.Scalar()] = ToJson(kv.second);
    }
    return out;
  }
  if (node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : node) {
      out.push_back(ToJson(item));
    }
    return out;
  }
  if (node.IsNull()) {
    return nullptr;
  }
  int64_t i = 0;
  bool b = false;
  if (YAML::convert<int64_t>::decode(node, i)) {
    return i;
  }
  if (node.Tag() != "!" && YAML::convert<bool>::decode(node, b)) {
    return b;
  }
  return node.Scalar();
}

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(NCA_FIXTURE_DIR) + "/manifests/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

kube::Pod MakePod(std::string name, std::string cluster, std::string ip = "10.0.0.5") {
  kube::Pod p;
  p.name = std::move(name);
  p.namespace_name = "neo4j";
  p.node_name = "worker-1";
  p.phase = "Running";
  p.pod_ip = std::move(ip);
  if (!cluster.empty()) {
    p.labels["neo4j.com/cluster"] = std::move(cluster);
  }
  return p;
}

config::KubernetesConfig Settings() {
  config::KubernetesConfig k;
  k.node_name = "worker-1";
  return k;
}

TEST(NodeDiscoveryTest, BuildsMembersFromPods) {
  kube::Pod with_port = MakePod("east-0", "east");
  with_port.container_ports["http"] = 17474;
  with_port.labels["neo4j.com/role"] = "primary";
  kube::Pod v6 = MakePod("east-1", "east", "fd00::5");
  kube::DiscoveryResult r = kube::DiscoverNodeMembers({v6, with_port}, Settings());
  ASSERT_EQ(r.members.size(), 2u);
  EXPECT_EQ(r.members[0].name, "east-0");
  EXPECT_EQ(r.members[0].url, "http://10.0.0.5:17474");
  EXPECT_EQ(r.members[0].role, "primary");
  EXPECT_EQ(r.members[0].namespace_name, "neo4j");
  EXPECT_EQ(r.members[1].url, "http://[fd00::5]:7474");
  EXPECT_TRUE(r.skipped.empty());
}

TEST(NodeDiscoveryTest, SkipsPodsThatAreNotUsableMembers) {
  kube::Pod terminating = MakePod("t", "east");
  terminating.deletion_timestamp = "2026-11-22T10:00:00Z";
  kube::Pod no_ip = MakePod("noip", "east", "");
  kube::Pod failed = MakePod("failed", "east");
  failed.phase = "Failed";
  kube::Pod unlabelled = MakePod("nolabel", "");
  kube::Pod bad_name = MakePod("bad", "not a name");
  kube::Pod elsewhere = MakePod("elsewhere", "east");
  elsewhere.node_name = "worker-2";
  kube::DiscoveryResult r = kube::DiscoverNodeMembers(
      {terminating, no_ip, failed, unlabelled, bad_name, elsewhere}, Settings());
  EXPECT_TRUE(r.members.empty());
  std::vector<std::string> names;
  for (const auto& s : r.skipped) {
    names.push_back(s.name);
  }
  EXPECT_THAT(names, ElementsAre("t", "noip", "failed", "nolabel", "bad", "elsewhere"));
}

TEST(NodeDiscoveryTest, HttpsUsesTheHttpsPort) {
  config::KubernetesConfig k = Settings();
  k.http_scheme = "https";
  k.http_port = 7473;
  kube::Pod p = MakePod("east-0", "east");
  p.container_ports["http"] = 7474;
  kube::DiscoveryResult plain = kube::DiscoverNodeMembers({p}, k);
  ASSERT_EQ(plain.members.size(), 1u);
  EXPECT_EQ(plain.members[0].url, "https://10.0.0.5:7473");
  p.container_ports["https"] = 17473;
  EXPECT_EQ(kube::DiscoverNodeMembers({p}, k).members[0].url, "https://10.0.0.5:17473");
}

TEST(MemberDirectoryTest, PublishesConfiguredThenDiscoveredMembers) {
  RealClock clock;
  neo4j::HttpEngine engine(clock);
  config::ClusterConfig east;
  east.name = "east";
  east.members.push_back({"east-0", "http://10.0.0.5:7474", ""});
  config::ClusterConfig dr;
  dr.name = "dr";
  dr.bolt_endpoint = "dr.example.com:7687";
  config::ClusterDefaults defaults;
  defaults.credentials.password_env = "OTHER_PASSWORD";
  MemberDirectory dir({east, dr}, defaults, engine, clock);

  auto initial = dir.Current();
  ASSERT_EQ(initial->clusters.size(), 2u);
  EXPECT_EQ(initial->clusters[0].config->name, "east");
  EXPECT_EQ(initial->clusters[0].members.size(), 1u);
  neo4j::MemberApi* east0 = initial->clusters[0].members[0];

  // A duplicate of the configured member (same URL), a new one for dr, and an unknown cluster.
  std::vector<kube::DiscoveredMember> found = {
      {"dr", "dr-1", "http://10.0.0.7:7474", "", "neo4j"},
      {"east", "east-0-pod", "http://10.0.0.5:7474", "", "neo4j"},
      {"west", "west-0", "http://10.0.0.9:7474", "", "neo4j"},
  };
  EXPECT_TRUE(dir.SetDiscovered(found));
  EXPECT_FALSE(dir.SetDiscovered(found));  // unchanged
  auto now = dir.Current();
  std::vector<std::string> order;
  for (const auto& h : now->clusters) {
    order.push_back(h.config->name);
  }
  // Every cluster has a pod on this node (east's configured member is that pod, by URL):
  // configured ones in configuration order, then the one the configuration does not name.
  EXPECT_THAT(order, ElementsAre("east", "dr", "west"));
  // The configured member kept its client (same object) and the duplicate was not added.
  ASSERT_EQ(now->clusters[0].members.size(), 1u);
  EXPECT_EQ(now->clusters[0].members[0], east0);
  const auto& dr_handle = now->clusters[1];
  ASSERT_EQ(dr_handle.members.size(), 1u);
  EXPECT_EQ(dr_handle.members[0]->Ref().url, "http://10.0.0.7:7474");
  EXPECT_EQ(dr_handle.config->kubernetes.namespace_name, "neo4j");
  EXPECT_EQ(dr_handle.config->bolt_endpoint, "dr.example.com:7687");
  // A cluster only discovery names gets the default settings.
  EXPECT_EQ(now->clusters[2].config->credentials.password_env, "OTHER_PASSWORD");
  EXPECT_EQ(dir.Members().size(), 3u);

  // Only dr on this node: it comes first.
  EXPECT_TRUE(dir.SetDiscovered({found[0]}));
  auto dr_first = dir.Current();
  ASSERT_EQ(dr_first->clusters.size(), 2u);
  EXPECT_EQ(dr_first->clusters[0].config->name, "dr");
  EXPECT_EQ(dr_first->clusters[1].members[0], east0);

  // The old snapshot still works (its clients are kept alive) after the members leave.
  EXPECT_TRUE(dir.SetDiscovered({}));
  EXPECT_EQ(dir.Current()->clusters.size(), 2u);
  EXPECT_EQ(dir.Current()->clusters[1].members.size(), 0u);
  EXPECT_EQ(now->clusters[2].members[0]->Ref().name, "west-0");
}

}  // namespace
}  // namespace nca::agent

namespace nca::agent {
namespace {

// The Neo4jEnterpriseCluster custom resource read from the (emulated) Kubernetes API is merged
// like a --cluster-spec file; an unknown resource names itself in the error.
TEST(ClusterResourceTest, ReadsAndMergesTheCustomResource) {
  sim::KubeApi api;
  ASSERT_TRUE(api.Start().ok());
  std::string manifest = ReadFixture("primary-cluster.yaml");
  ASSERT_FALSE(manifest.empty());
  // The API serves JSON; the manifest reader takes YAML, of which JSON is a subset.
  Result<config::ClusterSpecDoc> doc = config::ParseClusterSpec(manifest, "fixture");
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  const std::string json = ToJson(YAML::Load(manifest)).dump();
  api.AddCustomObject("neo4j.neo4j.com", kClusterResourceVersion, "neo4j", kClusterResourcePlural,
                      "neo4j-primary", json);

  config::Config cfg;
  cfg.kubernetes.mode = config::KubernetesConfig::Mode::kExplicit;
  cfg.kubernetes.api_url = api.BaseUrl();
  cfg.kubernetes.cluster_resources = {"neo4j/neo4j-primary"};
  RealClock clock;
  std::vector<std::string> notes;
  AgentOptions options;
  Status st = LoadClusterResources(cfg, config::ClusterDefaults{}, options, clock,
                                   std::chrono::seconds(10), notes);
  ASSERT_TRUE(st.ok()) << st.error().message;
  // The parsed manifest is kept for the rules its spec.monitoring defines.
  ASSERT_EQ(options.cluster_resource_docs.size(), 1u);
  EXPECT_EQ(options.cluster_resource_docs[0].source, "k8s:neo4j/neo4j-primary");
  ASSERT_EQ(cfg.clusters.size(), 2u);
  EXPECT_EQ(cfg.clusters[0].name, "us-east-primary");
  EXPECT_EQ(cfg.clusters[0].bolt_endpoint, "neo4j-primary.neo4j.svc.cluster.local:7687");
  EXPECT_EQ(cfg.clusters[0].placement.min_domains, 3);
  EXPECT_EQ(cfg.clusters[0].spec_sources, std::vector<std::string>{"k8s:neo4j/neo4j-primary"});

  config::Config missing = cfg;
  missing.clusters.clear();
  missing.kubernetes.cluster_resources = {"neo4j/nope"};
  AgentOptions options2;
  Status err = LoadClusterResources(missing, config::ClusterDefaults{}, options2, clock,
                                    std::chrono::seconds(10), notes);
  ASSERT_FALSE(err.ok());
  EXPECT_NE(err.error().message.find("neo4j/nope"), std::string::npos) << err.error().message;
  api.Stop();
}

TEST(ClusterResourceTest, NeedsTheKubernetesApi) {
  config::Config cfg;
  cfg.kubernetes.mode = config::KubernetesConfig::Mode::kOff;
  cfg.kubernetes.cluster_resources = {"neo4j/neo4j-primary"};
  RealClock clock;
  std::vector<std::string> notes;
  AgentOptions options;
  Status st = LoadClusterResources(cfg, config::ClusterDefaults{}, options, clock,
                                   std::chrono::seconds(1), notes);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("Kubernetes API"), std::string::npos);
}

}  // namespace
}  // namespace nca::agent
