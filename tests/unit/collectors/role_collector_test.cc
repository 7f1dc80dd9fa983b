#include "collectors/role_collector.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fake_member_api.h"
#include "neo4j/parsers.h"

namespace nca::collectors {
namespace {

using fakes::FakeCluster;
using fakes::FakeEnvironment;
using fakes::MakeEndpoint;
using fakes::MakeRow;
using fakes::MakeStatus;
using fakes::Value;
using neo4j::DatabaseRole;
using neo4j::Dialect;
using neo4j::EndpointKind;
using neo4j::EndpointState;

fakes::LabelMap L(const std::string& member, const std::string& db) {
  return {{"neo4j_cluster", "prod"}, {"member", member}, {"database", db}};
}

fakes::LabelMap LR(const std::string& member, const std::string& db, const std::string& role) {
  auto l = L(member, db);
  l["role"] = role;
  return l;
}

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(NCA_FIXTURE_DIR) + "/neo4j/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Member i answers available=true and writable=(i is the writer) for each database.
void SetEndpoints(FakeCluster& c, int i, const std::vector<std::string>& dbs, int writer) {
  for (const auto& db : dbs) {
    c.member(i).SetEndpoint(db, EndpointKind::kAvailable, MakeEndpoint(EndpointState::kTrue));
    c.member(i).SetEndpoint(
        db, EndpointKind::kWritable,
        MakeEndpoint(i == writer ? EndpointState::kTrue : EndpointState::kFalse));
  }
}

// 4.4 cluster of three cores; id1 leads "neo4j", id2 leads "system".
FakeCluster& Setup44(FakeEnvironment& env) {
  FakeCluster& c = env.AddCluster("prod", 3, Dialect::kV4);
  const auto ids = c.AllIds();
  for (int i = 1; i <= 3; ++i) {
    auto neo = MakeStatus("neo4j", FakeCluster::Id(i), "id1", ids);
    auto sys = MakeStatus("system", FakeCluster::Id(i), "id2", ids);
    c.member(i).SetStatus(std::vector{neo, sys});
    SetEndpoints(c, i, {"neo4j"}, 1);
    SetEndpoints(c, i, {"system"}, 2);
    c.member(i).SetClusterRoles(std::vector<std::pair<std::string, std::string>>{
        {"neo4j", i == 1 ? "LEADER" : "FOLLOWER"}, {"system", i == 2 ? "LEADER" : "FOLLOWER"}});
  }
  return c;
}

TEST(RoleCollectorTest, Neo4j44ThreeCores) {
  FakeEnvironment env;
  FakeCluster& c = Setup44(env);
  // Only m1 reports discovery health (a later 4.x field).
  auto statuses = std::vector{MakeStatus("neo4j", "id1", "id1", c.AllIds()),
                              MakeStatus("system", "id1", "id2", c.AllIds())};
  statuses[0].discovery_healthy = false;
  statuses[1].discovery_healthy = true;
  c.member(1).SetStatus(statuses);

  RoleCollector collector;
  auto out = collector.Collect(env.Context());
  ASSERT_FALSE(out.error) << out.error->ToString();
  const auto& m = out.metrics;

  EXPECT_EQ(Value(m, "neo4j_cluster_core_is_leader", L("m1", "neo4j")), 1);
  EXPECT_EQ(Value(m, "neo4j_cluster_core_is_leader", L("m2", "neo4j")), 0);
  EXPECT_EQ(Value(m, "neo4j_cluster_core_is_leader", L("m2", "system")), 1);
  EXPECT_EQ(Value(m, "neo4j_cluster_core_is_leader", L("m3", "system")), 0);

  EXPECT_EQ(Value(m, "neo4j_member_database_role", LR("m1", "neo4j", "leader")), 1);
  EXPECT_EQ(Value(m, "neo4j_member_database_role", LR("m1", "neo4j", "follower")), 0);
  EXPECT_EQ(Value(m, "neo4j_member_database_role", LR("m3", "neo4j", "follower")), 1);
  // A full state set: six series per member and database.
  EXPECT_EQ(fakes::CountSamples(m, "neo4j_member_database_role", L("m3", "neo4j")), 6);
  for (const char* r : {"leader", "candidate", "secondary", "standalone", "unknown"}) {
    EXPECT_EQ(Value(m, "neo4j_member_database_role", LR("m3", "neo4j", r)), 0) << r;
  }

  EXPECT_EQ(Value(m, "neo4j_member_database_writable", L("m1", "neo4j")), 1);
  EXPECT_EQ(Value(m, "neo4j_member_database_writable", L("m1", "system")), 0);
  EXPECT_EQ(Value(m, "neo4j_member_database_writable", L("m2", "system")), 1);
  EXPECT_EQ(Value(m, "neo4j_member_database_available", L("m3", "neo4j")), 1);
  EXPECT_EQ(Value(m, "neo4j_member_database_healthy", L("m2", "neo4j")), 1);
  EXPECT_EQ(Value(m, "neo4j_member_database_participating_in_raft", L("m2", "neo4j")), 1);

  // Max over databases; absent where no database reports it.
  EXPECT_EQ(
      Value(m, "neo4j_member_discovery_healthy", {{"neo4j_cluster", "prod"}, {"member", "m1"}}), 1);
  EXPECT_EQ(fakes::CountSamples(m, "neo4j_member_discovery_healthy"), 1);

  // The 4.x official role comes from dbms.cluster.role for the member's databases.
  auto args = c.member(2).ClusterRolesArgs();
  ASSERT_EQ(args.size(), 1u);
  EXPECT_EQ(args[0], (std::vector<std::string>{"neo4j", "system"}));
  EXPECT_EQ(c.member(2).Calls(fakes::Call::kShowDatabases), 0);
}

TEST(RoleCollectorTest, OfficialRoleWinsOverTheStatusView) {
  FakeEnvironment env;
  FakeCluster& c = Setup44(env);
  // m3 has not heard from the leader yet (status says no leader), but the procedure says FOLLOWER.
  c.member(3).SetStatus(std::vector{MakeStatus("neo4j", "id3", "", c.AllIds()),
                                    MakeStatus("system", "id3", "id2", c.AllIds())});
  RoleCollector collector;
  auto out = collector.Collect(env.Context());
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_role", LR("m3", "neo4j", "follower")), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_role", LR("m3", "neo4j", "candidate")), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_participating_in_raft", L("m3", "neo4j")), 0);

