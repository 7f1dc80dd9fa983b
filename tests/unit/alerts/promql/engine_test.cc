#include "alerts/promql/engine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "alerts/promql/functions.h"
#include "alerts/promql/memory.h"
#include "alerts/promql/parser.h"

namespace nca::alerts::promql {
namespace {

constexpr int64_t kMin = 60000;

Labels L(std::vector<std::pair<std::string, std::string>> pairs) {
  return Labels(std::move(pairs));
}

// Adds samples at 0, 1m, 2m, ...; NaN() entries of `skip` are left out.
void AddSeries(MemoryQueryable* data, const Labels& labels, const std::vector<double>& values,
               int64_t step = kMin) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    data->Add(labels, static_cast<int64_t>(i) * step, values[i]);
  }
}

class EngineTest : public ::testing::Test {
 protected:
  Result<Value> Eval(std::string_view text, int64_t ts) {
    auto expr = Parse(text);
    EXPECT_TRUE(expr.ok()) << text << ": " << (expr.ok() ? "" : expr.error().message);
    if (!expr.ok()) return expr.error();
    return engine_.Instant(**expr, ts, data_);
  }

  // The vector result as "labels -> value".
  std::map<std::string, double> Vec(std::string_view text, int64_t ts) {
    std::map<std::string, double> out;
    auto v = Eval(text, ts);
    EXPECT_TRUE(v.ok()) << text << ": " << (v.ok() ? "" : v.error().message);
    if (!v.ok()) return out;
    const auto* vec = std::get_if<Vector>(&*v);
    EXPECT_NE(vec, nullptr) << text;
    if (vec == nullptr) return out;
    for (const auto& e : *vec) {
      EXPECT_EQ(e.t, ts);
      out[e.labels.ToString()] = e.v;
    }
    EXPECT_EQ(out.size(), vec->size()) << text;
    return out;
  }

  // The single value of a one-element vector or a scalar.
  double One(std::string_view text, int64_t ts) {
    auto v = Eval(text, ts);
    EXPECT_TRUE(v.ok()) << text << ": " << (v.ok() ? "" : v.error().message);
    if (!v.ok()) return -12345;
    if (const auto* s = std::get_if<Scalar>(&*v)) return s->v;
    const auto& vec = std::get<Vector>(*v);
    EXPECT_EQ(vec.size(), 1u) << text;
    return vec.empty() ? -12345 : vec[0].v;
  }

  std::string Err(std::string_view text, int64_t ts) {
    auto v = Eval(text, ts);
    if (v.ok()) return "OK";
    return v.error().message;
  }

  MemoryQueryable data_;
  Engine engine_;
};

TEST_F(EngineTest, LookbackAndStaleness) {
  AddSeries(&data_, L({{"__name__", "gone"}}), {7, 7, 7});
  AddSeries(&data_, L({{"__name__", "g"}}), {1, 2, 3, StaleNaN()});
  data_.Add(L({{"__name__", "n"}}), 0, std::nan(""));
  EXPECT_EQ(One("gone", 7 * kMin), 7);  // 2m == 7m - 5m: the window is closed
  EXPECT_TRUE(Vec("gone", 7 * kMin + 1).empty());
  EXPECT_EQ(One("gone offset 1m", 7 * kMin), 7);
  EXPECT_EQ(One("gone offset -1m", 6 * kMin - 1), 7);
  EXPECT_EQ(One("g", 2 * kMin), 3);
  EXPECT_TRUE(Vec("g", 3 * kMin).empty());  // the stale marker wins over older samples
  EXPECT_TRUE(Vec("g", 4 * kMin).empty());
  EXPECT_EQ(One("count_over_time(g[5m])", 3 * kMin), 3);
  EXPECT_EQ(One("absent(g)", 3 * kMin), 1);
  EXPECT_TRUE(std::isnan(One("n", 0)));  // an ordinary NaN is a value
  EXPECT_EQ(One("count(n != 0)", 0), 1);
  // Vector elements keep __name__ and carry t = ts; timestamp() sees the sample's own time.
  EXPECT_EQ(Vec("gone", 4 * kMin).count("{__name__=\"gone\"}"), 1u);
  EXPECT_EQ(One("timestamp(gone)", 4 * kMin), 120);
  EXPECT_EQ(One("timestamp((gone))", 4 * kMin), 120);
  EXPECT_EQ(One("timestamp(gone + 0)", 4 * kMin), 240);
  EXPECT_EQ(One("time()", 90000), 90);
}

