#include "sim/model.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace nca::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

ClusterSpec MakeCluster(const std::string& name, int primaries, int secondaries,
                        const std::string& version = "5.26.0") {
  ClusterSpec c;
  c.name = name;
  c.version = version;
  c.password = "pw";
  for (int i = 1; i <= primaries + secondaries; ++i) {
    MemberSpec m;
    m.name = name + "-" + std::to_string(i);
    m.mode = i <= primaries ? MemberMode::kPrimary : MemberMode::kSecondary;
    c.members.push_back(m);
  }
  return c;
}

SimConfig MakeConfig(int primaries = 3, int secondaries = 1, uint64_t seed = 1) {
  SimConfig config;
  config.seed = seed;
  config.clusters.push_back(MakeCluster("c", primaries, secondaries));
  return config;
}

FaultAction Action(FaultKind kind, const std::string& member = "") {
  FaultAction a;
  a.kind = kind;
  a.member = member;
  return a;
}

class SimModelTest : public ::testing::Test {
 protected:
  void Init(SimConfig config) {
    auto m = Model::Create(config, clock_.Monotonic());
    ASSERT_TRUE(m.ok()) << m.error().message;
    model_ = std::make_unique<Model>(std::move(*m));
  }
  void Advance(Duration d) {
    clock_.Advance(d);
    model_->Advance(clock_.Monotonic());
  }
  void Apply(const FaultAction& a) {
    auto st = model_->Apply(a, &changes_);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  const SimDatabase& Db(int di = 0) const {
    return model_->cluster(0).dbs[static_cast<std::size_t>(di)];
  }
  std::string Name(int member) const {
    return model_->cluster(0).members[static_cast<std::size_t>(member)].spec.name;
  }
  int Leader(int di = 0) const {
    EXPECT_TRUE(Db(di).leader.has_value());
    return Db(di).leader.value_or(-1);
  }
  // A primary other than `not_this`.
  int OtherPrimary(int not_this) const {
    const auto& members = model_->cluster(0).members;
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (members[i].spec.mode == MemberMode::kPrimary && static_cast<int>(i) != not_this) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }

  ManualClock clock_;
  std::unique_ptr<Model> model_;
  std::vector<ServerChange> changes_;
};

TEST_F(SimModelTest, StartsWithOneLeaderPerDatabaseAtTermOne) {
  Init(MakeConfig());
  const auto& c = model_->cluster(0);
  ASSERT_EQ(c.dbs.size(), 2u);
  EXPECT_EQ(c.dbs[0].name, "neo4j");
  EXPECT_EQ(c.dbs[1].name, "system");
  EXPECT_EQ(c.dbs[1].uuid, "00000000-0000-0000-0000-000000000001");
  for (int di = 0; di < 2; ++di) {
    ASSERT_TRUE(Db(di).leader.has_value());
    EXPECT_EQ(Db(di).term, 1);
    EXPECT_EQ(c.members[static_cast<std::size_t>(*Db(di).leader)].spec.mode, MemberMode::kPrimary);
    int leaders = 0;
    for (int m = 0; m < 4; ++m) {
      auto v = model_->View(0, m, di);
      leaders += v.role == RaftRole::kLeader ? 1 : 0;
      EXPECT_EQ(v.leader, Db(di).leader) << "member " << m;
    }
    EXPECT_EQ(leaders, 1);
  }
  EXPECT_EQ(model_->View(0, 3, 0).role, RaftRole::kSecondary);
}

TEST_F(SimModelTest, ViewFieldsFollowTheSourceRules) {
  Init(MakeConfig());
  Advance(seconds(3));
  int leader = Leader();
  int follower = OtherPrimary(leader);
  auto lv = model_->View(0, leader, 0);
  EXPECT_EQ(lv.millis_since_last_leader_message, 0);
  EXPECT_TRUE(lv.participating);
  auto fv = model_->View(0, follower, 0);
  EXPECT_EQ(fv.role, RaftRole::kFollower);
  ASSERT_TRUE(fv.millis_since_last_leader_message.has_value());
  EXPECT_LT(*fv.millis_since_last_leader_message, 100);
  EXPECT_TRUE(fv.participating);
  auto sv = model_->View(0, 3, 0);
  EXPECT_FALSE(sv.millis_since_last_leader_message.has_value());
  EXPECT_FALSE(sv.participating);
  EXPECT_EQ(sv.leader, leader);
}

TEST_F(SimModelTest, StoppedLeaderIsReplacedAfterTheElectionTimeout) {
  Init(MakeConfig());
  int old = Leader();
  Apply(Action(FaultKind::kStopMember, Name(old)));
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_FALSE(changes_[0].start);
  EXPECT_EQ(changes_[0].member.member, old);
  Advance(milliseconds(1900));
  EXPECT_FALSE(Db().leader.has_value());
  // Followers still report the leader they last heard from.
  int follower = OtherPrimary(old);
  EXPECT_EQ(model_->View(0, follower, 0).leader, old);
  EXPECT_GE(*model_->View(0, follower, 0).millis_since_last_leader_message, 1850);
  Advance(milliseconds(200));
  ASSERT_TRUE(Db().leader.has_value());
  EXPECT_NE(*Db().leader, old);
  EXPECT_EQ(Db().term, 2);
  EXPECT_EQ(Db().elections, 1);
  EXPECT_EQ(model_->View(0, 3, 0).leader, Db().leader);  // the secondary follows the new leader
}

TEST_F(SimModelTest, MostUpToDatePrimaryWinsTheElection) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    changes_.clear();
    Init(MakeConfig(3, 1, seed));
    int old = Leader();
    int stalled = OtherPrimary(old);
    int healthy = 3 - old - stalled;  // primaries are 0, 1, 2
    Apply(Action(FaultKind::kStallReplication, Name(stalled)));
    Advance(seconds(4));
    const auto& members = model_->cluster(0).members;
    EXPECT_LT(members[static_cast<std::size_t>(stalled)].dbs[0].applied,
              members[static_cast<std::size_t>(healthy)].dbs[0].applied);
    Apply(Action(FaultKind::kStopMember, Name(old)));
    Advance(milliseconds(2100));
    EXPECT_EQ(Leader(), healthy) << "seed " << seed;
  }
}