  // Without the procedure the status decides: core without a leader is a candidate.
  c.member(3).SetClusterRoles(MakeError(ErrorKind::kNeo4jError, "procedure failed"));
  out = collector.Collect(env.Context());
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_role", LR("m3", "neo4j", "candidate")), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_cluster_core_is_leader", L("m3", "neo4j")), 0);
}

TEST(RoleCollectorTest, UsesTheDocumentedDbmsClusterStatusPayload) {
  // The 4.4 docs example: this member is the leader of both databases.
  auto parsed = neo4j::ParseDbmsClusterStatus(ReadFixture("dbms-cluster-status-docs-4.4.json"));
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  FakeEnvironment env;
  FakeCluster& c = env.AddCluster("prod", 1, Dialect::kV4);
  c.member(1).SetStatus(*parsed);
  c.member(1).SetClusterRoles(MakeError(ErrorKind::kTimeout, "slow"));
  RoleCollector collector;
  auto out = collector.Collect(env.Context());
  ASSERT_FALSE(out.error);
  EXPECT_EQ(Value(out.metrics, "neo4j_cluster_core_is_leader", L("m1", "neo4j")), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_cluster_core_is_leader", L("m1", "system")), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_healthy", L("m1", "system")), 1);
  // Endpoints failed (nothing set in the fake): no writable/available series rather than 0.
  EXPECT_EQ(fakes::CountSamples(out.metrics, "neo4j_member_database_writable"), 0);
  EXPECT_EQ(fakes::CountSamples(out.metrics, "neo4j_member_database_available"), 0);
}

// 5.x: three primaries and a secondary; m3 is the writer of "neo4j".
FakeCluster& Setup5(FakeEnvironment& env) {
  FakeCluster& c = env.AddCluster("prod", 4, Dialect::kV5);
  std::vector<std::string> voters = {"id1", "id2", "id3"};
  std::vector<neo4j::DatabaseRow> rows;
  for (int i = 1; i <= 4; ++i) {
    const bool primary = i <= 3;
    auto s = MakeStatus("neo4j", FakeCluster::Id(i), "id3", voters, primary);
    s.discovery_healthy.reset();
    c.member(i).SetStatus(std::vector{s});
    SetEndpoints(c, i, {"neo4j"}, 3);
    DatabaseRole role = !primary ? DatabaseRole::kSecondary
                                 : (i == 3 ? DatabaseRole::kLeader : DatabaseRole::kFollower);
    rows.push_back(
        MakeRow("neo4j", FakeCluster::BoltAddress(i), role, primary ? "primary" : "secondary"));
  }
  for (int i = 1; i <= 4; ++i) {
    c.member(i).SetShowDatabases(rows);
  }
  return c;
}

