#include "alerts/rules/group.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "alerts/promql/parser.h"

namespace nca::alerts::rules {
namespace {

// A fake query function: returns whatever the test put in `result` for the current time.
struct FakeQuery {
  std::map<int64_t, promql::Vector> results;
  bool fail = false;
  QueryFunc Func() {
    return [this](const promql::Expr&, int64_t ts) -> Result<promql::Vector> {
      if (fail) return MakeError(ErrorKind::kInvalidArgument, "boom");
      auto it = results.find(ts);
      return it == results.end() ? promql::Vector{} : it->second;
    };
  }
};

constexpr int64_t kMin = 60000;

promql::Labels Lbl(const std::string& k, const std::string& v) {
  return promql::Labels(std::vector<std::pair<std::string, std::string>>{{k, v}});
}

RuleDef AlertDef(int64_t for_ms, int64_t keep_ms = 0) {
  RuleDef d;
  d.kind = RuleDef::Kind::kAlerting;
  d.name = "Down";
  d.expr_text = "up == 0";
  d.expr = std::shared_ptr<const promql::Expr>(promql::Parse("up == 0").value());
  d.for_ms = for_ms;
  d.keep_firing_for_ms = keep_ms;
  d.labels = {{"severity", "page"}, {"job", "fromrule"}};
  d.annotations = {{"summary", "{{ $labels.job }} is {{ $value }}"}};
  return d;
}

promql::Vector Up(double v) {
  return {promql::VectorElement{
      promql::Labels({{"__name__", "up"}, {"job", "a"}, {"alertname", "bogus"}}), 0, v}};
}

TEST(AlertingRuleTest, PendingThenFiringAfterFor) {
  AlertingRule rule(AlertDef(5 * kMin), {});
  FakeQuery q;
  for (int m = 2; m <= 8; ++m) q.results[m * kMin] = Up(0);
  for (int m = 0; m <= 8; ++m) {
    auto out = rule.Eval(m * kMin, q.Func(), 0);
    ASSERT_TRUE(out.ok());
    auto alerts = rule.ActiveAlerts();
    if (m < 2) {
      EXPECT_TRUE(alerts.empty());
      continue;
    }
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].active_at_ms, 2 * kMin);
    EXPECT_EQ(alerts[0].state, m >= 7 ? AlertState::kFiring : AlertState::kPending) << m;
    // Labels: rule labels override series labels, alertname overrides everything.
    EXPECT_EQ(alerts[0].labels.ToString(),
              "{alertname=\"Down\", job=\"fromrule\", severity=\"page\"}");
    // $labels is the original series.
    EXPECT_EQ(alerts[0].annotations.at("summary"), "a is 0");
    // ALERTS and ALERTS_FOR_STATE.
    ASSERT_EQ(out->size(), 2u);
    EXPECT_EQ((*out)[0].labels.Get("alertstate"), m >= 7 ? "firing" : "pending");
    EXPECT_EQ((*out)[1].labels.Get("__name__"), "ALERTS_FOR_STATE");
    EXPECT_EQ((*out)[1].v, 120);
  }
}

TEST(AlertingRuleTest, PendingAlertDroppedWhenMissing) {
  AlertingRule rule(AlertDef(2 * kMin), {});
  FakeQuery q;
  q.results[0] = Up(0);
  q.results[1 * kMin] = Up(0);
  q.results[3 * kMin] = Up(0);
  q.results[4 * kMin] = Up(0);
  q.results[5 * kMin] = Up(0);
  for (int m = 0; m <= 5; ++m) ASSERT_TRUE(rule.Eval(m * kMin, q.Func(), 0).ok());
  auto alerts = rule.ActiveAlerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].active_at_ms, 3 * kMin);
  EXPECT_EQ(alerts[0].state, AlertState::kFiring);
}

TEST(AlertingRuleTest, KeepFiringForAndResolvedRetention) {
  AlertingRule rule(AlertDef(0, 3 * kMin), {});
  FakeQuery q;
  q.results[0] = Up(0);
  q.results[1 * kMin] = Up(0);
  std::map<int, AlertState> states;
  for (int m = 0; m <= 25; ++m) {
    ASSERT_TRUE(rule.Eval(m * kMin, q.Func(), 0).ok());
    auto alerts = rule.ActiveAlerts();
    if (m <= 4) {
      ASSERT_EQ(alerts.size(), 1u) << m;
      EXPECT_EQ(alerts[0].state, AlertState::kFiring) << m;
    } else if (m <= 20) {
      // Resolved at 5m, kept while ts - resolvedAt <= 15m.
      ASSERT_EQ(alerts.size(), 1u) << m;
      EXPECT_EQ(alerts[0].state, AlertState::kInactive) << m;
      EXPECT_EQ(alerts[0].resolved_at_ms, 5 * kMin);
    } else {
      EXPECT_TRUE(alerts.empty()) << m;
    }
  }
}