TEST_F(SimModelTest, IsolatedLeaderStepsDownAndMajorityElects) {
  Init(MakeConfig());
  int old = Leader();
  FaultAction p;
  p.kind = FaultKind::kPartition;
  p.groups = {{Name(old)}};
  Apply(p);
  Advance(milliseconds(1500));
  EXPECT_EQ(Leader(), old);  // not yet noticed
  EXPECT_EQ(model_->View(0, old, 0).role, RaftRole::kLeader);
  Advance(milliseconds(600));
  ASSERT_TRUE(Db().leader.has_value());
  EXPECT_NE(*Db().leader, old);
  EXPECT_EQ(Db().term, 2);
  auto ov = model_->View(0, old, 0);
  EXPECT_NE(ov.role, RaftRole::kLeader);
  Advance(seconds(3));
  ov = model_->View(0, old, 0);
  EXPECT_EQ(ov.role, RaftRole::kCandidate);
  EXPECT_FALSE(ov.leader.has_value());
  EXPECT_FALSE(ov.participating);
  EXPECT_FALSE(ov.raft_commands_per_second.has_value());
  EXPECT_FALSE(model_->ReachesMajority(0, old));
  EXPECT_TRUE(model_->ReachesMajority(0, OtherPrimary(old)));
  // Healing: the old leader follows the new one.
  int new_leader = *Db().leader;
  Apply(Action(FaultKind::kHeal));
  Advance(milliseconds(100));
  EXPECT_EQ(model_->View(0, old, 0).leader, new_leader);
  EXPECT_EQ(model_->View(0, old, 0).role, RaftRole::kFollower);
}

TEST_F(SimModelTest, NoLeaderWithoutMajorityAndRecoveryWhenOneReturns) {
  Init(MakeConfig());
  int a = 0;
  int b = 1;
  Apply(Action(FaultKind::kStopMember, Name(a)));
  Apply(Action(FaultKind::kStopMember, Name(b)));
  Advance(seconds(5));
  EXPECT_FALSE(Db(0).leader.has_value());
  EXPECT_FALSE(Db(1).leader.has_value());
  EXPECT_EQ(model_->View(0, 2, 0).role, RaftRole::kCandidate);
  int64_t commit = Db(0).commit_index;
  Advance(seconds(2));
  EXPECT_EQ(Db(0).commit_index, commit);  // no leader, no writes
  changes_.clear();
  Apply(Action(FaultKind::kRestartMember, Name(a)));
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_TRUE(changes_[0].start);
  // The remaining primary timed out long ago and wins the restarted member's vote at once.
  Advance(milliseconds(50));
  ASSERT_TRUE(Db(0).leader.has_value());
  EXPECT_NE(*Db(0).leader, b);
  EXPECT_TRUE(model_->View(0, a, 0).participating);
}

