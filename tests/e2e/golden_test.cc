// Golden-file end-to-end test (after node_exporter's end-to-end-test.sh): the real agent against a
// deterministic simulated topology; the sorted /metrics output, minus the series matching
// kSkipPattern (values that depend on timing), must equal tests/golden/metrics.txt. The same real
// output must pass `promtool check metrics`, and a real Prometheus must scrape it.
//
// Regenerate the golden file after an intended change:
//   NCA_UPDATE_GOLDEN=1 build/asan/tests/e2e_tests --gtest_filter='GoldenTest.*'
// and review the diff.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "config/loader.h"
#include "harness.h"
#include "support/http_fetch.h"
#include "support/real_servers.h"

namespace nca::testing {
namespace {

using std::chrono::seconds;

// Series whose values depend on wall-clock time or on the machine. Documented in
// tests/golden/README.md; keep the two in sync.
constexpr char kSkipPattern[] =
    R"(^(process_|neo4j_agent_build_info|neo4j_agent_collector_duration_seconds|)"
    R"(neo4j_agent_collector_last_success_timestamp_seconds|neo4j_member_last_success_timestamp_seconds|)"
    R"(neo4j_member_database_seconds_since_leader_message|neo4j_agent_alerts|)"
    R"(neo4j_agent_rule_evaluation|neo4j_agent_rule_group_last_|neo4j_agent_rule_history_memory|)"
    R"(neo4j_agent_rule_history_series|neo4j_agent_rules_last_reload_success_timestamp|)"
    R"(neo4j_metrics_scrape_duration_seconds|neo4j_vm_|neo4j_page_cache_hits|)"
    // The simulator's hit ratio counts hits per second of uptime: a slow start moves it.
    R"(neo4j_page_cache_hit_ratio|)"
    R"(neo4j_check_point_events|neo4j_cluster_raft_last_leader_message|)"
    R"(neo4j_causal_clustering_core_last_leader_message))";

// A frozen topology: no transactions, so indices and lags are deterministic.
constexpr char kGoldenTopology[] = R"(
simulator: {seed: 3}
clusters:
  - name: golden-5
    version: 5.26.0
    credentials: {username: neo4j, password: golden-password}
    tx_rate: 0
    system_tx_rate: 0
    members:
      - {name: g5-a, mode: primary}
      - {name: g5-b, mode: primary}
      - {name: g5-c, mode: primary}
      - {name: g5-d, mode: secondary}
  - name: golden-44
    version: 4.4.26
    credentials: {username: neo4j, password: golden-password}
    tx_rate: 0
    system_tx_rate: 0
    members:
      - {name: g4-a, mode: core}
      - {name: g4-b, mode: core}
      - {name: g4-c, mode: core}
      - {name: g4-d, mode: read_replica}
)";

std::string GoldenPath() { return std::string(NCA_SOURCE_DIR) + "/tests/golden/metrics.txt"; }

// Drops skipped families (their HELP/TYPE lines too) and sorts: the comparable form.
std::string Canonical(const std::string& exposition) {
  std::regex skip(kSkipPattern);
  std::vector<std::string> lines;
  std::istringstream in(exposition);
  std::string line;
  while (std::getline(in, line)) {
    std::string name = line;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      name = line.substr(7);
    }
    if (std::regex_search(name, skip)) {
      continue;
    }
    lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) {
    out += l + "\n";
  }
  return out;
}

bool Converged(const std::vector<Sample>& s) {
  for (const char* c : {"golden-5", "golden-44"}) {
    for (const char* db : {"neo4j", "system"}) {
      if (ValueOf(s, "neo4j_quorum_ok", {{"neo4j_cluster", c}, {"database", db}}) != 1.0 ||
          LeaderOf(s, c, db).empty()) {
        return false;
      }
    }
  }
  for (const auto& u : Select(s, "neo4j_up")) {
    if (u.value != 1.0) {
      return false;
    }
  }
  return Select(s, "neo4j_up").size() == 8 &&
         Select(s, "neo4j_agent_collector_success").size() == config::KnownCollectors().size();
}

class GoldenTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new SimAndAgent(kGoldenTopology);
    ASSERT_TRUE(env_->Ok());
    std::vector<Sample> s;
    ASSERT_TRUE(env_->WaitUntil(Converged, seconds(60), &s)) << env_->ScrapeText();
    // One more full round so that every collector has seen the converged cluster.
    ASSERT_TRUE(env_->WaitForCollectorRounds(1, seconds(30)));
    text_ = new std::string(env_->ScrapeText());
  }
  static void TearDownTestSuite() {
    delete env_;
    delete text_;
    env_ = nullptr;
    text_ = nullptr;
  }
  static SimAndAgent* env_;
  static std::string* text_;
};
SimAndAgent* GoldenTest::env_ = nullptr;
std::string* GoldenTest::text_ = nullptr;

TEST_F(GoldenTest, MetricsMatchGoldenFile) {
  ASSERT_NE(text_, nullptr);
  std::string got = Canonical(*text_);
  if (std::getenv("NCA_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(GoldenPath()) << got;
    GTEST_SKIP() << "golden file rewritten: " << GoldenPath();
  }
  std::ifstream in(GoldenPath());
  ASSERT_TRUE(in.good()) << "missing " << GoldenPath() << " (run with NCA_UPDATE_GOLDEN=1)";
  std::stringstream want;
  want << in.rdbuf();
  EXPECT_EQ(got, want.str()) << "diff the output with the golden file; regenerate with "
                                "NCA_UPDATE_GOLDEN=1 if the change is intended";
}

TEST_F(GoldenTest, PromtoolAcceptsTheRealOutput) {
  ASSERT_NE(text_, nullptr);
  auto r = RunCommand({"promtool", "check", "metrics"}, *text_);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "") << "promtool lint findings:\n" << r.output;
}

TEST_F(GoldenTest, ContentTypeIsPrometheusText) {
  auto r = HttpGet(env_->AgentUrl());
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  auto ready = HttpGet(env_->AgentUrl("/-/ready"));
  EXPECT_EQ(ready.status, 200);
  auto landing = HttpGet(env_->AgentUrl("/"));
  EXPECT_EQ(landing.status, 200);
  EXPECT_NE(landing.body.find("/metrics"), std::string::npos);
}

// A real Prometheus (Debian's 2.42) scrapes the agent with a target label `cluster`, as the seed's
// scrape config does; the agent's own labels must not clash with it.
TEST_F(GoldenTest, RealPrometheusScrapesTheAgent) {
  ASSERT_NE(env_, nullptr);
  std::string target = env_->AgentUrl("").substr(std::string("http://").size());
  std::string config =
      "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
      "scrape_configs:\n"
      "  - job_name: neo4j-cluster-agent\n"
      "    static_configs:\n"
      "      - targets: ['" +
      target +
      "']\n"
      "        labels: {cluster: primary}\n";
  RealServer prometheus = StartPrometheus(config);
  ASSERT_TRUE(prometheus.ok()) << prometheus.error;
  const std::string base = prometheus.base_url;
  auto query = [&](const std::string& q) {
    std::string url = base + "/api/v1/query?query=" + q;
    auto r = HttpGet(url, seconds(5));
    return r.status == 200 ? nlohmann::json::parse(r.body, nullptr, false) : nlohmann::json();
  };
  // up == 1 and a quorum series carrying both the target label and ours.
  auto deadline = std::chrono::steady_clock::now() + seconds(60);
  bool up = false;
  bool labelled = false;
  while (std::chrono::steady_clock::now() < deadline && !(up && labelled)) {
    auto u = query("up%7Bjob%3D%22neo4j-cluster-agent%22%7D");
    up = u.is_object() && u["data"]["result"].size() == 1 &&
         u["data"]["result"][0]["value"][1] == "1";
    auto q = query(
        "neo4j_quorum_ok%7Bcluster%3D%22primary%22%2Cneo4j_cluster%3D%22golden-5%22%2C"
        "database%3D%22neo4j%22%7D");
    labelled = q.is_object() && q["data"]["result"].size() == 1;
    if (!(up && labelled)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));  // polling interval
    }
  }
  EXPECT_TRUE(up) << prometheus.process->Stderr();
  EXPECT_TRUE(labelled) << prometheus.process->Stderr();
  // No `exported_*` labels: nothing of ours collided with a target label.
  auto clash = query("%7B__name__%3D~%22neo4j_.%2B%22%2Cexported_cluster%21%3D%22%22%7D");
  EXPECT_TRUE(clash.is_object() && clash["data"]["result"].empty()) << clash.dump();
  EXPECT_EQ(prometheus.process->Stop(), 0);
}

}  // namespace
}  // namespace nca::testing
