// ZoneSkewCollector against fake members and a fake Kubernetes view: the scheduler's arithmetic on
// Kubernetes nodes and pods (empty eligible zones, minDomains, terminating pods, nodes without
// the zone label, node selector), role sources (Neo4j status, remembered roles, pod labels), the
// zone-source preference and fallback (Kubernetes -> server tags -> static -> none), and the
// derived series (anti-affinity, zones without primary, quorum on zone loss, health).
#include "collectors/zone_skew_collector.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "collectors/registry.h"
#include "fake_member_api.h"

namespace nca::collectors {
namespace {

using fakes::Call;
using fakes::CountSamples;
using fakes::FakeCluster;
using fakes::FakeEnvironment;
using fakes::LabelMap;
using fakes::MakeServer;
using fakes::MakeStatus;
using fakes::Value;
using neo4j::Dialect;

constexpr char kZoneKey[] = "topology.kubernetes.io/zone";

// Thread-safe (the collector lists on a worker thread). Unset answers are kForbidden errors, as
// an API server answers a service account without RBAC.
class FakeKubeView final : public KubeView {
 public:
  void SetNodes(Result<std::vector<kube::Node>> r) {
    std::lock_guard lock(mu_);
    nodes_ = std::move(r);
  }
  void SetPods(Result<std::vector<kube::Pod>> r) {
    std::lock_guard lock(mu_);
    pods_ = std::move(r);
  }
  // The answer for one label selector (others get SetPods').
  void SetPodsFor(const std::string& selector, Result<std::vector<kube::Pod>> r) {
    std::lock_guard lock(mu_);
    pods_by_selector_.insert_or_assign(selector, std::move(r));
  }
  Result<std::vector<kube::Node>> Nodes(MonoTime) override {
    std::lock_guard lock(mu_);
    ++node_calls_;
    return nodes_;
  }
  Result<std::vector<kube::Pod>> Pods(const std::string& namespace_name,
                                      const std::string& label_selector, MonoTime) override {
    std::lock_guard lock(mu_);
    pod_requests_.emplace_back(namespace_name, label_selector);
    if (auto it = pods_by_selector_.find(label_selector); it != pods_by_selector_.end()) {
      return it->second;
    }
    return pods_;
  }
  std::string DefaultNamespace() const override { return "neo4j"; }

  std::vector<std::pair<std::string, std::string>> PodRequests() const {
    std::lock_guard lock(mu_);
    return pod_requests_;
  }

 private:
  static Error Forbidden() {
    Error e = MakeError(ErrorKind::kForbidden, "forbidden: the service account needs \"list\"");
    e.http_status = 403;
    return e;
  }
  mutable std::mutex mu_;
  Result<std::vector<kube::Node>> nodes_ = Forbidden();
  Result<std::vector<kube::Pod>> pods_ = Forbidden();
  std::map<std::string, Result<std::vector<kube::Pod>>> pods_by_selector_;
  int node_calls_ = 0;
  std::vector<std::pair<std::string, std::string>> pod_requests_;
};

kube::Node MakeNode(const std::string& name, const std::string& zone,
                    kube::Labels extra = {{"node-type", "database"}}) {
  kube::Node n;
  n.name = name;
  n.labels = std::move(extra);
  if (!zone.empty()) {
    n.labels[kZoneKey] = zone;
  }
  return n;
}

kube::Pod MakePod(const std::string& name, const std::string& node, kube::Labels extra = {}) {
  kube::Pod p;
  p.name = name;
  p.namespace_name = "neo4j";
  p.labels = {{"neo4j.com/cluster", "prod"}};
  for (auto& [k, v] : extra) {
    p.labels[k] = v;
  }
  p.node_name = node;
  p.phase = "Running";
  return p;
}

enum class R { kP, kS };

// Members m1..mN of cluster "prod" (5.x); roles[i] is member i+1's role for database "neo4j".
FakeCluster& SetupCluster(FakeEnvironment& env, const std::vector<R>& roles) {
  FakeCluster& c = env.AddCluster("prod", static_cast<int>(roles.size()), Dialect::kV5);
  for (int i = 1; i <= c.size(); ++i) {
    const bool core = roles[static_cast<std::size_t>(i - 1)] == R::kP;
    c.member(i).SetStatus(
        std::vector{MakeStatus("neo4j", FakeCluster::Id(i), core ? "id1" : "", {}, core)});
  }
  return c;
}

// The seed's placement: three zones, maxSkew 1, minDomains 3, required anti-affinity, nodes of
// type database.
void SeedPlacement(FakeCluster& c) {
  auto& p = c.config().placement;
  p.availability_zones = {"us-east-1a", "us-east-1b", "us-east-1c"};
  p.max_skew = 1;
  p.min_domains = 3;
  p.anti_affinity = "required";
  p.node_selector = {{"node-type", "database"}};
}

LabelMap Cl(LabelMap extra = {}) {
  extra["neo4j_cluster"] = "prod";
  return extra;
}

LabelMap ZoneRole(const std::string& zone, const std::string& role) {
  return Cl({{"neo4j_zone", zone}, {"role", role}});
}

std::optional<double> Source(const exporter::MetricSet& m, const std::string& source) {
  return Value(m, "neo4j_zone_source_info", Cl({{"source", source}}));
}

struct Harness {
  FakeEnvironment env;
  FakeKubeView kube;
  config::Config config;

