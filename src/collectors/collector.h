// The collector interface: one collector, one concern. A collector is run periodically by the
// Scheduler (collectors/scheduler.h) on its own thread, with a deadline; it fans out to the
// members through MemberApi (never blocking past the deadline) and returns a MetricSet that the
// scheduler publishes as an immutable snapshot. Collectors never touch the scrape path.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "exporter/metric_set.h"
#include "kube/objects.h"
#include "neo4j/member_api.h"

namespace nca::neo4j {
class HttpEngine;
}

namespace nca::collectors {

// Label names used by every collector. `cluster`, `instance`, `job`, `region` and `zone` are left
// to Prometheus target labels (the seed scrape config adds `cluster`); ours are prefixed.
inline constexpr char kClusterLabel[] = "neo4j_cluster";
inline constexpr char kMemberLabel[] = "member";
inline constexpr char kDatabaseLabel[] = "database";

// One monitored cluster: its configuration and its members' APIs (not owned).
struct ClusterHandle {
  const config::ClusterConfig* config = nullptr;
  std::vector<neo4j::MemberApi*> members;
};

// One consistent set of monitored clusters. With Kubernetes discovery the set changes at run
// time: the agent publishes a new immutable ClusterSet and `keepalive` keeps the member clients
// the handles point to alive for as long as a run uses the set.
struct ClusterSet {
  std::vector<ClusterHandle> clusters;
  std::shared_ptr<const void> keepalive;
};

// Read-only access to the Kubernetes objects the topology collectors need. Implemented by the
// agent over kube::KubeClient; tests inject fakes. Implementations are thread-safe; calls block
// the calling (collector) thread, never past `deadline`.
class KubeView {
 public:
  virtual ~KubeView() = default;
  virtual Result<std::vector<kube::Node>> Nodes(MonoTime deadline) = 0;
  // Pods of `namespace_name` ("" = DefaultNamespace()) matching `label_selector`.
  virtual Result<std::vector<kube::Pod>> Pods(const std::string& namespace_name,
                                              const std::string& label_selector,
                                              MonoTime deadline) = 0;
  virtual std::string DefaultNamespace() const = 0;
};

// Clients for servers of a monitored cluster that the agent does not monitor itself, learned from
// Neo4j's own cluster view (SHOW SERVERS `httpAddress`, 4.4 dbms.cluster.overview() `addresses`):
// the quorum collector asks them for /dbms/cluster/status to cross-check a node-local view.
// Implementations cache the clients (the cluster's credentials, TLS and HTTP settings) and are
// thread-safe; a client stays valid while the caller holds it.
class PeerDirectory {
 public:
  virtual ~PeerDirectory() = default;
  // A client for the server `name` at `url` (e.g. http://10.0.0.7:7474) of `cluster`; nullptr
  // when none can be made.
  virtual std::shared_ptr<neo4j::MemberApi> Peer(const config::ClusterConfig& cluster,
                                                 const std::string& name,
                                                 const std::string& url) = 0;
};

// Resolves a host name (or numeric address) to numeric IPv4/IPv6 addresses, never blocking past
// `deadline`. Must be thread-safe.
using HostResolver =
    std::function<Result<std::vector<std::string>>(const std::string& host, MonoTime deadline)>;

// Services shared by every run, owned by the agent (all optional; nullptr when not available).
struct CollectServices {
  const config::Config* config = nullptr;  // the whole configuration (cross_cluster, kubernetes)
  KubeView* kube = nullptr;                // nullptr: Kubernetes API not configured
  neo4j::HttpEngine* http = nullptr;       // for requests outside MemberApi (probes)
  const HostResolver* resolve = nullptr;   // nullptr: numeric hosts only
  PeerDirectory* peers = nullptr;          // nullptr: no cross-check of other servers
};

struct CollectContext {
  const Clock* clock = nullptr;
  MonoTime deadline;  // answers not in by then count as timeouts for this run
  const std::vector<ClusterHandle>* clusters = nullptr;
  CollectServices services;
};

// What one run produced. `metrics` is published even when `error` is set (partial results);
// `error` marks the run as failed (neo4j_agent_collector_success 0) and is logged.
struct CollectOutcome {
  exporter::MetricSet metrics;
  std::optional<Error> error;
};

// Implementations are called from one scheduler thread at a time (never concurrently with
// themselves), so they may keep state between runs (e.g. the failover collector's last leader)
// without locking.
class Collector {
 public:
  virtual ~Collector() = default;
  virtual CollectOutcome Collect(const CollectContext& ctx) = 0;
};

using CollectorPtr = std::unique_ptr<Collector>;

}  // namespace nca::collectors
