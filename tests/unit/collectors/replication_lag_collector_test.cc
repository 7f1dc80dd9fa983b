#include "collectors/replication_lag_collector.h"

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
using fakes::MakeRow;
using fakes::MakeStatus;
using fakes::Value;
using neo4j::DatabaseRole;
using neo4j::Dialect;
using std::chrono::seconds;

fakes::LabelMap L(const std::string& member, const std::string& db = "neo4j") {
  return {{"neo4j_cluster", "prod"}, {"member", member}, {"database", db}};
}

// Sets member i's "neo4j" status: primary following id1 at the given applied index.
void SetApplied(FakeCluster& c, int i, int64_t applied) {
  auto s = MakeStatus("neo4j", FakeCluster::Id(i), "id1", c.AllIds());
  s.last_applied_raft_index = applied;
  c.member(i).SetStatus(std::vector{s});
}

FakeCluster& Setup44(FakeEnvironment& env, std::vector<int64_t> applied) {
  FakeCluster& c = env.AddCluster("prod", static_cast<int>(applied.size()), Dialect::kV4);
  for (int i = 1; i <= c.size(); ++i) {
    SetApplied(c, i, applied[static_cast<std::size_t>(i - 1)]);
    // 4.4 SHOW DATABASES without lastCommittedTxn (plain columns only).
    c.member(i).SetShowDatabases(
        std::vector{MakeRow("neo4j", FakeCluster::BoltAddress(i),
                            i == 1 ? DatabaseRole::kLeader : DatabaseRole::kFollower, "follower")});
  }
  return c;
}

// 5.x: every member sees every member's SHOW DATABASES row with the given committed tx / lag.
void SetRows5(FakeCluster& c, const std::vector<int64_t>& committed,
              const std::vector<int64_t>& lag) {
  std::vector<neo4j::DatabaseRow> rows;
  for (int i = 1; i <= c.size(); ++i) {
    auto r = MakeRow("neo4j", FakeCluster::BoltAddress(i),
                     i == 1 ? DatabaseRole::kLeader : DatabaseRole::kFollower, "primary");
    r.last_committed_txn = committed[static_cast<std::size_t>(i - 1)];
    r.replication_lag = lag[static_cast<std::size_t>(i - 1)];
    rows.push_back(r);
  }
  for (int i = 1; i <= c.size(); ++i) {
    c.member(i).SetShowDatabases(rows);
  }
}

TEST(ReplicationLagCollectorTest, Neo4j44LagFromRaftIndex) {
  FakeEnvironment env;
  Setup44(env, {100, 100, 90});
  ReplicationLagCollector collector;
  auto out = collector.Collect(env.Context());
  ASSERT_FALSE(out.error);
  const auto& m = out.metrics;
  EXPECT_EQ(Value(m, "neo4j_member_database_raft_applied_index", L("m3")), 90);
  EXPECT_EQ(Value(m, "neo4j_replication_lag_transactions", L("m1")), 0);
  EXPECT_EQ(Value(m, "neo4j_replication_lag_transactions", L("m2")), 0);
  EXPECT_EQ(Value(m, "neo4j_replication_lag_transactions", L("m3")), 10);
  // 4.4 rows without lastCommittedTxn: omitted.
  EXPECT_EQ(fakes::CountSamples(m, "neo4j_member_database_last_committed_tx_id"), 0);
  // Leader: 0; followers: millis / 1000.
  EXPECT_EQ(Value(m, "neo4j_member_database_seconds_since_leader_message", L("m1")), 0);
  EXPECT_EQ(Value(m, "neo4j_member_database_seconds_since_leader_message", L("m2")), 0.1);
}

TEST(ReplicationLagCollectorTest, Neo4j44IgnoresReplicationLagColumn) {
  FakeEnvironment env;
  FakeCluster& c = Setup44(env, {100, 100, 90});
  SetRows5(c, {500, 500, 480}, {0, -7, -20});
  ReplicationLagCollector collector;
  auto out = collector.Collect(env.Context());
  // The 4.x lag is the Raft index difference; the committed tx id is reported when present.
  EXPECT_EQ(Value(out.metrics, "neo4j_replication_lag_transactions", L("m3")), 10);
  EXPECT_EQ(Value(out.metrics, "neo4j_replication_lag_transactions", L("m2")), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_last_committed_tx_id", L("m3")), 480);
}

TEST(ReplicationLagCollectorTest, Neo4j5UsesReplicationLagMagnitude) {
  FakeEnvironment env;
  FakeCluster& c = env.AddCluster("prod", 3, Dialect::kV5);
  for (int i = 1; i <= 3; ++i) {
    SetApplied(c, i, 100);  // Raft indexes agree; SHOW DATABASES knows better
  }
  SetRows5(c, {2342, 2339, 2337}, {0, 3, -5});
  ReplicationLagCollector collector;
  auto out = collector.Collect(env.Context());
  const auto& m = out.metrics;
  EXPECT_EQ(Value(m, "neo4j_replication_lag_transactions", L("m1")), 0);
  EXPECT_EQ(Value(m, "neo4j_replication_lag_transactions", L("m2")), 3);
  EXPECT_EQ(Value(m, "neo4j_replication_lag_transactions", L("m3")), 5);
  EXPECT_EQ(Value(m, "neo4j_member_database_last_committed_tx_id", L("m2")), 2339);
  EXPECT_EQ(Value(m, "neo4j_member_database_raft_applied_index", L("m2")), 100);
  // Each member is asked for its own rows only.
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(c.member(i).ShowDatabasesAtArgs(),
              std::vector<std::string>{FakeCluster::BoltAddress(i)});
  }
}

