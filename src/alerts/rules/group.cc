#include "alerts/rules/group.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <variant>

#include "alerts/promql/parser.h"
#include "alerts/templates/template.h"

namespace nca::alerts::rules {

namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

QueryFunc EngineQueryFunc(const promql::Engine& engine, const promql::Queryable& data) {
  return [&engine, &data](const promql::Expr& expr, int64_t ts) -> Result<promql::Vector> {
    auto v = engine.Instant(expr, ts, data);
    if (!v.ok()) return v.error();
    if (auto* vec = std::get_if<promql::Vector>(&*v)) return std::move(*vec);
    if (auto* s = std::get_if<promql::Scalar>(&*v)) {
      return promql::Vector{promql::VectorElement{promql::Labels(), ts, s->v}};
    }
    return MakeError(ErrorKind::kInvalidArgument, "rule result is not a vector or scalar");
  };
}

std::string_view AlertStateName(AlertState s) {
  switch (s) {
    case AlertState::kInactive:
      return "inactive";
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
  }
  return "";
}

AlertingRule::AlertingRule(RuleDef def, RuleContext context)
    : def_(std::move(def)), context_(std::move(context)) {}

Result<promql::Vector> AlertingRule::Eval(int64_t ts, const QueryFunc& query, int limit) {
  auto res = query(*def_.expr, ts);
  if (!res.ok()) return res.error();

  std::map<std::string, Alert> alerts;
  for (const auto& smpl : *res) {
    templates::AlertTemplateData data;
    data.labels = smpl.labels.Map();
    data.external_labels = context_.external_labels;
    data.external_url = context_.external_url;
    data.value = smpl.v;
    // Template `query`: evaluated like the rule, at the rule's evaluation time.
    data.query = [&query,
                  ts](const std::string& text) -> Result<std::vector<templates::QuerySample>> {
      auto expr = promql::Parse(text);
      if (!expr.ok()) return expr.error();
      auto vec = query(**expr, ts);
      if (!vec.ok()) return vec.error();
      std::vector<templates::QuerySample> out;
      out.reserve(vec->size());
      for (const auto& v : *vec) out.push_back({v.labels.Map(), v.v});
      return out;
    };
    auto expand = [&](const std::string& text) {
      return templates::ExpandAlertTemplate(def_.name, text, data);
    };
    promql::Labels lb = smpl.labels;
    lb.Remove(promql::kMetricNameLabel);
    for (const auto& [k, v] : def_.labels) lb.Set(k, expand(v));
    lb.Set("alertname", def_.name);
    std::map<std::string, std::string> annotations;
    for (const auto& [k, v] : def_.annotations) {
      annotations[k] = expand(v);
    }
    std::string key = lb.Key();
    if (alerts.count(key)) {
      return MakeError(
          ErrorKind::kInvalidArgument,
          "vector contains metrics with the same labelset after applying alert labels");
    }
    Alert a;
    a.labels = std::move(lb);
    a.annotations = std::move(annotations);
    a.active_at_ms = ts;
    a.state = AlertState::kPending;
    a.value = smpl.v;
    alerts.emplace(std::move(key), std::move(a));
  }

  std::lock_guard lock(mu_);
  std::map<std::string, std::pair<AlertState, promql::Labels>> before;
  for (const auto& [key, a] : active_) before.emplace(key, std::make_pair(a.state, a.labels));
  for (auto& [key, a] : alerts) {
    auto it = active_.find(key);
    if (it != active_.end() && it->second.state != AlertState::kInactive) {
      it->second.value = a.value;
      it->second.annotations = a.annotations;
      continue;
    }
    active_[key] = std::move(a);
  }

  promql::Vector vec;
  int num_active = 0;
  for (auto it = active_.begin(); it != active_.end();) {
    Alert& a = it->second;
    bool erase = false;
    if (!alerts.count(it->first)) {
      bool keep_firing = false;
      if (a.state == AlertState::kFiring && def_.keep_firing_for_ms > 0) {
        if (!a.keep_firing_since_ms) a.keep_firing_since_ms = ts;
        if (ts - *a.keep_firing_since_ms < def_.keep_firing_for_ms) keep_firing = true;
      }
      if (a.state == AlertState::kPending ||
          (a.resolved_at_ms && ts - *a.resolved_at_ms > kResolvedRetentionMs)) {
        erase = true;
      }
      if (a.state != AlertState::kInactive && !keep_firing) {
        a.state = AlertState::kInactive;
        a.resolved_at_ms = ts;
      }
      if (!keep_firing) {
        it = erase ? active_.erase(it) : std::next(it);
        continue;
      }
    } else {
      a.keep_firing_since_ms.reset();
    }
    ++num_active;
    if (a.state == AlertState::kPending && ts - a.active_at_ms >= def_.for_ms) {
      a.state = AlertState::kFiring;
      a.fired_at_ms = ts;
    }
    // ALERTS / ALERTS_FOR_STATE: raw rule labels first, alert labels override.
    promql::Labels base;
    for (const auto& [k, v] : def_.labels) base.Set(k, v);
    for (const auto& [k, v] : a.labels.pairs()) base.Set(k, v);
    base.Set("alertname", def_.name);
    promql::Labels alerts_labels = base;
    alerts_labels.Set(promql::kMetricNameLabel, "ALERTS");
    alerts_labels.Set("alertstate", AlertStateName(a.state));
    vec.push_back(promql::VectorElement{std::move(alerts_labels), ts, 1});
    promql::Labels for_state = base;
    for_state.Set(promql::kMetricNameLabel, "ALERTS_FOR_STATE");
    vec.push_back(promql::VectorElement{std::move(for_state), ts,
                                        static_cast<double>(FloorDiv(a.active_at_ms, 1000))});
    if (erase) {
      it = active_.erase(it);
    } else {
      ++it;
    }
  }
  transitions_.clear();
  for (const auto& [key, a] : active_) {
    auto b = before.find(key);
    const AlertState from = b == before.end() ? AlertState::kInactive : b->second.first;
    if (from != a.state) transitions_.push_back({a.labels, from, a.state, a.value});
  }
  for (const auto& [key, b] : before) {
    if (b.first != AlertState::kInactive && !active_.count(key)) {
      transitions_.push_back({b.second, b.first, AlertState::kInactive, 0});
    }
  }
  if (limit > 0 && num_active > limit) {
    for (const auto& [key, a] : active_) {
      if (a.state != AlertState::kInactive) {
        transitions_.push_back({a.labels, a.state, AlertState::kInactive, a.value});
      }
    }
    active_.clear();
    return MakeError(ErrorKind::kInvalidArgument, "exceeded limit of " + std::to_string(limit) +
                                                      " with " + std::to_string(num_active) +
                                                      " alerts");
  }
  return vec;
}

std::vector<Alert> AlertingRule::ActiveAlerts() const {
  std::lock_guard lock(mu_);
  std::vector<Alert> out;
  for (const auto& [k, a] : active_) out.push_back(a);
  std::sort(out.begin(), out.end(),
            [](const Alert& x, const Alert& y) { return x.labels < y.labels; });
  return out;
}

std::vector<Alert> AlertingRule::AlertsToSend(int64_t ts, int64_t resend_delay_ms,
                                              int64_t interval_ms) {
  std::lock_guard lock(mu_);
  std::vector<Alert> out;
  for (auto& [key, a] : active_) {
    if (a.state == AlertState::kPending) continue;
    const bool resolved_since_sent =
        a.resolved_at_ms && (!a.last_sent_ms || *a.resolved_at_ms > *a.last_sent_ms);
    const bool resend_due = !a.last_sent_ms || *a.last_sent_ms + resend_delay_ms < ts;
    if (!resolved_since_sent && !resend_due) continue;
    a.last_sent_ms = ts;
    a.valid_until_ms = ts + 4 * std::max(resend_delay_ms, interval_ms);
    out.push_back(a);
  }
  return out;
}

std::vector<AlertTransition> AlertingRule::LastTransitions() const {
  std::lock_guard lock(mu_);
  return transitions_;
}

void AlertingRule::CopyStateFrom(const AlertingRule& old) {
  if (&old == this) return;
  std::scoped_lock lock(mu_, old.mu_);
  active_ = old.active_;
}

Result<promql::Vector> EvalRecordingRule(const RuleDef& def, int64_t ts, const QueryFunc& query,
                                         int limit) {
  auto res = query(*def.expr, ts);
  if (!res.ok()) return res.error();
  promql::Vector vec = std::move(res).value();
  std::map<std::string, bool> seen;
  for (auto& s : vec) {
    s.labels.Set(promql::kMetricNameLabel, def.name);
    for (const auto& [k, v] : def.labels) s.labels.Set(k, v);
    s.t = ts;
    if (!seen.emplace(s.labels.Key(), true).second) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "vector contains metrics with the same labelset after applying rule labels");
    }
  }
  if (limit > 0 && static_cast<int>(vec.size()) > limit) {
    return MakeError(ErrorKind::kInvalidArgument, "exceeded limit of " + std::to_string(limit) +
                                                      " with " + std::to_string(vec.size()) +
                                                      " series");
  }
  return vec;
}

