// RuleManager: the agent's local Prometheus. It loads the rule files (the shipped ones compiled in
// by default, or --rules.file patterns) and the spec.monitoring sections of the cluster
// manifests, keeps a bounded SampleHistory fed with every collector snapshot and with the agent's
// own series, evaluates each rule group on its own schedule exactly like Prometheus 2.42's rule
// manager, logs every alert transition and hands the alerts due for notification to a sink (the
// Alertmanager notifier).
//
// What the history holds is what a Prometheus scraping this agent would store — restricted to
// the metric names the loaded rules read (all series when a selector has no metric name): the
// series of each collector snapshot at the snapshot's time (one staleness source per collector),
// the agent's self-metrics (neo4j_up, neo4j_agent_collector_*, ...) at each evaluation, and the
// rules' own outputs (recording rules, ALERTS, ALERTS_FOR_STATE). Values pass through the same text
// formatting as /metrics (%.16g), so the local engine sees the same numbers as a scraper.
//
// Schedule: each group is evaluated on Prometheus' grid (every `interval` at its hash-offset slot,
// manager.go EvalTimestamp) and, with evaluate_on_ingest, also as soon as a collector publishes a
// snapshot with series the group reads (or when the agent's own series it reads may have changed,
// that is after any collector run). Such an evaluation runs at the snapshot's arrival time;
// every evaluation has a timestamp and a group's timestamps only increase (a grid slot at or
// before the group's last evaluation is skipped), so `for`, `keep_firing_for` and the resend
// delay keep Prometheus' meaning: they count evaluation time. An alert turns pending at the first
// evaluation after the data show it, that is about a collector's run after the fault, instead of
// up to an interval later.
//
// Reload (SIGHUP, POST /-/reload) re-reads the rule files and manifests; when anything is
// invalid the previous rules stay in force and the error is returned (and logged). Alert states
// carry over to rules with the same group, name and labels (Prometheus' CopyState).
//
// Thread-safety: Create/Start/Stop/destructor from one owning thread. Ingest, Reload,
// EvaluateAt, Metrics, Groups, RulesJson and AlertsJson may be called from any thread;
// evaluations and reloads are serialised with each other.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "alerts/history.h"
#include "alerts/notifier.h"
#include "alerts/promql/engine.h"
#include "alerts/rules/group.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/cluster_spec.h"
#include "exporter/metric_set.h"

namespace nca::alerts {

// Where the rules come from; read again at every reload.
struct RuleSources {
  // Rule file paths or glob patterns. A pattern that matches nothing is skipped (with a warning),
  // a plain path that does not exist is an error. Empty: the compiled-in shipped rules.
  std::vector<std::string> rule_files;
  // Cluster manifests whose spec.monitoring becomes rules (re-read at reload).
  std::vector<std::string> manifest_files;
  // Manifests already parsed (custom resources read at start-up); not re-read.
  std::vector<config::ClusterSpecDoc> manifest_docs;
};

struct RuleManagerOptions {
  RuleSources sources;
  int64_t evaluation_interval_ms = 15000;  // for groups without `interval:`
  std::map<std::string, std::string> external_labels;
  std::string external_url;  // base of generatorURL and $externalURL
  int64_t resend_delay_ms = 60000;
  // Receives the alerts due for notification after each group evaluation (never pending ones).
  // Called on the evaluation thread; must not block. Empty: alerts are only exposed locally.
  std::function<void(std::vector<NotifyAlert>)> notify;
  // The agent's own series (fed to the history at each evaluation). Must be thread-safe.
  std::function<exporter::MetricSet()> self_metrics;
  // Evaluate a group as soon as a snapshot it reads arrives (Ingest), besides its interval
  // slots: at the arrival time, `debounce_ms` after the first of a burst of snapshots (collectors
  // finishing together make one evaluation). Off: Prometheus' schedule only.
  bool evaluate_on_ingest = true;
  int64_t debounce_ms = 50;
};

// The rule groups of one load, in file order then group order.
struct RuleFiles {
  std::vector<rules::GroupDef> groups;
  std::vector<std::string> files;  // every file read, in order (for logs)
};

// Reads and validates every rule source (pure apart from file reads). Errors hold every problem
// found, one per line, each naming the file (and line) or manifest.
Result<RuleFiles> LoadRuleSources(const RuleSources& sources);

// One exposed sample of `metrics` (gauge/counter/untyped value, histogram buckets with `le`,
// _sum and _count, summary quantiles, _sum and _count), as Prometheus would parse it from the
// text format: the value rounded through %.16g. With `names`, only the families whose series
// names (histogram/summary: with the _bucket, _sum, _count suffixes) are among them.
SampleHistory::Batch ToSamples(const exporter::MetricSet& metrics,
                               const std::set<std::string>* names = nullptr);

class RuleManager {
 public:
  // Loads every source; an error means the configuration is invalid (nothing is started).
  // `clock` must outlive the manager.
  static Result<std::unique_ptr<RuleManager>> Create(RuleManagerOptions options,
                                                     const Clock& clock);
  ~RuleManager();  // Stop()
  RuleManager(const RuleManager&) = delete;
  RuleManager& operator=(const RuleManager&) = delete;

