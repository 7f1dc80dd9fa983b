// CrossClusterLatencyCollector ("cross_cluster_latency"): how well this agent's cluster reaches
// its peer clusters. For each pair (source -> target) it times, concurrently and without a
// driver:
//   tcp_connect     TCP connection to the target's Bolt endpoint (ClusterConfig::bolt_endpoint)
//   bolt_handshake  the Bolt version negotiation round trip on that connection (neo4j/probes.h)
//   http_discovery  GET <http endpoint>/ (Accept: application/json) on the target's HTTP
//                   endpoint: ClusterConfig::http_endpoint, or http://<bolt host>:7474 when the
//                   Bolt port is 7687 (CrossClusterConfig::http_probe switches it off)
// Source: CrossClusterConfig::source, else the first cluster of the run; targets: every other
// cluster with a Bolt or HTTP endpoint. Host names are resolved through
// CollectServices::resolve, bounded by the probe timeout and the run's deadline.
//
// Each probe is bounded by CrossClusterConfig::probe_timeout and never runs past the run's
// deadline; every Bolt probe of a run runs in one ProbeRunner::Run and every HTTP probe is
// submitted to the HttpEngine at once, so a partitioned peer costs one probe timeout, not one per
// peer. A failed latest probe sets neo4j_cross_cluster_latency_seconds to +Inf: a partition never
// looks like a stale good latency. Metrics: docs/metrics.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collectors/collector.h"
#include "exporter/metric_set.h"

namespace nca::collectors {

// Phase names (the `phase` label).
inline constexpr char kPhaseTcpConnect[] = "tcp_connect";
inline constexpr char kPhaseBoltHandshake[] = "bolt_handshake";
inline constexpr char kPhaseHttpDiscovery[] = "http_discovery";

// Thread-compatible: counters and histograms accumulate in the collector across runs without
// locking; the Scheduler never runs it concurrently with itself.
class CrossClusterLatencyCollector final : public Collector {
 public:
  // Upper bounds of neo4j_cross_cluster_probe_duration_seconds (1 ms .. 10 s).
  static const std::vector<double>& DurationBuckets();

  CollectOutcome Collect(const CollectContext& ctx) override;

 private:
  struct PhaseState {
    exporter::HistogramCounts durations{DurationBuckets()};
    std::map<std::string, double> failures;  // reason -> count
  };
  struct PairState {
    std::map<std::string, PhaseState> phases;
    std::int64_t consecutive_failures = 0;
    std::optional<SystemTime> last_success;
    bool failing = false;  // the latest probe failed (for logging transitions)
  };
  // (source cluster, target cluster) -> accumulated state; pairs no longer probed are dropped.
  std::map<std::pair<std::string, std::string>, PairState> pairs_;
};

}  // namespace nca::collectors
