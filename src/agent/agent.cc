#include "agent/agent.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <utility>

#include "collectors/registry.h"
#include "common/logging.h"
#include "config/cluster_spec.h"
#include "config/merge.h"
#include "kube/discovery.h"
#include "neo4j/resolver.h"

namespace nca::agent {
namespace {

// Prometheus' default external URL: http://<hostname>:<listen port>.
std::string DefaultExternalUrl(const std::string& listen_address) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
    std::snprintf(host, sizeof host, "localhost");
  }
  const std::size_t colon = listen_address.rfind(':');
  const std::string port = colon == std::string::npos ? "" : listen_address.substr(colon + 1);
  return "http://" + std::string(host) + (port.empty() ? "" : ":" + port);
}

std::string DialectName(neo4j::Dialect d) { return d == neo4j::Dialect::kV4 ? "4" : "5"; }

std::string TransportName(neo4j::CypherTransport t) {
  return t == neo4j::CypherTransport::kQueryApi ? "query_api" : "tx";
}

kube::EnvLookup EnvOrProcess(const kube::EnvLookup& env) { return env ? env : kube::ProcessEnv(); }

}  // namespace

Result<std::optional<kube::KubeConfig>> ResolveKubeConfig(const config::KubernetesConfig& k,
                                                          const kube::EnvLookup& env,
                                                          const std::string& service_account_dir) {
  using Mode = config::KubernetesConfig::Mode;
  std::optional<kube::KubeConfig> out;
  switch (k.mode) {
    case Mode::kOff:
      return out;
    case Mode::kAuto: {
      std::optional<std::string> host = env("KUBERNETES_SERVICE_HOST");
      if (!host || host->empty()) {
        return out;
      }
      [[fallthrough]];
    }
    case Mode::kInCluster: {
      Result<kube::KubeConfig> in = kube::InClusterConfig(env, service_account_dir);
      if (!in.ok()) {
        return MakeError(ErrorKind::kInvalidArgument,
                         "kubernetes (in-cluster): " + in.error().message);
      }
      out = std::move(*in);
      break;
    }
    case Mode::kExplicit: {
      Result<kube::KubeConfig> ex =
          kube::ExplicitConfig(k.api_url, k.ca_file, k.token_file, k.namespace_name);
      if (!ex.ok()) {
        return MakeError(ErrorKind::kInvalidArgument, "kubernetes: " + ex.error().message);
      }
      out = std::move(*ex);
      break;
    }
  }
  if (!k.namespace_name.empty()) {
    out->namespace_name = k.namespace_name;
  }
  out->insecure_skip_verify = out->insecure_skip_verify || k.insecure_skip_verify;
  return out;
}

Status LoadClusterResources(config::Config& config, const config::ClusterDefaults& defaults,
                            AgentOptions& options, const Clock& clock, Duration timeout,
                            std::vector<std::string>& notes) {
  const auto& refs = config.kubernetes.cluster_resources;
  if (refs.empty()) {
    return OkStatus();
  }
  auto kube =
      ResolveKubeConfig(config.kubernetes, EnvOrProcess(options.env), options.service_account_dir);
  if (!kube.ok()) {
    return kube.error();
  }
  if (!kube->has_value()) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "kubernetes.cluster_resources needs the Kubernetes API, but it is off (run "
                     "in a cluster or set --kubernetes.api-url)");
  }
  neo4j::HttpEngine engine(clock);
  kube::KubeClient client(**kube, engine, clock, kube::RealSleeper());
  const MonoTime deadline = clock.Monotonic() + timeout;
  std::vector<config::ClusterSpecDoc> docs;
  for (const std::string& ref : refs) {
    const std::size_t slash = ref.find('/');
    const std::string ns = ref.substr(0, slash);
    const std::string name = ref.substr(slash + 1);
    Result<std::string> json =
        client.GetCustomObject(std::string(config::kClusterSpecGroup), kClusterResourceVersion, ns,
                               kClusterResourcePlural, name, deadline);
    if (!json.ok()) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "kubernetes.cluster_resources: " + ref + ": " + json.error().message);
    }
    // A JSON document is a YAML document: the manifest reader handles both.
    Result<config::ClusterSpecDoc> doc = config::ParseClusterSpec(*json, "k8s:" + ref);
    if (!doc.ok()) {
      return doc.error();
    }
    docs.push_back(std::move(*doc));
  }
  config::MergeClusterSpecs(docs, defaults, config, notes);
  for (auto& doc : docs) {
    options.cluster_resource_docs.push_back(std::move(doc));
  }
  return config::ValidateMergedConfig(config);
}

