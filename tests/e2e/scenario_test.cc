// Scenarios against the simulator: the real agent binary observes real faults over loopback HTTP.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "harness.h"
#include "support/http_fetch.h"

namespace nca::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr auto kConverge = seconds(40);

// A 5.x cluster and a 4.4 cluster side by side; followers apply immediately so that healthy
// members show zero lag.
constexpr char kTwoClusters[] = R"(
simulator: {seed: 7}
clusters:
  - name: east
    version: 5.26.0
    credentials: {username: neo4j, password: e2e-password}
    election_timeout: 1s
    apply_lag: 0ms
    tx_rate: 20
    members:
      - {name: east-1, mode: primary}
      - {name: east-2, mode: primary}
      - {name: east-3, mode: primary}
      - {name: east-4, mode: secondary}
  - name: legacy
    version: 4.4.26
    credentials: {username: neo4j, password: e2e-password}
    election_timeout: 1s
    apply_lag: 0ms
    tx_rate: 20
    members:
      - {name: legacy-1, mode: core}
      - {name: legacy-2, mode: core}
      - {name: legacy-3, mode: core}
      - {name: legacy-4, mode: read_replica}
)";

bool HasLeader(const std::vector<Sample>& s, const std::string& cluster) {
  return !LeaderOf(s, cluster, "neo4j").empty();
}

TEST(ScenarioTest, FourFourAndFiveSideBySide) {
  SimAndAgent env(kTwoClusters);
  ASSERT_TRUE(env.Ok());
  std::vector<Sample> s;
  // Every collector publishes on its own schedule: wait until quorum, roles and member info
  // have all been observed for both clusters.
  auto leaders = [](const std::vector<Sample>& x, const char* cluster) {
    double sum = 0;
    for (const auto& l : Select(x, "neo4j_cluster_core_is_leader",
                                {{"neo4j_cluster", cluster}, {"database", "neo4j"}})) {
      sum += l.value;
    }
    return sum;
  };
  ASSERT_TRUE(env.WaitUntil(
      [&](const std::vector<Sample>& x) {
        return ValueOf(x, "neo4j_quorum_ok", {{"neo4j_cluster", "east"}, {"database", "neo4j"}}) ==
                   1.0 &&
               ValueOf(x, "neo4j_quorum_ok",
                       {{"neo4j_cluster", "legacy"}, {"database", "neo4j"}}) == 1.0 &&
               Select(x, "neo4j_member_info").size() == 8 && leaders(x, "east") >= 1 &&
               leaders(x, "legacy") >= 1;
      },
      kConverge, &s));
  for (const auto& m : env.Members("east")) {
    EXPECT_EQ(ValueOf(s, "neo4j_up", {{"neo4j_cluster", "east"}, {"member", m}}), 1.0) << m;
  }
  for (const auto& m : env.Members("legacy")) {
    EXPECT_EQ(ValueOf(s, "neo4j_up", {{"neo4j_cluster", "legacy"}, {"member", m}}), 1.0) << m;
  }
  // Dialects are detected per member.
  EXPECT_EQ(Select(s, "neo4j_member_info", {{"neo4j_cluster", "legacy"}, {"dialect", "4"}}).size(),
            4u);
  EXPECT_EQ(Select(s, "neo4j_member_info", {{"neo4j_cluster", "east"}, {"dialect", "5"}}).size(),
            4u);
  // Exactly one core leader per cluster and database, and secondaries are not cores.
  for (const char* cluster : {"east", "legacy"}) {
    EXPECT_EQ(leaders(s, cluster), 1.0) << cluster;
    EXPECT_EQ(ValueOf(s, "neo4j_quorum_voting_members",
                      {{"neo4j_cluster", cluster}, {"database", "neo4j"}}),
              3.0)
        << cluster;
  }
  EXPECT_TRUE(Select(s, "neo4j_cluster_core_is_leader", {{"member", "east-4"}}).empty());
  EXPECT_EQ(ValueOf(s, "neo4j_member_database_role",
                    {{"member", "legacy-4"}, {"database", "neo4j"}, {"role", "secondary"}}),
            1.0);
}

