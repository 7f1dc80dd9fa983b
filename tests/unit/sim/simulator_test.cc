// The Simulator as a whole: faults observable over loopback HTTP, the control API, scenario
// timing (ManualClock) and the ticker thread (RealClock, short timeouts).
#include "sim/simulator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>

#include "neo4j/parsers.h"
#include "sim_test_client.h"

namespace nca::sim {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Get;
using testing::kPassword;
using testing::kUser;
using testing::PostJson;
using testing::Reply;

constexpr int kCurlCouldntConnect = 7;
constexpr int kCurlTimeout = 28;

FaultAction Parse(const std::string& text) {
  auto a = ParseFaultAction(json::parse(text));
  EXPECT_TRUE(a.ok()) << text;
  return a.ok() ? *a : FaultAction{};
}

class SimulatorTest : public ::testing::Test {
 protected:
  void Boot(SimConfig config, Scenario scenario = {}) {
    auto sim = Simulator::Create(std::move(config), clock_, std::move(scenario));
    ASSERT_TRUE(sim.ok()) << sim.error().message;
    sim_ = std::move(*sim);
    auto st = sim_->Start();
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  void SetUp() override { Boot(testing::TestTopology()); }
  void TearDown() override {
    if (sim_) {
      sim_->Stop();
    }
  }
  void Apply(const std::string& text) {
    auto st = sim_->Apply(Parse(text));
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  void Advance(Duration d) {
    clock_.Advance(d);
    sim_->Tick();
  }
  Reply Status(const std::string& member, milliseconds timeout = milliseconds(5000)) {
    return Get(sim_->MemberUrl(member) + "/db/neo4j/cluster/status", kUser, kPassword, timeout);
  }
  int InFlight(const std::string& member) {
    for (const auto& c : sim_->State().clusters) {
      for (const auto& m : c.members) {
        if (m.spec.name == member) {
          return m.requests_in_flight;
        }
      }
    }
    return -1;
  }
  bool Up(const std::string& member) {
    for (const auto& c : sim_->State().clusters) {
      for (const auto& m : c.members) {
        if (m.spec.name == member) {
          return m.up;
        }
      }
    }
    return false;
  }

  ManualClock clock_;
  std::unique_ptr<Simulator> sim_;
};

TEST_F(SimulatorTest, StoppedMemberRefusesConnectionsAndRestartsOnTheSamePort) {
  const std::string url = sim_->MemberUrl("v5-2");
  ASSERT_EQ(Status("v5-2").status, 200);
  Apply(R"({"action":"stop_member","member":"v5-2"})");
  Reply refused = Status("v5-2");
  EXPECT_EQ(refused.status, 0);
  EXPECT_EQ(refused.curl_code, kCurlCouldntConnect) << refused.error;
  EXPECT_FALSE(Up("v5-2"));
  EXPECT_EQ(sim_->MemberUrl("v5-2"), url);  // the port is kept

  Apply(R"({"action":"restart_member","member":"v5-2"})");
  EXPECT_EQ(sim_->MemberUrl("v5-2"), url);
  Reply back = Status("v5-2");
  EXPECT_EQ(back.status, 200) << back.error;
  EXPECT_TRUE(Up("v5-2"));
}

TEST_F(SimulatorTest, HungMemberTimesOutUntilUnhung) {
  Apply(R"({"action":"hang_member","member":"v4-1"})");
  Reply hung = Status("v4-1", milliseconds(300));
  EXPECT_EQ(hung.status, 0);
  EXPECT_EQ(hung.curl_code, kCurlTimeout) << hung.error;
  EXPECT_GE(hung.seconds, 0.25);
  // Discovery hangs as well: the whole server is unresponsive.
  EXPECT_EQ(Get(sim_->MemberUrl("v4-1") + "/", "", "", milliseconds(200)).curl_code, kCurlTimeout);
  Apply(R"({"action":"unhang_member","member":"v4-1"})");
  EXPECT_EQ(Status("v4-1").status, 200);
}

TEST_F(SimulatorTest, StoppingAHungMemberEndsTheWait) {
  Apply(R"({"action":"hang_member","member":"v4-2"})");
  auto pending = std::async(std::launch::async, [this] { return Status("v4-2", seconds(10)); });
  // Wait (bounded) until the request is parked in the hang, then stop the member.
  const auto deadline = std::chrono::steady_clock::now() + seconds(5);
  while (InFlight("v4-2") == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));  // polling interval, not synchronisation
  }
  ASSERT_EQ(InFlight("v4-2"), 1);
  EXPECT_EQ(sim_->StateJson()["clusters"][0]["members"][1]["requests_in_flight"], 1);
  Apply(R"({"action":"stop_member","member":"v4-2"})");
  Reply r = pending.get();
  EXPECT_EQ(r.status, 0);  // closed without an answer
  EXPECT_LT(r.seconds, 5.0);
  EXPECT_EQ(InFlight("v4-2"), 0);
}

TEST_F(SimulatorTest, SlowMemberAnswersLate) {
  Apply(R"({"action":"slow_member","member":"cal-1","delay":"300ms"})");
  Reply slow = Status("cal-1");
  EXPECT_EQ(slow.status, 200);
  EXPECT_GE(slow.seconds, 0.3);
  Apply(R"({"action":"unslow_member","member":"cal-1"})");
  EXPECT_EQ(Status("cal-1").status, 200);
}

TEST_F(SimulatorTest, AnswerModesAreObservable) {
  const std::string m = "v5-3";
  Apply(R"({"action":"answer_mode","member":"v5-3","mode":"http500"})");
  Reply r500 = Status(m);
  EXPECT_EQ(r500.status, 500);
  EXPECT_EQ(neo4j::ErrorFromHttp(r500.status, r500.body, "").kind, ErrorKind::kServerError);

  Apply(R"({"action":"answer_mode","member":"v5-3","mode":"http401"})");
  Reply r401 = Status(m);
  EXPECT_EQ(r401.status, 401);
  EXPECT_EQ(r401.Header("www-authenticate"), "Basic realm=\"Neo4j\"");
  EXPECT_EQ(Get(sim_->MemberUrl(m) + "/").status, 200);  // discovery needs no auth

  Apply(R"({"action":"answer_mode","member":"v5-3","mode":"http503"})");
  Reply r503 = Status(m);
  EXPECT_EQ(r503.status, 503);
  EXPECT_EQ(r503.Header("retry-after"), "5");
  EXPECT_EQ(neo4j::ErrorFromHttp(r503.status, r503.body, r503.Header("retry-after")).kind,
            ErrorKind::kUnavailable);

  Apply(R"({"action":"answer_mode","member":"v5-3","mode":"malformed_json"})");
  Reply bad = Status(m);
  EXPECT_EQ(bad.status, 200);
  EXPECT_TRUE(json::parse(bad.body, nullptr, false).is_discarded()) << bad.body;
  auto parsed = neo4j::ParseDatabaseStatus(bad.body, "neo4j");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().kind, ErrorKind::kMalformed);
  Reply boolean = Get(sim_->MemberUrl(m) + "/db/neo4j/cluster/available", kUser, kPassword);
  EXPECT_EQ(boolean.status, 200);
  EXPECT_NE(boolean.body, "true");
  EXPECT_FALSE(neo4j::ParseEndpointAnswer(boolean.status, boolean.body, "").ok());
  Reply bad_discovery = Get(sim_->MemberUrl(m) + "/");
  EXPECT_FALSE(neo4j::ParseDiscovery(bad_discovery.body).ok());

