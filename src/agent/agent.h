// Agent: wires configuration, the Neo4j member clients, the collectors and their scheduler, the
// snapshot store and the web endpoints into one running process.
//
// Lifecycle: Create() validates and builds everything without touching the network; Start()
// binds the web listener and starts the collectors; Stop() stops both. Not thread-safe: owned and
// driven by main's thread; the parts it owns are thread-safe on their own.
#pragma once

#include <memory>
#include <vector>

#include "collectors/collector.h"
#include "collectors/scheduler.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "exporter/snapshot_store.h"
#include "exporter/web_app.h"
#include "neo4j/http_engine.h"
#include "neo4j/member_client.h"

namespace nca::agent {

class Agent {
 public:
  // `clock` must outlive the agent.
  static Result<std::unique_ptr<Agent>> Create(config::Config config, const Clock& clock);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Binds the listen address (errors, e.g. address in use, are returned) and starts collecting.
  Status Start();
  void Stop();

  // The bound web port (after Start).
  int Port() const;

  // Status of every configured member, for the exporter's self-metrics. Thread-safe.
  std::vector<exporter::MemberStatus> MemberStatuses() const;

 private:
  Agent(config::Config config, const Clock& clock);

  config::Config config_;
  const Clock& clock_;
  std::unique_ptr<neo4j::HttpEngine> engine_;
  std::vector<std::unique_ptr<neo4j::MemberClient>> members_;
  std::vector<collectors::ClusterHandle> clusters_;
  exporter::SnapshotStore store_;
  std::unique_ptr<collectors::Scheduler> scheduler_;
  std::unique_ptr<exporter::WebApp> web_;
};

}  // namespace nca::agent
