// The Simulator's lifecycle and its listeners: creation, Start/Stop, the scenario ticker,
// applying faults, and starting/stopping the member HTTP and Bolt servers, the metrics
// endpoints, the cross-cluster links and the fake Kubernetes API so they follow the model. The
// request handlers are in simulator_http.cc, the state reports in simulator_state.cc.
#include "sim/simulator.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <utility>

#include "common/logging.h"
#include "config/cluster_spec.h"
#include "sim/manifests.h"

namespace nca::sim {
namespace {

// The action as logged: a rotated Kubernetes token is not written to the log.
std::string LoggedAction(const FaultAction& action) {
  nlohmann::json j = FaultActionToJson(action);
  if (action.kind == FaultKind::kKubeToken) {
    j["token"] = action.token.empty() ? "" : "<redacted>";
  }
  return j.dump();
}

}  // namespace

Result<std::unique_ptr<Simulator>> Simulator::Create(SimConfig config, const Clock& clock,
                                                     Scenario scenario) {
  auto model = Model::Create(config, clock.Monotonic());
  if (!model) {
    return model.error();
  }
  // Dry-run the scenario on a copy so that unknown names fail now, not minutes later.
  Model dry = *model;
  for (std::size_t i = 0; i < scenario.events.size(); ++i) {
    auto st = dry.Apply(scenario.events[i].action, nullptr);
    if (!st) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "scenario event " + std::to_string(i + 1) + ": " + st.error().message);
    }
  }
  return std::unique_ptr<Simulator>(
      new Simulator(std::move(config), clock, std::move(scenario), std::move(*model)));
}

Simulator::Simulator(SimConfig config, const Clock& clock, Scenario scenario, Model model)
    : config_(std::move(config)),
      clock_(clock),
      scenario_(std::move(scenario)),
      model_(std::move(model)) {
  context_.started_wall = clock_.Now();
  servers_.resize(model_.clusters().size());
  bolts_.resize(model_.clusters().size());
  metrics_.resize(model_.clusters().size());
  for (std::size_t c = 0; c < servers_.size(); ++c) {
    servers_[c].resize(model_.clusters()[c].members.size());
    bolts_[c].resize(model_.clusters()[c].members.size());
    metrics_[c].resize(model_.clusters()[c].members.size());
  }
  link_http_.resize(model_.links().size());
  link_bolt_.resize(model_.links().size());
  for (const SimLink& l : model_.links()) {
    link_rt_.push_back(std::make_unique<LinkRuntime>());
    link_rt_.back()->to = l.to;
  }
  PublishLinks();
}

void Simulator::PublishLinks() {
  for (std::size_t li = 0; li < link_rt_.size(); ++li) {
    const SimLink& l = model_.links()[li];
    link_rt_[li]->delay_ms.store(l.delay.count());
    link_rt_[li]->cut.store(l.cut);
  }
}

Simulator::~Simulator() { Stop(); }

Status Simulator::StartMemberServer(MemberIndex mi, int port) {
  net::HttpServerOptions options;
  options.listen_address = config_.listen_host + ":" + std::to_string(port);
  options.num_threads = config_.member_threads;
  options.keep_alive_timeout = config_.keep_alive_timeout;
  auto server = std::make_unique<net::HttpServer>(
      options, [this, mi](const net::HttpRequest& req, net::HttpExchange& ex) {
        HandleMember(mi, req, ex);
      });
  auto st = server->Start();
  if (!st) {
    return st.error();
  }
  auto bolt = StartMemberBolt(mi);
  if (!bolt) {
    server->Stop();
    return bolt.error();
  }
  {
    std::lock_guard lock(mu_);
    model_.mutable_member(mi).http_port = server->Port();
  }
  servers_[static_cast<std::size_t>(mi.cluster)][static_cast<std::size_t>(mi.member)] =
      std::move(server);
  return OkStatus();
}

