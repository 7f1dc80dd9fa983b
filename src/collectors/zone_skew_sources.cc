#include "collectors/zone_skew_sources.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kube/discovery.h"
#include "kube/member_join.h"

namespace nca::collectors::zone_skew {
namespace {

using topology::MemberRole;

constexpr char kDefaultRoleDatabase[] = "neo4j";
constexpr auto kPollInterval = std::chrono::milliseconds(5);

// "host:port" with IPv6 hosts in brackets.
using kube::HostPortOf;

}  // namespace

// Lists the nodes once and every cluster's pods; runs on its own thread, never past `deadline`.
KubeLists ListKube(KubeView& kube, const config::KubernetesConfig& kcfg,
                   const std::vector<ClusterHandle>& handles, MonoTime deadline) {
  KubeLists out;
  out.clusters.resize(handles.size());
  // Per cluster: its own pod_selector; else the custom convention's "<cluster_label>=<name>";
  // else the Neo4j operator's label, then the Neo4j Helm chart's (kube/discovery.h).
  std::vector<std::vector<std::string>> selectors(handles.size());
  for (std::size_t ci = 0; ci < handles.size(); ++ci) {
    const config::ClusterConfig* cfg = handles[ci].config;
    KubeCluster& kc = out.clusters[ci];
    kc.namespace_name = cfg != nullptr ? cfg->kubernetes.namespace_name : std::string();
    if (kc.namespace_name.empty()) {
      kc.namespace_name = kube.DefaultNamespace();
    }
    if (cfg != nullptr) {
      selectors[ci] = kube::ClusterPodSelectors(kcfg, *cfg);
      kc.selector = selectors[ci].front();
    }
  }
  out.nodes = kube.Nodes(deadline);
  if (!out.nodes->ok()) {
    return out;
  }
  for (std::size_t ci = 0; ci < handles.size(); ++ci) {
    KubeCluster& kc = out.clusters[ci];
    if (handles[ci].config == nullptr) {
      continue;
    }
    // The first selector that lists a pod (or fails) wins; with none, the first one is reported.
    for (const std::string& selector : selectors[ci]) {
      auto pods = kube.Pods(kc.namespace_name, selector, deadline);
      if (!pods.ok() || !pods->empty() || !kc.pods) {
        kc.pods = std::move(pods);
        kc.selector = selector;
      }
      if (!kc.pods->ok() || !(*kc.pods)->empty()) {
        break;
      }
    }
  }
  return out;
}

// Whether the lists can place cluster `ci` at all: nodes and its pods listed, some pod found.
bool KubeListsPods(const KubeLists& lists, std::size_t ci) {
  if (!lists.nodes || !lists.nodes->ok() || ci >= lists.clusters.size()) {
    return false;
  }
  const KubeCluster& kc = lists.clusters[ci];
  return kc.pods && kc.pods->ok() && !(*kc.pods)->empty();
}

void IssueTagRequest(const MemberView& member, std::vector<TagRequest>& out) {
  if (out.size() >= kMaxTagRequests || !member.Answered() || !member.discovery ||
      member.api == nullptr) {
    return;
  }
  TagRequest r;
  r.v5 = member.discovery->dialect == neo4j::Dialect::kV5;
  if (r.v5) {
    r.servers = member.api->ShowServers();
  } else {
    r.overview = member.api->ClusterOverview();
  }
  out.push_back(std::move(r));
}

// The first successful answer (request order among those ready at the same time), waiting at
// most until `deadline`; the last error when every request failed.
Result<TagRows> FirstTagAnswer(const std::vector<TagRequest>& requests, MonoTime deadline) {
  if (requests.empty()) {
    return MakeError(ErrorKind::kUnavailable, "no member answered to ask for server tags");
  }
  std::vector<bool> done(requests.size(), false);
  std::optional<Error> last_error;
  while (true) {
    const TagRequest* waiting_on = nullptr;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      if (done[i]) {
        continue;
      }
      const TagRequest& r = requests[i];
      if (!r.Ready()) {
        waiting_on = waiting_on == nullptr ? &r : waiting_on;
        continue;
      }
      done[i] = true;
      TagRows rows;
      if (r.v5) {
        auto answer = neo4j::AwaitUntil(r.servers, deadline);
        if (answer.ok()) {
          rows.servers = std::move(answer).value();
          return rows;
        }
        last_error = answer.error();
      } else {
        auto answer = neo4j::AwaitUntil(r.overview, deadline);
        if (answer.ok()) {
          rows.overview = std::move(answer).value();
          return rows;
        }
        last_error = answer.error();
      }
    }
    if (waiting_on == nullptr) {
      return *last_error;
    }
    // ctx.deadline is a steady-clock time point (see neo4j::AwaitUntil).
    const MonoTime now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return MakeError(ErrorKind::kTimeout, "no server tags before the collection deadline");
    }
    if (waiting_on->v5) {
      waiting_on->servers.wait_until(std::min(deadline, now + kPollInterval));
    } else {
      waiting_on->overview.wait_until(std::min(deadline, now + kPollInterval));
    }
  }
}

