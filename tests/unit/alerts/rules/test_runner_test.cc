#include "alerts/rules/test_runner.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "promtool_util.h"

namespace nca::alerts::rules {
namespace {

const std::string kDir = std::string(NCA_FIXTURE_DIR) + "/rules/";

std::vector<double> Values(const std::string& text) {
  auto v = ParseSeriesValues(text);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message);
  std::vector<double> out;
  if (!v.ok()) return out;
  for (const auto& s : *v) out.push_back(s.omitted ? -999 : s.value);
  return out;
}

TEST(SeriesNotationTest, ExpandingNotation) {
  EXPECT_EQ(Values("1+2x3"), (std::vector<double>{1, 3, 5, 7}));
  EXPECT_EQ(Values("0.5+0.1x3"), (std::vector<double>{0.5, 0.6, 0.7, 0.7999999999999999}));
  EXPECT_EQ(Values("1x4"), (std::vector<double>{1, 1, 1, 1, 1}));
  EXPECT_EQ(Values("_x3"), (std::vector<double>{-999, -999, -999}));
  EXPECT_EQ(Values("10-5x2 -1 1e3"), (std::vector<double>{10, 5, 0, -1, 1000}));
  auto v = ParseSeriesValues("1 _ stale Inf NaN");
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->size(), 5u);
  EXPECT_TRUE((*v)[1].omitted);
  EXPECT_TRUE(promql::IsStaleNaN((*v)[2].value));
  EXPECT_TRUE(std::isinf((*v)[3].value));
  EXPECT_TRUE(std::isnan((*v)[4].value) && !promql::IsStaleNaN((*v)[4].value));
  EXPECT_FALSE(ParseSeriesValues("1 abc").ok());
}

TEST(SeriesNotationTest, ParseMetric) {
  auto l = ParseMetric("up{job=\"a\", instance='b'}");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->ToString(), "{__name__=\"up\", instance=\"b\", job=\"a\"}");
  EXPECT_TRUE(ParseMetric("{}").ok());
  EXPECT_FALSE(ParseMetric("up{job=}").ok());
}

class PromtoolRunnerTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PromtoolRunnerTest, SameResultAsPromtool) {
  const std::string path = kDir + GetParam();
  std::ostringstream out;
  std::ostringstream err;
  int rc = RunRuleTests({path}, out, err);
  if (!testing::HavePromtool()) {
    // Without the oracle, at least the passing example must pass.
    if (GetParam() == "example_test_ok.yml") {
      EXPECT_EQ(rc, 0);
    }
    GTEST_SKIP() << "promtool not installed";
  }
  auto oracle = testing::RunPromtool("test rules " + path);
  EXPECT_EQ(rc, oracle.rc);
  EXPECT_EQ(testing::SortedLines(out.str() + err.str()), testing::SortedLines(oracle.text));
}

INSTANTIATE_TEST_SUITE_P(Probes, PromtoolRunnerTest,
                         ::testing::Values("example_test_ok.yml", "example_test_fail.yml",
                                           "example_nan_exact.yml", "alert_test_series.yml",
                                           "alert_test3.yml", "alert_test4.yml",
                                           "alert_test5.yml"));

TEST(RunnerTest, OkExampleOutput) {
  std::ostringstream out;
  std::ostringstream err;
  const std::string path = kDir + "example_test_ok.yml";
  EXPECT_EQ(RunRuleTests({path}, out, err), 0);
  EXPECT_EQ(out.str(), "Unit Testing:  " + path + "\n  SUCCESS\n\n");
  EXPECT_EQ(err.str(), "");
}

}  // namespace
}  // namespace nca::alerts::rules
