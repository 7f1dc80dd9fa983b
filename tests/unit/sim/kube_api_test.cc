// The emulated Kubernetes API: pure routing (selectors, pagination, Status errors) and the
// simulator's objects served over loopback HTTP, read back with the agent's parsers
// (kube::ParsePodList / ParseNodeList / ParseRawList).
#include "sim/kube_api.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/cluster_spec.h"
#include "kube/discovery.h"
#include "kube/objects.h"
#include "sim/manifests.h"
#include "sim/simulator.h"
#include "sim_test_client.h"

namespace nca::sim {
namespace {

using nlohmann::json;
using std::chrono::seconds;

KubeRequestRecord Get(const std::string& path, const std::string& query = "") {
  KubeRequestRecord r;
  r.method = "GET";
  r.path = path;
  r.query = query;
  r.params = net::ParseQuery(query);
  return r;
}

kube::Pod MakePod(const std::string& name, const std::string& ns, kube::Labels labels,
                  const std::string& node, const std::string& phase = "Running") {
  kube::Pod p;
  p.name = name;
  p.namespace_name = ns;
  p.labels = std::move(labels);
  p.node_name = node;
  p.phase = phase;
  return p;
}

std::vector<std::string> PodNames(const net::HttpResponse& r) {
  auto page = kube::ParsePodList(r.body);
  EXPECT_TRUE(page.ok()) << r.body;
  std::vector<std::string> names;
  if (page.ok()) {
    for (const auto& p : page->items) {
      names.push_back(p.name);
    }
  }
  return names;
}

TEST(SimKubeSelectorTest, ParsesEveryForm) {
  using Op = SelectorRequirement::Op;
  auto s = ParseLabelSelector("a=1, b==2,c!=3,d,!e");
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->size(), 5u);
  EXPECT_EQ((*s)[0].key, "a");
  EXPECT_EQ((*s)[0].op, Op::kEquals);
  EXPECT_EQ((*s)[0].value, "1");
  EXPECT_EQ((*s)[1].op, Op::kEquals);
  EXPECT_EQ((*s)[1].value, "2");
  EXPECT_EQ((*s)[2].op, Op::kNotEquals);
  EXPECT_EQ((*s)[3].op, Op::kExists);
  EXPECT_EQ((*s)[3].key, "d");
  EXPECT_EQ((*s)[4].op, Op::kNotExists);
  EXPECT_EQ((*s)[4].key, "e");
  EXPECT_TRUE(ParseLabelSelector("")->empty());
  EXPECT_FALSE(ParseLabelSelector("=x").ok());
  EXPECT_FALSE(ParseLabelSelector("a=1,,b=2").ok());
  EXPECT_FALSE(ParseFieldSelector("spec.nodeName").ok());  // no existence tests on fields

