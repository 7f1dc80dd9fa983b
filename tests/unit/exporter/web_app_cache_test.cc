// The WebApp's rendering cache: one rendering per publication served to every scrape, gzip
// only when asked (and compressed at most once per rendering), keep-alive connections, volatile
// families, reloads.
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
#include "exporter/web_app.h"
#include "net/gzip.h"
#include "web_app_fixtures.h"

namespace nca::exporter {
namespace {

using std::chrono::seconds;
using web_app_fixtures::AppendToString;
using web_app_fixtures::BaseOptions;
using web_app_fixtures::Fetch;
using web_app_fixtures::Fetched;
using web_app_fixtures::FixedProcessStats;
using web_app_fixtures::LineStartingWith;
using web_app_fixtures::PublishLintSample;
using web_app_fixtures::PublishRepresentative;
using web_app_fixtures::RecordHeader;
using web_app_fixtures::Samples;
using web_app_fixtures::SeriesOf;
using web_app_fixtures::Snap;
using web_app_fixtures::TwoMembers;
using web_app_fixtures::TypeOrder;

// --- the rendering cache, gzip and keep-alive ---

// A server of its own (the suite's shared one is not told about publications in between).
class WebAppCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PublishRepresentative(store_);
    app_ = std::make_unique<WebApp>(BaseOptions(), store_);
    ASSERT_TRUE(app_->Start().ok());
  }
  // Polls until the renderer has rendered at least `n` times in all.
  bool WaitRenders(uint64_t n) {
    const auto deadline = std::chrono::steady_clock::now() + seconds(5);
    while (app_->Renders() < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return app_->Renders() >= n;
  }
  SnapshotStore store_;
  std::unique_ptr<WebApp> app_;
};

TEST_F(WebAppCacheTest, ScrapesServeOneRenderingUntilASnapshotIsPublished) {
  const uint64_t start = app_->Renders();
  EXPECT_GE(start, 1u);  // Start renders once
  const Fetched a = Fetch(app_->Port(), "GET", "/metrics");
  const Fetched b = Fetch(app_->Port(), "GET", "/metrics");
  ASSERT_TRUE(a.ok && b.ok);
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(app_->Renders(), start) << "a scrape rendered although nothing changed";

  MetricSetBuilder more;
  more.Gauge("neo4j_fresh_family", "Published after start.").Add({{"member", "m9"}}, 42);
  store_.Publish(Snap("fresh", std::move(more).Build(), true, 0.1, 1700000100));
  ASSERT_TRUE(WaitRenders(start + 1));
  const Fetched c = Fetch(app_->Port(), "GET", "/metrics");
  EXPECT_EQ(Samples(c.body)["neo4j_fresh_family{member=\"m9\"}"], "42");
  EXPECT_EQ(app_->Renders(), start + 1);
}

TEST_F(WebAppCacheTest, GzipWhenAskedDecodesToTheSameExposition) {
  // curl with a raw Accept-Encoding header does not decode: the body is what was sent.
  CURL* c = curl_easy_init();
  ASSERT_NE(c, nullptr);
  const std::string url = "http://127.0.0.1:" + std::to_string(app_->Port()) + "/metrics";
  std::string body;
  std::map<std::string, std::string> headers;
  curl_slist* h = curl_slist_append(nullptr, "Accept-Encoding: gzip");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &AppendToString);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &RecordHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &headers);
  ASSERT_EQ(curl_easy_perform(c), CURLE_OK);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  EXPECT_EQ(headers["content-encoding"], "gzip");
  EXPECT_EQ(headers["vary"], "Accept-Encoding");
  EXPECT_EQ(headers["content-length"], std::to_string(body.size()));
  auto plain = net::Gunzip(body);
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  const Fetched identity = Fetch(app_->Port(), "GET", "/metrics");
  EXPECT_EQ(identity.headers.count("content-encoding"), 0u);
  EXPECT_EQ(*plain, identity.body);  // fixed process stats: byte for byte
  EXPECT_LT(body.size(), identity.body.size() / 3);
}

// A rendering is compressed only when a scraper wants gzip: by that scrape, or by the renderer
// when a gzip scrape came since the previous rendering.
TEST_F(WebAppCacheTest, CompressesOnlyRenderingsAScraperAsksGzipFor) {
  auto publish = [this](int i) {
    const uint64_t renders = app_->Renders();
    MetricSetBuilder more;
    more.Gauge("neo4j_fresh_family", "Published after start.").Add({{"member", "m9"}}, i);
    store_.Publish(Snap("fresh", std::move(more).Build(), true, 0.1, 1700000100 + i));
    return WaitRenders(renders + 1);
  };
  ASSERT_TRUE(publish(1));
  ASSERT_TRUE(publish(2));
  EXPECT_EQ(Fetch(app_->Port(), "GET", "/metrics").headers.count("content-encoding"), 0u);
  EXPECT_EQ(app_->Compressions(), 0u) << "renderings compressed although nobody asked for gzip";

  const std::vector<std::string> gzip = {"Accept-Encoding: gzip"};
  const Fetched first = Fetch(app_->Port(), "GET", "/metrics", gzip);
  ASSERT_TRUE(first.ok);
  EXPECT_EQ(first.headers.at("content-encoding"), "gzip");
  auto plain = net::Gunzip(first.body);
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(Samples(*plain)["neo4j_fresh_family{member=\"m9\"}"], "2");
  EXPECT_EQ(app_->Compressions(), 1u);
  ASSERT_TRUE(Fetch(app_->Port(), "GET", "/metrics", gzip).ok);
  EXPECT_EQ(app_->Compressions(), 1u) << "the same rendering compressed twice";

  // Asked since the previous rendering: the renderer compresses the next one itself.
  ASSERT_TRUE(publish(3));
  EXPECT_EQ(app_->Compressions(), 2u);
  const Fetched third = Fetch(app_->Port(), "GET", "/metrics", gzip);
  plain = net::Gunzip(third.body);
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(Samples(*plain)["neo4j_fresh_family{member=\"m9\"}"], "3");
  EXPECT_EQ(app_->Compressions(), 2u);
  // Not asked since: the next rendering is left uncompressed.
  ASSERT_TRUE(publish(4));
  ASSERT_TRUE(publish(5));
  EXPECT_EQ(app_->Compressions(), 3u);  // publish(4) followed the gzip scrape of rendering 3
}

