// The agent's configuration: what the YAML file (--config) and the flags produce. Plain values.
// Loading and validation live in config/loader.h; nothing here does I/O.
//
// Secrets: only the *sources* of credentials (file paths, environment variable names) are kept
// here. The secret values are read by config::ResolveCredentials at use time and are never
// logged, formatted or exported.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nca::config {

using Seconds = std::chrono::duration<double>;

struct TlsConfig {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;            // SNI / verification name override
  bool insecure_skip_verify = false;  // explicit only; logs a warning when used
};

// Where the username and password come from. Files win over environment variables.
struct CredentialsConfig {
  std::string username_file;
  std::string password_file;
  // One file holding "user/password", as the Neo4j Helm chart's Secret key NEO4J_AUTH ("none":
  // no credentials). Excludes the two files above and the environment variables.
  std::string auth_file;
  std::string username_env = "NEO4J_USERNAME";
  std::string password_env = "NEO4J_PASSWORD";
};

struct HttpConfig {
  Seconds connect_timeout{2.0};
  Seconds request_timeout{5.0};               // total per request
  std::size_t max_response_bytes = 8u << 20;  // 8 MiB
};

struct MemberConfig {
  std::string name;  // defaults to host:port of url
  std::string url;   // http(s)://host:port
  std::string zone;  // static zone (optional)
  // Neo4j's own Prometheus endpoint of this member (http(s)://host:port/path); "" = derived from
  // `url` and the cluster's Neo4jMetricsEndpoint.
  std::string metrics_url;
};

// Where a cluster's members serve Neo4j's own Prometheus metrics: Neo4j's
// server.metrics.prometheus.endpoint (5.x/2025.x) / metrics.prometheus.endpoint (4.x), default
// localhost:2004, path /metrics (../shared/reference/neo4j/INTERFACES.md §4.1). The agent derives
// each member's endpoint from the member's host and these; Neo4j must listen on an address the
// agent can reach (e.g. 0.0.0.0:2004), not the default localhost.
struct Neo4jMetricsEndpoint {
  std::string scheme = "http";
  int port = 2004;
  std::string path = "/metrics";
  std::string prefix = "neo4j";  // Neo4j's metrics.prefix / server.metrics.prefix
};

// Expected topology, as in a Neo4jEnterpriseCluster's nodeAllocation.
struct ExpectedTopology {
  std::optional<int> primaries;
  std::optional<int> secondaries;
};

// Where a cluster's members are supposed to run: the placement rules of a Neo4jEnterpriseCluster
// manifest (spec.topology) or of the config file's `placement:` section. The zone-skew collector
// evaluates them exactly as kube-scheduler evaluates a topologySpreadConstraint.
struct PlacementConfig {
  // Zones the cluster is meant to span; listed zones without members count as empty domains.
  std::vector<std::string> availability_zones;
  std::string topology_key = "topology.kubernetes.io/zone";
  int max_skew = 1;
  int min_domains = 1;
  bool do_not_schedule = true;  // whenUnsatisfiable: DoNotSchedule (true) / ScheduleAnyway
  std::string anti_affinity;    // "", "required" or "preferred"
  std::map<std::string, std::string> node_selector;  // nodes outside it are not eligible
};

// How the cluster's pods are found through the Kubernetes API.
struct ClusterKubeConfig {
  std::string namespace_name;  // "" = the agent's own namespace
  // Label selector of the cluster's pods; "" = by convention (kube::ClusterPodSelectors:
  // "<kubernetes.cluster_label>=<name>" when that is set, else "neo4j.com/cluster=<name>", then
  // "helm.neo4j.com/neo4j.name=<name>").
  std::string pod_selector;
};

struct ClusterConfig {
  std::string name;
  std::string region;
  std::vector<MemberConfig> members;
  // Addresses of the cluster as a whole (its Service), used by the cross-cluster latency probes:
  // Bolt "host:port" (a manifest's `endpoint`) and HTTP base URL. "" when unknown; an empty
  // http_endpoint with a Bolt port of 7687 means the same host on 7474 (Neo4j's defaults).
  std::string bolt_endpoint;
  std::string http_endpoint;
  PlacementConfig placement;
  ClusterKubeConfig kubernetes;
  std::vector<std::string> spec_sources;  // manifests this cluster was described in
  std::vector<std::string> databases;     // empty: every database the members report
  CredentialsConfig credentials;
  TlsConfig tls;
  HttpConfig http;
  ExpectedTopology expected;
  Neo4jMetricsEndpoint neo4j_metrics;
};

struct CollectorSettings {
  bool enabled = true;
  Seconds interval{5.0};
  Seconds timeout{4.0};  // deadline of one run; must be <= interval
};

struct WebConfig {
  std::string listen_address = ":9474";
  std::string telemetry_path = "/metrics";
  // --web.config.file: exporter-toolkit's TLS / basic auth file (net/web_security.h); "" = none.
  std::string config_file;
};

