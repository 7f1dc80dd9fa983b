// End-to-end harness: the Neo4j cluster simulator in-process (real HTTP on loopback, real time)
// and the real neo4j-cluster-agent binary as a subprocess pointed at it. Tests observe the agent
// only through its HTTP endpoints, exactly as Prometheus would.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "sim/simulator.h"
#include "support/metrics_text.h"
#include "support/process.h"

namespace nca::testing {

struct AgentOptions {
  std::vector<std::string> extra_args;
  std::map<std::string, std::string> env;
  bool pass_credentials = true;  // NEO4J_USERNAME/NEO4J_PASSWORD from the first cluster
  // Collector interval for every collector (fast, so scenarios converge quickly).
  std::string interval = "1s";
  std::string timeout = "900ms";
  // Configure the agent as `neo4j-cluster-sim --agent-config` does (sim/agent_config.h): regions,
  // placement, the emulated Kubernetes API and cross-cluster links from the first cluster.
  // Otherwise only members are configured.
  bool topology = false;
  // With `topology`: the cluster the agent probes from ("" = the first cluster).
  std::string cross_cluster_source;
  // false: no --config at all (e.g. a DaemonSet agent relying on node-local discovery).
  bool configure_members = true;
  // Extra arguments that need the running simulator (e.g. its Kubernetes API URL).
  std::function<std::vector<std::string>(sim::Simulator&)> late_args;
};

class SimAndAgent {
 public:
  // Starts the simulator from `topology_yaml` and then the agent monitoring every simulated
  // cluster. Fails the current test (ADD_FAILURE) when either cannot start; check Ok().
  explicit SimAndAgent(const std::string& topology_yaml, AgentOptions options = {});
  ~SimAndAgent();

  bool Ok() const { return ok_; }
  sim::Simulator& Sim() { return *sim_; }
  Process& Agent() { return *agent_; }
  std::string AgentUrl(const std::string& path = "/metrics") const;

  std::string ScrapeText();
  std::vector<Sample> Scrape();
  // Polls /metrics (every 100 ms) until pred holds or `timeout` passes. Returns whether it held;
  // `last` gets the last scrape.
  bool WaitUntil(const std::function<bool(const std::vector<Sample>&)>& pred,
                 std::chrono::milliseconds timeout, std::vector<Sample>* last = nullptr);
  // Waits until every collector has completed `runs` more runs than now (by watching
  // neo4j_agent_collector_last_success_timestamp_seconds advance), for "stays so" assertions.
  bool WaitForCollectorRounds(int runs, std::chrono::milliseconds timeout);
  // Applies a simulator fault given as JSON (docs/simulator.md vocabulary).
  void Fault(const std::string& json);

  // The configured member names of a cluster, in topology order.
  std::vector<std::string> Members(const std::string& cluster) const;

 private:
  bool ok_ = false;
  RealClock clock_;
  std::unique_ptr<sim::Simulator> sim_;
  std::unique_ptr<Process> agent_;
  int port_ = 0;
};

// The member named by neo4j_cluster_leader_info for (cluster, database), or "".
std::string LeaderOf(const std::vector<Sample>& samples, const std::string& cluster,
                     const std::string& database);

}  // namespace nca::testing
