// WebApp: the agent's HTTP face. Serves
//   <telemetry path> (default /metrics)  Prometheus text format 0.0.4 (GET, HEAD)
//   /                                    landing page (HTML)
//   /-/healthy                           200 "Healthy."
//   /-/ready                             200 "Ready." once every enabled collector ran, else 503
//   /-/reload                            POST/PUT: re-read the rule files (when rules are on)
//   /api/v1/rules, /api/v1/alerts        the local rule evaluation, in Prometheus' JSON shapes
//
// /metrics is built from the latest collector snapshots (SnapshotStore) plus self-metrics (build
// info, per-collector duration/success/last success/interval, per-member up/info/errors, members
// found by node-local Kubernetes discovery, rule evaluation and notifier families). What changes
// only with snapshots (collectors' series, build, collector and member self-metrics) is rendered
// by a renderer thread once whenever a snapshot is published (or the owner calls MetricsChanged),
// as text and as the start of a gzip member; a scrape sends those cached bytes and appends the
// small families that change on their own (discovered members, the extra_metrics of rule
// evaluation and notifier, process_* from /proc), rendered at scrape time, at most once per
// `volatile_max_age` (for gzip: their compressed tail and the trailer, net/gzip.h). A scrape never
// renders the collectors' series and never waits for a render in progress: it serves the previous
// rendering until the next one is complete. It never collects from Neo4j and never waits on a
// collector.
//
// The server is net::EventServer (keep-alive, pipelining, bounded clients); Accept-Encoding:
// gzip is honoured on /metrics.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "exporter/metric_set.h"
#include "exporter/process_metrics.h"
#include "exporter/snapshot_store.h"
#include "net/event_server.h"
#include "net/gzip.h"
#include "net/http_server.h"
#include "net/web_security.h"