TEST(RoleCollectorTest, Neo4j5UsesOwnShowDatabasesRow) {
  FakeEnvironment env;
  FakeCluster& c = Setup5(env);
  RoleCollector collector;
  auto out = collector.Collect(env.Context());
  ASSERT_FALSE(out.error);
  const auto& m = out.metrics;
  EXPECT_EQ(Value(m, "neo4j_cluster_core_is_leader", L("m3", "neo4j")), 1);
  EXPECT_EQ(Value(m, "neo4j_cluster_core_is_leader", L("m1", "neo4j")), 0);
  EXPECT_EQ(Value(m, "neo4j_member_database_role", LR("m1", "neo4j", "follower")), 1);
  EXPECT_EQ(Value(m, "neo4j_member_database_role", LR("m4", "neo4j", "secondary")), 1);
  // Secondaries have no leader flag and no Raft participation.
  EXPECT_FALSE(Value(m, "neo4j_cluster_core_is_leader", L("m4", "neo4j")));
  EXPECT_FALSE(Value(m, "neo4j_member_database_participating_in_raft", L("m4", "neo4j")));
  EXPECT_EQ(Value(m, "neo4j_member_database_writable", L("m4", "neo4j")), 0);
  // No discoveryHealthy in 5.x answers: no series.
  EXPECT_EQ(fakes::CountSamples(m, "neo4j_member_discovery_healthy"), 0);
  EXPECT_EQ(c.member(1).Calls(fakes::Call::kClusterRoles), 0);
  EXPECT_EQ(c.member(1).Calls(fakes::Call::kShowDatabases), 1);
  // Only the member's own rows are asked for (the member filters by its bolt address).
  EXPECT_EQ(c.member(3).ShowDatabasesAtArgs(),
            std::vector<std::string>{FakeCluster::BoltAddress(3)});
}

TEST(RoleCollectorTest, Neo4j5CypherFailureDerivesRoleFromStatus) {
  FakeEnvironment env;
  FakeCluster& c = Setup5(env);
  for (int i = 1; i <= 4; ++i) {
    c.member(i).SetShowDatabases(MakeError(ErrorKind::kUnauthorized, "no"));
  }
  // m2 lost the leader.
  c.member(2).SetStatus(std::vector{MakeStatus("neo4j", "id2", "", {"id1", "id2", "id3"})});
  RoleCollector collector;
  auto out = collector.Collect(env.Context());
  const auto& m = out.metrics;
  EXPECT_EQ(Value(m, "neo4j_member_database_role", LR("m3", "neo4j", "leader")), 1);
  EXPECT_EQ(Value(m, "neo4j_member_database_role", LR("m1", "neo4j", "follower")), 1);
  EXPECT_EQ(Value(m, "neo4j_member_database_role", LR("m2", "neo4j", "candidate")), 1);
  EXPECT_EQ(Value(m, "neo4j_member_database_role", LR("m4", "neo4j", "secondary")), 1);
  EXPECT_EQ(Value(m, "neo4j_cluster_core_is_leader", L("m3", "neo4j")), 1);
}

TEST(RoleCollectorTest, MissingOptionalFieldsOmitSeries) {
  FakeEnvironment env;
  FakeCluster& c = Setup5(env);
  auto s = MakeStatus("neo4j", "id1", "id3", {"id1", "id2", "id3"});
  s.healthy.reset();
  c.member(1).SetStatus(std::vector{s});
  c.member(1).SetEndpoint("neo4j", EndpointKind::kWritable,
                          MakeError(ErrorKind::kServerError, "500"));
  RoleCollector collector;
  auto out = collector.Collect(env.Context());
  EXPECT_FALSE(Value(out.metrics, "neo4j_member_database_healthy", L("m1", "neo4j")));
  EXPECT_FALSE(Value(out.metrics, "neo4j_member_database_writable", L("m1", "neo4j")));
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_available", L("m1", "neo4j")), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_healthy", L("m2", "neo4j")), 1);
}

