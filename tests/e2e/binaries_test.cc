// The two binaries together, as the README's run command uses them: neo4j-cluster-sim with its
// embedded default topology writes an agent config; neo4j-cluster-agent monitors it.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "support/http_fetch.h"
#include "support/metrics_text.h"
#include "support/process.h"

namespace nca::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(BinariesTest, DemoTopologyIsMonitoredEndToEnd) {
  std::string dir = WriteTempFile("marker", "");
  dir = dir.substr(0, dir.rfind('/'));
  std::string agent_config = dir + "/agent.yml";
  Process sim({NCA_SIM_BIN, "--control-address=127.0.0.1:0", "--agent-config=" + agent_config});
  auto control_line = sim.WaitForOutput("msg=\"control API listening\"", seconds(30));
  ASSERT_TRUE(control_line.has_value()) << sim.Stderr();
  auto control_port = ParsePortFromLogLine(*control_line);
  ASSERT_TRUE(control_port.has_value()) << *control_line;
  // The config is written after the control line; poll for it.
  std::string config;
  for (int i = 0; i < 200 && config.empty(); ++i) {
    std::ifstream in(agent_config);
    std::stringstream ss;
    ss << in.rdbuf();
    config = ss.str();
    if (config.empty()) {
      std::this_thread::sleep_for(milliseconds(50));  // polling interval
    }
  }
  ASSERT_NE(config.find("name: legacy-44-4"), std::string::npos) << config;

  Process agent({NCA_AGENT_BIN, "--config=" + agent_config, "--web.listen-address=127.0.0.1:0",
                 "--collector.role.interval=1s", "--collector.quorum.interval=1s",
                 "--collector.failover.interval=1s", "--collector.replication_lag.interval=1s"},
                {{"NEO4J_USERNAME", "neo4j"}, {"NEO4J_PASSWORD", "demo-password-not-secret"}});
  auto line = agent.WaitForOutput("msg=\"listening\"", seconds(30));
  ASSERT_TRUE(line.has_value()) << agent.Stderr();
  std::string url = "http://127.0.0.1:" + std::to_string(ParsePortFromLogLine(*line).value_or(0));

  // Ready once every collector ran; then all three clusters have quorum and every member is up.
  bool converged = false;
  std::vector<Sample> s;
  auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (!converged && std::chrono::steady_clock::now() < deadline) {
    if (HttpGet(url + "/-/ready").status == 200) {
      s = ParseExposition(HttpGet(url + "/metrics").body);
      converged = Select(s, "neo4j_up").size() == 13;
      for (const auto& u : Select(s, "neo4j_up")) {
        converged = converged && u.value == 1.0;
      }
      for (const char* c : {"prod-east", "legacy-44", "dr-west"}) {
        converged = converged && ValueOf(s, "neo4j_quorum_ok",
                                         {{"neo4j_cluster", c}, {"database", "neo4j"}}) == 1.0;
      }
    }
    if (!converged) {
      std::this_thread::sleep_for(milliseconds(200));  // polling interval
    }
  }
  EXPECT_TRUE(converged) << HttpGet(url + "/metrics").body;

  // A fault through the simulator's control API reaches the agent's metrics.
  auto fault = HttpPost("http://127.0.0.1:" + std::to_string(*control_port) + "/faults",
                        R"({"action":"stop_member","member":"dr-west-4"})");
  ASSERT_EQ(fault.status, 200) << fault.body;
  bool down = false;
  deadline = std::chrono::steady_clock::now() + seconds(30);
  while (!down && std::chrono::steady_clock::now() < deadline) {
    s = ParseExposition(HttpGet(url + "/metrics").body);
    down = ValueOf(s, "neo4j_up", {{"neo4j_cluster", "dr-west"}, {"member", "dr-west-4"}}) == 0.0;
    if (!down) {
      std::this_thread::sleep_for(milliseconds(200));  // polling interval
    }
  }
  EXPECT_TRUE(down);
  EXPECT_EQ(agent.Stop(), 0) << agent.Stderr();
  EXPECT_EQ(sim.Stop(), 0) << sim.Stderr();
}

}  // namespace
}  // namespace nca::testing