TEST_F(SimModelTest, ForcedLeaderChangeBumpsTermImmediately) {
  Init(MakeConfig());
  Advance(seconds(1));
  int old = Leader(0);
  int64_t term = Db(0).term;
  int64_t system_term = Db(1).term;
  FaultAction f;
  f.kind = FaultKind::kForceLeaderChange;
  f.cluster = "c";
  f.database = "neo4j";
  Apply(f);
  ASSERT_TRUE(Db(0).leader.has_value());
  EXPECT_NE(*Db(0).leader, old);
  EXPECT_EQ(Db(0).term, term + 1);
  EXPECT_EQ(Db(1).term, system_term);                            // other databases untouched
  EXPECT_EQ(model_->View(0, old, 0).role, RaftRole::kFollower);  // follows the new leader
  Advance(milliseconds(100));
  EXPECT_EQ(model_->View(0, old, 0).leader, Db(0).leader);

  // With a target, on every database.
  int target = OtherPrimary(*Db(0).leader);
  f.database.clear();
  f.to = Name(target);
  Apply(f);
  EXPECT_EQ(Leader(0), target);
  EXPECT_EQ(Leader(1), target);
  EXPECT_EQ(Db(1).term, system_term + 1);
}

TEST_F(SimModelTest, TransactionsAdvanceOnTheLeaderAndFollowersLagBehind) {
  Init(MakeConfig());
  int64_t start = Db(0).commit_index;
  int64_t system_start = Db(1).commit_index;
  Advance(seconds(10));
  EXPECT_EQ(Db(0).commit_index, start + 50);        // 5 tx/s
  EXPECT_EQ(Db(1).commit_index, system_start + 1);  // 0.1 tx/s
  int leader = Leader(0);
  const auto& members = model_->cluster(0).members;
  EXPECT_EQ(members[static_cast<std::size_t>(leader)].dbs[0].applied, Db(0).commit_index);
  for (int m = 0; m < 4; ++m) {
    if (m == leader) {
      continue;
    }
    int64_t applied = members[static_cast<std::size_t>(m)].dbs[0].applied;
    EXPECT_LT(applied, Db(0).commit_index) << "member " << m;  // 0.5 s behind
    EXPECT_GE(applied, Db(0).commit_index - 3) << "member " << m;
  }
  // raftCommandsPerSecond approaches the transaction rate.
  auto v = model_->View(0, leader, 0);
  ASSERT_TRUE(v.raft_commands_per_second.has_value());
  EXPECT_NEAR(*v.raft_commands_per_second, 5.0, 1.0);
}

TEST_F(SimModelTest, StalledMemberStopsApplyingAndCatchesUpAfterResume) {
  Init(MakeConfig());
  int leader = Leader(0);
  int follower = OtherPrimary(leader);
  Apply(Action(FaultKind::kStallReplication, Name(follower)));
  Apply(Action(FaultKind::kStallReplication, Name(3)));
  int64_t f0 = model_->cluster(0).members[static_cast<std::size_t>(follower)].dbs[0].applied;
  Advance(seconds(10));
  const auto& members = model_->cluster(0).members;
  EXPECT_EQ(members[static_cast<std::size_t>(follower)].dbs[0].applied, f0);
  EXPECT_LE(members[3].dbs[0].applied, f0);
  EXPECT_GT(Db(0).commit_index, f0 + 40);
  Apply(Action(FaultKind::kResumeReplication, Name(follower)));
  Apply(Action(FaultKind::kResumeReplication, Name(3)));
  Advance(seconds(1));
  EXPECT_GE(members[static_cast<std::size_t>(follower)].dbs[0].applied, Db(0).commit_index - 3);
  EXPECT_GE(members[3].dbs[0].applied, Db(0).commit_index - 3);
}

TEST_F(SimModelTest, PartitionedSecondaryStopsFollowing) {
  Init(MakeConfig());
  FaultAction p;
  p.kind = FaultKind::kPartition;
  p.groups = {{Name(3)}};
  Apply(p);
  int64_t before = model_->cluster(0).members[3].dbs[0].applied;
  Advance(seconds(5));
  EXPECT_EQ(model_->cluster(0).members[3].dbs[0].applied, before);
  EXPECT_FALSE(model_->View(0, 3, 0).leader.has_value());
  EXPECT_TRUE(Db(0).leader.has_value());  // primaries are unaffected
}

