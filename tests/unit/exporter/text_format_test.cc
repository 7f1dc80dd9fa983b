#include "exporter/text_format.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
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

// Each rendering apart, then joined: as one rendering of all of them when no name is in two
// renderings (histograms and summaries included: their series span several lines).
TEST(TextFormatTest, JoinedRenderingsEqualOneRenderingOfAll) {
  const std::vector<MetricFamily> shapes = EveryShape();
  std::vector<const MetricFamily*> all;
  for (const auto& f : shapes) {
    all.push_back(&f);
  }
  // Two renderings, with families interleaved by name between them.
  std::vector<const MetricFamily*> odd;
  std::vector<const MetricFamily*> even;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    (i % 2 == 0 ? even : odd).push_back(&shapes[i]);
  }
  const RenderedFamilies r1 = RenderFamilies(odd);
  const RenderedFamilies r2 = RenderFamilies(even);
  std::vector<const RenderedFamily*> joined;
  for (const auto* r : {&r2, &r1}) {
    for (const auto& f : *r) {
      joined.push_back(&f);
    }
  }
  const std::string text = JoinRenderedFamilies(joined);
  EXPECT_EQ(text, RenderFamiliesText(all));
  // Not vacuous: every family, in name order, with its three distinct series (EveryShape
  // repeats one label set, of which the first stays).
  std::vector<std::string> names;
  for (const auto& f : shapes) {
    names.push_back(f.name);
  }
  std::sort(names.begin(), names.end());
  std::size_t at = 0;
  for (const auto& name : names) {
    at = text.find("# TYPE " + name + " ", at);
    ASSERT_NE(at, std::string::npos) << name;
  }
  EXPECT_EQ(r1.size() + r2.size(), shapes.size());
  for (const auto* r : {&r1, &r2}) {
    for (const auto& f : *r) {
      EXPECT_EQ(f.index.size(), 3u) << f.name;
    }
  }
}

// Where each series starts and where its label text is, for every shape.
TEST(TextFormatTest, RenderedIndexPointsAtEachSeriesAndItsLabels) {
  MetricFamily h{"h", "H.", MetricType::Histogram, {Series({{"m", "a b}"}}), Series({})}};
  h.metric[0].histogram.bucket.push_back({});
  h.metric[0].histogram.bucket.back().upper_bound = 1;
  MetricFamily g{"g", "", MetricType::Gauge, {Series({{"x", "1"}, {"y", "q\"}"}})}};
  const RenderedFamilies r = RenderFamilies({&h, &g});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].name, "g");
  EXPECT_EQ(r[0].header, "# TYPE g gauge\n");
  ASSERT_EQ(r[0].index.size(), 1u);
  EXPECT_EQ(r[0].series.substr(r[0].index[0].labels_offset, r[0].index[0].labels_size),
            "{x=\"1\",y=\"q\\\"}\"}");
  EXPECT_EQ(r[1].name, "h");
  ASSERT_EQ(r[1].index.size(), 2u);
  const auto lines = [&](std::size_t i) {
    const std::size_t end =
        i + 1 < r[1].index.size() ? r[1].index[i + 1].offset : r[1].series.size();
    return r[1].series.substr(r[1].index[i].offset, end - r[1].index[i].offset);
  };
  const auto labels = [&](std::size_t i) {
    return r[1].series.substr(r[1].index[i].labels_offset, r[1].index[i].labels_size);
  };
  // Series in label order: the one without labels first.
  EXPECT_EQ(lines(0), "h_count 0\nh_sum 0\nh_bucket{le=\"+Inf\"} 0\n");
  EXPECT_EQ(labels(0), "");
  EXPECT_EQ(lines(1),
            "h_count{m=\"a b}\"} 0\nh_sum{m=\"a b}\"} 0\nh_bucket{m=\"a b}\",le=\"1\"} 0\n"
            "h_bucket{m=\"a b}\",le=\"+Inf\"} 0\n");
  EXPECT_EQ(labels(1), "{m=\"a b}\"}");
}

// Families of one name rendered apart (two collectors' snapshots) are joined into one: the
// first one's header, series of another type dropped, series sorted by label text, a series
// already seen dropped.
TEST(TextFormatTest, JoinMergesFamiliesOfOneNameFromSeveralRenderings) {
  MetricFamily first{"m_total", "First.", MetricType::Counter, {Series({{"x", "b"}})}};
  first.metric[0].counter.value = 2;
  MetricFamily second{"m_total", "Second.", MetricType::Counter, {}};
  for (const char* x : {"a", "b", "c"}) {
    second.metric.push_back(Series({{"x", x}}));
    second.metric.back().counter.value = 10;
  }
  MetricFamily other_type{"m_total", "Gauge.", MetricType::Gauge, {Series({{"x", "0"}})}};
  MetricFamily alone{"n", "N.", MetricType::Gauge, {Series({})}};
  const RenderedFamilies r1 = RenderFamilies({&first, &alone});
  const RenderedFamilies r2 = RenderFamilies({&second});
  const RenderedFamilies r3 = RenderFamilies({&other_type});
  std::vector<const RenderedFamily*> joined;
  for (const auto* r : {&r1, &r3, &r2}) {
    for (const auto& f : *r) {
      joined.push_back(&f);
    }
  }
  EXPECT_EQ(JoinRenderedFamilies(joined),
            "# HELP m_total First.\n"
            "# TYPE m_total counter\n"
            "m_total{x=\"a\"} 10\n"
            "m_total{x=\"b\"} 2\n"
            "m_total{x=\"c\"} 10\n"
            "# HELP n N.\n"
            "# TYPE n gauge\n"
            "n 0\n");
}

}  // namespace
}  // namespace nca::exporter