  CollectContext Context(bool with_kube) {
    CollectContext ctx = env.Context();
    ctx.services.config = &config;
    ctx.services.kube = with_kube ? &kube : nullptr;
    return ctx;
  }
};

TEST(ZoneSkewCollectorTest, KubernetesSeedLayoutIsHealthy) {
  Harness run;
  FakeCluster& c = SetupCluster(run.env, {R::kP, R::kP, R::kP, R::kS, R::kS});
  SeedPlacement(c);
  run.kube.SetNodes(std::vector{MakeNode("n-a", "us-east-1a"), MakeNode("n-b", "us-east-1b"),
                                MakeNode("n-c", "us-east-1c"),
                                // Outside the node selector: zone d is not eligible.
                                MakeNode("n-d", "us-east-1d", {{"node-type", "batch"}})});
  run.kube.SetPods(std::vector{MakePod("m1", "n-a"), MakePod("m2", "n-b"), MakePod("m3", "n-c"),
                               MakePod("m4", "n-a"), MakePod("m5", "n-b")});

  ZoneSkewCollector collector;
  auto out = collector.Collect(run.Context(true));
  ASSERT_FALSE(out.error) << out.error->ToString();
  const auto& m = out.metrics;

  // Selector and namespace defaults: cluster_label=<name> in the view's namespace.
  auto requests = run.kube.PodRequests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0],
            std::make_pair(std::string("neo4j"),
                           std::string("neo4j.com/cluster=prod,neo4j.com/component!=backup")));

  EXPECT_EQ(Source(m, "kubernetes"), 1);
  EXPECT_EQ(CountSamples(m, "neo4j_zone_source_info"), 1);
  EXPECT_EQ(Value(m, "neo4j_zone_members", ZoneRole("us-east-1a", "primary")), 1);
  EXPECT_EQ(Value(m, "neo4j_zone_members", ZoneRole("us-east-1a", "secondary")), 1);
  EXPECT_EQ(Value(m, "neo4j_zone_members", ZoneRole("us-east-1c", "secondary")), 0);
  EXPECT_EQ(Value(m, "neo4j_zone_members", ZoneRole("us-east-1c", "unknown")), 0);
  EXPECT_EQ(CountSamples(m, "neo4j_zone_members", {{"neo4j_zone", "us-east-1d"}}), 0);
  EXPECT_EQ(Value(m, "neo4j_zone_skew", Cl({{"role", "primary"}})), 0);
  EXPECT_EQ(Value(m, "neo4j_zone_skew", Cl({{"role", "secondary"}})), 1);  // 1/1/0
  EXPECT_EQ(Value(m, "neo4j_zone_skew", Cl({{"role", "all"}})), 1);        // 2/2/1
  EXPECT_EQ(Value(m, "neo4j_zone_skew_violated", Cl({{"role", "all"}})), 0);
  EXPECT_EQ(Value(m, "neo4j_zone_max_skew", Cl()), 1);
  EXPECT_EQ(Value(m, "neo4j_zone_eligible_zones", Cl()), 3);
  EXPECT_EQ(Value(m, "neo4j_zone_min_domains", Cl()), 3);
  EXPECT_EQ(Value(m, "neo4j_zones_without_primary", Cl()), 0);
  EXPECT_EQ(Value(m, "neo4j_zone_anti_affinity_violations", Cl()), 0);
  EXPECT_EQ(Value(m, "neo4j_zone_distribution_health", Cl()), 1.0);
  EXPECT_EQ(Value(m, "neo4j_zone_loss_survivable", Cl()), 1);
  EXPECT_EQ(Value(m, "neo4j_zone_excluded_members", Cl({{"reason", "terminating"}})), 0);
  EXPECT_EQ(Value(m, "neo4j_zone_excluded_members", Cl({{"reason", "no_zone"}})), 0);
  // Kubernetes covered the cluster: no server tags asked.
  EXPECT_EQ(c.member(1).Calls(fakes::Call::kShowServers), 0);
  // Where each member runs: its pod, node and the node's zone.
  EXPECT_EQ(CountSamples(m, "neo4j_zone_member_info"), 5);
  EXPECT_EQ(
      Value(m, "neo4j_zone_member_info",
            Cl({{"member", "m4"}, {"neo4j_zone", "us-east-1a"}, {"node", "n-a"}, {"pod", "m4"}})),
      1);
}

