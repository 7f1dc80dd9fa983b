// Placement in the simulator model: zones and regions per member, SHOW SERVERS tags / 4.4
// overview groups, zone and region faults (members stop, Raft reacts), rescheduling, reset.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "sim/config.h"
#include "sim/cypher.h"
#include "sim/model.h"

namespace nca::sim {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

FaultAction MustParse(const std::string& text) {
  auto a = ParseFaultAction(json::parse(text));
  EXPECT_TRUE(a.ok()) << text << ": " << (a.ok() ? "" : a.error().message);
  return a.ok() ? *a : FaultAction{};
}

class SimPlacementTest : public ::testing::Test {
 protected:
  void Init(SimConfig config) {
    auto m = Model::Create(config, clock_.Monotonic());
    ASSERT_TRUE(m.ok()) << m.error().message;
    model_ = std::make_unique<Model>(std::move(*m));
  }
  void SetUp() override { Init(DefaultTopology()); }
  void Advance(Duration d) {
    clock_.Advance(d);
    model_->Advance(clock_.Monotonic());
  }
  void Apply(const std::string& text) {
    auto st = model_->Apply(MustParse(text), &changes_);
    ASSERT_TRUE(st.ok()) << text << ": " << st.error().message;
  }
  Status TryApply(const std::string& text) { return model_->Apply(MustParse(text), &changes_); }
  const SimMember& Member(const std::string& name) const {
    auto mi = model_->FindMember(name);
    EXPECT_TRUE(mi.has_value()) << name;
    return model_->member(mi.value_or(MemberIndex{}));
  }
  int ClusterIndex(const std::string& name) const { return model_->FindCluster(name).value_or(-1); }
  // Leader of `neo4j` in the cluster, "" if none.
  std::string Leader(const std::string& cluster) const {
    const SimCluster& c = model_->cluster(ClusterIndex(cluster));
    const auto& leader = c.dbs[0].leader;
    return leader ? c.members[static_cast<std::size_t>(*leader)].spec.name : "";
  }
  std::vector<std::string> Zones(const std::string& cluster) const {
    std::vector<std::string> out;
    for (const auto& m : model_->cluster(ClusterIndex(cluster)).members) {
      out.push_back(m.zone);
    }
    return out;
  }
  const SimNode* Node(const std::string& cluster, const std::string& name) const {
    for (const auto& n : model_->cluster(ClusterIndex(cluster)).nodes) {
      if (n.name == name) {
        return &n;
      }
    }
    return nullptr;
  }
  // Runs a statement on a member; the table's column `column` per row, keyed by server name
  // (SHOW SERVERS `name`) or server id (4.4 overview `id`).
  std::map<std::string, json> Column(const std::string& member, const std::string& statement,
                                     const std::string& key, const std::string& column) {
    auto mi = model_->FindMember(member);
    EXPECT_TRUE(mi.has_value());
    auto r = RunStatement(*model_, *mi, "system", statement, json::object(), clock_.Now());
    auto* t = std::get_if<Table>(&r);
    EXPECT_NE(t, nullptr) << statement;
    std::map<std::string, json> out;
    if (t == nullptr) {
      return out;
    }
    auto index = [&](const std::string& name) {
      return static_cast<std::size_t>(std::find(t->columns.begin(), t->columns.end(), name) -
                                      t->columns.begin());
    };
    const std::size_t k = index(key);
    const std::size_t c = index(column);
    EXPECT_LT(k, t->columns.size());
    EXPECT_LT(c, t->columns.size());
    for (const auto& row : t->rows) {
      out[row[k].get<std::string>()] = json::parse(row[c].dump());
    }
    return out;
  }

