// Neo4j's own Prometheus endpoint as the simulator serves it: the renderer reproduces the real
// 5.11 and 4.4 captures byte for byte from their values, the values follow the model, and the
// per-member listener with its faults.
#include "sim/neo4j_metrics.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "sim/simulator.h"
#include "sim_test_client.h"

namespace nca::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Get;
using testing::ReadFixture;
using testing::Reply;
using testing::TestTopology;

// The value of the sample line `name value` (no labels), if present.
std::optional<double> Sample(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + " ", 0) == 0) {
      return std::strtod(line.c_str() + name.size() + 1, nullptr);
    }
  }
  return std::nullopt;
}

TEST(Neo4jMetricsTest, JavaDoubleFormatting) {
  EXPECT_EQ(JavaDouble(0.0), "0.0");
  EXPECT_EQ(JavaDouble(95.0), "95.0");
  EXPECT_EQ(JavaDouble(7864451.0), "7864451.0");
  EXPECT_EQ(JavaDouble(2.7036229E8), "2.7036229E8");
  EXPECT_EQ(JavaDouble(1e7), "1.0E7");
  EXPECT_EQ(JavaDouble(9.223372036854776E18), "9.223372036854776E18");
  EXPECT_EQ(JavaDouble(0.004258578431372549), "0.004258578431372549");
  EXPECT_EQ(JavaDouble(0.001), "0.001");
  EXPECT_EQ(JavaDouble(0.0001), "1.0E-4");
  EXPECT_EQ(JavaDouble(1.5), "1.5");
  EXPECT_EQ(JavaDouble(-3.0), "-3.0");
  EXPECT_EQ(JavaDouble(123456.789), "123456.789");
}

// The 5.11.0 standalone capture's values.
Neo4jMemberMetrics Capture511() {
  Neo4jMemberMetrics m;
  m.family = VersionFamily::kV5;
  Neo4jGlobalMetrics& g = m.global;
  g.vm_memory_buffer_direct_used = 7864451;
  g.vm_file_descriptors_count = 868;
  g.vm_gc_time_g1_young_generation = 71;
  g.vm_threads = 126;
  g.page_cache_usage_ratio = 0.004258578431372549;
  g.page_cache_page_faults = 314;
  g.page_cache_hits = 883;
  g.vm_heap_used = 7.5342848E7;
  g.vm_memory_pool_g1_old_gen = 6.695424E7;
  Neo4jDbMetrics neo4j;
  neo4j.name = "neo4j";
  neo4j.ids_in_use_property = 8;
  neo4j.store_size_total = 2.7036229E8;
  neo4j.store_size_database = 878258;
  neo4j.transaction_last_committed_tx_id = 3;
  Neo4jDbMetrics system;
  system.name = "system";
  system.transaction_peak_concurrent = 1;
  system.store_size_database = 1344370;
  system.store_size_total = 2.70828402E8;
  system.ids_in_use_relationship_type = 9;
  system.transaction_last_committed_tx_id = 95;
  system.ids_in_use_relationship = 111;
  system.ids_in_use_property = 135;
  system.ids_in_use_node = 55;
  system.transaction_committed_read = 3;
  system.transaction_committed = 3;
  system.transaction_rollbacks = 3;
  system.transaction_rollbacks_read = 3;
  m.dbs = {neo4j, system};
  return m;
}

