#include "collectors/quorum_collector.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "fake_member_api.h"

namespace nca::collectors {
namespace {

using fakes::Call;
using fakes::FakeCluster;
using fakes::FakeEnvironment;
using fakes::MakeServer;
using fakes::MakeStatus;
using fakes::Value;
using neo4j::Dialect;

const fakes::LabelMap kNeo4j = {{"neo4j_cluster", "prod"}, {"database", "neo4j"}};

fakes::LabelMap Member(const std::string& member) {
  return {{"neo4j_cluster", "prod"}, {"member", member}, {"database", "neo4j"}};
}

// `members` primaries all following `leader` for "neo4j".
FakeCluster& MakeCluster(FakeEnvironment& env, int members, Dialect dialect = Dialect::kV4,
                         const std::string& leader = "id1") {
  FakeCluster& c = env.AddCluster("prod", members, dialect);
  for (int i = 1; i <= members; ++i) {
    c.member(i).SetStatus(std::vector{MakeStatus("neo4j", FakeCluster::Id(i), leader, c.AllIds())});
  }
  return c;
}

struct Quorum {
  std::optional<double> voting, available, size, ok, tolerated, leaders;
};

Quorum Read(const exporter::MetricSet& m) {
  return {Value(m, "neo4j_quorum_voting_members", kNeo4j),
          Value(m, "neo4j_quorum_voting_members_available", kNeo4j),
          Value(m, "neo4j_quorum_size", kNeo4j),
          Value(m, "neo4j_quorum_ok", kNeo4j),
          Value(m, "neo4j_quorum_failures_tolerated", kNeo4j),
          Value(m, "neo4j_quorum_leaders_seen", kNeo4j)};
}

TEST(QuorumCollectorTest, ThreeHealthyPrimariesTolerateOneFailure) {
  FakeEnvironment env;
  MakeCluster(env, 3);
  QuorumCollector collector;
  auto out = collector.Collect(env.Context());
  ASSERT_FALSE(out.error);
  Quorum q = Read(out.metrics);
  EXPECT_EQ(q.voting, 3);
  EXPECT_EQ(q.available, 3);
  EXPECT_EQ(q.size, 2);
  EXPECT_EQ(q.ok, 1);
  EXPECT_EQ(q.tolerated, 1);
  EXPECT_EQ(q.leaders, 1);
  for (const char* m : {"m1", "m2", "m3"}) {
    EXPECT_EQ(Value(out.metrics, "neo4j_member_database_has_quorum", Member(m)), 1) << m;
  }
}

TEST(QuorumCollectorTest, FivePrimariesTolerateTwoFailures) {
  FakeEnvironment env;
  MakeCluster(env, 5, Dialect::kV5);
  QuorumCollector collector;
  Quorum q = Read(collector.Collect(env.Context()).metrics);
  EXPECT_EQ(q.size, 3);
  EXPECT_EQ(q.tolerated, 2);
}

TEST(QuorumCollectorTest, OneOfThreeDownKeepsQuorumWithNoMargin) {
  FakeEnvironment env;
  FakeCluster& c = MakeCluster(env, 3);
  c.member(3).SetStatus(MakeError(ErrorKind::kConnectionRefused, "down"));
  QuorumCollector collector;
  auto out = collector.Collect(env.Context());
  ASSERT_FALSE(out.error);
  Quorum q = Read(out.metrics);
  EXPECT_EQ(q.voting, 3);  // the reachable members still count m3 as a voter
  EXPECT_EQ(q.available, 2);
  EXPECT_EQ(q.ok, 1);
  EXPECT_EQ(q.tolerated, 0);
  EXPECT_FALSE(Value(out.metrics, "neo4j_member_database_has_quorum", Member("m3")));
}

TEST(QuorumCollectorTest, TwoOfThreeDownLosesQuorum) {
  FakeEnvironment env;
  FakeCluster& c = MakeCluster(env, 3);
  c.member(2).SetStatus(MakeError(ErrorKind::kTimeout, "slow"));
  c.member(3).SetStatus(MakeError(ErrorKind::kConnectionRefused, "down"));
  QuorumCollector collector;
  Quorum q = Read(collector.Collect(env.Context()).metrics);
  EXPECT_EQ(q.available, 1);
  EXPECT_EQ(q.ok, 0);
  EXPECT_EQ(q.tolerated, 0);
}

TEST(QuorumCollectorTest, MinorityPartitionReportsQuorumLostOnItsSide) {
  FakeEnvironment env;
  FakeCluster& c = MakeCluster(env, 3, Dialect::kV4, "id2");
  // m1 is cut off: it sees no leader (even though it still thinks it participates).
  auto s = MakeStatus("neo4j", "id1", "", c.AllIds());
  s.participating_in_raft_group = true;
  c.member(1).SetStatus(std::vector{s});
  QuorumCollector collector;
  auto out = collector.Collect(env.Context());
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_has_quorum", Member("m1")), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_has_quorum", Member("m2")), 1);
  Quorum q = Read(out.metrics);
  EXPECT_EQ(q.ok, 1);
  EXPECT_EQ(q.available, 2);
  EXPECT_EQ(q.leaders, 1);
}

