#include "agent/member_directory.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "kube/member_join.h"

namespace nca::agent {

struct MemberDirectory::Keepalive {
  std::vector<std::shared_ptr<const config::ClusterConfig>> configs;
  std::vector<std::shared_ptr<neo4j::MemberClient>> clients;
};

MemberDirectory::MemberDirectory(std::vector<config::ClusterConfig> configured,
                                 config::ClusterDefaults defaults, neo4j::HttpEngine& engine,
                                 const Clock& clock)
    : configured_(std::move(configured)),
      defaults_(std::move(defaults)),
      engine_(engine),
      clock_(clock) {
  std::lock_guard lock(mu_);
  Publish();
}

bool MemberDirectory::SetDiscovered(const std::vector<kube::DiscoveredMember>& members) {
  std::lock_guard lock(mu_);
  auto key = [](const kube::DiscoveredMember& m) {
    return std::tie(m.cluster, m.name, m.url, m.role, m.namespace_name);
  };
  bool same = members.size() == discovered_.size() &&
              std::equal(members.begin(), members.end(), discovered_.begin(),
                         [&](const auto& a, const auto& b) { return key(a) == key(b); });
  if (same) {
    return false;
  }
  discovered_ = members;
  Publish();
  return true;
}

std::shared_ptr<const collectors::ClusterSet> MemberDirectory::Current() const {
  std::lock_guard lock(mu_);
  return current_;
}

std::vector<std::shared_ptr<neo4j::MemberClient>> MemberDirectory::Members() const {
  std::lock_guard lock(mu_);
  return current_members_;
}

std::shared_ptr<neo4j::MemberApi> MemberDirectory::Peer(const config::ClusterConfig& cluster,
                                                        const std::string& name,
                                                        const std::string& url) {
  // Peers not asked for this long are dropped (servers that left the cluster).
  constexpr auto kIdle = std::chrono::minutes(15);
  const SystemTime now = clock_.Now();
  std::lock_guard lock(mu_);
  std::erase_if(peers_, [&](const auto& kv) { return now - kv.second.second > kIdle; });
  const std::string id = cluster.name + "\n" + name + "\n" + url;
  auto it = peers_.find(id);
  if (it == peers_.end()) {
    neo4j::MemberRef ref{cluster.name, name, url};
    auto client = std::make_shared<neo4j::MemberClient>(
        ref, neo4j::MemberClientOptions::FromCluster(cluster), engine_, clock_);
    it = peers_.emplace(id, std::make_pair(std::move(client), now)).first;
  }
  it->second.second = now;
  return it->second.first;
}

std::shared_ptr<neo4j::MemberClient> MemberDirectory::ClientFor(
    const std::string& cluster, const config::ClusterConfig& config,
    const config::MemberConfig& member) {
  std::string id = cluster + "\n" + member.name + "\n" + member.url;
  for (auto& [key, client] : clients_) {
    if (key == id) {
      return client;
    }
  }
  neo4j::MemberRef ref{cluster, member.name, member.url};
  auto client = std::make_shared<neo4j::MemberClient>(
      ref, neo4j::MemberClientOptions::FromCluster(config), engine_, clock_);
  clients_.emplace_back(std::move(id), client);
  return client;
}

void MemberDirectory::Publish() {
  // Discovered members per cluster.
  std::map<std::string, std::vector<const kube::DiscoveredMember*>> by_cluster;
  for (const auto& m : discovered_) {
    by_cluster[m.cluster].push_back(&m);
  }

  std::vector<std::shared_ptr<const config::ClusterConfig>> local;
  std::vector<std::shared_ptr<const config::ClusterConfig>> others;
  std::set<std::string> known;
  auto add_discovered = [&](config::ClusterConfig& c) -> bool {
    auto it = by_cluster.find(c.name);
    if (it == by_cluster.end()) {
      return false;
    }
    bool added = false;
    for (const kube::DiscoveredMember* d : it->second) {
      kube::Pod pod;
      pod.name = d->name;
      pod.pod_ip = kube::HostOf(d->url);
      if (auto port = kube::PortOf(d->url)) {
        pod.container_ports["http"] = *port;
      }
      const std::vector<kube::Pod> pods = {pod};
      bool duplicate = std::any_of(c.members.begin(), c.members.end(), [&](const auto& m) {
        return m.url == d->url ||
               kube::JoinPod(pod, kube::ServerIdentity{m.name, m.url, {}}, pods).has_value();
      });
      if (duplicate) {
        continue;
      }
      config::MemberConfig m;
      m.name = d->name;
      m.url = d->url;
      c.members.push_back(std::move(m));
      added = true;
    }
    if (c.kubernetes.namespace_name.empty() && !it->second.empty()) {
      c.kubernetes.namespace_name = it->second.front()->namespace_name;
    }
    return added || !it->second.empty();
  };
  for (const config::ClusterConfig& configured : configured_) {
    known.insert(configured.name);
    auto c = std::make_shared<config::ClusterConfig>(configured);
    bool has_local = add_discovered(*c);
    (has_local ? local : others).push_back(std::move(c));
  }
  for (auto& [name, members] : by_cluster) {
    if (known.contains(name)) {
      continue;
    }
    auto c = std::make_shared<config::ClusterConfig>();
    c->name = name;
    c->credentials = defaults_.credentials;
    c->tls = defaults_.tls;
    c->http = defaults_.http;
    add_discovered(*c);
    local.push_back(std::move(c));
  }

  auto keep = std::make_shared<Keepalive>();
  auto set = std::make_shared<collectors::ClusterSet>();
  std::vector<std::pair<std::string, std::shared_ptr<neo4j::MemberClient>>> still_used;
  for (auto* group : {&local, &others}) {
    for (auto& c : *group) {
      collectors::ClusterHandle handle;
      handle.config = c.get();
      for (const config::MemberConfig& m : c->members) {
        std::shared_ptr<neo4j::MemberClient> client = ClientFor(c->name, *c, m);
        handle.members.push_back(client.get());
        keep->clients.push_back(client);
        still_used.emplace_back(c->name + "\n" + m.name + "\n" + m.url, client);
      }
      keep->configs.push_back(c);
      set->clusters.push_back(std::move(handle));
    }
  }
  clients_ = std::move(still_used);  // clients of members that left die with old snapshots
  current_members_ = keep->clients;
  set->keepalive = std::move(keep);
  current_ = std::move(set);
}

}  // namespace nca::agent