Agent::Agent(config::Config config, const Clock& clock, AgentOptions options)
    : config_(std::move(config)),
      clock_(clock),
      options_(std::move(options)),
      store_([this](const exporter::CollectorSnapshot& s, const exporter::MetricSet& metrics) {
        // rules_ is set before Start() and never changes afterwards.
        if (rules_) {
          rules_->Ingest(s.collector, s.finished_at, metrics);
        }
      }) {}

Agent::~Agent() { Stop(); }

Result<std::unique_ptr<Agent>> Agent::Create(config::Config config, const Clock& clock,
                                             AgentOptions options) {
  if (Status st = config::ValidateMergedConfig(config); !st.ok()) {
    return st.error();
  }
  auto log = GetLogger("agent");
  options.env = EnvOrProcess(options.env);
  std::unique_ptr<Agent> agent(new Agent(std::move(config), clock, std::move(options)));
  agent->engine_ = std::make_unique<neo4j::HttpEngine>(clock);

  for (const auto& cluster : agent->config_.clusters) {
    if (cluster.tls.insecure_skip_verify) {
      log->warn(
          "msg=\"TLS certificate verification is disabled for this cluster "
          "(insecure_skip_verify): connections can be intercepted\" neo4j_cluster={}",
          cluster.name);
    }
  }

  auto kube = ResolveKubeConfig(agent->config_.kubernetes, agent->options_.env,
                                agent->options_.service_account_dir);
  if (!kube.ok()) {
    return kube.error();
  }
  if (kube->has_value()) {
    log->info("msg=\"using the Kubernetes API\" url={} namespace={}", (*kube)->api_url,
              (*kube)->namespace_name);
    if ((*kube)->insecure_skip_verify) {
      log->warn("msg=\"TLS verification of the Kubernetes API server is disabled\"");
    }
    agent->kube_client_ =
        std::make_unique<kube::KubeClient>(**kube, *agent->engine_, clock, kube::RealSleeper());
    agent->kube_view_ = std::make_unique<KubeClientView>(*agent->kube_client_);
  } else if (!agent->config_.kubernetes.node_name.empty()) {
    log->warn(
        "msg=\"a node name is set but the Kubernetes API is not available: node-local "
        "discovery is off\" node={}",
        agent->config_.kubernetes.node_name);
  }

  agent->resolver_ = neo4j::MakeSystemResolver();
  agent->directory_ = std::make_unique<MemberDirectory>(
      agent->config_.clusters, agent->options_.defaults, *agent->engine_, clock);

  // Collectors from the explicit registry table, in table order.
  std::vector<collectors::ScheduledCollector> scheduled;
  std::vector<exporter::CollectorInfo> enabled;
  for (const auto& info : collectors::AllCollectors()) {
    config::CollectorSettings settings;
    settings.enabled = info.enabled_by_default;
    if (auto it = agent->config_.collectors.find(std::string(info.name));
        it != agent->config_.collectors.end()) {
      settings = it->second;
    }
    if (!settings.enabled) {
      continue;
    }
    enabled.push_back({std::string(info.name), settings.interval.count()});
    scheduled.push_back({std::string(info.name), info.factory(), settings});
  }
  if (scheduled.empty()) {
    log->warn("msg=\"every collector is disabled: only self-metrics will be exported\"");
  }
  collectors::CollectServices services;
  services.config = &agent->config_;
  services.kube = agent->kube_view_.get();
  services.http = agent->engine_.get();
  services.resolve = agent->resolver_ ? &agent->resolver_ : nullptr;
  services.peers = agent->directory_.get();
  MemberDirectory* directory = agent->directory_.get();
  agent->scheduler_ = std::make_unique<collectors::Scheduler>(
      std::move(scheduled), [directory] { return directory->Current(); }, services, clock,
      agent->store_);

  exporter::WebAppOptions web;
  web.listen_address = agent->config_.web.listen_address;
  web.telemetry_path = agent->config_.web.telemetry_path;
  web.collectors = std::move(enabled);
  web.clusters = exporter::SummariseClusters(agent->config_.clusters);
  Agent* self = agent.get();
  web.ready = [self] { return self->scheduler_->AllRanOnce(); };
  web.member_status = [self] { return self->MemberStatuses(); };
  if (agent->kube_client_ && !agent->config_.kubernetes.node_name.empty()) {
    web.discovered_members = [self] { return self->DiscoveredCounts(); };
    web.discovery_summary = kube::DescribeDiscovery(agent->config_.kubernetes);
  }
  if (auto st = agent->CreateAlerting(web); !st.ok()) {
    return st.error();
  }
  if (!agent->config_.web.config_file.empty()) {
    // Validated completely here, before any port is bound (exporter-toolkit's web.Validate).
    auto security = net::WebSecurity::Load(agent->config_.web.config_file);
    if (!security.ok()) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "--web.config.file: " + security.error().message);
    }
    web.security = std::move(security).value();
    std::shared_ptr<net::WebSecurity> s = web.security;
    web.extra_metrics.push_back([s] {
      exporter::MetricSetBuilder b;
      b.Gauge("neo4j_agent_web_config_last_reload_successful",
              "Whether the web configuration file (--web.config.file) is in force as it is now: 0 "
              "when its latest change could not be applied (requests get 500 and new TLS "
              "connections are refused until it is fixed).")
          .Add({}, s->GetStats().last_reload_ok ? 1 : 0);
      return std::move(b).Build();
    });
  }
  agent->web_ = std::make_unique<exporter::WebApp>(std::move(web), agent->store_);
  return agent;
}

