#include "exporter/web_app.h"

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <locale>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/build_version.h"
#include "net/gzip.h"
#include "web_app_fixtures.h"

namespace nca::exporter {
namespace {

using std::chrono::seconds;
using web_app_fixtures::BaseOptions;
using web_app_fixtures::Fetch;
using web_app_fixtures::Fetched;
using web_app_fixtures::FixedProcessStats;
using web_app_fixtures::LineStartingWith;
using web_app_fixtures::PublishLintSample;
using web_app_fixtures::PublishRepresentative;
using web_app_fixtures::Samples;
using web_app_fixtures::SeriesOf;
using web_app_fixtures::Snap;
using web_app_fixtures::TwoMembers;
using web_app_fixtures::TypeOrder;

// One WebApp served over loopback for the whole suite: stopping civetweb 1.15 takes up to 2 s
// (its accept loop polls with a 2 s quantum), too slow to pay per test.
class WebAppHttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    store_ = std::make_unique<SnapshotStore>();
    PublishRepresentative(*store_);
    PublishLintSample(*store_);
    config::ClusterConfig cluster;
    cluster.name = "prod";
    cluster.members = {{"core-1", "http://neo4j:s3cret@10.0.0.1:7474", "", ""},
                       {"core-2", "https://10.0.0.2:7473", "", ""}};
    cluster.credentials.password_file = "/run/secrets/neo4j-password";
    cluster.credentials.username_env = "MY_NEO4J_USER";
    WebAppOptions o = BaseOptions();
    o.clusters = SummariseClusters({cluster});
    o.ready = [] { return ready_.load(); };
    o.process_stats = [] {
      return real_process_.load() ? ProcessMetricsReader().Read() : FixedProcessStats();
    };
    app_ = std::make_unique<WebApp>(std::move(o), *store_);
    start_status_ = app_->Start();
  }
  static void TearDownTestSuite() {
    app_.reset();
    store_.reset();
  }
  void SetUp() override {
    ASSERT_TRUE(start_status_.ok()) << start_status_.error().ToString();
    ASSERT_GT(app_->Port(), 0);
    ready_ = false;
    real_process_ = false;
  }
  static Fetched Get(const std::string& path) { return Fetch(app_->Port(), "GET", path); }

  static inline std::unique_ptr<SnapshotStore> store_;
  static inline std::unique_ptr<WebApp> app_;
  static inline Status start_status_ = OkStatus();
  static inline std::atomic<bool> ready_{false};
  static inline std::atomic<bool> real_process_{false};
};

// Rendering without a server.
class WebAppRenderTest : public ::testing::Test {
 protected:
  SnapshotStore store_;
};

