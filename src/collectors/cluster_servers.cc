#include "collectors/cluster_servers.h"

#include <utility>

#include "kube/member_join.h"

namespace nca::collectors {

std::optional<std::string> MemberIdOf(const MemberView& member) {
  if (!member.statuses) {
    return std::nullopt;
  }
  for (const auto& s : *member.statuses) {
    if (!s.member_id.empty()) {
      return s.member_id;
    }
  }
  return std::nullopt;
}

std::string ServerName(const ClusterView& cluster, const MemberIds& ids, const std::string& id,
                       const std::vector<std::string>& advertised, const std::string& url,
                       const std::string& server_name) {
  for (const MemberView& m : cluster.members) {
    auto known = ids.find(m.name);
    if (known != ids.end() && known->second == id) {
      return m.name;
    }
    const std::optional<std::string> bolt = m.BoltAddress();
    for (const std::string& a : advertised) {
      if (bolt && kube::HostPortOf(a) == *bolt) {
        return m.name;
      }
    }
    if (m.api != nullptr && !url.empty() &&
        kube::HostPortOf(m.api->Ref().url) == kube::HostPortOf(url)) {
      return m.name;
    }
  }
  for (const std::string& a : advertised) {
    if (auto label = kube::FirstDnsLabel(kube::HostOf(a))) {
      return *label;
    }
  }
  if (!server_name.empty()) {
    return server_name;
  }
  return advertised.empty() ? id : kube::HostPortOf(advertised.front());
}

std::vector<ListedServer> ServersFromShowServers(const ClusterView& cluster, const MemberIds& ids,
                                                 const std::vector<neo4j::ServerRow>& rows,
                                                 bool https) {
  std::vector<ListedServer> out;
  for (const auto& row : rows) {
    if (row.server_id.empty() || row.state == "Dropped") {
      continue;
    }
    ListedServer s;
    s.id = row.server_id;
    if (row.address) {
      s.advertised.push_back(*row.address);
    }
    const std::optional<std::string>& http = https ? row.https_address : row.http_address;
    if (http && !http->empty()) {
      s.url = (https ? "https://" : "http://") + *http;
    }
    s.name = ServerName(cluster, ids, s.id, s.advertised, s.url, row.name);
    s.state = row.state;
    s.health = row.health;
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<ListedServer> ServersFromOverview(const ClusterView& cluster, const MemberIds& ids,
                                              const std::vector<neo4j::OverviewRow>& rows,
                                              bool https) {
  std::vector<ListedServer> out;
  const std::string scheme = https ? "https://" : "http://";
  for (const auto& row : rows) {
    if (row.id.empty()) {
      continue;
    }
    ListedServer s;
    s.id = row.id;
    s.advertised = row.addresses;
    for (const std::string& a : row.addresses) {
      if (a.rfind(scheme, 0) == 0) {
        s.url = a;
      }
    }
    s.name = ServerName(cluster, ids, s.id, s.advertised, s.url, "");
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<neo4j::ServerRow>> ServerListing::Rows(MonoTime deadline) const {
  if (!v5) {
    return MakeError(ErrorKind::kInvalidArgument, "SHOW SERVERS needs Neo4j 5 or later");
  }
  return neo4j::AwaitUntil(servers, deadline);
}

Result<std::vector<ListedServer>> ServerListing::Servers(const ClusterView& cluster,
                                                         const MemberIds& ids,
                                                         MonoTime deadline) const {
  if (v5) {
    auto rows = neo4j::AwaitUntil(servers, deadline);
    if (!rows.ok()) {
      return rows.error();
    }
    return ServersFromShowServers(cluster, ids, *rows, https);
  }
  auto rows = neo4j::AwaitUntil(overview, deadline);
  if (!rows.ok()) {
    return rows.error();
  }
  return ServersFromOverview(cluster, ids, *rows, https);
}

std::optional<ServerListing> RequestListing(const MemberView& member) {
  if (!member.discovery || member.api == nullptr) {
    return std::nullopt;
  }
  ServerListing r;
  r.member = member.name;
  r.v5 = member.discovery->dialect == neo4j::Dialect::kV5;
  r.https = member.api->Ref().url.rfind("https://", 0) == 0;
  if (r.v5) {
    r.servers = member.api->ShowServers();
  } else {
    r.overview = member.api->ClusterOverview();
  }
  return r;
}

}  // namespace nca::collectors