namespace nca::exporter {

// Connection state of one configured Neo4j member, as the agent's member clients know it.
struct MemberStatus {
  std::string cluster;  // configured cluster name
  std::string member;   // configured member name
  std::string url;
  bool up = false;  // the latest request to the member succeeded
  std::optional<std::string> version;
  std::optional<std::string> edition;
  std::optional<std::string> dialect;                // "4" or "5"
  std::optional<std::string> transport;              // "tx" or "query_api"
  std::map<std::string, uint64_t> errors_by_reason;  // reason (ErrorKindName) -> count so far
  std::optional<SystemTime> last_success;
};

// Members node-local Kubernetes discovery found for one label convention and cluster.
struct DiscoveredCount {
  std::string convention;  // "operator", "helm" or "custom" (kube::ConventionName)
  std::string cluster;
  int members = 0;
};

// What the landing page shows of the configuration: names and URLs, never credentials.
struct MemberSummary {
  std::string name;
  std::string url;  // without any user:password@ part
};
struct ClusterSummary {
  std::string name;
  std::vector<MemberSummary> members;
};

// Builds the landing-page view of the configured clusters (drops userinfo from URLs).
std::vector<ClusterSummary> SummariseClusters(const std::vector<config::ClusterConfig>& clusters);

// An enabled collector, for the landing page and neo4j_agent_collector_interval_seconds.
struct CollectorInfo {
  std::string name;
  double interval_seconds = 0;
};

struct WebAppOptions {
  std::string listen_address = ":9474";
  std::string telemetry_path = "/metrics";
  std::vector<CollectorInfo> collectors;  // the enabled ones
  std::vector<ClusterSummary> clusters;
  // Readiness (/-/ready); typically Scheduler::AllRanOnce. Empty: always ready.
  std::function<bool()> ready;
  // Per-member state for neo4j_up & co. Empty: no member metrics. Must be thread-safe and fast
  // (it is called on the scrape path).
  std::function<std::vector<MemberStatus>()> member_status;
  // Node-local Kubernetes discovery, for neo4j_kubernetes_discovered_members. Empty: discovery
  // is off and the family is not exported. Must be thread-safe and fast.
  std::function<std::vector<DiscoveredCount>()> discovered_members;
  // How node-local discovery finds pods, one sentence for the landing page; "" = not shown.
  std::string discovery_summary;
  // Process metrics source. Empty: ProcessMetricsReader on /proc. Must be thread-safe.
  std::function<ProcessStats()> process_stats;
  // More families for /metrics (rule evaluation, notifier), asked at every scrape. Must be
  // thread-safe and fast, and their names must not be those of any snapshot's families. They
  // are not part of SelfMetrics().
  std::vector<std::function<MetricSet()>> extra_metrics;
  // Local alerting endpoints; empty: 404 (rule evaluation is off). Must be thread-safe.
  std::function<std::string(const std::string& type)> rules_json;  // GET /api/v1/rules?type=
  std::function<std::string()> alerts_json;                        // GET /api/v1/alerts
  // How old the families that change by themselves (process_*, extra_metrics, discovered
  // members) may be on /metrics: scrapes within this time share one rendering of them, so a
  // flood of scrapes costs no /proc reads. Zero: rendered at every scrape.
  std::chrono::milliseconds volatile_max_age{1000};
  // How long the renderer waits after a change before rendering, so that the snapshots of
  // collectors finishing together make one rendering (until then scrapes get the previous one).
  std::chrono::milliseconds render_debounce{250};
  std::function<Status()> reload;  // POST /-/reload
  // --web.config.file (TLS, basic auth, headers, rate limit) for every endpoint; null: none.
  std::shared_ptr<net::WebSecurity> security;
};

// Thread-safety: Start/Stop/destructor from one owning thread. Requests are served on the
// server's loop thread; RenderMetrics, RenderLanding, HandleRequest, Respond and MetricsChanged
// are thread-safe (they read the thread-safe SnapshotStore, immutable options, the providers,
// which must be thread-safe themselves, and the cache under its lock).
class WebApp {
 public:
  // `store` must outlive the WebApp (the WebApp observes its publications).
  WebApp(WebAppOptions options, SnapshotStore& store);
  ~WebApp();  // Stop()
  WebApp(const WebApp&) = delete;
  WebApp& operator=(const WebApp&) = delete;

  // Binds the listen address and starts serving. Errors (address in use, ...) are returned.
  Status Start();
  void Stop();
  // The bound port after Start (useful with port 0).
  int Port() const;

  // The /metrics body, rendered now: the families that change with snapshots, sorted by name,
  // then those that change by themselves (discovered members, extra_metrics, process_*), sorted
  // by name; series sorted by labels; a family that appears in several snapshots is emitted once
  // with the series of all of them.
  std::string RenderMetrics() const;
  // The agent's own families (build info, collector and member self-metrics, process), as in
  // /metrics but without the collectors' snapshots and the extra_metrics providers.
  MetricSet SelfMetrics() const;
  // The landing page HTML.
  const std::string& RenderLanding() const { return landing_; }
  // Routes one request and returns the response with its body as one string. Never throws.
  net::HttpResponse HandleRequest(const net::HttpRequest& request) const;
  // What the server sends: as HandleRequest, but /metrics comes from the cache without copying
  // (gzip when the request's Accept-Encoding admits it). Never throws.
  net::ServerResponse Respond(const net::HttpRequest& request) const;

  // Something behind member_status changed outside a collector run: /metrics is rendered again (by
  // the renderer thread once started, else at the next scrape). Published snapshots do this by
  // themselves. Cheap; any thread.
  void MetricsChanged();
  // Something behind extra_metrics or discovered_members changed in a way a scraper must see at
  // once (a reload): the next scrape renders them again instead of reusing a rendering younger
  // than volatile_max_age. Cheap; any thread. /-/reload calls it itself.
  void VolatileMetricsChanged() const { ++tail_epoch_; }
  // Renders of /metrics so far (tests and benchmarks).
  uint64_t Renders() const { return renders_.load(); }
  // Renderings compressed with gzip so far (tests and benchmarks).
  uint64_t Compressions() const { return compressions_.load(); }

