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
  QuorumCollector collector;
  collector.Collect(env.Context());  // learns the members' ids
  c.member(2).SetStatus(MakeError(ErrorKind::kConnectionRefused, "down"));
  c.member(3).SetStatus(MakeError(ErrorKind::kConnectionRefused, "down"));
  auto out = collector.Collect(env.Context());
  Quorum q = Read(out.metrics);
  EXPECT_EQ(q.available, 1);
  EXPECT_EQ(q.ok, 0);
  EXPECT_EQ(q.tolerated, 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_quorum_view_complete", kNeo4j), 1);
}

// Refused since the agent started: the members' ids were never learned, but two refusing members
// account for the two voters that did not answer.
TEST(QuorumCollectorTest, MembersDownSinceStartAccountForTheMissingVoters) {
  FakeEnvironment env;
  FakeCluster& c = MakeCluster(env, 3);
  c.member(2).SetStatus(MakeError(ErrorKind::kConnectionRefused, "down"));
  c.member(3).SetStatus(MakeError(ErrorKind::kConnectionRefused, "down"));
  QuorumCollector collector;
  Quorum q = Read(collector.Collect(env.Context()).metrics);
  EXPECT_EQ(q.available, 1);
  EXPECT_EQ(q.ok, 0);
}

// A timeout does not prove that a member is down (it may only be cut off from the agent): with a
// minority answering, the verdict is withheld rather than "quorum lost".
TEST(QuorumCollectorTest, TimeoutsWithAMinorityAnsweringWithholdTheVerdict) {
  FakeEnvironment env;
  FakeCluster& c = MakeCluster(env, 3);
  QuorumCollector collector;
  collector.Collect(env.Context());
  c.member(1).SetStatus(std::vector{MakeStatus("neo4j", "id1", "", c.AllIds())});
  c.member(2).SetStatus(MakeError(ErrorKind::kTimeout, "slow"));
  c.member(3).SetStatus(MakeError(ErrorKind::kConnectionRefused, "down"));
  auto out = collector.Collect(env.Context());
  Quorum q = Read(out.metrics);
  EXPECT_EQ(Value(out.metrics, "neo4j_quorum_view_complete", kNeo4j), 0);
  EXPECT_EQ(q.voting, 3);
  EXPECT_FALSE(q.available);
  EXPECT_FALSE(q.ok);
  EXPECT_FALSE(q.leaders) << "no leader seen from a partial view is not \"no leader\"";
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_has_quorum", Member("m1")), 0);
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
    c.member(i).SetStatus(MakeError(ErrorKind::kConnectionRefused, "down"));
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

// ---- DaemonSet: one monitored member, the others asked as peers ----------------------------

// Hands out FakeMemberApi peers by URL and records what was asked for.
class FakePeers final : public PeerDirectory {
 public:
  fakes::FakeMemberApi& Add(const std::string& name, const std::string& url) {
    auto m = std::make_shared<fakes::FakeMemberApi>("prod", name, url);
    peers_[url] = m;
    return *m;
  }
  std::shared_ptr<neo4j::MemberApi> Peer(const config::ClusterConfig& cluster,
                                         const std::string& name, const std::string& url) override {
    asked.push_back(cluster.name + "/" + name + "@" + url);
    auto it = peers_.find(url);
    return it == peers_.end() ? nullptr : it->second;
  }
  std::vector<std::string> asked;

 private:
  std::map<std::string, std::shared_ptr<fakes::FakeMemberApi>> peers_;
};

neo4j::ServerRow Server(int i, const std::string& health = "Available") {
  neo4j::ServerRow r = MakeServer("graph-" + std::to_string(i), "Enabled", health);
  r.server_id = FakeCluster::Id(i);
  r.address = "graph-" + std::to_string(i) + ".graph-headless.neo4j.svc.cluster.local:7687";
  r.http_address = "10.0.0." + std::to_string(i) + ":7474";
  return r;
}

std::vector<neo4j::DatabaseClusterStatus> Statuses(int i, const std::string& leader) {
  const std::vector<std::string> voters = {"id1", "id2", "id3"};
  return {MakeStatus("neo4j", FakeCluster::Id(i), leader, voters),
          MakeStatus("system", FakeCluster::Id(i), leader, voters)};
}

// The node-local agent of m1 with peers graph-2 and graph-3 (10.0.0.2/3).
struct DaemonSetFixture {
  FakeEnvironment env;
  FakeCluster& c = env.AddCluster("prod", 1, Dialect::kV5);
  FakePeers peers;
  fakes::FakeMemberApi& p2 = peers.Add("graph-2", "http://10.0.0.2:7474");
  fakes::FakeMemberApi& p3 = peers.Add("graph-3", "http://10.0.0.3:7474");

  DaemonSetFixture() {
    c.member(1).SetStatus(Statuses(1, "id2"));
    c.member(1).SetShowServers(std::vector{Server(1), Server(2), Server(3)});
    p2.SetStatus(Statuses(2, "id2"));
    p3.SetStatus(Statuses(3, "id2"));
  }
  CollectContext Context() {
    CollectContext ctx = env.Context();
    ctx.services.peers = &peers;
    return ctx;
  }
};

fakes::LabelMap Server(const std::string& member) {
  return {{"neo4j_cluster", "prod"}, {"member", member}};
}

TEST(QuorumCollectorTest, NodeLocalAgentJudgesTheClusterThroughItsPeers) {
  DaemonSetFixture f;
  QuorumCollector collector;
  auto out = collector.Collect(f.Context());
  ASSERT_FALSE(out.error);
  Quorum q = Read(out.metrics);
  EXPECT_EQ(q.voting, 3);
  EXPECT_EQ(q.available, 3);
  EXPECT_EQ(q.ok, 1);
  EXPECT_EQ(q.tolerated, 1);
  EXPECT_EQ(q.leaders, 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_quorum_view_complete", kNeo4j), 1);
  // Peers are asked at their httpAddress and named after the pod in their advertised address.
  EXPECT_EQ(f.peers.asked, (std::vector<std::string>{"prod/graph-2@http://10.0.0.2:7474",
                                                     "prod/graph-3@http://10.0.0.3:7474"}));
  EXPECT_EQ(Value(out.metrics, "neo4j_cluster_member_available", Server("graph-2")), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_cluster_member_available", Server("m1")), 1);
  // Each member's own view is its agent's to report.
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_has_quorum", Member("m1")), 1);
  EXPECT_FALSE(Value(out.metrics, "neo4j_member_database_has_quorum", Member("graph-2")));
}

// The node of graph-3 is lost with its agent: the others still report it, and quorum at risk.
TEST(QuorumCollectorTest, ServerWhoseNodeIsLostIsReportedByTheOthers) {
  DaemonSetFixture f;
  f.p3.SetStatus(MakeError(ErrorKind::kConnectionRefused, "refused"));
  f.c.member(1).SetShowServers(std::vector{Server(1), Server(2), Server(3, "Unavailable")});
  QuorumCollector collector;
  auto out = collector.Collect(f.Context());
  Quorum q = Read(out.metrics);
  EXPECT_EQ(q.available, 2);
  EXPECT_EQ(q.ok, 1);
  EXPECT_EQ(q.tolerated, 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_cluster_member_available", Server("graph-3")), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_cluster_member_available", Server("graph-2")), 1);
}

// Our own member is partitioned from the others (no leader for it), the agent still reaches
// them: the cluster keeps its quorum; our member is reported as not having one.
TEST(QuorumCollectorTest, IsolatedMemberDoesNotMakeTheClusterLoseQuorum) {
  DaemonSetFixture f;
  f.c.member(1).SetStatus(Statuses(1, ""));
  f.c.member(1).SetShowServers(
      std::vector{Server(1), Server(2, "Unavailable"), Server(3, "Unavailable")});
  f.p2.SetShowServers(std::vector{Server(1, "Unavailable"), Server(2), Server(3)});
  QuorumCollector collector;
  auto out = collector.Collect(f.Context());
  Quorum q = Read(out.metrics);
  EXPECT_EQ(q.available, 2);
  EXPECT_EQ(q.ok, 1);
  EXPECT_EQ(q.leaders, 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_has_quorum", Member("m1")), 0);
  // The servers' health comes from a member of the majority, as every other agent reports it.
  EXPECT_EQ(Value(out.metrics, "neo4j_cluster_servers",
                  {{"neo4j_cluster", "prod"}, {"state", "Enabled"}, {"health", "Available"}}),
            2);
  EXPECT_EQ(f.p2.Calls(Call::kShowServers), 1);
}

// The agent's node is isolated: its member sees no leader and the peers do not answer (time
// out). It cannot tell this from two lost nodes, so it withholds the verdict.
TEST(QuorumCollectorTest, IsolatedAgentWithholdsTheClusterVerdict) {
  DaemonSetFixture f;
  f.c.member(1).SetStatus(Statuses(1, ""));
  f.p2.SetStatus(MakeError(ErrorKind::kTimeout, "no answer"));
  f.p3.SetStatus(MakeError(ErrorKind::kTimeout, "no answer"));
  QuorumCollector collector;
  auto out = collector.Collect(f.Context());
  Quorum q = Read(out.metrics);
  EXPECT_EQ(Value(out.metrics, "neo4j_quorum_view_complete", kNeo4j), 0);
  EXPECT_FALSE(q.available);
  EXPECT_FALSE(q.ok);
  EXPECT_FALSE(q.leaders);
  EXPECT_EQ(fakes::CountSamples(out.metrics, "neo4j_cluster_member_available"), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_member_database_has_quorum", Member("m1")), 0);
}

// Two nodes lost: the peers refuse the connection, nothing listens there. Quorum lost, no leader.
TEST(QuorumCollectorTest, PeersRefusingAreDownAndQuorumIsLost) {
  DaemonSetFixture f;
  f.c.member(1).SetStatus(Statuses(1, ""));
  f.p2.SetStatus(MakeError(ErrorKind::kConnectionRefused, "refused"));
  f.p3.SetStatus(MakeError(ErrorKind::kConnectionRefused, "refused"));
  QuorumCollector collector;
  auto out = collector.Collect(f.Context());
  Quorum q = Read(out.metrics);
  EXPECT_EQ(Value(out.metrics, "neo4j_quorum_view_complete", kNeo4j), 1);
  EXPECT_EQ(q.available, 0);
  EXPECT_EQ(q.ok, 0);
  EXPECT_EQ(q.leaders, 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_cluster_member_available", Server("graph-2")), 0);
}

// 4.4: the overview gives the servers' ids and addresses (and forgets the ones its member cannot
// reach, so the agent remembers them).
TEST(QuorumCollectorTest, Neo4j44PeersFromTheOverview) {
  FakeEnvironment env;
  FakeCluster& c = env.AddCluster("prod", 1, Dialect::kV4);
  FakePeers peers;
  auto& p2 = peers.Add("core-2", "http://core-2.prod.svc:7474");
  c.member(1).SetStatus(Statuses(1, "id1"));
  p2.SetStatus(Statuses(2, "id1"));
  std::vector<neo4j::OverviewRow> overview(2);
  overview[0].id = "id1";
  overview[0].addresses = {"bolt://core-1.prod.svc:7687", "http://core-1.prod.svc:7474"};
  overview[1].id = "id2";
  overview[1].addresses = {"bolt://core-2.prod.svc:7687", "http://core-2.prod.svc:7474"};
  c.member(1).SetClusterOverview(overview);
  QuorumCollector collector;
  CollectContext ctx = env.Context();
  ctx.services.peers = &peers;
  auto out = collector.Collect(ctx);
  Quorum q = Read(out.metrics);
  // id3 is not listed (the member cannot reach it), but 2 of 3 following one leader is a
  // majority: decisive.
  EXPECT_EQ(q.available, 2);
  EXPECT_EQ(q.ok, 1);
  EXPECT_EQ(q.tolerated, 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_quorum_view_complete", kNeo4j), 1);

  // id3 joins the overview: all three reached.
  overview.push_back(overview[1]);
  overview[2].id = "id3";
  overview[2].addresses = {"bolt://core-3.prod.svc:7687", "http://core-3.prod.svc:7474"};
  peers.Add("core-3", "http://core-3.prod.svc:7474").SetStatus(Statuses(3, "id1"));
  c.member(1).SetClusterOverview(overview);
  q = Read(collector.Collect(ctx).metrics);
  EXPECT_EQ(q.available, 3);
  EXPECT_EQ(q.tolerated, 1);

  // The overview forgets id3 again (unreachable from our member): the agent still asks it.
  overview.pop_back();
  c.member(1).SetClusterOverview(overview);
  q = Read(collector.Collect(ctx).metrics);
  EXPECT_EQ(q.available, 3);
}

// Every member down is Neo4j's outage (neo4j_up, Neo4jMemberDown), not the collector's: the run
// succeeds. Members that answer but cannot be understood or authenticated are the agent's problem.
TEST(QuorumCollectorTest, EveryMemberDownIsNotACollectorFailure) {
  FakeEnvironment env;
  FakeCluster& c = MakeCluster(env, 2);
  c.member(1).SetStatus(MakeError(ErrorKind::kTimeout, "slow"));
  c.member(2).SetStatus(MakeError(ErrorKind::kConnectionRefused, "refused"));
  c.config().expected.primaries = 2;
  QuorumCollector collector;
  auto out = collector.Collect(env.Context());
  EXPECT_FALSE(out.error) << out.error->ToString();
  // Unreachable from here is not "quorum lost": no cluster-level verdict.
  EXPECT_FALSE(Read(out.metrics).ok);
}

TEST(QuorumCollectorTest, NothingUnderstoodIsAnError) {
  FakeEnvironment env;
  FakeCluster& c = MakeCluster(env, 2);
  c.member(1).SetStatus(MakeError(ErrorKind::kTimeout, "slow"));
  c.member(2).SetStatus(MakeError(ErrorKind::kMalformed, "not JSON"));
  QuorumCollector collector;
  auto out = collector.Collect(env.Context());
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->kind, ErrorKind::kMalformed);
}

TEST(QuorumCollectorTest, NoMemberOnThisNodeIsNotAnError) {
  FakeEnvironment env;
  env.AddCluster("prod", 0, Dialect::kV5);
  QuorumCollector collector;
  auto out = collector.Collect(env.Context());
  EXPECT_FALSE(out.error);
}

}  // namespace
}  // namespace nca::collectors
