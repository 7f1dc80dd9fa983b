// CrossClusterLatencyCollector against real loopback listeners: the simulator's Bolt listener
// (answering after an injected delay, or hung), a closed port (refused), an in-test HTTP server
// behind a real HttpEngine, and injected host resolvers. Runs use a RealClock (the probes measure
// with it) and real steady-clock deadlines; nothing sleeps to synchronise.
#include "collectors/cross_cluster_latency_collector.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "collectors/registry.h"
#include "fake_member_api.h"
#include "neo4j/http_engine.h"
#include "net/http_server.h"
#include "sim/bolt_listener.h"

namespace nca::collectors {
namespace {

using fakes::CountSamples;
using fakes::FakeEnvironment;
using fakes::FindFamily;
using fakes::LabelMap;
using fakes::ToLabelMap;
using fakes::Value;
using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

// A Bolt listener whose answers can be delayed or withheld while the test runs.
class TestBoltServer {
 public:
  TestBoltServer()
      : listener_(sim::BoltVersionsFor("5.26.0"), [this] {
          sim::BoltBehavior b;
          b.hung = hung_.load();
          b.slow = milliseconds(slow_ms_.load());
          return b;
        }) {
    auto st = listener_.Start("127.0.0.1", 0);
    EXPECT_TRUE(st.ok()) << st.error().message;
  }
  ~TestBoltServer() { listener_.Stop(); }

  void SetDelay(milliseconds d) { slow_ms_ = static_cast<int>(d.count()); }
  void SetHung(bool hung) { hung_ = hung; }
  int Port() const { return listener_.Port(); }
  std::string Endpoint() const { return "127.0.0.1:" + std::to_string(Port()); }

 private:
  std::atomic<bool> hung_{false};
  std::atomic<int> slow_ms_{0};
  sim::BoltListener listener_;
};

// A loopback port with nothing listening on it (bound, then closed).
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  socklen_t len = sizeof(sa);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len), 0);
  close(fd);
  return ntohs(sa.sin_port);
}

LabelMap Pair(const std::string& target, const std::string& source = "east") {
  return {{"source_cluster", source}, {"target_cluster", target}};
}

LabelMap Phase(const std::string& target, const std::string& phase) {
  LabelMap l = Pair(target);
  l["phase"] = phase;
  return l;
}

LabelMap Failure(const std::string& target, const std::string& phase, const std::string& reason) {
  LabelMap l = Phase(target, phase);
  l["reason"] = reason;
  return l;
}

const prometheus::ClientMetric* Histogram(const exporter::MetricSet& m, const LabelMap& labels) {
  const prometheus::MetricFamily* f = FindFamily(m, "neo4j_cross_cluster_probe_duration_seconds");
  if (f == nullptr) {
    return nullptr;
  }
  EXPECT_EQ(f->type, prometheus::MetricType::Histogram);
  for (const auto& metric : f->metric) {
    if (ToLabelMap(metric) == labels) {
      return &metric;
    }
  }
  return nullptr;
}

// Clusters "east" (the source: first configured) and peers with endpoints; a RealClock.
struct Probes {
  FakeEnvironment env;
  config::Config config;
  RealClock clock;
  HostResolver resolver;
  neo4j::HttpEngine* http = nullptr;

  Probes() {
    env.AddCluster("east", 0, neo4j::Dialect::kV5);
    config.cross_cluster.probe_timeout = config::Seconds(2.0);
    config.cross_cluster.http_probe = false;
  }
  config::ClusterConfig& AddPeer(const std::string& name, const std::string& bolt,
                                 const std::string& http_endpoint = "") {
    auto& c = env.AddCluster(name, 0, neo4j::Dialect::kV5).config();
    c.bolt_endpoint = bolt;
    c.http_endpoint = http_endpoint;
    return c;
  }
  CollectContext Context(milliseconds timeout = milliseconds(4000)) {
    CollectContext ctx = env.Context(timeout);
    ctx.clock = &clock;
    ctx.services.config = &config;
    ctx.services.resolve = resolver ? &resolver : nullptr;
    ctx.services.http = http;
    return ctx;
  }
};

double Seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }

TEST(CrossClusterLatencyCollectorTest, LatencyIsTheHandshakeRoundTrip) {
  TestBoltServer slow;
  slow.SetDelay(milliseconds(200));
  TestBoltServer fast;
  Probes s;
  s.AddPeer("west", slow.Endpoint());
  s.AddPeer("north", fast.Endpoint());
  CrossClusterLatencyCollector collector;

  auto out = collector.Collect(s.Context());
  ASSERT_FALSE(out.error) << out.error->ToString();
  const auto& m = out.metrics;
  const auto west = Value(m, "neo4j_cross_cluster_latency_seconds", Pair("west"));
  const auto north = Value(m, "neo4j_cross_cluster_latency_seconds", Pair("north"));
  ASSERT_TRUE(west && north);
  // The injected delay, give or take scheduling noise on a busy machine.
  EXPECT_GE(*west, 0.19);
  EXPECT_LT(*west, 1.5);
  EXPECT_LT(*north, *west);
  for (const char* phase : {kPhaseTcpConnect, kPhaseBoltHandshake}) {
    EXPECT_EQ(Value(m, "neo4j_cross_cluster_probe_success", Phase("west", phase)), 1) << phase;
  }
  // No HTTP probe when it is switched off.
  EXPECT_EQ(CountSamples(m, "neo4j_cross_cluster_probe_success", {{"phase", kPhaseHttpDiscovery}}),
            0);
  EXPECT_EQ(Value(m, "neo4j_cross_cluster_probe_consecutive_failures", Pair("west")), 0);
  const auto last = Value(m, "neo4j_cross_cluster_last_success_timestamp_seconds", Pair("west"));
  ASSERT_TRUE(last);
  EXPECT_NEAR(*last, ToUnixSeconds(s.clock.Now()), 60);
  // The source is not probed.
  EXPECT_EQ(CountSamples(m, "neo4j_cross_cluster_latency_seconds", {{"target_cluster", "east"}}),
            0);

  // The histogram holds the handshake duration in the right bucket.
  const prometheus::ClientMetric* h = Histogram(m, Phase("west", kPhaseBoltHandshake));
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->histogram.sample_count, 1u);
  EXPECT_DOUBLE_EQ(h->histogram.sample_sum, *west);
  const auto& bounds = CrossClusterLatencyCollector::DurationBuckets();
  ASSERT_EQ(h->histogram.bucket.size(), bounds.size());
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    EXPECT_EQ(h->histogram.bucket[i].upper_bound, bounds[i]);
    EXPECT_EQ(h->histogram.bucket[i].cumulative_count, *west <= bounds[i] ? 1u : 0u) << bounds[i];
  }

  // Histograms accumulate across runs.
  out = collector.Collect(s.Context());
  h = Histogram(out.metrics, Phase("west", kPhaseBoltHandshake));
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->histogram.sample_count, 2u);
}

