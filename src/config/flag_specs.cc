#include "config/flag_specs.h"

#include <spdlog/fmt/fmt.h>

#include "config/config.h"
#include "config/loader.h"

namespace nca::config::flags {
namespace {

std::string CollectorDescription(const std::string& name) {
  if (name == "role") {
    return "Raft role, leader flag, writable/available endpoints and health per member and "
           "database";
  }
  if (name == "quorum") {
    return "voting members, available voters and quorum state per database";
  }
  if (name == "replication_lag") {
    return "applied index, last committed transaction and lag per member and database";
  }
  if (name == "failover") {
    return "leader changes observed since start-up and the current leader per database";
  }
  if (name == "zone_skew") {
    return "members per zone and role, topology-spread skew, zone-loss survivability and "
           "distribution health per cluster";
  }
  if (name == "cross_cluster_latency") {
    return "TCP, Bolt handshake and HTTP round trips from this agent's cluster to every peer "
           "cluster";
  }
  if (name == "neo4j_metrics") {
    return "Neo4j's own Prometheus metrics of each monitored member, relayed with the database "
           "as a label";
  }
  return "the " + name + " collector";
}

}  // namespace

std::vector<FlagSpec> BuildSpecs() {
  const HttpConfig http;
  const WebConfig web;
  const LogConfig log;
  const CredentialsConfig credentials;
  const AlertingConfig alerting;
  std::vector<FlagSpec> s = {
      {"help", Kind::kBool, Id::kHelp, "", "", "", "Show this help and exit.", false},
      {"version", Kind::kBool, Id::kVersion, "", "", "", "Show the version and exit.", false},
      {"config", Kind::kValue, Id::kConfig, "", "FILE", "",
       "YAML configuration file (see docs/configuration.md); flags override it.", false},
      {"cluster", Kind::kValue, Id::kCluster, "", "NAME=URL[,URL...]", "",
       "Monitor the cluster NAME with these member URLs (members named host:port). Repeatable.",
       true},
      {"cluster-spec", Kind::kValue, Id::kClusterSpec, "", "FILE", "",
       "Read a Neo4jEnterpriseCluster manifest (seed 004): its clusters, regions, endpoints and "
       "placement rules; merged with the configured clusters of the same name. Repeatable.",
       true},
      {"neo4j.username-file", Kind::kValue, Id::kUsernameFile, "", "FILE", "",
       fmt::format("File holding the Neo4j username, for clusters without their own credentials "
                   "(default source: the {} environment variable).",
                   credentials.username_env),
       false},
      {"neo4j.password-file", Kind::kValue, Id::kPasswordFile, "", "FILE", "",
       fmt::format("File holding the Neo4j password, for clusters without their own credentials "
                   "(default source: the {} environment variable).",
                   credentials.password_env),
       false},
      {"neo4j.auth-file", Kind::kValue, Id::kAuthFile, "", "FILE", "",
       "File holding \"user/password\" (or \"none\"), as the Neo4j Helm chart's Secret key "
       "NEO4J_AUTH, for clusters without their own credentials; not with "
       "--neo4j.username-file/--neo4j.password-file.",
       false},
      {"neo4j.tls.ca-file", Kind::kValue, Id::kTlsCaFile, "", "FILE", "",
       "CA certificate file to verify https members (default: system CAs).", false},
      {"neo4j.tls.cert-file", Kind::kValue, Id::kTlsCertFile, "", "FILE", "",
       "Client certificate file for https members (needs --neo4j.tls.key-file).", false},
      {"neo4j.tls.key-file", Kind::kValue, Id::kTlsKeyFile, "", "FILE", "",
       "Client private key file for https members (needs --neo4j.tls.cert-file).", false},
      {"neo4j.tls.server-name", Kind::kValue, Id::kTlsServerName, "", "NAME", "",
       "Server name for SNI and certificate verification (default: the member's host).", false},
      {"neo4j.tls.insecure-skip-verify", Kind::kBool, Id::kTlsInsecureSkipVerify, "", "", "false",
       "Do not verify https members' certificates (insecure; logs a warning).", false},
      {"neo4j.connect-timeout", Kind::kValue, Id::kConnectTimeout, "", "DURATION",
       FormatDuration(http.connect_timeout), "Timeout for connecting to a member.", false},
      {"neo4j.request-timeout", Kind::kValue, Id::kRequestTimeout, "", "DURATION",
       FormatDuration(http.request_timeout), "Total timeout of one HTTP request to a member.",
       false},
      {"neo4j.max-response-bytes", Kind::kValue, Id::kMaxResponseBytes, "", "SIZE",
       FormatByteSize(http.max_response_bytes),
       "Largest response body accepted from a member (bytes, KiB, MiB, GiB).", false},
      {"web.listen-address", Kind::kValue, Id::kListenAddress, "", "ADDRESS", web.listen_address,
       "Address on which to expose metrics and the web interface.", false},
      {"web.telemetry-path", Kind::kValue, Id::kTelemetryPath, "", "PATH", web.telemetry_path,
       "Path under which to expose metrics.", false},
      {"web.config.file", Kind::kValue, Id::kWebConfigFile, "", "FILE", "",
       "Path to a configuration file that can enable TLS or authentication (the Prometheus "
       "exporter-toolkit format: tls_server_config, basic_auth_users, http_server_config, "
       "rate_limit). Re-read when it changes. See docs/web-security.md.",
       false},
      {"kubernetes.mode", Kind::kValue, Id::kKubeMode, "", "MODE", "auto",
       "Kubernetes API access: auto (in-cluster when KUBERNETES_SERVICE_HOST is set), off, "
       "in_cluster or explicit (--kubernetes.api-url).",
       false},
      {"kubernetes.api-url", Kind::kValue, Id::kKubeApiUrl, "", "URL", "",
       "Kubernetes API server URL (implies --kubernetes.mode=explicit unless set).", false},
      {"kubernetes.ca-file", Kind::kValue, Id::kKubeCaFile, "", "FILE", "",
       "CA certificate of the Kubernetes API server (explicit mode).", false},
      {"kubernetes.token-file", Kind::kValue, Id::kKubeTokenFile, "", "FILE", "",
       "File holding the bearer token for the Kubernetes API (re-read when it changes).", false},
      {"kubernetes.namespace", Kind::kValue, Id::kKubeNamespace, "", "NAMESPACE", "",
       "Namespace of the Neo4j pods (default: the service account's namespace).", false},
      {"kubernetes.node-name", Kind::kValue, Id::kKubeNodeName, "", "NODE", "",
       "Node this agent runs on, for node-local pod discovery (default: the NODE_NAME "
       "environment variable, set from the downward API).",
       false},
      {"kubernetes.service-account-dir", Kind::kValue, Id::kKubeServiceAccountDir, "", "DIR",
       "/var/run/secrets/kubernetes.io/serviceaccount",
       "Directory of the service account's token, ca.crt and namespace files (in-cluster mode).",
       false},
      {"kubernetes.cluster-resource", Kind::kValue, Id::kKubeClusterResource, "", "NAMESPACE/NAME",
       "",
       "Read this Neo4jEnterpriseCluster custom resource from the Kubernetes API at start-up, "
       "like --cluster-spec. Repeatable.",
       true},
      {"cross-cluster.source", Kind::kValue, Id::kCrossClusterSource, "", "CLUSTER", "",
       "The cluster this agent runs in: cross-cluster probes go from it to every other cluster "
       "with an endpoint (default: the node-local pods' cluster, else the first cluster).",
       false},
      {"cross-cluster.probe-timeout", Kind::kValue, Id::kCrossClusterProbeTimeout, "", "DURATION",
       "2s", "Timeout of one cross-cluster probe.", false},
      {"collector.neo4j_metrics.include", Kind::kValue, Id::kNeo4jMetricsInclude, "", "REGEX", "",
       "Relay only Neo4j metrics whose relayed name (e.g. neo4j_transaction_committed_total) "
       "fully matches this RE2 expression (default: all).",
       false},
      {"collector.neo4j_metrics.exclude", Kind::kValue, Id::kNeo4jMetricsExclude, "", "REGEX", "",
       "Do not relay Neo4j metrics whose relayed name fully matches this RE2 expression.", false},
      {"collector.neo4j_metrics.series-limit", Kind::kValue, Id::kNeo4jMetricsSeriesLimit, "", "N",
       std::to_string(Neo4jMetricsRelayConfig{}.series_limit),
       "Most Neo4j series relayed per member; the rest are dropped and counted in "
       "neo4j_metrics_dropped_series{reason=\"limit\"}.",
       false},
      {"collector.disable-defaults", Kind::kBool, Id::kCollectorDisableDefaults, "", "", "false",
       "Disable every collector not explicitly enabled (by --collector.NAME or the config file).",
       false},
  };
  for (const auto& name : KnownCollectors()) {
    const CollectorSettings collector = DefaultCollectorSettings(name);
    s.push_back({"collector." + name, Kind::kBool, Id::kCollectorEnable, name, "",
                 collector.enabled ? "enabled" : "disabled",
                 fmt::format("Enable the {} collector: {}.", name, CollectorDescription(name)),
                 false});
    s.push_back({fmt::format("collector.{}.interval", name), Kind::kValue, Id::kCollectorInterval,
                 name, "DURATION", FormatDuration(collector.interval),
                 fmt::format("How often the {} collector runs (minimum 1s).", name), false});
    s.push_back({fmt::format("collector.{}.timeout", name), Kind::kValue, Id::kCollectorTimeout,
                 name, "DURATION", FormatDuration(DefaultCollectorTimeout(collector.interval)),
                 fmt::format("Deadline of one {} run (at most the interval; when unset: "
                             "min(4s, interval)).",
                             name),
                 false});
  }
  const std::vector<FlagSpec> alerting_specs = {
      {"rules.enabled", Kind::kBool, Id::kRulesEnabled, "", "", alerting.enabled ? "true" : "false",
       "Evaluate alert rules in the agent and send the alerts to the Alertmanagers.", false},
      {"rules.file", Kind::kValue, Id::kRulesFile, "", "PATTERN", "",
       "Prometheus rule file or glob, relative to the working directory; added to the config "
       "file's alerting.rule_files (default when none: the shipped rules). Repeatable.",
       true},
      {"rules.manifest", Kind::kBool, Id::kRulesManifest, "", "",
       alerting.manifest_rules ? "true" : "false",
       "Also evaluate the alerts of the cluster manifests' spec.monitoring section.", false},
      {"rules.evaluation-interval", Kind::kValue, Id::kRulesEvaluationInterval, "", "DURATION",
       FormatDuration(alerting.evaluation_interval),
       "How often rule groups without their own interval are evaluated.", false},
      {"rules.external-label", Kind::kValue, Id::kRulesExternalLabel, "", "NAME=VALUE", "",
       "Label added to the alerts sent to Alertmanager (unless the alert has it); wins over the "
       "config file's label of the same name. Repeatable.",
       true},
      {"rules.external-url", Kind::kValue, Id::kRulesExternalUrl, "", "URL", "",
       "URL under which the agent is reachable, base of the alerts' generatorURL (default: "
       "http://<hostname>:<web port>).",
       false},
      {"rules.resend-delay", Kind::kValue, Id::kRulesResendDelay, "", "DURATION",
       FormatDuration(alerting.resend_delay),
       "Minimum time before a firing alert is sent to Alertmanager again.", false},
      {"alertmanager.url", Kind::kValue, Id::kAlertmanagerUrl, "", "URL", "",
       "Alertmanager base URL (alerts are POSTed to URL/api/v2/alerts); added to the config "
       "file's alerting.alertmanagers. No user info here: URLs with credentials go in the "
       "config file. Repeatable.",
       true},
      {"alertmanager.timeout", Kind::kValue, Id::kAlertmanagerTimeout, "", "DURATION",
       FormatDuration(alerting.alertmanager_timeout), "Timeout of one request to an Alertmanager.",
       false},
  };
  s.insert(s.end(), alerting_specs.begin(), alerting_specs.end());
  s.push_back({"log.level", Kind::kValue, Id::kLogLevel, "", "LEVEL", log.level,
               "Only log messages with the given severity or above: debug, info, warn, error.",
               false});
  s.push_back({"log.format", Kind::kValue, Id::kLogFormat, "", "FORMAT", log.format,
               "Output format of log messages: logfmt or json.", false});
  return s;
}

}  // namespace nca::config::flags
