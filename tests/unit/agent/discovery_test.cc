// Node-local discovery (kube/discovery.h) and the member directory that publishes what it finds.
#include "kube/discovery.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "agent/agent.h"
#include "agent/member_directory.h"
#include "common/clock.h"
#include "config/cluster_spec.h"
#include "neo4j/http_engine.h"
#include "sim/kube_api.h"

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
  EXPECT_EQ(r.members[0].convention, kube::LabelConvention::kOperator);
  EXPECT_TRUE(r.skipped.empty());
}

// Pods as the Neo4j Kubernetes operator labels its server pods.
kube::Pod OperatorPod(std::string name, const std::string& cluster) {
  kube::Pod p = MakePod(std::move(name), "");
  p.labels = {{"neo4j.com/cluster", cluster},
              {"neo4j.com/clustering", "true"},
              {"app.kubernetes.io/name", "neo4j"},
              {"app.kubernetes.io/instance", cluster},
              {"app.kubernetes.io/component", "database"}};
  return p;
}

// Pods as the Neo4j Helm chart labels them (5.x: clustering; 4.4: dbms.mode instead).
kube::Pod HelmPod(std::string name, const std::string& cluster, const std::string& mode = "") {
  kube::Pod p = MakePod(std::move(name), "");
  p.labels = {{"helm.neo4j.com/neo4j.name", cluster}, {"app", cluster}};
  if (mode.empty()) {
    p.labels["helm.neo4j.com/clustering"] = "true";
  } else {
    p.labels["helm.neo4j.com/dbms.mode"] = mode;
  }
  return p;
}

std::vector<std::string> SkipReasons(const kube::DiscoveryResult& r) {
  std::vector<std::string> out;
  for (const auto& s : r.skipped) {
    out.push_back(s.name + ": " + s.reason);
  }
  return out;
}

TEST(NodeDiscoveryTest, DefaultListsByFieldSelectorOnly) {
  config::KubernetesConfig k = Settings();
  EXPECT_FALSE(kube::UsesCustomConvention(k));
  EXPECT_EQ(kube::NodePodSelector(k), "");
  EXPECT_EQ(kube::NodeFieldSelector(k.node_name), "spec.nodeName=worker-1");
  EXPECT_EQ(kube::DescribeDiscovery(k),
            "Pods on node worker-1 labelled neo4j.com/cluster (Neo4j Kubernetes operator) or "
            "helm.neo4j.com/neo4j.name (Neo4j Helm chart), cluster from that label.");
}

TEST(NodeDiscoveryTest, OperatorPods) {
  kube::Pod backup = MakePod("graph-backup-0", "");
  backup.labels = {{"neo4j.com/cluster", "graph"},
                   {"neo4j.com/component", "backup"},
                   {"neo4j.com/instance", "graph"},
                   {"app.kubernetes.io/name", "neo4j"}};
  kube::Pod labelled_role = OperatorPod("graph-server-1", "graph");
  labelled_role.labels["neo4j.com/role"] = "secondary";
  kube::DiscoveryResult r = kube::DiscoverNodeMembers(
      {OperatorPod("graph-server-0", "graph"), labelled_role, backup}, Settings());
  ASSERT_EQ(r.members.size(), 2u);
  EXPECT_EQ(r.members[0].cluster, "graph");
  EXPECT_EQ(r.members[0].name, "graph-server-0");
  EXPECT_EQ(r.members[0].convention, kube::LabelConvention::kOperator);
  EXPECT_EQ(r.members[0].role, "");
  EXPECT_EQ(r.members[1].role, "secondary");
  // The operator's backup pod carries the cluster label but is no Neo4j server.
  EXPECT_THAT(SkipReasons(r),
              ElementsAre("graph-backup-0: not a Neo4j server (neo4j.com/component=backup)"));
}