TEST(QuorumCollectorTest, TwoLeadersIsNotOk) {
  FakeEnvironment env;
  FakeCluster& c = MakeCluster(env, 3);
  // m3 believes it is the leader, m1 and m2 follow m1.
  c.member(3).SetStatus(std::vector{MakeStatus("neo4j", "id3", "id3", c.AllIds())});
  QuorumCollector collector;
  auto out = collector.Collect(env.Context());
  Quorum q = Read(out.metrics);
  EXPECT_EQ(q.leaders, 2);
  EXPECT_EQ(q.available, 2);  // only the followers of the majority leader
  EXPECT_EQ(q.ok, 0);
  EXPECT_EQ(q.tolerated, 0);
}

TEST(QuorumCollectorTest, UnhealthyOrNonParticipatingPrimariesAreNotAvailable) {
  FakeEnvironment env;
  FakeCluster& c = MakeCluster(env, 3);
  auto unhealthy = MakeStatus("neo4j", "id2", "id1", c.AllIds());
  unhealthy.healthy = false;
  c.member(2).SetStatus(std::vector{unhealthy});
  auto missing_health = MakeStatus("neo4j", "id3", "id1", c.AllIds());
  missing_health.healthy.reset();  // counts as healthy
  c.member(3).SetStatus(std::vector{missing_health});
  QuorumCollector collector;
  auto out = collector.Collect(env.Context());
  Quorum q = Read(out.metrics);
  EXPECT_EQ(q.available, 2);
  EXPECT_EQ(q.ok, 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_has_quorum", Member("m2")), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_has_quorum", Member("m3")), 1);

  auto not_participating = MakeStatus("neo4j", "id3", "id1", c.AllIds());
  not_participating.participating_in_raft_group = false;
  c.member(3).SetStatus(std::vector{not_participating});
  q = Read(collector.Collect(env.Context()).metrics);
  EXPECT_EQ(q.available, 1);
  EXPECT_EQ(q.ok, 0);
}

TEST(QuorumCollectorTest, SecondariesDoNotCount) {
  FakeEnvironment env;
  FakeCluster& c = MakeCluster(env, 4);
  std::vector<std::string> voters = {"id1", "id2", "id3"};
  for (int i = 1; i <= 3; ++i) {
    c.member(i).SetStatus(std::vector{MakeStatus("neo4j", FakeCluster::Id(i), "id1", voters)});
  }
  c.member(4).SetStatus(std::vector{MakeStatus("neo4j", "id4", "id1", voters, /*core=*/false)});
  QuorumCollector collector;
  auto out = collector.Collect(env.Context());
  Quorum q = Read(out.metrics);
  EXPECT_EQ(q.voting, 3);
  EXPECT_EQ(q.available, 3);
  EXPECT_FALSE(Value(out.metrics, "neo4j_member_database_has_quorum", Member("m4")));
}