Status Agent::CreateAlerting(exporter::WebAppOptions& web) {
  const config::AlertingConfig& a = config_.alerting;
  if (!a.enabled) {
    GetLogger("agent")->info("msg=\"local rule evaluation is off\"");
    return OkStatus();
  }
  alerts::RuleManagerOptions ro;
  ro.sources.rule_files = a.rule_files;
  if (a.manifest_rules) {
    ro.sources.manifest_files = config_.cluster_spec_files;
    ro.sources.manifest_docs = options_.cluster_resource_docs;
  }
  ro.evaluation_interval_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(a.evaluation_interval).count();
  ro.resend_delay_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(a.resend_delay).count();
  ro.external_labels = a.external_labels;
  ro.external_url =
      a.external_url.empty() ? DefaultExternalUrl(config_.web.listen_address) : a.external_url;
  if (!ro.external_url.empty() && ro.external_url.back() == '/') {
    ro.external_url.pop_back();
  }
  if (!a.alertmanager_urls.empty()) {
    alerts::NotifierOptions no;
    no.alertmanager_urls = a.alertmanager_urls;
    no.external_labels = a.external_labels;
    no.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(a.alertmanager_timeout);
    if (Status st = alerts::Notifier::Validate(no); !st.ok()) {
      return MakeError(ErrorKind::kInvalidArgument, "alerting: " + st.error().message);
    }
    notifier_ = std::make_unique<alerts::Notifier>(std::move(no), *engine_, clock_);
    alerts::Notifier* notifier = notifier_.get();
    ro.notify = [notifier](std::vector<alerts::NotifyAlert> batch) {
      notifier->Send(std::move(batch));
    };
    web.extra_metrics.push_back([notifier] { return notifier->Metrics(); });
  }
  ro.self_metrics = [this] { return web_->SelfMetrics(); };
  auto manager = alerts::RuleManager::Create(std::move(ro), clock_);
  if (!manager.ok()) {
    return MakeError(ErrorKind::kInvalidArgument, "rules: " + manager.error().message);
  }
  rules_ = std::move(manager).value();
  alerts::RuleManager* rules = rules_.get();
  web.extra_metrics.push_back([rules] { return rules->Metrics(); });
  web.rules_json = [rules](const std::string& type) { return rules->RulesJson(type); };
  web.alerts_json = [rules] { return rules->AlertsJson(); };
  web.reload = [this] { return ReloadRules(); };
  return OkStatus();
}

Status Agent::ReloadRules() {
  auto log = GetLogger("rules");
  if (!rules_) {
    log->warn("msg=\"reload requested but local rule evaluation is off\"");
    return MakeError(ErrorKind::kInvalidArgument, "local rule evaluation is off");
  }
  Status st = rules_->Reload();
  if (web_) {
    web_->VolatileMetricsChanged();  // neo4j_agent_rules_last_reload_* on the next scrape
  }
  if (!st.ok()) {
    log->error("msg=\"reload failed; the previous rules stay in force\" err={}",
               LogQuote(st.error().message));
  }
  return st;
}