  ManualClock clock_;
  std::unique_ptr<Model> model_;
  std::vector<ServerChange> changes_;
};

TEST(SimPlacementConfigTest, MembersArePlacedRoundRobinPrimariesFirst) {
  auto config = ParseTopologyYaml(R"(
clusters:
  - name: c
    region: r1
    zones: [z1, z2, z3]
    namespace: graphs
    credentials: {password: pw}
    members:
      - {name: s1, mode: secondary}
      - {name: p1}
      - {name: p2, zone: z3}
      - {name: p3, region: other}
      - {name: s2, mode: secondary}
      - p4
)");
  ASSERT_TRUE(config.ok()) << config.error().message;
  const ClusterSpec& c = config->clusters[0];
  EXPECT_EQ(c.region, "r1");
  EXPECT_EQ(c.namespace_name, "graphs");
  std::map<std::string, std::pair<std::string, std::string>> placed;
  for (const auto& m : c.members) {
    placed[m.name] = {m.zone, m.region};
  }
  // Primaries without a zone in member order (p1, p3, p4), then the secondaries (s1, s2); the
  // rotation counts only the members it places.
  EXPECT_EQ(placed["p1"], std::make_pair(std::string("z1"), std::string("r1")));
  EXPECT_EQ(placed["p2"], std::make_pair(std::string("z3"), std::string("r1")));
  EXPECT_EQ(placed["p3"], std::make_pair(std::string("z2"), std::string("other")));
  EXPECT_EQ(placed["p4"], std::make_pair(std::string("z3"), std::string("r1")));
  EXPECT_EQ(placed["s1"], std::make_pair(std::string("z1"), std::string("r1")));
  EXPECT_EQ(placed["s2"], std::make_pair(std::string("z2"), std::string("r1")));
  EXPECT_EQ(ClusterZones(c), (std::vector<std::string>{"z1", "z2", "z3"}));

  EXPECT_FALSE(ParseTopologyYaml("clusters: [{name: c, zones: [a, a], "
                                 "credentials: {password: x}, members: [m]}]")
                   .ok());
  EXPECT_FALSE(ParseTopologyYaml("clusters: [{name: c, zones: a, "
                                 "credentials: {password: x}, members: [m]}]")
                   .ok());
  EXPECT_FALSE(ParseTopologyYaml("clusters: [{name: c, namespace: '', "
                                 "credentials: {password: x}, members: [m]}]")
                   .ok());
}

TEST_F(SimPlacementTest, DefaultTopologySpreadsEveryClusterOverThreeZones) {
  EXPECT_EQ(Zones("prod-east"), (std::vector<std::string>{"us-east-1a", "us-east-1b", "us-east-1c",
                                                          "us-east-1a", "us-east-1b"}));
  EXPECT_EQ(Zones("legacy-44"), (std::vector<std::string>{"eu-central-1a", "eu-central-1b",
                                                          "eu-central-1c", "eu-central-1a"}));
  EXPECT_EQ(Zones("dr-west"),
            (std::vector<std::string>{"us-west-2a", "us-west-2b", "us-west-2c", "us-west-2a"}));
  EXPECT_EQ(Member("prod-east-4").region, "us-east-1");
  EXPECT_EQ(Member("legacy-44-2").region, "eu-central-1");
  EXPECT_EQ(Member("dr-west-3").region, "us-west-2");
  // One node per member, no spare node (every listed zone has a member).
  EXPECT_EQ(model_->cluster(ClusterIndex("prod-east")).nodes.size(), 5u);
  EXPECT_EQ(Member("prod-east-2").node, "prod-east-2-node");
  ASSERT_NE(Node("prod-east", "prod-east-2-node"), nullptr);
  EXPECT_EQ(Node("prod-east", "prod-east-2-node")->zone, "us-east-1b");
}

TEST_F(SimPlacementTest, ListedZonesWithoutMembersGetASpareNode) {
  SimConfig config;
  ClusterSpec c;
  c.name = "c";
  c.password = "pw";
  c.region = "r";
  c.zones = {"a", "b", "c", "d"};
  for (const char* name : {"c-1", "c-2"}) {
    c.members.push_back(MemberSpec{name, MemberMode::kPrimary, "", "", 0, 0, 0, ""});
  }
  config.clusters.push_back(c);
  Init(config);
  const auto& nodes = model_->cluster(0).nodes;
  ASSERT_EQ(nodes.size(), 4u);
  EXPECT_EQ(nodes[2].name, "c-spare-c");
  EXPECT_EQ(nodes[2].zone, "c");
  EXPECT_EQ(nodes[2].region, "r");
  EXPECT_TRUE(nodes[2].owner.empty());
  EXPECT_EQ(nodes[3].name, "c-spare-d");
}

TEST_F(SimPlacementTest, TagsAndGroupsCarryZoneAndRegion) {
  Advance(seconds(1));
  // 5.x and calendar versions: SHOW SERVERS tags.
  for (const std::string member : {"prod-east-1", "dr-west-2"}) {
    auto tags = Column(member, "SHOW SERVERS YIELD *", "name", "tags");
    const std::string cluster = member.substr(0, member.rfind('-'));
    for (const auto& m : model_->cluster(ClusterIndex(cluster)).members) {
      EXPECT_EQ(tags[m.spec.name], json::array({"zone:" + m.zone, "region:" + m.region}))
          << m.spec.name;
    }
  }
  EXPECT_EQ(Column("prod-east-1", "SHOW SERVERS YIELD *", "name", "tags")["prod-east-5"],
            json::parse(R"(["zone:us-east-1b","region:us-east-1"])"));
  // 4.4: dbms.cluster.overview groups.
  auto groups = Column("legacy-44-1", "CALL dbms.cluster.overview()", "id", "groups");
  ASSERT_EQ(groups.size(), 4u);
  EXPECT_EQ(groups[Member("legacy-44-4").server_id],
            json::parse(R"(["zone:eu-central-1a","region:eu-central-1"])"));
  EXPECT_EQ(groups[Member("legacy-44-3").server_id],
            json::parse(R"(["zone:eu-central-1c","region:eu-central-1"])"));

  // Only what is set, in that order.
  SimMember bare;
  EXPECT_TRUE(ServerTags(bare).empty());
  bare.region = "r";
  EXPECT_EQ(ServerTags(bare), (std::vector<std::string>{"region:r"}));
  bare.zone = "z";
  EXPECT_EQ(ServerTags(bare), (std::vector<std::string>{"zone:z", "region:r"}));
}

TEST_F(SimPlacementTest, ZoneDownStopsItsMembersAndTheRestElectsALeader) {
  Advance(seconds(1));
  const std::string leader = Leader("prod-east");
  ASSERT_FALSE(leader.empty());
  const std::string zone = Member(leader).zone;
  Apply(R"({"action":"zone_down","zone":")" + zone + R"("})");
  for (const auto& m : model_->cluster(ClusterIndex("prod-east")).members) {
    EXPECT_EQ(m.up, m.zone != zone) << m.spec.name;
    EXPECT_FALSE(m.stopped) << m.spec.name;  // down because of the zone, not stop_member
  }
  // The listening sockets close, as for stop_member.
  int stops = 0;
  for (const auto& ch : changes_) {
    EXPECT_FALSE(ch.start);
    EXPECT_EQ(model_->member(ch.member).zone, zone);
    ++stops;
  }
  EXPECT_EQ(stops, 2);                       // a primary and a secondary
  EXPECT_TRUE(Leader("prod-east").empty());  // the leader was in the zone
  for (const auto& n : model_->cluster(ClusterIndex("prod-east")).nodes) {
    EXPECT_EQ(model_->NodeReady(ClusterIndex("prod-east"), n), n.zone != zone) << n.name;
  }
  // Other clusters are untouched (the zone name is prod-east's).
  EXPECT_TRUE(Member("dr-west-1").up);

  Advance(seconds(3));  // one election timeout later, the two other primaries elect a leader
  const std::string next = Leader("prod-east");
  ASSERT_FALSE(next.empty());
  EXPECT_NE(Member(next).zone, zone);
  EXPECT_EQ(model_->cluster(ClusterIndex("prod-east")).dbs[0].elections, 1);

  changes_.clear();
  Apply(R"({"action":"zone_up","zone":")" + zone + R"("})");
  EXPECT_TRUE(Member(leader).up);
  EXPECT_EQ(changes_.size(), 2u);
  for (const auto& ch : changes_) {
    EXPECT_TRUE(ch.start);
  }
}

TEST_F(SimPlacementTest, MajorityOfZonesDownLeavesNoLeader) {
  Advance(seconds(1));
  Apply(R"({"action":"zone_down","zones":["us-east-1a","us-east-1b"],"cluster":"prod-east"})");
  EXPECT_TRUE(Member("prod-east-3").up);
  EXPECT_FALSE(Member("prod-east-1").up);
  EXPECT_FALSE(Member("prod-east-5").up);
  Advance(seconds(10));
  EXPECT_TRUE(Leader("prod-east").empty());  // one primary of three: no quorum, no election
  const auto v = model_->View(ClusterIndex("prod-east"), 2, 0);
  EXPECT_EQ(v.role, RaftRole::kCandidate);

  Apply(R"({"action":"zone_up","zone":"us-east-1b","cluster":"prod-east"})");
  Advance(seconds(3));
  EXPECT_FALSE(Leader("prod-east").empty());  // two of three primaries again
  EXPECT_FALSE(Member("prod-east-1").up);
}

TEST_F(SimPlacementTest, ZoneDownWithoutClusterAppliesToEveryClusterUsingTheZone) {
  SimConfig config = DefaultTopology();
  config.clusters[2].zones.push_back("us-east-1a");   // dr-west lists it, without a member there
  config.clusters[2].members[0].zone = "us-east-1a";  // ... and runs dr-west-1 there
  Init(config);
  Apply(R"({"action":"zone_down","zone":"us-east-1a"})");
  EXPECT_FALSE(Member("prod-east-1").up);
  EXPECT_FALSE(Member("dr-west-1").up);
  EXPECT_TRUE(Member("dr-west-2").up);
  Apply(R"({"action":"zone_up","zone":"us-east-1a","cluster":"dr-west"})");
  EXPECT_TRUE(Member("dr-west-1").up);
  EXPECT_FALSE(Member("prod-east-1").up);
}

TEST_F(SimPlacementTest, RegionDownStopsTheWholeRegion) {
  Advance(seconds(1));
  Apply(R"({"action":"region_down","region":"us-west-2"})");
  for (const auto& m : model_->cluster(ClusterIndex("dr-west")).members) {
    EXPECT_FALSE(m.up) << m.spec.name;
  }
  EXPECT_FALSE(model_->ClusterUp(ClusterIndex("dr-west")));
  EXPECT_TRUE(model_->ClusterUp(ClusterIndex("prod-east")));
  EXPECT_FALSE(model_->ServingMember(ClusterIndex("dr-west")).has_value());
  EXPECT_TRUE(Leader("dr-west").empty());
  for (const auto& n : model_->cluster(ClusterIndex("dr-west")).nodes) {
    EXPECT_FALSE(model_->NodeReady(ClusterIndex("dr-west"), n));
  }
  Advance(seconds(10));
  EXPECT_TRUE(Leader("dr-west").empty());

  // stop_member / restart_member inside a region that is down: the member stays down.
  Apply(R"({"action":"restart_member","member":"dr-west-1"})");
  EXPECT_FALSE(Member("dr-west-1").up);
  Apply(R"({"action":"stop_member","member":"dr-west-2"})");
  Apply(R"({"action":"region_up","region":"us-west-2"})");
  EXPECT_TRUE(Member("dr-west-1").up);
  EXPECT_FALSE(Member("dr-west-2").up);  // still stopped by stop_member
  Advance(seconds(3));
  EXPECT_FALSE(Leader("dr-west").empty());
}

TEST_F(SimPlacementTest, UnknownZonesRegionsAndClustersAreErrors) {
  EXPECT_FALSE(TryApply(R"({"action":"zone_down","zone":"mars-1a"})").ok());
  EXPECT_FALSE(TryApply(R"({"action":"zone_down","zone":"us-east-1a","cluster":"dr-west"})").ok());
  EXPECT_FALSE(TryApply(R"({"action":"zone_down","zone":"us-east-1a","cluster":"nope"})").ok());
  EXPECT_FALSE(TryApply(R"({"action":"region_down","region":"mars"})").ok());
  EXPECT_FALSE(TryApply(R"({"action":"reschedule_member","member":"nope","zone":"z"})").ok());
  EXPECT_TRUE(Member("prod-east-1").up);
}

TEST_F(SimPlacementTest, RescheduleMovesThePodRestartsTheMemberAndReusesNodes) {
  Advance(seconds(1));
  const int pe = ClusterIndex("prod-east");
  const std::string leader = Leader("prod-east");
  ASSERT_FALSE(leader.empty());
  const SimMember before = Member(leader);
  const std::string target = before.zone == "us-east-1c" ? "us-east-1a" : "us-east-1c";

  Apply(R"({"action":"reschedule_member","member":")" + leader + R"(","zone":")" + target +
        R"("})");
  const SimMember& after = Member(leader);
  EXPECT_EQ(after.zone, target);
  EXPECT_EQ(after.region, "us-east-1");
  EXPECT_EQ(after.node, leader + "-node-" + target);
  ASSERT_NE(Node("prod-east", after.node), nullptr);
  EXPECT_TRUE(Node("prod-east", after.node)->created);
  EXPECT_TRUE(after.up);
  // A brief restart: the socket closes and reopens, and the member lost its leadership.
  ASSERT_EQ(changes_.size(), 2u);
  EXPECT_FALSE(changes_[0].start);
  EXPECT_TRUE(changes_[1].start);
  EXPECT_TRUE(Leader("prod-east").empty());
  // Tags follow the move.
  auto tags = Column("prod-east-2", "SHOW SERVERS YIELD *", "name", "tags");
  EXPECT_EQ(tags[leader], json::array({"zone:" + target, "region:us-east-1"}));
  Advance(seconds(3));
  EXPECT_FALSE(Leader("prod-east").empty());

  // Back to its original zone: its own (now empty) node is reused, nothing is created.
  const std::size_t nodes = model_->cluster(pe).nodes.size();
  Apply(R"({"action":"reschedule_member","member":")" + leader + R"(","zone":")" + before.zone +
        R"("})");
  EXPECT_EQ(Member(leader).node, before.node);
  EXPECT_EQ(model_->cluster(pe).nodes.size(), nodes);

  // A member rescheduled into a zone that is down goes down.
  Apply(R"({"action":"zone_down","zone":"us-east-1c"})");
  Apply(R"({"action":"reschedule_member","member":"prod-east-4","zone":"us-east-1c"})");
  EXPECT_FALSE(Member("prod-east-4").up);
  EXPECT_EQ(Member("prod-east-4").zone, "us-east-1c");
}

