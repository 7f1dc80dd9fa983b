// Rule evaluation with Prometheus 2.42 semantics (rules/alerting.go, recording.go, manager.go):
// the alerting rule state machine (pending -> firing after `for`, keep_firing_for, resolved
// alerts kept for 15 minutes, label precedence, `limit`), the ALERTS / ALERTS_FOR_STATE series
// an alerting rule produces, recording rules, and a Group that evaluates its rules in order at
// one timestamp and writes their outputs (with stale markers for vanished series) to a
// SampleHistory.
//
// Thread-safety: AlertingRule and Group guard their state with a mutex; Eval calls for one
// group must not run concurrently with each other (Prometheus evaluates a group sequentially),
// while ActiveAlerts()/LastError() may be read from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "alerts/history.h"
#include "alerts/promql/engine.h"
#include "alerts/promql/value.h"
#include "alerts/rules/rule_file.h"
#include "common/clock.h"
#include "common/result.h"

namespace nca::alerts::rules {

// Runs a rule's expression at ts (ms) and returns an instant vector (a scalar result becomes
// one element without labels; other types are errors).
using QueryFunc = std::function<Result<promql::Vector>(const promql::Expr& expr, int64_t ts_ms)>;

// A QueryFunc over an Engine and a Queryable (both must outlive the function).
QueryFunc EngineQueryFunc(const promql::Engine& engine, const promql::Queryable& data);

// Prometheus' resolvedRetention.
inline constexpr int64_t kResolvedRetentionMs = 15 * 60 * 1000;

enum class AlertState { kInactive, kPending, kFiring };
std::string_view AlertStateName(AlertState s);  // "inactive", "pending", "firing"

struct Alert {
  promql::Labels labels;  // final identity, alertname included
  std::map<std::string, std::string> annotations;
  AlertState state = AlertState::kPending;
  double value = 0;
  int64_t active_at_ms = 0;
  std::optional<int64_t> fired_at_ms;
  std::optional<int64_t> resolved_at_ms;
  std::optional<int64_t> keep_firing_since_ms;
  // Notification bookkeeping (AlertingRule::AlertsToSend).
  std::optional<int64_t> last_sent_ms;
  int64_t valid_until_ms = 0;
};

// A state change of one alert in one evaluation, for the log.
struct AlertTransition {
  promql::Labels labels;
  AlertState from = AlertState::kInactive;
  AlertState to = AlertState::kInactive;  // kInactive: resolved (or a pending alert cleared)
  double value = 0;
};

// Settings shared by every rule of a manager (template data).
struct RuleContext {
  std::map<std::string, std::string> external_labels;
  std::string external_url;
  // Measures evaluation durations; nullptr: durations are reported as 0. Must outlive the rules.
  const Clock* clock = nullptr;
};

// How a rule's last evaluation went (Prometheus' rule health).
struct RuleStatus {
  std::optional<std::string> last_error;  // nullopt: ok (or never evaluated)
  std::optional<int64_t> last_eval_ms;    // nullopt: never evaluated ("unknown" health)
  double eval_seconds = 0;
};

class AlertingRule {
 public:
  AlertingRule(RuleDef def, RuleContext context);

  // One evaluation at ts (AlertingRule.Eval): updates the alert states and returns the
  // ALERTS and ALERTS_FOR_STATE samples (t = ts). On a query error the state is untouched.
  Result<promql::Vector> Eval(int64_t ts_ms, const QueryFunc& query, int limit);

  // Every alert held in memory (pending, firing, and resolved ones within retention), sorted
  // by labels.
  std::vector<Alert> ActiveAlerts() const;
  const RuleDef& def() const { return def_; }

  // The alerts to notify after an evaluation at ts (AlertingRule.sendAlerts /
  // Alert.needsSending): firing alerts not sent within resend_delay, and alerts resolved since
  // they were last sent. Marks them sent at ts, valid until ts + 4 * max(resend_delay,
  // interval). Pending alerts are never sent.
  std::vector<Alert> AlertsToSend(int64_t ts_ms, int64_t resend_delay_ms, int64_t interval_ms);

  // The state changes of the latest Eval (cleared by each Eval).
  std::vector<AlertTransition> LastTransitions() const;

  // Takes over another rule's alerts (rule reload: Prometheus' CopyState).
  void CopyStateFrom(const AlertingRule& old);

 private:
  const RuleDef def_;
  const RuleContext context_;
  mutable std::mutex mu_;
  std::map<std::string, Alert> active_;       // by Labels::Key(); guarded by mu_
  std::vector<AlertTransition> transitions_;  // guarded by mu_
};

// RecordingRule.Eval: the expression's result renamed to the record name with the rule labels.
Result<promql::Vector> EvalRecordingRule(const RuleDef& def, int64_t ts_ms, const QueryFunc& query,
                                         int limit);

class Group {
 public:
  // `default_interval_ms` is used when the group has no `interval:`.
  Group(GroupDef def, int64_t default_interval_ms, RuleContext context);

  const GroupDef& def() const { return def_; }
  int64_t interval_ms() const { return interval_ms_; }

  // Evaluates every rule in order at ts; each rule's output is appended to `history` at ts (a
  // later rule sees it), series it no longer returns get stale markers. A failing rule keeps
  // its previous output set and records its error.
  void Eval(int64_t ts_ms, const QueryFunc& query, SampleHistory& history);

  // Per rule, in rule order: the error of its last evaluation, if any.
  std::vector<std::optional<std::string>> LastErrors() const;
  // Per rule, in rule order: health of the last evaluation.
  std::vector<RuleStatus> RuleStatuses() const;
  // The whole group's last evaluation: its timestamp (nullopt before the first) and duration.
  std::optional<int64_t> last_eval_ms() const;
  double last_eval_seconds() const;

  // Takes over the alert states of `old` (same file and group name) for every alerting rule
  // with the same name and labels (Prometheus' Group.CopyState, matched in order).
  void CopyStateFrom(const Group& old);
  // The alerting rules (nullptr for recording rules), in rule order.
  std::vector<AlertingRule*> AlertingRules();

  // manager.go EvalTimestamp: the evaluation slot at or before now_ms, offset by a hash of the
  // group's name and file so groups do not all run at once.
  int64_t EvalTimestamp(int64_t now_ms) const;

 private:
  const GroupDef def_;
  const int64_t interval_ms_;
  const Clock* const clock_;
  std::vector<std::unique_ptr<AlertingRule>> alerting_;  // parallel to def_.rules
  mutable std::mutex mu_;
  std::vector<RuleStatus> statuses_;     // guarded by mu_
  std::optional<int64_t> last_eval_ms_;  // guarded by mu_
  double last_eval_seconds_ = 0;         // guarded by mu_
};

}  // namespace nca::alerts::rules
