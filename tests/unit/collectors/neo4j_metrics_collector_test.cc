// The neo4j_metrics collector against real HTTP endpoints on loopback: what it relays, with which
// labels, and how each kind of broken endpoint is reported without touching the other members.
#include "collectors/neo4j_metrics_collector.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <memory>
#include <string>

#include "fake_member_api.h"
#include "neo4j/http_engine.h"
#include "net/http_server.h"
#include "support/process.h"
#include "support/real_servers.h"
#include "support/test_pki.h"

namespace nca::collectors {
namespace {

using fakes::CountSamples;
using fakes::FakeEnvironment;
using fakes::Value;
using std::chrono::milliseconds;

// Neo4j 5.x naming, in the shape of the real 5.11 capture (Dropwizard bridge: HELP with the
// dotted name, `_total` counters, summaries with a trailing comma and no _sum).
constexpr char kNeo4j5[] =
    "# HELP neo4j_database_my_db_transaction_committed_total Generated from Dropwizard metric "
    "import (metric=neo4j.database.my_db.transaction.committed, "
    "type=com.neo4j.metrics.metric.MetricsCounter)\n"
    "# TYPE neo4j_database_my_db_transaction_committed_total counter\n"
    "neo4j_database_my_db_transaction_committed_total 42.0\n"
    "# HELP neo4j_database_neo4j_transaction_committed_total Generated from Dropwizard metric "
    "import (metric=neo4j.database.neo4j.transaction.committed, "
    "type=com.neo4j.metrics.metric.MetricsCounter)\n"
    "# TYPE neo4j_database_neo4j_transaction_committed_total counter\n"
    "neo4j_database_neo4j_transaction_committed_total 7.0\n"
    "# HELP neo4j_database_neo4j_db_query_execution_latency_millis Generated from Dropwizard "
    "metric import (metric=neo4j.database.neo4j.db.query.execution.latency.millis, "
    "type=com.codahale.metrics.Histogram)\n"
    "# TYPE neo4j_database_neo4j_db_query_execution_latency_millis summary\n"
    "neo4j_database_neo4j_db_query_execution_latency_millis{quantile=\"0.5\",} 20.0\n"
    "neo4j_database_neo4j_db_query_execution_latency_millis{quantile=\"0.95\",} 250.0\n"
    "neo4j_database_neo4j_db_query_execution_latency_millis_count 12.0\n"
    "# HELP neo4j_dbms_vm_heap_used Generated from Dropwizard metric import "
    "(metric=neo4j.dbms.vm.heap.used, type=com.neo4j.metrics.source.jvm.HeapMetrics)\n"
    "# TYPE neo4j_dbms_vm_heap_used gauge\n"
    "neo4j_dbms_vm_heap_used 1.2E8\n";

enum class Mode { kOk, kHtml, kStatus500, kHang, kHuge };

// A member's Neo4j Prometheus endpoint whose behaviour the test switches.
class Endpoint {
 public:
  Endpoint()
      : server_(net::HttpServerOptions{}, [this](const net::HttpRequest&, net::HttpExchange& ex) {
          net::HttpResponse r;
          r.content_type = "text/plain; version=0.0.4; charset=utf-8";
          switch (mode_.load()) {
            case Mode::kOk:
              r.body = kNeo4j5;
              break;
            case Mode::kHtml:
              r.content_type = "text/html";
              r.body = "<html><body><h1>Neo4j Browser</h1></body></html>\n";
              break;
            case Mode::kStatus500:
              r.status = 500;
              r.body = "oops";
              break;
            case Mode::kHang:
              ex.SleepFor(milliseconds(3000));
              r.body = kNeo4j5;
              break;
            case Mode::kHuge:
              r.body = std::string(kNeo4j5) + std::string(64 * 1024, '#');
              break;
          }
          ex.Send(r);
        }) {
    EXPECT_TRUE(server_.Start().ok());
  }
  std::string Url() const {
    return "http://127.0.0.1:" + std::to_string(server_.Port()) + "/metrics";
  }
  void Set(Mode m) { mode_ = m; }

 private:
  std::atomic<Mode> mode_{Mode::kOk};
  net::HttpServer server_;
};

std::vector<neo4j::DatabaseClusterStatus> Databases(std::initializer_list<const char*> names) {
  std::vector<neo4j::DatabaseClusterStatus> out;
  for (const char* n : names) {
    neo4j::DatabaseClusterStatus s;
    s.database = n;
    out.push_back(s);
  }
  return out;
}

class Neo4jMetricsCollectorTest : public ::testing::Test {
 protected:
  Neo4jMetricsCollectorTest() {
    auto& c = env_.AddCluster("prod", 2, neo4j::Dialect::kV5);
    env_clusters_.push_back(&c);
    c.config().members[0].metrics_url = one_.Url();
    c.config().members[1].metrics_url = two_.Url();
    c.member(1).SetStatus(Databases({"neo4j", "system", "my_db"}));
    c.member(2).SetStatus(Databases({"neo4j", "system", "my_db"}));
    config_.neo4j_metrics.max_response_bytes = 32 * 1024;
  }