struct LogConfig {
  std::string level = "info";     // debug, info, warn, error
  std::string format = "logfmt";  // logfmt, json
};

// Access to the Kubernetes API (kube/kube_config.h) and node-local discovery.
struct KubernetesConfig {
  enum class Mode {
    kAuto,  // in-cluster when KUBERNETES_SERVICE_HOST is set, otherwise off
    kOff,
    kInCluster,  // service-account token, CA and namespace; error when not in a pod
    kExplicit,   // api_url + token_file (+ ca_file)
  };
  Mode mode = Mode::kAuto;
  std::string api_url;
  std::string ca_file;
  std::string token_file;
  bool insecure_skip_verify = false;
  std::string namespace_name;  // "" = the service account's namespace (in-cluster) or "default"
  // The node this agent runs on (downward API NODE_NAME). When set, the agent monitors the Neo4j
  // pods scheduled on this node (fieldSelector spec.nodeName) in addition to configured members.
  std::string node_name;
  // In-cluster mode: where the kubelet mounts the service account's token, ca.crt and namespace
  // (client-go's rest.InClusterConfig reads the same fixed path).
  std::string service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
  // Which pods are Neo4j members (kube/discovery.h). Both empty (the default): the label
  // conventions of the Neo4j Kubernetes operator (`neo4j.com/cluster`) and of the Neo4j Helm
  // chart (`helm.neo4j.com/neo4j.name`), told apart per pod. Either set: the "custom"
  // convention, i.e. list with `pod_selector` (default "app.kubernetes.io/name=neo4j") and take
  // the cluster from the `cluster_label` label (default "neo4j.com/cluster").
  std::string pod_selector;                   // node-local discovery label selector
  std::string cluster_label;                  // pod label naming the Neo4j cluster
  std::string role_label = "neo4j.com/role";  // optional pod label: primary / secondary
  std::string http_scheme = "http";
  int http_port = 7474;
  Seconds discovery_interval{30.0};
  // Neo4jEnterpriseCluster custom resources to read as --cluster-spec, "namespace/name".
  std::vector<std::string> cluster_resources;
};

// What the neo4j_metrics collector relays of each member's Neo4j metrics.
struct Neo4jMetricsRelayConfig {
  std::string include;  // RE2, must match the whole relayed name; "" = every name
  std::string exclude;  // RE2, whole name; "" = none
  // Series relayed per member at most (the rest are dropped and counted in
  // neo4j_metrics_dropped_series{reason="limit"}).
  std::size_t series_limit = 5000;
  // Largest answer read from a member's endpoint (a 5.x member with a few databases serves
  // ~50-200 KB).
  std::size_t max_response_bytes = 8u << 20;
};

// The cross-cluster latency collector's settings.
struct CrossClusterConfig {
  // This agent's cluster: probes go from here to every other cluster with an endpoint. "" = the
  // cluster of the node-local pods, else the first configured cluster.
  std::string source;
  Seconds probe_timeout{2.0};  // per probe (TCP connect + Bolt handshake, and HTTP)
  bool http_probe = true;      // also time GET / on the peer's HTTP endpoint
};

// Local alert evaluation (src/alerts/manager.h) and notification (src/alerts/notifier.h).
struct AlertingConfig {
  // false: no rules are loaded or evaluated and nothing is sent (--no-rules.enabled).
  bool enabled = true;
  // Prometheus rule files; each entry is a path or a glob pattern (`*`, `?`, `[...]` in the file
  // name part), resolved at load and at every reload. Relative paths are relative to the
  // config file's directory (to the working directory for flags). Empty: the shipped rules
  // (rules/prometheus/, compiled into the binary).
  std::vector<std::string> rule_files;
  // Also translate the spec.monitoring section of the cluster manifests into rules.
  bool manifest_rules = true;
  Seconds evaluation_interval{15.0};  // groups without `interval:`
  // Added to alerts sent to Alertmanager (when absent) and available as $externalLabels.
  std::map<std::string, std::string> external_labels;
  // Base of the alerts' generatorURL and $externalURL; "" = http://<hostname>:<web port>.
  std::string external_url;
  // Alertmanager base URLs; alerts are POSTed to <url>/api/v2/alerts. Empty: no notifications.
  std::vector<std::string> alertmanager_urls;
  Seconds alertmanager_timeout{10.0};
  // Minimum time before an unchanged firing alert is sent again (Prometheus
  // --rules.alert.resend-delay).
  Seconds resend_delay{60.0};
};

struct Config {
  std::string source;                           // file the config came from ("" for flags only)
  std::vector<std::string> cluster_spec_files;  // --cluster-spec, in order
  KubernetesConfig kubernetes;
  CrossClusterConfig cross_cluster;
  WebConfig web;
  LogConfig log;
  AlertingConfig alerting;
  Neo4jMetricsRelayConfig neo4j_metrics;
  std::vector<ClusterConfig> clusters;
  // Per collector name ("role", "quorum", "replication_lag", "failover").
  std::map<std::string, CollectorSettings> collectors;
};

}  // namespace nca::config