// The member's zone from the tag rows: the row with its Bolt address, its name or its HTTP
// address.
std::optional<std::string> MemberZoneFromTags(const MemberView& member, const TagRows& rows,
                                              const std::vector<std::string>& known_zones) {
  const std::optional<std::string> bolt = member.BoltAddress();
  const std::string http =
      member.api != nullptr ? HostPortOf(member.api->Ref().url) : std::string();
  auto same = [&](const std::string& address) {
    const std::string hp = HostPortOf(address);
    return !hp.empty() && ((bolt && hp == *bolt) || (!http.empty() && hp == http));
  };
  for (const neo4j::ServerRow& row : rows.servers) {
    const bool match = (row.address && same(*row.address)) ||
                       (row.http_address && same(*row.http_address)) ||
                       (!member.name.empty() && row.name == member.name);
    if (match) {
      return topology::ZoneFromTags(row.tags, known_zones);
    }
  }
  for (const neo4j::OverviewRow& row : rows.overview) {
    if (std::any_of(row.addresses.begin(), row.addresses.end(), same)) {
      return topology::ZoneFromTags(row.groups, known_zones);
    }
  }
  return std::nullopt;
}

std::string RoleDatabase(const config::ClusterConfig* cfg) {
  return cfg != nullptr && !cfg->databases.empty() ? cfg->databases.front()
                                                   : std::string(kDefaultRoleDatabase);
}

MemberRole RoleRequest::RoleOf(const kube::Pod& pod, const std::vector<kube::Pod>& pods,
                               MonoTime deadline, const std::string& database) {
  if (!awaited) {
    awaited = true;
    Await(deadline, database);
  }
  for (const auto& [addresses, role] : roles) {
    kube::ServerIdentity id;
    id.advertised = addresses;
    if (kube::JoinPod(pod, id, pods)) {
      return role;
    }
  }
  return MemberRole::kUnknown;
}

void RoleRequest::Await(MonoTime deadline, const std::string& database) {
  if (v5) {
    auto r = neo4j::AwaitUntil(rows, deadline);
    if (!r.ok()) {
      return;
    }
    for (const neo4j::DatabaseRow& row : *r) {
      if (row.name != database || !row.address) {
        continue;
      }
      if (row.role == neo4j::DatabaseRole::kSecondary) {
        roles.push_back({{*row.address}, MemberRole::kSecondary});
      } else if (row.role != neo4j::DatabaseRole::kUnknown) {
        roles.push_back({{*row.address}, MemberRole::kPrimary});
      }
    }
    return;
  }
  auto r = neo4j::AwaitUntil(overview, deadline);
  if (!r.ok()) {
    return;
  }
  for (const neo4j::OverviewRow& row : *r) {
    auto db = row.databases.find(database);
    if (db == row.databases.end()) {
      continue;
    }
    roles.push_back({row.addresses,
                     db->second == "READ_REPLICA" ? MemberRole::kSecondary : MemberRole::kPrimary});
  }
}

std::optional<RoleRequest> IssueRoleRequest(const ClusterView& cluster) {
  for (const MemberView& member : cluster.members) {
    if (!member.Answered() || !member.discovery || member.api == nullptr) {
      continue;
    }
    RoleRequest r;
    r.v5 = member.discovery->dialect == neo4j::Dialect::kV5;
    if (r.v5) {
      r.rows = member.api->ShowDatabases();
    } else {
      r.overview = member.api->ClusterOverview();
    }
    return r;
  }
  return std::nullopt;
}

}  // namespace nca::collectors::zone_skew