  Apply(R"({"action":"answer_mode","member":"v5-3","mode":"oversized","size_mib":1})");
  Reply big = Status(m);
  EXPECT_EQ(big.status, 200);
  EXPECT_EQ(big.body.size(), std::size_t{1} << 20);
  EXPECT_EQ(big.body.rfind("{\"padding\":\"xxx", 0), 0u);
  EXPECT_EQ(big.Header("content-type"), "application/json");

  // Limited to a path prefix: other paths answer normally.
  Apply(R"({"action":"answer_mode","member":"v5-3","mode":"http500","path_prefix":"/dbms/"})");
  EXPECT_EQ(Status(m).status, 200);
  EXPECT_EQ(Get(sim_->MemberUrl(m) + "/dbms/cluster/status", kUser, kPassword).status, 500);

  Apply(R"({"action":"answer_mode","member":"v5-3","mode":"ok"})");
  Reply ok = Status(m);
  EXPECT_EQ(ok.status, 200);
  EXPECT_TRUE(neo4j::ParseDatabaseStatus(ok.body, "neo4j").ok());
}

// http429: what a locked user gets (Neo4j's AuthorizationFilter, byte-exact: the fixture the
// member client is tested with), on every authenticated path but not on discovery.
TEST_F(SimulatorTest, RateLimitedAnswerModeIsNeo4jsAuthenticationRateLimit) {
  const std::string m = "v5-2";
  Apply(R"({"action":"answer_mode","member":"v5-2","mode":"http429"})");
  Reply limited = Status(m);
  EXPECT_EQ(limited.status, 429);
  std::string fixture = testing::ReadFixture("query-api-429-auth-rate-limit.json");
  while (!fixture.empty() && fixture.back() == '\n') {
    fixture.pop_back();
  }
  EXPECT_EQ(limited.body, fixture);
  EXPECT_EQ(limited.Header("content-type"), "application/json; charset=UTF-8");
  EXPECT_EQ(limited.Header("retry-after"), "");  // the filter sends none
  const Error e = neo4j::ErrorFromHttp(limited.status, limited.body, "");
  EXPECT_EQ(e.kind, ErrorKind::kRateLimited);
  EXPECT_NE(e.ToString().find("Neo.ClientError.Security.AuthenticationRateLimit"),
            std::string::npos)
      << e.ToString();
  EXPECT_EQ(
      PostJson(sim_->MemberUrl(m) + "/db/system/tx/commit", "{\"statements\":[]}", kUser, kPassword)
          .status,
      429);
  EXPECT_EQ(Get(sim_->MemberUrl(m) + "/").status, 200);  // discovery needs no auth
  Apply(R"({"action":"answer_mode","member":"v5-2","mode":"ok"})");
  EXPECT_EQ(Status(m).status, 200);
}