TEST(AlertingRuleTest, QueryErrorLeavesStateAndLimitClears) {
  AlertingRule rule(AlertDef(kMin), {});
  FakeQuery q;
  q.results[0] = Up(0);
  ASSERT_TRUE(rule.Eval(0, q.Func(), 0).ok());
  q.fail = true;
  EXPECT_FALSE(rule.Eval(kMin, q.Func(), 0).ok());
  auto alerts = rule.ActiveAlerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].state, AlertState::kPending);
  q.fail = false;
  q.results[2 * kMin] = {promql::VectorElement{Lbl("x", "1"), 0, 0},
                         promql::VectorElement{Lbl("x", "2"), 0, 0}};
  auto out = rule.Eval(2 * kMin, q.Func(), 1);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().message, "exceeded limit of 1 with 2 alerts");
  EXPECT_TRUE(rule.ActiveAlerts().empty());
}

TEST(AlertingRuleTest, DuplicateLabelsetIsAnError) {
  RuleDef d = AlertDef(0);
  d.labels.clear();
  AlertingRule rule(d, {});
  FakeQuery q;
  q.results[0] = {promql::VectorElement{Lbl("__name__", "a"), 0, 1},
                  promql::VectorElement{Lbl("__name__", "b"), 0, 1}};
  auto out = rule.Eval(0, q.Func(), 0);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().message,
            "vector contains metrics with the same labelset after applying alert labels");
}

TEST(GroupTest, RecordingOutputVisibleToLaterRuleAndStaleWhenGone) {
  GroupDef g;
  g.name = "g";
  RuleDef rec;
  rec.kind = RuleDef::Kind::kRecording;
  rec.name = "job:x:sum";
  rec.expr = std::shared_ptr<const promql::Expr>(promql::Parse("sum by (job) (x)").value());
  rec.labels = {{"src", "rec"}};
  g.rules.push_back(rec);
  RuleDef alert;
  alert.kind = RuleDef::Kind::kAlerting;
  alert.name = "FromRecording";
  alert.expr = std::shared_ptr<const promql::Expr>(promql::Parse("job:x:sum > 0").value());
  g.rules.push_back(alert);
  Group group(g, kMin, {});
  SampleHistory history(SampleHistory::RetentionFor(0));
  history.AppendBatch("c", 0, {{promql::Labels({{"__name__", "x"}, {"job", "j"}}), 5}});
  promql::Engine engine;
  QueryFunc q = EngineQueryFunc(engine, history);
  group.Eval(0, q, history);
  for (const auto& e : group.LastErrors()) EXPECT_FALSE(e.has_value());
  auto alerts = group.AlertingRules()[1]->ActiveAlerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].state, AlertState::kFiring);
  // The series disappears: the recorded series and ALERTS get stale markers at once.
  history.AppendBatch("c", kMin, {});
  group.Eval(kMin, q, history);
  auto sel = history.Select({}, kMin, kMin);
  int stale = 0;
  for (const auto& s : sel) {
    for (const auto& smp : s.samples) stale += promql::IsStaleNaN(smp.v) ? 1 : 0;
  }
  EXPECT_EQ(stale, 4);  // x, job:x:sum, ALERTS, ALERTS_FOR_STATE
}

TEST(GroupTest, EvalTimestampIsSlottedWithStableOffset) {
  GroupDef g;
  g.name = "g";
  g.file = "f.yml";
  Group group(g, kMin, {});
  int64_t t1 = group.EvalTimestamp(10 * kMin + 123);
  EXPECT_LE(t1, 10 * kMin + 123);
  EXPECT_GT(t1, 9 * kMin + 123);
  EXPECT_EQ(group.EvalTimestamp(t1), t1);
  EXPECT_EQ(group.EvalTimestamp(t1 + kMin - 1), t1);
  EXPECT_EQ(group.EvalTimestamp(t1 + kMin), t1 + kMin);
}

// Transitions: inactive -> pending -> firing -> inactive (resolved), each reported once.
TEST(AlertingRuleTest, ReportsEachTransitionOnce) {
  AlertingRule rule(AlertDef(2 * kMin), {});
  FakeQuery q;
  for (int m = 1; m <= 3; ++m) q.results[m * kMin] = Up(0);
  std::vector<std::pair<AlertState, AlertState>> seen;
  for (int m = 0; m <= 5; ++m) {
    ASSERT_TRUE(rule.Eval(m * kMin, q.Func(), 0).ok());
    for (const auto& t : rule.LastTransitions()) {
      EXPECT_EQ(t.labels.Get("alertname"), "Down");
      seen.emplace_back(t.from, t.to);
    }
  }
  const std::vector<std::pair<AlertState, AlertState>> want = {
      {AlertState::kInactive, AlertState::kPending},
      {AlertState::kPending, AlertState::kFiring},
      {AlertState::kFiring, AlertState::kInactive}};
  EXPECT_EQ(seen, want);
}

