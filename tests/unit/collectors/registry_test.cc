#include "collectors/registry.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <set>
#include <string>
#include <vector>

#include "fake_member_api.h"
#include "sim/bolt_listener.h"

namespace nca::collectors {
namespace {

using fakes::FakeCluster;
using fakes::FakeEnvironment;
using fakes::MakeEndpoint;
using fakes::MakeRow;
using fakes::MakeServer;
using fakes::MakeStatus;

TEST(RegistryTest, ListsEveryCollectorInOrder) {
  std::vector<std::string> names;
  for (const auto& info : AllCollectors()) {
    names.emplace_back(info.name);
    EXPECT_TRUE(info.enabled_by_default) << info.name;
    EXPECT_FALSE(info.help.empty()) << info.name;
    ASSERT_NE(info.factory, nullptr) << info.name;
    EXPECT_NE(info.factory(), nullptr) << info.name;
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"role", "quorum", "replication_lag", "failover", "zone_skew",
                                      "cross_cluster_latency", "neo4j_metrics"}));
}

TEST(RegistryTest, FindByName) {
  const CollectorInfo* info = FindCollector("quorum");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->name, "quorum");
  EXPECT_EQ(FindCollector("Quorum"), nullptr);
  EXPECT_EQ(FindCollector("nope"), nullptr);
}

TEST(RegistryTest, FactoriesMakeFreshInstances) {
  const CollectorInfo* info = FindCollector("failover");
  ASSERT_NE(info, nullptr);
  auto a = info->factory();
  auto b = info->factory();
  EXPECT_NE(a.get(), b.get());
}

// A DaemonSet agent on a node without a Neo4j pod (and no configured cluster) has nothing to
// collect: that is not a failure of the agent (Neo4jAgentCollectorFailing must stay quiet).
TEST(RegistryTest, NoClustersIsNotAFailure) {
  std::vector<ClusterHandle> none;
  ManualClock clock;
  CollectContext ctx;
  ctx.clock = &clock;
  ctx.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  ctx.clusters = &none;
  for (const auto& info : AllCollectors()) {
    auto out = info.factory()->Collect(ctx);
    EXPECT_FALSE(out.error) << info.name << ": " << out.error->ToString();
  }
}

// Every collector on a healthy 5.x cluster: valid exposition, only our label names, HELP texts.
TEST(RegistryTest, AllCollectorsProduceWellFormedSeries) {
  FakeEnvironment env;
  FakeCluster& c = env.AddCluster("prod", 3, neo4j::Dialect::kV5);
  std::vector<neo4j::DatabaseRow> rows;
  for (int i = 1; i <= 3; ++i) {
    auto s = MakeStatus("neo4j", FakeCluster::Id(i), "id1", c.AllIds());
    c.member(i).SetStatus(std::vector{s});
    c.member(i).SetEndpoint("neo4j", neo4j::EndpointKind::kAvailable,
                            MakeEndpoint(neo4j::EndpointState::kTrue));
    c.member(i).SetEndpoint(
        "neo4j", neo4j::EndpointKind::kWritable,
        MakeEndpoint(i == 1 ? neo4j::EndpointState::kTrue : neo4j::EndpointState::kFalse));
    auto row =
        MakeRow("neo4j", FakeCluster::BoltAddress(i),
                i == 1 ? neo4j::DatabaseRole::kLeader : neo4j::DatabaseRole::kFollower, "primary");
    row.last_committed_txn = 10;
    row.replication_lag = 0;
    rows.push_back(row);
  }
  for (int i = 1; i <= 3; ++i) {
    c.member(i).SetShowDatabases(rows);
    c.member(i).SetShowServers(std::vector{MakeServer("s1", "Enabled", "Available")});
  }
  // A peer cluster known only by its Bolt endpoint, for the cross-cluster probes.
  sim::BoltListener peer(sim::BoltVersionsFor("5.26.0"), [] { return sim::BoltBehavior{}; });
  ASSERT_TRUE(peer.Start("127.0.0.1", 0).ok());
  env.AddCluster("dr", 0, neo4j::Dialect::kV5).config().bolt_endpoint =
      "127.0.0.1:" + std::to_string(peer.Port());
  config::Config config;
  config.cross_cluster.http_probe = false;
  RealClock clock;
  auto context = [&] {
    CollectContext ctx = env.Context();
    ctx.clock = &clock;
    ctx.services.config = &config;
    return ctx;
  };
  const std::set<std::string> allowed = {
      "neo4j_cluster", "member", "database", "role",           "state",          "health",
      "neo4j_zone",    "source", "reason",   "source_cluster", "target_cluster", "phase"};
  std::set<std::string> seen_families;
  for (const auto& info : AllCollectors()) {
    auto out = info.factory()->Collect(context());
    ASSERT_FALSE(out.error) << info.name << ": " << out.error->ToString();
    int samples = 0;
    for (const auto& family : out.metrics) {
      EXPECT_TRUE(seen_families.insert(family.name).second)
          << family.name << " is produced by two collectors";
      EXPECT_EQ(family.name.rfind("neo4j_", 0), 0u) << family.name;
      EXPECT_FALSE(family.help.empty()) << family.name;
      EXPECT_EQ(family.type == prometheus::MetricType::Counter,
                family.name.size() > 6 && family.name.substr(family.name.size() - 6) == "_total")
          << family.name;
      for (const auto& metric : family.metric) {
        ++samples;
        for (const auto& label : metric.label) {
          EXPECT_TRUE(allowed.count(label.name)) << family.name << " has label " << label.name;
        }
      }
    }
    EXPECT_GT(samples, 0) << info.name;
    const std::string text = prometheus::TextSerializer().Serialize(out.metrics);
    EXPECT_NE(text.find("# TYPE "), std::string::npos) << info.name;
  }
  // Spot-check one line of the exposition format end to end.
  peer.Stop();
  auto out = FindCollector("role")->factory()->Collect(env.Context());
  const std::string text = prometheus::TextSerializer().Serialize(out.metrics);
  EXPECT_NE(text.find("neo4j_cluster_core_is_leader{neo4j_cluster=\"prod\",member=\"m1\","
                      "database=\"neo4j\"} 1"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace nca::collectors
