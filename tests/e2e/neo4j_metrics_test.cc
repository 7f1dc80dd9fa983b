// Neo4j's own metrics relayed end to end: the real agent scrapes each simulated member's Neo4j
// Prometheus endpoint (served in the format of the real captures for its version) and relays it
// with the database as a label; a real Prometheus scraping the agent computes transaction rates
// per cluster and database; promtool accepts the relayed output; and each way an endpoint can
// break is reported for that member while the others keep their series. One shared set-up.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "harness.h"
#include "support/http_fetch.h"
#include "support/real_servers.h"

namespace nca::testing {
namespace {

using std::chrono::seconds;

// Database names as Neo4j allows them (letters, digits, dots, dashes): in Neo4j's metric names
// `my-db` becomes `my_db` and `foo.bar` becomes `foo_bar`; the relay labels them by their real
// names. The 4.4 cluster runs with a custom metrics.prefix and metrics.namespaces.enabled, the
// 5.x one with the defaults.
constexpr char kTopology[] = R"(
simulator: {seed: 17}
clusters:
  - name: relay-5
    version: 5.26.0
    credentials: {username: neo4j, password: relay-password}
    election_timeout: 1s
    tx_rate: 20
    databases: [my-db, foo.bar]
    members:
      - {name: r5-a, mode: primary}
      - {name: r5-b, mode: primary}
      - {name: r5-c, mode: primary}
  - name: relay-44
    version: 4.4.26
    credentials: {username: neo4j, password: relay-password}
    election_timeout: 1s
    tx_rate: 20
    neo4j_metrics: {prefix: acme, namespaces: true}
    members:
      - {name: r4-a, mode: core}
      - {name: r4-b, mode: core}
      - {name: r4-c, mode: core}
)";

bool Relaying(const std::vector<Sample>& s, const std::string& cluster, const std::string& member) {
  return ValueOf(s, "neo4j_metrics_scrape_success",
                 {{"neo4j_cluster", cluster}, {"member", member}}) == 1.0 &&
         !Select(s, "neo4j_transaction_committed_total",
                 {{"neo4j_cluster", cluster}, {"member", member}})
              .empty();
}

class Neo4jMetricsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new SimAndAgent(kTopology);
    ASSERT_TRUE(env_->Ok());
    ASSERT_TRUE(env_->WaitUntil(
        [](const std::vector<Sample>& s) {
          for (const char* m : {"r5-a", "r5-b", "r5-c"}) {
            if (!Relaying(s, "relay-5", m)) return false;
          }
          for (const char* m : {"r4-a", "r4-b", "r4-c"}) {
            if (!Relaying(s, "relay-44", m)) return false;
          }
          return true;
        },
        seconds(60)))
        << env_->ScrapeText();
  }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }
  static SimAndAgent* env_;
};
SimAndAgent* Neo4jMetricsTest::env_ = nullptr;

TEST_F(Neo4jMetricsTest, DatabasesBecomeLabelsInEveryVersion) {
  const auto s = env_->Scrape();
  for (const char* db : {"neo4j", "system", "my-db", "foo.bar"}) {
    EXPECT_FALSE(Select(s, "neo4j_transaction_committed_total",
                        {{"neo4j_cluster", "relay-5"}, {"member", "r5-a"}, {"database", db}})
                     .empty())
        << db;
  }
  for (const char* db : {"neo4j", "system"}) {
    EXPECT_FALSE(Select(s, "neo4j_transaction_committed_total",
                        {{"neo4j_cluster", "relay-44"}, {"member", "r4-a"}, {"database", db}})
                     .empty())
        << db;
  }
  // Nothing under the sanitised names, and no family still carrying a database in its name.
  EXPECT_TRUE(Select(s, "neo4j_transaction_committed_total", {{"database", "my_db"}}).empty());
  for (const Sample& x : s) {
    EXPECT_EQ(x.name.rfind("neo4j_database_", 0), std::string::npos) << x.name;
    EXPECT_EQ(x.name.rfind("neo4j_neo4j_", 0), std::string::npos) << x.name;
    EXPECT_EQ(x.name.rfind("acme_", 0), std::string::npos) << x.name;
  }
  // Global (dbms) metrics carry no database label; query latency is in seconds.
  EXPECT_FALSE(Select(s, "neo4j_vm_heap_used", {{"member", "r5-a"}}).empty());
  EXPECT_FALSE(
      Select(s, "neo4j_db_query_execution_latency_seconds_count", {{"database", "neo4j"}}).empty());
}

