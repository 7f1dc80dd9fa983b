#include "sim/faults.h"

#include <gtest/gtest.h>

#include <string>

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

TEST(SimFaultActionTest, EveryAction) {
  EXPECT_EQ(MustParse(R"({"action":"stop_member","member":"m1"})").kind, FaultKind::kStopMember);
  EXPECT_EQ(MustParse(R"({"action":"restart_member","member":"m1"})").kind,
            FaultKind::kRestartMember);
  EXPECT_EQ(MustParse(R"({"action":"start_member","member":"m1"})").kind,
            FaultKind::kRestartMember);
  EXPECT_EQ(MustParse(R"({"action":"hang_member","member":"m1"})").kind, FaultKind::kHangMember);
  EXPECT_EQ(MustParse(R"({"action":"unhang_member","member":"m1"})").kind,
            FaultKind::kUnhangMember);
  auto slow = MustParse(R"({"action":"slow_member","member":"m1","delay":"250ms"})");
  EXPECT_EQ(slow.kind, FaultKind::kSlowMember);
  EXPECT_EQ(slow.delay, milliseconds(250));
  EXPECT_EQ(MustParse(R"({"action":"slow_member","member":"m1","delay":1.5})").delay,
            milliseconds(1500));
  EXPECT_EQ(MustParse(R"({"action":"unslow_member","member":"m1"})").kind,
            FaultKind::kUnslowMember);
  EXPECT_EQ(MustParse(R"({"action":"stall_replication","member":"m1"})").kind,
            FaultKind::kStallReplication);
  EXPECT_EQ(MustParse(R"({"action":"resume_replication","member":"m1"})").kind,
            FaultKind::kResumeReplication);
  auto part = MustParse(R"({"action":"partition","groups":[["a","b"],["c"]]})");
  EXPECT_EQ(part.kind, FaultKind::kPartition);
  ASSERT_EQ(part.groups.size(), 2u);
  EXPECT_EQ(part.groups[0], (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(MustParse(R"({"action":"heal"})").kind, FaultKind::kHeal);
  EXPECT_EQ(MustParse(R"({"action":"heal","cluster":"c"})").cluster, "c");
  auto force = MustParse(R"({"action":"force_leader_change","cluster":"c","database":"neo4j"})");
  EXPECT_EQ(force.kind, FaultKind::kForceLeaderChange);
  EXPECT_EQ(force.database, "neo4j");
  EXPECT_EQ(MustParse(R"({"action":"force_leader_change","to":"m2"})").to, "m2");
  auto mode = MustParse(R"({"action":"answer_mode","member":"m1","mode":"oversized",)"
                        R"("size_mib":"2","path_prefix":"/db/"})");
  EXPECT_EQ(mode.mode, AnswerMode::kOversized);
  EXPECT_EQ(mode.size_bytes, std::size_t{2} << 20);
  EXPECT_EQ(mode.path_prefix, "/db/");
  EXPECT_EQ(MustParse(R"({"action":"answer_mode","member":"m1","mode":"http503"})").size_bytes,
            kDefaultOversizedBytes);
  auto state = MustParse(
      R"({"action":"set_database_state","cluster":"c","database":"neo4j","state":"initial"})");
  EXPECT_EQ(state.state, DbState::kInitial);
  auto stop_db = MustParse(R"({"action":"stop_database","member":"m1","database":"neo4j"})");
  EXPECT_EQ(stop_db.kind, FaultKind::kSetDatabaseState);
  EXPECT_EQ(stop_db.state, DbState::kStopped);
  EXPECT_EQ(MustParse(R"({"action":"start_database","cluster":"c","database":"neo4j"})").state,
            DbState::kOnline);
  EXPECT_EQ(MustParse(R"({"action":"reset","note":"clean slate"})").kind, FaultKind::kReset);
  EXPECT_EQ(MustParse(R"({"action":"answer_mode","member":"m1","mode":"http429"})").mode,
            AnswerMode::kHttp429);
  EXPECT_EQ(MustParse(R"({"action":"answer_mode","member":"m1","mode":"truncated"})").mode,
            AnswerMode::kTruncated);
  EXPECT_EQ(MustParse(R"({"action":"kube_api_down"})").kind, FaultKind::kKubeApiDown);
  EXPECT_EQ(MustParse(R"({"action":"kube_api_up"})").kind, FaultKind::kKubeApiUp);
  auto token = MustParse(R"({"action":"kube_token","token":"rotated-2"})");
  EXPECT_EQ(token.kind, FaultKind::kKubeToken);
  EXPECT_EQ(token.token, "rotated-2");
  EXPECT_EQ(MustParse(R"({"action":"kube_token","token":""})").token, "");
}

TEST(SimFaultActionTest, RejectsBadActions) {
  const char* bad[] = {
      R"([])",
      R"({"member":"m1"})",
      R"({"action":"explode","member":"m1"})",
      R"({"action":"stop_member"})",
      R"({"action":"stop_member","member":"m1","extra":1})",
      R"({"action":"slow_member","member":"m1"})",
      R"({"action":"slow_member","member":"m1","delay":"fast"})",
      R"({"action":"partition","groups":[]})",
      R"({"action":"partition","groups":["a"]})",
      R"({"action":"partition","groups":[["a"],["a"]]})",
      R"({"action":"force_leader_change"})",
      R"({"action":"answer_mode","member":"m1","mode":"teapot"})",
      R"({"action":"answer_mode","member":"m1","mode":"oversized","size_mib":0})",
      R"({"action":"set_database_state","database":"neo4j","state":"online"})",
      R"({"action":"set_database_state","cluster":"c","database":"neo4j","state":"melted"})",
      R"({"action":"member","member":["m1"]})",
      R"({"action":"kube_token"})",
      R"({"action":"kube_token","token":["a"]})",
      R"({"action":"kube_api_down","member":"m1"})",
  };
  for (const char* text : bad) {
    EXPECT_FALSE(ParseFaultAction(json::parse(text)).ok()) << text;
  }
}

TEST(SimFaultActionTest, JsonRoundTrip) {
  const char* actions[] = {
      R"({"action":"stop_member","member":"m1"})",
      R"({"action":"slow_member","member":"m1","delay":"300ms"})",
      R"({"action":"partition","groups":[["a"],["b","c"]]})",
      R"({"action":"force_leader_change","cluster":"c","database":"neo4j","to":"m2"})",
      R"({"action":"answer_mode","member":"m1","mode":"oversized","size_mib":4})",
      R"({"action":"set_database_state","member":"m1","database":"neo4j","state":"dirty"})",
      R"({"action":"heal","cluster":"c"})",
      R"({"action":"answer_mode","member":"m1","mode":"truncated"})",
      R"({"action":"answer_mode","member":"m1","mode":"http429","path_prefix":"/db/"})",
      R"({"action":"kube_api_down"})",
      R"({"action":"kube_api_up"})",
      R"({"action":"kube_token","token":"t2"})",
  };
  for (const char* text : actions) {
    FaultAction a = MustParse(text);
    json again = FaultActionToJson(a);
    auto b = ParseFaultAction(again);
    ASSERT_TRUE(b.ok()) << again.dump();
    EXPECT_EQ(FaultActionToJson(*b), again) << text;
    EXPECT_EQ(again["action"], json::parse(text)["action"]);
  }
}

TEST(SimFaultActionTest, TopologyActions) {
  auto slow = MustParse(R"({"action":"link_slow","from":"a","to":"b","delay":"50ms"})");
  EXPECT_EQ(slow.kind, FaultKind::kLinkSlow);
  EXPECT_EQ(slow.from, "a");
  EXPECT_EQ(slow.to, "b");
  EXPECT_EQ(slow.delay, milliseconds(50));
  EXPECT_FALSE(slow.one_way);
  auto cut = MustParse(R"({"action":"link_cut","from":"a","to":"b","one_way":true})");
  EXPECT_EQ(cut.kind, FaultKind::kLinkCut);
  EXPECT_TRUE(cut.one_way);
  auto heal = MustParse(R"({"action":"link_heal"})");
  EXPECT_EQ(heal.kind, FaultKind::kLinkHeal);
  EXPECT_TRUE(heal.from.empty());
  EXPECT_TRUE(heal.to.empty());
  EXPECT_EQ(MustParse(R"({"action":"link_heal","to":"b"})").to, "b");
  auto zone = MustParse(R"({"action":"zone_down","zone":"z1"})");
  EXPECT_EQ(zone.kind, FaultKind::kZoneDown);
  EXPECT_EQ(zone.zones, (std::vector<std::string>{"z1"}));
  auto zones = MustParse(R"({"action":"zone_down","zones":["z1","z2"],"cluster":"c"})");
  EXPECT_EQ(zones.zones, (std::vector<std::string>{"z1", "z2"}));
  EXPECT_EQ(zones.cluster, "c");
  EXPECT_EQ(MustParse(R"({"action":"zone_up","zones":["z2"]})").kind, FaultKind::kZoneUp);
  auto region = MustParse(R"({"action":"region_down","region":"us-west-2"})");
  EXPECT_EQ(region.kind, FaultKind::kRegionDown);
  EXPECT_EQ(region.region, "us-west-2");
  EXPECT_EQ(MustParse(R"({"action":"region_up","region":"r"})").kind, FaultKind::kRegionUp);
  auto move = MustParse(R"({"action":"reschedule_member","member":"m1","zone":"z3"})");
  EXPECT_EQ(move.kind, FaultKind::kRescheduleMember);
  EXPECT_EQ(move.member, "m1");
  EXPECT_EQ(move.zone, "z3");

  const char* bad[] = {
      R"({"action":"link_slow","from":"a","to":"b"})",
      R"({"action":"link_slow","from":"a","delay":"1s"})",
      R"({"action":"link_cut","from":"a","to":"a"})",
      R"({"action":"link_cut","from":"a","to":"b","one_way":"maybe"})",
      R"({"action":"link_cut","from":"a","to":"b","delay":"1s"})",
      R"({"action":"zone_down"})",
      R"({"action":"zone_down","zone":"a","zones":["b"]})",
      R"({"action":"zone_down","zones":[]})",
      R"({"action":"zone_down","zones":"a"})",
      R"({"action":"zone_down","zone":""})",
      R"({"action":"region_down"})",
      R"({"action":"region_up","region":"r","zone":"z"})",
      R"({"action":"reschedule_member","member":"m1"})",
      R"({"action":"reschedule_member","zone":"z"})",
  };
  for (const char* text : bad) {
    EXPECT_FALSE(ParseFaultAction(json::parse(text)).ok()) << text;
  }
  const char* round_trip[] = {
      R"({"action":"link_slow","from":"a","to":"b","delay":"200ms","one_way":true})",
      R"({"action":"link_cut","from":"a","to":"b"})",
      R"({"action":"link_heal","from":"a"})",
      R"({"action":"zone_down","zones":["z1","z2"],"cluster":"c"})",
      R"({"action":"zone_up","zones":["z1"]})",
      R"({"action":"region_down","region":"r"})",
      R"({"action":"reschedule_member","member":"m","zone":"z"})",
  };
  for (const char* text : round_trip) {
    json again = FaultActionToJson(MustParse(text));
    auto b = ParseFaultAction(again);
    ASSERT_TRUE(b.ok()) << again.dump();
    EXPECT_EQ(FaultActionToJson(*b), again) << text;
  }

  // The same actions in a scenario (YAML scalars are strings: one_way: true, delay: 0.05).
  auto s = ParseScenarioYaml(R"(
events:
  - {at: 1s, action: link_slow, from: a, to: b, delay: 0.05, one_way: true}
  - {at: 2s, action: zone_down, zones: [z1, z2]}
  - {at: 3s, action: reschedule_member, member: m1, zone: z3}
  - {at: 4s, action: link_heal}
)");
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->events.size(), 4u);
  EXPECT_EQ(s->events[0].action.delay, milliseconds(50));
  EXPECT_TRUE(s->events[0].action.one_way);
  EXPECT_EQ(s->events[1].action.zones, (std::vector<std::string>{"z1", "z2"}));
  EXPECT_EQ(s->events[2].action.zone, "z3");
}

TEST(SimScenarioTest, ParsesAndSortsEvents) {
  auto s = ParseScenarioYaml(R"(
repeat_every: 2m
events:
  - at: 30s
    action: restart_member
    member: prod-east-2
  - {at: 10s, action: stop_member, member: prod-east-2}
  - at: 12s
    action: partition
    groups: [[prod-east-1], [prod-east-3]]
  - at: 20s
    action: slow_member
    member: prod-east-1
    delay: 300ms
  - at: 25s
    action: answer_mode
    member: prod-east-1
    mode: oversized
    size_mib: 1
)");
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->events.size(), 5u);
  EXPECT_EQ(s->events[0].at, seconds(10));
  EXPECT_EQ(s->events[0].action.kind, FaultKind::kStopMember);
  EXPECT_EQ(s->events[1].action.groups.size(), 2u);
  EXPECT_EQ(s->events[2].action.delay, milliseconds(300));
  EXPECT_EQ(s->events[3].action.size_bytes, std::size_t{1} << 20);
  EXPECT_EQ(s->events[4].at, seconds(30));
  ASSERT_TRUE(s->repeat_every.has_value());
  EXPECT_EQ(*s->repeat_every, seconds(120));

  auto list = ParseScenarioYaml("- {at: 1s, action: heal}\n");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->events.size(), 1u);
  EXPECT_TRUE(ParseScenarioYaml("").ok());
}

TEST(SimScenarioTest, RejectsBadScenarios) {
  const char* bad[] = {
      "events: [{action: heal}]",
      "events: [{at: soon, action: heal}]",
      "events: [{at: 1s, action: stop_member}]",
      "events: [{at: 1s, action: heal, bogus: 1}]",
      "events: {at: 1s}",
      "repeat_every: 5s\nevents: [{at: 10s, action: heal}]",
      "eventz: []",
      "[[[",
  };
  for (const char* yaml : bad) {
    EXPECT_FALSE(ParseScenarioYaml(yaml).ok()) << yaml;
  }
  EXPECT_FALSE(LoadScenarioFile("/nonexistent/scenario.yaml").ok());
}

}  // namespace
}  // namespace nca::sim
