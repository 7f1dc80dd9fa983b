// TCP connect and Bolt handshake probes against the simulator's Bolt listeners (4.4, 5.x and
// calendar clusters, stop / hang / slow faults) and against ad-hoc loopback sockets (HTTP
// answer, zero version, short read, refused), plus the server-side negotiation table.
#include "neo4j/probes.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "sim/bolt_listener.h"
#include "sim/simulator.h"

namespace nca::neo4j {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kShortTimeout{200};

// A loopback TCP socket bound to an ephemeral port; listening unless told otherwise.
class LoopbackSocket {
 public:
  explicit LoopbackSocket(bool listening = true) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
    if (listening) {
      EXPECT_EQ(listen(fd_, 16), 0);
    }
    socklen_t len = sizeof(sa);
    EXPECT_EQ(getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len), 0);
    port_ = ntohs(sa.sin_port);
  }
  ~LoopbackSocket() {
    if (server_.joinable()) {
      server_.join();
    }
    close(fd_);
  }
  LoopbackSocket(const LoopbackSocket&) = delete;
  LoopbackSocket& operator=(const LoopbackSocket&) = delete;

  int port() const { return port_; }

  // Accepts one connection (bounded wait), reads the 20 handshake bytes, writes `answer` and
  // closes the connection.
  void ServeOnce(std::string answer) {
    server_ = std::thread([this, answer = std::move(answer)] {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 2000) != 1) {
        return;
      }
      const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) {
        return;
      }
      char buf[20];
      std::size_t got = 0;
      while (got < sizeof(buf)) {
        pollfd q{c, POLLIN, 0};
        if (poll(&q, 1, 2000) != 1) {
          break;
        }
        const ssize_t n = recv(c, buf + got, sizeof(buf) - got, 0);
        if (n <= 0) {
          break;
        }
        got += static_cast<std::size_t>(n);
      }
      received_ = std::string(buf, got);
      (void)send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
      close(c);
    });
  }
  // What the server thread read (call after the probe finished).
  std::string Received() {
    if (server_.joinable()) {
      server_.join();
    }
    return received_;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread server_;
  std::string received_;
};

ProbeTarget Bolt(int port, Duration timeout = std::chrono::seconds(2)) {
  return ProbeTarget{"127.0.0.1", port, ProbeKind::kBoltHandshake, timeout};
}

TEST(ProbesTest, InterpretsAnswers) {
  auto ok = InterpretBoltAnswer({0, 0, 4, 4});
  EXPECT_TRUE(ok.success);
  EXPECT_EQ(ok.bolt_major, 4);
  EXPECT_EQ(ok.bolt_minor, 4);
  auto v57 = InterpretBoltAnswer({0, 0, 7, 5});
  EXPECT_EQ(v57.bolt_major, 5);
  EXPECT_EQ(v57.bolt_minor, 7);
  EXPECT_EQ(InterpretBoltAnswer({0, 0, 0, 0}).error, ProbeError::kNoVersion);
  EXPECT_EQ(InterpretBoltAnswer({'H', 'T', 'T', 'P'}).error, ProbeError::kHttpAnswer);
  EXPECT_FALSE(InterpretBoltAnswer({'H', 'T', 'T', 'P'}).success);
  EXPECT_TRUE(IsProtocolError(ProbeError::kShortRead));
  EXPECT_FALSE(IsProtocolError(ProbeError::kTimeout));
  EXPECT_EQ(ProbeErrorName(ProbeError::kHttpAnswer), "http_answer");
}

TEST(ProbesTest, SendsTheGoDriverHandshakeToALoopbackServer) {
  LoopbackSocket server;
  server.ServeOnce(std::string("\x00\x00\x04\x04", 4));
  RealClock clock;
  auto r = ProbeRunner(clock).RunOne(Bolt(server.port()));
  ASSERT_TRUE(r.success) << r.detail;
  EXPECT_EQ(r.bolt_major, 4);
  EXPECT_EQ(r.bolt_minor, 4);
  const std::string expected(
      "\x60\x60\xB0\x17\x00\x07\x07\x05\x00\x02\x04\x04\x00\x00\x01\x04"
      "\x00\x00\x00\x03",
      20);
  EXPECT_EQ(server.Received(), expected);
}

TEST(ProbesTest, HttpAnswerIsAProtocolError) {
  LoopbackSocket server;
  server.ServeOnce("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  RealClock clock;
  auto r = ProbeRunner(clock).RunOne(Bolt(server.port()));
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.error, ProbeError::kHttpAnswer);
  EXPECT_TRUE(IsProtocolError(r.error));
}

TEST(ProbesTest, ZeroVersionAndShortRead) {
  RealClock clock;
  ProbeRunner runner(clock);
  LoopbackSocket zero;
  zero.ServeOnce(std::string(4, '\0'));
  EXPECT_EQ(runner.RunOne(Bolt(zero.port())).error, ProbeError::kNoVersion);
  LoopbackSocket short_answer;
  short_answer.ServeOnce(std::string("\x00\x00", 2));
  auto r = runner.RunOne(Bolt(short_answer.port()));
  EXPECT_EQ(r.error, ProbeError::kShortRead) << r.detail;
}