Status Simulator::StartMemberBolt(MemberIndex mi) {
  auto& slot = bolts_[static_cast<std::size_t>(mi.cluster)][static_cast<std::size_t>(mi.member)];
  if (slot) {
    return OkStatus();
  }
  int port = 0;
  bool allocated = false;
  std::string version;
  {
    std::lock_guard lock(mu_);
    const SimMember& m = model_.member(mi);
    port = m.bolt_port;
    allocated = m.spec.bolt_port == 0;
    version = model_.cluster(mi.cluster).spec.version;
  }
  auto listener = std::make_unique<BoltListener>(BoltVersionsFor(version), [this, mi] {
    std::lock_guard lock(mu_);
    const SimMember& m = model_.member(mi);
    return BoltBehavior{m.hung, m.slow};
  });
  bool in_use = false;
  auto st = listener->Start(config_.listen_host, port, &in_use);
  if (!st && in_use && allocated) {
    GetLogger("sim.bolt")
        ->warn("msg=\"allocated bolt port taken, using a free one\" port={}", port);
    st = listener->Start(config_.listen_host, 0);
  }
  if (!st) {
    return MakeError(st.error().kind, "bolt: " + st.error().message);
  }
  {
    std::lock_guard lock(mu_);
    model_.mutable_member(mi).bolt_port = listener->Port();
  }
  slot = std::move(listener);
  return OkStatus();
}

void Simulator::StopMemberServers(MemberIndex mi) {
  const auto c = static_cast<std::size_t>(mi.cluster);
  const auto m = static_cast<std::size_t>(mi.member);
  if (servers_[c][m]) {
    servers_[c][m]->Stop();
    servers_[c][m].reset();
  }
  if (bolts_[c][m]) {
    bolts_[c][m]->Stop();
    bolts_[c][m].reset();
  }
  if (metrics_[c][m]) {
    metrics_[c][m]->Stop();
    metrics_[c][m].reset();
  }
}

Status Simulator::SyncMetricsServers() {
  auto logger = GetLogger("sim.metrics");
  Status result = OkStatus();
  for (std::size_t c = 0; c < metrics_.size(); ++c) {
    for (std::size_t m = 0; m < metrics_[c].size(); ++m) {
      const MemberIndex mi{static_cast<int>(c), static_cast<int>(m)};
      bool want = false;
      int port = 0;
      std::string name;
      {
        std::lock_guard lock(mu_);
        const SimMember& mem = model_.member(mi);
        want = mem.up && model_.cluster(mi.cluster).spec.neo4j_metrics.enabled &&
               mem.metrics_mode != MetricsMode::kDisabled;
        port = mem.metrics_port;
        name = mem.spec.name;
      }
      auto& slot = metrics_[c][m];
      if (!want && slot) {
        slot->Stop();
        slot.reset();
        logger->info("msg=\"metrics endpoint closed\" member={} port={}", name, port);
      } else if (want && !slot) {
        net::HttpServerOptions options;
        options.listen_address = config_.listen_host + ":" + std::to_string(port);
        options.num_threads = 4;
        options.keep_alive_timeout = config_.keep_alive_timeout;
        auto server = std::make_unique<net::HttpServer>(
            options, [this, mi](const net::HttpRequest& req, net::HttpExchange& ex) {
              HandleMetrics(mi, req, ex);
            });
        if (auto st = server->Start(); !st) {
          logger->error("msg=\"metrics endpoint failed\" member={} port={} err={}", name, port,
                        LogQuote(st.error().message));
          if (result.ok()) {
            result = MakeError(st.error().kind,
                               "metrics endpoint of " + name + ": " + st.error().message);
          }
          continue;
        }
        {
          std::lock_guard lock(mu_);
          model_.mutable_member(mi).metrics_port = server->Port();
        }
        logger->log(port == 0 ? spdlog::level::debug : spdlog::level::info,
                    "msg=\"metrics endpoint listening\" member={} port={}", name, server->Port());
        slot = std::move(server);
      }
    }
  }
  return result;
}

