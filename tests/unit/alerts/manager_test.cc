#include "alerts/manager.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "alerts/builtin_rules.h"
#include "alerts/rules/rule_file.h"
#include "common/clock.h"

namespace nca::alerts {
namespace {

namespace fs = std::filesystem;
using exporter::MetricSet;
using exporter::MetricSetBuilder;

// A fresh directory for rule files, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "nca-rules-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& content) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p) << content;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

constexpr char kFooRules[] = R"(groups:
- name: foo
  interval: 15s
  rules:
  - alert: FooHigh
    expr: foo > 1
    labels:
      severity: warning
    annotations:
      summary: "foo is {{ $value }} on {{ $labels.member }}"
)";

MetricSet Foo(double v, const std::string& member = "m1") {
  MetricSetBuilder b;
  b.Gauge("foo", "A test gauge.").Add({{"member", member}}, v);
  return std::move(b).Build();
}

int64_t Ms(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Collects what the manager hands to the notifier.
struct Sink {
  std::mutex mu;
  std::vector<std::vector<NotifyAlert>> batches;
  std::function<void(std::vector<NotifyAlert>)> Func() {
    return [this](std::vector<NotifyAlert> b) {
      std::lock_guard lock(mu);
      batches.push_back(std::move(b));
    };
  }
};

bool HasSeries(const MetricSet& set, const std::string& family,
               const std::vector<std::pair<std::string, std::string>>& labels) {
  for (const auto& f : set) {
    if (f.name != family) continue;
    for (const auto& m : f.metric) {
      bool all = true;
      for (const auto& [k, v] : labels) {
        bool found = false;
        for (const auto& l : m.label) found = found || (l.name == k && l.value == v);
        all = all && found;
      }
      if (all) return true;
    }
  }
  return false;
}

double Value(const MetricSet& set, const std::string& family) {
  for (const auto& f : set) {
    if (f.name == family && !f.metric.empty()) {
      return f.type == prometheus::MetricType::Counter ? f.metric[0].counter.value
                                                       : f.metric[0].gauge.value;
    }
  }
  return NAN;
}

TEST(BuiltinRulesTest, CompiledInCopyMatchesTheRepository) {
  ASSERT_FALSE(BuiltinRuleFiles().empty());
  std::size_t on_disk = 0;
  for (const auto& entry : fs::directory_iterator(NCA_RULES_DIR)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 10 && name.substr(name.size() - 10) == ".rules.yml") ++on_disk;
  }
  EXPECT_EQ(BuiltinRuleFiles().size(), on_disk);
  for (const BuiltinRuleFile& b : BuiltinRuleFiles()) {
    const std::string file = std::string(b.name).substr(std::string("rules/prometheus/").size());
    std::ifstream in(std::string(NCA_RULES_DIR) + "/" + file);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str(), b.content) << b.name << " is stale: re-run cmake";
  }
}

TEST(RuleManagerTest, LoadsTheShippedRulesByDefault) {
  ManualClock clock;
  auto m = RuleManager::Create({}, clock);
  ASSERT_TRUE(m.ok()) << m.error().message;
  auto on_disk = rules::LoadRuleFile(std::string(NCA_RULES_DIR) + "/neo4j-cluster.rules.yml");
  ASSERT_TRUE(on_disk.ok()) << on_disk.error().message;
  const auto groups = (*m)->Groups();
  ASSERT_EQ(groups.size(), on_disk->groups.size());
  for (std::size_t i = 0; i < groups.size(); ++i) {
    EXPECT_EQ(groups[i]->def().name, on_disk->groups[i].name);
    EXPECT_EQ(groups[i]->def().file, "builtin:rules/prometheus/neo4j-cluster.rules.yml");
    EXPECT_EQ(groups[i]->def().rules.size(), on_disk->groups[i].rules.size());
  }
  // The history keeps the longest range the shipped rules read plus lookback and margin.
  EXPECT_EQ((*m)->history().retention_ms(),
            SampleHistory::RetentionFor(rules::MaxRangeMs({*on_disk})));
}