Group::Group(GroupDef def, int64_t default_interval_ms, RuleContext context)
    : def_(std::move(def)),
      interval_ms_(def_.interval_ms > 0 ? def_.interval_ms : default_interval_ms),
      clock_(context.clock),
      statuses_(def_.rules.size()) {
  for (const auto& r : def_.rules) {
    alerting_.push_back(
        r.kind == RuleDef::Kind::kAlerting ? std::make_unique<AlertingRule>(r, context) : nullptr);
  }
}

void Group::Eval(int64_t ts, const QueryFunc& query, SampleHistory& history) {
  auto now = [this] { return clock_ ? clock_->Monotonic() : MonoTime(); };
  const MonoTime group_start = now();
  for (std::size_t i = 0; i < def_.rules.size(); ++i) {
    const RuleDef& r = def_.rules[i];
    const MonoTime start = now();
    Result<promql::Vector> out = alerting_[i] ? alerting_[i]->Eval(ts, query, def_.limit)
                                              : EvalRecordingRule(r, ts, query, def_.limit);
    {
      std::lock_guard lock(mu_);
      RuleStatus& st = statuses_[i];
      st.last_eval_ms = ts;
      st.eval_seconds = ToSeconds(now() - start);
      if (!out.ok()) {
        st.last_error = out.error().message;
        continue;
      }
      st.last_error.reset();
    }
    SampleHistory::Batch batch;
    batch.reserve(out->size());
    for (auto& s : *out) batch.emplace_back(std::move(s.labels), s.v);
    std::string source = "rule\x1f" + def_.file + "\x1f" + def_.name + "\x1f" + std::to_string(i);
    history.AppendBatch(source, ts, batch);
  }
  std::lock_guard lock(mu_);
  last_eval_ms_ = ts;
  last_eval_seconds_ = ToSeconds(now() - group_start);
}

