// Cross-cluster links: per ordered pair of clusters a Bolt and an HTTP listener standing for the
// target cluster's Service. Measured over real loopback sockets: the injected delay (Bolt
// handshake round trip with the agent's ProbeRunner, GET / with a plain socket), cuts
// (timeouts), refusal while the target has no member up, /state and LinkEndpoints.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "neo4j/probes.h"
#include "sim/simulator.h"
#include "sim_test_client.h"

namespace nca::sim {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr double kTolerance = 0.005;  // seconds

struct HttpTiming {
  bool answered = false;
  double seconds = 0;  // request sent -> first answer byte
  std::string response;
};

// One GET / over a plain socket; times only the request/answer round trip (not the connect).
HttpTiming TimedGet(int port, milliseconds timeout = milliseconds(5000)) {
  HttpTiming t;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return t;
  }
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    close(fd);
    return t;
  }
  const std::string request =
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nConnection: close\r\n\r\n";
  const auto start = std::chrono::steady_clock::now();
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return t;
  }
  char buf[4096];
  ssize_t n = recv(fd, buf, sizeof(buf), 0);
  if (n > 0) {
    t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    t.answered = true;
    t.response.append(buf, static_cast<std::size_t>(n));
    while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
      t.response.append(buf, static_cast<std::size_t>(n));
    }
  }
  close(fd);
  return t;
}

int PortOf(const std::string& address) { return std::stoi(address.substr(address.rfind(':') + 1)); }

class SimLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SimConfig config = testing::TestTopology();
    config.clusters[2].region = "eu-west-1";  // "cal"
    auto sim = Simulator::Create(std::move(config), clock_);
    ASSERT_TRUE(sim.ok()) << sim.error().message;
    sim_ = std::move(*sim);
    auto st = sim_->Start();
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  void TearDown() override { sim_->Stop(); }
  void Apply(const std::string& text) {
    auto a = ParseFaultAction(json::parse(text));
    ASSERT_TRUE(a.ok()) << text << ": " << a.error().message;
    auto st = sim_->Apply(*a);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  SimLinkEndpoints Link(const std::string& from, const std::string& to) {
    auto e = sim_->LinkEndpoints(from, to);
    EXPECT_TRUE(e.has_value()) << from << "->" << to;
    return e.value_or(SimLinkEndpoints{});
  }
  neo4j::ProbeResult Bolt(const std::string& address, milliseconds timeout = milliseconds(3000)) {
    neo4j::ProbeTarget target;
    target.host = "127.0.0.1";
    target.port = PortOf(address);
    target.kind = neo4j::ProbeKind::kBoltHandshake;
    target.timeout = timeout;
    return probes_.RunOne(target);
  }
  json LinkState(const std::string& from, const std::string& to) {
    const nlohmann::ordered_json state = sim_->StateJson();
    for (const auto& l : state["links"]) {
      if (l["from"] == from && l["to"] == to) {
        return json::parse(l.dump());
      }
    }
    ADD_FAILURE() << "no link " << from << "->" << to;
    return json::object();
  }

  ManualClock clock_;     // the model's time
  RealClock real_clock_;  // the probes measure real time
  neo4j::ProbeRunner probes_{real_clock_};
  std::unique_ptr<Simulator> sim_;
};

TEST_F(SimLinkTest, EveryOrderedPairHasAListeningLink) {
  const json links = sim_->StateJson()["links"];
  ASSERT_EQ(links.size(), 6u);
  for (const auto& l : links) {
    EXPECT_NE(l["from"], l["to"]);
    EXPECT_GT(l["bolt_port"].get<int>(), 0);
    EXPECT_GT(l["http_port"].get<int>(), 0);
    EXPECT_EQ(l["delay_ms"], 0);
    EXPECT_EQ(l["cut"], false);
    EXPECT_EQ(l["listening"], true);
    auto e = sim_->LinkEndpoints(l["from"].get<std::string>(), l["to"].get<std::string>());
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->bolt, "127.0.0.1:" + std::to_string(l["bolt_port"].get<int>()));
    EXPECT_EQ(e->http, "http://127.0.0.1:" + std::to_string(l["http_port"].get<int>()));
  }
  EXPECT_FALSE(sim_->LinkEndpoints("v5", "v5").has_value());
  EXPECT_FALSE(sim_->LinkEndpoints("v5", "nope").has_value());
  EXPECT_EQ(sim_->State().links.size(), 6u);
}