TEST(RuleManagerTest, FiresNotifiesResendsAndResolves) {
  TempDir dir;
  ManualClock clock;
  Sink sink;
  RuleManagerOptions o;
  o.sources.rule_files = {dir.Write("foo.yml", kFooRules)};
  o.external_url = "http://agent:9474";
  o.resend_delay_ms = 60000;
  o.notify = sink.Func();
  auto created = RuleManager::Create(std::move(o), clock);
  ASSERT_TRUE(created.ok()) << created.error().message;
  RuleManager& m = **created;

  const int64_t t0 = Ms(clock.Now());
  m.Ingest("test", clock.Now(), Foo(2));
  m.EvaluateAt(t0);
  ASSERT_EQ(sink.batches.size(), 1u);
  ASSERT_EQ(sink.batches[0].size(), 1u);
  const NotifyAlert& a = sink.batches[0][0];
  EXPECT_EQ(a.labels.at("alertname"), "FooHigh");
  EXPECT_EQ(a.labels.at("member"), "m1");
  EXPECT_EQ(a.labels.at("severity"), "warning");
  EXPECT_EQ(a.labels.count("__name__"), 0u);
  EXPECT_EQ(a.annotations.at("summary"), "foo is 2 on m1");
  EXPECT_EQ(Ms(a.starts_at), t0);
  ASSERT_TRUE(a.ends_at.has_value());
  EXPECT_EQ(Ms(*a.ends_at), t0 + 4 * 60000);  // ValidUntil: 4 x max(resend delay, interval)
  EXPECT_EQ(a.generator_url, "http://agent:9474/graph?g0.expr=foo+%3E+1&g0.tab=1");

  // Exposed on /metrics and the API.
  EXPECT_TRUE(HasSeries(m.Metrics(), "neo4j_agent_alerts",
                        {{"alertname", "FooHigh"}, {"alertstate", "firing"}, {"member", "m1"}}));
  auto alerts = nlohmann::json::parse(m.AlertsJson());
  ASSERT_EQ(alerts["data"]["alerts"].size(), 1u);
  EXPECT_EQ(alerts["data"]["alerts"][0]["state"], "firing");
  EXPECT_EQ(alerts["data"]["alerts"][0]["value"], "2e+00");

  // Still firing 15 s later: not sent again before the resend delay has passed.
  m.Ingest("test", clock.Now() + std::chrono::seconds(15), Foo(3));
  m.EvaluateAt(t0 + 15000);
  EXPECT_EQ(sink.batches.size(), 1u);
  m.Ingest("test", clock.Now() + std::chrono::seconds(75), Foo(3));
  m.EvaluateAt(t0 + 75000);
  ASSERT_EQ(sink.batches.size(), 2u);
  EXPECT_EQ(Ms(sink.batches[1][0].starts_at), t0);

  // The series disappears (stale marker): resolved, sent at once with endsAt = resolution time.
  m.Ingest("test", clock.Now() + std::chrono::seconds(90), MetricSet{});
  m.EvaluateAt(t0 + 90000);
  ASSERT_EQ(sink.batches.size(), 3u);
  EXPECT_EQ(Ms(*sink.batches[2][0].ends_at), t0 + 90000);
  EXPECT_FALSE(HasSeries(m.Metrics(), "neo4j_agent_alerts", {{"alertname", "FooHigh"}}));
  EXPECT_EQ(nlohmann::json::parse(m.AlertsJson())["data"]["alerts"].size(), 0u);
}

TEST(RuleManagerTest, PendingAlertsAreNotSent) {
  TempDir dir;
  ManualClock clock;
  Sink sink;
  RuleManagerOptions o;
  std::string rules = kFooRules;
  rules.replace(rules.find("    labels:"), 0, "    for: 1m\n");
  o.sources.rule_files = {dir.Write("foo.yml", rules)};
  o.notify = sink.Func();
  auto m = RuleManager::Create(std::move(o), clock);
  ASSERT_TRUE(m.ok()) << m.error().message;
  const int64_t t0 = Ms(clock.Now());
  (*m)->Ingest("test", clock.Now(), Foo(2));
  (*m)->EvaluateAt(t0);
  EXPECT_TRUE(sink.batches.empty());
  EXPECT_TRUE(HasSeries((*m)->Metrics(), "neo4j_agent_alerts", {{"alertstate", "pending"}}));
  auto rules_json = nlohmann::json::parse((*m)->RulesJson());
  EXPECT_EQ(rules_json["data"]["groups"][0]["rules"][0]["state"], "pending");
  EXPECT_EQ(rules_json["data"]["groups"][0]["rules"][0]["duration"], 60);
}