// One Kubernetes cluster hosting several Neo4j clusters: the listed availability zones confine
// each to its own zones (as a node affinity on the zone would), so other regions' zones are not
// empty domains of this cluster.
TEST(ZoneSkewCollectorTest, ListedZonesConfineTheEligibleNodes) {
  Harness run;
  FakeCluster& c = SetupCluster(run.env, {R::kP, R::kP, R::kP});
  c.config().placement.availability_zones = {"us-east-1a", "us-east-1b", "us-east-1c"};
  run.kube.SetNodes(std::vector{MakeNode("n-a", "us-east-1a"), MakeNode("n-b", "us-east-1b"),
                                MakeNode("n-c", "us-east-1c"), MakeNode("w-a", "us-west-2a"),
                                MakeNode("w-b", "us-west-2b")});
  run.kube.SetPods(std::vector{MakePod("m1", "n-a"), MakePod("m2", "n-b"), MakePod("m3", "n-c")});
  ZoneSkewCollector collector;
  auto out = collector.Collect(run.Context(true));
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_eligible_zones", Cl()), 3);
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_skew", Cl({{"role", "all"}})), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_distribution_health", Cl()), 1.0);
  EXPECT_EQ(CountSamples(out.metrics, "neo4j_zone_members", {{"neo4j_zone", "us-west-2a"}}), 0);

  // Without listed zones every labelled node is eligible, as for the scheduler.
  c.config().placement.availability_zones.clear();
  out = collector.Collect(run.Context(true));
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_eligible_zones", Cl()), 5);
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_skew", Cl({{"role", "all"}})), 1);
}

TEST(ZoneSkewCollectorTest, EmptyEligibleZoneAndStackedPrimaries) {
  Harness run;
  FakeCluster& c = SetupCluster(run.env, {R::kP, R::kP, R::kP});
  SeedPlacement(c);
  run.kube.SetNodes(std::vector{MakeNode("n-a1", "us-east-1a"), MakeNode("n-a2", "us-east-1a"),
                                MakeNode("n-b", "us-east-1b"), MakeNode("n-c", "us-east-1c")});
  run.kube.SetPods(std::vector{MakePod("m1", "n-a1"), MakePod("m2", "n-a2"), MakePod("m3", "n-b")});

  ZoneSkewCollector collector;
  auto out = collector.Collect(run.Context(true));
  ASSERT_FALSE(out.error) << out.error->ToString();
  const auto& m = out.metrics;
  // Zone c has eligible nodes but no member: a domain with count 0, so the global minimum is 0.
  EXPECT_EQ(Value(m, "neo4j_zone_members", ZoneRole("us-east-1c", "primary")), 0);
  EXPECT_EQ(Value(m, "neo4j_zone_skew", Cl({{"role", "primary"}})), 2);
  EXPECT_EQ(Value(m, "neo4j_zone_skew_violated", Cl({{"role", "primary"}})), 1);
  EXPECT_EQ(Value(m, "neo4j_zones_without_primary", Cl()), 1);
  EXPECT_EQ(Value(m, "neo4j_zone_anti_affinity_violations", Cl()), 1);  // two primaries in a
  EXPECT_EQ(Value(m, "neo4j_zone_loss_survivable", Cl()), 0);           // losing a leaves 1 of 3
  // spread (3-2)/(3-1) = 0.5, quorum 0.75: min is 0.5 (docs/zone-skew.md).
  EXPECT_DOUBLE_EQ(*Value(m, "neo4j_zone_distribution_health", Cl()), 0.5);
}

TEST(ZoneSkewCollectorTest, PreferredAntiAffinityIsNotAViolation) {
  Harness run;
  FakeCluster& c = SetupCluster(run.env, {R::kP, R::kP, R::kP});
  SeedPlacement(c);
  c.config().placement.anti_affinity = "preferred";
  run.kube.SetNodes(std::vector{MakeNode("n-a", "us-east-1a"), MakeNode("n-b", "us-east-1b")});
  run.kube.SetPods(std::vector{MakePod("m1", "n-a"), MakePod("m2", "n-a"), MakePod("m3", "n-b")});
  ZoneSkewCollector collector;
  auto out = collector.Collect(run.Context(true));
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_anti_affinity_violations", Cl()), 0);
}

TEST(ZoneSkewCollectorTest, MinDomainsAboveTheNumberOfZones) {
  Harness run;
  FakeCluster& c = SetupCluster(run.env, {R::kP, R::kP, R::kS, R::kS});
  SeedPlacement(c);  // minDomains 3
  run.kube.SetNodes(std::vector{MakeNode("n-a", "us-east-1a"), MakeNode("n-b", "us-east-1b")});
  run.kube.SetPods(std::vector{MakePod("m1", "n-a"), MakePod("m2", "n-b"), MakePod("m3", "n-a"),
                               MakePod("m4", "n-b")});
  ZoneSkewCollector collector;
  auto out = collector.Collect(run.Context(true));
  const auto& m = out.metrics;
  // 2/2 over two eligible zones, fewer than minDomains: global minimum 0, skew 2.
  EXPECT_EQ(Value(m, "neo4j_zone_eligible_zones", Cl()), 2);
  EXPECT_EQ(Value(m, "neo4j_zone_skew", Cl({{"role", "all"}})), 2);
  EXPECT_EQ(Value(m, "neo4j_zone_skew_violated", Cl({{"role", "all"}})), 1);
  EXPECT_EQ(Value(m, "neo4j_zone_skew", Cl({{"role", "primary"}})), 1);
  EXPECT_EQ(Value(m, "neo4j_zone_skew_violated", Cl({{"role", "primary"}})), 0);

  // The same layout with minDomains 2 is balanced.
  c.config().placement.min_domains = 2;
  out = collector.Collect(run.Context(true));
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_skew", Cl({{"role", "all"}})), 0);
}