TEST(NodeDiscoveryTest, HelmChartPods) {
  // 5.x: helm.neo4j.com/clustering, no role label.
  kube::DiscoveryResult v5 =
      kube::DiscoverNodeMembers({HelmPod("graph-eu-0", "graph-eu")}, Settings());
  ASSERT_EQ(v5.members.size(), 1u);
  EXPECT_EQ(v5.members[0].cluster, "graph-eu");
  EXPECT_EQ(v5.members[0].convention, kube::LabelConvention::kHelm);
  EXPECT_EQ(v5.members[0].role, "");
  EXPECT_EQ(v5.members[0].url, "http://10.0.0.5:7474");
  // 4.4: the role from helm.neo4j.com/dbms.mode.
  kube::DiscoveryResult v4 = kube::DiscoverNodeMembers(
      {HelmPod("legacy-core-0", "legacy", "CORE"), HelmPod("legacy-rr-0", "legacy", "READ_REPLICA"),
       HelmPod("single-0", "single", "SINGLE")},
      Settings());
  ASSERT_EQ(v4.members.size(), 3u);
  EXPECT_EQ(v4.members[0].name, "legacy-core-0");
  EXPECT_EQ(v4.members[0].role, "primary");
  EXPECT_EQ(v4.members[1].name, "legacy-rr-0");
  EXPECT_EQ(v4.members[1].role, "secondary");
  EXPECT_EQ(v4.members[2].role, "");
  EXPECT_EQ(v4.members[2].convention, kube::LabelConvention::kHelm);
}

TEST(NodeDiscoveryTest, PodsOfNeitherConventionAreSkippedWithAReason) {
  kube::Pod other = MakePod("postgres-0", "");
  other.labels = {{"app", "postgres"}, {"app.kubernetes.io/name", "neo4j"}};
  kube::Pod empty_value = HelmPod("blank", "");
  kube::DiscoveryResult r = kube::DiscoverNodeMembers({other, empty_value}, Settings());
  EXPECT_TRUE(r.members.empty());
  const std::string reason =
      ": no neo4j.com/cluster (Neo4j operator) or helm.neo4j.com/neo4j.name (Neo4j Helm chart) "
      "label";
  EXPECT_THAT(SkipReasons(r), ElementsAre("postgres-0" + reason, "blank" + reason));
}

TEST(NodeDiscoveryTest, CustomConventionIsUsedExactlyAsConfigured) {
  config::KubernetesConfig k = Settings();
  k.pod_selector = "team=graph";
  k.cluster_label = "example.com/neo4j-cluster";
  EXPECT_TRUE(kube::UsesCustomConvention(k));
  EXPECT_EQ(kube::NodePodSelector(k), "team=graph");
  kube::Pod custom = MakePod("g-0", "");
  custom.labels = {{"example.com/neo4j-cluster", "graph"}, {"neo4j.com/role", "primary"}};
  kube::DiscoveryResult r =
      kube::DiscoverNodeMembers({custom, OperatorPod("op-0", "op"), HelmPod("h-0", "h")}, k);
  ASSERT_EQ(r.members.size(), 1u);
  EXPECT_EQ(r.members[0].cluster, "graph");
  EXPECT_EQ(r.members[0].role, "primary");
  EXPECT_EQ(r.members[0].convention, kube::LabelConvention::kCustom);
  EXPECT_THAT(SkipReasons(r), ElementsAre("op-0: no example.com/neo4j-cluster label",
                                          "h-0: no example.com/neo4j-cluster label"));
  EXPECT_EQ(kube::DescribeDiscovery(k),
            "Pods on node worker-1 matching \"team=graph\", cluster from the label "
            "example.com/neo4j-cluster (custom convention).");

  // Only one of the two keys set: the other keeps the agent's former default.
  config::KubernetesConfig selector_only = Settings();
  selector_only.pod_selector = "team=graph";
  kube::DiscoveryResult operator_label =
      kube::DiscoverNodeMembers({OperatorPod("op-0", "op"), HelmPod("h-0", "h")}, selector_only);
  ASSERT_EQ(operator_label.members.size(), 1u);
  EXPECT_EQ(operator_label.members[0].convention, kube::LabelConvention::kCustom);
  config::KubernetesConfig label_only = Settings();
  label_only.cluster_label = "helm.neo4j.com/neo4j.name";
  EXPECT_EQ(kube::NodePodSelector(label_only), "app.kubernetes.io/name=neo4j");
}