TEST(RuleManagerTest, RulesJsonHasPrometheusShapeAndHealth) {
  TempDir dir;
  ManualClock clock;
  RuleManagerOptions o;
  o.sources.rule_files = {dir.Write("foo.yml", std::string(kFooRules) + R"(  - record: foo:doubled
    expr: foo * 2
  - record: foo:dup
    expr: label_replace(foo, "member", "x", "", "")
)")};
  auto m = RuleManager::Create(std::move(o), clock);
  ASSERT_TRUE(m.ok()) << m.error().message;
  auto before = nlohmann::json::parse((*m)->RulesJson());
  EXPECT_EQ(before["status"], "success");
  auto g = before["data"]["groups"][0];
  EXPECT_EQ(g["name"], "foo");
  EXPECT_EQ(g["interval"], 15);
  EXPECT_EQ(g["limit"], 0);
  EXPECT_EQ(g["lastEvaluation"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(g["rules"][0]["health"], "unknown");
  EXPECT_EQ(g["rules"][0]["type"], "alerting");
  EXPECT_EQ(g["rules"][0]["query"], "foo > 1");
  EXPECT_EQ(g["rules"][1]["type"], "recording");
  EXPECT_FALSE(g["rules"][1].contains("labels"));  // omitted when empty, as Prometheus does

  // Two members make foo:dup produce one label set twice: that rule fails, the others don't.
  const int64_t t0 = Ms(clock.Now());
  MetricSetBuilder b;
  b.Gauge("foo", "A test gauge.").Add({{"member", "a"}}, 0).Add({{"member", "b"}}, 0);
  (*m)->Ingest("test", clock.Now(), std::move(b).Build());
  (*m)->EvaluateAt(t0 + 1500);
  auto after = nlohmann::json::parse((*m)->RulesJson());
  g = after["data"]["groups"][0];
  EXPECT_EQ(g["rules"][0]["health"], "ok");
  EXPECT_EQ(g["rules"][0]["state"], "inactive");
  EXPECT_EQ(g["rules"][1]["health"], "ok");
  EXPECT_EQ(g["rules"][2]["health"], "err");
  EXPECT_NE(g["rules"][2]["lastError"].get<std::string>().find("same labelset"), std::string::npos);
  EXPECT_EQ(g["lastEvaluation"], "2023-11-14T22:13:21.5Z");  // ManualClock starts at 1700000000
  EXPECT_EQ(Value((*m)->Metrics(), "neo4j_agent_rule_evaluation_failures_total"), 1);
  EXPECT_EQ(Value((*m)->Metrics(), "neo4j_agent_rule_evaluations_total"), 3);

  // type=alert / type=record filter the rules.
  auto only_alerts = nlohmann::json::parse((*m)->RulesJson("alert"));
  ASSERT_EQ(only_alerts["data"]["groups"][0]["rules"].size(), 1u);
  auto only_records = nlohmann::json::parse((*m)->RulesJson("record"));
  ASSERT_EQ(only_records["data"]["groups"][0]["rules"].size(), 2u);
}

TEST(RuleManagerTest, RecordingRulesFeedTheHistory) {
  TempDir dir;
  ManualClock clock;
  RuleManagerOptions o;
  o.sources.rule_files = {dir.Write("r.yml", R"(groups:
- name: r
  rules:
  - record: foo:doubled
    expr: foo * 2
  - alert: DoubledHigh
    expr: foo:doubled > 3
)")};
  auto m = RuleManager::Create(std::move(o), clock);
  ASSERT_TRUE(m.ok()) << m.error().message;
  (*m)->Ingest("test", clock.Now(), Foo(2));
  (*m)->EvaluateAt(Ms(clock.Now()));
  EXPECT_TRUE(HasSeries((*m)->Metrics(), "neo4j_agent_alerts", {{"alertname", "DoubledHigh"}}));
}

TEST(RuleManagerTest, SelfMetricsAreQueryable) {
  TempDir dir;
  ManualClock clock;
  RuleManagerOptions o;
  o.sources.rule_files = {dir.Write("r.yml", R"(groups:
- name: r
  rules:
  - alert: MemberDown
    expr: neo4j_up == 0
)")};
  o.self_metrics = [] {
    MetricSetBuilder b;
    b.Gauge("neo4j_up", "Member answered.").Add({{"member", "x"}}, 0);
    return std::move(b).Build();
  };
  auto m = RuleManager::Create(std::move(o), clock);
  ASSERT_TRUE(m.ok()) << m.error().message;
  (*m)->EvaluateAt(Ms(clock.Now()));
  EXPECT_TRUE(HasSeries((*m)->Metrics(), "neo4j_agent_alerts",
                        {{"alertname", "MemberDown"}, {"member", "x"}}));
}

// Groups evaluated at one instant share one reading of the agent's own series; the next instant
// reads them again.
TEST(RuleManagerTest, GroupsEvaluatedAtOneInstantShareOneReadingOfTheSelfMetrics) {
  TempDir dir;
  ManualClock clock;
  RuleManagerOptions o;
  o.sources.rule_files = {dir.Write("r.yml", R"(groups:
- name: a
  rules:
  - alert: MemberDown
    expr: neo4j_up == 0
- name: b
  rules:
  - alert: MemberDownToo
    expr: neo4j_up == 0
)")};
  auto readings = std::make_shared<std::atomic<int>>(0);
  auto up = std::make_shared<std::atomic<int>>(0);
  o.self_metrics = [readings, up] {
    ++*readings;
    MetricSetBuilder b;
    b.Gauge("neo4j_up", "Member answered.").Add({{"member", "x"}}, up->load());
    return std::move(b).Build();
  };
  auto m = RuleManager::Create(std::move(o), clock);
  ASSERT_TRUE(m.ok()) << m.error().message;
  const int64_t t0 = Ms(clock.Now());
  (*m)->EvaluateAt(t0);
  EXPECT_EQ(readings->load(), 1);
  EXPECT_TRUE(HasSeries((*m)->Metrics(), "neo4j_agent_alerts", {{"alertname", "MemberDown"}}));
  EXPECT_TRUE(HasSeries((*m)->Metrics(), "neo4j_agent_alerts", {{"alertname", "MemberDownToo"}}));
  *up = 1;
  (*m)->EvaluateAt(t0 + 15000);
  EXPECT_EQ(readings->load(), 2);
  EXPECT_FALSE(HasSeries((*m)->Metrics(), "neo4j_agent_alerts", {{"alertname", "MemberDown"}}));
  EXPECT_FALSE(HasSeries((*m)->Metrics(), "neo4j_agent_alerts", {{"alertname", "MemberDownToo"}}));
}

TEST(RuleManagerTest, BrokenReloadKeepsTheOldRulesAndTheirState) {
  TempDir dir;
  ManualClock clock;
  RuleManagerOptions o;
  const std::string path = dir.Write("foo.yml", kFooRules);
  o.sources.rule_files = {path};
  auto created = RuleManager::Create(std::move(o), clock);
  ASSERT_TRUE(created.ok()) << created.error().message;
  RuleManager& m = **created;
  const int64_t t0 = Ms(clock.Now());
  m.Ingest("test", clock.Now(), Foo(2));
  m.EvaluateAt(t0);
  ASSERT_TRUE(HasSeries(m.Metrics(), "neo4j_agent_alerts", {{"alertstate", "firing"}}));

  dir.Write("foo.yml", "groups:\n- name: foo\n  rules:\n  - alert: FooHigh\n    expr: foo >\n");
  Status st = m.Reload();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find(path), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("could not parse expression"), std::string::npos);
  EXPECT_EQ(Value(m.Metrics(), "neo4j_agent_rules_last_reload_successful"), 0);
  ASSERT_EQ(m.Groups().size(), 1u);
  EXPECT_EQ(m.Groups()[0]->def().rules[0].expr_text, "foo > 1");
  EXPECT_TRUE(HasSeries(m.Metrics(), "neo4j_agent_alerts", {{"alertstate", "firing"}}));

  // A valid change (new annotation, same name and labels): alert state carries over.
  std::string changed = kFooRules;
  changed += "      runbook_url: http://example/runbook\n";
  dir.Write("foo.yml", changed);
  ASSERT_TRUE(m.Reload().ok());
  EXPECT_EQ(Value(m.Metrics(), "neo4j_agent_rules_last_reload_successful"), 1);
  auto alerts = m.Groups()[0]->AlertingRules()[0]->ActiveAlerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].state, rules::AlertState::kFiring);
  EXPECT_EQ(alerts[0].active_at_ms, t0);
  EXPECT_EQ(m.Groups()[0]->def().rules[0].annotations.count("runbook_url"), 1u);
}

TEST(RuleManagerTest, GlobPatternsAndMissingFiles) {
  TempDir dir;
  ManualClock clock;
  dir.Write("b.yml", "groups:\n- name: b\n  rules:\n  - record: b\n    expr: vector(1)\n");
  dir.Write("a.yml", "groups:\n- name: a\n  rules:\n  - record: a\n    expr: vector(1)\n");
  dir.Write("skip.txt", "not yaml: [");

  RuleSources sources;
  sources.rule_files = {dir.path() + "/*.yml", dir.path() + "/a.yml"};
  auto files = LoadRuleSources(sources);
  ASSERT_TRUE(files.ok()) << files.error().message;
  ASSERT_EQ(files->groups.size(), 2u);  // a.yml once, although two patterns name it
  EXPECT_EQ(files->groups[0].name, "a");
  EXPECT_EQ(files->groups[1].name, "b");

  sources.rule_files = {dir.path() + "/none-*.yml"};
  files = LoadRuleSources(sources);
  ASSERT_TRUE(files.ok());
  EXPECT_TRUE(files->groups.empty());

  sources.rule_files = {dir.path() + "/missing.yml"};
  files = LoadRuleSources(sources);
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.error().message.find("missing.yml"), std::string::npos);

  ManualClock c;
  RuleManagerOptions o;
  o.sources.rule_files = {dir.path() + "/missing.yml"};
  EXPECT_FALSE(RuleManager::Create(std::move(o), c).ok());
}

TEST(RuleManagerTest, ManifestMonitoringBecomesAGroup) {
  ManualClock clock;
  RuleManagerOptions o;
  o.sources.rule_files = {"/dev/null-none-*.yml"};  // no file rules
  config::ClusterSpecDoc doc;
  doc.source = "k8s:neo4j/prod";
  doc.name = "prod";
  doc.namespace_name = "neo4j";
  doc.monitoring.metrics = {{"health", "neo4j_zone_distribution_health", {}}};
  doc.monitoring.alerts = {{"zone-imbalance", "health < 0.8", "warning"}};
  o.sources.manifest_docs = {doc};
  auto m = RuleManager::Create(std::move(o), clock);
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ((*m)->Groups().size(), 1u);
  EXPECT_EQ((*m)->Groups()[0]->def().name, "manifest/neo4j/prod");
  MetricSetBuilder b;
  b.Gauge("neo4j_zone_distribution_health", "h").Add({{"cluster", "prod"}}, 0.5);
  (*m)->Ingest("zone_skew", clock.Now(), std::move(b).Build());
  (*m)->EvaluateAt(Ms(clock.Now()));
  EXPECT_TRUE(HasSeries((*m)->Metrics(), "neo4j_agent_alerts",
                        {{"alertname", "zone-imbalance"},
                         {"cluster", "prod"},
                         {"manifest", "neo4j/prod"},
                         {"severity", "warning"}}));
}

TEST(ToSamplesTest, ExpandsHistogramsAndRoundsLikeTheTextFormat) {
  MetricSetBuilder b;
  b.Gauge("g", "g").Add({{"a", "1"}}, 0.1 + 0.2);
  exporter::HistogramValue h;
  h.upper_bounds = {0.005, 1};
  h.cumulative = {1, 2};
  h.sum = 1.5;
  h.count = 3;
  b.Histogram("lat_seconds", "h").Add({}, h);
  const auto samples = ToSamples(std::move(b).Build());
  std::map<std::string, double> got;
  for (const auto& [labels, v] : samples) got[labels.ToString()] = v;
  EXPECT_EQ(got.at(R"({__name__="g", a="1"})"), 0.3);  // %.16g, as a scraper reads it
  EXPECT_EQ(got.at(R"({__name__="lat_seconds_bucket", le="0.005"})"), 1);
  EXPECT_EQ(got.at(R"({__name__="lat_seconds_bucket", le="1"})"), 2);
  EXPECT_EQ(got.at(R"({__name__="lat_seconds_bucket", le="+Inf"})"), 3);
  EXPECT_EQ(got.at(R"({__name__="lat_seconds_sum"})"), 1.5);
  EXPECT_EQ(got.at(R"({__name__="lat_seconds_count"})"), 3);
  EXPECT_EQ(got.size(), 6u);
}

// Templates may query the history, at the rule's evaluation time.
TEST(RuleManagerTest, TemplatesQueryTheHistoryAtEvaluationTime) {
  TempDir dir;
  ManualClock clock;
  RuleManagerOptions o;
  o.sources.rule_files = {dir.Write("r.yml", R"yaml(groups:
- name: r
  rules:
  - alert: FooHigh
    expr: foo > 1
    annotations:
      others: '{{ with query "count(foo)" }}{{ . | first | value }}{{ end }}'
      broken: '{{ query "sum(" }}'
)yaml")};
  auto m = RuleManager::Create(std::move(o), clock);
  ASSERT_TRUE(m.ok()) << m.error().message;
  MetricSetBuilder b;
  b.Gauge("foo", "f").Add({{"member", "a"}}, 2).Add({{"member", "b"}}, 0).Add({{"member", "c"}}, 0);
  (*m)->Ingest("test", clock.Now(), std::move(b).Build());
  (*m)->EvaluateAt(Ms(clock.Now()));
  auto alerts = (*m)->Groups()[0]->AlertingRules()[0]->ActiveAlerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].annotations.at("others"), "3");
  EXPECT_NE(alerts[0].annotations.at("broken").find("<error expanding template:"),
            std::string::npos)
      << alerts[0].annotations.at("broken");
  EXPECT_NE(alerts[0].annotations.at("broken").find("parse error"), std::string::npos);
}

// The history keeps only the metric names the rules read, unless a selector has no name.
TEST(RuleManagerTest, HistoryKeepsOnlyWhatTheRulesRead) {
  auto series_after_ingest = [](const std::string& expr) {
    TempDir dir;
    ManualClock clock;
    RuleManagerOptions o;
    o.sources.rule_files = {dir.Write(
        "r.yml", "groups:\n- name: r\n  rules:\n  - alert: A\n    expr: '" + expr + "'\n")};
    auto m = RuleManager::Create(std::move(o), clock);
    EXPECT_TRUE(m.ok()) << m.error().message;
    MetricSetBuilder b;
    b.Gauge("foo", "f").Add({{"member", "a"}}, 1);
    b.Gauge("bar", "b").Add({{"member", "a"}}, 1);
    exporter::HistogramValue h;
    h.upper_bounds = {1};
    h.cumulative = {1};
    h.count = 1;
    b.Histogram("lat_seconds", "h").Add({}, h);
    (*m)->Ingest("test", clock.Now(), std::move(b).Build());
    return (*m)->history().SeriesCount();
  };
  EXPECT_EQ(series_after_ingest("foo > 1"), 1u);
  EXPECT_EQ(series_after_ingest("foo > 1 unless rate(bar[5m]) > 0"), 2u);
  // A histogram family is kept whole when one of its series is read.
  EXPECT_EQ(series_after_ingest("histogram_quantile(0.9, lat_seconds_bucket) > 1"), 4u);
  // A selector without a metric name may read anything.
  EXPECT_EQ(series_after_ingest("{member=\"a\"} > 0"), 6u);
}

// The evaluation thread runs groups on their own schedule (real clock, short interval).
TEST(RuleManagerTest, EvaluationThreadRunsGroups) {
  TempDir dir;
  RealClock clock;
  RuleManagerOptions o;
  o.sources.rule_files = {dir.Write("r.yml", R"(groups:
- name: fast
  interval: 50ms
  rules:
  - record: one
    expr: vector(1)
)")};
  auto m = RuleManager::Create(std::move(o), clock);
  ASSERT_TRUE(m.ok()) << m.error().message;
  (*m)->Start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  bool evaluated = false;
  while (!evaluated && std::chrono::steady_clock::now() < deadline) {
    evaluated = (*m)->Groups()[0]->last_eval_ms().has_value() &&
                Value((*m)->Metrics(), "neo4j_agent_rule_evaluations_total") >= 3;
    if (!evaluated) std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll
  }
  (*m)->Stop();
  EXPECT_TRUE(evaluated);
  // Evaluations happen on the group's slots: timestamps are a multiple of the interval apart.
  const int64_t last = *(*m)->Groups()[0]->last_eval_ms();
  EXPECT_EQ((*m)->Groups()[0]->EvalTimestamp(last), last);
}

TEST(RuleManagerTest, ArrivingDataAreEvaluatedAtOnceByTheGroupsThatReadThem) {
  TempDir dir;
  RealClock clock;
  RuleManagerOptions o;
  // Hour-long intervals: without the data trigger nothing would run during the test.
  o.sources.rule_files = {dir.Write("r.yml", R"(groups:
- name: reads-foo
  interval: 1h
  rules:
  - alert: FooHigh
    expr: foo > 1
    for: 10m
- name: reads-bar
  interval: 1h
  rules:
  - alert: BarHigh
    expr: bar > 1
)")};
  auto m = RuleManager::Create(std::move(o), clock);
  ASSERT_TRUE(m.ok()) << m.error().message;
  (*m)->Start();
  const int64_t published = Ms(clock.Now());
  (*m)->Ingest("test", clock.Now(), Foo(2));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string state;
  while (state != "pending" && std::chrono::steady_clock::now() < deadline) {
    auto alerts = nlohmann::json::parse((*m)->AlertsJson())["data"]["alerts"];
    state = alerts.empty() ? "" : alerts[0]["state"].get<std::string>();
    if (state != "pending") std::this_thread::sleep_for(std::chrono::milliseconds(5));  // poll
  }
  const auto groups = (*m)->Groups();
  (*m)->Stop();
  ASSERT_EQ(state, "pending");
  ASSERT_EQ(groups.size(), 2u);
  // Evaluated at the arrival (after the debounce), not at a slot of the hour grid.
  ASSERT_TRUE(groups[0]->last_eval_ms().has_value());
  EXPECT_GE(*groups[0]->last_eval_ms(), published);
  EXPECT_LT(*groups[0]->last_eval_ms(), published + 10000);
  // The group that does not read foo was not evaluated with it (same pass: it would be set).
  EXPECT_FALSE(groups[1]->last_eval_ms().has_value());
}

TEST(RuleManagerTest, GridSlotsNeverGoBackBeforeADataTriggeredEvaluation) {
  TempDir dir;
  RealClock clock;
  RuleManagerOptions o;
  o.sources.rule_files = {dir.Write("r.yml", R"(groups:
- name: fast
  interval: 100ms
  rules:
  - record: foo_seen
    expr: foo
)")};
  o.debounce_ms = 1;
  auto m = RuleManager::Create(std::move(o), clock);
  ASSERT_TRUE(m.ok()) << m.error().message;
  (*m)->Start();
  // Data arriving between slots, many times: the evaluation timestamps must only increase.
  std::vector<int64_t> seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (seen.size() < 20 && std::chrono::steady_clock::now() < deadline) {
    (*m)->Ingest("test", clock.Now(), Foo(static_cast<double>(seen.size())));
    const auto last = (*m)->Groups()[0]->last_eval_ms();
    if (last && (seen.empty() || *last != seen.back())) seen.push_back(*last);
    std::this_thread::sleep_for(std::chrono::milliseconds(7));  // pacing the producer
  }
  (*m)->Stop();
  ASSERT_GE(seen.size(), 20u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());
}

}  // namespace
}  // namespace nca::alerts