TEST_F(EngineTest, RateFamilyWorkedExamples) {
  std::vector<double> c;
  for (int i = 0; i <= 10; ++i) c.push_back(i * 10);
  AddSeries(&data_, L({{"__name__", "c"}}), c);
  AddSeries(&data_, L({{"__name__", "reset"}}), {10, 20, 30, 5, 15, 25});
  data_.Add(L({{"__name__", "one"}}), 5 * kMin, 5);
  for (int i = 3; i <= 10; ++i) data_.Add(L({{"__name__", "late"}}), i * kMin, (i - 2) * 10);
  AddSeries(&data_, L({{"__name__", "g"}}), {1, 2, 3, StaleNaN()});
  AddSeries(&data_, L({{"__name__", "neg"}}), {-10, -5, 0, 5});
  AddSeries(&data_, L({{"__name__", "r"}}), {10, 20, 30, 5});

  EXPECT_EQ(One("rate(c[5m])", 5 * kMin), 0.16666666666666669);
  EXPECT_EQ(One("increase(c[5m])", 5 * kMin), 50);
  EXPECT_EQ(One("increase(c[4m30s])", 5 * kMin), 45);
  EXPECT_EQ(One("increase(c[90s])", 5 * kMin), 15);
  EXPECT_EQ(One("increase(c[5m])", kMin), 10);
  EXPECT_EQ(One("rate(c[5m])", kMin), 0.03333333333333333);
  EXPECT_EQ(One("increase(c[1m])", 5 * kMin), 10);
  EXPECT_TRUE(Vec("rate(one[5m])", 5 * kMin).empty());
  EXPECT_EQ(One("increase(reset[5m])", 5 * kMin), 45);
  EXPECT_EQ(One("rate(reset[5m])", 5 * kMin), 0.15000000000000002);
  EXPECT_EQ(One("irate(reset[5m])", 5 * kMin), 0.16666666666666666);
  EXPECT_EQ(One("resets(reset[5m])", 5 * kMin), 1);
  EXPECT_EQ(One("changes(reset[5m])", 5 * kMin), 5);
  EXPECT_EQ(One("resets(one[5m])", 5 * kMin), 0);
  EXPECT_EQ(One("changes(one[5m])", 5 * kMin), 0);
  EXPECT_EQ(One("count_over_time(one[5m])", 5 * kMin), 1);
  EXPECT_EQ(One("increase(late[5m])", 6 * kMin), 40);  // 2.42 zero-point clamp (>= 2.51: 35)
  EXPECT_EQ(One("delta(late[10m])", 10 * kMin), 75);
  EXPECT_EQ(One("increase(late[10m])", 10 * kMin), 80);
  EXPECT_EQ(One("rate(g[5m])", 4 * kMin), 0.011666666666666667);
  EXPECT_TRUE(Vec("rate(g[5m])", 7 * kMin).empty());
  EXPECT_EQ(One("irate(r[5m])", 3 * kMin), 0.08333333333333333);
  EXPECT_EQ(One("increase(neg[5m])", 3 * kMin), 17.5);
  EXPECT_EQ(One("increase(r[5m])", 3 * kMin), 29.166666666666668);
  EXPECT_EQ(One("predict_linear(r[5m], 60)", 2 * kMin), 40);
  EXPECT_EQ(One("deriv(c[5m])", 5 * kMin), 10.0 / 60);
  // Range functions drop the metric name, except last_over_time.
  EXPECT_EQ(Vec("rate(c[5m])", 5 * kMin).count("{}"), 1u);
  EXPECT_EQ(Vec("last_over_time(c[5m])", 5 * kMin).count("{__name__=\"c\"}"), 1u);
}