TEST(ZoneSkewCollectorTest, TerminatingPodsAndNodesWithoutTheZoneLabelAreExcluded) {
  Harness run;
  FakeCluster& c = SetupCluster(run.env, {R::kP, R::kP, R::kP, R::kS, R::kS});
  SeedPlacement(c);
  run.kube.SetNodes(std::vector{MakeNode("n-a", "us-east-1a"), MakeNode("n-b", "us-east-1b"),
                                MakeNode("n-c", "us-east-1c"), MakeNode("n-x", "")});
  kube::Pod terminating = MakePod("m3", "n-c");
  terminating.deletion_timestamp = "2025-01-01T00:00:00Z";
  kube::Pod pending = MakePod("m5", "");
  pending.phase = "Pending";
  run.kube.SetPods(std::vector{MakePod("m1", "n-a"), MakePod("m2", "n-b"), terminating,
                               MakePod("m4", "n-x"), pending});
  ZoneSkewCollector collector;
  auto out = collector.Collect(run.Context(true));
  const auto& m = out.metrics;
  EXPECT_EQ(Value(m, "neo4j_zone_excluded_members", Cl({{"reason", "terminating"}})), 1);
  EXPECT_EQ(Value(m, "neo4j_zone_excluded_members", Cl({{"reason", "no_zone"}})), 2);
  // The terminating primary no longer counts: zone c is empty, 1/1/0.
  EXPECT_EQ(Value(m, "neo4j_zone_members", ZoneRole("us-east-1c", "primary")), 0);
  EXPECT_EQ(Value(m, "neo4j_zones_without_primary", Cl()), 1);
  EXPECT_EQ(Value(m, "neo4j_zone_skew", Cl({{"role", "primary"}})), 1);
  EXPECT_EQ(Value(m, "neo4j_zone_eligible_zones", Cl()), 3);  // the unlabelled node adds none
}

TEST(ZoneSkewCollectorTest, PodRolesFromAddressesAndLabels) {
  Harness run;
  FakeCluster& c = SetupCluster(run.env, {R::kP, R::kS});  // m1 at 127.0.0.1:7471, m2 at :7472
  SeedPlacement(c);
  run.kube.SetNodes(std::vector{MakeNode("n-a", "us-east-1a"), MakeNode("n-b", "us-east-1b"),
                                MakeNode("n-c", "us-east-1c")});
  // Pod names differ from member names: matched by pod IP and the named "http" port.
  kube::Pod p1 = MakePod("neo4j-0", "n-a");
  p1.pod_ip = "127.0.0.1";
  p1.container_ports = {{"http", 7471}, {"bolt", 7687}};
  kube::Pod p2 = MakePod("neo4j-1", "n-b", {{"neo4j.com/role", "PRIMARY"}});
  p2.pod_ip = "127.0.0.1";
  p2.container_ports = {{"http", 7472}};
  // Not a configured member: its role comes from the pod label (4.4 naming).
  kube::Pod p3 = MakePod("neo4j-2", "n-c", {{"neo4j.com/role", "read_replica"}});
  // Neither a member nor labelled.
  kube::Pod p4 = MakePod("neo4j-3", "n-c");
  run.kube.SetPods(std::vector{p1, p2, p3, p4});

  ZoneSkewCollector collector;
  auto out = collector.Collect(run.Context(true));
  const auto& m = out.metrics;
  EXPECT_EQ(Value(m, "neo4j_zone_members", ZoneRole("us-east-1a", "primary")), 1);
  // Neo4j's answer (secondary) wins over the pod label (PRIMARY).
  EXPECT_EQ(Value(m, "neo4j_zone_members", ZoneRole("us-east-1b", "secondary")), 1);
  EXPECT_EQ(Value(m, "neo4j_zone_members", ZoneRole("us-east-1b", "primary")), 0);
  EXPECT_EQ(Value(m, "neo4j_zone_members", ZoneRole("us-east-1c", "secondary")), 1);
  EXPECT_EQ(Value(m, "neo4j_zone_members", ZoneRole("us-east-1c", "unknown")), 1);
}

