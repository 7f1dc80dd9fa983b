#include "collectors/failover_collector.h"

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
using fakes::MakeStatus;
using fakes::Value;
using neo4j::Dialect;

const fakes::LabelMap kNeo4j = {{"neo4j_cluster", "prod"}, {"database", "neo4j"}};

fakes::LabelMap Leader(const std::string& member) {
  return {{"neo4j_cluster", "prod"}, {"database", "neo4j"}, {"member", member}};
}

// Every member of `c` reports `leader` ("" = no leader) for "neo4j".
void SetLeader(FakeCluster& c, const std::string& leader) {
  for (int i = 1; i <= c.size(); ++i) {
    c.member(i).SetStatus(std::vector{MakeStatus("neo4j", FakeCluster::Id(i), leader, c.AllIds())});
  }
}

std::optional<double> Events(const exporter::MetricSet& m) {
  return Value(m, "neo4j_failover_events_total", kNeo4j);
}

std::optional<double> LastEvent(const exporter::MetricSet& m) {
  return Value(m, "neo4j_failover_last_event_timestamp_seconds", kNeo4j);
}

class FailoverCollectorTest : public ::testing::Test {
 protected:
  FailoverCollectorTest() : cluster_(env_.AddCluster("prod", 3, Dialect::kV4)) {}

  exporter::MetricSet Run() {
    auto out = collector_.Collect(env_.Context());
    return std::move(out.metrics);
  }

  FakeEnvironment env_;
  FakeCluster& cluster_;
  FailoverCollector collector_;
};

TEST_F(FailoverCollectorTest, StartupIsNotAnEvent) {
  SetLeader(cluster_, "id1");
  auto m = Run();
  EXPECT_EQ(Events(m), 0);
  EXPECT_FALSE(LastEvent(m));
  EXPECT_EQ(Value(m, "neo4j_cluster_leader_info", Leader("m1")), 1);
  EXPECT_EQ(fakes::CountSamples(m, "neo4j_cluster_leader_info"), 1);
  m = Run();
  EXPECT_EQ(Events(m), 0);
}

TEST_F(FailoverCollectorTest, LeaderChangeIsOneEvent) {
  SetLeader(cluster_, "id1");
  (void)Run();
  env_.clock().Advance(std::chrono::seconds(42));
  SetLeader(cluster_, "id2");
  auto m = Run();
  EXPECT_EQ(Events(m), 1);
  EXPECT_EQ(LastEvent(m), ToUnixSeconds(env_.clock().Now()));
  EXPECT_EQ(Value(m, "neo4j_cluster_leader_info", Leader("m2")), 1);
  EXPECT_FALSE(Value(m, "neo4j_cluster_leader_info", Leader("m1")));
  // Stable afterwards; the timestamp stays at the event.
  const double event_time = *LastEvent(m);
  env_.clock().Advance(std::chrono::seconds(5));
  m = Run();
  EXPECT_EQ(Events(m), 1);
  EXPECT_EQ(LastEvent(m), event_time);
}

TEST_F(FailoverCollectorTest, LeaderLostAndRegainedBySameMemberIsNoEvent) {
  SetLeader(cluster_, "id1");
  (void)Run();
  SetLeader(cluster_, "");
  auto m = Run();
  EXPECT_EQ(Events(m), 0);
  EXPECT_EQ(fakes::CountSamples(m, "neo4j_cluster_leader_info"), 0);
  SetLeader(cluster_, "id1");
  m = Run();
  EXPECT_EQ(Events(m), 0);
  EXPECT_FALSE(LastEvent(m));
}

TEST_F(FailoverCollectorTest, LeaderLostThenNewLeaderIsExactlyOneEvent) {
  SetLeader(cluster_, "id1");
  (void)Run();
  SetLeader(cluster_, "");
  EXPECT_EQ(Events(Run()), 0);
  SetLeader(cluster_, "id3");
  EXPECT_EQ(Events(Run()), 1);
  EXPECT_EQ(Events(Run()), 1);
}

TEST_F(FailoverCollectorTest, NobodyReachableKeepsTheBaselineAndTheCounter) {
  SetLeader(cluster_, "id1");
  (void)Run();
  for (int i = 1; i <= 3; ++i) {
    cluster_.member(i).SetStatus(MakeError(ErrorKind::kConnectionRefused, "down"));
  }
  auto out = collector_.Collect(env_.Context());
  // Every member down is Neo4j's outage (neo4j_up), not the collector's failure.
  EXPECT_FALSE(out.error);
  EXPECT_EQ(Events(out.metrics), 0);  // still reported
  SetLeader(cluster_, "id1");
  EXPECT_EQ(Events(Run()), 0);
}

TEST_F(FailoverCollectorTest, UnreachableLeaderStillReportedByOthersIsNoEvent) {
  SetLeader(cluster_, "id1");
  (void)Run();
  cluster_.member(1).SetStatus(MakeError(ErrorKind::kTimeout, "slow"));
  auto m = Run();
  EXPECT_EQ(Events(m), 0);
  // The name learned earlier is kept while the leader itself does not answer.
  EXPECT_EQ(Value(m, "neo4j_cluster_leader_info", Leader("m1")), 1);
}

