// Pure parsers for Neo4j HTTP answers: bytes in, model values (neo4j/model.h) or an Error out.
// No I/O, no logging, no clocks; every function is thread-safe and total (never throws).
// Tested against every payload in tests/fixtures/neo4j/ (copied from the reference).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "neo4j/model.h"

namespace nca::neo4j {

// GET / discovery document. Chooses dialect (major < 5 -> kV4) and transport (Query API when a
// "query" key is present). Malformed JSON or a missing neo4j_version -> kMalformed.
Result<DiscoveryInfo> ParseDiscovery(std::string_view body);

// Splits a version string: "4.4.0" -> (4, 4), "2026.03" -> (2026, 3), "5.0.0-SNAPSHOT" -> (5, 0).
std::optional<std::pair<int, int>> ParseVersion(std::string_view version);

// /db/<db>/cluster/status body. `database` fills DatabaseClusterStatus::database.
// Accepts "healthy" or "isHealthy"; optional keys may be missing or null.
Result<DatabaseClusterStatus> ParseDatabaseStatus(std::string_view body, std::string_view database);

// /dbms/cluster/status body: a JSON array of {databaseName, databaseUuid, databaseStatus}.
Result<std::vector<DatabaseClusterStatus>> ParseDbmsClusterStatus(std::string_view body);

// /db/<db>/cluster/{available,writable,read-only}: status code + body + Retry-After header value
// ("" if absent). 200 "true" -> kTrue; 404 "false" -> kFalse; 404 other -> kNotHosted;
// 503 -> kUnavailable (message = body, retry_after parsed); 403 -> kForbidden; anything else
// (incl. 200 with a body other than "true") -> Error (kMalformed / status-mapped kind).
Result<EndpointAnswer> ParseEndpointAnswer(int http_status, std::string_view body,
                                           std::string_view retry_after_header);

// Builds the Error for a non-success HTTP answer from Neo4j, using the documented error bodies
// ({"errors":[{"code"|"error": "...", "message": "..."}]}) when present: 401 -> kUnauthorized,
// 400 -> kBadRequest, 403 -> kForbidden, 404 -> kNotFound, 429 -> kRateLimited, 503 ->
// kUnavailable (with Retry-After), other 5xx -> kServerError, else kHttpStatus. The message is
// human-readable and never contains credentials.
Error ErrorFromHttp(int http_status, std::string_view body, std::string_view retry_after_header);

// POST /db/<db>/tx/commit response (4.x and 5.x). `statement_index` selects which result of a
// multi-statement request to return (0 = first). A non-empty "errors" array -> kNeo4jError with
// neo4j_code and message of the first error.
Result<CypherResult> ParseTxCommit(std::string_view body, std::size_t statement_index = 0);

// Every result of a multi-statement tx/commit response, in statement order.
Result<std::vector<CypherResult>> ParseTxCommitAll(std::string_view body);

// POST /db/<db>/query/v2 response (202 on success). Accepts both shapes of data.values: the
// current list of rows ([[v1, v2], ...]) and the 2024 flat list ([v1, v2, ...], chunked into
// rows of fields.size()). An "errors" array -> kNeo4jError.
Result<CypherResult> ParseQueryApi(std::string_view body);

// Row mappers: look columns up by name (order-independent); missing optional columns stay
// empty. Roles are normalised into DatabaseRole (4.x leader/follower/read_replica/standalone,
// 5.x primary+writer / secondary, "unknown").
Result<std::vector<DatabaseRow>> ToDatabaseRows(const CypherResult& result);
Result<std::vector<ServerRow>> ToServerRows(const CypherResult& result);
Result<std::vector<OverviewRow>> ToOverviewRows(const CypherResult& result);
// CALL dbms.cluster.role(db): single column "role" -> "LEADER" / "FOLLOWER" / "READ_REPLICA".
Result<std::string> ToClusterRole(const CypherResult& result);

// Normalises a 4.x procedure role ("LEADER", "FOLLOWER", "READ_REPLICA", "CANDIDATE") or a
// SHOW DATABASES role ("leader", "follower", "read_replica", "standalone", "primary",
// "secondary", "unknown"); `writer` disambiguates 5.x primaries.
DatabaseRole NormaliseRole(std::string_view role, std::optional<bool> writer);

// Stable label value for a role: "leader", "follower", "candidate", "secondary", "standalone",
// "unknown".
std::string_view RoleName(DatabaseRole role);

}  // namespace nca::neo4j