// A DaemonSet agent monitors only the pod on its node. The roles of the other pods come from
// Neo4j's own view (SHOW DATABASES YIELD *: role per advertised address), joined to the pods by
// the first DNS label of that address; the pod label is only the last resort.
TEST(ZoneSkewCollectorTest, RolesOfPodsNoMemberIsComeFromNeo4jsView) {
  Harness run;
  FakeCluster& c = SetupCluster(run.env, {R::kP});
  SeedPlacement(c);
  // Our member is configured by its DNS name under the headless Service (joined to pod graph-0 by
  // the first DNS label of the URL).
  c.config().members[0].url = "http://graph-0.graph-headless.neo4j.svc.cluster.local:7474";
  run.kube.SetNodes(std::vector{MakeNode("n-a", "us-east-1a"), MakeNode("n-b", "us-east-1b"),
                                MakeNode("n-c", "us-east-1c")});
  run.kube.SetPods(std::vector{MakePod("graph-0", "n-a"),
                               // Labelled secondary, but Neo4j says primary: Neo4j wins.
                               MakePod("graph-1", "n-b", {{"neo4j.com/role", "secondary"}}),
                               MakePod("graph-2", "n-c"), MakePod("graph-3", "n-c")});
  auto row = [](const std::string& pod, neo4j::DatabaseRole role, const char* raw) {
    return fakes::MakeRow("neo4j", pod + ".graph-headless.neo4j.svc.cluster.local:7687", role, raw);
  };
  c.member(1).SetShowDatabases(
      std::vector{row("graph-0", neo4j::DatabaseRole::kLeader, "primary"),
                  row("graph-1", neo4j::DatabaseRole::kFollower, "primary"),
                  row("graph-2", neo4j::DatabaseRole::kFollower, "primary"),
                  row("graph-3", neo4j::DatabaseRole::kSecondary, "secondary")});

  ZoneSkewCollector collector;
  auto out = collector.Collect(run.Context(true));
  ASSERT_FALSE(out.error) << out.error->ToString();
  const auto& m = out.metrics;
  EXPECT_EQ(Value(m, "neo4j_zone_members", ZoneRole("us-east-1a", "primary")), 1);
  EXPECT_EQ(Value(m, "neo4j_zone_members", ZoneRole("us-east-1b", "primary")), 1);
  EXPECT_EQ(Value(m, "neo4j_zone_members", ZoneRole("us-east-1b", "secondary")), 0);
  EXPECT_EQ(Value(m, "neo4j_zone_members", ZoneRole("us-east-1c", "primary")), 1);
  EXPECT_EQ(Value(m, "neo4j_zone_members", ZoneRole("us-east-1c", "secondary")), 1);
  EXPECT_EQ(Value(m, "neo4j_zone_skew", Cl({{"role", "primary"}})), 0);
  EXPECT_EQ(Value(m, "neo4j_zone_loss_survivable", Cl()), 1);
}

TEST(ZoneSkewCollectorTest, SelectorWithoutEqualityTermsStillCountsTheListedPods) {
  Harness run;
  FakeCluster& c = SetupCluster(run.env, {R::kP, R::kP, R::kP});
  SeedPlacement(c);
  c.config().kubernetes.pod_selector = "app.kubernetes.io/name in (neo4j)";
  c.config().kubernetes.namespace_name = "graph";
  run.kube.SetNodes(std::vector{MakeNode("n-a", "us-east-1a"), MakeNode("n-b", "us-east-1b"),
                                MakeNode("n-c", "us-east-1c")});
  std::vector<kube::Pod> pods = {MakePod("m1", "n-a"), MakePod("m2", "n-b"), MakePod("m3", "n-c")};
  for (auto& p : pods) {
    p.namespace_name = "graph";
  }
  run.kube.SetPods(pods);
  ZoneSkewCollector collector;
  auto out = collector.Collect(run.Context(true));
  auto requests = run.kube.PodRequests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].first, "graph");
  EXPECT_EQ(requests[0].second, "app.kubernetes.io/name in (neo4j)");
  EXPECT_EQ(Source(out.metrics, "kubernetes"), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_members", ZoneRole("us-east-1b", "primary")), 1);
}

// No explicit selector: the Neo4j operator's label first; when it lists no pod, the Neo4j Helm
// chart's (helm.neo4j.com/neo4j.name), whose pods are then counted.
TEST(ZoneSkewCollectorTest, HelmChartPodsWhenTheOperatorSelectorListsNone) {
  Harness run;
  FakeCluster& c = SetupCluster(run.env, {R::kP, R::kP, R::kP});
  SeedPlacement(c);
  run.kube.SetNodes(std::vector{MakeNode("n-a", "us-east-1a"), MakeNode("n-b", "us-east-1b"),
                                MakeNode("n-c", "us-east-1c")});
  std::vector<kube::Pod> helm = {MakePod("m1", "n-a"), MakePod("m2", "n-b"), MakePod("m3", "n-c")};
  for (auto& p : helm) {
    p.labels = {{"helm.neo4j.com/neo4j.name", "prod"},
                {"app", "prod"},
                {"helm.neo4j.com/clustering", "true"}};
  }
  run.kube.SetPodsFor("neo4j.com/cluster=prod,neo4j.com/component!=backup",
                      std::vector<kube::Pod>{});
  run.kube.SetPodsFor("helm.neo4j.com/neo4j.name=prod", helm);
  ZoneSkewCollector collector;
  auto out = collector.Collect(run.Context(true));
  auto requests = run.kube.PodRequests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].second, "neo4j.com/cluster=prod,neo4j.com/component!=backup");
  EXPECT_EQ(requests[1],
            std::make_pair(std::string("neo4j"), std::string("helm.neo4j.com/neo4j.name=prod")));
  EXPECT_EQ(Source(out.metrics, "kubernetes"), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_members", ZoneRole("us-east-1b", "primary")), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_skew", Cl({{"role", "all"}})), 0);
}