TEST_F(FailoverCollectorTest, UnknownLeaderIdIsShownAsTheId) {
  SetLeader(cluster_, "id-of-someone-else");
  auto m = Run();
  EXPECT_EQ(Value(m, "neo4j_cluster_leader_info", Leader("id-of-someone-else")), 1);
}

// A node-local agent monitors one member; the leader is another server. It is named as Neo4j's
// server list and the pods name it (the pod in its advertised DNS name), as its own agent does.
TEST(FailoverCollectorNamingTest, LeaderTheAgentDoesNotMonitorIsNamedFromTheServerList) {
  FakeEnvironment env;
  FakeCluster& c = env.AddCluster("prod", 1, Dialect::kV5);
  c.member(1).SetStatus(std::vector{MakeStatus("neo4j", "id1", "id2", {"id1", "id2", "id3"})});
  neo4j::ServerRow leader = fakes::MakeServer("5f0c-uuid", "Enabled", "Available");
  leader.server_id = "id2";
  leader.address = "graph-1.graph-headless.neo4j.svc.cluster.local:7687";
  c.member(1).SetShowServers(std::vector{leader});
  FailoverCollector collector;
  auto out = collector.Collect(env.Context());
  EXPECT_EQ(Value(out.metrics, "neo4j_cluster_leader_info", Leader("graph-1")), 1);
  EXPECT_EQ(c.member(1).Calls(Call::kShowServers), 1);
  // Known from then on: not listed again.
  collector.Collect(env.Context());
  EXPECT_EQ(c.member(1).Calls(Call::kShowServers), 1);
}

TEST_F(FailoverCollectorTest, MajorityViewDecidesAndTiesPreferTheSelfReportedLeader) {
  SetLeader(cluster_, "id1");
  (void)Run();
  // m3 alone believes in itself: the majority still follows id1.
  cluster_.member(3).SetStatus(std::vector{MakeStatus("neo4j", "id3", "id3", cluster_.AllIds())});
  auto m = Run();
  EXPECT_EQ(Events(m), 0);
  EXPECT_EQ(Value(m, "neo4j_cluster_leader_info", Leader("m1")), 1);
  // m1 unreachable, m2 follows id1, m3 claims itself: a tie, won by the self-reported leader.
  cluster_.member(1).SetStatus(MakeError(ErrorKind::kTimeout, "slow"));
  m = Run();
  EXPECT_EQ(Value(m, "neo4j_cluster_leader_info", Leader("m3")), 1);
  EXPECT_EQ(Events(m), 1);
}

TEST_F(FailoverCollectorTest, SecondariesDoNotElect) {
  SetLeader(cluster_, "id1");
  (void)Run();
  cluster_.member(1).SetStatus(MakeError(ErrorKind::kTimeout, "slow"));
  cluster_.member(2).SetStatus(MakeError(ErrorKind::kTimeout, "slow"));
  cluster_.member(3).SetStatus(
      std::vector{MakeStatus("neo4j", "id3", "id2", cluster_.AllIds(), /*core=*/false)});
  auto m = Run();
  EXPECT_EQ(Events(m), 0);
  EXPECT_EQ(fakes::CountSamples(m, "neo4j_cluster_leader_info"), 0);
}

TEST_F(FailoverCollectorTest, DatabasesAndClustersAreIndependent) {
  FakeCluster& dr = env_.AddCluster("dr", 2, Dialect::kV5);
  for (int i = 1; i <= 3; ++i) {
    cluster_.member(i).SetStatus(
        std::vector{MakeStatus("neo4j", FakeCluster::Id(i), "id1", cluster_.AllIds()),
                    MakeStatus("system", FakeCluster::Id(i), "id2", cluster_.AllIds())});
  }
  SetLeader(dr, "id1");
  (void)Run();
  for (int i = 1; i <= 3; ++i) {
    cluster_.member(i).SetStatus(
        std::vector{MakeStatus("neo4j", FakeCluster::Id(i), "id1", cluster_.AllIds()),
                    MakeStatus("system", FakeCluster::Id(i), "id3", cluster_.AllIds())});
  }
  auto m = Run();
  EXPECT_EQ(Events(m), 0);
  EXPECT_EQ(
      Value(m, "neo4j_failover_events_total", {{"neo4j_cluster", "prod"}, {"database", "system"}}),
      1);
  EXPECT_EQ(
      Value(m, "neo4j_failover_events_total", {{"neo4j_cluster", "dr"}, {"database", "neo4j"}}), 0);
}

TEST_F(FailoverCollectorTest, HangingMemberDoesNotDelayTheOthers) {
  SetLeader(cluster_, "id1");
  (void)Run();
  SetLeader(cluster_, "id2");
  cluster_.member(3).Hang(Call::kStatus);
  const auto start = std::chrono::steady_clock::now();
  auto out = collector_.Collect(env_.Context(std::chrono::milliseconds(300)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  EXPECT_FALSE(out.error);
  EXPECT_EQ(Events(out.metrics), 1);
}

}  // namespace
}  // namespace nca::collectors