// truncated: the normal status line and headers, Content-Length of the whole body, half of the
// body, then the connection closes (libcurl: CURLE_PARTIAL_FILE).
TEST_F(SimulatorTest, TruncatedAnswerModeClosesBeforeTheBodyEnds) {
  constexpr int kCurlPartialFile = 18;
  const std::string m = "cal-2";
  Reply whole = Status(m);  // the clock does not move: the same answer again below
  ASSERT_EQ(whole.status, 200);
  ASSERT_GT(whole.body.size(), 2u);
  Apply(R"({"action":"answer_mode","member":"cal-2","mode":"truncated"})");
  Reply cut = Status(m);
  EXPECT_EQ(cut.status, 0);
  EXPECT_EQ(cut.curl_code, kCurlPartialFile) << cut.error;
  EXPECT_EQ(cut.body, whole.body.substr(0, whole.body.size() / 2));
  // Every path, discovery included (as malformed_json).
  Reply discovery = Get(sim_->MemberUrl(m) + "/");
  EXPECT_EQ(discovery.curl_code, kCurlPartialFile) << discovery.error;
  EXPECT_FALSE(discovery.body.empty());
  EXPECT_FALSE(neo4j::ParseDiscovery(discovery.body).ok());
  EXPECT_EQ(sim_->StateJson()["clusters"][2]["members"][1]["answer_mode"], "truncated");
  Apply(R"({"action":"reset"})");
  EXPECT_EQ(Status(m).body, whole.body);
}

TEST_F(SimulatorTest, DefaultOversizedBodyIs16MiB) {
  Apply(R"({"action":"answer_mode","member":"v5-1","mode":"oversized"})");
  Reply big = Get(sim_->MemberUrl("v5-1") + "/", "", "", seconds(10));
  EXPECT_EQ(big.status, 200);
  EXPECT_EQ(big.body.size(), std::size_t{16} << 20);
}