  CollectOutcome Run() {
    CollectContext ctx = env_.Context(milliseconds(1500));
    ctx.services.http = &http_;
    ctx.services.config = &config_;
    return collector_.Collect(ctx);
  }

  static fakes::LabelMap Of(const std::string& member, fakes::LabelMap more = {}) {
    more["neo4j_cluster"] = "prod";
    more["member"] = member;
    return more;
  }

  RealClock clock_;
  neo4j::HttpEngine http_{clock_};
  Endpoint one_;
  Endpoint two_;
  config::Config config_;
  FakeEnvironment env_;
  std::vector<fakes::FakeCluster*> env_clusters_;
  Neo4jMetricsCollector collector_;
};

TEST_F(Neo4jMetricsCollectorTest, RelaysWithTheDatabaseAsALabel) {
  auto out = Run();
  ASSERT_FALSE(out.error);
  const auto& m = out.metrics;
  for (const char* member : {"m1", "m2"}) {
    EXPECT_EQ(Value(m, "neo4j_transaction_committed_total", Of(member, {{"database", "my_db"}})),
              42.0);
    EXPECT_EQ(Value(m, "neo4j_transaction_committed_total", Of(member, {{"database", "neo4j"}})),
              7.0);
    EXPECT_EQ(Value(m, "neo4j_vm_heap_used", Of(member)), 1.2e8);
    EXPECT_EQ(Value(m, "neo4j_metrics_scrape_success", Of(member)), 1.0);
    EXPECT_EQ(Value(m, "neo4j_metrics_relayed_series", Of(member)), 7.0)
        << "2 counters, 1 gauge, 1 summary series of 2 quantiles + _sum + _count";
  }
  // The summary, in seconds, without a made-up _sum.
  const prometheus::MetricFamily* lat =
      fakes::FindFamily(m, "neo4j_db_query_execution_latency_seconds");
  ASSERT_NE(lat, nullptr);
  EXPECT_EQ(lat->type, prometheus::MetricType::Summary);
  ASSERT_EQ(lat->metric.size(), 2u);
  const auto& s = lat->metric[0].summary;
  EXPECT_EQ(s.sample_count, 12u);
  EXPECT_TRUE(std::isnan(s.sample_sum));
  ASSERT_EQ(s.quantile.size(), 2u);
  EXPECT_DOUBLE_EQ(s.quantile[1].value, 0.25);
}

TEST_F(Neo4jMetricsCollectorTest, EachBrokenEndpointIsReportedAndTheOtherMemberKeepsItsSeries) {
  const std::pair<Mode, const char*> modes[] = {{Mode::kHtml, "malformed_response"},
                                                {Mode::kStatus500, "http_status"},
                                                {Mode::kHang, "timeout"},
                                                {Mode::kHuge, "response_too_large"}};
  for (const auto& [mode, reason] : modes) {
    SCOPED_TRACE(reason);
    two_.Set(mode);
    auto out = Run();
    ASSERT_FALSE(out.error) << "a member's endpoint is not the collector's failure";
    const auto& m = out.metrics;
    EXPECT_EQ(Value(m, "neo4j_metrics_scrape_success", Of("m2")), 0.0);
    EXPECT_EQ(Value(m, "neo4j_metrics_scrape_errors_total", Of("m2", {{"reason", reason}})), 1.0);
    EXPECT_EQ(CountSamples(m, "neo4j_transaction_committed_total", {{"member", "m2"}}), 0)
        << "nothing relayed for the broken member";
    EXPECT_EQ(CountSamples(m, "neo4j_transaction_committed_total", {{"member", "m1"}}), 2);
    EXPECT_EQ(Value(m, "neo4j_metrics_scrape_success", Of("m1")), 1.0);
  }
  two_.Set(Mode::kOk);
  auto out = Run();
  EXPECT_EQ(Value(out.metrics, "neo4j_metrics_scrape_success", Of("m2")), 1.0);
  EXPECT_EQ(
      Value(out.metrics, "neo4j_metrics_scrape_errors_total", Of("m2", {{"reason", "timeout"}})),
      1.0)
      << "error counts are kept";
}

TEST_F(Neo4jMetricsCollectorTest, RefusedEndpointIsReported) {
  env_.AddCluster("off", 1, neo4j::Dialect::kV5).config().members[0].metrics_url =
      "http://127.0.0.1:1/metrics";
  auto out = Run();
  EXPECT_EQ(Value(out.metrics, "neo4j_metrics_scrape_success",
                  {{"neo4j_cluster", "off"}, {"member", "m1"}}),
            0.0);
  EXPECT_EQ(Value(out.metrics, "neo4j_metrics_scrape_errors_total",
                  {{"neo4j_cluster", "off"}, {"member", "m1"}, {"reason", "connection_refused"}}),
            1.0);
  EXPECT_EQ(Value(out.metrics, "neo4j_metrics_scrape_success", Of("m1")), 1.0);
}

TEST_F(Neo4jMetricsCollectorTest, IncludeExcludeAndLimit) {
  config_.neo4j_metrics.include = "neo4j_transaction_.*|neo4j_vm_.*";
  config_.neo4j_metrics.exclude = "neo4j_vm_.*";
  auto out = Run();
  EXPECT_EQ(CountSamples(out.metrics, "neo4j_transaction_committed_total", {{"member", "m1"}}), 2);
  EXPECT_EQ(CountSamples(out.metrics, "neo4j_vm_heap_used"), 0);
  EXPECT_EQ(Value(out.metrics, "neo4j_metrics_dropped_series", Of("m1", {{"reason", "filtered"}})),
            5.0);

  config_.neo4j_metrics.include.clear();
  config_.neo4j_metrics.exclude.clear();
  config_.neo4j_metrics.series_limit = 3;
  out = Run();
  EXPECT_EQ(Value(out.metrics, "neo4j_metrics_relayed_series", Of("m1")), 3.0);
  EXPECT_EQ(Value(out.metrics, "neo4j_metrics_dropped_series", Of("m1", {{"reason", "limit"}})),
            4.0);
}

// An https endpoint (Neo4j's endpoint behind a TLS-terminating proxy; here socat with the test
// PKI's certificate for 127.0.0.1): verified with the cluster's
// tls.ca_file, refused (reason tls) without it.
TEST_F(Neo4jMetricsCollectorTest, HttpsEndpointIsVerifiedWithTheClustersCa) {
  const std::string socat = testing::FindBinary("socat");
  if (socat.empty()) {
    GTEST_SKIP() << "socat not found (scripts/setup.sh installs it)";
  }
  const testing::TestPki pki;  // server certificate for 127.0.0.1, signed by the test CA
  ASSERT_TRUE(pki.ok()) << pki.error;
  const std::string plain = two_.Url();
  const std::string port =
      plain.substr(plain.rfind(':') + 1, plain.rfind('/') - plain.rfind(':') - 1);
  testing::Process front({socat, "-d", "-d",
                          "OPENSSL-LISTEN:0,bind=127.0.0.1,reuseaddr,fork,verify=0,cert=" +
                              pki.server_cert + ",key=" + pki.server_key,
                          "TCP:127.0.0.1:" + port});
  auto line = front.WaitForOutput("listening on", std::chrono::seconds(10));
  ASSERT_TRUE(line) << front.Stderr();
  std::string tls_port = line->substr(line->rfind(':') + 1);
  while (!tls_port.empty() && !std::isdigit(static_cast<unsigned char>(tls_port.back()))) {
    tls_port.pop_back();
  }
  auto& cluster = *env_clusters_.at(0);
  cluster.config().members[1].metrics_url = "https://127.0.0.1:" + tls_port + "/metrics";

  auto out = Run();
  EXPECT_EQ(Value(out.metrics, "neo4j_metrics_scrape_success", Of("m2")), 0.0)
      << "not trusted without the CA";
  EXPECT_EQ(Value(out.metrics, "neo4j_metrics_scrape_errors_total", Of("m2", {{"reason", "tls"}})),
            1.0);
  cluster.config().tls.ca_file = pki.ca_cert;
  out = Run();
  EXPECT_EQ(Value(out.metrics, "neo4j_metrics_scrape_success", Of("m2")), 1.0);
  EXPECT_EQ(
      Value(out.metrics, "neo4j_transaction_committed_total", Of("m2", {{"database", "my_db"}})),
      42.0);
}

TEST(Neo4jMetricsUrlTest, DerivedFromTheMemberUnlessConfigured) {
  config::Neo4jMetricsEndpoint e;
  EXPECT_EQ(Neo4jMetricsUrl("http://10.0.0.7:7474", "", e), "http://10.0.0.7:2004/metrics");
  EXPECT_EQ(Neo4jMetricsUrl("https://neo4j-0.neo4j.svc:7473", "", e),
            "http://neo4j-0.neo4j.svc:2004/metrics");
  EXPECT_EQ(Neo4jMetricsUrl("http://[fd00::7]:7474", "", e), "http://[fd00::7]:2004/metrics");
  e.scheme = "https";
  e.port = 2005;
  e.path = "/prom";
  EXPECT_EQ(Neo4jMetricsUrl("http://u:p@h:7474/x", "", e), "https://h:2005/prom");
  EXPECT_EQ(Neo4jMetricsUrl("http://h:7474", "http://other:9/m", e), "http://other:9/m");
  EXPECT_EQ(Neo4jMetricsUrl("not a url", "", e), "");
}

}  // namespace
}  // namespace nca::collectors
