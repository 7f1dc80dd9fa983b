#include "agent/agent.h"

#include <utility>

#include "collectors/registry.h"
#include "common/logging.h"

namespace nca::agent {
namespace {

std::string DialectName(neo4j::Dialect d) { return d == neo4j::Dialect::kV4 ? "4" : "5"; }

std::string TransportName(neo4j::CypherTransport t) {
  return t == neo4j::CypherTransport::kQueryApi ? "query_api" : "tx";
}

}  // namespace

Agent::Agent(config::Config config, const Clock& clock)
    : config_(std::move(config)), clock_(clock) {}

Agent::~Agent() { Stop(); }

Result<std::unique_ptr<Agent>> Agent::Create(config::Config config, const Clock& clock) {
  if (config.clusters.empty()) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "no clusters configured: use --cluster NAME=URL or --config FILE");
  }
  auto log = GetLogger("agent");
  std::unique_ptr<Agent> agent(new Agent(std::move(config), clock));
  agent->engine_ = std::make_unique<neo4j::HttpEngine>(clock);

  // Member clients first: the cluster handles point into them. config_.clusters is not modified
  // after this point, so ClusterHandle::config pointers stay valid.
  for (const auto& cluster : agent->config_.clusters) {
    if (cluster.tls.insecure_skip_verify) {
      log->warn(
          "msg=\"TLS certificate verification is disabled for this cluster "
          "(insecure_skip_verify): connections can be intercepted\" neo4j_cluster={}",
          cluster.name);
    }
    collectors::ClusterHandle handle;
    handle.config = &cluster;
    auto options = neo4j::MemberClientOptions::FromCluster(cluster);
    for (const auto& member : cluster.members) {
      neo4j::MemberRef ref{cluster.name, member.name, member.url};
      agent->members_.push_back(
          std::make_unique<neo4j::MemberClient>(ref, options, *agent->engine_, clock));
      handle.members.push_back(agent->members_.back().get());
    }
    agent->clusters_.push_back(std::move(handle));
  }

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
  agent->scheduler_ = std::make_unique<collectors::Scheduler>(
      std::move(scheduled), agent->clusters_, clock, agent->store_);

  exporter::WebAppOptions web;
  web.listen_address = agent->config_.web.listen_address;
  web.telemetry_path = agent->config_.web.telemetry_path;
  web.collectors = std::move(enabled);
  web.clusters = exporter::SummariseClusters(agent->config_.clusters);
  Agent* self = agent.get();
  web.ready = [self] { return self->scheduler_->AllRanOnce(); };
  web.member_status = [self] { return self->MemberStatuses(); };
  agent->web_ = std::make_unique<exporter::WebApp>(std::move(web), agent->store_);
  return agent;
}

Status Agent::Start() {
  if (auto st = web_->Start(); !st.ok()) {
    return st;
  }
  scheduler_->Start();
  return OkStatus();
}

void Agent::Stop() {
  if (web_) {
    web_->Stop();
  }
  if (scheduler_) {
    scheduler_->Stop();
  }
}

int Agent::Port() const { return web_->Port(); }

std::vector<exporter::MemberStatus> Agent::MemberStatuses() const {
  std::vector<exporter::MemberStatus> out;
  out.reserve(members_.size());
  for (const auto& m : members_) {
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
