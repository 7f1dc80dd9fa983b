// MemberClient: the real MemberApi for one Neo4j member, over HTTP(S) through the shared
// HttpEngine. Non-blocking throughout: every call returns a Pending at once; multi-step work
// (Cypher needs the discovery document first) is chained through engine callbacks.
//
//  * Discovery (GET /, unauthenticated) is cached for `discovery_max_age` and refreshed at once
//    after any request to the member failed at transport level (refused, timeout, TLS, network),
//    so a member that restarted as another version is re-detected.
//  * Identical requests (same path and body) made while one is in flight, or within the dedupe
//    window after it completed, share one Pending (single-flight).
//  * Credentials are resolved (config::ResolveCredentials) for every request that needs them, so
//    rotated secrets are picked up; a credentials error fails the call without sending anything.
//  * Cypher runs on the `system` database via /db/system/tx/commit, or /db/system/query/v2 when
//    the member advertises the Query API.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "neo4j/http_engine.h"
#include "neo4j/member_api.h"
#include "neo4j/model.h"

namespace nca::neo4j {

// What a MemberClient needs from its cluster's configuration.
struct MemberClientOptions {
  config::CredentialsConfig credentials;
  config::TlsConfig tls;
  config::HttpConfig http;
  std::chrono::seconds discovery_max_age{60};

  static MemberClientOptions FromCluster(const config::ClusterConfig& cluster);
};

// Per-member request statistics, for the agent's self-metrics. A plain snapshot.
struct MemberStats {
  uint64_t requests = 0;              // requests attempted (deduplicated calls not counted)
  uint64_t consecutive_failures = 0;  // reset by any success except an unauthenticated GET /
  std::optional<SystemTime> last_success;
  std::optional<SystemTime> last_failure;
  std::optional<Error> last_error;
  std::map<std::string, uint64_t> errors_by_kind;  // ErrorKindName(kind) -> count
  std::optional<DiscoveryInfo> discovery;          // last successful discovery
};

// Thread-safe: every method may be called concurrently from any thread. The engine and the
// clock must outlive the client. Destroying the client does not cancel requests in flight: they
// complete (or time out) on the engine and their Pendings still become ready.
class MemberClient final : public MemberApi {
 public:
  MemberClient(MemberRef ref, MemberClientOptions options, HttpEngine& engine, const Clock& clock,
               std::chrono::milliseconds dedupe_window = std::chrono::milliseconds(1000));
  ~MemberClient() override;
  MemberClient(const MemberClient&) = delete;
  MemberClient& operator=(const MemberClient&) = delete;

  const MemberRef& Ref() const override;
  Pending<DiscoveryInfo> Discovery() override;
  Pending<std::vector<DatabaseClusterStatus>> DbmsClusterStatus() override;
  Pending<DatabaseClusterStatus> DatabaseStatus(const std::string& database) override;
  Pending<EndpointAnswer> Endpoint(const std::string& database, EndpointKind kind) override;
  Pending<std::vector<DatabaseRow>> ShowDatabases() override;
  Pending<std::vector<DatabaseRow>> ShowDatabasesAt(const std::string& address) override;
  Pending<std::vector<ServerRow>> ShowServers() override;
  Pending<std::vector<std::pair<std::string, std::string>>> ClusterRoles(
      const std::vector<std::string>& databases) override;
  Pending<std::vector<OverviewRow>> ClusterOverview() override;

  MemberStats Stats() const;

 private:
  class Core;
  // Shared with the engine callbacks of requests in flight, which may outlive the client.
  std::shared_ptr<Core> core_;
};

// Percent-encodes everything but RFC 3986 unreserved characters (for database names in paths).
std::string UrlEncodePathSegment(std::string_view segment);

}  // namespace nca::neo4j