 private:
  // One rendering of everything but process_*.
  struct Rendered {
    uint64_t generation = 0;  // SnapshotStore::Generation() it was rendered from
    uint64_t changes = 0;     // changes_ it was rendered from
    std::shared_ptr<const std::string> text;
    // The gzip form of `text`, made at most once (GzipOf): by the renderer when a scraper asked
    // for gzip since the previous rendering, else by the first scrape that asks. Most renderings
    // are replaced before a scraper that comes every 15 s or more sees them, and compressing
    // each one (about 2 ms for 600 KB) was a twentieth of the agent's CPU with nothing scraping.
    mutable std::once_flag gzip_once;
    mutable std::shared_ptr<const net::GzipPrefix> gzip;  // set within gzip_once
  };
  const net::GzipPrefix& GzipOf(const Rendered& r) const;
  // The latest rendering; renders inline when there is none yet, or when it is out of date and
  // the renderer thread is not running (tests, before Start).
  std::shared_ptr<const Rendered> Cached() const;
  std::shared_ptr<const Rendered> RenderNow() const;  // renders and installs it
  // What a scrape appends to `main`: rendered again when older than volatile_max_age (or made
  // for another rendering, or without the gzip form asked for).
  struct Tail {
    std::shared_ptr<const Rendered> main;
    std::chrono::steady_clock::time_point at;
    std::string text;
    std::string gzip;  // net::GzipFinish of text after main's prefix
    bool has_gzip = false;
    uint64_t epoch = 0;  // tail_epoch_ it was rendered at
  };
  std::shared_ptr<const Tail> CurrentTail(const std::shared_ptr<const Rendered>& main,
                                          bool gzip) const;
  std::string RenderMainText() const;
  // What changes without a snapshot: discovered members, extra_metrics, process_*.
  std::string RenderTailText() const;
  void AppendVolatileSelfMetrics(MetricSet& out) const;
  // process_stats, or /proc read at most once per volatile_max_age.
  ProcessStats CurrentProcessStats() const;
  void RenderLoop();
  // The self-metrics that change only with snapshots (build, collectors, members).
  void AppendSelfMetrics(const std::vector<SnapshotPtr>& snapshots, MetricSet& out) const;

  WebAppOptions options_;
  SnapshotStore& store_;
  ProcessMetricsReader process_reader_;
  mutable std::mutex process_mu_;
  mutable ProcessStats process_stats_;  // guarded by process_mu_
  // When process_stats_ was read; none yet: guarded by process_mu_.
  mutable std::optional<std::chrono::steady_clock::time_point> process_read_at_;
  std::string landing_;
  std::unique_ptr<net::EventServer> server_;
  int observer_id_ = -1;

  std::atomic<uint64_t> changes_{0};
  mutable std::atomic<uint64_t> renders_{0};
  mutable std::atomic<uint64_t> compressions_{0};
  mutable std::atomic<bool> gzip_asked_{false};  // a scrape asked for gzip since the last render
  mutable std::mutex render_mu_;                 // serialises renders
  mutable std::mutex cache_mu_;
  mutable std::shared_ptr<const Rendered> cache_;  // guarded by cache_mu_
  mutable std::mutex tail_mu_;
  mutable std::shared_ptr<const Tail> tail_;  // guarded by tail_mu_
  mutable std::atomic<uint64_t> tail_epoch_{0};
  mutable std::atomic<std::size_t> main_size_hint_{0};  // bytes to reserve for a rendering
  mutable std::atomic<std::size_t> tail_size_hint_{0};
  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool loop_stop_ = false;  // guarded by loop_mu_
  std::atomic<bool> renderer_running_{false};
  std::thread renderer_;
};

}  // namespace nca::exporter