TEST(RoleCollectorTest, EndpointStatesOtherThanTrueAreZero) {
  FakeEnvironment env;
  FakeCluster& c = Setup5(env);
  c.member(1).SetEndpoint("neo4j", EndpointKind::kAvailable,
                          MakeEndpoint(EndpointState::kUnavailable));
  c.member(2).SetEndpoint("neo4j", EndpointKind::kAvailable,
                          MakeEndpoint(EndpointState::kNotHosted));
  RoleCollector collector;
  auto out = collector.Collect(env.Context());
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_available", L("m1", "neo4j")), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_available", L("m2", "neo4j")), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_available", L("m3", "neo4j")), 1);
}

TEST(RoleCollectorTest, DatabaseNotReportedByAMemberIsUnavailableThere) {
  FakeEnvironment env;
  FakeCluster& c = Setup44(env);
  // m3 does not report "system" (not available there); the others do.
  c.member(3).SetStatus(std::vector{MakeStatus("neo4j", "id3", "id1", c.AllIds())});
  c.member(3).SetClusterRoles(
      std::vector<std::pair<std::string, std::string>>{{"neo4j", "FOLLOWER"}});
  RoleCollector collector;
  auto out = collector.Collect(env.Context());
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_available", L("m3", "system")), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_role", LR("m3", "system", "unknown")), 1);
  EXPECT_FALSE(Value(out.metrics, "neo4j_cluster_core_is_leader", L("m3", "system")));
  // Endpoints are only asked for databases the member reports.
  auto args = c.member(3).ClusterRolesArgs();
  ASSERT_EQ(args.size(), 1u);
  EXPECT_EQ(args[0], std::vector<std::string>{"neo4j"});
}

TEST(RoleCollectorTest, ConfiguredDatabasesRestrictAndExtendTheList) {
  FakeEnvironment env;
  FakeCluster& c = Setup44(env);
  c.config().databases = {"neo4j", "sales"};  // "sales" is reported by nobody
  RoleCollector collector;
  auto out = collector.Collect(env.Context());
  EXPECT_EQ(
      fakes::CountSamples(out.metrics, "neo4j_member_database_role", {{"database", "system"}}), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_available", L("m1", "sales")), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_writable", L("m1", "neo4j")), 1);
}

TEST(RoleCollectorTest, Neo4j5DatabaseNotHostedOnAMemberHasNoSeries) {
  FakeEnvironment env;
  FakeCluster& c = Setup5(env);
  // "foo" is allocated to m1 (writer) and m2 only; m2 has it stopped, m3/m4 do not host it.
  std::vector<neo4j::DatabaseRow> rows;
  for (int i = 1; i <= 4; ++i) {
    DatabaseRole role = i == 4 ? DatabaseRole::kSecondary
                               : (i == 3 ? DatabaseRole::kLeader : DatabaseRole::kFollower);
    rows.push_back(MakeRow("neo4j", FakeCluster::BoltAddress(i), role, "primary"));
  }
  rows.push_back(MakeRow("foo", FakeCluster::BoltAddress(1), DatabaseRole::kLeader, "primary"));
  rows.push_back(MakeRow("foo", FakeCluster::BoltAddress(2), DatabaseRole::kUnknown, "unknown"));
  for (int i = 1; i <= 4; ++i) {
    c.member(i).SetShowDatabases(rows);
  }
  c.member(1).SetStatus(std::vector{MakeStatus("neo4j", "id1", "id3", {"id1", "id2", "id3"}),
                                    MakeStatus("foo", "id1", "id1", {"id1", "id2"})});
  SetEndpoints(c, 1, {"foo"}, 1);
  RoleCollector collector;
  auto out = collector.Collect(env.Context());
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_role", LR("m1", "foo", "leader")), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_available", L("m2", "foo")), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_role", LR("m2", "foo", "unknown")), 1);
  EXPECT_EQ(fakes::CountSamples(out.metrics, "neo4j_member_database_available",
                                {{"member", "m3"}, {"database", "foo"}}),
            0);
  EXPECT_EQ(fakes::CountSamples(out.metrics, "neo4j_member_database_role",
                                {{"member", "m4"}, {"database", "foo"}}),
            0);
}

TEST(RoleCollectorTest, FailingMemberContributesNoSeries) {
  FakeEnvironment env;
  FakeCluster& c = Setup44(env);
  c.member(2).SetStatus(MakeError(ErrorKind::kConnectionRefused, "refused"));
  RoleCollector collector;
  auto out = collector.Collect(env.Context());
  EXPECT_FALSE(out.error);
  EXPECT_EQ(fakes::CountWithLabel(out.metrics, "member", "m2"), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_cluster_core_is_leader", L("m1", "neo4j")), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_writable", L("m3", "neo4j")), 0);
  EXPECT_EQ(c.member(2).Calls(fakes::Call::kEndpoint), 0);
}