TEST_F(EngineTest, DerivOfConstantInfIsNaN) {
  AddSeries(&data_, L({{"__name__", "k"}}), {3, 3, 3});
  AddSeries(&data_, L({{"__name__", "i"}}), {INFINITY, INFINITY, INFINITY});
  EXPECT_EQ(One("deriv(k[5m])", 2 * kMin), 0);
  EXPECT_TRUE(std::isnan(One("deriv(i[5m])", 2 * kMin)));
}

TEST_F(EngineTest, OverTimeNaNRules) {
  AddSeries(&data_, L({{"__name__", "m"}, {"job", "b"}}), {7, 8, std::nan("")});
  EXPECT_EQ(One("min_over_time(m[5m])", 2 * kMin), 7);
  EXPECT_EQ(One("max_over_time(m[5m])", 2 * kMin), 8);
  EXPECT_EQ(One("quantile_over_time(0.5, m[5m])", 2 * kMin), 7);  // NaN sorts first
  EXPECT_TRUE(std::isnan(One("avg_over_time(m[5m])", 2 * kMin)));
  EXPECT_TRUE(std::isnan(One("sum_over_time(m[5m])", 2 * kMin)));
  EXPECT_TRUE(Vec("absent_over_time(m[5m])", 2 * kMin).empty());
  EXPECT_EQ(Vec("absent_over_time(m{job=\"b\"}[5m])", 8 * kMin)["{job=\"b\"}"], 1);
}

TEST_F(EngineTest, OperatorsAndLabels) {
  data_.Add(L({{"__name__", "m"}, {"job", "a"}}), 0, 3);
  data_.Add(L({{"__name__", "m"}, {"job", "b"}}), 0, 6);
  data_.Add(L({{"__name__", "m"}, {"job", "c"}}), 0, std::nan(""));
  auto gt = Vec("m > 2", 0);
  EXPECT_EQ(gt.size(), 2u);
  EXPECT_EQ(gt["{__name__=\"m\", job=\"a\"}"], 3);
  auto gtb = Vec("m > bool 2", 0);
  EXPECT_EQ(gtb["{job=\"c\"}"], 0);  // NaN > 2 is false; bool drops __name__
  EXPECT_EQ(gtb["{job=\"a\"}"], 1);
  EXPECT_EQ(Vec("2 < m", 0)["{__name__=\"m\", job=\"b\"}"], 6);  // the vector's value
  EXPECT_EQ(Vec("m != 3", 0).size(), 2u);                        // NaN kept
  EXPECT_EQ(Vec("m == m", 0).size(), 2u);                        // NaN dropped
  EXPECT_EQ(Vec("-m", 0)["{job=\"a\"}"], -3);
  EXPECT_EQ(Vec("+m", 0).count("{__name__=\"m\", job=\"a\"}"), 1u);
  EXPECT_EQ(Vec("m atan2 2", 0).count("{__name__=\"m\", job=\"a\"}"), 1u);
  EXPECT_EQ(Vec("m / 0", 0)["{job=\"a\"}"], INFINITY);
  EXPECT_EQ(Vec("-m / 0", 0)["{job=\"a\"}"], -INFINITY);
  EXPECT_TRUE(std::isnan(Vec("m % 2", 0)["{job=\"c\"}"]));
  EXPECT_EQ(One("-2 ^ 2", 0), -4);
  EXPECT_EQ(One("2 ^ 3 ^ 2", 0), 512);
  EXPECT_EQ(One("2 ^ -1", 0), 0.5);
  EXPECT_EQ(One("010 + 0x10 + 1e3", 0), 1024);
  EXPECT_EQ(One("1 > bool 2", 0), 0);
  EXPECT_EQ(Err("{__name__=~\"m|n\"} * 1", 0), "OK");
  data_.Add(L({{"__name__", "n"}, {"job", "a"}}), 0, 1);
  EXPECT_EQ(Err("{__name__=~\"m|n\"} * 1", 0),
            "vector cannot contain metrics with the same labelset");
  EXPECT_EQ(Vec("{__name__=~\"m|n\"} > 1", 0).size(), 2u);
  EXPECT_EQ(Err("-{__name__=~\"m|n\"}", 0), "vector cannot contain metrics with the same labelset");
}

