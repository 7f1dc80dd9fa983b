// The real agent binary's command line: bad flags and bad configuration are rejected with one
// clear message naming the file, line and key, exit code 2, and nothing is bound.
#include <gtest/gtest.h>

#include <string>

#include "support/process.h"

namespace nca::testing {
namespace {

using std::chrono::seconds;

// Runs the agent with `args` and expects it to exit with `code` without ever logging that it
// listens (i.e. before binding any port).
std::string ExpectExit(std::vector<std::string> args, int code,
                       std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), NCA_AGENT_BIN);
  Process agent(args, env);
  auto rc = agent.WaitForExit(seconds(20));
  EXPECT_TRUE(rc.has_value()) << "agent did not exit";
  EXPECT_EQ(rc.value_or(-1), code) << agent.Stderr();
  EXPECT_EQ(agent.Stderr().find("msg=\"listening\""), std::string::npos) << agent.Stderr();
  return agent.Stderr() + agent.Stdout();
}

TEST(CliTest, HelpListsFlagsAndExitsZero) {
  std::string out = ExpectExit({"--help"}, 0);
  for (const char* flag : {"--config", "--cluster", "--web.listen-address", "--web.telemetry-path",
                           "--neo4j.password-file", "--collector.role", "--no-collector.quorum"}) {
    EXPECT_NE(out.find(flag), std::string::npos) << flag;
  }
}

// The new flags are listed where users look first.
TEST(CliTest, HelpListsTopologyFlags) {
  std::string out = ExpectExit({"--help"}, 0);
  for (const char* flag : {"--cluster-spec", "--kubernetes.mode", "--kubernetes.node-name",
                           "--kubernetes.cluster-resource", "--cross-cluster.source",
                           "--collector.zone_skew", "--collector.cross_cluster_latency"}) {
    EXPECT_NE(out.find(flag), std::string::npos) << flag;
  }
}

// A broken manifest stops the agent before it listens, naming the file and position.
TEST(CliTest, BrokenClusterSpecNamesFileAndPosition) {
  const std::string manifest =
      std::string(NCA_FIXTURE_DIR) + "/manifests/production-resilient-cluster.yaml";
  std::string out = ExpectExit({"--cluster-spec", manifest}, 2);
  EXPECT_NE(out.find("--cluster-spec: " + manifest + ":"), std::string::npos) << out;
}

// The promtool-compatible subcommands: usage errors exit 2, invalid rules exit 1 naming the file.
TEST(CliTest, RuleSubcommandsReportBadInput) {
  std::string usage = ExpectExit({"test", "rules"}, 2);
  EXPECT_NE(usage.find("at least one file"), std::string::npos) << usage;
  EXPECT_NE(ExpectExit({"test", "alerts"}, 2).find("usage"), std::string::npos);
  const std::string bad = std::string(NCA_FIXTURE_DIR) + "/rules/bad_rules1.yml";
  std::string out = ExpectExit({"check", "rules", bad}, 1);
  EXPECT_NE(out.find("bad_rules1.yml"), std::string::npos) << out;
  std::string missing = ExpectExit({"test", "rules", "no-such-test-file.yml"}, 1);
  EXPECT_NE(missing.find("no-such-test-file.yml"), std::string::npos) << missing;
}

TEST(CliTest, VersionNamesTheProgram) {
  std::string out = ExpectExit({"--version"}, 0);
  EXPECT_NE(out.find("neo4j-cluster-agent"), std::string::npos);
}

TEST(CliTest, UnknownFlagIsNamed) {
  std::string out = ExpectExit({"--web.listen-adress=:0", "--cluster", "a=http://127.0.0.1:1"}, 2);
  EXPECT_NE(out.find("--web.listen-adress"), std::string::npos) << out;
}

TEST(CliTest, NoClustersIsAnError) {
  std::string out = ExpectExit({"--web.listen-address=127.0.0.1:0"}, 2);
  EXPECT_NE(out.find("no clusters configured"), std::string::npos) << out;
}

TEST(CliTest, PasswordOnTheCommandLineIsRefusedAndNotEchoed) {
  std::string out =
      ExpectExit({"--cluster", "a=http://127.0.0.1:1", "--neo4j.password=hunter2-secret"}, 2);
  EXPECT_EQ(out.find("hunter2-secret"), std::string::npos) << out;
  EXPECT_NE(out.find("--neo4j.password"), std::string::npos) << out;
}

TEST(CliTest, BadConfigNamesFileLineAndKey) {
  std::string path = WriteTempFile("agent.yml",
                                   "clusters:\n"
                                   "  - name: east\n"
                                   "    members:\n"
                                   "      - url: ftp://neo4j-0:7474\n");
  std::string out = ExpectExit({"--config", path, "--web.listen-address=127.0.0.1:0"}, 2);
  EXPECT_NE(out.find(path + ":4:"), std::string::npos) << out;
  EXPECT_NE(out.find("clusters[0].members[0].url"), std::string::npos) << out;
}

TEST(CliTest, UnknownConfigKeyIsAnError) {
  std::string path = WriteTempFile("agent.yml",
                                   "clusters:\n"
                                   "  - name: east\n"
                                   "    memberz: []\n");
  std::string out = ExpectExit({"--config", path}, 2);
  EXPECT_NE(out.find("memberz"), std::string::npos) << out;
  EXPECT_NE(out.find(path + ":3:"), std::string::npos) << out;
}

TEST(CliTest, MissingConfigFileIsNamed) {
  std::string out = ExpectExit({"--config", "/nonexistent/agent.yml"}, 2);
  EXPECT_NE(out.find("/nonexistent/agent.yml"), std::string::npos) << out;
}

TEST(CliTest, AddressInUseIsARuntimeError) {
  // Occupy a port with a first agent, then start a second on the same port.
  Process first(
      {NCA_AGENT_BIN, "--web.listen-address=127.0.0.1:0", "--cluster", "a=http://127.0.0.1:1"});
  auto line = first.WaitForOutput("msg=\"listening\"", seconds(20));
  ASSERT_TRUE(line.has_value()) << first.Stderr();
  auto port = ParsePortFromLogLine(*line);
  ASSERT_TRUE(port.has_value()) << *line;
  Process second({NCA_AGENT_BIN, "--web.listen-address=127.0.0.1:" + std::to_string(*port),
                  "--cluster", "a=http://127.0.0.1:1"});
  auto rc = second.WaitForExit(seconds(20));
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 1) << second.Stderr();
  EXPECT_NE(second.Stderr().find("cannot listen"), std::string::npos) << second.Stderr();
  EXPECT_EQ(first.Stop(), 0) << first.Stderr();
}

}  // namespace
}  // namespace nca::testing