TEST(CrossClusterLatencyCollectorTest, SilentListenerIsAPartitionNotAStaleLatency) {
  TestBoltServer peer;
  Probes s;
  s.AddPeer("west", peer.Endpoint());
  s.config.cross_cluster.probe_timeout = config::Seconds(0.3);
  CrossClusterLatencyCollector collector;

  // A good probe first: the latency is finite.
  auto out = collector.Collect(s.Context());
  ASSERT_FALSE(out.error) << out.error->ToString();
  ASSERT_TRUE(
      std::isfinite(*Value(out.metrics, "neo4j_cross_cluster_latency_seconds", Pair("west"))));

  // Then the peer accepts connections but never answers.
  peer.SetHung(true);
  for (int run = 1; run <= 3; ++run) {
    const auto started = Steady::now();
    out = collector.Collect(s.Context());
    const double took = Seconds(Steady::now() - started);
    EXPECT_GE(took, 0.29) << run;
    EXPECT_LT(took, 0.3 + 1.0) << run;  // one probe timeout, not more
    const auto& m = out.metrics;
    // The failing link is the measurement, not the collector's failure.
    EXPECT_FALSE(out.error) << run;
    EXPECT_EQ(Value(m, "neo4j_cross_cluster_latency_seconds", Pair("west")),
              std::numeric_limits<double>::infinity());
    EXPECT_EQ(Value(m, "neo4j_cross_cluster_probe_success", Phase("west", kPhaseBoltHandshake)), 0);
    EXPECT_EQ(Value(m, "neo4j_cross_cluster_probe_success", Phase("west", kPhaseTcpConnect)), 1);
    EXPECT_EQ(Value(m, "neo4j_cross_cluster_probe_consecutive_failures", Pair("west")), run);
    EXPECT_EQ(Value(m, "neo4j_cross_cluster_probe_failures_total",
                    Failure("west", kPhaseBoltHandshake, "timeout")),
              run);
    // The last success stays where it was.
    EXPECT_TRUE(Value(m, "neo4j_cross_cluster_last_success_timestamp_seconds", Pair("west")));
    // Failed probes do not enter the histogram.
    EXPECT_EQ(Histogram(m, Phase("west", kPhaseBoltHandshake))->histogram.sample_count, 1u);
  }

  // Recovery resets the streak.
  peer.SetHung(false);
  out = collector.Collect(s.Context());
  EXPECT_FALSE(out.error);
  EXPECT_EQ(Value(out.metrics, "neo4j_cross_cluster_probe_consecutive_failures", Pair("west")), 0);
  EXPECT_TRUE(
      std::isfinite(*Value(out.metrics, "neo4j_cross_cluster_latency_seconds", Pair("west"))));
  EXPECT_EQ(Value(out.metrics, "neo4j_cross_cluster_probe_failures_total",
                  Failure("west", kPhaseBoltHandshake, "timeout")),
            3);
}

TEST(CrossClusterLatencyCollectorTest, RefusedConnectionFailsTheConnectPhase) {
  Probes s;
  s.AddPeer("west", "127.0.0.1:" + std::to_string(ClosedPort()));
  CrossClusterLatencyCollector collector;
  auto out = collector.Collect(s.Context());
  EXPECT_FALSE(out.error);
  const auto& m = out.metrics;
  EXPECT_EQ(Value(m, "neo4j_cross_cluster_probe_success", Phase("west", kPhaseTcpConnect)), 0);
  EXPECT_EQ(Value(m, "neo4j_cross_cluster_probe_success", Phase("west", kPhaseBoltHandshake)), 0);
  EXPECT_EQ(Value(m, "neo4j_cross_cluster_probe_failures_total",
                  Failure("west", kPhaseTcpConnect, "refused")),
            1);
  // Counted once, at the phase that failed.
  EXPECT_EQ(
      CountSamples(m, "neo4j_cross_cluster_probe_failures_total", {{"phase", kPhaseBoltHandshake}}),
      0);
  EXPECT_EQ(Value(m, "neo4j_cross_cluster_latency_seconds", Pair("west")),
            std::numeric_limits<double>::infinity());
  EXPECT_EQ(CountSamples(m, "neo4j_cross_cluster_last_success_timestamp_seconds"), 0);
}