TEST_F(EngineTest, VectorMatching) {
  data_.Add(L({{"__name__", "m"}, {"job", "a"}, {"instance", "1"}}), 0, 3);
  data_.Add(L({{"__name__", "m"}, {"job", "b"}, {"instance", "1"}}), 0, 6);
  data_.Add(L({{"__name__", "n"}, {"job", "a"}, {"instance", "1"}}), 0, 10);
  data_.Add(L({{"__name__", "info"}, {"job", "a"}, {"version", "v1"}}), 0, 1);
  data_.Add(L({{"__name__", "many"}, {"job", "a"}, {"instance", "1"}}), 0, 1);
  data_.Add(L({{"__name__", "many"}, {"job", "a"}, {"instance", "2"}}), 0, 2);
  data_.Add(L({{"__name__", "q"}, {"job", "a"}}), 0, 5);
  EXPECT_EQ(Vec("n > on(job, instance) m", 0)["{instance=\"1\", job=\"a\"}"], 10);
  EXPECT_EQ(Vec("n > ignoring(foo) m", 0).count("{__name__=\"n\", instance=\"1\", job=\"a\"}"), 1u);
  auto gl = Vec("m * on(job) group_left(version) info", 0);
  ASSERT_EQ(gl.size(), 1u);
  EXPECT_EQ(gl["{instance=\"1\", job=\"a\", version=\"v1\"}"], 3);
  EXPECT_TRUE(Vec("m + ignoring(instance) info", 0).empty());
  EXPECT_EQ(Err("many + on(job) q", 0),
            "multiple matches for labels: many-to-one matching must be explicit "
            "(group_left/group_right)");
  EXPECT_EQ(Err("q * on(job) group_right many", 0), "OK");
  EXPECT_EQ(Err("q * on(job) group_left many", 0),
            "found duplicate series for the match group {job=\"a\"} on the right hand-side of "
            "the operation: [{__name__=\"many\", instance=\"2\", job=\"a\"}, "
            "{__name__=\"many\", instance=\"1\", job=\"a\"}];many-to-many matching not allowed: "
            "matching labels must be unique on one side");
  EXPECT_EQ(Vec("q or on() vector(1)", 0).size(), 1u);
  EXPECT_EQ(Vec("vector(1) or q", 0).size(), 2u);
  EXPECT_TRUE(Vec("q unless on() vector(1)", 0).empty());
  EXPECT_EQ(Vec("m and n", 0).size(), 1u);
  EXPECT_EQ(Vec("m unless n", 0).size(), 1u);
}