  // Starts the evaluation thread: each group first runs at its first slot after now
  // (Group::EvalTimestamp + interval), then every interval; missed slots are skipped.
  void Start();
  void Stop();

  // Re-reads the sources. On error the current rules stay and the error is returned.
  Status Reload();

  // Feeds one collector snapshot (the full series set of `source` at t).
  void Ingest(std::string_view source, SystemTime t, const exporter::MetricSet& metrics);

  // Evaluates every group at ts (self-metrics are fed first), sends due alerts and logs
  // transitions. What the evaluation thread does at each slot; tests call it directly.
  void EvaluateAt(int64_t ts_ms);

  // neo4j_agent_alerts and the rule/history meta-metrics. Cheap; scrape path.
  exporter::MetricSet Metrics() const;

  // The current groups (shared: they stay valid across a reload).
  std::vector<std::shared_ptr<rules::Group>> Groups() const;

  // Prometheus' GET /api/v1/rules (`type` = "", "alert" or "record") and GET /api/v1/alerts
  // response bodies.
  std::string RulesJson(std::string_view type = "") const;
  std::string AlertsJson() const;

  const SampleHistory& history() const { return history_; }

 private:
  struct GroupCounters {
    uint64_t evaluations = 0;
    uint64_t failures = 0;
  };
  RuleManager(RuleManagerOptions options, const Clock& clock);
  void Install(RuleFiles files);  // eval_mu_ held
  std::shared_ptr<const std::set<std::string>> Wanted() const;
  void EvaluateGroup(rules::Group& group, int64_t ts_ms);  // eval_mu_ held
  void Loop();
  // Marks the groups that read any of `names` (or the agent's own series) for evaluation.
  void MarkReaders(const std::set<std::string>& names);

  const RuleManagerOptions options_;
  const Clock& clock_;
  const promql::Engine engine_;
  SampleHistory history_;

  std::mutex eval_mu_;  // serialises evaluation and reload
  // Timestamp of the latest self_metrics reading appended to the history; guarded by eval_mu_.
  std::optional<int64_t> self_appended_at_;

  mutable std::mutex mu_;
  std::vector<std::shared_ptr<rules::Group>> groups_;  // guarded by mu_
  std::map<std::string, GroupCounters> counters_;      // by group key; guarded by mu_
  // Metric names the rules read (rules::SelectedMetricNames); nullptr: every series is kept.
  std::shared_ptr<const std::set<std::string>> wanted_;  // guarded by mu_
  bool last_reload_ok_ = true;                           // guarded by mu_
  std::optional<SystemTime> last_reload_success_;        // guarded by mu_

  // Per group key: the metric names its rules read; nullopt: it reads every series.
  std::map<std::string, std::optional<std::set<std::string>>> reads_;  // guarded by mu_
  std::set<std::string> self_names_;  // series names of the latest self_metrics; guarded by mu_

  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stopping_ = false;                  // guarded by loop_mu_
  std::set<std::string> dirty_;            // group keys to evaluate; guarded by loop_mu_
  std::optional<int64_t> dirty_since_ms_;  // first mark of the burst; guarded by loop_mu_
  std::thread thread_;
};

}  // namespace nca::alerts