TEST_F(SimLinkTest, LinksAnswerAsTheTargetCluster) {
  // Bolt: the target's versions.
  auto to_v4 = Bolt(Link("v5", "v4").bolt);
  ASSERT_TRUE(to_v4.success) << to_v4.detail;
  EXPECT_EQ(to_v4.bolt_major, 4);
  EXPECT_EQ(to_v4.bolt_minor, 4);
  auto to_cal = Bolt(Link("v4", "cal").bolt);
  ASSERT_TRUE(to_cal.success) << to_cal.detail;
  EXPECT_EQ(to_cal.bolt_major, 5);
  // HTTP: the discovery document of the target's first up member.
  auto doc = testing::Get(Link("v5", "cal").http + "/");
  ASSERT_EQ(doc.status, 200);
  const std::string cal1 = sim_->MemberUrl("cal-1");
  EXPECT_NE(doc.body.find(cal1.substr(cal1.rfind(':'))), std::string::npos) << doc.body;
  Apply(R"({"action":"stop_member","member":"cal-1"})");
  doc = testing::Get(Link("v5", "cal").http + "/");
  ASSERT_EQ(doc.status, 200);
  const std::string cal2 = sim_->MemberUrl("cal-2");
  EXPECT_NE(doc.body.find(cal2.substr(cal2.rfind(':'))), std::string::npos) << doc.body;
  // Other endpoints are served by that member too (a Service routes every path).
  auto status = testing::Get(Link("v5", "cal").http + "/db/neo4j/cluster/available", testing::kUser,
                             testing::kPassword);
  EXPECT_EQ(status.status, 200);
}

TEST_F(SimLinkTest, DelayIsMeasuredByBoltAndHttpProbes) {
  const SimLinkEndpoints link = Link("v5", "cal");
  for (int delay_ms : {0, 50, 200}) {
    Apply(R"({"action":"link_slow","from":"v5","to":"cal","delay":")" + std::to_string(delay_ms) +
          R"(ms"})");
    EXPECT_EQ(LinkState("v5", "cal")["delay_ms"], delay_ms);
    const double delay = delay_ms / 1000.0;
    // Best of three: scheduling noise on a busy machine only ever adds time.
    double bolt = 1e9;
    double http = 1e9;
    for (int i = 0; i < 3; ++i) {
      auto r = Bolt(link.bolt);
      ASSERT_TRUE(r.success) << r.detail;
      bolt = std::min(bolt, r.handshake_seconds);
      auto h = TimedGet(PortOf(link.http));
      ASSERT_TRUE(h.answered);
      EXPECT_NE(h.response.find("200 OK"), std::string::npos) << h.response;
      http = std::min(http, h.seconds);
    }
    EXPECT_GE(bolt, delay - 0.001) << delay_ms;
    EXPECT_LE(bolt, delay + kTolerance) << delay_ms;
    EXPECT_GE(http, delay - 0.001) << delay_ms;
    EXPECT_LE(http, delay + kTolerance) << delay_ms;
  }
  // Both directions by default; the other links are not touched.
  EXPECT_EQ(LinkState("cal", "v5")["delay_ms"], 200);
  EXPECT_EQ(LinkState("v5", "v4")["delay_ms"], 0);
  EXPECT_EQ(LinkState("v4", "cal")["delay_ms"], 0);
}

TEST_F(SimLinkTest, OneWayAndHealSelectLinks) {
  Apply(R"({"action":"link_slow","from":"v4","to":"v5","delay":"30ms","one_way":true})");
  EXPECT_EQ(LinkState("v4", "v5")["delay_ms"], 30);
  EXPECT_EQ(LinkState("v5", "v4")["delay_ms"], 0);
  Apply(R"({"action":"link_cut","from":"v4","to":"cal"})");
  EXPECT_EQ(LinkState("v4", "cal")["cut"], true);
  EXPECT_EQ(LinkState("cal", "v4")["cut"], true);
  EXPECT_EQ(LinkState("v5", "cal")["cut"], false);
  Apply(R"({"action":"link_heal","from":"cal","to":"v4","one_way":true})");
  EXPECT_EQ(LinkState("cal", "v4")["cut"], false);
  EXPECT_EQ(LinkState("v4", "cal")["cut"], true);
  Apply(R"({"action":"link_heal","to":"cal"})");  // every link to and from cal
  EXPECT_EQ(LinkState("v4", "cal")["cut"], false);
  EXPECT_EQ(LinkState("v4", "v5")["delay_ms"], 30);
  Apply(R"({"action":"link_cut","from":"v5","to":"cal"})");
  Apply(R"({"action":"link_heal"})");  // every link
  const nlohmann::ordered_json state = sim_->StateJson();
  for (const auto& l : state["links"]) {
    EXPECT_EQ(l["cut"], false);
    EXPECT_EQ(l["delay_ms"], 0);
  }
  auto unknown = ParseFaultAction(json::parse(R"({"action":"link_cut","from":"v5","to":"x"})"));
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(sim_->Apply(*unknown).ok());
}