// The 4.4.0 standalone capture's values.
Neo4jMemberMetrics Capture440() {
  Neo4jMemberMetrics m;
  m.family = VersionFamily::kV4;
  Neo4jGlobalMetrics& g = m.global;
  g.vm_file_descriptors_count = 526;
  g.vm_heap_used = 1.13157592E8;
  g.vm_memory_buffer_direct_used = 1728516;
  g.vm_memory_pool_g1_eden_space = 3.07232768E8;
  g.vm_thread_total = 56;
  g.vm_gc_time_g1_young_generation = 266;
  g.vm_memory_pool_g1_old_gen = 2.0882904E7;
  g.page_cache_hit_ratio = 1.0;
  g.page_cache_page_faults = 283;
  g.page_cache_usage_ratio = 0.0029871323529411763;
  g.page_cache_hits = 1648;
  g.vm_thread_count = 51;
  Neo4jDbMetrics neo4j;
  neo4j.name = "neo4j";
  neo4j.ids_in_use_property = 8;
  neo4j.transaction_last_committed_tx_id = 3;
  neo4j.store_size_database = 869066;
  neo4j.store_size_total = 2.63013514E8;
  Neo4jDbMetrics system;
  system.name = "system";
  system.transaction_rollbacks = 46;
  system.transaction_committed_read = 9;
  system.store_size_database = 1155870;
  system.store_size_total = 2.63300318E8;
  system.ids_in_use_relationship_type = 8;
  system.transaction_committed = 9;
  system.transaction_rollbacks_read = 46;
  system.ids_in_use_property = 126;
  system.ids_in_use_relationship = 101;
  system.transaction_last_committed_tx_id = 73;
  system.ids_in_use_node = 55;
  system.transaction_peak_concurrent = 1;
  m.dbs = {neo4j, system};
  return m;
}

TEST(Neo4jMetricsTest, Reproduces511CaptureByteForByte) {
  EXPECT_EQ(RenderNeo4jMetrics(Capture511()),
            ReadFixture("prometheus-standalone-5.11.0-enterprise.txt"));
}

TEST(Neo4jMetricsTest, Reproduces440CaptureByteForByte) {
  EXPECT_EQ(RenderNeo4jMetrics(Capture440()),
            ReadFixture("prometheus-standalone-4.4.0-enterprise.txt"));
}

TEST(Neo4jMetricsTest, NamingPerVersionPrefixAndNamespaces) {
  Neo4jMemberMetrics m = Capture440();
  m.dbs[0].raft_member = true;
  m.dbs[0].raft_is_leader = 1;
  std::string text = RenderNeo4jMetrics(m);
  EXPECT_EQ(Sample(text, "neo4j_neo4j_causal_clustering_core_is_leader"), 1.0);
  EXPECT_TRUE(Sample(text, "neo4j_neo4j_causal_clustering_core_replication_attempt_total"));
  EXPECT_FALSE(Sample(text, "neo4j_system_causal_clustering_core_is_leader"));
  EXPECT_NE(text.find("# HELP neo4j_neo4j_causal_clustering_core_is_leader Generated from "
                      "Dropwizard metric import (metric=neo4j.neo4j.causal_clustering.core."
                      "is_leader, type="),
            std::string::npos);
  m.namespaces = true;
  m.prefix = "acme";
  text = RenderNeo4jMetrics(m);
  EXPECT_EQ(Sample(text, "acme_database_neo4j_causal_clustering_core_is_leader"), 1.0);
  EXPECT_TRUE(Sample(text, "acme_dbms_page_cache_hits_total"));
  EXPECT_TRUE(Sample(text, "acme_dbms_pool_bolt_free"));

  Neo4jMemberMetrics v5 = Capture511();
  v5.dbs[1].name = "my-db.x";
  v5.dbs[0].raft_member = true;
  v5.dbs[0].raft_commit_index = 42;
  text = RenderNeo4jMetrics(v5);
  EXPECT_EQ(Sample(text, "neo4j_database_neo4j_cluster_raft_commit_index"), 42.0);
  EXPECT_TRUE(Sample(text, "neo4j_database_neo4j_cluster_raft_replication_fail_total"));
  EXPECT_TRUE(Sample(text, "neo4j_database_my_db_x_transaction_committed_total"));
  EXPECT_NE(text.find("(metric=neo4j.database.my-db.x.pool.transaction.my-db.x.used_heap,"),
            std::string::npos);
  EXPECT_NE(text.find("neo4j_database_neo4j_db_query_execution_latency_millis{quantile=\"0.999\""
                      ",} 0.0\n"),
            std::string::npos);
  EXPECT_EQ(text.find("_sum"), std::string::npos);
}

