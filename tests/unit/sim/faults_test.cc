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