TEST(ProbesTest, RefusedWhenNothingListens) {
  LoopbackSocket bound_only(/*listening=*/false);  // holds the port, refuses connections
  RealClock clock;
  ProbeRunner runner(clock);
  EXPECT_EQ(runner.RunOne(Bolt(bound_only.port())).error, ProbeError::kRefused);
  auto tcp = runner.RunOne(
      ProbeTarget{"127.0.0.1", bound_only.port(), ProbeKind::kTcpConnect, kShortTimeout});
  EXPECT_FALSE(tcp.success);
  EXPECT_EQ(tcp.error, ProbeError::kRefused);
}

TEST(ProbesTest, RejectsNonNumericHosts) {
  RealClock clock;
  auto r = ProbeRunner(clock).RunOne(
      ProbeTarget{"neo4j.example.invalid", 7687, ProbeKind::kBoltHandshake, kShortTimeout});
  EXPECT_EQ(r.error, ProbeError::kInvalidTarget);
  auto port = ProbeRunner(clock).RunOne(
      ProbeTarget{"127.0.0.1", 70000, ProbeKind::kBoltHandshake, kShortTimeout});
  EXPECT_EQ(port.error, ProbeError::kInvalidTarget);
}

TEST(ProbesTest, SilentServerTimesOutWithinTheBudget) {
  LoopbackSocket silent;  // the kernel completes the connection; nobody ever answers
  RealClock clock;
  const MonoTime start = clock.Monotonic();
  auto r = ProbeRunner(clock).RunOne(Bolt(silent.port(), kShortTimeout));
  const double elapsed = ToSeconds(clock.Monotonic() - start);
  EXPECT_EQ(r.error, ProbeError::kTimeout) << r.detail;
  EXPECT_GE(elapsed, 0.19);
  EXPECT_LT(elapsed, 0.6);
}

TEST(ProbesTest, TimesOutUnderAManualClock) {
  LoopbackSocket silent;
  ManualClock clock;  // never advanced: poll's own timeout still ends the probe
  auto r = ProbeRunner(clock).RunOne(Bolt(silent.port(), kShortTimeout));
  EXPECT_EQ(r.error, ProbeError::kTimeout);
  EXPECT_EQ(r.connect_seconds, 0.0);
}

TEST(ProbesTest, TcpConnectProbeSucceedsOnASilentServer) {
  LoopbackSocket silent;
  RealClock clock;
  auto r = ProbeRunner(clock).RunOne(
      ProbeTarget{"127.0.0.1", silent.port(), ProbeKind::kTcpConnect, kShortTimeout});
  EXPECT_TRUE(r.success) << r.detail;
  EXPECT_LT(r.connect_seconds, 0.15);
  EXPECT_EQ(r.handshake_seconds, 0.0);
}

TEST(BoltNegotiationTest, ServerTables) {
  using sim::BoltVersion;
  const std::array<uint8_t, 16> go_offer = {0x00, 0x07, 0x07, 0x05, 0x00, 0x02, 0x04, 0x04,
                                            0x00, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x03};
  using Answer = std::array<uint8_t, 4>;
  EXPECT_EQ(sim::NegotiateBolt(sim::BoltVersionsFor("4.4.26"), go_offer), (Answer{0, 0, 4, 4}));
  EXPECT_EQ(sim::NegotiateBolt(sim::BoltVersionsFor("5.26.0"), go_offer), (Answer{0, 0, 7, 5}));
  EXPECT_EQ(sim::NegotiateBolt(sim::BoltVersionsFor("2025.10.1"), go_offer), (Answer{0, 0, 7, 5}));
  // 5.13-5.22 serve up to 5.4: the best match in 5.0-5.7.
  EXPECT_EQ(sim::NegotiateBolt(sim::BoltVersionsFor("5.20.0"), go_offer), (Answer{0, 0, 4, 5}));
  // Only 6.0 and 3.0 offered to a 5.26 server: no match.
  const std::array<uint8_t, 16> no_match = {0, 0, 0, 6, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(sim::NegotiateBolt(sim::BoltVersionsFor("5.26.0"), no_match), (Answer{0, 0, 0, 0}));
  // ... but 3.0 to a 4.4 server.
  EXPECT_EQ(sim::NegotiateBolt(sim::BoltVersionsFor("4.4.26"), no_match), (Answer{0, 0, 0, 3}));
  EXPECT_EQ(sim::BoltVersionsFor("2025.10.1").front(), (BoltVersion{6, 0}));
}

// The simulator with one single-member cluster per version; no ticker thread.
class SimBoltProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::SimConfig config;
    config.ticker = sim::TickerMode::kOff;
    config.member_threads = 2;
    // Ephemeral bolt ports: a fixed one may belong to a simulator in a test running alongside,
    // which would answer for the stopped member.
    config.first_bolt_port = 0;
    for (const auto& [name, version] :
         {std::pair{"v4", "4.4.26"}, std::pair{"v5", "5.26.0"}, std::pair{"cal", "2025.10.1"}}) {
      sim::ClusterSpec c;
      c.name = name;
      c.version = version;
      c.password = "probe-test-password";
      sim::MemberSpec m;
      m.name = std::string(name) + "-1";
      c.members.push_back(m);
      config.clusters.push_back(c);
    }
    auto created = sim::Simulator::Create(std::move(config), sim_clock_);
    ASSERT_TRUE(created.ok()) << created.error().message;
    sim_ = std::move(*created);
    auto st = sim_->Start();
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  void TearDown() override {
    if (sim_) {
      sim_->Stop();
    }
  }
  int BoltPort(const std::string& member) {
    for (const auto& c : sim_->State().clusters) {
      for (const auto& m : c.members) {
        if (m.spec.name == member) {
          return m.bolt_port;
        }
      }
    }
    ADD_FAILURE() << "no member " << member;
    return 0;
  }
  void Fault(const std::string& text) {
    auto action = sim::ParseFaultAction(nlohmann::json::parse(text));
    ASSERT_TRUE(action.ok()) << action.error().message;
    auto st = sim_->Apply(*action);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }

  ManualClock sim_clock_;
  RealClock clock_;
  std::unique_ptr<sim::Simulator> sim_;
};