TEST_F(SimPlacementTest, RescheduleReusesASpareNode) {
  SimConfig config = DefaultTopology();
  config.clusters[0].zones.push_back("us-east-1d");
  Init(config);
  ASSERT_NE(Node("prod-east", "prod-east-spare-us-east-1d"), nullptr);
  Apply(R"({"action":"reschedule_member","member":"prod-east-5","zone":"us-east-1d"})");
  EXPECT_EQ(Member("prod-east-5").node, "prod-east-spare-us-east-1d");
  // The spare is taken now: the next member moving there gets a node of its own.
  Apply(R"({"action":"reschedule_member","member":"prod-east-4","zone":"us-east-1d"})");
  EXPECT_EQ(Member("prod-east-4").node, "prod-east-4-node-us-east-1d");
}

TEST_F(SimPlacementTest, ResetUndoesZoneRegionAndPlacementFaults) {
  Advance(seconds(1));
  Apply(R"({"action":"reschedule_member","member":"prod-east-2","zone":"us-east-1c"})");
  Apply(R"({"action":"zone_down","zone":"us-east-1a"})");
  Apply(R"({"action":"region_down","region":"eu-central-1"})");
  Apply(R"({"action":"stop_member","member":"dr-west-3"})");
  changes_.clear();
  Apply(R"({"action":"reset"})");
  for (const auto& c : model_->clusters()) {
    EXPECT_TRUE(c.zones_down.empty());
    for (const auto& m : c.members) {
      EXPECT_TRUE(m.up) << m.spec.name;
      EXPECT_EQ(m.zone, m.spec.zone) << m.spec.name;
      EXPECT_EQ(m.node, m.spec.name + "-node");
    }
    for (const auto& n : c.nodes) {
      EXPECT_FALSE(n.created) << n.name;
    }
  }
  EXPECT_TRUE(model_->regions_down().empty());
  // Every member that was down restarts: 2 in us-east-1a, 4 in eu-central-1, dr-west-3.
  EXPECT_EQ(changes_.size(), 7u);
  Advance(seconds(5));
  for (const char* c : {"prod-east", "legacy-44", "dr-west"}) {
    EXPECT_FALSE(Leader(c).empty()) << c;
  }
}

}  // namespace
}  // namespace nca::sim