TEST_F(SimulatorTest, ForcedLeaderChangeIsVisibleOverHttp) {
  auto leader_id = [&](const std::string& member) {
    return json::parse(Status(member).body)["leader"].get<std::string>();
  };
  const std::string before = leader_id("cal-2");
  const int64_t term = sim_->State().clusters[2].dbs[0].term;
  Apply(R"({"action":"force_leader_change","cluster":"cal","database":"neo4j"})");
  const std::string after = leader_id("cal-2");
  EXPECT_NE(after, before);
  EXPECT_EQ(sim_->State().clusters[2].dbs[0].term, term + 1);
  EXPECT_EQ(leader_id("cal-4"), after);  // the secondary follows at once too
}

TEST_F(SimulatorTest, ControlApi) {
  const std::string control = sim_->ControlUrl();
  ASSERT_FALSE(control.empty());
  Reply state = Get(control + "/state");
  ASSERT_EQ(state.status, 200);
  json doc = json::parse(state.body);
  ASSERT_EQ(doc["clusters"].size(), 3u);
  const json& member = doc["clusters"][1]["members"][0];
  EXPECT_EQ(member["name"], "v5-1");
  EXPECT_EQ(member["http_url"], sim_->MemberUrl("v5-1"));
  EXPECT_EQ(member["mode"], "primary");
  EXPECT_EQ(doc["clusters"][0]["members"][3]["mode"], "read_replica");
  EXPECT_EQ(member["up"], true);
  EXPECT_TRUE(member["databases"]["neo4j"].contains("role"));
  EXPECT_TRUE(member["databases"]["neo4j"].contains("term"));
  EXPECT_TRUE(member["databases"]["neo4j"].contains("applied_index"));
  EXPECT_EQ(doc["simulator"]["control_url"], control);
  EXPECT_EQ(state.body.find(kPassword), std::string::npos);  // no secrets

  Reply applied = PostJson(control + "/faults", R"({"action":"stop_member","member":"v5-1"})");
  EXPECT_EQ(applied.status, 200) << applied.body;
  EXPECT_FALSE(Up("v5-1"));
  Reply list = PostJson(control + "/faults",
                        R"([{"action":"stall_replication","member":"v5-2"},
                            {"action":"partition","groups":[["v4-1"]]}])");
  EXPECT_EQ(json::parse(list.body)["applied"], 2);
  Reply bad = PostJson(control + "/faults", R"({"action":"stop_member","member":"nobody"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(json::parse(bad.body)["error"].get<std::string>().find("nobody"), std::string::npos);
  EXPECT_EQ(PostJson(control + "/faults", "not json").status, 400);
  EXPECT_EQ(PostJson(control + "/faults", R"({"action":"launch"})").status, 400);

  Reply reset = PostJson(control + "/reset", "");
  EXPECT_EQ(reset.status, 200);
  EXPECT_TRUE(Up("v5-1"));
  EXPECT_EQ(Status("v5-1").status, 200);
  json after = json::parse(Get(control + "/state").body);
  EXPECT_EQ(after["clusters"][1]["members"][1]["stalled"], false);
  EXPECT_EQ(after["clusters"][0]["members"][0]["partition_group"], 0);

  EXPECT_EQ(Get(control + "/nope").status, 404);
  EXPECT_EQ(Get(control + "/faults").status, 405);
  EXPECT_EQ(Get(control + "/healthz").status, 200);
}

TEST_F(SimulatorTest, ScenarioEventsApplyAtTheirTime) {
  sim_->Stop();
  auto scenario = ParseScenarioYaml(R"(
events:
  - {at: 1s, action: stop_member, member: v5-1}
  - {at: 3s, action: restart_member, member: v5-1}
  - {at: 3s, action: hang_member, member: v4-1}
)");
  ASSERT_TRUE(scenario.ok()) << scenario.error().message;
  Boot(testing::TestTopology(), *scenario);
  Advance(milliseconds(900));
  EXPECT_TRUE(Up("v5-1"));
  Advance(milliseconds(100));
  EXPECT_FALSE(Up("v5-1"));
  EXPECT_EQ(Status("v5-1").curl_code, kCurlCouldntConnect);
  Advance(milliseconds(1999));
  EXPECT_FALSE(Up("v5-1"));
  Advance(milliseconds(1));
  EXPECT_TRUE(Up("v5-1"));
  EXPECT_EQ(Status("v5-1").status, 200);
  EXPECT_TRUE(sim_->State().clusters[0].members[0].hung);
}

