// The servers of a cluster as Neo4j itself lists them on any member: 5.x/2025.x SHOW SERVERS
// YIELD * (server id, name, address, httpAddress/httpsAddress, state, health) and 4.4
// CALL dbms.cluster.overview() (id, addresses; only the servers its member reaches). Collectors
// use it to name, and to reach, the servers the agent does not monitor itself (a DaemonSet agent
// monitors only its node's member). Pure functions apart from the request helpers, which only
// start requests through MemberApi.
//
// Naming: a listed server gets the `member` label of the monitored member that is the same
// server (same Raft member id, or its advertised Bolt address or URL), else the pod name in its
// advertised DNS name (the Neo4j operator and Helm chart advertise
// <pod>.<headless service>.<namespace>.svc...), else Neo4j's server name (5.x), else its address,
// so that every agent names a server as the agent on its node names its member.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "collectors/cluster_view.h"
#include "neo4j/member_api.h"

namespace nca::collectors {

struct ListedServer {
  std::string id;                       // serverId (5.x) / overview id (4.4) = Raft member id
  std::string name;                     // the `member` label it is reported under
  std::string url;                      // base URL for its HTTP API ("" when not listed)
  std::vector<std::string> advertised;  // addresses Neo4j advertises (Bolt host:port, URLs)
  std::string state;                    // SHOW SERVERS state ("" on 4.4)
  std::string health;                   // SHOW SERVERS health ("" on 4.4)
};

// Monitored member name -> its Raft member id (learned from its /dbms/cluster/status).
using MemberIds = std::map<std::string, std::string>;

// The Raft member id of an answered member (the same for every database: the server id).
std::optional<std::string> MemberIdOf(const MemberView& member);

// The `member` label of a listed server (see the file comment).
std::string ServerName(const ClusterView& cluster, const MemberIds& ids, const std::string& id,
                       const std::vector<std::string>& advertised, const std::string& url,
                       const std::string& server_name);

// Servers from SHOW SERVERS rows (Dropped ones and rows without an id are left out); `https`
// picks httpsAddress over httpAddress for the URL.
std::vector<ListedServer> ServersFromShowServers(const ClusterView& cluster, const MemberIds& ids,
                                                 const std::vector<neo4j::ServerRow>& rows,
                                                 bool https);

// Servers from dbms.cluster.overview() rows; the URL is the address with the wanted scheme.
std::vector<ListedServer> ServersFromOverview(const ClusterView& cluster, const MemberIds& ids,
                                              const std::vector<neo4j::OverviewRow>& rows,
                                              bool https);

// A listing request made of one member.
struct ServerListing {
  std::string member;  // the member asked
  bool v5 = false;
  bool https = false;  // the member is reached over HTTPS (so are the servers it lists)
  neo4j::Pending<std::vector<neo4j::ServerRow>> servers;     // v5
  neo4j::Pending<std::vector<neo4j::OverviewRow>> overview;  // 4.4

  // SHOW SERVERS rows (v5 only), waiting until `deadline`.
  Result<std::vector<neo4j::ServerRow>> Rows(MonoTime deadline) const;
  // The listed servers, waiting until `deadline`.
  Result<std::vector<ListedServer>> Servers(const ClusterView& cluster, const MemberIds& ids,
                                            MonoTime deadline) const;
};

// Starts a listing on `member` (it needs its discovery answer, for the dialect); nullopt when it
// has none.
std::optional<ServerListing> RequestListing(const MemberView& member);

}  // namespace nca::collectors