TEST_F(SimModelTest, StoppedDatabaseOnLeaderLosesLeadership) {
  Init(MakeConfig());
  int leader = Leader(0);
  FaultAction s;
  s.kind = FaultKind::kSetDatabaseState;
  s.member = Name(leader);
  s.database = "neo4j";
  s.state = DbState::kStopped;
  Apply(s);
  EXPECT_FALSE(Db(0).leader.has_value());
  EXPECT_EQ(Leader(1), Leader(1));  // system unaffected
  Advance(milliseconds(2100));
  ASSERT_TRUE(Db(0).leader.has_value());
  EXPECT_NE(*Db(0).leader, leader);
  EXPECT_EQ(model_->View(0, leader, 0).state, DbState::kStopped);
}

TEST_F(SimModelTest, ResetUndoesEveryFault) {
  Init(MakeConfig());
  Apply(Action(FaultKind::kStopMember, Name(0)));
  Apply(Action(FaultKind::kHangMember, Name(1)));
  Apply(Action(FaultKind::kStallReplication, Name(2)));
  FaultAction slow = Action(FaultKind::kSlowMember, Name(3));
  slow.delay = milliseconds(300);
  Apply(slow);
  FaultAction mode = Action(FaultKind::kAnswerMode, Name(2));
  mode.mode = AnswerMode::kHttp500;
  Apply(mode);
  FaultAction p;
  p.kind = FaultKind::kPartition;
  p.groups = {{Name(1)}, {Name(2)}};
  Apply(p);
  changes_.clear();
  Apply(Action(FaultKind::kReset));
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_TRUE(changes_[0].start);
  EXPECT_EQ(changes_[0].member.member, 0);
  for (const auto& m : model_->cluster(0).members) {
    EXPECT_TRUE(m.up);
    EXPECT_FALSE(m.hung);
    EXPECT_FALSE(m.stalled);
    EXPECT_EQ(m.slow.count(), 0);
    EXPECT_EQ(m.answer_mode, AnswerMode::kOk);
    EXPECT_EQ(m.partition_group, 0);
  }
  Advance(seconds(5));
  EXPECT_TRUE(Db(0).leader.has_value());
}

TEST_F(SimModelTest, UnknownNamesAreRejectedWithoutChanges) {
  Init(MakeConfig());
  auto st = model_->Apply(Action(FaultKind::kStopMember, "nope"), &changes_);
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(changes_.empty());
  FaultAction p;
  p.kind = FaultKind::kPartition;
  p.groups = {{"c-1"}, {"nope"}};
  EXPECT_FALSE(model_->Apply(p, &changes_).ok());
  EXPECT_EQ(model_->cluster(0).members[0].partition_group, 0);
  FaultAction f;
  f.kind = FaultKind::kForceLeaderChange;
  f.cluster = "c";
  f.to = "c-4";  // a secondary
  EXPECT_FALSE(model_->Apply(f, &changes_).ok());
  f.to.clear();
  f.database = "nope";
  EXPECT_FALSE(model_->Apply(f, &changes_).ok());
}

TEST_F(SimModelTest, MembersGetDistinctIdsAndBoltPorts) {
  SimConfig config = MakeConfig();
  config.clusters.push_back(MakeCluster("d", 3, 0, "4.4.26"));
  config.clusters[1].members[1].bolt_port = config.first_bolt_port + 1;  // taken explicitly
  Init(config);
  std::set<int> ports;
  std::set<std::string> ids;
  int n = 0;
  for (const auto& c : model_->clusters()) {
    for (const auto& m : c.members) {
      ports.insert(m.bolt_port);
      ids.insert(m.server_id);
      ++n;
    }
  }
  EXPECT_EQ(static_cast<int>(ports.size()), n);
  EXPECT_EQ(static_cast<int>(ids.size()), n);
  EXPECT_EQ(model_->cluster(1).family, VersionFamily::kV4);
}

TEST_F(SimModelTest, FirstBoltPortZeroLeavesAllocatedPortsToTheListener) {
  SimConfig config = MakeConfig();
  config.first_bolt_port = 0;
  config.clusters[0].members[1].bolt_port = 27687;  // configured ports are kept
  Init(config);
  const auto& members = model_->cluster(0).members;
  EXPECT_EQ(members[0].bolt_port, 0);
  EXPECT_EQ(members[1].bolt_port, 27687);
  EXPECT_EQ(members[2].bolt_port, 0);
}

// ---- Property test: the one-leader-iff-majority invariant under random faults ----