TEST_F(SimulatorTest, RepeatingScenarioAndElectionTiming) {
  sim_->Stop();
  auto scenario = ParseScenarioYaml(R"(
repeat_every: 10s
events:
  - {at: 2s, action: force_leader_change, cluster: v5, database: neo4j}
)");
  ASSERT_TRUE(scenario.ok());
  Boot(testing::TestTopology(), *scenario);
  Advance(seconds(1));
  EXPECT_EQ(sim_->State().clusters[1].dbs[0].term, 1);
  Advance(seconds(2));
  EXPECT_EQ(sim_->State().clusters[1].dbs[0].term, 2);
  Advance(seconds(10));
  EXPECT_EQ(sim_->State().clusters[1].dbs[0].term, 3);
  Advance(seconds(25));  // a single long jump still replays every due event
  EXPECT_EQ(sim_->State().clusters[1].dbs[0].term, 5);
}

TEST_F(SimulatorTest, CreateRejectsScenariosWithUnknownNames) {
  auto scenario = ParseScenarioYaml("events: [{at: 1s, action: stop_member, member: ghost}]");
  ASSERT_TRUE(scenario.ok());
  auto sim = Simulator::Create(testing::TestTopology(), clock_, *scenario);
  ASSERT_FALSE(sim.ok());
  EXPECT_NE(sim.error().message.find("ghost"), std::string::npos);
}

TEST_F(SimulatorTest, StartFailsCleanlyWhenAPortIsTaken) {
  const std::string url = sim_->MemberUrl("v5-1");
  const int taken = std::stoi(url.substr(url.rfind(':') + 1));
  SimConfig config = testing::TestTopology();
  config.clusters[2].members[0].http_port = taken;
  auto other = Simulator::Create(config, clock_);
  ASSERT_TRUE(other.ok());
  auto st = (*other)->Start();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("cal-1"), std::string::npos) << st.error().message;
  EXPECT_EQ((*other)->ControlUrl(), "");
  EXPECT_EQ(Status("v5-1").status, 200);  // the first simulator is unaffected
}

TEST(SimulatorRealClockTest, TickerThreadElectsANewLeader) {
  RealClock clock;
  SimConfig config = testing::TestTopology();
  config.ticker = TickerMode::kAuto;  // RealClock -> ticker thread
  config.tick_interval = milliseconds(20);
  for (auto& c : config.clusters) {
    c.election_timeout = milliseconds(200);
  }
  auto created = Simulator::Create(config, clock);
  ASSERT_TRUE(created.ok());
  std::unique_ptr<Simulator> sim = std::move(*created);
  ASSERT_TRUE(sim->Start().ok());
  const auto leader = sim->State().clusters[1].dbs[0].leader;
  ASSERT_TRUE(leader.has_value());
  FaultAction stop;
  stop.kind = FaultKind::kStopMember;
  stop.member = "v5-" + std::to_string(*leader + 1);
  ASSERT_TRUE(sim->Apply(stop).ok());
  // Poll (bounded) until the ticker has advanced the model past the election timeout.
  const auto deadline = std::chrono::steady_clock::now() + seconds(5);
  std::optional<int> elected;
  while (std::chrono::steady_clock::now() < deadline) {
    elected = sim->State().clusters[1].dbs[0].leader;
    if (elected) {
      break;
    }
    std::this_thread::sleep_for(milliseconds(10));  // polling interval, not synchronisation
  }
  ASSERT_TRUE(elected.has_value());
  EXPECT_NE(*elected, *leader);
  EXPECT_GE(sim->State().clusters[1].dbs[0].term, 2);
  sim->Stop();
}

}  // namespace
}  // namespace nca::sim
