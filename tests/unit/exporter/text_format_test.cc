#include "exporter/text_format.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace nca::exporter {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// Values where printf-style formatting differs most: integers, halves, the edges of %g's switch
// to exponents, subnormals, extremes, negative zero, the non-finite.
const std::vector<double> kValues = {0.0,
                                     -0.0,
                                     1.0,
                                     -1.5,
                                     0.1,
                                     1.0 / 3.0,
                                     0.07795540199999999,
                                     123456789012345678.0,
                                     1e15,
                                     1e16,
                                     1e17,
                                     1e-4,
                                     1e-5,
                                     12345.678901234567,
                                     std::numeric_limits<double>::max(),
                                     std::numeric_limits<double>::min(),
                                     std::numeric_limits<double>::denorm_min(),
                                     std::numeric_limits<double>::lowest(),
                                     std::numeric_limits<double>::infinity(),
                                     -std::numeric_limits<double>::infinity(),
                                     std::numeric_limits<double>::quiet_NaN()};

ClientMetric Series(std::vector<ClientMetric::Label> labels, int64_t timestamp_ms = 0) {
  ClientMetric m;
  m.label = std::move(labels);
  m.timestamp_ms = timestamp_ms;
  return m;
}

std::vector<MetricFamily> EveryShape() {
  std::vector<MetricFamily> out;
  const std::vector<ClientMetric::Label> awkward = {
      {"a", ""}, {"b", "back\\slash \"quoted\"\nnew line"}, {"c", "ünïcödé"}};
  for (MetricType type : {MetricType::Counter, MetricType::Gauge, MetricType::Untyped,
                          MetricType::Summary, MetricType::Histogram}) {
    MetricFamily f;
    f.name = "family_" + std::to_string(static_cast<int>(type));
    f.help = type == MetricType::Gauge ? "" : "Help with \\ and \"quotes\".";
    f.type = type;
    int64_t ts = 0;
    for (double v : kValues) {
      ClientMetric m = Series(awkward, ts);
      ts = ts == 0 ? -1700000000123 : 0;
      m.counter.value = v;
      m.gauge.value = v;
      m.untyped.value = v;
      m.summary.sample_count = 18446744073709551615u;
      m.summary.sample_sum = v;
      m.summary.quantile = {{0.5, v}, {0.99, -v}, {1.0 / 3.0, 0}};
      m.histogram.sample_count = 42;
      m.histogram.sample_sum = v;
      m.histogram.bucket = {{3, 0.005}, {7, 1e-9}, {40, std::isfinite(v) ? std::abs(v) : 1}};
      f.metric.push_back(m);
    }
    f.metric.push_back(Series({}));  // no labels at all
    ClientMetric with_inf = Series({{"le_like", "x"}});
    with_inf.histogram.bucket = {{1, 1}, {2, std::numeric_limits<double>::infinity()}};
    with_inf.histogram.sample_count = 2;
    f.metric.push_back(with_inf);  // a histogram that has its +Inf bucket already
    out.push_back(std::move(f));
  }
  return out;
}

TEST(TextFormatTest, WritesTheBytesOfPrometheusCppsTextSerializer) {
  const std::vector<MetricFamily> families = EveryShape();
  std::string ours;
  for (const MetricFamily& f : families) {
    std::vector<const ClientMetric*> series;
    for (const ClientMetric& m : f.metric) {
      series.push_back(&m);
    }
    AppendFamilyText(ours, f.name, f.help, f.type, series);
  }
  const std::string theirs = prometheus::TextSerializer().Serialize(families);
  ASSERT_EQ(ours.size(), theirs.size());
  EXPECT_EQ(ours, theirs);
  // Not vacuous: the shapes under comparison are in there.
  EXPECT_NE(ours.find("Nan"), std::string::npos);
  EXPECT_NE(ours.find("-Inf"), std::string::npos);
  EXPECT_NE(ours.find("1.797693134862316e+308"), std::string::npos);
  EXPECT_NE(ours.find("le=\"+Inf\""), std::string::npos);
  EXPECT_NE(ours.find("quantile=\"0.3333333333333333\""), std::string::npos);
  EXPECT_NE(ours.find("\\\"quoted\\\"\\nnew line"), std::string::npos);
  EXPECT_NE(ours.find(" -1700000000123\n"), std::string::npos);
}

TEST(TextFormatTest, MergesSortsAndDropsDuplicatesAndEmptyFamilies) {
  MetricFamily b1{"b_total", "First HELP\nwith a line feed", MetricType::Counter, {}};
  b1.metric.push_back(Series({{"x", "2"}}));
  b1.metric.back().counter.value = 2;
  MetricFamily a{"a", "A.", MetricType::Gauge, {Series({})}};
  MetricFamily b2{"b_total", "Second HELP", MetricType::Counter, {}};
  b2.metric.push_back(Series({{"x", "1"}}));
  b2.metric.back().counter.value = 1;
  b2.metric.push_back(Series({{"x", "2"}}));  // the same series again: the first one stays
  b2.metric.back().counter.value = 99;
  MetricFamily b3{"b_total", "Other type", MetricType::Gauge, {Series({{"x", "0"}})}};
  MetricFamily empty{"c", "Nothing.", MetricType::Gauge, {}};
  const std::string text = RenderFamiliesText({&b1, &empty, &b3, &a, &b2});
  EXPECT_EQ(text,
            "# HELP a A.\n"
            "# TYPE a gauge\n"
            "a 0\n"
            "# HELP b_total First HELP\\nwith a line feed\n"
            "# TYPE b_total counter\n"
            "b_total{x=\"1\"} 1\n"
            "b_total{x=\"2\"} 2\n");
}

}  // namespace
}  // namespace nca::exporter