TEST(ReplicationLagCollectorTest, Neo4j5CypherFailureFallsBackToRaftIndex) {
  FakeEnvironment env;
  FakeCluster& c = env.AddCluster("prod", 3, Dialect::kV5);
  SetApplied(c, 1, 50);
  SetApplied(c, 2, 42);
  SetApplied(c, 3, 50);
  for (int i = 1; i <= 3; ++i) {
    c.member(i).SetShowDatabases(MakeError(ErrorKind::kNeo4jError, "denied"));
  }
  ReplicationLagCollector collector;
  auto out = collector.Collect(env.Context());
  EXPECT_EQ(Value(out.metrics, "neo4j_replication_lag_transactions", L("m2")), 8);
  EXPECT_EQ(fakes::CountSamples(out.metrics, "neo4j_member_database_last_committed_tx_id"), 0);
}

TEST(ReplicationLagCollectorTest, StalledMemberFallsFurtherBehindAcrossRuns) {
  FakeEnvironment env;
  FakeCluster& c = Setup44(env, {100, 100, 100});
  ReplicationLagCollector collector;
  auto lag = [&](const exporter::MetricSet& m, const std::string& member) {
    return std::pair{Value(m, "neo4j_replication_lag_transactions", L(member)),
                     Value(m, "neo4j_replication_lag_seconds", L(member))};
  };

  auto out = collector.Collect(env.Context());  // t0: everyone at 100
  EXPECT_EQ(lag(out.metrics, "m3"), std::pair(std::optional(0.0), std::optional(0.0)));

  env.clock().Advance(seconds(10));  // t0+10: head 150, m3 stuck at 100
  SetApplied(c, 1, 150);
  SetApplied(c, 2, 150);
  out = collector.Collect(env.Context());
  EXPECT_EQ(lag(out.metrics, "m3"), std::pair(std::optional(50.0), std::optional(10.0)));
  EXPECT_EQ(lag(out.metrics, "m2"), std::pair(std::optional(0.0), std::optional(0.0)));

  env.clock().Advance(seconds(10));  // t0+20: head 200
  SetApplied(c, 1, 200);
  SetApplied(c, 2, 200);
  out = collector.Collect(env.Context());
  EXPECT_EQ(lag(out.metrics, "m3"), std::pair(std::optional(100.0), std::optional(20.0)));
  EXPECT_EQ(lag(out.metrics, "m1"), std::pair(std::optional(0.0), std::optional(0.0)));

  env.clock().Advance(seconds(10));  // t0+30: m3 catches up to 150, which the head had at t0+10
  SetApplied(c, 1, 250);
  SetApplied(c, 2, 250);
  SetApplied(c, 3, 150);
  out = collector.Collect(env.Context());
  EXPECT_EQ(lag(out.metrics, "m3"), std::pair(std::optional(100.0), std::optional(20.0)));

  env.clock().Advance(seconds(5));  // t0+35: m3 caught up
  SetApplied(c, 3, 250);
  out = collector.Collect(env.Context());
  EXPECT_EQ(lag(out.metrics, "m3"), std::pair(std::optional(0.0), std::optional(0.0)));
}

TEST(ReplicationLagCollectorTest, LagSecondsUseCommittedTxWhenEveryCopyReportsIt) {
  FakeEnvironment env;
  FakeCluster& c = env.AddCluster("prod", 2, Dialect::kV5);
  SetApplied(c, 1, 10);
  SetApplied(c, 2, 10);
  SetRows5(c, {1000, 1000}, {0, 0});
  ReplicationLagCollector collector;
  (void)collector.Collect(env.Context());
  env.clock().Advance(seconds(7));
  SetRows5(c, {1300, 1000}, {0, -300});  // Raft indexes did not move, the tx ids did
  auto out = collector.Collect(env.Context());
  EXPECT_EQ(Value(out.metrics, "neo4j_replication_lag_transactions", L("m2")), 300);
  EXPECT_EQ(Value(out.metrics, "neo4j_replication_lag_seconds", L("m2")), 7);
}