TEST(NodeDiscoveryTest, CountsMembersByConventionAndCluster) {
  kube::DiscoveryResult r = kube::DiscoverNodeMembers(
      {OperatorPod("a-0", "a"), OperatorPod("a-1", "a"), HelmPod("b-0", "b")}, Settings());
  auto counts = kube::CountByConvention(r.members);
  using Key = std::pair<std::string, std::string>;
  EXPECT_EQ(counts, (std::map<Key, int>{{{"helm", "b"}, 1}, {{"operator", "a"}, 2}}));
  EXPECT_EQ(kube::ConventionName(kube::LabelConvention::kCustom), "custom");
}

// The zone-skew collector's selectors for a cluster's pods in its namespace.
TEST(ClusterPodSelectorsTest, FollowTheConventions) {
  config::ClusterConfig c;
  c.name = "graph";
  config::KubernetesConfig k;
  EXPECT_THAT(kube::ClusterPodSelectors(k, c),
              ElementsAre("neo4j.com/cluster=graph,neo4j.com/component!=backup",
                          "helm.neo4j.com/neo4j.name=graph"));
  config::KubernetesConfig custom;
  custom.cluster_label = "example.com/cluster";
  EXPECT_THAT(kube::ClusterPodSelectors(custom, c), ElementsAre("example.com/cluster=graph"));
  custom = {};
  custom.pod_selector = "team=graph";  // node-local selector only: the former default label
  EXPECT_THAT(kube::ClusterPodSelectors(custom, c), ElementsAre("neo4j.com/cluster=graph"));
  c.kubernetes.pod_selector = "app=graph";
  EXPECT_THAT(kube::ClusterPodSelectors(k, c), ElementsAre("app=graph"));
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
      {"dr", "dr-1", "http://10.0.0.7:7474", "", "neo4j", kube::LabelConvention::kOperator},
      {"east", "east-0-pod", "http://10.0.0.5:7474", "", "neo4j", kube::LabelConvention::kOperator},
      {"west", "west-0", "http://10.0.0.9:7474", "", "neo4j", kube::LabelConvention::kHelm},
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

// A member configured by its DNS name under the headless Service is the pod discovered on the
// node (first DNS label = pod name): monitored once, under the configured name.
TEST(MemberDirectoryTest, PodConfiguredByDnsNameIsMonitoredOnce) {
  RealClock clock;
  neo4j::HttpEngine engine(clock);
  config::ClusterConfig eu;
  eu.name = "graph-eu";
  eu.members.push_back(
      {"eu-a", "http://graph-eu-0.graph-eu-headless.neo4j.svc.cluster.local:7474", ""});
  MemberDirectory dir({eu}, {}, engine, clock);
  EXPECT_TRUE(dir.SetDiscovered({{"graph-eu", "graph-eu-0", "http://10.4.0.11:7474", "", "neo4j",
                                  kube::LabelConvention::kOperator},
                                 {"graph-eu", "graph-eu-1", "http://10.4.1.12:7474", "", "neo4j",
                                  kube::LabelConvention::kOperator}}));
  auto set = dir.Current();
  ASSERT_EQ(set->clusters.size(), 1u);
  std::vector<std::string> names;
  for (const neo4j::MemberApi* m : set->clusters[0].members) {
    names.push_back(m->Ref().name);
  }
  EXPECT_THAT(names, ElementsAre("eu-a", "graph-eu-1"));
}

// Peers (other servers of a cluster, for the quorum cross-check) are cached per cluster, name
// and URL, and carry the cluster's settings.
TEST(MemberDirectoryTest, PeersAreCachedClients) {
  RealClock clock;
  neo4j::HttpEngine engine(clock);
  config::ClusterConfig eu;
  eu.name = "graph-eu";
  MemberDirectory dir({eu}, {}, engine, clock);
  auto a = dir.Peer(eu, "graph-eu-2", "http://10.4.2.13:7474");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->Ref().cluster, "graph-eu");
  EXPECT_EQ(a->Ref().name, "graph-eu-2");
  EXPECT_EQ(a->Ref().url, "http://10.4.2.13:7474");
  EXPECT_EQ(dir.Peer(eu, "graph-eu-2", "http://10.4.2.13:7474"), a);
  EXPECT_NE(dir.Peer(eu, "graph-eu-2", "http://10.4.2.99:7474"), a);
  EXPECT_TRUE(dir.Members().empty()) << "peers are not monitored members";
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