TEST_F(EngineTest, Aggregations) {
  data_.Add(L({{"__name__", "m"}, {"job", "a"}}), 0, 3);
  data_.Add(L({{"__name__", "m"}, {"job", "b"}}), 0, 6);
  data_.Add(L({{"__name__", "m"}, {"job", "c"}}), 0, std::nan(""));
  EXPECT_EQ(One("max(m)", 0), 6);
  EXPECT_EQ(One("min(m)", 0), 3);
  EXPECT_TRUE(std::isnan(One("sum(m)", 0)));
  EXPECT_TRUE(std::isnan(One("avg(m)", 0)));
  EXPECT_EQ(One("quantile(0.5, m)", 0), 3);
  EXPECT_EQ(Vec("stddev by (job) (m)", 0)["{job=\"c\"}"], 0);
  EXPECT_EQ(Vec("max by (__name__) (m)", 0).count("{__name__=\"m\"}"), 1u);
  EXPECT_EQ(Vec("sum without (job) (m{job=\"a\"})", 0).count("{}"), 1u);
  EXPECT_EQ(Vec("sum by (nonexistent) (m{job!=\"c\"})", 0)["{}"], 9);
  EXPECT_EQ(Vec("count_values(\"job\", m{job=\"a\"})", 0)["{job=\"3\"}"], 1);
  EXPECT_EQ(Vec("topk(1, m)", 0).count("{__name__=\"m\", job=\"b\"}"), 1u);
  EXPECT_EQ(Vec("bottomk(1, m)", 0).count("{__name__=\"m\", job=\"a\"}"), 1u);
  EXPECT_TRUE(Vec("topk(0, m)", 0).empty());
  EXPECT_EQ(Err("topk(NaN, m)", 0), "Scalar value NaN overflows int64");
  EXPECT_EQ(Err("count_values(\"a-b\", m)", 0), "invalid label name \"a-b\"");
  data_.Add(L({{"__name__", "big"}, {"k", "1"}}), 0, 1234567);
  data_.Add(L({{"__name__", "big"}, {"k", "2"}}), 0, 1e21);
  data_.Add(L({{"__name__", "big"}, {"k", "3"}}), 0, std::nan(""));
  auto cv = Vec("count_values(\"v\", big)", 0);
  EXPECT_EQ(cv.count("{v=\"1234567\"}"), 1u);
  EXPECT_EQ(cv.count("{v=\"1000000000000000000000\"}"), 1u);
  EXPECT_EQ(cv.count("{v=\"NaN\"}"), 1u);
}

TEST_F(EngineTest, FunctionsAndErrors) {
  data_.Add(L({{"__name__", "m"}, {"path", "/x"}}), 0, 4);
  data_.Add(L({{"__name__", "clampme"}}), 0, std::nan(""));
  auto lr = [&](std::string_view repl) {
    auto v = Vec("label_replace(m, \"p\", \"" + std::string(repl) + "\", \"path\", \"/(.*)\")", 0);
    return v.empty() ? std::string("?") : v.begin()->first;
  };
  EXPECT_EQ(lr("$1x"), "{__name__=\"m\", path=\"/x\"}");  // "$1x" names group "1x"
  EXPECT_EQ(lr("${1}x"), "{__name__=\"m\", p=\"xx\", path=\"/x\"}");
  EXPECT_EQ(lr("$$1"), "{__name__=\"m\", p=\"$1\", path=\"/x\"}");
  EXPECT_EQ(Err("label_replace(m, \"p\", \"x\", \"path\", \"(\")", 0),
            "invalid regular expression in label_replace(): (");
  EXPECT_EQ(Err("label_replace(m, \"1p\", \"x\", \"path\", \".*\")", 0),
            "invalid destination label name in label_replace(): 1p");
  EXPECT_EQ(Err("label_join(m, \"d\", \",\", \"a-b\")", 0),
            "invalid source label name in label_join(): a-b");
  EXPECT_EQ(Err("label_join(m, \"d-d\", \",\", \"a\")", 0),
            "invalid destination label name in label_join(): d-d");
  EXPECT_EQ(Err("holt_winters(m[5m], 1, 0.5)", 0),
            "invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000");
  EXPECT_TRUE(std::isnan(One("clamp_min(clampme, 5)", 0)));
  EXPECT_TRUE(std::isnan(One("clamp_max(clampme, 5)", 0)));
  EXPECT_EQ(Vec("absent(nonexistent{job=\"x\", foo=~\"y\"})", 0)["{job=\"x\"}"], 1);
  EXPECT_EQ(Vec("absent(sum(nonexistent{job=\"x\"}))", 0)["{}"], 1);
  EXPECT_TRUE(std::isnan(One("scalar(nonexistent)", 0)));
  EXPECT_EQ(One("year(vector(1700000000))", 0), 2023);
  EXPECT_EQ(One("day_of_week(vector(1700000000))", 0), 2);    // a Tuesday (UTC)
  EXPECT_EQ(One("days_in_month(vector(951782400))", 0), 29);  // 2000-02-29
  EXPECT_EQ(One("hour()", 3 * 3600 * 1000 + 5 * kMin), 3);
  EXPECT_EQ(One("log10(vector(1000))", 0), 3);  // Go's exactly rounded 1/Ln10
  EXPECT_EQ(One("log2(vector(8))", 0), 3);
}

