// MemberApi: what collectors see of one Neo4j member. All calls are asynchronous and never block:
// they return a Pending<T> (a shared future) that the caller awaits with its own deadline
// (AwaitUntil). Implementations deduplicate identical requests made within a short window
// (single-flight), so several collectors asking for the same thing cause one HTTP request.
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "neo4j/model.h"

namespace nca::neo4j {

template <typename T>
using Pending = std::shared_future<Result<T>>;

// A Pending that is already complete (used by fakes and for cached answers).
template <typename T>
Pending<T> Ready(Result<T> r) {
  std::promise<Result<T>> p;
  p.set_value(std::move(r));
  return p.get_future().share();
}

// Waits until `deadline` (steady clock) for `p`; a kTimeout error if it is not ready by then.
// The underlying request is not cancelled: it finishes (or times out) on its own.
template <typename T>
Result<T> AwaitUntil(const Pending<T>& p, MonoTime deadline) {
  if (!p.valid()) {
    return MakeError(ErrorKind::kInternal, "no request");
  }
  if (p.wait_until(deadline) != std::future_status::ready) {
    return MakeError(ErrorKind::kTimeout, "no answer before the collection deadline");
  }
  return p.get();
}

// Identity of a configured member.
struct MemberRef {
  std::string cluster;  // configured cluster name
  std::string name;     // configured member name (defaults to host:port)
  std::string url;      // base HTTP(S) URL, e.g. http://127.0.0.1:7474
};

// Thread-safe: every method may be called concurrently from any collector thread.
class MemberApi {
 public:
  virtual ~MemberApi() = default;

  virtual const MemberRef& Ref() const = 0;

  // GET / (Accept: application/json). Cached by implementations and refreshed periodically, as
  // the dialect and Cypher transport are chosen from it.
  virtual Pending<DiscoveryInfo> Discovery() = 0;

  // GET /dbms/cluster/status: every *available* database on this member (unavailable ones are
  // left out by Neo4j).
  virtual Pending<std::vector<DatabaseClusterStatus>> DbmsClusterStatus() = 0;

  // GET /db/<db>/cluster/status.
  virtual Pending<DatabaseClusterStatus> DatabaseStatus(const std::string& database) = 0;

  // GET /db/<db>/cluster/{available,writable,read-only}.
  virtual Pending<EndpointAnswer> Endpoint(const std::string& database, EndpointKind kind) = 0;

  // SHOW DATABASES YIELD * on the system database (both dialects), rows as this member sees them.
  virtual Pending<std::vector<DatabaseRow>> ShowDatabases() = 0;

  // SHOW DATABASES YIELD * WHERE address = $address: only the rows of the server at `address`
  // (host:port, as the `address` column reports it). What a collector that reads the member's own
  // rows asks for: the member filters, so the answer stays one row per database instead of one per
  // database and server (the whole table from every member grows with the square of the members).
  virtual Pending<std::vector<DatabaseRow>> ShowDatabasesAt(const std::string& address) = 0;

  // SHOW SERVERS YIELD * (5.x dialect only; an kInvalidArgument error on 4.x).
  virtual Pending<std::vector<ServerRow>> ShowServers() = 0;

  // CALL dbms.cluster.role($database) for each database, in one request (4.x only).
  virtual Pending<std::vector<std::pair<std::string, std::string>>> ClusterRoles(
      const std::vector<std::string>& databases) = 0;

  // CALL dbms.cluster.overview() (4.x only).
  virtual Pending<std::vector<OverviewRow>> ClusterOverview() = 0;
};

using MemberApiPtr = std::unique_ptr<MemberApi>;

}  // namespace nca::neo4j