TEST(CrossClusterLatencyCollectorTest, ProbesRunConcurrentlyWithinTheDeadline) {
  TestBoltServer hung1;
  hung1.SetHung(true);
  TestBoltServer hung2;
  hung2.SetHung(true);
  TestBoltServer good;
  good.SetDelay(milliseconds(100));
  Probes s;
  s.AddPeer("a", hung1.Endpoint());
  s.AddPeer("b", hung2.Endpoint());
  s.AddPeer("c", good.Endpoint());
  s.config.cross_cluster.probe_timeout = config::Seconds(10);  // the deadline is shorter
  CrossClusterLatencyCollector collector;
  const auto started = Steady::now();
  auto out = collector.Collect(s.Context(milliseconds(500)));
  const double took = Seconds(Steady::now() - started);
  EXPECT_LT(took, 0.5 + 1.0);
  EXPECT_GE(took, 0.45);
  EXPECT_FALSE(out.error);  // one probe succeeded
  EXPECT_EQ(
      Value(out.metrics, "neo4j_cross_cluster_probe_success", Phase("c", kPhaseBoltHandshake)), 1);
  for (const char* t : {"a", "b"}) {
    EXPECT_EQ(Value(out.metrics, "neo4j_cross_cluster_latency_seconds", Pair(t)),
              std::numeric_limits<double>::infinity())
        << t;
  }
}

TEST(CrossClusterLatencyCollectorTest, HostNamesGoThroughTheResolver) {
  TestBoltServer peer;
  Probes s;
  std::mutex mu;
  std::vector<std::string> asked;
  s.resolver = [&](const std::string& host, MonoTime deadline) -> Result<std::vector<std::string>> {
    std::lock_guard lock(mu);
    asked.push_back(host);
    EXPECT_GT(deadline, Steady::now());
    if (host == "west.neo4j.example") {
      return std::vector<std::string>{"127.0.0.1"};
    }
    return MakeError(ErrorKind::kNotFound, "no such host");
  };
  s.AddPeer("west", "west.neo4j.example:" + std::to_string(peer.Port()));
  s.AddPeer("gone", "gone.neo4j.example:7687");
  CrossClusterLatencyCollector collector;
  auto out = collector.Collect(s.Context());
  EXPECT_FALSE(out.error);
  const auto& m = out.metrics;
  EXPECT_EQ(Value(m, "neo4j_cross_cluster_probe_success", Phase("west", kPhaseBoltHandshake)), 1);
  EXPECT_EQ(Value(m, "neo4j_cross_cluster_probe_failures_total",
                  Failure("gone", kPhaseTcpConnect, "resolve")),
            1);
  EXPECT_EQ(Value(m, "neo4j_cross_cluster_latency_seconds", Pair("gone")),
            std::numeric_limits<double>::infinity());
  {
    std::lock_guard lock(mu);
    std::sort(asked.begin(), asked.end());
    EXPECT_EQ(asked, (std::vector<std::string>{"gone.neo4j.example", "west.neo4j.example"}));
  }

  // Without a resolver, names cannot be probed (numeric hosts still can).
  s.resolver = nullptr;
  out = collector.Collect(s.Context());
  EXPECT_EQ(Value(out.metrics, "neo4j_cross_cluster_probe_failures_total",
                  Failure("west", kPhaseTcpConnect, "resolve")),
            1);
}