std::vector<std::optional<std::string>> Group::LastErrors() const {
  std::lock_guard lock(mu_);
  std::vector<std::optional<std::string>> out;
  for (const auto& st : statuses_) out.push_back(st.last_error);
  return out;
}

std::vector<RuleStatus> Group::RuleStatuses() const {
  std::lock_guard lock(mu_);
  return statuses_;
}

std::optional<int64_t> Group::last_eval_ms() const {
  std::lock_guard lock(mu_);
  return last_eval_ms_;
}

double Group::last_eval_seconds() const {
  std::lock_guard lock(mu_);
  return last_eval_seconds_;
}

void Group::CopyStateFrom(const Group& old) {
  // Rules are matched by name and labels, the n-th occurrence with the n-th (as Prometheus).
  auto identity = [](const RuleDef& r) {
    std::string id = r.name;
    for (const auto& [k, v] : r.labels) id += "\x1f" + k + "=" + v;
    return id;
  };
  std::map<std::string, std::vector<const AlertingRule*>> old_rules;
  for (std::size_t i = 0; i < old.def_.rules.size(); ++i) {
    if (old.alerting_[i]) old_rules[identity(old.def_.rules[i])].push_back(old.alerting_[i].get());
  }
  std::map<std::string, std::size_t> used;
  for (std::size_t i = 0; i < def_.rules.size(); ++i) {
    if (!alerting_[i]) continue;
    const std::string id = identity(def_.rules[i]);
    auto it = old_rules.find(id);
    if (it == old_rules.end()) continue;
    std::size_t& n = used[id];
    if (n < it->second.size()) alerting_[i]->CopyStateFrom(*it->second[n++]);
  }
}

std::vector<AlertingRule*> Group::AlertingRules() {
  std::vector<AlertingRule*> out;
  for (auto& a : alerting_) out.push_back(a.get());
  return out;
}

int64_t Group::EvalTimestamp(int64_t now_ms) const {
  // FNV-1a over name and file (Prometheus hashes the same two strings).
  uint64_t h = 1469598103934665603ULL;
  for (char c : def_.name + ";" + def_.file) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  const int64_t interval = std::max<int64_t>(interval_ms_, 1);
  const auto offset = static_cast<int64_t>(h % static_cast<uint64_t>(interval));
  const int64_t adj = now_ms - offset;
  const int64_t base = adj - ((adj % interval) + interval) % interval;
  return base + offset;
}

}  // namespace nca::alerts::rules
