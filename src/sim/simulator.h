// Simulator: runs the model (sim/model.h) behind real loopback HTTP servers, one per member,
// plus a Bolt handshake listener per member (sim/bolt_listener.h) and a control API, and applies
// faults from the C++ API, the control API and a scenario.
//
// Time: the model advances to clock.Monotonic() on every Tick(). With a RealClock (or
// TickerMode::kOn) a ticker thread calls Tick() every tick_interval; with a ManualClock tests
// advance the clock and call Tick() themselves. Hangs and slow answers are real-time waits.
//
// Control API (its own server): GET /state, POST /faults (an action object or a list of them,
// see sim/faults.h), POST /reset, GET /healthz.
//
// Thread-safety: Start() and Stop() must be called from the owning thread; every other method is
// thread-safe and may be called concurrently (also from HTTP handler threads).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "net/http_server.h"
#include "sim/bolt_listener.h"
#include "sim/config.h"
#include "sim/faults.h"
#include "sim/member_http.h"
#include "sim/model.h"

namespace nca::sim {

// A consistent copy of the simulated clusters.
struct SimState {
  MonoTime now{};
  double uptime_seconds = 0;  // since Start()
  bool started = false;
  std::string control_url;  // "" before Start()
  std::vector<SimCluster> clusters;
};

class Simulator {
 public:
  // Validates the configuration and the scenario (names must exist). `clock` must outlive the
  // simulator.
  static Result<std::unique_ptr<Simulator>> Create(SimConfig config, const Clock& clock,
                                                   Scenario scenario = {});
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Binds every member (topology ports, else port 0) and the control API, starts the scenario
  // clock and, when configured, the ticker thread. On error nothing keeps listening.
  Status Start();
  // Stops the ticker, the control API and every member. Idempotent.
  void Stop();

  // Advances the model to the clock's time, applying scenario events that became due.
  void Tick();
  // Applies one fault now (advancing the model to the clock's time first).
  Status Apply(const FaultAction& action);

  SimState State() const;
  // The /state document (also written by --ports-file). No secrets in it.
  nlohmann::ordered_json StateJson() const;

  // "http://127.0.0.1:<port>" of a member, "" if unknown (or never started).
  std::string MemberUrl(std::string_view member) const;
  // "http://127.0.0.1:<port>" of the control API, "" before Start().
  std::string ControlUrl() const;
  const SimConfig& config() const { return config_; }

 private:
  Simulator(SimConfig config, const Clock& clock, Scenario scenario, Model model);

  void HandleMember(MemberIndex m, const net::HttpRequest& req, net::HttpExchange& ex);
  void HandleControl(const net::HttpRequest& req, net::HttpExchange& ex);
  // Requires servers_mu_. Starts a member's HTTP server on `port` (0: any) and its Bolt
  // listener on the model's bolt port, and records the ports. On error neither listens.
  Status StartMemberServer(MemberIndex m, int port);
  // Requires servers_mu_. An allocated bolt port (spec bolt_port 0) that is taken falls back to
  // any free port, recorded in the model (so discovery and SHOW SERVERS stay consistent).
  Status StartMemberBolt(MemberIndex m);
  // Requires servers_mu_. Closes a member's HTTP server and Bolt listener.
  void StopMemberServers(MemberIndex m);
  // Requires servers_mu_; mu_ must not be held.
  Status ApplyServerChanges(const std::vector<ServerChange>& changes);
  nlohmann::ordered_json StateJsonLocked() const;  // requires mu_
  void TickerLoop();

  const SimConfig config_;
  const Clock& clock_;
  const Scenario scenario_;
  ServeContext context_;

  // Lock order: servers_mu_ before mu_. Handlers take only mu_.
  mutable std::mutex mu_;  // guards model_ and the scenario position
  Model model_;
  std::size_t next_event_ = 0;
  MonoTime cycle_start_{};
  MonoTime started_at_{};
  bool started_ = false;

  std::mutex servers_mu_;  // serialises server (re)starts and fault application
  std::vector<std::vector<std::unique_ptr<net::HttpServer>>> servers_;  // [cluster][member]
  std::vector<std::vector<std::unique_ptr<BoltListener>>> bolts_;       // [cluster][member]
  std::unique_ptr<net::HttpServer> control_;
  int control_port_ = 0;  // guarded by mu_

  std::mutex ticker_mu_;
  std::condition_variable ticker_cv_;
  bool ticker_stop_ = false;
  std::thread ticker_;
};

}  // namespace nca::sim