TEST(CrossClusterLatencyCollectorTest, HttpDiscoveryRoundTrip) {
  std::atomic<int> status{200};
  std::atomic<int> requests{0};
  std::string accept;
  std::mutex mu;
  net::HttpServer server(
      net::HttpServerOptions{}, [&](const net::HttpRequest& req, net::HttpExchange& ex) {
        ++requests;
        {
          std::lock_guard lock(mu);
          accept = req.Header("Accept");
        }
        ex.SleepFor(milliseconds(100));
        net::HttpResponse r;
        r.status = status.load();
        r.content_type = "application/json";
        r.body = R"({"bolt_direct":"bolt://127.0.0.1:7687","neo4j_version":"5.26.0"})";
        ex.Send(r);
      });
  ASSERT_TRUE(server.Start().ok());
  RealClock engine_clock;
  neo4j::HttpEngine http(engine_clock);
  TestBoltServer peer;

  Probes s;
  s.http = &http;
  s.config.cross_cluster.http_probe = true;
  const std::string url = "http://127.0.0.1:" + std::to_string(server.Port());
  s.AddPeer("west", peer.Endpoint(), url);  // Bolt + HTTP
  s.AddPeer("web", "", url);                // HTTP only
  CrossClusterLatencyCollector collector;
  auto out = collector.Collect(s.Context());
  ASSERT_FALSE(out.error) << out.error->ToString();
  const auto& m = out.metrics;
  EXPECT_EQ(requests.load(), 2);
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(accept, "application/json");
  }
  EXPECT_EQ(Value(m, "neo4j_cross_cluster_probe_success", Phase("west", kPhaseHttpDiscovery)), 1);
  const prometheus::ClientMetric* h = Histogram(m, Phase("web", kPhaseHttpDiscovery));
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->histogram.sample_count, 1u);
  EXPECT_GE(h->histogram.sample_sum, 0.09);
  // Without a Bolt endpoint the latency is the HTTP round trip.
  const auto web = Value(m, "neo4j_cross_cluster_latency_seconds", Pair("web"));
  ASSERT_TRUE(web);
  EXPECT_DOUBLE_EQ(*web, h->histogram.sample_sum);
  EXPECT_EQ(CountSamples(m, "neo4j_cross_cluster_probe_success",
                         {{"target_cluster", "web"}, {"phase", kPhaseTcpConnect}}),
            0);

  // A 500 answer is a failed phase with the HTTP error kind as reason.
  status = 500;
  out = collector.Collect(s.Context());
  EXPECT_EQ(
      Value(out.metrics, "neo4j_cross_cluster_probe_success", Phase("west", kPhaseHttpDiscovery)),
      0);
  EXPECT_EQ(Value(out.metrics, "neo4j_cross_cluster_probe_failures_total",
                  Failure("web", kPhaseHttpDiscovery, "server_error")),
            1);
  EXPECT_EQ(Value(out.metrics, "neo4j_cross_cluster_latency_seconds", Pair("web")),
            std::numeric_limits<double>::infinity());
  // West's latency is the Bolt handshake, which still works.
  EXPECT_TRUE(
      std::isfinite(*Value(out.metrics, "neo4j_cross_cluster_latency_seconds", Pair("west"))));
  EXPECT_FALSE(out.error);
  server.Stop();
}

TEST(CrossClusterLatencyCollectorTest, SourceFromConfigAndPairsThatDisappear) {
  TestBoltServer peer;
  Probes s;
  s.AddPeer("west", peer.Endpoint());
  config::ClusterConfig& north = s.AddPeer("north", peer.Endpoint());
  s.config.cross_cluster.source = "west";  // "east" has no endpoint: it is not a target
  CrossClusterLatencyCollector collector;
  auto out = collector.Collect(s.Context());
  ASSERT_FALSE(out.error);
  EXPECT_EQ(CountSamples(out.metrics, "neo4j_cross_cluster_latency_seconds"), 1);
  EXPECT_EQ(Value(out.metrics, "neo4j_cross_cluster_probe_success",
                  {{"source_cluster", "west"},
                   {"target_cluster", "north"},
                   {"phase", kPhaseBoltHandshake}}),
            1);

  // North loses its endpoint: its series go away with its state.
  north.bolt_endpoint.clear();
  out = collector.Collect(s.Context());
  EXPECT_FALSE(out.error);
  for (const auto& f : out.metrics) {
    EXPECT_TRUE(f.metric.empty()) << f.name;
  }
}

TEST(CrossClusterLatencyCollectorTest, RegisteredUnderItsName) {
  const CollectorInfo* info = FindCollector("cross_cluster_latency");
  ASSERT_NE(info, nullptr);
  EXPECT_NE(dynamic_cast<CrossClusterLatencyCollector*>(info->factory().get()), nullptr);
}

}  // namespace
}  // namespace nca::collectors
