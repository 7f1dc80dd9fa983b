#include "alerts/rules/rule_file.h"

#include <gtest/gtest.h>

#include <sstream>

#include "promtool_util.h"

namespace nca::alerts::rules {
namespace {

const std::string kDir = std::string(NCA_FIXTURE_DIR) + "/rules/";

TEST(RuleFileTest, ParsesGroupsAndRules) {
  auto f = ParseRuleFile(R"(groups:
- name: g
  interval: 30s
  limit: 3
  rules:
  - record: job:up:sum
    expr: sum by (job) (up)
    labels: {src: rec}
  - alert: Down
    expr: job:up:sum == 0
    for: 5m
    keep_firing_for: 1m
    labels: {severity: page}
    annotations: {summary: "{{ $labels.job }} down"}
  - alert: Slow
    expr: rate(x[10m]) > 1
)",
                         "r.yml");
  ASSERT_TRUE(f.ok()) << f.error().message;
  ASSERT_EQ(f->groups.size(), 1u);
  const auto& g = f->groups[0];
  EXPECT_EQ(g.interval_ms, 30000);
  EXPECT_EQ(g.limit, 3);
  ASSERT_EQ(g.rules.size(), 3u);
  EXPECT_EQ(g.rules[0].kind, RuleDef::Kind::kRecording);
  EXPECT_EQ(g.rules[1].for_ms, 300000);
  EXPECT_EQ(g.rules[1].keep_firing_for_ms, 60000);
  EXPECT_EQ(g.rules[1].annotations.at("summary"), "{{ $labels.job }} down");
  EXPECT_EQ(MaxRangeMs({*f}), 600000);
}

TEST(RuleFileTest, ErrorsNamePositionGroupRuleAndName) {
  auto f = ParseRuleFile("groups:\n- name: a\n  rules:\n  - alert: X\n    expr: up +\n", "f.yml");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().message,
            "f.yml: 5:11: group \"a\", rule 1, \"X\": could not parse expression: 1:5: parse "
            "error: unexpected end of input");
  auto range =
      ParseRuleFile("groups:\n- name: a\n  rules:\n  - record: r\n    expr: up[5m]\n", "f.yml");
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.error().message.find("rule result is not a vector or scalar"), std::string::npos);
  auto dur = ParseRuleFile(
      "groups:\n- name: a\n  rules:\n  - alert: X\n    expr: up\n    for: 5x\n", "f.yml");
  ASSERT_FALSE(dur.ok());
  EXPECT_EQ(dur.error().message, "f.yml: not a valid duration string: \"5x\"");
}

class PromtoolCheckTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PromtoolCheckTest, SameOutputAsPromtool) {
  if (!testing::HavePromtool()) GTEST_SKIP() << "promtool not installed";
  const std::string path = kDir + GetParam();
  auto oracle = testing::RunPromtool("check rules " + path);
  std::ostringstream out;
  std::ostringstream err;
  int rc = CheckRuleFiles({path}, out, err);
  EXPECT_EQ(rc, oracle.rc);
  EXPECT_EQ(testing::SortedLines(out.str() + err.str()), testing::SortedLines(oracle.text));
}

INSTANTIATE_TEST_SUITE_P(BadFiles, PromtoolCheckTest,
                         ::testing::Values("bad_rules1.yml", "bad_rules2.yml", "bad_rules_expr.yml",
                                           "bad_rules_templates.yml",
                                           "bad_rules_template_chars.yml",
                                           "bad_rules_unknown_field.yml", "example_rules.yml",
                                           "alert_rules.yml"));

// `rules:` given as a mapping (a missing "-") threw YAML::InvalidNode out of ParseRuleFile
// (found by tests/fuzz, rule_file target); it is promtool's unmarshal error.
TEST(RuleFileTest, RulesMustBeAList) {
  auto m = ParseRuleFile("groups:\n- name: g\n  rules:\n    alert: X\n    expr: up\n", "f.yml");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().message,
            "f.yml: yaml: unmarshal errors:\n  line 4: cannot unmarshal !!map into "
            "[]rulefmt.RuleNode");
  auto s = ParseRuleFile("groups:\n- name: g\n  rules: x\n", "f.yml");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message,
            "f.yml: yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str into "
            "[]rulefmt.RuleNode");
}

}  // namespace
}  // namespace nca::alerts::rules