Status Agent::Start() {
  if (auto st = web_->Start(); !st.ok()) {
    return st;
  }
  if (kube_client_ && !config_.kubernetes.node_name.empty()) {
    // The first discovery runs before the collectors start, so their first run sees this
    // node's members (bounded by the discovery deadline).
    DiscoverOnce();
    discovery_ = std::thread([this] { DiscoveryLoop(); });
  }
  scheduler_->Start();
  if (notifier_) {
    notifier_->Start();
  }
  if (rules_) {
    rules_->Start();
  }
  return OkStatus();
}

void Agent::Stop() {
  if (web_) {
    web_->Stop();
  }
  {
    std::lock_guard lock(discovery_mu_);
    discovery_stop_ = true;
  }
  discovery_cv_.notify_all();
  if (discovery_.joinable()) {
    discovery_.join();
  }
  if (scheduler_) {
    scheduler_->Stop();
  }
  if (rules_) {
    rules_->Stop();
  }
  if (notifier_) {
    notifier_->Stop();
  }
}

void Agent::DiscoverOnce() {
  auto log = GetLogger("kube.discovery");
  const config::KubernetesConfig& k = config_.kubernetes;
  const auto budget =
      std::chrono::duration_cast<Duration>(std::min(k.discovery_interval, config::Seconds(10.0)));
  Result<std::vector<kube::Pod>> pods =
      kube_client_->ListPods(k.namespace_name, kube::NodePodSelector(k),
                             kube::NodeFieldSelector(k.node_name), clock_.Monotonic() + budget);
  if (!pods.ok()) {
    log->warn(
        "msg=\"cannot list this node's pods; keeping the previous members\" node={} reason={} "
        "err={}",
        k.node_name, ErrorKindName(pods.error().kind), LogQuote(pods.error().message));
    return;
  }
  kube::DiscoveryResult found = kube::DiscoverNodeMembers(*pods, k);
  for (const auto& skipped : found.skipped) {
    log->debug("msg=\"pod skipped\" pod={} reason={}", skipped.name, LogQuote(skipped.reason));
  }
  {
    std::vector<exporter::DiscoveredCount> counts;
    for (const auto& [key, n] : kube::CountByConvention(found.members)) {
      counts.push_back({key.first, key.second, n});
    }
    std::lock_guard lock(discovered_mu_);
    discovered_counts_ = std::move(counts);
  }
  if (directory_->SetDiscovered(found.members)) {
    std::string names;
    for (const auto& m : found.members) {
      names += (names.empty() ? "" : ",") + m.cluster + "/" + m.name;
    }
    log->info("msg=\"node-local members changed\" node={} members={}", k.node_name,
              LogQuote(names));
  }
}

void Agent::DiscoveryLoop() {
  const auto interval =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.kubernetes.discovery_interval);
  std::unique_lock lock(discovery_mu_);
  while (!discovery_cv_.wait_for(lock, interval, [this] { return discovery_stop_; })) {
    lock.unlock();
    DiscoverOnce();
    lock.lock();
  }
}

int Agent::Port() const { return web_->Port(); }

std::vector<exporter::DiscoveredCount> Agent::DiscoveredCounts() const {
  std::lock_guard lock(discovered_mu_);
  return discovered_counts_;
}

std::vector<exporter::MemberStatus> Agent::MemberStatuses() const {
  std::vector<exporter::MemberStatus> out;
  for (const auto& m : directory_->Members()) {
    const auto& ref = m->Ref();
    neo4j::MemberStats stats = m->Stats();
    exporter::MemberStatus s;
    s.cluster = ref.cluster;
    s.member = ref.name;
    s.url = ref.url;
    s.up = stats.last_success.has_value() && stats.consecutive_failures == 0;
    if (stats.discovery) {
      s.version = stats.discovery->version;
      s.edition = stats.discovery->edition;
      s.dialect = DialectName(stats.discovery->dialect);
      s.transport = TransportName(stats.discovery->transport);
    }
    s.errors_by_reason = std::move(stats.errors_by_kind);
    s.last_success = stats.last_success;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace nca::agent