// A failing first listing is not retried with the Helm selector; a custom cluster_label is the
// only selector.
TEST(ZoneSkewCollectorTest, OperatorSelectorErrorsAndCustomLabelsAreNotFallenBackFrom) {
  {
    Harness run;
    FakeCluster& c = SetupCluster(run.env, {R::kP, R::kP, R::kP});
    SeedPlacement(c);
    run.kube.SetNodes(std::vector{MakeNode("n-a", "us-east-1a")});
    ZoneSkewCollector collector;
    (void)collector.Collect(run.Context(true));  // pods: 403
    auto requests = run.kube.PodRequests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].second, "neo4j.com/cluster=prod,neo4j.com/component!=backup");
  }
  {
    Harness run;
    FakeCluster& c = SetupCluster(run.env, {R::kP, R::kP, R::kP});
    SeedPlacement(c);
    run.config.kubernetes.cluster_label = "example.com/cluster";
    run.kube.SetNodes(std::vector{MakeNode("n-a", "us-east-1a")});
    run.kube.SetPods(std::vector<kube::Pod>{});
    ZoneSkewCollector collector;
    (void)collector.Collect(run.Context(true));
    auto requests = run.kube.PodRequests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].second, "example.com/cluster=prod");
  }
}

// Kubernetes answers 403 -> server tags; tags fail -> static zones; nothing -> none.
TEST(ZoneSkewCollectorTest, SourcePreferenceAndFallback) {
  Harness run;
  FakeCluster& c = SetupCluster(run.env, {R::kP, R::kP, R::kP});
  SeedPlacement(c);
  std::vector<neo4j::ServerRow> servers;
  const std::vector<std::vector<std::string>> tags = {
      {"zone:us-east-1a"}, {"rack-7", "Zone=us-east-1b"}, {"us-east-1a"}};
  for (int i = 1; i <= 3; ++i) {
    auto row = MakeServer("server-" + std::to_string(i), "Enabled", "Available");
    row.address = FakeCluster::BoltAddress(i);
    row.tags = tags[static_cast<std::size_t>(i - 1)];
    servers.push_back(row);
  }
  for (int i = 1; i <= 3; ++i) {
    c.member(i).SetShowServers(servers);
  }
  c.config().members[0].zone = "static-a";
  c.config().members[1].zone = "static-b";
  c.config().members[2].zone = "static-c";

  ZoneSkewCollector collector;
  // 1. The API server forbids listing nodes (default of the fake): tags.
  auto out = collector.Collect(run.Context(true));
  ASSERT_FALSE(out.error) << out.error->ToString();
  EXPECT_EQ(Source(out.metrics, "neo4j_tags"), 1);
  EXPECT_EQ(CountSamples(out.metrics, "neo4j_zone_source_info"), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_members", ZoneRole("us-east-1a", "primary")), 2);
  // Listed zone c has no member: an empty eligible domain.
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_members", ZoneRole("us-east-1c", "primary")), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_eligible_zones", Cl()), 3);
  EXPECT_EQ(Value(out.metrics, "neo4j_zones_without_primary", Cl()), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_skew", Cl({{"role", "primary"}})), 2);
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_member_info",
                  Cl({{"member", "m2"}, {"neo4j_zone", "us-east-1b"}, {"node", ""}, {"pod", ""}})),
            1);

  // 2. SHOW SERVERS fails everywhere: static zones.
  for (int i = 1; i <= 3; ++i) {
    c.member(i).SetShowServers(MakeError(ErrorKind::kNeo4jError, "no"));
  }
  out = collector.Collect(run.Context(true));
  ASSERT_FALSE(out.error) << out.error->ToString();
  EXPECT_EQ(Source(out.metrics, "static"), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_members", ZoneRole("static-b", "primary")), 1);
  EXPECT_EQ(CountSamples(out.metrics, "neo4j_zone_member_info", {{"neo4j_zone", "static-c"}}), 1);
  // Static zones plus the three listed (empty) ones.
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_eligible_zones", Cl()), 6);

  // 3. No static zones either: only the source series, and the run fails (placement is set).
  for (auto& mc : c.config().members) {
    mc.zone.clear();
  }
  out = collector.Collect(run.Context(true));
  ASSERT_TRUE(out.error);
  EXPECT_NE(out.error->message.find("prod"), std::string::npos) << out.error->message;
  EXPECT_NE(out.error->message.find("forbidden"), std::string::npos) << out.error->message;
  EXPECT_EQ(Source(out.metrics, "none"), 1);
  int samples = 0;
  for (const auto& f : out.metrics) {
    samples += static_cast<int>(f.metric.size());
  }
  EXPECT_EQ(samples, 1);

  // Without placement rules, no zone information is not an error.
  c.config().placement = config::PlacementConfig{};
  out = collector.Collect(run.Context(true));
  EXPECT_FALSE(out.error);
  EXPECT_EQ(Source(out.metrics, "none"), 1);

  // 4. Kubernetes works again: it wins over everything.
  SeedPlacement(c);
  run.kube.SetNodes(std::vector{MakeNode("n-a", "us-east-1a"), MakeNode("n-b", "us-east-1b"),
                                MakeNode("n-c", "us-east-1c")});
  run.kube.SetPods(std::vector{MakePod("m1", "n-a"), MakePod("m2", "n-b"), MakePod("m3", "n-c")});
  out = collector.Collect(run.Context(true));
  EXPECT_EQ(Source(out.metrics, "kubernetes"), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_zones_without_primary", Cl()), 0);
}

// Kubernetes fails at once (forbidden) while a member of another cluster hangs until the
// deadline: the tags are asked for as soon as the lists have failed, not after the deadline, which
// would leave a real member no time to answer them.
TEST(ZoneSkewCollectorTest, TagsAreAskedAsSoonAsKubernetesFailsWhileAMemberHangs) {
  Harness run;
  FakeCluster& c = SetupCluster(run.env, {R::kP, R::kP, R::kP});
  SeedPlacement(c);
  std::vector<neo4j::ServerRow> servers;
  for (int i = 1; i <= 3; ++i) {
    auto row = MakeServer("server-" + std::to_string(i), "Enabled", "Available");
    row.address = FakeCluster::BoltAddress(i);
    row.tags = {"zone:us-east-1" + std::string(1, static_cast<char>('a' + i - 1))};
    servers.push_back(row);
  }
  for (int i = 1; i <= 3; ++i) {
    c.member(i).SetShowServers(servers);
  }
  FakeCluster& other = run.env.AddCluster("other", 1, Dialect::kV5);
  other.member(1).Hang(Call::kStatus);

  CollectContext ctx = run.env.Context(std::chrono::milliseconds(300));
  ctx.services.config = &run.config;
  ctx.services.kube = &run.kube;
  const MonoTime deadline = ctx.deadline;
  ZoneSkewCollector collector;
  auto out = collector.Collect(ctx);
  ASSERT_FALSE(out.error) << out.error->ToString();
  EXPECT_EQ(Source(out.metrics, "neo4j_tags"), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_zones_without_primary", Cl()), 0);
  // The collector waits for `other` until the deadline; before the change the tags were asked
  // only then.
  std::optional<MonoTime> asked;
  for (int i = 1; i <= 3; ++i) {
    auto t = c.member(i).FirstCallTime(Call::kShowServers);
    if (t && (!asked || *t < *asked)) asked = t;
  }
  ASSERT_TRUE(asked.has_value()) << "SHOW SERVERS never asked";
  EXPECT_LT(*asked, deadline) << "the tags were asked only once the deadline had passed";
  other.member(1).Unhang(Call::kStatus);
}

TEST(ZoneSkewCollectorTest, KubernetesWithoutPodsOfTheClusterFallsBack) {
  // A peer cluster running in another Kubernetes cluster: the lists work but select nothing.
  Harness run;
  FakeCluster& c = SetupCluster(run.env, {R::kP, R::kP, R::kP});
  run.kube.SetNodes(std::vector{MakeNode("n-a", "us-east-1a")});
  run.kube.SetPods(std::vector<kube::Pod>{});
  c.config().members[0].zone = "eu-1a";
  ZoneSkewCollector collector;
  auto out = collector.Collect(run.Context(true));
  EXPECT_EQ(Source(out.metrics, "static"), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_excluded_members", Cl({{"reason", "no_zone"}})), 2);
}

TEST(ZoneSkewCollectorTest, Neo4j44ServerGroups) {
  Harness run;
  FakeCluster& c = run.env.AddCluster("prod", 3, Dialect::kV4);
  c.config().placement.availability_zones = {"a", "b", "c"};
  std::vector<neo4j::OverviewRow> rows;
  const char* groups[] = {"a", "b", "zone=c"};
  for (int i = 1; i <= 3; ++i) {
    c.member(i).SetStatus(std::vector{MakeStatus("neo4j", FakeCluster::Id(i), "id1", {})});
    neo4j::OverviewRow row;
    row.id = FakeCluster::Id(i);
    row.addresses = {"bolt://" + FakeCluster::BoltAddress(i), "http://other:7474"};
    row.groups = {groups[i - 1]};
    rows.push_back(row);
  }
  for (int i = 1; i <= 3; ++i) {
    c.member(i).SetClusterOverview(rows);
  }
  ZoneSkewCollector collector;
  auto out = collector.Collect(run.Context(false));  // no Kubernetes at all
  ASSERT_FALSE(out.error) << out.error->ToString();
  EXPECT_EQ(Source(out.metrics, "neo4j_tags"), 1);
  for (const char* z : {"a", "b", "c"}) {
    EXPECT_EQ(Value(out.metrics, "neo4j_zone_members", ZoneRole(z, "primary")), 1) << z;
  }
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_loss_survivable", Cl()), 1);
  EXPECT_EQ(c.member(1).Calls(fakes::Call::kShowServers), 0);
}

TEST(ZoneSkewCollectorTest, MemberThatIsDownKeepsItsLastRole) {
  Harness run;
  FakeCluster& c = SetupCluster(run.env, {R::kP, R::kP, R::kP, R::kS});
  c.config().placement.availability_zones = {"a", "b", "c"};
  const char* zones[] = {"a", "b", "c", "c"};
  for (std::size_t i = 0; i < 4; ++i) {
    c.config().members[i].zone = zones[i];
  }
  ZoneSkewCollector collector;
  auto out = collector.Collect(run.Context(false));
  EXPECT_EQ(Source(out.metrics, "static"), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_members", ZoneRole("c", "primary")), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_members", ZoneRole("c", "secondary")), 1);

  // m3 (primary) and m4 (secondary) go down: their pods still occupy zone c.
  c.member(3).SetStatus(MakeError(ErrorKind::kConnectionRefused, "down"));
  c.member(4).SetStatus(MakeError(ErrorKind::kTimeout, "hung"));
  out = collector.Collect(run.Context(false));
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_members", ZoneRole("c", "primary")), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_members", ZoneRole("c", "secondary")), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_members", ZoneRole("c", "unknown")), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_zones_without_primary", Cl()), 0);

  // A fresh collector never saw m3 and m4: their role is unknown.
  ZoneSkewCollector fresh;
  out = fresh.Collect(run.Context(false));
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_members", ZoneRole("c", "unknown")), 2);
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_members", ZoneRole("c", "primary")), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_zones_without_primary", Cl()), 1);
}