TEST(ScenarioTest, LeaderKilledCountsOneFailoverAndReportsTheNewLeader) {
  SimAndAgent env(kTwoClusters);
  ASSERT_TRUE(env.Ok());
  std::vector<Sample> s;
  ASSERT_TRUE(env.WaitUntil([](const auto& x) { return HasLeader(x, "east"); }, kConverge, &s));
  // No failover is counted at start-up.
  EXPECT_EQ(
      ValueOf(s, "neo4j_failover_events_total", {{"neo4j_cluster", "east"}, {"database", "neo4j"}}),
      0.0);
  std::string old_leader = LeaderOf(s, "east", "neo4j");
  env.Fault(R"({"action":"stop_member","member":")" + old_leader + R"("})");

  // The failover collector (leader_info) and the role collector (core_is_leader) run on their
  // own schedules; wait until both report the new leader.
  ASSERT_TRUE(env.WaitUntil(
      [&](const auto& x) {
        std::string now = LeaderOf(x, "east", "neo4j");
        return !now.empty() && now != old_leader &&
               ValueOf(x, "neo4j_cluster_core_is_leader",
                       {{"neo4j_cluster", "east"}, {"member", now}, {"database", "neo4j"}}) == 1.0;
      },
      kConverge, &s))
      << "no new leader reported after stopping " << old_leader;
  std::string new_leader = LeaderOf(s, "east", "neo4j");
  EXPECT_EQ(ValueOf(s, "neo4j_up", {{"neo4j_cluster", "east"}, {"member", old_leader}}), 0.0);

  // Counted once, and still once after more collection rounds.
  ASSERT_TRUE(env.WaitForCollectorRounds(3, kConverge));
  s = env.Scrape();
  EXPECT_EQ(
      ValueOf(s, "neo4j_failover_events_total", {{"neo4j_cluster", "east"}, {"database", "neo4j"}}),
      1.0);
  // The other cluster saw nothing.
  EXPECT_EQ(ValueOf(s, "neo4j_failover_events_total",
                    {{"neo4j_cluster", "legacy"}, {"database", "neo4j"}}),
            0.0);
  // Two of three primaries remain: quorum holds but tolerates no further failure.
  EXPECT_EQ(ValueOf(s, "neo4j_quorum_ok", {{"neo4j_cluster", "east"}, {"database", "neo4j"}}), 1.0);
  EXPECT_EQ(ValueOf(s, "neo4j_quorum_failures_tolerated",
                    {{"neo4j_cluster", "east"}, {"database", "neo4j"}}),
            0.0);
}

TEST(ScenarioTest, MinorityPartitionReportsQuorumLostOnThatSide) {
  SimAndAgent env(kTwoClusters);
  ASSERT_TRUE(env.Ok());
  std::vector<Sample> s;
  ASSERT_TRUE(env.WaitUntil([](const auto& x) { return HasLeader(x, "legacy"); }, kConverge, &s));
  // Cut the current leader off from the other two cores.
  std::string isolated = LeaderOf(s, "legacy", "neo4j");
  std::vector<std::string> rest;
  for (const auto& m : env.Members("legacy")) {
    if (m != isolated) {
      rest.push_back("\"" + m + "\"");
    }
  }
  std::string groups = "[[\"" + isolated + "\"],[" + rest[0] + "," + rest[1] + "," + rest[2] + "]]";
  env.Fault(R"({"action":"partition","groups":)" + groups + "}");

  ASSERT_TRUE(env.WaitUntil(
      [&](const auto& x) {
        std::string leader = LeaderOf(x, "legacy", "neo4j");
        return ValueOf(
                   x, "neo4j_member_database_has_quorum",
                   {{"neo4j_cluster", "legacy"}, {"member", isolated}, {"database", "neo4j"}}) ==
                   0.0 &&
               !leader.empty() && leader != isolated;
      },
      kConverge, &s))
      << "the isolated member " << isolated << " never reported quorum lost";
  // The majority side still has quorum; the isolated side is the only one that lost it.
  EXPECT_EQ(ValueOf(s, "neo4j_quorum_ok", {{"neo4j_cluster", "legacy"}, {"database", "neo4j"}}),
            1.0);
  for (const auto& m : env.Members("legacy")) {
    if (m == isolated || m == "legacy-4") {
      continue;
    }
    EXPECT_EQ(ValueOf(s, "neo4j_member_database_has_quorum",
                      {{"neo4j_cluster", "legacy"}, {"member", m}, {"database", "neo4j"}}),
              1.0)
        << m;
  }
  // The isolated member is still reachable by the agent: it is up, just without quorum.
  EXPECT_EQ(ValueOf(s, "neo4j_up", {{"neo4j_cluster", "legacy"}, {"member", isolated}}), 1.0);
}