struct Oracle {
  // Members of the majority component of database `di` (computed independently of the model).
  static std::vector<int> Majority(const Model& model, int di) {
    const auto& c = model.cluster(0);
    int primaries = 0;
    std::map<int, std::vector<int>> groups;
    for (std::size_t m = 0; m < c.members.size(); ++m) {
      const auto& mem = c.members[m];
      if (mem.spec.mode != MemberMode::kPrimary) {
        continue;
      }
      ++primaries;
      if (mem.up && mem.dbs[static_cast<std::size_t>(di)].state == DbState::kOnline) {
        groups[mem.partition_group].push_back(static_cast<int>(m));
      }
    }
    for (auto& [g, members] : groups) {
      if (static_cast<int>(members.size()) * 2 > primaries) {
        return members;
      }
    }
    return {};
  }
};

FaultAction RandomFault(std::mt19937& rng, const Model& model) {
  const auto& c = model.cluster(0);
  const int n = static_cast<int>(c.members.size());
  auto member = [&] {
    return c.members[static_cast<std::size_t>(std::uniform_int_distribution<int>(0, n - 1)(rng))]
        .spec.name;
  };
  FaultAction a;
  switch (std::uniform_int_distribution<int>(0, 9)(rng)) {
    case 0:
    case 1:
      a = Action(FaultKind::kStopMember, member());
      break;
    case 2:
    case 3:
      a = Action(FaultKind::kRestartMember, member());
      break;
    case 4: {
      a.kind = FaultKind::kPartition;
      int ngroups = std::uniform_int_distribution<int>(1, 3)(rng);
      a.groups.resize(static_cast<std::size_t>(ngroups));
      for (const auto& m : c.members) {
        int g = std::uniform_int_distribution<int>(0, ngroups)(rng);  // ngroups: unlisted
        if (g < ngroups) {
          a.groups[static_cast<std::size_t>(g)].push_back(m.spec.name);
        }
      }
      break;
    }
    case 5:
      a.kind = FaultKind::kHeal;
      break;
    case 6:
      a.kind = FaultKind::kForceLeaderChange;
      a.cluster = "c";
      if (std::uniform_int_distribution<int>(0, 1)(rng) == 0) {
        a.database = "neo4j";
      }
      break;
    case 7:
      a = Action(std::uniform_int_distribution<int>(0, 1)(rng) == 0 ? FaultKind::kStallReplication
                                                                    : FaultKind::kResumeReplication,
                 member());
      break;
    default:
      a.kind = FaultKind::kSetDatabaseState;
      a.member = member();
      a.database = std::uniform_int_distribution<int>(0, 1)(rng) == 0 ? "neo4j" : "system";
      a.state =
          std::uniform_int_distribution<int>(0, 2)(rng) == 0 ? DbState::kStopped : DbState::kOnline;
      break;
  }
  return a;
}

// Invariants that hold at every instant.
// `just_applied`: checked right after a fault, before any time passed (a leader that was cut
// off has not noticed yet).
void CheckAlways(const Model& model, const Model& before, const std::string& ctx,
                 bool just_applied = false) {
  const auto& c = model.cluster(0);
  const auto& b = before.cluster(0);
  for (std::size_t di = 0; di < c.dbs.size(); ++di) {
    const auto& d = c.dbs[di];
    ASSERT_GE(d.term, b.dbs[di].term) << ctx;
    ASSERT_GE(d.commit_index, b.dbs[di].commit_index) << ctx;
    int leaders = 0;
    for (std::size_t m = 0; m < c.members.size(); ++m) {
      auto v = model.View(0, static_cast<int>(m), static_cast<int>(di));
      ASSERT_LE(v.term, d.term) << ctx;
      ASSERT_LE(c.members[m].dbs[di].applied, d.commit_index) << ctx;
      ASSERT_GE(c.members[m].dbs[di].applied, b.members[m].dbs[di].applied) << ctx;
      if (c.members[m].up && v.role == RaftRole::kLeader) {
        ++leaders;
      }
    }
    ASSERT_LE(leaders, 1) << ctx;
    if (d.leader) {
      const auto& lm = c.members[static_cast<std::size_t>(*d.leader)];
      ASSERT_TRUE(lm.up) << ctx;
      ASSERT_EQ(lm.spec.mode, MemberMode::kPrimary) << ctx;
      ASSERT_EQ(lm.dbs[di].state, DbState::kOnline) << ctx;
      auto majority = Oracle::Majority(model, static_cast<int>(di));
      bool in_majority = std::find(majority.begin(), majority.end(), *d.leader) != majority.end();
      // A leader outside the majority is tolerated only until it notices (election timeout).
      if (!in_majority && !just_applied) {
        ASSERT_TRUE(d.leader_isolated_since.has_value()) << ctx;
        ASSERT_LT(model.Now() - *d.leader_isolated_since, c.spec.election_timeout) << ctx;
      }
    }
  }
}