TEST(PromqlQuantileTest, BucketQuantile) {
  std::vector<internal::Bucket> b = {{0.1, 1}, {0.5, 5}, {1, 8}, {INFINITY, 10}};
  EXPECT_EQ(internal::BucketQuantile(0.9, b), 1);  // rank in +Inf: second-highest bound
  std::vector<internal::Bucket> zero = {{1, 0}, {INFINITY, 0}};
  EXPECT_TRUE(std::isnan(internal::BucketQuantile(0.5, zero)));
  std::vector<internal::Bucket> no_inf = {{1, 0}, {2, 3}};
  EXPECT_TRUE(std::isnan(internal::BucketQuantile(0.5, no_inf)));
  // Coalesced (1 and 1.0) and made monotonic.
  std::vector<internal::Bucket> co = {{1, 10}, {1, 5}, {2, 12}, {INFINITY, 30}};
  EXPECT_EQ(internal::BucketQuantile(0.5, co), 1);  // {1: 15, 2: 15, +Inf: 30}
  std::vector<internal::Bucket> mid = {{1, 10}, {2, 20}, {INFINITY, 40}};
  EXPECT_EQ(internal::BucketQuantile(0.375, mid), 1.5);
  std::vector<double> v = {3, 6, std::nan("")};
  EXPECT_EQ(internal::Quantile(0.5, v), 3);
}

TEST(PromqlFormatTest, GoFloatFormats) {
  EXPECT_EQ(FormatFloat(1e6), "1e+06");
  EXPECT_EQ(FormatFloat(1234567), "1.234567e+06");
  EXPECT_EQ(FormatFloat(100000), "100000");
  EXPECT_EQ(FormatFloat(1e-5), "1e-05");
  EXPECT_EQ(FormatFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatFloat(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatFloat(-0.0), "-0");
  EXPECT_EQ(FormatFloatE(1.0 / 6), "1.6666666666666666E-01");
  EXPECT_EQ(FormatFloatE(1), "1E+00");
  EXPECT_EQ(FormatFloatE(-12345), "-1.2345E+04");
  EXPECT_EQ(FormatFloatE(std::nan("")), "NaN");
  EXPECT_EQ(FormatFloatFixed(1e21), "1000000000000000000000");
  EXPECT_EQ(FormatFloatFixed(0.5), "0.5");
  EXPECT_EQ(FormatFloatFixed(-INFINITY), "-Inf");
  EXPECT_EQ(GoQuote("a\"b\\c\n\x01\xff"), "\"a\\\"b\\\\c\\n\\x01\\xff\"");
  EXPECT_EQ(L({{"b", "2"}, {"a", "1"}, {"c", ""}}).ToString(), "{a=\"1\", b=\"2\"}");
  EXPECT_TRUE(IsStaleNaN(StaleNaN()));
  EXPECT_FALSE(IsStaleNaN(std::nan("")));
}

}  // namespace
}  // namespace nca::alerts::promql