TEST(ScenarioTest, StalledFollowerLagGrowsWhileOthersStayAtZero) {
  SimAndAgent env(kTwoClusters);
  ASSERT_TRUE(env.Ok());
  std::vector<Sample> s;
  ASSERT_TRUE(env.WaitUntil([](const auto& x) { return HasLeader(x, "east"); }, kConverge, &s));
  std::string leader = LeaderOf(s, "east", "neo4j");
  std::string stalled = leader == "east-2" ? "east-3" : "east-2";
  env.Fault(R"({"action":"stall_replication","member":")" + stalled + R"("})");

  auto lag_of = [](const std::vector<Sample>& x, const std::string& m) {
    return ValueOf(x, "neo4j_replication_lag_transactions",
                   {{"neo4j_cluster", "east"}, {"member", m}, {"database", "neo4j"}});
  };
  ASSERT_TRUE(env.WaitUntil([&](const auto& x) { return lag_of(x, stalled).value_or(0) >= 20; },
                            kConverge, &s));
  double first = *lag_of(s, stalled);
  ASSERT_TRUE(env.WaitUntil([&](const auto& x) { return lag_of(x, stalled).value_or(0) > first; },
                            kConverge, &s))
      << "lag did not keep growing";
  for (const auto& m : env.Members("east")) {
    if (m != stalled) {
      EXPECT_EQ(lag_of(s, m), 0.0) << m;
    }
  }
  auto secs = ValueOf(s, "neo4j_replication_lag_seconds",
                      {{"neo4j_cluster", "east"}, {"member", stalled}, {"database", "neo4j"}});
  ASSERT_TRUE(secs.has_value());
  EXPECT_GT(*secs, 0.0);
}

TEST(ScenarioTest, HungMemberNeitherStallsScrapesNorOtherMembers) {
  SimAndAgent env(kTwoClusters);
  ASSERT_TRUE(env.Ok());
  ASSERT_TRUE(env.WaitUntil([](const auto& x) { return HasLeader(x, "east"); }, kConverge));
  env.Fault(R"({"action":"hang_member","member":"east-2"})");

  // Across several collection rounds, every scrape answers promptly.
  auto deadline = std::chrono::steady_clock::now() + seconds(4);
  int scrapes = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = HttpGet(env.AgentUrl(), seconds(5));
    ASSERT_EQ(r.status, 200) << r.error;
    EXPECT_LT(r.seconds, 0.5) << "scrape took " << r.seconds << " s while a member hangs";
    ++scrapes;
  }
  EXPECT_GT(scrapes, 5);

  std::vector<Sample> s;
  ASSERT_TRUE(env.WaitUntil(
      [](const auto& x) {
        return ValueOf(x, "neo4j_up", {{"neo4j_cluster", "east"}, {"member", "east-2"}}) == 0.0;
      },
      kConverge, &s));
  // The others are still collected in the same runs.
  ASSERT_TRUE(env.WaitForCollectorRounds(2, kConverge));
  s = env.Scrape();
  for (const char* m : {"east-1", "east-3", "east-4"}) {
    EXPECT_EQ(ValueOf(s, "neo4j_up", {{"neo4j_cluster", "east"}, {"member", m}}), 1.0) << m;
    EXPECT_FALSE(Select(s, "neo4j_member_database_role",
                        {{"neo4j_cluster", "east"}, {"member", m}, {"database", "neo4j"}})
                     .empty())
        << m;
  }
  EXPECT_GT(ValueOf(s, "neo4j_member_request_errors_total",
                    {{"neo4j_cluster", "east"}, {"member", "east-2"}, {"reason", "timeout"}})
                .value_or(0),
            0.0);
  EXPECT_EQ(ValueOf(s, "neo4j_agent_collector_success", {{"collector", "role"}}), 1.0);
}