TEST(ZoneSkewCollectorTest, NoRoleKnownExportsNoPrimarySeries) {
  Harness run;
  FakeCluster& c = run.env.AddCluster("prod", 3, Dialect::kV5);  // nobody answers
  const char* zones[] = {"a", "b", "c"};
  for (std::size_t i = 0; i < 3; ++i) {
    c.config().members[i].zone = zones[i];
  }
  ZoneSkewCollector collector;
  auto out = collector.Collect(run.Context(false));
  const auto& m = out.metrics;
  EXPECT_EQ(Source(m, "static"), 1);
  EXPECT_EQ(Value(m, "neo4j_zone_members", ZoneRole("a", "unknown")), 1);
  EXPECT_EQ(Value(m, "neo4j_zone_skew", Cl({{"role", "all"}})), 0);
  EXPECT_EQ(CountSamples(m, "neo4j_zone_members", {{"role", "primary"}}), 0);
  EXPECT_EQ(CountSamples(m, "neo4j_zone_skew", {{"role", "primary"}}), 0);
  EXPECT_EQ(CountSamples(m, "neo4j_zone_loss_survivable"), 0);
  EXPECT_EQ(CountSamples(m, "neo4j_zone_distribution_health"), 0);
  EXPECT_EQ(CountSamples(m, "neo4j_zones_without_primary"), 0);
}