class Neo4jMetricsSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SimConfig config = TestTopology();
    config.member_threads = 2;
    auto sim = Simulator::Create(std::move(config), clock_);
    ASSERT_TRUE(sim.ok()) << sim.error().message;
    sim_ = std::move(*sim);
    ASSERT_TRUE(sim_->Start().ok());
  }
  void TearDown() override { sim_->Stop(); }

  void Advance(Duration d) {
    clock_.Advance(d);
    sim_->Tick();
  }
  std::string Leader(const std::string& cluster, const std::string& db) {
    for (const auto& c : sim_->State().clusters) {
      if (c.spec.name != cluster) {
        continue;
      }
      for (const auto& d : c.dbs) {
        if (d.name == db && d.leader) {
          return c.members[static_cast<std::size_t>(*d.leader)].spec.name;
        }
      }
    }
    return "";
  }
  std::string Scrape(const std::string& member) {
    Reply r = Get(sim_->MetricsUrl(member));
    EXPECT_EQ(r.status, 200) << member << " " << r.error;
    return r.body;
  }
  Status Fault(const std::string& json) {
    auto action = ParseFaultAction(nlohmann::json::parse(json));
    if (!action) {
      return action.error();
    }
    return sim_->Apply(*action);
  }

  ManualClock clock_;
  std::unique_ptr<Simulator> sim_;
};

TEST_F(Neo4jMetricsSimTest, ServesTextThatFollowsTheModel) {
  const std::string leader = Leader("v5", "neo4j");
  ASSERT_FALSE(leader.empty());
  const std::string follower = leader == "v5-1" ? "v5-2" : "v5-1";
  Reply r = Get(sim_->MetricsUrl(leader));
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.Header("content-type"), kNeo4jMetricsContentType);
  EXPECT_EQ(r.body.rfind("# HELP ", 0), 0U);
  const std::string committed = "neo4j_database_neo4j_transaction_committed_total";
  const std::string last_tx = "neo4j_database_neo4j_transaction_last_committed_tx_id_total";
  const std::string is_leader = "neo4j_database_neo4j_cluster_raft_is_leader";
  EXPECT_EQ(Sample(r.body, is_leader), 1.0);
  const double c0 = Sample(r.body, committed).value_or(-1);
  const std::string f0 = Scrape(follower);
  EXPECT_EQ(Sample(f0, is_leader), 0.0);
  const double f_tx0 = Sample(f0, last_tx).value_or(-1);

  for (int i = 0; i < 100; ++i) {
    Advance(milliseconds(100));  // 10 s at tx_rate 5/s
  }
  const std::string l1 = Scrape(leader);
  EXPECT_NEAR(Sample(l1, committed).value_or(-1) - c0, 50, 2);
  EXPECT_EQ(Sample(l1, "neo4j_database_neo4j_cluster_raft_replication_attempt_total"),
            Sample(l1, committed));
  const std::string f1 = Scrape(follower);
  EXPECT_NEAR(Sample(f1, last_tx).value_or(-1) - f_tx0, 50, 5);  // follows replication
  EXPECT_EQ(Sample(f1, committed), 0.0);  // followers apply, they do not commit
  EXPECT_LE(Sample(f1, "neo4j_database_neo4j_cluster_raft_applied_index").value_or(0),
            Sample(f1, "neo4j_database_neo4j_cluster_raft_commit_index").value_or(-1));
  // Secondaries are no Raft members.
  EXPECT_FALSE(Sample(Scrape("v5-4"), is_leader));

  // An election moves the flag.
  ASSERT_TRUE(Fault(R"({"action":"force_leader_change","cluster":"v5","database":"neo4j","to":")" +
                    follower + "\"}")
                  .ok());
  Advance(milliseconds(100));
  EXPECT_EQ(Sample(Scrape(follower), is_leader), 1.0);
  EXPECT_EQ(Sample(Scrape(leader), is_leader), 0.0);

  // 4.4 naming (namespaces off).
  const std::string v4 = Scrape("v4-1");
  EXPECT_TRUE(Sample(v4, "neo4j_neo4j_causal_clustering_core_is_leader"));
  EXPECT_TRUE(Sample(v4, "neo4j_page_cache_hits_total"));
  EXPECT_FALSE(Sample(v4, "neo4j_neo4j_cluster_raft_append_index"));
}