TEST_F(WebAppCacheTest, OneConnectionServesManyScrapes) {
  // libcurl reuses the connection of an easy handle when the server keeps it open.
  CURL* c = curl_easy_init();
  ASSERT_NE(c, nullptr);
  const std::string url = "http://127.0.0.1:" + std::to_string(app_->Port()) + "/metrics";
  std::string body;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &AppendToString);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  long connects = 0;
  for (int i = 0; i < 5; ++i) {
    body.clear();
    ASSERT_EQ(curl_easy_perform(c), CURLE_OK);
    long n = 0;
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &n);
    connects += n;
    EXPECT_NE(body.find("# TYPE neo4j_up gauge"), std::string::npos);
  }
  curl_easy_cleanup(c);
  EXPECT_EQ(connects, 1);
}

TEST_F(WebAppCacheTest, VolatileFamiliesAreCurrentAtEveryScrapeWithoutARender) {
  WebAppOptions o = BaseOptions();
  o.volatile_max_age = std::chrono::milliseconds(0);
  // process_* come from the provider at each scrape: a changing value shows at once.
  std::atomic<int> cpu{1};
  SnapshotStore store;
  o.process_stats = [&cpu] {
    ProcessStats p = FixedProcessStats();
    p.cpu_seconds_total = cpu.load();
    return p;
  };
  WebApp app(std::move(o), store);
  ASSERT_TRUE(app.Start().ok());
  const uint64_t before = app.Renders();
  EXPECT_EQ(Samples(Fetch(app.Port(), "GET", "/metrics").body)["process_cpu_seconds_total"], "1");
  cpu = 7;
  EXPECT_EQ(Samples(Fetch(app.Port(), "GET", "/metrics").body)["process_cpu_seconds_total"], "7");
  EXPECT_EQ(app.Renders(), before);
}

TEST_F(WebAppCacheTest, VolatileFamiliesAreSharedByScrapesWithinTheirMaxAge) {
  WebAppOptions o = BaseOptions();
  o.volatile_max_age = std::chrono::hours(1);
  std::atomic<int> cpu{1};
  std::atomic<int> reads{0};
  SnapshotStore store;
  o.process_stats = [&cpu, &reads] {
    ++reads;
    ProcessStats p = FixedProcessStats();
    p.cpu_seconds_total = cpu.load();
    return p;
  };
  WebApp app(std::move(o), store);
  ASSERT_TRUE(app.Start().ok());
  EXPECT_EQ(Samples(Fetch(app.Port(), "GET", "/metrics").body)["process_cpu_seconds_total"], "1");
  const int after_first = reads.load();
  cpu = 7;
  EXPECT_EQ(Samples(Fetch(app.Port(), "GET", "/metrics").body)["process_cpu_seconds_total"], "1");
  EXPECT_EQ(reads.load(), after_first);  // no /proc read for the second scrape
  // A new rendering of the snapshots' part brings a new tail.
  store.Publish(Snap("x", {}, true, 0.1, 1700000300));
  const auto deadline = std::chrono::steady_clock::now() + seconds(5);
  std::string cpu_seen;
  while (cpu_seen != "7" && std::chrono::steady_clock::now() < deadline) {
    cpu_seen = Samples(Fetch(app.Port(), "GET", "/metrics").body)["process_cpu_seconds_total"];
  }
  EXPECT_EQ(cpu_seen, "7");
}

TEST_F(WebAppCacheTest, AReloadShowsItsSeriesOnTheNextScrape) {
  WebAppOptions o = BaseOptions();
  o.volatile_max_age = std::chrono::hours(1);
  std::atomic<int> reload_ok{1};
  o.extra_metrics.push_back([&reload_ok] {
    MetricSetBuilder b;
    b.Gauge("neo4j_agent_rules_last_reload_successful", "Test.").Add({}, reload_ok.load());
    return std::move(b).Build();
  });
  o.reload = [&reload_ok] {
    reload_ok = 0;
    return MakeError(ErrorKind::kInvalidArgument, "broken file");
  };
  o.rules_json = [](const std::string&) { return std::string("{}"); };
  o.alerts_json = [] { return std::string("{}"); };
  SnapshotStore store;
  WebApp app(std::move(o), store);
  ASSERT_TRUE(app.Start().ok());
  EXPECT_EQ(
      Samples(
          Fetch(app.Port(), "GET", "/metrics").body)["neo4j_agent_rules_last_reload_successful"],
      "1");
  EXPECT_EQ(Fetch(app.Port(), "POST", "/-/reload").status, 500);
  EXPECT_EQ(
      Samples(
          Fetch(app.Port(), "GET", "/metrics").body)["neo4j_agent_rules_last_reload_successful"],
      "0");
}

}  // namespace
}  // namespace nca::exporter