TEST(QuorumCollectorTest, VotingMembersIsTheUnionOfTheReportedSets) {
  FakeEnvironment env;
  FakeCluster& c = MakeCluster(env, 3);
  // m3 was just added: m1 already lists it, m2 not yet.
  c.member(2).SetStatus(std::vector{MakeStatus("neo4j", "id2", "id1", {"id1", "id2"})});
  QuorumCollector collector;
  EXPECT_EQ(Read(collector.Collect(env.Context()).metrics).voting, 3);
}

// A DaemonSet agent monitors only the member on its node: it reports the Raft group and the
// leader it sees, but does not judge the majority (that member's peers are not "down").
TEST(QuorumCollectorTest, PartialViewDoesNotJudgeTheMajority) {
  FakeEnvironment env;
  FakeCluster& c = env.AddCluster("prod", 1, Dialect::kV5);
  c.member(1).SetStatus(std::vector{MakeStatus("neo4j", "id1", "id2", {"id1", "id2", "id3"})});
  QuorumCollector collector;
  auto out = collector.Collect(env.Context());
  ASSERT_FALSE(out.error);
  Quorum q = Read(out.metrics);
  EXPECT_EQ(q.voting, 3);
  EXPECT_EQ(q.size, 2);
  EXPECT_EQ(q.leaders, 1);
  EXPECT_FALSE(q.available);
  EXPECT_FALSE(q.ok);
  EXPECT_FALSE(q.tolerated);
  EXPECT_EQ(Value(out.metrics, "neo4j_quorum_view_complete", kNeo4j), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_has_quorum", Member("m1")), 1);

  // Monitoring every member again: the majority is judged.
  FakeEnvironment full;
  MakeCluster(full, 3);
  auto all = collector.Collect(full.Context());
  EXPECT_EQ(Value(all.metrics, "neo4j_quorum_view_complete", kNeo4j), 1);
  EXPECT_EQ(Read(all.metrics).ok, 1);
}

TEST(QuorumCollectorTest, ExpectedTopologyIsTheFallbackWhenNoPrimaryAnswers) {
  FakeEnvironment env;
  FakeCluster& c = MakeCluster(env, 4);
  for (int i = 1; i <= 3; ++i) {
    c.member(i).SetStatus(MakeError(ErrorKind::kTimeout, "slow"));
  }
  c.member(4).SetStatus(
      std::vector{MakeStatus("neo4j", "id4", "id1", {"id1", "id2", "id3"}, false)});
  QuorumCollector collector;
  // Neither a primary's view nor an expected topology: nothing to say.
  auto out = collector.Collect(env.Context());
  EXPECT_FALSE(out.error);
  EXPECT_FALSE(Read(out.metrics).voting);
  EXPECT_FALSE(Read(out.metrics).ok);

  c.config().expected.primaries = 3;
  Quorum q = Read(collector.Collect(env.Context()).metrics);
  EXPECT_EQ(q.voting, 3);
  EXPECT_EQ(q.available, 0);
  EXPECT_EQ(q.size, 2);
  EXPECT_EQ(q.ok, 0);
  EXPECT_EQ(q.leaders, 0);
}

TEST(QuorumCollectorTest, ServersFromOneMemberPerCluster) {
  FakeEnvironment env;
  FakeCluster& c = MakeCluster(env, 3, Dialect::kV5);
  std::vector<neo4j::ServerRow> rows = {
      MakeServer("s1", "Enabled", "Available"), MakeServer("s2", "Enabled", "Available"),
      MakeServer("s3", "Cordoned", "Available"), MakeServer("s4", "Deallocated", "Unavailable")};
  for (int i = 1; i <= 3; ++i) {
    c.member(i).SetShowServers(rows);
  }
  QuorumCollector collector;
  auto out = collector.Collect(env.Context());
  auto servers = [&](const std::string& state, const std::string& health) {
    return Value(out.metrics, "neo4j_cluster_servers",
                 {{"neo4j_cluster", "prod"}, {"state", state}, {"health", health}});
  };
  EXPECT_EQ(servers("Enabled", "Available"), 2);
  EXPECT_EQ(servers("Enabled", "Unavailable"), 0);  // always reported
  EXPECT_EQ(servers("Cordoned", "Available"), 1);
  EXPECT_EQ(servers("Deallocated", "Unavailable"), 1);
  EXPECT_FALSE(servers("Free", "Available"));  // not observed: not reported
  EXPECT_EQ(fakes::CountSamples(out.metrics, "neo4j_cluster_servers"), 4);
  EXPECT_EQ(c.member(1).Calls(Call::kShowServers), 1);
  EXPECT_EQ(c.member(2).Calls(Call::kShowServers), 0);
  EXPECT_EQ(c.member(3).Calls(Call::kShowServers), 0);
}

TEST(QuorumCollectorTest, ServersAskTheNextMemberWhenTheFirstHasNoDiscovery) {
  FakeEnvironment env;
  FakeCluster& c = MakeCluster(env, 3, Dialect::kV5);
  c.member(1).SetDiscovery(MakeError(ErrorKind::kConnectionRefused, "down"));
  c.member(2).SetShowServers(std::vector{MakeServer("s1", "Enabled", "Unavailable")});
  QuorumCollector collector;
  auto out = collector.Collect(env.Context());
  EXPECT_EQ(Value(out.metrics, "neo4j_cluster_servers",
                  {{"neo4j_cluster", "prod"}, {"state", "Enabled"}, {"health", "Unavailable"}}),
            1);
  EXPECT_EQ(c.member(1).Calls(Call::kShowServers), 0);
  EXPECT_EQ(c.member(2).Calls(Call::kShowServers), 1);
}

TEST(QuorumCollectorTest, Neo4j44HasNoServerStates) {
  FakeEnvironment env;
  FakeCluster& c = MakeCluster(env, 3, Dialect::kV4);
  QuorumCollector collector;
  auto out = collector.Collect(env.Context());
  EXPECT_EQ(fakes::CountSamples(out.metrics, "neo4j_cluster_servers"), 0);
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(c.member(i).Calls(Call::kShowServers), 0);
  }
}