TEST_F(Neo4jMetricsSimTest, StoppedMemberRefusesAndRestartResetsCounters) {
  const std::string leader = Leader("cal", "neo4j");
  const std::string url = sim_->MetricsUrl(leader);
  for (int i = 0; i < 20; ++i) {
    Advance(milliseconds(100));
  }
  ASSERT_GT(Sample(Scrape(leader), "neo4j_database_neo4j_transaction_committed_total").value_or(0),
            0.0);
  ASSERT_TRUE(Fault(R"({"action":"stop_member","member":")" + leader + "\"}").ok());
  EXPECT_EQ(Get(url).curl_code, 7);
  ASSERT_TRUE(Fault(R"({"action":"restart_member","member":")" + leader + "\"}").ok());
  EXPECT_EQ(sim_->MetricsUrl(leader), url);  // same port
  EXPECT_EQ(Sample(Scrape(leader), "neo4j_database_neo4j_transaction_committed_total"), 0.0);
}

TEST_F(Neo4jMetricsSimTest, FaultModes) {
  const std::string url = sim_->MetricsUrl("v5-2");
  auto fault = [&](const std::string& body) {
    ASSERT_TRUE(Fault(R"({"action":"metrics_fault","member":"v5-2",)" + body + "}").ok()) << body;
  };
  fault(R"("mode":"disabled")");
  EXPECT_EQ(Get(url).curl_code, 7);
  fault(R"("mode":"html")");
  Reply r = Get(url);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.Header("content-type").find("text/html"), std::string::npos);
  EXPECT_NE(r.body.find("<html>"), std::string::npos);
  fault(R"("mode":"status_500")");
  EXPECT_EQ(Get(url).status, 500);
  fault(R"("mode":"garbage")");
  r = Get(url);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.rfind("# HELP", 0), 0U);
  fault(R"("mode":"huge")");
  r = Get(url, "", "", milliseconds(20000));
  EXPECT_EQ(r.status, 200);
  EXPECT_GT(r.body.size(), std::size_t{16} << 20);
  EXPECT_EQ(r.body.rfind("# HELP", 0), 0U);
  fault(R"("mode":"slow","delay":"300ms")");
  r = Get(url);
  EXPECT_EQ(r.status, 200);
  EXPECT_GE(r.seconds, 0.29);
  fault(R"("mode":"hang")");
  r = Get(url, "", "", milliseconds(300));
  EXPECT_EQ(r.curl_code, 28);
  ASSERT_TRUE(Fault(R"({"action":"reset"})").ok());
  EXPECT_EQ(Get(url).status, 200);
  EXPECT_FALSE(ParseFaultAction(nlohmann::json::parse(
      R"({"action":"metrics_fault","member":"v5-2","mode":"slow"})")));  // needs a delay
  EXPECT_FALSE(ParseFaultAction(
      nlohmann::json::parse(R"({"action":"metrics_fault","member":"v5-2","mode":"nope"})")));
}

TEST(Neo4jMetricsConfigTest, TopologyKey) {
  auto config = ParseTopologyYaml(R"(
clusters:
  - name: a
    version: 4.4.26
    credentials: {username: neo4j, password: pw}
    neo4j_metrics: {enabled: false, prefix: acme, namespaces: true}
    members: [{name: a-1}]
)");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_FALSE(config->clusters[0].neo4j_metrics.enabled);
  EXPECT_EQ(config->clusters[0].neo4j_metrics.prefix, "acme");
  EXPECT_TRUE(config->clusters[0].neo4j_metrics.namespaces);
  auto bad = ParseTopologyYaml(R"(
clusters:
  - name: a
    credentials: {username: neo4j, password: pw}
    neo4j_metrics: {enable: true}
    members: [{name: a-1}]
)");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("line 5"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace nca::sim