TEST(ScenarioTest, MisbehavingMembersAreReportedAndIsolated) {
  AgentOptions options;
  options.extra_args = {"--neo4j.max-response-bytes=1MiB"};
  SimAndAgent env(kTwoClusters, options);
  ASSERT_TRUE(env.Ok());
  ASSERT_TRUE(env.WaitUntil([](const auto& x) { return HasLeader(x, "east"); }, kConverge));
  env.Fault(R"({"action":"answer_mode","member":"east-1","mode":"http500"})");
  env.Fault(R"({"action":"answer_mode","member":"east-2","mode":"http401"})");
  env.Fault(R"({"action":"answer_mode","member":"east-3","mode":"malformed_json"})");
  env.Fault(R"({"action":"answer_mode","member":"east-4","mode":"oversized","size_mib":2})");

  const std::map<std::string, std::string> expected = {{"east-1", "server_error"},
                                                       {"east-2", "unauthorized"},
                                                       {"east-3", "malformed_response"},
                                                       {"east-4", "response_too_large"}};
  std::vector<Sample> s;
  bool all = env.WaitUntil(
      [&](const auto& x) {
        for (const auto& [m, reason] : expected) {
          if (ValueOf(x, "neo4j_member_request_errors_total",
                      {{"neo4j_cluster", "east"}, {"member", m}, {"reason", reason}})
                      .value_or(0) <= 0 ||
              ValueOf(x, "neo4j_up", {{"neo4j_cluster", "east"}, {"member", m}}) != 0.0) {
            return false;
          }
        }
        return true;
      },
      kConverge, &s);
  EXPECT_TRUE(all) << env.ScrapeText();
  // The other cluster is unaffected.
  for (const auto& m : env.Members("legacy")) {
    EXPECT_EQ(ValueOf(s, "neo4j_up", {{"neo4j_cluster", "legacy"}, {"member", m}}), 1.0) << m;
  }
}

TEST(ScenarioTest, SecretsNeverAppearInLogsOrMetrics) {
  SimAndAgent env(kTwoClusters);
  ASSERT_TRUE(env.Ok());
  ASSERT_TRUE(env.WaitUntil([](const auto& x) { return HasLeader(x, "east"); }, kConverge));
  // Provoke authentication failures too, so error paths are logged.
  env.Fault(R"({"action":"answer_mode","member":"east-2","mode":"http401"})");
  ASSERT_TRUE(env.WaitForCollectorRounds(2, kConverge));
  std::string metrics = env.ScrapeText();
  auto landing = HttpGet(env.AgentUrl("/"));
  EXPECT_EQ(metrics.find("e2e-password"), std::string::npos);
  EXPECT_EQ(landing.body.find("e2e-password"), std::string::npos);
  EXPECT_EQ(env.Agent().Stderr().find("e2e-password"), std::string::npos);
  // base64("neo4j:e2e-password"), as it would appear in an Authorization header.
  EXPECT_EQ(env.Agent().Stderr().find("bmVvNGo6ZTJlLXBhc3N3b3Jk"), std::string::npos);
}

TEST(ScenarioTest, WrongPasswordIsReportedAsUnauthorized) {
  AgentOptions options;
  options.env = {{"NEO4J_PASSWORD", "not-the-password"}};
  SimAndAgent env(kTwoClusters, options);
  ASSERT_TRUE(env.Ok());
  std::vector<Sample> s;
  ASSERT_TRUE(env.WaitUntil(
      [](const auto& x) {
        return ValueOf(
                   x, "neo4j_member_request_errors_total",
                   {{"neo4j_cluster", "east"}, {"member", "east-1"}, {"reason", "unauthorized"}})
                   .value_or(0) > 0;
      },
      kConverge, &s));
  EXPECT_EQ(ValueOf(s, "neo4j_up", {{"neo4j_cluster", "east"}, {"member", "east-1"}}), 0.0);
  EXPECT_NE(env.Agent().Stderr().find("Invalid username or password"), std::string::npos);
  EXPECT_EQ(env.Agent().Stderr().find("not-the-password"), std::string::npos);
}

}  // namespace
}  // namespace nca::testing
