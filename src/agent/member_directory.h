// MemberDirectory: owns the Neo4j member clients and publishes the set of monitored clusters as
// immutable collectors::ClusterSet snapshots. The set is the configured clusters and members plus
// the members found by Kubernetes node-local discovery (kube/discovery.h), which may change at run
// time. A member that stays (same cluster, name and URL) keeps its client, so its caches and
// error statistics survive re-discovery.
//
// Cluster order in a snapshot: clusters with members on this node first (so "the first cluster",
// the default cross-cluster probe source, is this node's cluster) -- configured ones in
// configuration order, then those only discovery names, sorted -- then the other configured
// clusters in configuration order. A configured member whose name or URL is a discovered pod's
// counts as on this node.
//
// It is also the collectors' PeerDirectory: clients for the other servers of a monitored cluster
// (learned from Neo4j's cluster view), cached by cluster, name and URL.
//
// Thread-safety: every method is thread-safe. Snapshots are immutable and keep their member
// clients and cluster configurations alive for as long as somebody holds them.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "collectors/collector.h"
#include "common/clock.h"
#include "config/config.h"
#include "config/loader.h"
#include "kube/discovery.h"
#include "neo4j/http_engine.h"
#include "neo4j/member_client.h"

namespace nca::agent {

class MemberDirectory final : public collectors::PeerDirectory {
 public:
  // `engine` and `clock` must outlive the directory. `defaults` apply to discovered clusters
  // that the configuration does not name.
  MemberDirectory(std::vector<config::ClusterConfig> configured, config::ClusterDefaults defaults,
                  neo4j::HttpEngine& engine, const Clock& clock);

  // Replaces the discovered members. A discovered pod that is a configured member (same name,
  // the URL's host is the pod IP, or the URL's first DNS label is the pod name:
  // kube/member_join.h) is monitored once, under the configured name. Returns true when the
  // published set changed.
  bool SetDiscovered(const std::vector<kube::DiscoveredMember>& members);

  std::shared_ptr<const collectors::ClusterSet> Current() const;

  // Every member client of the current set, in snapshot order.
  std::vector<std::shared_ptr<neo4j::MemberClient>> Members() const;

  std::shared_ptr<neo4j::MemberApi> Peer(const config::ClusterConfig& cluster,
                                         const std::string& name, const std::string& url) override;

 private:
  struct Keepalive;
  std::shared_ptr<neo4j::MemberClient> ClientFor(const std::string& cluster,
                                                 const config::ClusterConfig& config,
                                                 const config::MemberConfig& member);
  void Publish();  // requires mu_

  const std::vector<config::ClusterConfig> configured_;
  const config::ClusterDefaults defaults_;
  neo4j::HttpEngine& engine_;
  const Clock& clock_;

  mutable std::mutex mu_;
  std::vector<kube::DiscoveredMember> discovered_;  // guarded by mu_
  // Clients by "cluster\nname\nurl"; guarded by mu_.
  std::vector<std::pair<std::string, std::shared_ptr<neo4j::MemberClient>>> clients_;
  std::shared_ptr<const collectors::ClusterSet> current_;              // guarded by mu_
  std::vector<std::shared_ptr<neo4j::MemberClient>> current_members_;  // guarded by mu_
  // Peer clients by "cluster\nname\nurl" with the time they were last asked for; guarded by mu_.
  std::map<std::string, std::pair<std::shared_ptr<neo4j::MemberClient>, SystemTime>> peers_;
};

}  // namespace nca::agent