  const std::map<std::string, std::string> labels{{"a", "1"}, {"b", "2"}, {"c", "4"}, {"d", ""}};
  EXPECT_TRUE(SelectorMatches(*s, labels));
  EXPECT_FALSE(SelectorMatches(*ParseLabelSelector("a=2"), labels));
  EXPECT_FALSE(SelectorMatches(*ParseLabelSelector("c!=4"), labels));
  EXPECT_TRUE(SelectorMatches(*ParseLabelSelector("zz!=4"), labels));  // absent key
  EXPECT_FALSE(SelectorMatches(*ParseLabelSelector("zz"), labels));
  EXPECT_FALSE(SelectorMatches(*ParseLabelSelector("!a"), labels));
  EXPECT_EQ(net::PercentDecode("app%3Dneo4j%2Crole%21%3Dx+y%zz"), "app=neo4j,role!=x+y%zz");
  EXPECT_EQ(
      net::ParseQuery("limit=3&labelSelector=a%3Db&x"),
      (std::map<std::string, std::string>{{"limit", "3"}, {"labelSelector", "a=b"}, {"x", ""}}));
}

TEST(SimKubeServeTest, ListsFilterAndPaginate) {
  KubeObjects objects;
  objects.pods.push_back(
      {MakePod("b", "neo4j", {{"app", "neo4j"}, {"role", "primary"}}, "n1"), "i"});
  objects.pods.push_back(
      {MakePod("a", "neo4j", {{"app", "neo4j"}, {"role", "secondary"}}, "n2"), "i"});
  objects.pods.push_back({MakePod("c", "neo4j", {{"app", "neo4j"}}, "n1", "Pending"), "i"});
  objects.pods.push_back({MakePod("d", "other", {{"app", "neo4j"}}, "n1"), "i"});

  EXPECT_EQ(PodNames(ServeKubeRequest(objects, Get("/api/v1/pods"))),
            (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(PodNames(ServeKubeRequest(objects, Get("/api/v1/namespaces/neo4j/pods"))),
            (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(
      PodNames(ServeKubeRequest(objects, Get("/api/v1/pods", "labelSelector=app%3Dneo4j%2Crole"))),
      (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(PodNames(ServeKubeRequest(objects, Get("/api/v1/pods", "labelSelector=!role"))),
            (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(PodNames(ServeKubeRequest(
                objects,
                Get("/api/v1/pods", "fieldSelector=spec.nodeName%3Dn1,status.phase!%3DPending"))),
            (std::vector<std::string>{"b", "d"}));
  EXPECT_EQ(PodNames(ServeKubeRequest(
                objects, Get("/api/v1/pods", "fieldSelector=metadata.namespace%3D%3Dother"))),
            (std::vector<std::string>{"d"}));

  // Pagination: limit 3 -> continue token -> the rest.
  auto first = ServeKubeRequest(objects, Get("/api/v1/pods", "limit=3"));
  auto page1 = kube::ParsePodList(first.body);
  ASSERT_TRUE(page1.ok());
  EXPECT_EQ(page1->items.size(), 3u);
  EXPECT_EQ(page1->continue_token, "offset-3");
  EXPECT_EQ(json::parse(first.body)["metadata"]["remainingItemCount"], 1);
  auto second = ServeKubeRequest(objects, Get("/api/v1/pods", "limit=3&continue=offset-3"));
  auto page2 = kube::ParsePodList(second.body);
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->items.size(), 1u);
  EXPECT_EQ(page2->items[0].name, "d");
  EXPECT_EQ(page2->continue_token, "");

  // Single objects and errors as Kubernetes Status bodies.
  auto one = ServeKubeRequest(objects, Get("/api/v1/namespaces/neo4j/pods/b"));
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(json::parse(one.body)["spec"]["nodeName"], "n1");
  auto missing = ServeKubeRequest(objects, Get("/api/v1/namespaces/other/pods/b"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(kube::StatusMessage(missing.body), "pods \"b\" not found");
  EXPECT_EQ(json::parse(missing.body)["reason"], "NotFound");
  EXPECT_EQ(ServeKubeRequest(objects, Get("/api/v1/services")).status, 404);
  EXPECT_EQ(ServeKubeRequest(objects, Get("/api/v1/pods", "fieldSelector=spec.foo%3D1")).status,
            400);
  EXPECT_EQ(ServeKubeRequest(objects, Get("/api/v1/pods", "limit=x")).status, 400);
  EXPECT_EQ(ServeKubeRequest(objects, Get("/api/v1/pods", "continue=bogus")).status, 400);
  KubeRequestRecord post = Get("/api/v1/pods");
  post.method = "POST";
  auto not_allowed = ServeKubeRequest(objects, post);
  EXPECT_EQ(not_allowed.status, 405);
  EXPECT_EQ(json::parse(not_allowed.body)["kind"], "Status");
}

TEST(SimKubeServeTest, CustomObjectsByNamespaceAndName) {
  KubeObjects objects;
  objects.custom.push_back({"g.io", "v1", "ns1", "things", "x",
                            R"({"kind":"Thing","metadata":{"name":"x","labels":{"k":"v"}}})"});
  objects.custom.push_back(
      {"g.io", "v1", "ns2", "things", "y", R"({"kind":"Thing","metadata":{"name":"y"}})"});
  auto all = ServeKubeRequest(objects, Get("/apis/g.io/v1/things"));
  ASSERT_EQ(all.status, 200);
  const json list = json::parse(all.body);
  EXPECT_EQ(list["kind"], "ThingList");
  EXPECT_EQ(list["apiVersion"], "g.io/v1");
  EXPECT_EQ(list["items"].size(), 2u);
  auto raw = kube::ParseRawList(
      ServeKubeRequest(objects, Get("/apis/g.io/v1/namespaces/ns1/things")).body);
  ASSERT_TRUE(raw.ok());
  ASSERT_EQ(raw->items.size(), 1u);
  EXPECT_NE(raw->items[0].find("\"x\""), std::string::npos);
  EXPECT_EQ(
      json::parse(
          ServeKubeRequest(objects, Get("/apis/g.io/v1/things", "labelSelector=k")).body)["items"]
          .size(),
      1u);
  EXPECT_EQ(ServeKubeRequest(objects, Get("/apis/g.io/v1/namespaces/ns2/things/y")).status, 200);
  auto missing = ServeKubeRequest(objects, Get("/apis/g.io/v1/namespaces/ns2/things/x"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(kube::StatusMessage(missing.body), "things.g.io \"x\" not found");
  // An empty namespace of a known resource is an empty list; an unknown resource is a 404.
  EXPECT_EQ(
      json::parse(
          ServeKubeRequest(objects, Get("/apis/g.io/v1/namespaces/ns3/things")).body)["items"],
      json::array());
  EXPECT_EQ(ServeKubeRequest(objects, Get("/apis/g.io/v2/things")).status, 404);
}

class SimKubeApiTest : public ::testing::Test {
 protected:
  void Boot(SimConfig config) {
    config.ticker = TickerMode::kOff;
    config.member_threads = 2;
    auto sim = Simulator::Create(std::move(config), clock_);
    ASSERT_TRUE(sim.ok()) << sim.error().message;
    sim_ = std::move(*sim);
    auto st = sim_->Start();
    ASSERT_TRUE(st.ok()) << st.error().message;
    ASSERT_FALSE(sim_->KubeUrl().empty());
  }
  void TearDown() override {
    if (sim_) {
      sim_->Stop();
    }
  }
  testing::Reply Fetch(const std::string& path_and_query) {
    return testing::Get(sim_->KubeUrl() + path_and_query);
  }
  std::vector<kube::Pod> Pods(const std::string& path_and_query) {
    auto r = Fetch(path_and_query);
    EXPECT_EQ(r.status, 200) << r.body;
    auto page = kube::ParsePodList(r.body);
    EXPECT_TRUE(page.ok()) << r.body;
    return page.ok() ? page->items : std::vector<kube::Pod>{};
  }
  std::vector<kube::Node> Nodes(const std::string& path_and_query) {
    auto r = Fetch(path_and_query);
    EXPECT_EQ(r.status, 200) << r.body;
    auto page = kube::ParseNodeList(r.body);
    EXPECT_TRUE(page.ok()) << r.body;
    return page.ok() ? page->items : std::vector<kube::Node>{};
  }
  const SimMember* Member(const SimState& s, const std::string& name) {
    for (const auto& c : s.clusters) {
      for (const auto& m : c.members) {
        if (m.spec.name == name) {
          return &m;
        }
      }
    }
    return nullptr;
  }
  void Apply(const std::string& text) {
    auto a = ParseFaultAction(json::parse(text));
    ASSERT_TRUE(a.ok()) << text;
    auto st = sim_->Apply(*a);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }

  ManualClock clock_;
  std::unique_ptr<Simulator> sim_;
};

// kubernetes_labels: helm -- the Neo4j Helm chart's pod labels (4.4: dbms.mode instead of
// clustering), found by the agent's node-local discovery without configuration.
TEST_F(SimKubeApiTest, HelmChartLabels) {
  auto config = ParseTopologyYaml(R"(
clusters:
  - name: graph
    version: 5.26.0
    kubernetes_labels: helm
    credentials: {password: p}
    members: [graph-1, graph-2, {name: graph-3, mode: secondary}]
  - name: legacy
    version: 4.4.26
    kubernetes_labels: helm
    credentials: {password: p}
    members: [legacy-1, legacy-2, {name: legacy-3, mode: read_replica}]
  - name: op
    credentials: {password: p}
    members: [op-1]
)");
  ASSERT_TRUE(config.ok()) << config.error().message;
  Boot(std::move(*config));
  const auto graph = Pods("/api/v1/pods?labelSelector=helm.neo4j.com%2Fneo4j.name%3Dgraph");
  ASSERT_EQ(graph.size(), 3u);
  for (const auto& p : graph) {
    EXPECT_EQ(p.labels, (kube::Labels{{"app", "graph"},
                                      {"helm.neo4j.com/neo4j.name", "graph"},
                                      {"helm.neo4j.com/clustering", "true"}}))
        << p.name;
  }
  const auto legacy = Pods("/api/v1/pods?labelSelector=app%3Dlegacy");
  ASSERT_EQ(legacy.size(), 3u);
  EXPECT_EQ(legacy[0].labels, (kube::Labels{{"app", "legacy"},
                                            {"helm.neo4j.com/neo4j.name", "legacy"},
                                            {"helm.neo4j.com/dbms.mode", "CORE"}}));
  EXPECT_EQ(legacy[2].labels.at("helm.neo4j.com/dbms.mode"), "READ_REPLICA");
  // No operator labels on Helm pods, and the operator cluster keeps its own.
  EXPECT_EQ(Pods("/api/v1/pods?labelSelector=neo4j.com%2Fcluster").size(), 1u);

  // Node-local discovery with the default settings sees both conventions.
  std::vector<kube::Pod> all = Pods("/api/v1/pods");
  config::KubernetesConfig settings;
  kube::DiscoveryResult found = kube::DiscoverNodeMembers(all, settings);
  ASSERT_EQ(found.members.size(), 7u);
  EXPECT_TRUE(found.skipped.empty());
  std::map<std::string, std::string> conventions;
  std::map<std::string, std::string> roles;
  for (const auto& m : found.members) {
    conventions[m.name] = std::string(kube::ConventionName(m.convention));
    roles[m.name] = m.role;
  }
  EXPECT_EQ(conventions.at("graph-1"), "helm");
  EXPECT_EQ(conventions.at("legacy-3"), "helm");
  EXPECT_EQ(conventions.at("op-1"), "operator");
  EXPECT_EQ(roles.at("graph-3"), "");  // the 5.x chart has no role label
  EXPECT_EQ(roles.at("legacy-1"), "primary");
  EXPECT_EQ(roles.at("legacy-3"), "secondary");
  EXPECT_EQ(roles.at("op-1"), "primary");
}

TEST_F(SimKubeApiTest, PodsAndNodesFollowTheSimulatedPlacement) {
  Boot(DefaultTopology());
  const SimState state = sim_->State();
  const auto pods =
      Pods("/api/v1/namespaces/neo4j/pods?labelSelector=app.kubernetes.io%2Fname%3Dneo4j");
  ASSERT_EQ(pods.size(), 13u);
  const auto nodes = Nodes("/api/v1/nodes");
  ASSERT_EQ(nodes.size(), 13u);  // one per member; every listed zone has a member
  std::map<std::string, kube::Node> by_name;
  for (const auto& n : nodes) {
    by_name[n.name] = n;
  }
  for (const auto& p : pods) {
    const SimMember* m = Member(state, p.name);
    ASSERT_NE(m, nullptr) << p.name;
    EXPECT_EQ(p.namespace_name, "neo4j");
    EXPECT_EQ(p.phase, "Running");
    EXPECT_EQ(p.pod_ip, "127.0.0.1");
    EXPECT_EQ(p.node_name, p.name + "-node");
    EXPECT_EQ(p.container_ports.at("http"), m->http_port);
    EXPECT_EQ(p.container_ports.at("bolt"), m->bolt_port);
    EXPECT_EQ(p.labels.at("neo4j.com/role"),
              m->spec.mode == MemberMode::kPrimary ? "primary" : "secondary");
    const std::string cluster = p.labels.at("neo4j.com/cluster");
    EXPECT_EQ(cluster, p.name.substr(0, p.name.rfind('-')));
    // The Neo4j Kubernetes operator's server pod labels.
    EXPECT_EQ(p.labels.at("neo4j.com/clustering"), "true");
    EXPECT_EQ(p.labels.at("app.kubernetes.io/instance"), cluster);
    EXPECT_EQ(p.labels.at("app.kubernetes.io/component"), "database");
    EXPECT_EQ(p.labels.count("helm.neo4j.com/neo4j.name"), 0u);
    const kube::Node& node = by_name.at(p.node_name);
    EXPECT_EQ(node.labels.at("topology.kubernetes.io/zone"), m->zone);
    EXPECT_EQ(node.labels.at("topology.kubernetes.io/region"), m->region);
    EXPECT_EQ(node.labels.at("kubernetes.io/hostname"), node.name);
    // Eligible under the seed manifests' nodeSelector.
    EXPECT_EQ(node.labels.at("node-type"), "database");
    EXPECT_EQ(node.labels.at("kubernetes.io/arch"), "amd64");
  }
  // The pod's http port really is the member.
  const auto& p0 = pods.front();
  auto discovery = testing::Get("http://" + p0.pod_ip + ":" +
                                std::to_string(p0.container_ports.at("http")) + "/");
  EXPECT_EQ(discovery.status, 200);
  EXPECT_NE(discovery.body.find(std::to_string(p0.container_ports.at("bolt"))), std::string::npos);

  // Selectors as the agent sends them.
  const auto primaries = Pods(
      "/api/v1/pods?labelSelector=neo4j.com%2Fcluster%3Dprod-east%2Cneo4j.com%2Frole%3Dprimary");
  EXPECT_EQ(primaries.size(), 3u);
  const auto on_node = Pods("/api/v1/pods?fieldSelector=spec.nodeName%3Dlegacy-44-2-node");
  ASSERT_EQ(on_node.size(), 1u);
  EXPECT_EQ(on_node[0].name, "legacy-44-2");
  EXPECT_EQ(Nodes("/api/v1/nodes?labelSelector=topology.kubernetes.io%2Fzone%3Dus-west-2a").size(),
            2u);

  // Paginated listing with the agent's parser, three pages of 5.
  std::vector<std::string> names;
  std::string token;
  int pages = 0;
  do {
    auto r = Fetch("/api/v1/pods?limit=5" + (token.empty() ? "" : "&continue=" + token));
    auto page = kube::ParsePodList(r.body);
    ASSERT_TRUE(page.ok()) << r.body;
    for (const auto& p : page->items) {
      names.push_back(p.name);
    }
    token = page->continue_token;
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names.size(), 13u);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 13u);
}

TEST_F(SimKubeApiTest, ZoneDownAndRescheduleShowInTheApi) {
  Boot(DefaultTopology());
  Apply(R"({"action":"zone_down","zone":"us-east-1a"})");
  auto r = Fetch("/api/v1/nodes/prod-east-1-node");
  ASSERT_EQ(r.status, 200) << r.body;
  const json node = json::parse(r.body);
  EXPECT_EQ(node["status"]["conditions"][0]["type"], "Ready");
  EXPECT_EQ(node["status"]["conditions"][0]["status"], "False");
  EXPECT_EQ(json::parse(
                Fetch("/api/v1/nodes/prod-east-2-node").body)["status"]["conditions"][0]["status"],
            "True");
  const auto unknown = Pods("/api/v1/pods?fieldSelector=status.phase%3DUnknown");
  std::set<std::string> names;
  for (const auto& p : unknown) {
    names.insert(p.name);
  }
  EXPECT_EQ(names, (std::set<std::string>{"prod-east-1", "prod-east-4"}));
  Apply(R"({"action":"zone_up","zone":"us-east-1a"})");
  EXPECT_TRUE(Pods("/api/v1/pods?fieldSelector=status.phase%3DUnknown").empty());

  Apply(R"({"action":"reschedule_member","member":"prod-east-2","zone":"us-east-1c"})");
  auto pod = json::parse(Fetch("/api/v1/namespaces/neo4j/pods/prod-east-2").body);
  EXPECT_EQ(pod["spec"]["nodeName"], "prod-east-2-node-us-east-1c");
  const auto moved =
      Nodes("/api/v1/nodes?fieldSelector=metadata.name%3Dprod-east-2-node-us-east-1c");
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].labels.at("topology.kubernetes.io/zone"), "us-east-1c");
  // The old node stays, empty.
  EXPECT_TRUE(Pods("/api/v1/pods?fieldSelector=spec.nodeName%3Dprod-east-2-node").empty());
  EXPECT_EQ(Nodes("/api/v1/nodes?fieldSelector=metadata.name%3Dprod-east-2-node").size(), 1u);
  // The member is back on its (same) port after the brief restart.
  const SimState s = sim_->State();
  EXPECT_EQ(testing::Get(sim_->MemberUrl("prod-east-2") + "/").status, 200);
  EXPECT_TRUE(Member(s, "prod-east-2")->up);
}

TEST_F(SimKubeApiTest, ManifestsAreCustomObjectsAndTheTokenIsChecked) {
  std::vector<config::ClusterSpecDoc> docs;
  for (const char* file : {"primary-cluster.yaml", "dr-cluster.yaml"}) {
    auto doc = config::LoadClusterSpecFile(std::string(NCA_FIXTURE_DIR) + "/manifests/" + file);
    ASSERT_TRUE(doc.ok()) << doc.error().message;
    docs.push_back(std::move(*doc));
  }
  auto config = SimConfigFromClusterSpecs(docs);
  ASSERT_TRUE(config.ok()) << config.error().message;
  config->kube_token = "sim-token";
  Boot(std::move(*config));
  EXPECT_EQ(Fetch("/api/v1/pods").status, 401);
  testing::Request req;
  req.url =
      sim_->KubeUrl() + "/apis/neo4j.neo4j.com/v1alpha1/namespaces/neo4j/neo4jenterpriseclusters";
  req.headers = {"Authorization: Bearer sim-token"};
  auto list = testing::Send(req);
  ASSERT_EQ(list.status, 200) << list.body;
  auto raw = kube::ParseRawList(list.body);
  ASSERT_TRUE(raw.ok());
  ASSERT_EQ(raw->items.size(), 2u);
  // Served back, each object is a manifest the manifest reader accepts.
  std::set<std::string> names;
  for (const auto& item : raw->items) {
    auto doc = config::ParseClusterSpec(item, "api");
    ASSERT_TRUE(doc.ok()) << doc.error().message;
    names.insert(doc->name);
  }
  EXPECT_EQ(names, (std::set<std::string>{"neo4j-dr", "neo4j-primary"}));
  // Injected failures.
  ASSERT_NE(sim_->kube_api(), nullptr);
  sim_->kube_api()->FailNext(503, 1, "apiserver is shutting down");
  req.url = sim_->KubeUrl() + "/api/v1/nodes";
  auto failed = testing::Send(req);
  EXPECT_EQ(failed.status, 503);
  EXPECT_EQ(kube::StatusMessage(failed.body), "apiserver is shutting down");
  auto nodes = testing::Send(req);
  ASSERT_EQ(nodes.status, 200);
  auto page = kube::ParseNodeList(nodes.body);
  ASSERT_TRUE(page.ok());
  // us-east-primary: 5 members; us-west-dr: 2 members (the first manifest's allocation) in
  // us-west-2a/b (dr-cluster.yaml's zones), plus a spare node in us-west-2c.
  EXPECT_EQ(page->items.size(), 8u);
  int spare = 0;
  for (const auto& n : page->items) {
    if (n.name == "us-west-dr-spare-us-west-2c") {
      ++spare;
      EXPECT_EQ(n.labels.at("topology.kubernetes.io/zone"), "us-west-2c");
      EXPECT_EQ(n.labels.at("topology.kubernetes.io/region"), "us-west-2");
    }
  }
  EXPECT_EQ(spare, 1);
}

// kube_api_down: the API server is gone (connection refused, as kubectl reports "The connection
// to the server ... was refused"); kube_api_up: back on the same port, serving the same model.
TEST_F(SimKubeApiTest, DownRefusesConnectionsUntilUpAgainOnTheSamePort) {
  constexpr int kCurlCouldntConnect = 7;
  Boot(testing::TestTopology());
  const std::string url = sim_->KubeUrl();
  ASSERT_EQ(Fetch("/api/v1/nodes").status, 200);
  Apply(R"({"action":"kube_api_down"})");
  testing::Reply refused = Fetch("/api/v1/nodes");
  EXPECT_EQ(refused.status, 0);
  EXPECT_EQ(refused.curl_code, kCurlCouldntConnect) << refused.error;
  EXPECT_EQ(sim_->KubeUrl(), url);  // the port is kept
  EXPECT_EQ(sim_->StateJson()["simulator"]["kube_api_up"], false);
  EXPECT_EQ(testing::Get(sim_->MemberUrl("v5-1") + "/").status, 200);  // Neo4j is unaffected
  // Idempotent.
  Apply(R"({"action":"kube_api_down"})");
  Apply(R"({"action":"kube_api_up"})");
  EXPECT_EQ(sim_->KubeUrl(), url);
  EXPECT_EQ(sim_->StateJson()["simulator"]["kube_api_up"], true);
  EXPECT_EQ(Nodes("/api/v1/nodes").size(), 12u);
  // reset brings it up too.
  Apply(R"({"action":"kube_api_down"})");
  Apply(R"({"action":"reset"})");
  EXPECT_EQ(Fetch("/api/v1/pods").status, 200);
}

// kube_token: the service-account token is rotated; the old one gets 401 with a Status body, the
// new one is served; reset restores the topology's token.
TEST_F(SimKubeApiTest, TokenRotation) {
  SimConfig config = testing::TestTopology();
  config.kube_token = "token-1";
  Boot(std::move(config));
  auto fetch = [&](const std::string& token) {
    testing::Request req;
    req.url = sim_->KubeUrl() + "/api/v1/nodes";
    if (!token.empty()) {
      req.headers = {"Authorization: Bearer " + token};
    }
    return testing::Send(req);
  };
  EXPECT_EQ(fetch("token-1").status, 200);
  EXPECT_EQ(fetch("").status, 401);
  Apply(R"({"action":"kube_token","token":"token-2"})");
  testing::Reply old = fetch("token-1");
  EXPECT_EQ(old.status, 401);
  EXPECT_EQ(json::parse(old.body)["reason"], "Unauthorized");
  EXPECT_EQ(json::parse(old.body)["kind"], "Status");
  EXPECT_EQ(fetch("token-2").status, 200);
  // Not in /state.
  EXPECT_EQ(sim_->StateJson().dump().find("token-2"), std::string::npos);
  Apply(R"({"action":"kube_token","token":""})");  // no token required
  EXPECT_EQ(fetch("").status, 200);
  Apply(R"({"action":"reset"})");
  EXPECT_EQ(fetch("token-2").status, 401);
  EXPECT_EQ(fetch("token-1").status, 200);
}

TEST_F(SimKubeApiTest, KubeFaultsNeedTheKubernetesApi) {
  SimConfig config = testing::TestTopology();
  config.kube_address = "";
  auto sim = Simulator::Create(std::move(config), clock_);
  ASSERT_TRUE(sim.ok());
  auto st = (*sim)->Apply(*ParseFaultAction(json::parse(R"({"action":"kube_api_down"})")));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("kube_address"), std::string::npos) << st.error().message;
}

TEST_F(SimKubeApiTest, CanBeSwitchedOff) {
  SimConfig config = testing::TestTopology();
  config.kube_address = "";
  auto sim = Simulator::Create(std::move(config), clock_);
  ASSERT_TRUE(sim.ok());
  ASSERT_TRUE((*sim)->Start().ok());
  EXPECT_EQ((*sim)->KubeUrl(), "");
  EXPECT_EQ((*sim)->kube_api(), nullptr);
  EXPECT_EQ((*sim)->StateJson()["simulator"]["kube_url"], "");
}

}  // namespace
}  // namespace nca::sim