TEST_F(WebAppHttpTest, LandingPageShowsNameVersionLinksClustersAndCollectors) {
  Fetched r = Get("/");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("neo4j-cluster-agent"), std::string::npos);
  EXPECT_NE(r.body.find(nca::kBuildVersion), std::string::npos);
  EXPECT_NE(r.body.find("href=\"/metrics\""), std::string::npos);
  EXPECT_NE(r.body.find("href=\"/-/healthy\""), std::string::npos);
  EXPECT_NE(r.body.find("href=\"/-/ready\""), std::string::npos);
  EXPECT_NE(r.body.find("prod"), std::string::npos);
  EXPECT_NE(r.body.find("core-1"), std::string::npos);
  EXPECT_NE(r.body.find("http://10.0.0.1:7474"), std::string::npos);
  EXPECT_NE(r.body.find("https://10.0.0.2:7473"), std::string::npos);
  EXPECT_NE(r.body.find("role"), std::string::npos);
  EXPECT_NE(r.body.find("quorum"), std::string::npos);
  EXPECT_NE(r.body.find("failover"), std::string::npos);
  // Names and URLs only: no credentials and no credential sources.
  EXPECT_EQ(r.body.find("s3cret"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("neo4j:"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("/run/secrets"), std::string::npos);
  EXPECT_EQ(r.body.find("MY_NEO4J_USER"), std::string::npos);
}

TEST(SummariseClustersTest, StripsUserInfoOnly) {
  config::ClusterConfig c;
  c.name = "a";
  c.members = {{"x", "https://u:p@host:7473/base?q=1", "", ""}, {"y", "http://host:7474", "", ""}};
  auto s = SummariseClusters({c});
  ASSERT_EQ(s.size(), 1u);
  ASSERT_EQ(s[0].members.size(), 2u);
  EXPECT_EQ(s[0].members[0].url, "https://host:7473/base?q=1");
  EXPECT_EQ(s[0].members[1].url, "http://host:7474");
}

TEST_F(WebAppRenderTest, LandingPageEscapesHtmlAndStripsUserInfo) {
  WebAppOptions o = BaseOptions();
  o.clusters = {{"<script>alert(1)</script>", {{"a&b", "http://u:pw@h:1"}}}};
  WebApp app(std::move(o), store_);
  const std::string& body = app.RenderLanding();
  EXPECT_EQ(body.find("<script>"), std::string::npos);
  EXPECT_NE(body.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(body.find("a&amp;b"), std::string::npos);
  EXPECT_NE(body.find("http://h:1"), std::string::npos);
  EXPECT_EQ(body.find("pw"), std::string::npos);
}

TEST_F(WebAppHttpTest, HealthyAlways) {
  ready_ = false;
  Fetched r = Get("/-/healthy");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Healthy.");
}

TEST_F(WebAppHttpTest, ReadyFollowsTheCallback) {
  Fetched before = Get("/-/ready");
  EXPECT_EQ(before.status, 503);
  EXPECT_EQ(before.body, "Not ready.");
  ready_ = true;
  Fetched after = Get("/-/ready");
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, "Ready.");
}

TEST_F(WebAppHttpTest, UnknownPathIs404) {
  EXPECT_EQ(Get("/nope").status, 404);
  EXPECT_EQ(Get("/metrics/extra").status, 404);
  EXPECT_EQ(Get("/-/reload").status, 404);
}

TEST_F(WebAppHttpTest, OtherMethodsAre405) {
  for (const char* path : {"/metrics", "/", "/-/healthy", "/-/ready"}) {
    Fetched post = Fetch(app_->Port(), "POST", path);
    EXPECT_EQ(post.status, 405) << path;
    EXPECT_EQ(post.headers["allow"], "GET, HEAD") << path;
    EXPECT_EQ(Fetch(app_->Port(), "DELETE", path).status, 405) << path;
  }
}

TEST_F(WebAppHttpTest, MetricsContentTypeAndHead) {
  Fetched get = Get("/metrics");
  ASSERT_TRUE(get.ok);
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(get.body.find("# TYPE neo4j_up gauge"), std::string::npos);

  Fetched head = Fetch(app_->Port(), "HEAD", "/metrics");
  ASSERT_TRUE(head.ok);
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(head.headers["content-length"], std::to_string(get.body.size()));
}

TEST_F(WebAppRenderTest, CustomTelemetryPath) {
  WebAppOptions o = BaseOptions();
  o.telemetry_path = "/custom/metrics";
  WebApp app(std::move(o), store_);
  auto request = [&app](const std::string& path) {
    net::HttpRequest r;
    r.method = "GET";
    r.path = path;
    return app.HandleRequest(r);
  };
  net::HttpResponse metrics = request("/custom/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find("# TYPE neo4j_agent_build_info gauge"), std::string::npos);
  EXPECT_EQ(request("/metrics").status, 404);
  EXPECT_NE(request("/").body.find("href=\"/custom/metrics\""), std::string::npos);
}

TEST_F(WebAppRenderTest, FamiliesSortedByNameAndSeriesByLabels) {
  // Hand-built sets, deliberately out of order (the builder would sort them).
  prometheus::MetricFamily zeta{"zeta_metric", "Zeta.", prometheus::MetricType::Gauge, {}};
  for (const char* m : {"c", "a", "b"}) {
    prometheus::ClientMetric cm;
    cm.label = {{"member", m}};
    cm.gauge.value = 1;
    zeta.metric.push_back(cm);
  }
  prometheus::MetricFamily alpha{"alpha_metric", "Alpha.", prometheus::MetricType::Gauge, {}};
  alpha.metric.emplace_back();
  prometheus::MetricFamily mid{"mid_metric", "Mid.", prometheus::MetricType::Gauge, {}};
  mid.metric.emplace_back();
  store_.Publish(Snap("a_collector", {zeta, alpha}, true, 0.1, 1700000000));
  store_.Publish(Snap("b_collector", {mid}, true, 0.1, 1700000000));
  WebApp app(BaseOptions(), store_);

  std::string text = app.RenderMetrics();
  std::vector<std::string> order = TypeOrder(text);
  // Two sorted parts: what changes with snapshots, then what changes by itself (process_*).
  auto volatile_part = std::find(order.begin(), order.end(), "process_cpu_seconds_total");
  ASSERT_NE(volatile_part, order.end());
  EXPECT_TRUE(std::is_sorted(order.begin(), volatile_part)) << text;
  EXPECT_TRUE(std::is_sorted(volatile_part, order.end())) << text;
  EXPECT_TRUE(std::all_of(volatile_part, order.end(), [](const std::string& n) {
    return n.rfind("process_", 0) == 0;
  })) << text;
  std::vector<std::string> unique = order;
  std::sort(unique.begin(), unique.end());
  EXPECT_EQ(std::unique(unique.begin(), unique.end()), unique.end()) << "a family twice";
  EXPECT_NE(std::find(order.begin(), order.end(), "alpha_metric"), order.end());
  EXPECT_NE(std::find(order.begin(), order.end(), "zeta_metric"), order.end());
  EXPECT_NE(std::find(order.begin(), order.end(), "process_open_fds"), order.end());
  EXPECT_EQ(SeriesOf(text, "zeta_metric"),
            (std::vector<std::string>{"zeta_metric{member=\"a\"} 1", "zeta_metric{member=\"b\"} 1",
                                      "zeta_metric{member=\"c\"} 1"}));
}

TEST_F(WebAppRenderTest, SameFamilyFromTwoSnapshotsIsMergedIntoOne) {
  MetricSetBuilder a;
  a.Gauge("neo4j_shared_family", "Shared.").Add({{"member", "m2"}}, 2);
  MetricSetBuilder b;
  b.Gauge("neo4j_shared_family", "Shared.").Add({{"member", "m1"}}, 1).Add({{"member", "m3"}}, 3);
  store_.Publish(Snap("first", std::move(a).Build(), true, 0.1, 1700000000));
  store_.Publish(Snap("second", std::move(b).Build(), true, 0.1, 1700000000));
  WebApp app(BaseOptions(), store_);

  std::string text = app.RenderMetrics();
  std::vector<std::string> order = TypeOrder(text);
  EXPECT_EQ(std::count(order.begin(), order.end(), "neo4j_shared_family"), 1) << text;
  EXPECT_EQ(std::adjacent_find(order.begin(), order.end()), order.end()) << text;
  EXPECT_EQ(SeriesOf(text, "neo4j_shared_family"),
            (std::vector<std::string>{"neo4j_shared_family{member=\"m1\"} 1",
                                      "neo4j_shared_family{member=\"m2\"} 2",
                                      "neo4j_shared_family{member=\"m3\"} 3"}));
}

TEST_F(WebAppRenderTest, SelfMetricFamilyFromACollectorIsMergedToo) {
  MetricSetBuilder a;
  a.Gauge("neo4j_up", "Collector view.").Add({{"neo4j_cluster", "prod"}, {"member", "m9"}}, 1);
  store_.Publish(Snap("odd", std::move(a).Build(), true, 0.1, 1700000000));
  WebApp app(BaseOptions(), store_);
  std::string text = app.RenderMetrics();
  std::vector<std::string> order = TypeOrder(text);
  EXPECT_EQ(std::count(order.begin(), order.end(), "neo4j_up"), 1);
  EXPECT_EQ(SeriesOf(text, "neo4j_up").size(), 3u) << text;
}

TEST_F(WebAppRenderTest, IdenticalSeriesFromTwoSnapshotsAppearOnce) {
  MetricSetBuilder a;
  a.Gauge("neo4j_dup", "Dup.").Add({{"member", "m1"}}, 1);
  MetricSetBuilder b;
  b.Gauge("neo4j_dup", "Dup.").Add({{"member", "m1"}}, 1);
  store_.Publish(Snap("first", std::move(a).Build(), true, 0.1, 1700000000));
  store_.Publish(Snap("second", std::move(b).Build(), true, 0.1, 1700000000));
  WebApp app(BaseOptions(), store_);
  EXPECT_EQ(SeriesOf(app.RenderMetrics(), "neo4j_dup").size(), 1u);
}

TEST_F(WebAppRenderTest, LatestRunOnlySoStaleSeriesDisappear) {
  WebApp app(BaseOptions(), store_);
  MetricSetBuilder a;
  a.Gauge("neo4j_db_thing", "Thing.").Add({{"database", "old"}}, 1);
  store_.Publish(Snap("role", std::move(a).Build(), true, 0.1, 1700000000));
  EXPECT_EQ(SeriesOf(app.RenderMetrics(), "neo4j_db_thing").size(), 1u);
  MetricSetBuilder b;
  b.Gauge("neo4j_db_thing", "Thing.").Add({{"database", "new"}}, 1);
  store_.Publish(Snap("role", std::move(b).Build(), false, 0.1, 1700000005));
  EXPECT_EQ(SeriesOf(app.RenderMetrics(), "neo4j_db_thing"),
            std::vector<std::string>{"neo4j_db_thing{database=\"new\"} 1"});
}

TEST_F(WebAppRenderTest, BuildInfo) {
  WebApp app(BaseOptions(), store_);
  std::string text = app.RenderMetrics();
  EXPECT_NE(text.find("# HELP neo4j_agent_build_info A metric with a constant '1' value labeled "
                      "by version, revision and compiler from which neo4j-cluster-agent was "
                      "built.\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE neo4j_agent_build_info gauge\n"), std::string::npos);
  std::string line = LineStartingWith(text, "neo4j_agent_build_info{");
  const std::string prefix = std::string("neo4j_agent_build_info{version=\"") + nca::kBuildVersion +
                             "\",revision=\"" + nca::kBuildRevision + "\",compiler=\"";
  ASSERT_EQ(line.rfind(prefix, 0), 0u) << line;
#if defined(__clang__)
  EXPECT_EQ(line.compare(prefix.size(), 6, "clang "), 0) << line;
#else
  EXPECT_EQ(line, prefix + "gcc " + __VERSION__ + "\"} 1");
#endif
}

TEST_F(WebAppRenderTest, CollectorSelfMetrics) {
  PublishRepresentative(store_);  // role ok (0.25 s), quorum failed (4 s)
  WebApp app(BaseOptions(), store_);
  std::string text = app.RenderMetrics();
  auto s = Samples(text);

  EXPECT_EQ(s["neo4j_agent_collector_duration_seconds{collector=\"role\"}"], "0.25");
  EXPECT_EQ(s["neo4j_agent_collector_duration_seconds{collector=\"quorum\"}"], "4");
  EXPECT_EQ(s.count("neo4j_agent_collector_duration_seconds{collector=\"failover\"}"), 0u);
  EXPECT_EQ(s["neo4j_agent_collector_success{collector=\"role\"}"], "1");
  EXPECT_EQ(s["neo4j_agent_collector_success{collector=\"quorum\"}"], "0");
  EXPECT_EQ(s["neo4j_agent_collector_last_success_timestamp_seconds{collector=\"role\"}"],
            "1700000000");
  EXPECT_EQ(s.count("neo4j_agent_collector_last_success_timestamp_seconds{collector=\"quorum\"}"),
            0u);
  for (const char* c : {"failover", "quorum", "role"}) {
    EXPECT_EQ(s[std::string("neo4j_agent_collector_interval_seconds{collector=\"") + c + "\"}"],
              "5");
  }
  for (const char* f : {"neo4j_agent_collector_duration_seconds", "neo4j_agent_collector_success",
                        "neo4j_agent_collector_last_success_timestamp_seconds",
                        "neo4j_agent_collector_interval_seconds"}) {
    std::string help = LineStartingWith(text, std::string("# HELP ") + f + " ");
    EXPECT_NE(help.find("collected in the background every 5 seconds and served from the "
                        "latest snapshot"),
              std::string::npos)
        << help;
    EXPECT_NE(text.find(std::string("# TYPE ") + f + " gauge\n"), std::string::npos) << f;
  }
}

TEST_F(WebAppRenderTest, LastSuccessAbsentUntilFirstSuccess) {
  store_.Publish(Snap("role", {}, false, 1, 1700000000));
  WebApp app(BaseOptions(), store_);
  std::string text = app.RenderMetrics();
  EXPECT_EQ(text.find("neo4j_agent_collector_last_success_timestamp_seconds"), std::string::npos);
  EXPECT_EQ(Samples(text)["neo4j_agent_collector_success{collector=\"role\"}"], "0");
  store_.Publish(Snap("role", {}, true, 1, 1700000042));
  EXPECT_EQ(Samples(app.RenderMetrics())
                ["neo4j_agent_collector_last_success_timestamp_seconds{collector=\"role\"}"],
            "1700000042");
}

TEST_F(WebAppRenderTest, DifferentIntervalsAreDescribedAsARange) {
  WebAppOptions o = BaseOptions();
  o.collectors = {{"role", 5}, {"quorum", 30}, {"failover", 2.5}};
  WebApp app(std::move(o), store_);
  std::string help =
      LineStartingWith(app.RenderMetrics(), "# HELP neo4j_agent_collector_interval_seconds ");
  EXPECT_NE(help.find("every 2.5 to 30 seconds"), std::string::npos) << help;
}

TEST_F(WebAppRenderTest, MemberMetrics) {
  WebApp app(BaseOptions(), store_);
  std::string text = app.RenderMetrics();
  auto s = Samples(text);
  EXPECT_EQ(s["neo4j_up{neo4j_cluster=\"prod\",member=\"m1\"}"], "1");
  EXPECT_EQ(s["neo4j_up{neo4j_cluster=\"prod\",member=\"m2\"}"], "0");
  EXPECT_EQ(s["neo4j_member_info{neo4j_cluster=\"prod\",member=\"m1\",version=\"5.26.0\","
              "edition=\"enterprise\",dialect=\"5\",transport=\"query_api\"}"],
            "1");
  EXPECT_EQ(SeriesOf(text, "neo4j_member_info").size(), 1u) << "m2's version is unknown";
  EXPECT_EQ(s["neo4j_member_request_errors_total{neo4j_cluster=\"prod\",member=\"m1\","
              "reason=\"timeout\"}"],
            "3");
  EXPECT_EQ(s["neo4j_member_request_errors_total{neo4j_cluster=\"prod\",member=\"m1\","
              "reason=\"unauthorized\"}"],
            "1");
  EXPECT_EQ(SeriesOf(text, "neo4j_member_request_errors_total").size(), 2u);
  EXPECT_NE(text.find("# TYPE neo4j_member_request_errors_total counter\n"), std::string::npos);
  EXPECT_EQ(s["neo4j_member_last_success_timestamp_seconds{neo4j_cluster=\"prod\",member=\"m1\"}"],
            "1700000100");
  EXPECT_EQ(SeriesOf(text, "neo4j_member_last_success_timestamp_seconds").size(), 1u);
}

TEST_F(WebAppRenderTest, NoMemberProviderNoMemberMetrics) {
  WebAppOptions o = BaseOptions();
  o.member_status = nullptr;
  WebApp app(std::move(o), store_);
  EXPECT_EQ(app.RenderMetrics().find("neo4j_up"), std::string::npos);
}

TEST_F(WebAppRenderTest, DiscoveredMembersByConvention) {
  WebAppOptions o = BaseOptions();
  o.discovered_members = [] {
    return std::vector<DiscoveredCount>{{"operator", "prod", 2}, {"helm", "graph-eu", 1}};
  };
  o.discovery_summary = "Pods on node <worker-1> labelled neo4j.com/cluster";
  WebApp app(std::move(o), store_);
  std::string text = app.RenderMetrics();
  auto s = Samples(text);
  EXPECT_EQ(
      s["neo4j_kubernetes_discovered_members{convention=\"operator\",neo4j_cluster=\"prod\"}"],
      "2");
  EXPECT_EQ(
      s["neo4j_kubernetes_discovered_members{convention=\"helm\",neo4j_cluster=\"graph-eu\"}"],
      "1");
  EXPECT_NE(text.find("# TYPE neo4j_kubernetes_discovered_members gauge\n"), std::string::npos);
  EXPECT_NE(app.RenderLanding().find("<h2>Kubernetes discovery</h2>\n<p>Pods on node "
                                     "&lt;worker-1&gt; labelled neo4j.com/cluster</p>"),
            std::string::npos)
      << app.RenderLanding();

  // Discovery off: neither the family nor the landing-page section.
  WebApp off(BaseOptions(), store_);
  EXPECT_EQ(off.RenderMetrics().find("neo4j_kubernetes_discovered_members"), std::string::npos);
  EXPECT_EQ(off.RenderLanding().find("Kubernetes discovery"), std::string::npos);
}

TEST_F(WebAppRenderTest, ProcessMetricsFromTheProvider) {
  WebApp app(BaseOptions(), store_);
  std::string text = app.RenderMetrics();
  auto s = Samples(text);
  EXPECT_EQ(s["process_cpu_seconds_total"], "1.5");
  EXPECT_EQ(s["process_resident_memory_bytes"], "1048576");
  EXPECT_EQ(s["process_virtual_memory_bytes"], "4194304");
  EXPECT_EQ(s["process_start_time_seconds"], "1699999000");
  EXPECT_EQ(s["process_open_fds"], "12");
  EXPECT_EQ(s["process_max_fds"], "1024");
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
}

TEST_F(WebAppRenderTest, ProcessMetricsDefaultToThisProcess) {
  WebAppOptions o = BaseOptions();
  o.process_stats = nullptr;
  WebApp app(std::move(o), store_);
  auto s = Samples(app.RenderMetrics());
  ASSERT_EQ(s.count("process_open_fds"), 1u);
  EXPECT_GE(std::stod(s["process_open_fds"]), 3);
  ASSERT_EQ(s.count("process_start_time_seconds"), 1u);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(std::stod(s["process_start_time_seconds"]), now, 24 * 3600);
  EXPECT_GT(std::stod(s["process_resident_memory_bytes"]), 0);
}

TEST_F(WebAppRenderTest, SpecialValuesAndEscaping) {
  MetricSetBuilder b;
  b.Gauge("neo4j_special", "Line one\nline two with a \\ backslash.")
      .Add({{"v", "nan"}}, std::numeric_limits<double>::quiet_NaN())
      .Add({{"v", "pinf"}}, std::numeric_limits<double>::infinity())
      .Add({{"v", "ninf"}}, -std::numeric_limits<double>::infinity())
      .Add({{"v", "quote\"back\\slash\nnewline"}}, 0.5);
  store_.Publish(Snap("role", std::move(b).Build(), true, 0.1, 1700000000));
  WebApp app(BaseOptions(), store_);
  std::string text = app.RenderMetrics();
  EXPECT_NE(text.find("# HELP neo4j_special Line one\\nline two with a \\\\ backslash.\n"),
            std::string::npos)
      << text;
  auto s = Samples(text);
  EXPECT_EQ(s["neo4j_special{v=\"nan\"}"], "Nan");
  EXPECT_EQ(s["neo4j_special{v=\"pinf\"}"], "+Inf");
  EXPECT_EQ(s["neo4j_special{v=\"ninf\"}"], "-Inf");
  EXPECT_EQ(s["neo4j_special{v=\"quote\\\"back\\\\slash\\nnewline\"}"], "0.5");
}

// Decimal comma locales must not leak into the exposition format.
struct CommaDecimal : std::numpunct<char> {
  char do_decimal_point() const override { return ','; }
  char do_thousands_sep() const override { return '.'; }
  std::string do_grouping() const override { return "\3"; }
};

TEST_F(WebAppRenderTest, OutputIgnoresTheGlobalLocale) {
  store_.Publish(Snap("role", {}, true, 1234567.25, 1700000000));
  WebApp app(BaseOptions(), store_);
  std::locale previous = std::locale::global(std::locale(std::locale::classic(), new CommaDecimal));
  std::string text = app.RenderMetrics();
  std::locale::global(previous);
  EXPECT_EQ(Samples(text)["neo4j_agent_collector_duration_seconds{collector=\"role\"}"],
            "1234567.25");
  EXPECT_EQ(Samples(text)["process_cpu_seconds_total"], "1.5");
}

TEST_F(WebAppHttpTest, StartFailsOnAnAddressInUse) {
  WebAppOptions o = BaseOptions();
  o.listen_address = "127.0.0.1:" + std::to_string(app_->Port());
  WebApp second(std::move(o), *store_);
  EXPECT_FALSE(second.Start().ok());
}

// --- promtool lint of the real /metrics output ---

std::string TempFile(const std::string& content) {
  char tmpl[] = "/tmp/nca_metrics_XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) {
    return "";
  }
  close(fd);
  std::ofstream(tmpl, std::ios::binary) << content;
  return tmpl;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(WebAppHttpTest, PromtoolCheckMetricsAcceptsTheOutput) {
  const std::string promtool = "/usr/bin/promtool";
  // promtool is a declared test dependency (package "prometheus"): missing means failure.
  ASSERT_TRUE(std::filesystem::exists(promtool)) << promtool << " is missing";

  real_process_ = true;  // the real process collector
  Fetched r = Get("/metrics");
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.status, 200);
  // All of it: collector families, a merged family, self-metrics, process metrics.
  for (const char* f :
       {"neo4j_database_role", "neo4j_agent_build_info", "neo4j_up", "neo4j_member_info",
        "neo4j_member_request_errors_total", "process_cpu_seconds_total", "process_max_fds"}) {
    EXPECT_NE(r.body.find(std::string("# TYPE ") + f + " "), std::string::npos) << f;
  }
  std::vector<std::string> order = TypeOrder(r.body);
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
  EXPECT_EQ(std::count(order.begin(), order.end(), "neo4j_database_role"), 1);
  EXPECT_EQ(SeriesOf(r.body, "neo4j_database_role").size(), 3u);
  EXPECT_NE(r.body.find("} Nan\n"), std::string::npos);
  EXPECT_NE(r.body.find("} +Inf\n"), std::string::npos);

  std::string in = TempFile(r.body);
  std::string out = TempFile("");
  ASSERT_FALSE(in.empty());
  ASSERT_FALSE(out.empty());
  std::string cmd = promtool + " check metrics < " + in + " > " + out + " 2>&1";
  int rc = std::system(cmd.c_str());
  std::string report = ReadAll(out);
  std::filesystem::remove(in);
  std::filesystem::remove(out);
  ASSERT_TRUE(WIFEXITED(rc)) << rc;
  EXPECT_EQ(WEXITSTATUS(rc), 0) << report << "\n--- input ---\n" << r.body;
  EXPECT_EQ(report, "") << "--- input ---\n" << r.body;
}

// The check above must be able to fail: promtool flags a counter without _total.
TEST(PromtoolSelfTest, FlagsALintProblem) {
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/promtool"));
  std::string in = TempFile(
      "# HELP bad_counter A counter.\n# TYPE bad_counter counter\n"
      "bad_counter 1\n");
  std::string out = TempFile("");
  std::string cmd = "/usr/bin/promtool check metrics < " + in + " > " + out + " 2>&1";
  int rc = std::system(cmd.c_str());
  std::string report = ReadAll(out);
  std::filesystem::remove(in);
  std::filesystem::remove(out);
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_NE(WEXITSTATUS(rc), 0);
  EXPECT_NE(report.find("_total"), std::string::npos) << report;
}

// The local alerting endpoints and extra metric providers.
TEST_F(WebAppRenderTest, AlertingEndpointsAndExtraMetrics) {
  WebAppOptions o = BaseOptions();
  std::atomic<int> reloads{0};
  std::atomic<bool> reload_fails{false};
  std::string seen_type = "unset";
  o.rules_json = [&seen_type](const std::string& type) {
    seen_type = type;
    return std::string(R"({"status":"success","data":{"groups":[]}})");
  };
  o.alerts_json = [] { return std::string(R"({"status":"success","data":{"alerts":[]}})"); };
  o.reload = [&]() -> Status {
    ++reloads;
    if (reload_fails) return MakeError(ErrorKind::kInvalidArgument, "r.yml: 1:1: bad");
    return OkStatus();
  };
  o.extra_metrics.push_back([] {
    MetricSetBuilder b;
    b.Gauge("neo4j_agent_alerts", "Alerts.").Add({{"alertname", "X"}, {"alertstate", "firing"}}, 1);
    return std::move(b).Build();
  });
  WebApp app(std::move(o), store_);

  net::HttpRequest req;
  req.method = "GET";
  req.path = "/api/v1/rules";
  req.query = "type=alert";
  net::HttpResponse r = app.HandleRequest(req);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(seen_type, "alert");
  req.query = "";
  app.HandleRequest(req);
  EXPECT_EQ(seen_type, "");
  req.path = "/api/v1/alerts";
  r = app.HandleRequest(req);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"alerts\""), std::string::npos);
  req.method = "POST";
  EXPECT_EQ(app.HandleRequest(req).status, 405);

  req.path = "/-/reload";
  req.method = "GET";
  EXPECT_EQ(app.HandleRequest(req).status, 405);  // as Prometheus: only POST or PUT
  EXPECT_EQ(reloads, 0);
  req.method = "POST";
  EXPECT_EQ(app.HandleRequest(req).status, 200);
  EXPECT_EQ(reloads, 1);
  reload_fails = true;
  r = app.HandleRequest(req);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, "failed to reload config: r.yml: 1:1: bad");

  const std::string text = app.RenderMetrics();
  EXPECT_NE(text.find("neo4j_agent_alerts{alertname=\"X\",alertstate=\"firing\"} 1"),
            std::string::npos);
  for (const auto& f : app.SelfMetrics()) {
    EXPECT_NE(f.name, "neo4j_agent_alerts") << "extra providers are not self-metrics";
  }
  EXPECT_NE(app.RenderLanding().find("/api/v1/alerts"), std::string::npos);
}

TEST_F(WebAppRenderTest, AlertingEndpointsAre404WhenRulesAreOff) {
  WebApp app(BaseOptions(), store_);
  net::HttpRequest req;
  req.method = "GET";
  for (const char* path : {"/api/v1/rules", "/api/v1/alerts"}) {
    req.path = path;
    EXPECT_EQ(app.HandleRequest(req).status, 404) << path;
  }
  req.method = "POST";
  req.path = "/-/reload";
  EXPECT_EQ(app.HandleRequest(req).status, 404);
  EXPECT_EQ(app.RenderLanding().find("/api/v1/alerts"), std::string::npos);
}

}  // namespace
}  // namespace nca::exporter