Status Simulator::Start() {
  auto logger = GetLogger("sim.server");
  std::lock_guard slock(servers_mu_);
  {
    std::lock_guard lock(mu_);
    if (started_) {
      return OkStatus();
    }
  }
  auto fail = [&](const Error& e) -> Status {
    for (std::size_t c = 0; c < servers_.size(); ++c) {
      for (std::size_t m = 0; m < servers_[c].size(); ++m) {
        StopMemberServers(MemberIndex{static_cast<int>(c), static_cast<int>(m)});
      }
    }
    for (std::size_t l = 0; l < link_http_.size(); ++l) {
      StopLink(l);
    }
    if (kube_) {
      kube_->Stop();
      kube_.reset();
    }
    if (control_) {
      control_->Stop();
      control_.reset();
    }
    return e;
  };
  for (std::size_t c = 0; c < servers_.size(); ++c) {
    for (std::size_t m = 0; m < servers_[c].size(); ++m) {
      MemberIndex mi{static_cast<int>(c), static_cast<int>(m)};
      int port = 0;
      bool up = false;
      std::string name;
      {
        std::lock_guard lock(mu_);
        const SimMember& mem = model_.member(mi);
        port = mem.http_port;
        up = mem.up;
        name = mem.spec.name;
      }
      if (!up) {
        continue;
      }
      auto st = StartMemberServer(mi, port);
      if (!st) {
        return fail(MakeError(st.error().kind, "member " + name + ": " + st.error().message));
      }
    }
  }
  if (auto st = SyncLinks(); !st) {
    return fail(MakeError(st.error().kind, "link: " + st.error().message));
  }
  if (auto st = SyncMetricsServers(); !st) {
    return fail(st.error());
  }
  if (!config_.kube_address.empty()) {
    kube_ = std::make_unique<KubeApi>(config_.kube_address, [this] { return KubeSnapshot(); });
    kube_token_applied_.reset();
    for (const SimManifest& m : config_.manifests) {
      const auto slash = m.api_version.find('/');
      const std::string group = slash == std::string::npos ? std::string(config::kClusterSpecGroup)
                                                           : m.api_version.substr(0, slash);
      const std::string version =
          slash == std::string::npos ? m.api_version : m.api_version.substr(slash + 1);
      kube_->AddCustomObject(group, version, m.namespace_name, kClusterSpecPlural, m.name, m.json);
    }
    if (auto st = kube_->Start(); !st) {
      return fail(MakeError(st.error().kind, "Kubernetes API: " + st.error().message));
    }
    (void)SyncKubeApi();  // the token, and down if a kube_api_down came before Start()
  }
  net::HttpServerOptions options;
  options.listen_address = config_.control_address;
  options.num_threads = 4;
  control_ = std::make_unique<net::HttpServer>(
      options,
      [this](const net::HttpRequest& req, net::HttpExchange& ex) { HandleControl(req, ex); });
  auto st = control_->Start();
  if (!st) {
    return fail(MakeError(st.error().kind, "control API: " + st.error().message));
  }
  {
    std::lock_guard lock(mu_);
    control_port_ = control_->Port();
    kube_port_ = kube_ ? kube_->Port() : 0;
    started_ = true;
    started_at_ = clock_.Monotonic();
    cycle_start_ = started_at_;
    next_event_ = 0;
    model_.Advance(started_at_);
  }
  bool ticker =
      config_.ticker == TickerMode::kOn ||
      (config_.ticker == TickerMode::kAuto && dynamic_cast<const RealClock*>(&clock_) != nullptr);
  if (ticker) {
    {
      std::lock_guard lock(ticker_mu_);
      ticker_stop_ = false;
    }
    ticker_ = std::thread([this] { TickerLoop(); });
  }
  logger->info(
      "msg=\"simulator started\" clusters={} links={} control_port={} kube_port={} "
      "scenario_events={}",
      servers_.size(), link_http_.size(), control_port_, kube_port_, scenario_.events.size());
  return OkStatus();
}

void Simulator::Stop() {
  if (ticker_.joinable()) {
    {
      std::lock_guard lock(ticker_mu_);
      ticker_stop_ = true;
    }
    ticker_cv_.notify_all();
    ticker_.join();
  }
  // The control API first, without servers_mu_: its handlers may be waiting for that lock.
  if (control_) {
    control_->Stop();
    control_.reset();
  }
  std::lock_guard slock(servers_mu_);
  if (kube_) {
    kube_->Stop();
    kube_.reset();
  }
  // Members stop in parallel: each stop joins a handful of civetweb threads.
  std::vector<std::thread> stoppers;
  for (auto& cluster : servers_) {
    for (auto& s : cluster) {
      if (s) {
        stoppers.emplace_back([server = std::move(s)] { server->Stop(); });
      }
    }
  }
  for (auto& s : link_http_) {
    if (s) {
      stoppers.emplace_back([server = std::move(s)] { server->Stop(); });
    }
  }
  for (auto& cluster : metrics_) {
    for (auto& s : cluster) {
      if (s) {
        stoppers.emplace_back([server = std::move(s)] { server->Stop(); });
      }
    }
  }
  for (auto& cluster : bolts_) {
    for (auto& b : cluster) {
      if (b) {
        b->Stop();
        b.reset();
      }
    }
  }
  for (auto& b : link_bolt_) {
    if (b) {
      b->Stop();
      b.reset();
    }
  }
  for (auto& t : stoppers) {
    t.join();
  }
  std::lock_guard lock(mu_);
  if (started_) {
    GetLogger("sim.server")->info("msg=\"simulator stopped\"");
  }
  for (std::size_t l = 0; l < model_.links().size(); ++l) {
    model_.mutable_link(l).listening = false;
  }
  started_ = false;
  control_port_ = 0;
  kube_port_ = 0;
}