TEST(ReplicationLagCollectorTest, PositionOlderThanHistoryGivesALowerBound) {
  FakeEnvironment env;
  Setup44(env, {100, 100, 40});
  ReplicationLagCollector collector;
  // First run: m3 is already behind; all we know is "at least 0 s".
  auto out = collector.Collect(env.Context());
  EXPECT_EQ(Value(out.metrics, "neo4j_replication_lag_seconds", L("m3")), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_replication_lag_transactions", L("m3")), 60);
  env.clock().Advance(seconds(30));
  out = collector.Collect(env.Context());
  EXPECT_EQ(Value(out.metrics, "neo4j_replication_lag_seconds", L("m3")), 30);
}

TEST(ReplicationLagCollectorTest, HistoryIsBoundedByTheWindow) {
  FakeEnvironment env;
  FakeCluster& c = Setup44(env, {100, 100, 100});
  ReplicationLagCollector collector;
  (void)collector.Collect(env.Context());
  // The head moves every minute for 15 minutes while m3 stays at 100.
  for (int minute = 1; minute <= 15; ++minute) {
    env.clock().Advance(std::chrono::minutes(1));
    SetApplied(c, 1, 100 + minute * 10);
    SetApplied(c, 2, 100 + minute * 10);
    (void)collector.Collect(env.Context());
  }
  env.clock().Advance(seconds(1));
  auto out = collector.Collect(env.Context());
  auto s = Value(out.metrics, "neo4j_replication_lag_seconds", L("m3"));
  ASSERT_TRUE(s);
  const double window =
      std::chrono::duration<double>(ReplicationLagCollector::kHistoryWindow).count();
  // The true lag is 15 min 1 s; only about one window of history is remembered.
  EXPECT_GE(*s, window);
  EXPECT_LE(*s, window + 61);
}

TEST(ReplicationLagCollectorTest, HeadGoingBackwardsResetsTheHistory) {
  FakeEnvironment env;
  FakeCluster& c = Setup44(env, {500, 500, 500});
  ReplicationLagCollector collector;
  (void)collector.Collect(env.Context());
  env.clock().Advance(seconds(60));
  // Database recreated: positions start again from a low value.
  SetApplied(c, 1, 20);
  SetApplied(c, 2, 20);
  SetApplied(c, 3, 5);
  auto out = collector.Collect(env.Context());
  EXPECT_EQ(Value(out.metrics, "neo4j_replication_lag_transactions", L("m3")), 15);
  // Not 60 s: the old head samples (>= 5 since long ago) were discarded.
  EXPECT_EQ(Value(out.metrics, "neo4j_replication_lag_seconds", L("m3")), 0);
}

TEST(ReplicationLagCollectorTest, MissingOptionalFieldsOmitSeries) {
  FakeEnvironment env;
  FakeCluster& c = Setup44(env, {100, 100, 100});
  auto follower = MakeStatus("neo4j", "id2", "id1", c.AllIds());
  follower.millis_since_last_leader_message.reset();  // null
  c.member(2).SetStatus(std::vector{follower});
  auto secondary = MakeStatus("neo4j", "id3", "id1", c.AllIds(), /*core=*/false);
  c.member(3).SetStatus(std::vector{secondary});
  ReplicationLagCollector collector;
  auto out = collector.Collect(env.Context());
  EXPECT_FALSE(Value(out.metrics, "neo4j_member_database_seconds_since_leader_message", L("m2")));
  EXPECT_FALSE(Value(out.metrics, "neo4j_member_database_seconds_since_leader_message", L("m3")));
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_raft_applied_index", L("m3")), 10);
}

TEST(ReplicationLagCollectorTest, FailingAndHangingMembers) {
  FakeEnvironment env;
  FakeCluster& c = Setup44(env, {100, 90, 80, 70});
  c.member(1).Hang(Call::kStatus);
  c.member(4).SetStatus(MakeError(ErrorKind::kConnectionRefused, "down"));
  ReplicationLagCollector collector;
  const auto start = std::chrono::steady_clock::now();
  auto out = collector.Collect(env.Context(std::chrono::milliseconds(500)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2000));
  // m2's SHOW DATABASES was issued at once, not after waiting for the hung m1.
  auto issued = c.member(2).FirstCallTime(Call::kShowDatabases);
  ASSERT_TRUE(issued);
  EXPECT_LT(*issued - start, std::chrono::milliseconds(250));
  ASSERT_FALSE(out.error);
  EXPECT_EQ(fakes::CountWithLabel(out.metrics, "member", "m1"), 0);
  EXPECT_EQ(fakes::CountWithLabel(out.metrics, "member", "m4"), 0);
  // The head is computed from the members that answered.
  EXPECT_EQ(Value(out.metrics, "neo4j_replication_lag_transactions", L("m2")), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_replication_lag_transactions", L("m3")), 10);
}

TEST(ReplicationLagCollectorTest, NothingAnsweringIsAnError) {
  FakeEnvironment env;
  FakeCluster& c = Setup44(env, {1});
  c.member(1).SetStatus(MakeError(ErrorKind::kUnauthorized, "bad credentials"));
  ReplicationLagCollector collector;
  auto out = collector.Collect(env.Context());
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->kind, ErrorKind::kUnauthorized);
}

}  // namespace
}  // namespace nca::collectors