TEST(ZoneSkewCollectorTest, HealthFollowsTheDocumentedFormula) {
  struct Case {
    std::vector<R> roles;
    std::vector<std::string> zones;
    double health;
    double survivable;
  };
  // Three listed zones (minDomains 1: Z = 3 eligible zones).
  const std::vector<Case> cases = {
      {{R::kP, R::kP, R::kP}, {"a", "b", "c"}, 1.0, 1},
      {{R::kP, R::kP, R::kP}, {"a", "a", "a"}, 0.0, 0},
      {{R::kP, R::kP, R::kP, R::kP}, {"a", "a", "b", "c"}, 0.75, 0},
      {{R::kP, R::kP, R::kP, R::kS, R::kS}, {"a", "b", "c", "a", "a"}, 0.0, 1},
      {{R::kP}, {"a"}, 0.0, 0},
  };
  for (const Case& tc : cases) {
    Harness run;
    FakeCluster& c = SetupCluster(run.env, tc.roles);
    c.config().placement.availability_zones = {"a", "b", "c"};
    for (std::size_t i = 0; i < tc.zones.size(); ++i) {
      c.config().members[i].zone = tc.zones[i];
    }
    ZoneSkewCollector collector;
    auto out = collector.Collect(run.Context(false));
    ASSERT_TRUE(Value(out.metrics, "neo4j_zone_distribution_health", Cl()));
    EXPECT_NEAR(*Value(out.metrics, "neo4j_zone_distribution_health", Cl()), tc.health, 1e-9)
        << ::testing::PrintToString(tc.zones);
    EXPECT_EQ(Value(out.metrics, "neo4j_zone_loss_survivable", Cl()), tc.survivable)
        << ::testing::PrintToString(tc.zones);
  }
}

TEST(ZoneSkewCollectorTest, PrimariesWithoutAZoneAreAssumedInTheWorstZone) {
  Harness run;
  FakeCluster& c = SetupCluster(run.env, {R::kP, R::kP, R::kP});
  c.config().members[0].zone = "a";
  c.config().members[1].zone = "b";  // m3: no zone
  ZoneSkewCollector collector;
  auto out = collector.Collect(run.Context(false));
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_excluded_members", Cl({{"reason", "no_zone"}})), 1);
  // m3 could be in a: losing a might take 2 of 3 primaries.
  EXPECT_EQ(Value(out.metrics, "neo4j_zone_loss_survivable", Cl()), 0);
}

TEST(ZoneSkewCollectorTest, RegisteredUnderItsName) {
  const CollectorInfo* info = FindCollector("zone_skew");
  ASSERT_NE(info, nullptr);
  EXPECT_NE(dynamic_cast<ZoneSkewCollector*>(info->factory().get()), nullptr);
}

}  // namespace
}  // namespace nca::collectors