void Simulator::TickerLoop() {
  std::unique_lock lock(ticker_mu_);
  while (!ticker_stop_) {
    ticker_cv_.wait_for(lock, config_.tick_interval, [this] { return ticker_stop_; });
    if (ticker_stop_) {
      break;
    }
    lock.unlock();
    Tick();
    lock.lock();
  }
}

void Simulator::Tick() {
  auto logger = GetLogger("sim.scenario");
  std::lock_guard slock(servers_mu_);
  std::vector<ServerChange> changes;
  {
    std::lock_guard lock(mu_);
    const MonoTime now = clock_.Monotonic();
    while (started_ && !scenario_.events.empty()) {
      if (next_event_ >= scenario_.events.size()) {
        if (!scenario_.repeat_every) {
          break;
        }
        cycle_start_ += *scenario_.repeat_every;
        next_event_ = 0;
      }
      const ScenarioEvent& ev = scenario_.events[next_event_];
      const MonoTime at = cycle_start_ + ev.at;
      if (at > now) {
        break;
      }
      model_.Advance(at);
      auto st = model_.Apply(ev.action, &changes);
      if (st) {
        logger->info("msg=\"scenario event\" at={} action={}", FormatDuration(ev.at),
                     LoggedAction(ev.action));
      } else {
        logger->warn("msg=\"scenario event failed\" at={} err={}", FormatDuration(ev.at),
                     LogQuote(st.error().message));
      }
      ++next_event_;
    }
    model_.Advance(now);
    PublishLinks();
  }
  (void)ApplyServerChanges(changes);
}

Status Simulator::Apply(const FaultAction& action) {
  std::lock_guard slock(servers_mu_);
  std::vector<ServerChange> changes;
  {
    std::lock_guard lock(mu_);
    model_.Advance(clock_.Monotonic());
    auto st = model_.Apply(action, &changes);
    if (!st) {
      return st;
    }
    PublishLinks();
  }
  GetLogger("sim.faults")->info("msg=\"fault applied\" action={}", LoggedAction(action));
  return ApplyServerChanges(changes);
}

Status Simulator::ApplyServerChanges(const std::vector<ServerChange>& changes) {
  auto logger = GetLogger("sim.server");
  Status result = OkStatus();
  bool started = false;
  {
    std::lock_guard lock(mu_);
    started = started_;
  }
  if (!started) {
    return result;  // servers follow the model at Start()
  }
  for (const auto& ch : changes) {
    auto& slot = servers_[static_cast<std::size_t>(ch.member.cluster)]
                         [static_cast<std::size_t>(ch.member.member)];
    std::string name;
    int port = 0;
    {
      std::lock_guard lock(mu_);
      name = model_.member(ch.member).spec.name;
      port = model_.member(ch.member).http_port;
    }
    if (!ch.start) {
      StopMemberServers(ch.member);
      logger->info("msg=\"member stopped\" member={} port={}", name, port);
      continue;
    }
    if (slot) {
      continue;
    }
    auto st = StartMemberServer(ch.member, port);
    if (!st) {
      logger->error("msg=\"member restart failed\" member={} port={} err={}", name, port,
                    LogQuote(st.error().message));
      std::lock_guard lock(mu_);
      model_.MarkDown(ch.member);
      result = MakeError(st.error().kind, "restarting " + name + ": " + st.error().message);
      continue;
    }
    logger->info("msg=\"member restarted\" member={} port={}", name, port);
  }
  if (auto st = SyncLinks(); !st && result.ok()) {
    result = st;
  }
  if (auto st = SyncMetricsServers(); !st && result.ok()) {
    result = st;
  }
  if (auto st = SyncKubeApi(); !st && result.ok()) {
    result = st;
  }
  return result;
}