TEST(AlertingRuleTest, PendingAlertThatClearsIsReportedAsCleared) {
  AlertingRule rule(AlertDef(10 * kMin), {});
  FakeQuery q;
  q.results[kMin] = Up(0);
  ASSERT_TRUE(rule.Eval(kMin, q.Func(), 0).ok());
  ASSERT_TRUE(rule.Eval(2 * kMin, q.Func(), 0).ok());
  auto t = rule.LastTransitions();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].from, AlertState::kPending);
  EXPECT_EQ(t[0].to, AlertState::kInactive);
}

// Alert.needsSending / sendAlerts: never pending, firing once per resend delay, resolved once
// right away, ValidUntil = ts + 4 * max(resend delay, interval).
TEST(AlertingRuleTest, AlertsToSendFollowsResendDelay) {
  AlertingRule rule(AlertDef(kMin), {});
  FakeQuery q;
  for (int m = 0; m <= 4; ++m) q.results[m * kMin] = Up(0);
  const int64_t resend = 2 * kMin;
  const int64_t interval = kMin;
  std::map<int, std::size_t> sent;
  std::map<int, Alert> last;
  for (int m = 0; m <= 6; ++m) {
    ASSERT_TRUE(rule.Eval(m * kMin, q.Func(), 0).ok());
    auto out = rule.AlertsToSend(m * kMin, resend, interval);
    sent[m] = out.size();
    if (!out.empty()) last[m] = out[0];
  }
  EXPECT_EQ(sent[0], 0u);  // pending
  EXPECT_EQ(sent[1], 1u);  // fired
  EXPECT_EQ(last[1].valid_until_ms, kMin + 4 * resend);
  EXPECT_EQ(last[1].fired_at_ms, kMin);
  EXPECT_EQ(sent[2], 0u);
  EXPECT_EQ(sent[3], 0u);  // last sent + resend == ts: not yet (strictly before)
  EXPECT_EQ(sent[4], 1u);
  EXPECT_EQ(sent[5], 1u);  // resolved at 5m: sent at once
  ASSERT_TRUE(last[5].resolved_at_ms.has_value());
  EXPECT_EQ(*last[5].resolved_at_ms, 5 * kMin);
  EXPECT_EQ(sent[6], 0u);
}

TEST(GroupTest, CopyStateKeepsAlertsOfRulesWithSameNameAndLabels) {
  GroupDef def;
  def.file = "f.yml";
  def.name = "g";
  def.rules = {AlertDef(0)};
  Group old_group(def, kMin, {});
  FakeQuery q;
  q.results[kMin] = Up(0);
  SampleHistory h(10 * kMin);
  old_group.Eval(kMin, q.Func(), h);
  ASSERT_EQ(old_group.AlertingRules()[0]->ActiveAlerts().size(), 1u);

  Group same(def, kMin, {});
  same.CopyStateFrom(old_group);
  auto alerts = same.AlertingRules()[0]->ActiveAlerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].state, AlertState::kFiring);
  EXPECT_EQ(alerts[0].active_at_ms, kMin);

  GroupDef relabelled = def;
  relabelled.rules[0].labels["severity"] = "ticket";
  Group other(relabelled, kMin, {});
  other.CopyStateFrom(old_group);
  EXPECT_TRUE(other.AlertingRules()[0]->ActiveAlerts().empty());
}

TEST(GroupTest, RuleStatusesRecordHealth) {
  GroupDef def;
  def.file = "f.yml";
  def.name = "g";
  def.rules = {AlertDef(0)};
  Group g(def, kMin, {});
  ASSERT_EQ(g.RuleStatuses().size(), 1u);
  EXPECT_FALSE(g.RuleStatuses()[0].last_eval_ms.has_value());
  EXPECT_FALSE(g.last_eval_ms().has_value());
  FakeQuery q;
  q.fail = true;
  SampleHistory h(10 * kMin);
  g.Eval(kMin, q.Func(), h);
  EXPECT_EQ(g.RuleStatuses()[0].last_eval_ms, kMin);
  EXPECT_EQ(g.RuleStatuses()[0].last_error, "boom");
  EXPECT_EQ(g.last_eval_ms(), kMin);
  q.fail = false;
  g.Eval(2 * kMin, q.Func(), h);
  EXPECT_FALSE(g.RuleStatuses()[0].last_error.has_value());
}

}  // namespace
}  // namespace nca::alerts::rules
