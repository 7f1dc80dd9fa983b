// Neo4jMetricsCollector ("neo4j_metrics"): scrapes each monitored member's own Prometheus
// endpoint (Neo4j's server.metrics.prometheus.endpoint, default port 2004, path /metrics) and
// relays its series under stable names with the database as a label, plus `neo4j_cluster` and
// `member` (mapping: neo4j_metrics_mapping.h; docs/neo4j-metrics.md). A member whose endpoint is
// disabled, refused, slow, huge or not Prometheus text relays nothing and is reported in
// neo4j_metrics_scrape_success / neo4j_metrics_scrape_errors_total{reason} and in the log (once
// per change); the other members are not affected, and it is not a failure of the collector.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "collectors/collector.h"
#include "collectors/neo4j_metrics_mapping.h"

namespace re2 {
class RE2;
}

namespace nca::collectors {

// Where a member serves Neo4j's metrics: its configured `metrics_url`, else the member URL's
// host with the cluster's scheme, port and path (http://10.0.0.7:7474 -> http://10.0.0.7:2004/
// metrics). "" when the member URL has no host.
std::string Neo4jMetricsUrl(const std::string& member_url, const std::string& configured_url,
                            const config::Neo4jMetricsEndpoint& endpoint);

// Thread-compatible: keeps state between runs (databases seen, error counters, the last error of
// each member for logging on change) without locking; the Scheduler never runs it concurrently
// with itself.
class Neo4jMetricsCollector final : public Collector {
 public:
  Neo4jMetricsCollector();
  ~Neo4jMetricsCollector() override;
  CollectOutcome Collect(const CollectContext& ctx) override;

 private:
  using MemberKey = std::pair<std::string, std::string>;  // (cluster, member)
  // Compiled include/exclude expressions, rebuilt when the configuration's text changes.
  void CompileFilters(const config::Neo4jMetricsRelayConfig& relay);

  std::map<MemberKey, std::set<std::string>> databases_;  // database names seen per member
  std::map<MemberKey, std::map<std::string, double>> errors_total_;  // by reason
  std::map<MemberKey, std::string> last_error_;                      // "" = last scrape relayed
  std::string include_text_;
  std::string exclude_text_;
  std::unique_ptr<re2::RE2> include_;
  std::unique_ptr<re2::RE2> exclude_;
  // How each Neo4j family maps, kept across members and runs (the names repeat on every scrape).
  Neo4jMetricsMapper mapper_;
};

}  // namespace nca::collectors
