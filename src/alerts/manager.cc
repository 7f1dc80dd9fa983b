#include "alerts/manager.h"

#include <glob.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "alerts/builtin_rules.h"
#include "alerts/promql/value.h"
#include "alerts/rules/manifest_rules.h"
#include "alerts/templates/go_text.h"
#include "common/logging.h"

namespace nca::alerts {

namespace {

using rules::AlertState;

bool HasGlobMeta(const std::string& pattern) {
  return pattern.find_first_of("*?[") != std::string::npos;
}

// The files a pattern names: glob matches (sorted), or the path itself.
Result<std::vector<std::string>> ExpandPattern(const std::string& pattern) {
  if (!HasGlobMeta(pattern)) return std::vector<std::string>{pattern};
  glob_t g{};
  const int rc = glob(pattern.c_str(), GLOB_ERR, nullptr, &g);
  std::vector<std::string> out;
  if (rc == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  globfree(&g);
  if (rc != 0 && rc != GLOB_NOMATCH) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "rule file pattern \"" + pattern + "\": cannot read the directory");
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Go's strconv.FormatFloat(v, 'e', -1, 64): the API's alert value.
std::string FormatValueE(double v) {
  std::string s = promql::FormatFloatE(v);
  for (char& c : s) {
    if (c == 'E') c = 'e';
  }
  return s;
}

// Go's time.Time JSON form (RFC 3339 with nanoseconds, trailing zeros dropped), UTC.
std::string Rfc3339Nano(std::optional<int64_t> ms) {
  if (!ms) return "0001-01-01T00:00:00Z";
  const int64_t secs = (*ms >= 0 ? *ms : *ms - 999) / 1000;
  const int64_t frac = *ms - secs * 1000;
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (frac != 0) {
    char f[8];
    std::snprintf(f, sizeof f, ".%03d", static_cast<int>(frac));
    std::string fs = f;
    while (fs.back() == '0') fs.pop_back();
    out += fs;
  }
  return out + "Z";
}

// Go's encoding/json escapes <, > and & in strings; they only occur inside strings in JSON.
std::string GoJsonEscape(std::string json) {
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// The value as a scraper reads it back from the text format (prometheus-cpp writes %.16g).
double ThroughText(double v) {
  if (std::isnan(v)) return std::numeric_limits<double>::quiet_NaN();
  if (std::isinf(v)) return v;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.16g", v);
  return std::strtod(buf, nullptr);
}

std::string BoundText(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.16g", v);
  return buf;
}

std::string GroupKey(const rules::GroupDef& g) { return g.file + ";" + g.name; }

SystemTime FromMs(int64_t ms) { return SystemTime(std::chrono::milliseconds(ms)); }

int64_t ToMs(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

nlohmann::ordered_json LabelsJson(const std::map<std::string, std::string>& m) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

nlohmann::ordered_json AlertJson(const rules::Alert& a) {
  nlohmann::ordered_json j;
  j["labels"] = LabelsJson(a.labels.Map());
  j["annotations"] = LabelsJson(a.annotations);
  j["state"] = std::string(rules::AlertStateName(a.state));
  j["activeAt"] = Rfc3339Nano(a.active_at_ms);
  j["value"] = FormatValueE(a.value);
  return j;
}

}  // namespace

Result<RuleFiles> LoadRuleSources(const RuleSources& sources) {
  RuleFiles out;
  std::vector<std::string> errors;
  auto take = [&](Result<rules::RuleFile> f, const std::string& name) {
    if (!f.ok()) {
      errors.push_back(f.error().message);
      return;
    }
    out.files.push_back(name);
    for (auto& g : f->groups) out.groups.push_back(std::move(g));
  };
  if (sources.rule_files.empty()) {
    for (const BuiltinRuleFile& b : BuiltinRuleFiles()) {
      const std::string name = std::string(kBuiltinPrefix) + std::string(b.name);
      take(rules::ParseRuleFile(b.content, name), name);
    }
  } else {
    std::set<std::string> seen;
    for (const std::string& pattern : sources.rule_files) {
      auto paths = ExpandPattern(pattern);
      if (!paths.ok()) {
        errors.push_back(paths.error().message);
        continue;
      }
      if (paths->empty()) {
        GetLogger("rules")->warn("msg=\"rule file pattern matches no file\" pattern={}",
                                 LogQuote(pattern));
      }
      for (const std::string& path : *paths) {
        if (seen.insert(path).second) take(rules::LoadRuleFile(path), path);
      }
    }
  }
  auto take_manifest = [&](const config::ClusterSpecDoc& doc) {
    auto group = rules::MonitoringRules(doc);
    if (!group.ok()) {
      errors.push_back(group.error().message);
    } else if (*group) {
      out.files.push_back(doc.source);
      out.groups.push_back(std::move(**group));
    }
  };
  for (const std::string& path : sources.manifest_files) {
    auto doc = config::LoadClusterSpecFile(path);
    if (!doc.ok()) {
      errors.push_back(doc.error().message);
      continue;
    }
    take_manifest(*doc);
  }
  for (const auto& doc : sources.manifest_docs) take_manifest(doc);
  if (!errors.empty()) {
    std::string msg;
    for (const auto& e : errors) msg += (msg.empty() ? "" : "\n") + e;
    return MakeError(ErrorKind::kInvalidArgument, msg);
  }
  return out;
}

SampleHistory::Batch ToSamples(const exporter::MetricSet& metrics,
                               const std::set<std::string>* names) {
  SampleHistory::Batch out;
  for (const prometheus::MetricFamily& f : metrics) {
    if (names != nullptr && !names->count(f.name) && !names->count(f.name + "_bucket") &&
        !names->count(f.name + "_sum") && !names->count(f.name + "_count")) {
      continue;
    }
    for (const prometheus::ClientMetric& m : f.metric) {
      std::vector<std::pair<std::string, std::string>> base;
      base.reserve(m.label.size() + 2);
      for (const auto& l : m.label) base.emplace_back(l.name, l.value);
      auto add = [&](const std::string& name, double v, const char* extra_name = nullptr,
                     const std::string& extra_value = "") {
        auto pairs = base;
        pairs.emplace_back(promql::kMetricNameLabel, name);
        if (extra_name != nullptr) pairs.emplace_back(extra_name, extra_value);
        out.emplace_back(promql::Labels(std::move(pairs)), ThroughText(v));
      };
      switch (f.type) {
        case prometheus::MetricType::Counter:
          add(f.name, m.counter.value);
          break;
        case prometheus::MetricType::Gauge:
          add(f.name, m.gauge.value);
          break;
        case prometheus::MetricType::Untyped:
          add(f.name, m.untyped.value);
          break;
        case prometheus::MetricType::Histogram: {
          double last = -std::numeric_limits<double>::infinity();
          for (const auto& b : m.histogram.bucket) {
            add(f.name + "_bucket", static_cast<double>(b.cumulative_count), "le",
                BoundText(b.upper_bound));
            last = b.upper_bound;
          }
          if (!std::isinf(last) || last < 0) {
            add(f.name + "_bucket", static_cast<double>(m.histogram.sample_count), "le", "+Inf");
          }
          add(f.name + "_sum", m.histogram.sample_sum);
          add(f.name + "_count", static_cast<double>(m.histogram.sample_count));
          break;
        }
        case prometheus::MetricType::Summary:
          for (const auto& q : m.summary.quantile) {
            add(f.name, q.value, "quantile", BoundText(q.quantile));
          }
          add(f.name + "_sum", m.summary.sample_sum);
          add(f.name + "_count", static_cast<double>(m.summary.sample_count));
          break;
      }
    }
  }
  return out;
}

RuleManager::RuleManager(RuleManagerOptions options, const Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      engine_(promql::EngineOptions{}),
      history_(SampleHistory::RetentionFor(0)) {}

Result<std::unique_ptr<RuleManager>> RuleManager::Create(RuleManagerOptions options,
                                                         const Clock& clock) {
  if (options.evaluation_interval_ms <= 0) {
    return MakeError(ErrorKind::kInvalidArgument, "evaluation interval must be positive");
  }
  auto files = LoadRuleSources(options.sources);
  if (!files.ok()) return files.error();
  std::unique_ptr<RuleManager> m(new RuleManager(std::move(options), clock));
  std::lock_guard lock(m->eval_mu_);
  m->Install(std::move(files).value());
  {
    std::lock_guard l2(m->mu_);
    m->last_reload_success_ = clock.Now();
  }
  return m;
}

RuleManager::~RuleManager() { Stop(); }

void RuleManager::Install(RuleFiles files) {
  self_appended_at_.reset();  // the new rules may read self series the old ones did not
  rules::RuleContext context;
  context.external_labels = options_.external_labels;
  context.external_url = options_.external_url;
  context.clock = &clock_;
  std::vector<std::shared_ptr<rules::Group>> fresh;
  std::vector<rules::RuleFile> for_range;
  std::size_t rule_count = 0;
  std::optional<std::set<std::string>> wanted = rules::SelectedMetricNames(files.groups);
  std::map<std::string, std::optional<std::set<std::string>>> reads;
  for (const auto& def : files.groups) {
    reads[GroupKey(def)] = rules::SelectedMetricNames({def});
  }
  for (auto& def : files.groups) {
    for_range.push_back(rules::RuleFile{def.file, {def}});
    rule_count += def.rules.size();
    fresh.push_back(
        std::make_shared<rules::Group>(std::move(def), options_.evaluation_interval_ms, context));
  }
  history_.SetRetention(SampleHistory::RetentionFor(rules::MaxRangeMs(for_range)));
  std::lock_guard lock(mu_);
  std::map<std::string, std::shared_ptr<rules::Group>> old;
  for (const auto& g : groups_) old[GroupKey(g->def())] = g;
  for (const auto& g : fresh) {
    auto it = old.find(GroupKey(g->def()));
    if (it != old.end()) g->CopyStateFrom(*it->second);
  }
  groups_ = std::move(fresh);
  reads_ = std::move(reads);
  wanted_ = wanted ? std::make_shared<const std::set<std::string>>(std::move(*wanted)) : nullptr;
  GetLogger("rules")->info("msg=\"rules loaded\" files={} groups={} rules={}", files.files.size(),
                           groups_.size(), rule_count);
}

Status RuleManager::Reload() {
  auto files = LoadRuleSources(options_.sources);
  std::lock_guard lock(eval_mu_);
  if (!files.ok()) {
    {
      std::lock_guard l2(mu_);
      last_reload_ok_ = false;
    }
    return files.error();
  }
  Install(std::move(files).value());
  std::lock_guard l2(mu_);
  last_reload_ok_ = true;
  last_reload_success_ = clock_.Now();
  return OkStatus();
}

std::shared_ptr<const std::set<std::string>> RuleManager::Wanted() const {
  std::lock_guard lock(mu_);
  return wanted_;
}

void RuleManager::Ingest(std::string_view source, SystemTime t,
                         const exporter::MetricSet& metrics) {
  const auto wanted = Wanted();
  history_.AppendBatch(std::string("collector/") + std::string(source), ToMs(t),
                       ToSamples(metrics, wanted.get()));
  if (options_.evaluate_on_ingest) {
    std::set<std::string> names;
    for (const auto& f : metrics) {
      names.insert(f.name);
      if (f.type == prometheus::MetricType::Histogram) {
        names.insert(f.name + "_bucket");
      }
      if (f.type == prometheus::MetricType::Histogram ||
          f.type == prometheus::MetricType::Summary) {
        names.insert(f.name + "_sum");
        names.insert(f.name + "_count");
      }
    }
    MarkReaders(names);
  }
}

void RuleManager::MarkReaders(const std::set<std::string>& names) {
  std::vector<std::string> keys;
  {
    std::lock_guard lock(mu_);
    auto reads_any = [](const std::set<std::string>& reads, const std::set<std::string>& of) {
      return std::any_of(of.begin(), of.end(),
                         [&reads](const std::string& n) { return reads.count(n) != 0; });
    };
    for (const auto& [key, reads] : reads_) {
      // A collector run also changes the agent's own series (neo4j_up, neo4j_agent_collector_*).
      if (!reads || reads_any(*reads, names) || reads_any(*reads, self_names_)) {
        keys.push_back(key);
      }
    }
  }
  if (keys.empty()) {
    return;
  }
  {
    std::lock_guard lock(loop_mu_);
    dirty_.insert(keys.begin(), keys.end());
    if (!dirty_since_ms_) {
      dirty_since_ms_ = ToMs(clock_.Now());
    }
  }
  loop_cv_.notify_all();
}

std::vector<std::shared_ptr<rules::Group>> RuleManager::Groups() const {
  std::lock_guard lock(mu_);
  return groups_;
}

void RuleManager::EvaluateAt(int64_t ts_ms) {
  std::lock_guard lock(eval_mu_);
  for (const auto& g : Groups()) EvaluateGroup(*g, ts_ms);
}

void RuleManager::EvaluateGroup(rules::Group& group, int64_t ts) {
  auto log = GetLogger("rules");
  // Groups evaluated at one instant (a burst's dirty groups, EvaluateAt) share one reading of the
  // agent's own series: the history holds one sample per series and timestamp anyway, and
  // building them (neo4j_up and neo4j_member_info per member, process metrics) was a third of
  // the rule evaluation's CPU at 45 members.
  if (options_.self_metrics && self_appended_at_ != ts) {
    self_appended_at_ = ts;
    const auto wanted = Wanted();
    const exporter::MetricSet self = options_.self_metrics();
    history_.AppendBatch("agent", ts, ToSamples(self, wanted.get()));
    std::set<std::string> names;
    for (const auto& f : self) {
      names.insert(f.name);
    }
    std::lock_guard lock(mu_);
    if (names != self_names_) {
      self_names_ = std::move(names);
    }
  }
  const std::vector<rules::RuleStatus> before = group.RuleStatuses();
  group.Eval(ts, rules::EngineQueryFunc(engine_, history_), history_);
  const std::vector<rules::RuleStatus> after = group.RuleStatuses();
  const rules::GroupDef& def = group.def();

  uint64_t failures = 0;
  for (std::size_t i = 0; i < after.size(); ++i) {
    if (!after[i].last_error) continue;
    ++failures;
    const auto level =
        before[i].last_error == after[i].last_error ? spdlog::level::debug : spdlog::level::warn;
    log->log(level, "msg=\"rule evaluation failed\" file={} group={} rule={} err={}",
             LogQuote(def.file), LogQuote(def.name), LogQuote(def.rules[i].name),
             LogQuote(*after[i].last_error));
  }
  {
    std::lock_guard lock(mu_);
    GroupCounters& c = counters_[GroupKey(def)];
    c.evaluations += def.rules.size();
    c.failures += failures;
  }

  std::vector<NotifyAlert> to_send;
  const std::vector<rules::AlertingRule*> alerting = group.AlertingRules();
  for (std::size_t i = 0; i < alerting.size(); ++i) {
    rules::AlertingRule* rule = alerting[i];
    if (rule == nullptr || after[i].last_error) continue;
    for (const rules::AlertTransition& t : rule->LastTransitions()) {
      const bool resolved = t.to == AlertState::kInactive;
      log->info("msg=\"alert {}\" alertname={} from={} to={} labels={} value={} group={}",
                resolved ? (t.from == AlertState::kFiring ? "resolved" : "cleared")
                         : (t.to == AlertState::kFiring ? "firing" : "pending"),
                LogQuote(std::string(t.labels.Get("alertname"))), rules::AlertStateName(t.from),
                rules::AlertStateName(t.to), LogQuote(t.labels.ToString()),
                promql::FormatFloat(t.value), LogQuote(def.name));
    }
    if (!options_.notify) continue;
    const std::string generator_url = options_.external_url + "/graph?g0.expr=" +
                                      templates::GoQueryEscape(promql::Format(*rule->def().expr)) +
                                      "&g0.tab=1";
    for (rules::Alert& a : rule->AlertsToSend(ts, options_.resend_delay_ms, group.interval_ms())) {
      NotifyAlert n;
      n.labels = a.labels.Map();
      n.annotations = std::move(a.annotations);
      n.starts_at = FromMs(a.fired_at_ms.value_or(a.active_at_ms));
      n.ends_at = FromMs(a.resolved_at_ms.value_or(a.valid_until_ms));
      n.generator_url = generator_url;
      to_send.push_back(std::move(n));
    }
  }
  if (!to_send.empty()) options_.notify(std::move(to_send));
}

void RuleManager::Start() {
  std::lock_guard lock(loop_mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Loop(); });
}

void RuleManager::Stop() {
  {
    std::lock_guard lock(loop_mu_);
    stopping_ = true;
  }
  loop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RuleManager::Loop() {
  std::map<std::string, int64_t> next_due;  // by group key: the next grid slot
  std::unique_lock lock(loop_mu_);
  while (!stopping_) {
    // Groups marked by Ingest, once the burst's debounce has passed.
    std::set<std::string> dirty;
    const int64_t now_before = ToMs(clock_.Now());
    if (dirty_since_ms_ && now_before >= *dirty_since_ms_ + options_.debounce_ms) {
      dirty.swap(dirty_);
      dirty_since_ms_.reset();
    }
    lock.unlock();
    int64_t wake;
    {
      std::lock_guard eval_lock(eval_mu_);
      const int64_t now = ToMs(clock_.Now());
      wake = now + 1000;
      std::vector<std::pair<int64_t, std::shared_ptr<rules::Group>>> due;
      std::map<std::string, int64_t> next;
      for (const auto& g : Groups()) {
        const std::string key = GroupKey(g->def());
        const int64_t interval = std::max<int64_t>(g->interval_ms(), 1);
        const int64_t last = g->last_eval_ms().value_or(std::numeric_limits<int64_t>::min());
        auto it = next_due.find(key);
        int64_t slot = it != next_due.end() ? it->second : g->EvalTimestamp(now) + interval;
        std::optional<int64_t> ts;
        if (slot <= now) {
          slot += (now - slot) / interval * interval;  // skip missed slots
          if (slot > last) {
            ts = slot;
          }
          slot += interval;
        }
        if (dirty.count(key) != 0 && now > last) {
          ts = now;  // data arrived: evaluate at their arrival (later than any due slot)
        }
        if (ts) {
          due.emplace_back(*ts, g);
        }
        next[key] = slot;
        wake = std::min(wake, slot);
      }
      next_due = std::move(next);
      std::stable_sort(due.begin(), due.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      for (const auto& [ts, g] : due) EvaluateGroup(*g, ts);
    }
    lock.lock();
    if (dirty_since_ms_) {
      wake = std::min(wake, *dirty_since_ms_ + options_.debounce_ms);
    }
    const int64_t wait_ms = std::max<int64_t>(wake - ToMs(clock_.Now()), 1);
    // Woken early by Stop() or by the first mark of a burst (to wait for its debounce instead).
    const std::optional<int64_t> seen = dirty_since_ms_;
    loop_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                      [this, &seen] { return stopping_ || dirty_since_ms_ != seen; });
  }
}

exporter::MetricSet RuleManager::Metrics() const {
  exporter::MetricSetBuilder b;
  auto alerts = b.Gauge(
      "neo4j_agent_alerts",
      "Alerts of the agent's own rule evaluation that are pending or firing: 1 per alert, "
      "labelled with the alert's labels and alertstate (what Prometheus records as ALERTS).");
  auto last_eval = b.Gauge("neo4j_agent_rule_group_last_evaluation_timestamp_seconds",
                           "Time of the rule group's latest evaluation (Unix seconds).");
  auto last_duration = b.Gauge("neo4j_agent_rule_group_last_duration_seconds",
                               "How long the rule group's latest evaluation took.");
  auto interval =
      b.Gauge("neo4j_agent_rule_group_interval_seconds", "The rule group's evaluation interval.");
  auto rule_count = b.Gauge("neo4j_agent_rule_group_rules", "Number of rules in the rule group.");
  auto evaluations = b.Counter("neo4j_agent_rule_evaluations_total",
                               "Rule evaluations of the rule group, one per rule per run.");
  auto failures = b.Counter("neo4j_agent_rule_evaluation_failures_total",
                            "Rule evaluations of the rule group that failed (the rule's output "
                            "and alerts were left unchanged).");
  const auto groups = Groups();
  for (const auto& g : groups) {
    const std::string key = GroupKey(g->def());
    const exporter::Labels gl = {{"rule_group", key}};
    if (auto t = g->last_eval_ms()) last_eval.Add(gl, static_cast<double>(*t) / 1000.0);
    last_duration.Add(gl, g->last_eval_seconds());
    interval.Add(gl, static_cast<double>(g->interval_ms()) / 1000.0);
    rule_count.Add(gl, static_cast<double>(g->def().rules.size()));
    for (rules::AlertingRule* r : g->AlertingRules()) {
      if (r == nullptr) continue;
      for (const rules::Alert& a : r->ActiveAlerts()) {
        if (a.state == AlertState::kInactive) continue;
        exporter::Labels l = a.labels.pairs();
        l.emplace_back("alertstate", std::string(rules::AlertStateName(a.state)));
        std::sort(l.begin(), l.end());
        alerts.Add(l, 1);
      }
    }
  }
  {
    std::lock_guard lock(mu_);
    for (const auto& g : groups) {
      const std::string key = GroupKey(g->def());
      auto it = counters_.find(key);
      const GroupCounters c = it == counters_.end() ? GroupCounters{} : it->second;
      evaluations.Add({{"rule_group", key}}, static_cast<double>(c.evaluations));
      failures.Add({{"rule_group", key}}, static_cast<double>(c.failures));
    }
    b.Gauge("neo4j_agent_rules_last_reload_successful",
            "Whether the latest load of the rule files succeeded (1) or failed and the previous "
            "rules are still in force (0).")
        .Add({}, last_reload_ok_ ? 1 : 0);
    if (last_reload_success_) {
      b.Gauge("neo4j_agent_rules_last_reload_success_timestamp_seconds",
              "Time of the latest successful load of the rule files (Unix seconds).")
          .Add({}, ToUnixSeconds(*last_reload_success_));
    }
  }
  b.Gauge("neo4j_agent_rule_history_memory_bytes",
          "Approximate memory held by the sample history the local rule evaluation reads.")
      .Add({}, static_cast<double>(history_.MemoryBytes()));
  b.Gauge("neo4j_agent_rule_history_series", "Series in the local rule evaluation's history.")
      .Add({}, static_cast<double>(history_.SeriesCount()));
  b.Gauge("neo4j_agent_rule_history_retention_seconds",
          "How far back the history keeps samples: the longest range the rules read plus the "
          "5m lookback and a margin.")
      .Add({}, static_cast<double>(history_.retention_ms()) / 1000.0);
  return std::move(b).Build();
}

std::string RuleManager::AlertsJson() const {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& g : Groups()) {
    for (rules::AlertingRule* r : g->AlertingRules()) {
      if (r == nullptr) continue;
      for (const rules::Alert& a : r->ActiveAlerts()) {
        if (a.state != AlertState::kInactive) list.push_back(AlertJson(a));
      }
    }
  }
  nlohmann::ordered_json j;
  j["status"] = "success";
  j["data"]["alerts"] = std::move(list);
  return GoJsonEscape(j.dump());
}

std::string RuleManager::RulesJson(std::string_view type) const {
  nlohmann::ordered_json groups = nlohmann::ordered_json::array();
  for (const auto& g : Groups()) {
    const rules::GroupDef& def = g->def();
    const std::vector<rules::RuleStatus> statuses = g->RuleStatuses();
    const std::vector<rules::AlertingRule*> alerting = g->AlertingRules();
    nlohmann::ordered_json rules_json = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < def.rules.size(); ++i) {
      const rules::RuleDef& r = def.rules[i];
      const rules::RuleStatus& st = statuses[i];
      const bool is_alert = alerting[i] != nullptr;
      if ((type == "alert" && !is_alert) || (type == "record" && is_alert)) continue;
      nlohmann::ordered_json rj;
      if (is_alert) {
        const std::vector<rules::Alert> active = alerting[i]->ActiveAlerts();
        AlertState state = AlertState::kInactive;
        nlohmann::ordered_json alerts = nlohmann::ordered_json::array();
        for (const auto& a : active) {
          if (a.state == AlertState::kInactive) continue;
          if (a.state == AlertState::kFiring || state == AlertState::kInactive) state = a.state;
          alerts.push_back(AlertJson(a));
        }
        rj["state"] = std::string(rules::AlertStateName(state));
        rj["name"] = r.name;
        rj["query"] = promql::Format(*r.expr);
        rj["duration"] = static_cast<double>(r.for_ms) / 1000.0;
        rj["keepFiringFor"] = static_cast<double>(r.keep_firing_for_ms) / 1000.0;
        rj["labels"] = LabelsJson(r.labels);
        rj["annotations"] = LabelsJson(r.annotations);
        rj["alerts"] = std::move(alerts);
      } else {
        rj["name"] = r.name;
        rj["query"] = promql::Format(*r.expr);
        if (!r.labels.empty()) rj["labels"] = LabelsJson(r.labels);
      }
      rj["health"] = !st.last_eval_ms ? "unknown" : (st.last_error ? "err" : "ok");
      if (st.last_error) rj["lastError"] = *st.last_error;
      rj["evaluationTime"] = st.eval_seconds;
      rj["lastEvaluation"] = Rfc3339Nano(st.last_eval_ms);
      rj["type"] = is_alert ? "alerting" : "recording";
      rules_json.push_back(std::move(rj));
    }
    if (!type.empty() && rules_json.empty()) continue;
    nlohmann::ordered_json gj;
    gj["name"] = def.name;
    gj["file"] = def.file;
    gj["rules"] = std::move(rules_json);
    gj["interval"] = static_cast<double>(g->interval_ms()) / 1000.0;
    gj["limit"] = def.limit;
    gj["evaluationTime"] = g->last_eval_seconds();
    gj["lastEvaluation"] = Rfc3339Nano(g->last_eval_ms());
    groups.push_back(std::move(gj));
  }
  nlohmann::ordered_json j;
  j["status"] = "success";
  j["data"]["groups"] = std::move(groups);
  return GoJsonEscape(j.dump());
}

}  // namespace nca::alerts