TEST(QuorumCollectorTest, HangingMemberDoesNotDelayTheOthers) {
  FakeEnvironment env;
  FakeCluster& c = MakeCluster(env, 3, Dialect::kV5);
  c.member(1).Hang(Call::kStatus);
  c.member(2).SetShowServers(std::vector{MakeServer("s1", "Enabled", "Available")});
  QuorumCollector collector;
  const auto start = std::chrono::steady_clock::now();
  auto out = collector.Collect(env.Context(std::chrono::milliseconds(300)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  ASSERT_FALSE(out.error);
  Quorum q = Read(out.metrics);
  EXPECT_EQ(q.voting, 3);
  EXPECT_EQ(q.available, 2);  // m1 (the leader) is not reachable, m2 and m3 still follow it
  EXPECT_EQ(q.ok, 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_has_quorum", Member("m2")), 1);
  EXPECT_FALSE(Value(out.metrics, "neo4j_member_database_has_quorum", Member("m1")));
  // m1 was not ready, so the servers came from m2.
  EXPECT_EQ(Value(out.metrics, "neo4j_cluster_servers",
                  {{"neo4j_cluster", "prod"}, {"state", "Enabled"}, {"health", "Available"}}),
            1);
}

TEST(QuorumCollectorTest, NothingAnsweringIsAnError) {
  FakeEnvironment env;
  FakeCluster& c = MakeCluster(env, 2);
  c.member(1).SetStatus(MakeError(ErrorKind::kTimeout, "slow"));
  c.member(2).SetStatus(MakeError(ErrorKind::kTimeout, "slow"));
  c.config().expected.primaries = 2;
  QuorumCollector collector;
  auto out = collector.Collect(env.Context());
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->kind, ErrorKind::kTimeout);
  // Unreachable from here is not "quorum lost": no cluster-level series at all.
  EXPECT_FALSE(Read(out.metrics).ok);
}

}  // namespace
}  // namespace nca::collectors