TEST(RoleCollectorTest, HangingMemberCostsAtMostTheDeadline) {
  FakeEnvironment env;
  FakeCluster& c = Setup5(env);
  c.member(1).Hang(fakes::Call::kStatus);             // first stage never answers
  c.member(2).Hang(fakes::Call::kEndpoint, "neo4j");  // second stage never answers
  RoleCollector collector;
  const auto start = std::chrono::steady_clock::now();
  auto out = collector.Collect(env.Context(std::chrono::milliseconds(500)));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(500));   // it did wait for the hung member...
  EXPECT_LT(elapsed, std::chrono::milliseconds(2000));  // ...but not much longer
  // The healthy members' second stage was issued at once, not after waiting for m1.
  auto issued = c.member(3).FirstCallTime(fakes::Call::kEndpoint);
  ASSERT_TRUE(issued);
  EXPECT_LT(*issued - start, std::chrono::milliseconds(250));
  EXPECT_FALSE(out.error);
  EXPECT_EQ(fakes::CountWithLabel(out.metrics, "member", "m1"), 0);
  // m2's endpoints timed out, but its status-based series are there.
  EXPECT_FALSE(Value(out.metrics, "neo4j_member_database_writable", L("m2", "neo4j")));
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_role", LR("m2", "neo4j", "follower")), 1);
  // The others are complete, second stage included.
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_writable", L("m3", "neo4j")), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_available", L("m4", "neo4j")), 1);
}

TEST(RoleCollectorTest, SlowMemberGetsItsSecondStageAsSoonAsItAnswers) {
  FakeEnvironment env;
  FakeCluster& c = Setup5(env);
  c.member(1).Hang(fakes::Call::kStatus);  // the collector is waiting on m1 ...
  c.member(2).DeferStatus();               // ... when m2's answer arrives
  std::chrono::steady_clock::time_point released;
  std::thread answer([&] {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (c.member(2).Calls(fakes::Call::kStatus) == 0 &&
           std::chrono::steady_clock::now() < give_up) {
      std::this_thread::yield();
    }
    released = std::chrono::steady_clock::now();
    c.member(2).ReleaseStatus();
  });
  RoleCollector collector;
  auto out = collector.Collect(env.Context(std::chrono::milliseconds(600)));
  answer.join();
  auto issued = c.member(2).FirstCallTime(fakes::Call::kEndpoint);
  ASSERT_TRUE(issued);
  EXPECT_LT(*issued - released, std::chrono::milliseconds(250));
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_writable", L("m2", "neo4j")), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_writable", L("m3", "neo4j")), 1);
}

TEST(RoleCollectorTest, NoMemberAnsweringIsAnError) {
  FakeEnvironment env;
  FakeCluster& c = Setup44(env);
  for (int i = 1; i <= 3; ++i) {
    c.member(i).SetStatus(MakeError(ErrorKind::kUnauthorized, "bad credentials"));
  }
  RoleCollector collector;
  auto out = collector.Collect(env.Context());
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->kind, ErrorKind::kUnauthorized);
  EXPECT_NE(out.error->message.find("none of the 3 members"), std::string::npos)
      << out.error->message;
  EXPECT_EQ(fakes::CountSamples(out.metrics, "neo4j_member_database_role"), 0);
}

TEST(RoleCollectorTest, SeveralClustersAreLabelledByConfiguredName) {
  FakeEnvironment env;
  Setup44(env);
  FakeCluster& other = env.AddCluster("dr", 1, Dialect::kV5);
  other.member(1).SetStatus(std::vector{MakeStatus("neo4j", "x1", "x1", {"x1"})});
  other.member(1).SetShowDatabases(MakeError(ErrorKind::kTimeout, "slow"));
  RoleCollector collector;
  auto out = collector.Collect(env.Context());
  EXPECT_EQ(Value(out.metrics, "neo4j_cluster_core_is_leader",
                  {{"neo4j_cluster", "dr"}, {"member", "m1"}, {"database", "neo4j"}}),
            1);
  EXPECT_EQ(Value(out.metrics, "neo4j_cluster_core_is_leader", L("m1", "neo4j")), 1);
}

}  // namespace
}  // namespace nca::collectors
