// The real Prometheus and Alertmanager (Debian's prometheus / prometheus-alertmanager) for
// end-to-end tests: started on 127.0.0.1 port 0 (the port they bound is read from their
// `msg="Listening on" address=...` log line), with their data in a fresh temporary directory,
// and waited for until /-/ready answers. Thread-compatible.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/process.h"

namespace nca::testing {

struct RealServer {
  std::unique_ptr<Process> process;
  std::string base_url;  // http://127.0.0.1:PORT
  std::string error;     // why it did not start ("" when it did)
  bool ok() const { return error.empty(); }
};

// The binary's path from PATH, or "" when absent.
std::string FindBinary(const std::string& name);

// Alertmanager with one "null" receiver, no clustering. group_wait 0s so alerts are listed at
// once.
RealServer StartAlertmanager();

// Alertmanager with the caller's alertmanager.yml (`config_yaml`) and its own fresh
// --storage.path. With `cluster` it gossips: --cluster.listen-address=127.0.0.1:0 (the kernel
// picks the gossip port; AlertmanagerGossipAddress reads it back) and one --cluster.peer per
// entry of `peers` (host:port). `extra_args` are appended (e.g. --cluster.peer-timeout=2s,
// --web.external-url=...). Without `cluster` it is a lone Alertmanager as above.
struct AlertmanagerOptions {
  std::string config_yaml;
  bool cluster = false;
  std::vector<std::string> peers;
  std::vector<std::string> extra_args;
};
RealServer StartAlertmanager(const AlertmanagerOptions& options);

// The gossip address ("127.0.0.1:PORT") a clustered Alertmanager advertises: its own entry in
// the peers of GET /api/v2/status. "" when unknown (not clustered, or not answering).
std::string AlertmanagerGossipAddress(const RealServer& am);

// Prometheus with `config_yaml` as prometheus.yml; `files` (name -> content) are written next to
// it, so the config may name them relatively (e.g. rule_files).
RealServer StartPrometheus(const std::string& config_yaml,
                           const std::map<std::string, std::string>& files = {});

// The shipped rule file (rules/prometheus/neo4j-cluster.rules.yml) with every `for:` set to
// `for_value` (e.g. "0s"), so that a test need not wait minutes; the expressions are unchanged.
std::string ShippedRulesWithFor(const std::string& for_value);

// Calls `done` every `interval` until it returns true or `timeout` passes; returns the last result.
bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout,
               std::chrono::milliseconds interval = std::chrono::milliseconds(100));

}  // namespace nca::testing