TEST_F(SimBoltProbeTest, NegotiatesPerVersion) {
  ProbeRunner runner(clock_);
  auto results =
      runner.Run({Bolt(BoltPort("v4-1")), Bolt(BoltPort("v5-1")), Bolt(BoltPort("cal-1"))});
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    ASSERT_TRUE(r.success) << r.detail;
    EXPECT_GE(r.handshake_seconds, 0.0);
    EXPECT_LT(r.connect_seconds + r.handshake_seconds, 1.0);
  }
  EXPECT_EQ(results[0].bolt_major, 4);
  EXPECT_EQ(results[0].bolt_minor, 4);
  EXPECT_EQ(results[1].bolt_major, 5);
  EXPECT_EQ(results[1].bolt_minor, 7);
  EXPECT_EQ(results[2].bolt_major, 5);
  EXPECT_EQ(results[2].bolt_minor, 7);
}

TEST_F(SimBoltProbeTest, StoppedMemberRefusesAndRestartedMemberAnswers) {
  ProbeRunner runner(clock_);
  const int port = BoltPort("v5-1");
  Fault(R"({"action": "stop_member", "member": "v5-1"})");
  auto stopped = runner.RunOne(Bolt(port, kShortTimeout));
  EXPECT_EQ(stopped.error, ProbeError::kRefused) << stopped.detail;
  Fault(R"({"action": "restart_member", "member": "v5-1"})");
  EXPECT_EQ(BoltPort("v5-1"), port);
  auto restarted = runner.RunOne(Bolt(port));
  EXPECT_TRUE(restarted.success) << restarted.detail;
  EXPECT_EQ(restarted.bolt_minor, 7);
}

TEST_F(SimBoltProbeTest, HungMemberTimesOutWithoutDelayingAHealthyOne) {
  Fault(R"({"action": "hang_member", "member": "v4-1"})");
  ProbeRunner runner(clock_);
  const MonoTime start = clock_.Monotonic();
  auto results =
      runner.Run({Bolt(BoltPort("v4-1"), kShortTimeout), Bolt(BoltPort("v4-1"), kShortTimeout),
                  Bolt(BoltPort("v5-1"), kShortTimeout)});
  const double elapsed = ToSeconds(clock_.Monotonic() - start);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].error, ProbeError::kTimeout);
  EXPECT_EQ(results[1].error, ProbeError::kTimeout);
  // The hung member accepted the connection: only the handshake timed out.
  EXPECT_LT(results[0].connect_seconds, 0.15);
  ASSERT_TRUE(results[2].success) << results[2].detail;
  EXPECT_LT(results[2].connect_seconds + results[2].handshake_seconds, 0.15);
  // Both hung probes ran in parallel: one budget, not two.
  EXPECT_LT(elapsed, 0.39);
  Fault(R"({"action": "unhang_member", "member": "v4-1"})");
  EXPECT_TRUE(runner.RunOne(Bolt(BoltPort("v4-1"))).success);
}

TEST_F(SimBoltProbeTest, SlowMemberDelaysTheAnswer) {
  Fault(R"({"action": "slow_member", "member": "cal-1", "delay": "120ms"})");
  ProbeRunner runner(clock_);
  auto r = runner.RunOne(Bolt(BoltPort("cal-1")));
  ASSERT_TRUE(r.success) << r.detail;
  EXPECT_GE(r.handshake_seconds, 0.115);
  auto late = runner.RunOne(Bolt(BoltPort("cal-1"), milliseconds(60)));
  EXPECT_EQ(late.error, ProbeError::kTimeout);
}

}  // namespace
}  // namespace nca::neo4j
