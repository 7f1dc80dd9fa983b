// WebApp: the agent's HTTP face. Serves
//   <telemetry path> (default /metrics)  Prometheus text format 0.0.4 (GET, HEAD)
//   /                                    landing page (HTML)
//   /-/healthy                           200 "Healthy."
//   /-/ready                             200 "Ready." once every enabled collector ran, else 503
//   /-/reload                            POST/PUT: re-read the rule files (when rules are on)
//   /api/v1/rules, /api/v1/alerts        the local rule evaluation, in Prometheus' JSON shapes
//
// /metrics is built from the latest collector snapshots (SnapshotStore) plus self-metrics computed
// at serialisation time (build info, per-collector duration/success/last success/interval,
// per-member up/info/errors, members found by node-local Kubernetes discovery, process_*). It never
// collects from Neo4j and never waits on a collector: a scrape while a member hangs stays fast.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "exporter/metric_set.h"
#include "exporter/process_metrics.h"
#include "exporter/snapshot_store.h"
#include "net/http_server.h"

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
  int num_threads = 4;
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
  // thread-safe and fast. They are not part of SelfMetrics().
  std::vector<std::function<MetricSet()>> extra_metrics;
  // Local alerting endpoints; empty: 404 (rule evaluation is off). Must be thread-safe.
  std::function<std::string(const std::string& type)> rules_json;  // GET /api/v1/rules?type=
  std::function<std::string()> alerts_json;                        // GET /api/v1/alerts
  std::function<Status()> reload;                                  // POST /-/reload
};

// Thread-safety: Start/Stop/destructor from one owning thread. Requests are served concurrently
// on the HTTP server's threads; RenderMetrics/RenderLanding/HandleRequest are thread-safe (they
// only read the thread-safe SnapshotStore, immutable options and the providers, which must be
// thread-safe themselves).
class WebApp {
 public:
  // `store` must outlive the WebApp.
  WebApp(WebAppOptions options, const SnapshotStore& store);
  ~WebApp();  // Stop()
  WebApp(const WebApp&) = delete;
  WebApp& operator=(const WebApp&) = delete;

  // Binds the listen address and starts serving. Errors (address in use, ...) are returned.
  Status Start();
  void Stop();
  // The bound port after Start (useful with port 0).
  int Port() const;

  // The /metrics body: all families, sorted by name, series sorted by labels; a family that
  // appears in several snapshots is emitted once with the series of all of them.
  std::string RenderMetrics() const;
  // The agent's own families (build info, collector and member self-metrics, process), as in
  // /metrics but without the collectors' snapshots and the extra_metrics providers.
  MetricSet SelfMetrics() const;
  // The landing page HTML.
  const std::string& RenderLanding() const { return landing_; }
  // Routes one request (what the HTTP server calls). Never throws.
  net::HttpResponse HandleRequest(const net::HttpRequest& request) const;

 private:
  void Serve(const net::HttpRequest& request, net::HttpExchange& exchange) const;
  void AppendSelfMetrics(const std::vector<SnapshotPtr>& snapshots, MetricSet& out) const;

  WebAppOptions options_;
  const SnapshotStore& store_;
  ProcessMetricsReader process_reader_;
  std::string landing_;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace nca::exporter