TEST_F(SimLinkTest, CutLinkAcceptsButNeverAnswersUntilHealed) {
  const SimLinkEndpoints link = Link("cal", "v4");
  Apply(R"({"action":"link_cut","from":"cal","to":"v4"})");
  auto bolt = Bolt(link.bolt, milliseconds(300));
  EXPECT_FALSE(bolt.success);
  EXPECT_EQ(bolt.error, neo4j::ProbeError::kTimeout) << bolt.detail;
  auto http = testing::Get(link.http + "/", "", "", milliseconds(300));
  EXPECT_EQ(http.status, 0);
  EXPECT_EQ(http.curl_code, 28) << http.error;  // timeout, not refused
  // The members themselves are fine: a partition between clusters, not an outage.
  EXPECT_EQ(testing::Get(sim_->MemberUrl("v4-1") + "/").status, 200);
  Apply(R"({"action":"link_heal","from":"cal","to":"v4"})");
  EXPECT_TRUE(Bolt(link.bolt).success);
  EXPECT_EQ(testing::Get(link.http + "/").status, 200);
}

TEST_F(SimLinkTest, LinksToAClusterWithoutAnUpMemberRefuseAndComeBackOnTheSamePorts) {
  const SimLinkEndpoints link = Link("v5", "cal");
  Apply(R"({"action":"region_down","region":"eu-west-1"})");
  EXPECT_EQ(LinkState("v5", "cal")["listening"], false);
  auto refused = Bolt(link.bolt, milliseconds(500));
  EXPECT_EQ(refused.error, neo4j::ProbeError::kRefused) << refused.detail;
  auto http = testing::Get(link.http + "/", "", "", milliseconds(500));
  EXPECT_EQ(http.curl_code, 7) << http.error;  // couldn't connect
  // Links from the downed cluster are kept: it is a Service of the target that matters.
  EXPECT_TRUE(Bolt(Link("cal", "v5").bolt).success);

  Apply(R"({"action":"region_up","region":"eu-west-1"})");
  EXPECT_EQ(LinkState("v5", "cal")["listening"], true);
  const SimLinkEndpoints again = Link("v5", "cal");
  EXPECT_EQ(again.bolt, link.bolt);
  EXPECT_EQ(again.http, link.http);
  EXPECT_TRUE(Bolt(link.bolt).success);

  // Stopping members one by one: the link refuses only when the last one is down.
  for (const char* m : {"cal-1", "cal-2", "cal-3"}) {
    Apply(std::string(R"({"action":"stop_member","member":")") + m + R"("})");
  }
  EXPECT_TRUE(Bolt(link.bolt).success);
  EXPECT_EQ(testing::Get(link.http + "/").status, 200);  // served by cal-4
  Apply(R"({"action":"stop_member","member":"cal-4"})");
  EXPECT_EQ(Bolt(link.bolt, milliseconds(500)).error, neo4j::ProbeError::kRefused);
  Apply(R"({"action":"reset"})");
  EXPECT_TRUE(Bolt(link.bolt).success);
}

TEST(SimLinkConfigTest, LinksCanBeSwitchedOff) {
  SimConfig config = testing::TestTopology();
  config.links = false;
  ManualClock clock;
  auto sim = Simulator::Create(std::move(config), clock);
  ASSERT_TRUE(sim.ok());
  ASSERT_TRUE((*sim)->Start().ok());
  EXPECT_TRUE((*sim)->State().links.empty());
  EXPECT_FALSE((*sim)->LinkEndpoints("v4", "v5").has_value());
  auto cut = ParseFaultAction(json::parse(R"({"action":"link_cut","from":"v4","to":"v5"})"));
  ASSERT_TRUE(cut.ok());
  EXPECT_FALSE((*sim)->Apply(*cut).ok());
}

}  // namespace
}  // namespace nca::sim