// Invariants once no fault happened for two election timeouts.
void CheckSettled(const Model& model, const std::string& ctx) {
  const auto& c = model.cluster(0);
  for (std::size_t di = 0; di < c.dbs.size(); ++di) {
    const auto& d = c.dbs[di];
    auto majority = Oracle::Majority(model, static_cast<int>(di));
    ASSERT_EQ(d.leader.has_value(), !majority.empty()) << ctx << " db " << d.name;
    for (std::size_t m = 0; m < c.members.size(); ++m) {
      const auto& mem = c.members[m];
      if (!mem.up || mem.dbs[di].state != DbState::kOnline) {
        continue;
      }
      auto v = model.View(0, static_cast<int>(m), static_cast<int>(di));
      bool reaches_leader = d.leader && model.Reaches(0, static_cast<int>(m), *d.leader);
      if (reaches_leader) {
        ASSERT_EQ(v.leader, d.leader) << ctx << " member " << m;
        if (mem.spec.mode == MemberMode::kPrimary) {
          ASSERT_EQ(v.term, d.term) << ctx;
          ASSERT_TRUE(v.participating) << ctx;
        }
      } else {
        ASSERT_FALSE(v.leader.has_value()) << ctx << " member " << m << " db " << d.name;
        ASSERT_NE(v.role, RaftRole::kLeader) << ctx;
      }
    }
    if (d.leader) {
      ASSERT_NE(std::find(majority.begin(), majority.end(), *d.leader), majority.end()) << ctx;
    }
  }
}

TEST(SimModelPropertyTest, OneLeaderIffMajorityUnderRandomFaults) {
  constexpr int kSeeds = 48;
  constexpr int kFaultsPerRun = 20;
  int runs_without_majority = 0;
  int runs_with_elections = 0;
  for (int seed = 0; seed < kSeeds; ++seed) {
    const int primaries = seed % 3 == 0 ? 5 : (seed % 3 == 1 ? 3 : 4);
    SimConfig config = MakeConfig(primaries, 1, static_cast<uint64_t>(seed));
    ManualClock clock;
    auto created = Model::Create(config, clock.Monotonic());
    ASSERT_TRUE(created.ok());
    Model model = std::move(*created);
    std::mt19937 rng(static_cast<unsigned>(seed) * 7919u + 1u);
    bool saw_no_majority = false;
    for (int i = 0; i < kFaultsPerRun; ++i) {
      FaultAction a = RandomFault(rng, model);
      const std::string ctx = "seed " + std::to_string(seed) + " fault " + std::to_string(i) + " " +
                              FaultActionToJson(a).dump();
      Model before = model;
      ASSERT_TRUE(model.Apply(a, nullptr).ok()) << ctx;
      // Apply itself keeps the invariants (forced elections happen at once).
      CheckAlways(model, before, ctx, /*just_applied=*/true);
      int chunks = std::uniform_int_distribution<int>(0, 12)(rng);
      for (int k = 0; k < chunks; ++k) {
        before = model;
        clock.Advance(milliseconds(std::uniform_int_distribution<int>(10, 400)(rng)));
        model.Advance(clock.Monotonic());
        CheckAlways(model, before, ctx);
      }
      if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) {
        before = model;
        clock.Advance(2 * config.clusters[0].election_timeout + milliseconds(120));
        model.Advance(clock.Monotonic());
        CheckAlways(model, before, ctx + " (settling)");
        CheckSettled(model, ctx);
        saw_no_majority = saw_no_majority || Oracle::Majority(model, 0).empty();
      }
      if (::testing::Test::HasFatalFailure()) {
        return;
      }
    }
    runs_without_majority += saw_no_majority ? 1 : 0;
    runs_with_elections += model.cluster(0).dbs[0].elections > 0 ? 1 : 0;
  }
  // The generator must actually exercise both sides of the invariant.
  EXPECT_GT(runs_without_majority, kSeeds / 10);
  EXPECT_GT(runs_with_elections, kSeeds / 2);
}

}  // namespace
}  // namespace nca::sim
