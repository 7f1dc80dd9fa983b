#include "sim/simulator.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <utility>

#include "common/build_version.h"
#include "common/logging.h"
#include "config/cluster_spec.h"
#include "sim/manifests.h"
#include "sim/neo4j_metrics.h"

namespace nca::sim {
namespace {

using ojson = nlohmann::ordered_json;

constexpr Millis kHangPoll{20};
constexpr std::size_t kStreamChunk = 64 * 1024;

std::string_view FamilyName(VersionFamily f) {
  switch (f) {
    case VersionFamily::kV4:
      return "4.x";
    case VersionFamily::kV5:
      return "5.x";
    case VersionFamily::kCalendar:
      return "calendar";
  }
  return "5.x";
}

void SendJson(net::HttpExchange& ex, int status, const ojson& body) {
  net::HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump(2);
  r.body.push_back('\n');
  ex.Send(r);
}

void StreamOversized(net::HttpExchange& ex, std::size_t total) {
  ex.CloseAfterResponse();
  ex.SendRaw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
             std::to_string(total) + "\r\nConnection: close\r\n\r\n");
  const std::string_view prefix = kOversizedPrefix;
  ex.SendRaw(prefix);
  std::size_t sent = prefix.size();
  const std::string chunk(kStreamChunk, 'x');
  while (sent < total && !ex.Stopping()) {
    std::size_t n = std::min(kStreamChunk, total - sent);
    ex.SendRaw(std::string_view(chunk).substr(0, n));
    sent += n;
  }
}

// The "truncated" answer mode: exactly the head HttpExchange::Send writes (Content-Length of the
// whole body), then the first half of the body; returning closes the connection (no keep-alive),
// so the client sees the answer end early.
void SendTruncated(net::HttpExchange& ex, const net::HttpResponse& r) {
  ex.CloseAfterResponse();
  std::string head = "HTTP/1.1 " + std::to_string(r.status) + " " +
                     std::string(net::ReasonPhrase(r.status)) + "\r\n";
  if (!r.content_type.empty()) {
    head += "Content-Type: " + r.content_type + "\r\n";
  }
  for (const auto& [k, v] : r.headers) {
    head += k + ": " + v + "\r\n";
  }
  head += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  head += "Connection: close\r\n\r\n";
  ex.SendRaw(head);
  ex.SendRaw(std::string_view(r.body).substr(0, r.body.size() / 2));
}

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

void Simulator::HandleMetrics(MemberIndex mi, const net::HttpRequest& req, net::HttpExchange& ex) {
  (void)req;  // like Prometheus simpleclient's HTTPServer: every path and method gets the text
  MetricsMode mode = MetricsMode::kOk;
  Millis delay{0};
  std::size_t huge = 0;
  for (;;) {
    bool up = false;
    bool hung = false;
    {
      std::lock_guard lock(mu_);
      const SimMember& m = model_.member(mi);
      up = m.up;
      hung = m.hung;
      mode = m.metrics_mode;
      delay = m.slow + (m.metrics_mode == MetricsMode::kSlow ? m.metrics_delay : Millis(0));
      huge = m.metrics_size_bytes;
    }
    if (!up || mode == MetricsMode::kDisabled) {
      return;  // being closed: no answer
    }
    if (!hung && mode != MetricsMode::kHang) {
      break;
    }
    if (!ex.SleepFor(kHangPoll)) {
      return;
    }
  }
  if (delay.count() > 0 && !ex.SleepFor(delay)) {
    return;
  }
  net::HttpResponse r;
  r.content_type = kNeo4jMetricsContentType;
  switch (mode) {
    case MetricsMode::kHtml:
      r.content_type = "text/html; charset=utf-8";
      r.body =
          "<!DOCTYPE html>\n<html><head><title>Login</title></head>\n<body><h1>Sign in</h1>"
          "<form method=\"post\" action=\"/login\"><input name=\"user\"></form></body></html>\n";
      ex.Send(r);
      return;
    case MetricsMode::kStatus500:
      r.status = 500;
      r.content_type = "text/plain; charset=utf-8";
      r.body = "Internal Server Error\n";
      ex.Send(r);
      return;
    case MetricsMode::kGarbage:
      static constexpr char kGarbage[] =
          "\x1f\x8b\x08\x00 not prometheus {{{ metric=== \xff\xfe\n"
          "neo4j_dbms_vm_heap_used{quantile=\"0.5\" 1.0.0 twelve\n# TYPE\n}}}\n";
      r.body.assign(kGarbage, sizeof(kGarbage) - 1);
      ex.Send(r);
      return;
    default:
      break;
  }
  std::string body;
  {
    std::lock_guard lock(mu_);
    body = RenderNeo4jMetrics(Neo4jMetricsFromModel(model_, mi));
  }
  if (mode != MetricsMode::kHuge) {
    r.body = std::move(body);
    ex.Send(r);
    return;
  }
  // Valid exposition text padded with comment lines to `huge` bytes.
  const std::size_t total = std::max(huge, body.size());
  ex.CloseAfterResponse();
  ex.SendRaw("HTTP/1.1 200 OK\r\nContent-Type: " + std::string(kNeo4jMetricsContentType) +
             "\r\nContent-Length: " + std::to_string(total) + "\r\nConnection: close\r\n\r\n");
  ex.SendRaw(body);
  std::size_t sent = body.size();
  std::string line = "# " + std::string(126, 'x') + "\n";
  std::string chunk;
  while (chunk.size() < kStreamChunk) {
    chunk += line;
  }
  while (sent < total && !ex.Stopping()) {
    std::size_t left = total - sent;
    if (left <= chunk.size()) {
      // The last piece: a comment line of exactly `left` bytes ("#" ... "\n").
      std::string tail = left >= 2 ? "#" + std::string(left - 2, ' ') + "\n" : "\n";
      ex.SendRaw(tail);
      sent += tail.size();
    } else {
      ex.SendRaw(chunk);
      sent += chunk.size();
    }
  }
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

void Simulator::HandleLink(std::size_t li, const net::HttpRequest& req, net::HttpExchange& ex) {
  const LinkRuntime& rt = *link_rt_[li];
  while (rt.cut.load()) {
    if (!ex.SleepFor(kHangPoll)) {
      return;  // the link closes: drop the connection
    }
  }
  const Millis delay(rt.delay_ms.load());
  if (delay.count() > 0 && !ex.SleepFor(delay)) {
    return;
  }
  std::optional<int> member;
  {
    std::lock_guard lock(mu_);
    member = model_.ServingMember(rt.to);
  }
  if (!member) {
    return;  // no endpoint left: close without an answer
  }
  HandleMember(MemberIndex{rt.to, *member}, req, ex);
}

KubeObjects Simulator::KubeSnapshot() const {
  std::lock_guard lock(mu_);
  return KubeObjectsFromModel(model_);
}

void Simulator::HandleMember(MemberIndex mi, const net::HttpRequest& req, net::HttpExchange& ex) {
  {
    std::lock_guard lock(mu_);
    ++model_.mutable_member(mi).requests_in_flight;
  }
  struct Done {
    Simulator* sim;
    MemberIndex mi;
    ~Done() {
      std::lock_guard lock(sim->mu_);
      --sim->model_.mutable_member(mi).requests_in_flight;
    }
  } done{this, mi};
  Millis slow{0};
  for (;;) {
    bool up = false;
    bool hung = false;
    {
      std::lock_guard lock(mu_);
      const SimMember& m = model_.member(mi);
      up = m.up;
      hung = m.hung;
      slow = m.slow;
    }
    if (!up) {
      return;  // being stopped: close without an answer
    }
    if (!hung) {
      break;
    }
    if (!ex.SleepFor(kHangPoll)) {
      return;
    }
  }
  if (slow.count() > 0 && !ex.SleepFor(slow)) {
    return;
  }
  MemberReply reply;
  std::string name;
  {
    std::lock_guard lock(mu_);
    reply = ServeMemberRequest(model_, mi, req, context_);
    name = model_.member(mi).spec.name;
  }
  auto logger = GetLogger("sim.http");
  if (logger->should_log(spdlog::level::debug)) {
    logger->debug("msg=\"request\" member={} method={} path={} status={}", name, req.method,
                  LogQuote(req.path), reply.response.status);
  }
  if (reply.oversized_bytes > 0) {
    StreamOversized(ex, reply.oversized_bytes);
  } else if (reply.truncated) {
    SendTruncated(ex, reply.response);
  } else {
    ex.Send(reply.response);
  }
}

void Simulator::HandleControl(const net::HttpRequest& req, net::HttpExchange& ex) {
  if (req.path == "/state" && req.method == "GET") {
    SendJson(ex, 200, StateJson());
    return;
  }
  if (req.path == "/healthz" && req.method == "GET") {
    net::HttpResponse r;
    r.body = "ok\n";
    ex.Send(r);
    return;
  }
  if (req.path == "/reset" && req.method == "POST") {
    FaultAction reset;
    reset.kind = FaultKind::kReset;
    auto st = Apply(reset);
    if (!st) {
      SendJson(ex, 500, ojson{{"error", st.error().message}});
      return;
    }
    SendJson(ex, 200, ojson{{"applied", 1}});
    return;
  }
  if (req.path == "/faults" && req.method == "POST") {
    auto body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) {
      SendJson(ex, 400, ojson{{"error", "the body is not JSON"}, {"applied", 0}});
      return;
    }
    std::vector<FaultAction> actions;
    const nlohmann::json list = body.is_array() ? body : nlohmann::json::array({body});
    for (const auto& item : list) {
      auto action = ParseFaultAction(item);
      if (!action) {
        SendJson(ex, 400, ojson{{"error", action.error().message}, {"applied", 0}});
        return;
      }
      actions.push_back(std::move(*action));
    }
    int applied = 0;
    for (const auto& action : actions) {
      auto st = Apply(action);
      if (!st) {
        SendJson(ex, 400, ojson{{"error", st.error().message}, {"applied", applied}});
        return;
      }
      ++applied;
    }
    SendJson(ex, 200, ojson{{"applied", applied}});
    return;
  }
  const bool known = req.path == "/state" || req.path == "/faults" || req.path == "/reset" ||
                     req.path == "/healthz";
  SendJson(ex, known ? 405 : 404, ojson{{"error", known ? "method not allowed" : "not found"}});
}

SimState Simulator::State() const {
  std::lock_guard lock(mu_);
  SimState s;
  s.now = model_.Now();
  s.started = started_;
  s.uptime_seconds = started_ ? ToSeconds(model_.Now() - started_at_) : 0;
  s.control_url = control_port_ > 0 ? "http://127.0.0.1:" + std::to_string(control_port_) : "";
  s.kube_url = kube_port_ > 0 ? "http://127.0.0.1:" + std::to_string(kube_port_) : "";
  s.clusters = model_.clusters();
  s.links = model_.links();
  s.regions_down = model_.regions_down();
  return s;
}

ojson Simulator::StateJson() const {
  std::lock_guard lock(mu_);
  return StateJsonLocked();
}

ojson Simulator::StateJsonLocked() const {
  ojson doc = ojson::object();
  doc["simulator"] = ojson{
      {"version", std::string(nca::kBuildVersion)},
      {"started", started_},
      {"uptime_seconds", started_ ? ToSeconds(model_.Now() - started_at_) : 0.0},
      {"control_url", control_port_ > 0 ? "http://127.0.0.1:" + std::to_string(control_port_) : ""},
      {"kube_url", kube_port_ > 0 ? "http://127.0.0.1:" + std::to_string(kube_port_) : ""},
      {"kube_api_up", kube_port_ > 0 && !model_.kube_api_down()},
  };
  doc["regions_down"] = model_.regions_down();
  ojson clusters = ojson::array();
  for (std::size_t ci = 0; ci < model_.clusters().size(); ++ci) {
    const SimCluster& c = model_.clusters()[ci];
    auto member_name = [&](std::optional<int> m) {
      return m ? ojson(c.members[static_cast<std::size_t>(*m)].spec.name) : ojson(nullptr);
    };
    ojson cj = ojson::object();
    cj["name"] = c.spec.name;
    cj["version"] = c.spec.version;
    cj["family"] = FamilyName(c.family);
    cj["edition"] = c.spec.edition;
    cj["query_api"] = QueryApiEnabled(c.spec);
    cj["auth"] = c.spec.auth_enabled;
    cj["status_auth"] = c.spec.status_auth;
    cj["username"] = c.spec.username;
    cj["region"] = c.spec.region;
    cj["zones"] = ClusterZones(c.spec);
    cj["zones_down"] = c.zones_down;
    cj["namespace"] = c.spec.namespace_name;
    ojson nodes = ojson::array();
    for (const SimNode& n : c.nodes) {
      nodes.push_back(ojson{{"name", n.name},
                            {"zone", n.zone},
                            {"region", n.region},
                            {"ready", model_.NodeReady(static_cast<int>(ci), n)},
                            {"spare", n.owner.empty()}});
    }
    cj["nodes"] = nodes;
    ojson dbs = ojson::array();
    for (const auto& d : c.dbs) {
      dbs.push_back(ojson{{"name", d.name},
                          {"uuid", d.uuid},
                          {"leader", member_name(d.leader)},
                          {"term", d.term},
                          {"commit_index", d.commit_index},
                          {"elections", d.elections}});
    }
    cj["databases"] = dbs;
    ojson members = ojson::array();
    for (std::size_t mi = 0; mi < c.members.size(); ++mi) {
      const SimMember& m = c.members[mi];
      ojson mj = ojson::object();
      mj["name"] = m.spec.name;
      mj["mode"] = MemberModeName(m.spec.mode, c.family);
      mj["server_id"] = m.server_id;
      mj["http_url"] = m.http_port > 0 ? "http://127.0.0.1:" + std::to_string(m.http_port) : "";
      mj["http_port"] = m.http_port;
      mj["bolt_address"] = "127.0.0.1:" + std::to_string(m.bolt_port);
      mj["bolt_url"] = "bolt://127.0.0.1:" + std::to_string(m.bolt_port);
      mj["zone"] = m.zone;
      mj["region"] = m.region;
      mj["node"] = m.node;
      mj["up"] = m.up;
      mj["stopped"] = m.stopped;
      mj["hung"] = m.hung;
      mj["stalled"] = m.stalled;
      mj["slow_ms"] = m.slow.count();
      mj["answer_mode"] = AnswerModeName(m.answer_mode);
      mj["metrics_url"] = m.metrics_port > 0 && c.spec.neo4j_metrics.enabled
                              ? "http://127.0.0.1:" + std::to_string(m.metrics_port) + "/metrics"
                              : "";
      mj["metrics_port"] = m.metrics_port;
      mj["metrics_mode"] = MetricsModeName(m.metrics_mode);
      mj["partition_group"] = m.partition_group;
      mj["requests_in_flight"] = m.requests_in_flight;
      mj["reaches_majority"] = model_.ReachesMajority(static_cast<int>(ci), static_cast<int>(mi));
      ojson mdbs = ojson::object();
      for (std::size_t di = 0; di < c.dbs.size(); ++di) {
        const MemberDbView v =
            model_.View(static_cast<int>(ci), static_cast<int>(mi), static_cast<int>(di));
        const bool serving = m.up && v.state == DbState::kOnline;
        mdbs[c.dbs[di].name] = ojson{
            {"state", DbStateName(v.state)},
            {"role", serving ? RaftRoleName(v.role) : std::string_view("unknown")},
            {"leader", serving ? member_name(v.leader) : ojson(nullptr)},
            {"term", v.term},
            {"applied_index", v.applied},
            {"last_committed_txn", v.applied},
        };
      }
      mj["databases"] = mdbs;
      members.push_back(std::move(mj));
    }
    cj["members"] = members;
    clusters.push_back(std::move(cj));
  }
  doc["clusters"] = clusters;
  ojson links = ojson::array();
  for (const SimLink& l : model_.links()) {
    links.push_back(ojson{
        {"from", model_.cluster(l.from).spec.name},
        {"to", model_.cluster(l.to).spec.name},
        {"bolt_port", l.bolt_port},
        {"http_port", l.http_port},
        {"bolt_address", l.bolt_port > 0 ? "127.0.0.1:" + std::to_string(l.bolt_port) : ""},
        {"http_url", l.http_port > 0 ? "http://127.0.0.1:" + std::to_string(l.http_port) : ""},
        {"delay_ms", l.delay.count()},
        {"cut", l.cut},
        {"listening", l.listening},
    });
  }
  doc["links"] = links;
  return doc;
}

std::string Simulator::MemberUrl(std::string_view member) const {
  std::lock_guard lock(mu_);
  auto mi = model_.FindMember(member);
  if (!mi || model_.member(*mi).http_port == 0) {
    return "";
  }
  return "http://127.0.0.1:" + std::to_string(model_.member(*mi).http_port);
}

std::string Simulator::MetricsUrl(std::string_view member) const {
  std::lock_guard lock(mu_);
  auto mi = model_.FindMember(member);
  if (!mi || model_.member(*mi).metrics_port == 0 ||
      !model_.cluster(mi->cluster).spec.neo4j_metrics.enabled) {
    return "";
  }
  return "http://127.0.0.1:" + std::to_string(model_.member(*mi).metrics_port) + "/metrics";
}

std::string Simulator::KubeUrl() const {
  std::lock_guard lock(mu_);
  return kube_port_ > 0 ? "http://127.0.0.1:" + std::to_string(kube_port_) : "";
}

std::optional<SimLinkEndpoints> Simulator::LinkEndpoints(std::string_view from,
                                                         std::string_view to) const {
  std::lock_guard lock(mu_);
  auto f = model_.FindCluster(from);
  auto t = model_.FindCluster(to);
  if (!f || !t) {
    return std::nullopt;
  }
  auto li = model_.FindLink(*f, *t);
  if (!li) {
    return std::nullopt;
  }
  const SimLink& l = model_.links()[*li];
  if (l.bolt_port == 0 || l.http_port == 0) {
    return std::nullopt;
  }
  return SimLinkEndpoints{"127.0.0.1:" + std::to_string(l.bolt_port),
                          "http://127.0.0.1:" + std::to_string(l.http_port)};
}

std::string Simulator::ControlUrl() const {
  std::lock_guard lock(mu_);
  return control_port_ > 0 ? "http://127.0.0.1:" + std::to_string(control_port_) : "";
}

}  // namespace nca::sim
