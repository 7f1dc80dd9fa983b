// Simulator: runs the model (sim/model.h) behind real loopback HTTP servers, one per member,
// plus a Bolt handshake listener per member (sim/bolt_listener.h), a control API, an emulated
// Kubernetes API consistent with the simulated placement (sim/kube_api.h) and, per ordered pair
// of clusters, a cross-cluster link (a Bolt and an HTTP listener standing for the target
// cluster's Service as reached from the source cluster), and applies faults from the C++ API,
// the control API and a scenario.
//
// Links: the Bolt listener answers the handshake as the target cluster's members do, the HTTP
// listener serves every request as the target's first up member (GET / is its discovery
// document); both add the link's delay before every answer (a precise wait) and, while the link
// is cut, accept connections but never answer. While no member of the target cluster is up the
// link's listeners are closed (connection refused, as a Service without ready endpoints) and
// reopen on the same ports later.
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

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
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
#include "sim/kube_api.h"
#include "sim/member_http.h"
#include "sim/model.h"

namespace nca::sim {

// A consistent copy of the simulated clusters.
struct SimState {
  MonoTime now{};
  double uptime_seconds = 0;  // since Start()
  bool started = false;
  std::string control_url;  // "" before Start()
  std::string kube_url;     // emulated Kubernetes API, "" before Start() or when off
  std::vector<SimCluster> clusters;
  std::vector<SimLink> links;  // cross-cluster links with their ports
  std::set<std::string> regions_down;
};

// Where a cross-cluster link listens.
struct SimLinkEndpoints {
  std::string bolt;  // "127.0.0.1:<port>"
  std::string http;  // "http://127.0.0.1:<port>"
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
  // "http://127.0.0.1:<port>/metrics" of a member's Neo4j Prometheus endpoint, "" if unknown,
  // disabled or never started.
  std::string MetricsUrl(std::string_view member) const;
  // "http://127.0.0.1:<port>" of the control API, "" before Start().
  std::string ControlUrl() const;
  // "http://127.0.0.1:<port>" of the emulated Kubernetes API, "" before Start() or when off.
  std::string KubeUrl() const;
  // The link from cluster `from` to cluster `to` (names); nullopt if there is no such link or it
  // never listened.
  std::optional<SimLinkEndpoints> LinkEndpoints(std::string_view from, std::string_view to) const;
  // The emulated Kubernetes API (for injecting failures or a token requirement); null before
  // Start(), after Stop() or when off. Valid until Stop(). The faults kube_api_down/kube_api_up
  // close and reopen its listener (same port: KubeUrl() does not change) and kube_token
  // replaces the token it requires.
  KubeApi* kube_api() { return kube_.get(); }
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
  // Requires servers_mu_; mu_ must not be held. Opens / closes each member's Neo4j Prometheus
  // endpoint: it listens iff the member is up, the cluster's neo4j_metrics is enabled and the
  // member's metrics_fault is not "disabled" (ports are kept across restarts).
  Status SyncMetricsServers();
  void HandleMetrics(MemberIndex m, const net::HttpRequest& req, net::HttpExchange& ex);
  // Requires servers_mu_. Closes a member's HTTP server, Bolt listener and metrics endpoint.
  void StopMemberServers(MemberIndex m);
  // Requires servers_mu_; mu_ must not be held. Also opens / closes link listeners (SyncLinks).
  Status ApplyServerChanges(const std::vector<ServerChange>& changes);
  // Requires servers_mu_; mu_ must not be held. Link listeners listen iff their target cluster
  // has a member up.
  Status SyncLinks();
  // Requires servers_mu_; mu_ must not be held. The Kubernetes API follows the model: the token
  // it requires, and listening (on its first port) unless kube_api_down.
  Status SyncKubeApi();
  Status StartLink(std::size_t link);  // requires servers_mu_
  void StopLink(std::size_t link);     // requires servers_mu_
  void HandleLink(std::size_t link, const net::HttpRequest& req, net::HttpExchange& ex);
  KubeObjects KubeSnapshot() const;                // takes mu_
  nlohmann::ordered_json StateJsonLocked() const;  // requires mu_
  void PublishLinks();                             // requires mu_
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
  std::vector<std::vector<std::unique_ptr<net::HttpServer>>> metrics_;  // [cluster][member]
  std::unique_ptr<net::HttpServer> control_;
  int control_port_ = 0;                                     // guarded by mu_
  std::vector<std::unique_ptr<net::HttpServer>> link_http_;  // [link]
  std::vector<std::unique_ptr<BoltListener>> link_bolt_;     // [link]
  // A link's delay and cut, mirrored from the model (PublishLinks) so that answering on a link
  // never waits for mu_: a burst of member requests holding mu_ would otherwise add to the
  // measured delay.
  struct LinkRuntime {
    int to = 0;  // target cluster index (fixed)
    std::atomic<int64_t> delay_ms{0};
    std::atomic<bool> cut{false};
  };
  std::vector<std::unique_ptr<LinkRuntime>> link_rt_;  // [link], created by the constructor
  std::unique_ptr<KubeApi> kube_;
  std::optional<std::string> kube_token_applied_;  // guarded by servers_mu_ (SyncKubeApi)
  int kube_port_ = 0;                              // guarded by mu_

  std::mutex ticker_mu_;
  std::condition_variable ticker_cv_;
  bool ticker_stop_ = false;
  std::thread ticker_;
};

}  // namespace nca::sim
