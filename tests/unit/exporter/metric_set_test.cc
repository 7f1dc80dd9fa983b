// MetricSetBuilder: gauges, counters and histograms (cumulative buckets, sum, count), validation
// of programming errors, deterministic order, and the text exposition of histograms through the
// exporter's /metrics rendering.
#include "exporter/metric_set.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "exporter/snapshot_store.h"
#include "exporter/web_app.h"

namespace nca::exporter {
namespace {

TEST(MetricSetTest, GaugesAndCountersAreSortedByNameAndLabels) {
  MetricSetBuilder b;
  b.Gauge("b_gauge", "B.").Add({{"x", "2"}}, 2).Add({{"x", "1"}}, 1);
  b.Counter("a_total", "A.").Add({}, 7);
  MetricSet set = std::move(b).Build();
  ASSERT_EQ(set.size(), 2u);
  EXPECT_EQ(set[0].name, "a_total");
  EXPECT_EQ(set[0].type, prometheus::MetricType::Counter);
  EXPECT_EQ(set[0].metric[0].counter.value, 7);
  EXPECT_EQ(set[1].metric[0].label[0].value, "1");
  EXPECT_EQ(set[1].metric[1].gauge.value, 2);
}

// A built set is kept as a snapshot until the collector's next run: its series vectors hold
// what they contain, not the growth room of push_back (45 series would keep room for 64).
TEST(MetricSetTest, BuiltFamiliesKeepNoGrowthRoom) {
  MetricSetBuilder b;
  auto g = b.Gauge("members", "M.");
  for (int i = 0; i < 45; ++i) {
    g.Add({{"member", "m" + std::to_string(i)}}, i);
  }
  MetricSet set = std::move(b).Build();
  ASSERT_EQ(set.size(), 1u);
  EXPECT_EQ(set[0].metric.size(), 45u);
  EXPECT_EQ(set[0].metric.capacity(), 45u);
}

TEST(MetricSetTest, HistogramCountsAccumulateCumulatively) {
  HistogramCounts h({0.1, 1, 10});
  for (double v : {0.05, 0.1, 0.5, 3.0, 20.0}) {
    h.Observe(v);
  }
  HistogramValue v = h.Value();
  EXPECT_EQ(v.upper_bounds, (std::vector<double>{0.1, 1, 10}));
  EXPECT_EQ(v.cumulative, (std::vector<std::uint64_t>{2, 3, 4}));  // 0.1 is <= 0.1
  EXPECT_EQ(v.count, 5u);
  EXPECT_DOUBLE_EQ(v.sum, 23.65);
  h.Observe(std::nan(""));  // only in the implied +Inf bucket
  EXPECT_EQ(h.Value().cumulative, (std::vector<std::uint64_t>{2, 3, 4}));
  EXPECT_EQ(h.count(), 6u);

  HistogramCounts empty({1, 2});
  EXPECT_EQ(empty.Value().cumulative, (std::vector<std::uint64_t>{0, 0}));
  EXPECT_EQ(empty.Value().count, 0u);
}

TEST(MetricSetTest, HistogramBoundsMustBeAscendingAndFinite) {
  EXPECT_THROW(HistogramCounts({1, 1}), std::invalid_argument);
  EXPECT_THROW(HistogramCounts({2, 1}), std::invalid_argument);
  EXPECT_THROW(HistogramCounts({1, std::numeric_limits<double>::infinity()}),
               std::invalid_argument);
  EXPECT_NO_THROW(HistogramCounts({}));
}

TEST(MetricSetTest, HistogramFamily) {
  HistogramCounts h({0.5, 1});
  h.Observe(0.2);
  h.Observe(0.7);
  h.Observe(4);
  MetricSetBuilder b;
  b.Histogram("probe_seconds", "Probe durations.").Add({{"phase", "connect"}}, h.Value());
  MetricSet set = std::move(b).Build();
  ASSERT_EQ(set.size(), 1u);
  const auto& f = set[0];
  EXPECT_EQ(f.type, prometheus::MetricType::Histogram);
  ASSERT_EQ(f.metric.size(), 1u);
  const auto& hist = f.metric[0].histogram;
  EXPECT_EQ(hist.sample_count, 3u);
  EXPECT_DOUBLE_EQ(hist.sample_sum, 4.9);
  ASSERT_EQ(hist.bucket.size(), 2u);
  EXPECT_EQ(hist.bucket[0].upper_bound, 0.5);
  EXPECT_EQ(hist.bucket[0].cumulative_count, 1u);
  EXPECT_EQ(hist.bucket[1].cumulative_count, 2u);
}

TEST(MetricSetTest, ProgrammingErrorsThrow) {
  MetricSetBuilder b;
  auto g = b.Gauge("g", "G.");
  auto h = b.Histogram("h", "H.");
  EXPECT_THROW(g.Add({}, HistogramValue{}), std::logic_error);
  EXPECT_THROW(h.Add({}, 1.0), std::logic_error);
  EXPECT_THROW(b.Gauge("h", "again"), std::logic_error);
  HistogramValue bad;
  bad.upper_bounds = {1, 2};
  bad.cumulative = {2, 1};  // decreasing
  bad.count = 2;
  EXPECT_THROW(h.Add({}, bad), std::logic_error);
  bad.cumulative = {1, 3};  // more than count
  EXPECT_THROW(h.Add({}, bad), std::logic_error);
  bad.cumulative = {1};  // size mismatch
  EXPECT_THROW(h.Add({}, bad), std::logic_error);
}

MetricSet OneHistogram(const std::string& target) {
  HistogramCounts h({0.01, 0.1});
  h.Observe(0.0078125);  // exact binary fractions: the sum prints exactly
  h.Observe(0.0625);
  h.Observe(0.5);
  MetricSetBuilder b;
  b.Histogram("neo4j_test_duration_seconds", "Test durations.")
      .Add({{"target", target}}, h.Value());
  return std::move(b).Build();
}

TEST(MetricSetTest, HistogramsInTheTextExposition) {
  const std::string text = prometheus::TextSerializer().Serialize(OneHistogram("a"));
  EXPECT_NE(text.find("# TYPE neo4j_test_duration_seconds histogram"), std::string::npos) << text;
  EXPECT_NE(text.find("neo4j_test_duration_seconds_bucket{target=\"a\",le=\"0.01\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("neo4j_test_duration_seconds_bucket{target=\"a\",le=\"0.1\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("neo4j_test_duration_seconds_bucket{target=\"a\",le=\"+Inf\"} 3"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("neo4j_test_duration_seconds_sum{target=\"a\"} 0.5703125"), std::string::npos)
      << text;
  EXPECT_NE(text.find("neo4j_test_duration_seconds_count{target=\"a\"} 3"), std::string::npos)
      << text;
}

// /metrics merges histogram families of several collectors like any other family.
TEST(MetricSetTest, WebAppRendersHistograms) {
  SnapshotStore store;
  for (const char* collector : {"one", "two"}) {
    CollectorSnapshot s;
    s.collector = collector;
    s.metrics = OneHistogram(collector);
    s.success = true;
    store.Publish(std::move(s));
  }
  WebAppOptions options;
  options.process_stats = [] { return ProcessStats{}; };
  WebApp app(options, store);
  const std::string text = app.RenderMetrics();
  EXPECT_NE(text.find("neo4j_test_duration_seconds_bucket{target=\"one\",le=\"+Inf\"} 3"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("neo4j_test_duration_seconds_count{target=\"two\"} 3"), std::string::npos)
      << text;
  // One TYPE line for the merged family.
  const std::string type = "# TYPE neo4j_test_duration_seconds histogram";
  const auto first = text.find(type);
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(text.find(type, first + 1), std::string::npos);
}

}  // namespace
}  // namespace nca::exporter