TEST_F(Neo4jMetricsTest, PromtoolAcceptsTheRelayedOutput) {
  auto r = RunCommand({"promtool", "check", "metrics"}, env_->ScrapeText());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "") << "promtool lint findings:\n" << r.output;
}

// The seed's throughput panel, per database, from a real Prometheus scraping the agent.
TEST_F(Neo4jMetricsTest, RealPrometheusComputesTransactionRatesPerDatabase) {
  const std::string target = env_->AgentUrl("").substr(std::string("http://").size());
  RealServer prometheus = StartPrometheus(
      "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
      "scrape_configs:\n"
      "  - job_name: neo4j-cluster-agent\n"
      "    static_configs:\n"
      "      - targets: ['" +
      target + "']\n");
  ASSERT_TRUE(prometheus.ok()) << prometheus.error;
  const std::string query =
      "sum by (neo4j_cluster, database) (rate(neo4j_transaction_committed_total[1m])) > 0";
  std::set<std::pair<std::string, std::string>> seen;
  const bool both = PollUntil(
      [&] {
        nlohmann::json j =
            GetJson(prometheus.base_url + "/api/v1/query?query=" + UrlEncodeQuery(query));
        seen.clear();
        if (!j.is_object() || j["status"] != "success") return false;
        for (const auto& r : j["data"]["result"]) {
          seen.insert({r["metric"].value("neo4j_cluster", ""), r["metric"].value("database", "")});
        }
        return seen.count({"relay-5", "neo4j"}) == 1 && seen.count({"relay-44", "neo4j"}) == 1;
      },
      seconds(60), std::chrono::milliseconds(500));
  EXPECT_TRUE(both) << "series with a positive rate: " << seen.size();
  EXPECT_EQ(prometheus.process->Stop(), 0);
}

// Each way a member's Neo4j endpoint breaks: reported for that member (success 0, the reason
// counted, nothing relayed), the other members' series intact; back to normal after a reset.
TEST_F(Neo4jMetricsTest, EachBrokenEndpointIsReportedAndTheOthersKeepTheirSeries) {
  const std::pair<const char*, const char*> modes[] = {{"disabled", "connection_refused"},
                                                       {"html", "malformed_response"},
                                                       {"garbage", "malformed_response"},
                                                       {"status_500", "http_status"},
                                                       {"hang", "timeout"},
                                                       {"huge", "response_too_large"}};
  const std::map<std::string, std::string> broken = {{"neo4j_cluster", "relay-5"},
                                                     {"member", "r5-b"}};
  for (const auto& [mode, reason] : modes) {
    SCOPED_TRACE(mode);
    const double before =
        ValueOf(env_->Scrape(), "neo4j_metrics_scrape_errors_total",
                {{"neo4j_cluster", "relay-5"}, {"member", "r5-b"}, {"reason", reason}})
            .value_or(0);
    env_->Fault(std::string(R"({"action":"metrics_fault","member":"r5-b","mode":")") + mode +
                R"("})");
    std::vector<Sample> s;
    const bool reported = env_->WaitUntil(
        [&](const std::vector<Sample>& x) {
          return ValueOf(x, "neo4j_metrics_scrape_success", broken) == 0.0 &&
                 ValueOf(x, "neo4j_metrics_scrape_errors_total",
                         {{"neo4j_cluster", "relay-5"}, {"member", "r5-b"}, {"reason", reason}})
                         .value_or(0) > before;
        },
        seconds(30), &s);
    EXPECT_TRUE(reported);
    EXPECT_TRUE(Select(s, "neo4j_transaction_committed_total", broken).empty());
    EXPECT_TRUE(Relaying(s, "relay-5", "r5-a"));
    EXPECT_TRUE(Relaying(s, "relay-5", "r5-c"));
    EXPECT_TRUE(Relaying(s, "relay-44", "r4-a"));
    EXPECT_EQ(ValueOf(s, "neo4j_agent_collector_success", {{"collector", "neo4j_metrics"}}), 1.0);
    env_->Fault(R"({"action":"metrics_fault","member":"r5-b","mode":"ok"})");
    EXPECT_TRUE(env_->WaitUntil(
        [](const std::vector<Sample>& x) { return Relaying(x, "relay-5", "r5-b"); }, seconds(30)));
  }
  // The agent logged the failure with what to check.
  EXPECT_NE(env_->Agent().Stderr().find("server.metrics.prometheus.enabled"), std::string::npos);
}

}  // namespace
}  // namespace nca::testing
