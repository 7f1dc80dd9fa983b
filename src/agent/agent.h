// Agent: wires configuration, the Neo4j member clients, Kubernetes access and node-local
// discovery, the collectors and their scheduler, the snapshot store and the web endpoints into
// one running process.
//
// Lifecycle: Create() validates and builds everything without touching the network; Start()
// binds the web listener, starts discovery and the collectors; Stop() stops all of them. Not
// thread-safe: owned and driven by main's thread; the parts it owns are thread-safe on their own.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/kube_view.h"
#include "agent/member_directory.h"
#include "alerts/manager.h"
#include "alerts/notifier.h"
#include "collectors/collector.h"
#include "collectors/scheduler.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/cluster_spec.h"
#include "config/config.h"
#include "config/loader.h"
#include "exporter/snapshot_store.h"
#include "exporter/web_app.h"
#include "kube/kube_client.h"
#include "kube/kube_config.h"
#include "neo4j/http_engine.h"

namespace nca::agent {

struct AgentOptions {
  // Settings for clusters that only discovery names (file `defaults:` + --neo4j.* flags).
  config::ClusterDefaults defaults;
  // Environment (KUBERNETES_SERVICE_HOST/PORT for in-cluster mode); empty: the process's.
  kube::EnvLookup env;
  std::string service_account_dir = kube::kServiceAccountDir;
  // Manifests read from the Kubernetes API at start-up (LoadClusterResources); their
  // spec.monitoring becomes rules like that of --cluster-spec files.
  std::vector<config::ClusterSpecDoc> cluster_resource_docs;
};

// The Kubernetes API configuration `settings` asks for: nullopt when off (or auto outside a
// cluster), an error when in_cluster is forced outside a cluster or explicit files are unreadable.
Result<std::optional<kube::KubeConfig>> ResolveKubeConfig(const config::KubernetesConfig& settings,
                                                          const kube::EnvLookup& env,
                                                          const std::string& service_account_dir);

// API version and plural of the Neo4jEnterpriseCluster custom resource.
inline constexpr char kClusterResourceVersion[] = "v1alpha1";
inline constexpr char kClusterResourcePlural[] = "neo4jenterpriseclusters";

// Reads config.kubernetes.cluster_resources ("namespace/name") from the Kubernetes API, parses
// them as --cluster-spec manifests and merges them into `config` (config::MergeClusterSpecs),
// then validates the result (config::ValidateMergedConfig). Blocks up to `timeout`. Errors name
// the resource. Meant for start-up, before Agent::Create.
// The parsed manifests are appended to options.cluster_resource_docs.
Status LoadClusterResources(config::Config& config, const config::ClusterDefaults& defaults,
                            AgentOptions& options, const Clock& clock, Duration timeout,
                            std::vector<std::string>& notes);

class Agent {
 public:
  // `clock` must outlive the agent.
  static Result<std::unique_ptr<Agent>> Create(config::Config config, const Clock& clock,
                                               AgentOptions options = {});
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Binds the listen address (errors, e.g. address in use, are returned) and starts collecting.
  Status Start();
  void Stop();

  // The bound web port (after Start).
  int Port() const;

  // Status of every monitored member, for the exporter's self-metrics. Thread-safe.
  std::vector<exporter::MemberStatus> MemberStatuses() const;

  // Members node-local discovery found, per label convention and cluster, as of the latest
  // successful listing. Thread-safe.
  std::vector<exporter::DiscoveredCount> DiscoveredCounts() const;

  // Re-reads the rule files and manifests (SIGHUP); the old rules stay on error. Thread-safe.
  Status ReloadRules();

 private:
  Agent(config::Config config, const Clock& clock, AgentOptions options);
  void DiscoveryLoop();
  void DiscoverOnce();
  // Builds the rule manager and notifier (config.alerting) and registers their endpoints and
  // metrics with `web`. Errors are configuration errors.
  Status CreateAlerting(exporter::WebAppOptions& web);

  config::Config config_;
  const Clock& clock_;
  AgentOptions options_;
  std::unique_ptr<neo4j::HttpEngine> engine_;
  std::unique_ptr<kube::KubeClient> kube_client_;
  std::unique_ptr<KubeClientView> kube_view_;
  std::unique_ptr<MemberDirectory> directory_;
  collectors::HostResolver resolver_;
  std::unique_ptr<alerts::Notifier> notifier_;
  std::unique_ptr<alerts::RuleManager> rules_;
  exporter::SnapshotStore store_;
  std::unique_ptr<collectors::Scheduler> scheduler_;
  std::unique_ptr<exporter::WebApp> web_;

  std::mutex discovery_mu_;
  std::condition_variable discovery_cv_;
  bool discovery_stop_ = false;  // guarded by discovery_mu_
  std::thread discovery_;
  mutable std::mutex discovered_mu_;
  std::vector<exporter::DiscoveredCount> discovered_counts_;  // guarded by discovered_mu_
};

}  // namespace nca::agent