Status Simulator::SyncKubeApi() {
  if (!kube_) {
    return OkStatus();
  }
  bool down = false;
  std::string token;
  {
    std::lock_guard lock(mu_);
    down = model_.kube_api_down();
    token = model_.kube_token();
  }
  if (kube_token_applied_ != token) {  // a token set through kube_api() stays until rotated
    kube_->RequireToken(token);
    kube_token_applied_ = token;
  }
  if (down == !kube_->Listening()) {
    return OkStatus();
  }
  auto logger = GetLogger("sim.kube");
  if (down) {
    kube_->Stop();
    logger->info("msg=\"Kubernetes API down\" port={}", kube_->Port());
    return OkStatus();
  }
  if (auto st = kube_->Start(); !st) {
    logger->error("msg=\"Kubernetes API restart failed\" port={} err={}", kube_->Port(),
                  LogQuote(st.error().message));
    return MakeError(st.error().kind, "restarting the Kubernetes API: " + st.error().message);
  }
  logger->info("msg=\"Kubernetes API up\" port={}", kube_->Port());
  return OkStatus();
}

Status Simulator::SyncLinks() {
  auto logger = GetLogger("sim.link");
  Status result = OkStatus();
  for (std::size_t li = 0; li < link_http_.size(); ++li) {
    bool want = false;
    {
      std::lock_guard lock(mu_);
      want = model_.ClusterUp(model_.links()[li].to);
    }
    const bool running = link_http_[li] != nullptr;
    if (want && !running) {
      if (auto st = StartLink(li); !st) {
        logger->error("msg=\"link listen failed\" link={} err={}", li,
                      LogQuote(st.error().message));
        result = st;
      }
    } else if (!want && running) {
      StopLink(li);
      std::lock_guard lock(mu_);
      const SimLink& l = model_.links()[li];
      logger->info("msg=\"link closed: no member of the target is up\" from={} to={}",
                   model_.cluster(l.from).spec.name, model_.cluster(l.to).spec.name);
    }
  }
  return result;
}

Status Simulator::StartLink(std::size_t li) {
  SimLink link;
  std::string from_name;
  std::string to_name;
  std::string version;
  {
    std::lock_guard lock(mu_);
    link = model_.links()[li];
    from_name = model_.cluster(link.from).spec.name;
    to_name = model_.cluster(link.to).spec.name;
    version = model_.cluster(link.to).spec.version;
  }
  net::HttpServerOptions options;
  options.listen_address = config_.listen_host + ":" + std::to_string(link.http_port);
  options.num_threads = 4;
  auto http = std::make_unique<net::HttpServer>(
      options,
      [this, li](const net::HttpRequest& req, net::HttpExchange& ex) { HandleLink(li, req, ex); });
  if (auto st = http->Start(); !st) {
    return MakeError(st.error().kind, from_name + "->" + to_name + " http: " + st.error().message);
  }
  auto bolt = std::make_unique<BoltListener>(BoltVersionsFor(version), [rt = link_rt_[li].get()] {
    return BoltBehavior{rt->cut.load(), Millis(rt->delay_ms.load())};
  });
  if (auto st = bolt->Start(config_.listen_host, link.bolt_port); !st) {
    http->Stop();
    return MakeError(st.error().kind, from_name + "->" + to_name + " bolt: " + st.error().message);
  }
  {
    std::lock_guard lock(mu_);
    SimLink& l = model_.mutable_link(li);
    l.http_port = http->Port();
    l.bolt_port = bolt->Port();
    l.listening = true;
  }
  auto logger = GetLogger("sim.link");
  // The first start is logged by the caller (the binary lists every link); a reopening is news.
  logger->log(link.http_port == 0 ? spdlog::level::debug : spdlog::level::info,
              "msg=\"link listening\" from={} to={} bolt=127.0.0.1:{} http=http://127.0.0.1:{}",
              from_name, to_name, bolt->Port(), http->Port());
  link_http_[li] = std::move(http);
  link_bolt_[li] = std::move(bolt);
  return OkStatus();
}

void Simulator::StopLink(std::size_t li) {
  if (link_http_[li]) {
    link_http_[li]->Stop();
    link_http_[li].reset();
  }
  if (link_bolt_[li]) {
    link_bolt_[li]->Stop();
    link_bolt_[li].reset();
  }
  std::lock_guard lock(mu_);
  model_.mutable_link(li).listening = false;
}

KubeObjects Simulator::KubeSnapshot() const {
  std::lock_guard lock(mu_);
  return KubeObjectsFromModel(model_);
}

}  // namespace nca::sim
