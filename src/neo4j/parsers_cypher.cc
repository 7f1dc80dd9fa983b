// Parsers for Cypher results over HTTP: the tx/commit and Query API response envelopes
// (ParseTxCommit, ParseTxCommitAll, ParseQueryApi), the row mappers that turn a CypherResult
// into SHOW DATABASES / SHOW SERVERS / dbms.cluster.overview / dbms.cluster.role rows, and role
// normalisation (NormaliseRole, RoleName). Shared helpers live in parsers_internal.{h,cc}.
#include <algorithm>
#include <iterator>
#include <string>
#include <unordered_map>
#include <utility>

#include "common/strings.h"
#include "neo4j/parsers.h"
#include "neo4j/parsers_internal.h"

namespace nca::neo4j {
namespace {

using internal::FieldReader;
using internal::FirstNeo4jError;
using internal::Lower;
using internal::Malformed;
using internal::Neo4jErrorEntry;
using internal::ParseJson;
using internal::Quoted;
using internal::Total;
using nlohmann::json;

Error Neo4jError(const Neo4jErrorEntry& entry) {
  Error e;
  e.kind = ErrorKind::kNeo4jError;
  e.neo4j_code = entry.code;
  e.message = entry.message.empty() ? std::string("Neo4j reported an error") : entry.message;
  if (entry.total > 1) {
    e.message += " (and " + std::to_string(entry.total - 1) + " more errors)";
  }
  return e;
}

// The part both Cypher transports share: a JSON object whose optional "errors" array, when
// non-empty, turns the whole answer into a kNeo4jError.
Result<json> CypherEnvelope(std::string_view body, std::string_view context) {
  auto doc = ParseJson(body);
  if (!doc) {
    return Malformed(context, "invalid JSON");
  }
  if (!doc->is_object()) {
    return Malformed(context, "not a JSON object");
  }
  if (const auto errors = doc->find("errors"); errors != doc->end() && !errors->is_array()) {
    return Malformed(context, "\"errors\" is not an array");
  }
  if (const auto entry = FirstNeo4jError(*doc)) {
    return Neo4jError(*entry);
  }
  return std::move(*doc);
}

Result<std::vector<CypherResult>> TxCommitAll(std::string_view body) {
  constexpr std::string_view kContext = "tx/commit response";
  auto envelope = CypherEnvelope(body, kContext);
  if (!envelope) {
    return envelope.error();
  }
  // Not const: the row values are moved out of the parsed document, not copied.
  json* doc = &*envelope;
  const auto results = doc->find("results");
  if (results == doc->end()) {
    return Malformed(kContext, "missing key \"results\"");
  }
  if (!results->is_array()) {
    return Malformed(kContext, "\"results\" is not an array");
  }
  std::vector<CypherResult> out;
  out.reserve(results->size());
  for (std::size_t i = 0; i < results->size(); ++i) {
    json& res = (*results)[i];
    const std::string where = "results[" + std::to_string(i) + "]";
    if (!res.is_object()) {
      return Malformed(kContext, Quoted(where) + " is not an object");
    }
    FieldReader r(res, std::string(kContext) + ": " + where);
    CypherResult cypher;
    cypher.columns = r.RequiredStringList("columns");
    (void)r.Require("data");
    if (!r.ok()) {
      return r.TakeError();
    }
    json* data = &*res.find("data");  // present: Require found it
    if (!data->is_array()) {
      return Malformed(kContext, Quoted(where + ".data") + " is not an array");
    }
    cypher.rows.reserve(data->size());
    for (std::size_t j = 0; j < data->size(); ++j) {
      json& entry = (*data)[j];
      const std::string row_where = where + ".data[" + std::to_string(j) + "]";
      if (!entry.is_object()) {
        return Malformed(kContext, Quoted(row_where) + " is not an object");
      }
      const auto row = entry.find("row");
      if (row == entry.end()) {
        return Malformed(kContext, row_where + ": missing key \"row\"");
      }
      if (!row->is_array()) {
        return Malformed(kContext, Quoted(row_where + ".row") + " is not an array");
      }
      if (row->size() != cypher.columns.size()) {
        return Malformed(kContext, Quoted(row_where + ".row") + " has " +
                                       std::to_string(row->size()) + " values for " +
                                       std::to_string(cypher.columns.size()) + " columns");
      }
      cypher.rows.emplace_back(std::make_move_iterator(row->begin()),
                               std::make_move_iterator(row->end()));
    }
    out.push_back(std::move(cypher));
  }
  return out;
}

Result<CypherResult> QueryApi(std::string_view body) {
  constexpr std::string_view kContext = "query API response";
  auto envelope = CypherEnvelope(body, kContext);
  if (!envelope) {
    return envelope.error();
  }
  json* doc = &*envelope;  // not const: the values are moved out, not copied
  const auto data = doc->find("data");
  if (data == doc->end()) {
    return Malformed(kContext, "missing key \"data\"");
  }
  if (!data->is_object()) {
    return Malformed(kContext, "\"data\" is not an object");
  }
  FieldReader r(*data, std::string(kContext) + ": data");
  CypherResult out;
  out.columns = r.RequiredStringList("fields");
  (void)r.Require("values");
  if (!r.ok()) {
    return r.TakeError();
  }
  json* values = &*data->find("values");  // present: Require found it
  if (!values->is_array()) {
    return Malformed(kContext, "\"data.values\" is not an array");
  }
  const std::size_t width = out.columns.size();
  // Current shape: a list of rows, each a list of `width` values. The 2024 shape is one flat
  // list of values; when every element is a list of exactly `width` values the (ambiguous) body
  // is read as rows, the current shape.
  const bool nested = std::all_of(values->begin(), values->end(), [width](const json& v) {
    return v.is_array() && v.size() == width;
  });
  if (nested) {
    out.rows.reserve(values->size());
    for (json& row : *values) {
      out.rows.emplace_back(std::make_move_iterator(row.begin()),
                            std::make_move_iterator(row.end()));
    }
    return out;
  }
  if (width == 0 || values->size() % width != 0) {
    return Malformed(kContext, "\"data.values\" has " + std::to_string(values->size()) +
                                   " values, not rows of " + std::to_string(width) + " fields");
  }
  out.rows.reserve(values->size() / width);
  for (std::size_t i = 0; i < values->size(); i += width) {
    out.rows.emplace_back(
        std::make_move_iterator(values->begin() + static_cast<std::ptrdiff_t>(i)),
        std::make_move_iterator(values->begin() + static_cast<std::ptrdiff_t>(i + width)));
  }
  return out;
}

internal::ColumnMap ColumnIndex(const CypherResult& result) {
  internal::ColumnMap index;
  for (std::size_t i = 0; i < result.columns.size(); ++i) {
    index.emplace(result.columns[i], i);  // first occurrence wins
  }
  return index;
}

std::optional<Error> CheckRowWidths(const CypherResult& result, std::string_view context) {
  for (std::size_t i = 0; i < result.rows.size(); ++i) {
    if (result.rows[i].size() != result.columns.size()) {
      return Malformed(context, "row " + std::to_string(i) + " has " +
                                    std::to_string(result.rows[i].size()) + " values for " +
                                    std::to_string(result.columns.size()) + " columns");
    }
  }
  return std::nullopt;
}

std::string RowContext(std::string_view context, std::size_t row) {
  return std::string(context) + ": row " + std::to_string(row);
}

Result<std::vector<DatabaseRow>> DatabaseRows(const CypherResult& result) {
  constexpr std::string_view kContext = "SHOW DATABASES";
  const auto columns = ColumnIndex(result);
  if (columns.count("name") == 0) {
    return Malformed(kContext, "missing column \"name\"");
  }
  if (auto err = CheckRowWidths(result, kContext)) {
    return std::move(*err);
  }
  std::vector<DatabaseRow> out;
  out.reserve(result.rows.size());
  for (std::size_t i = 0; i < result.rows.size(); ++i) {
    FieldReader r(columns, result.rows[i], RowContext(kContext, i));
    DatabaseRow row;
    row.name = r.RequiredString("name");
    row.type = r.OptionalString("type");
    row.address = r.OptionalString("address");
    row.role_raw = r.OptionalString("role").value_or(std::string());
    row.writer = r.OptionalBool("writer");
    row.requested_status = r.OptionalString("requestedStatus").value_or(std::string());
    row.current_status = r.OptionalString("currentStatus").value_or(std::string());
    // 5.x statusMessage replaced 4.x error.
    auto message = r.OptionalString("statusMessage");
    if (!message) {
      message = r.OptionalString("error");
    }
    row.status_message = message.value_or(std::string());
    row.is_default = r.OptionalBool("default").value_or(false);
    row.server_id = r.OptionalString("serverID");
    row.database_id = r.OptionalString("databaseID");
    row.last_committed_txn = r.OptionalInt("lastCommittedTxn");
    row.replication_lag = r.OptionalInt("replicationLag");
    row.current_primaries_count = r.OptionalInt("currentPrimariesCount");
    row.current_secondaries_count = r.OptionalInt("currentSecondariesCount");
    row.requested_primaries_count = r.OptionalInt("requestedPrimariesCount");
    row.requested_secondaries_count = r.OptionalInt("requestedSecondariesCount");
    if (!r.ok()) {
      return r.TakeError();
    }
    row.role = NormaliseRole(row.role_raw, row.writer);
    out.push_back(std::move(row));
  }
  return out;
}

Result<std::vector<ServerRow>> ServerRows(const CypherResult& result) {
  constexpr std::string_view kContext = "SHOW SERVERS";
  const auto columns = ColumnIndex(result);
  if (columns.count("serverId") == 0 && columns.count("name") == 0) {
    return Malformed(kContext, "missing column \"serverId\"");
  }
  if (auto err = CheckRowWidths(result, kContext)) {
    return std::move(*err);
  }
  std::vector<ServerRow> out;
  out.reserve(result.rows.size());
  for (std::size_t i = 0; i < result.rows.size(); ++i) {
    FieldReader r(columns, result.rows[i], RowContext(kContext, i));
    ServerRow row;
    row.server_id = r.OptionalString("serverId").value_or(std::string());
    row.name = r.OptionalString("name").value_or(std::string());
    row.address = r.OptionalString("address");
    row.http_address = r.OptionalString("httpAddress");
    row.https_address = r.OptionalString("httpsAddress");
    row.state = r.OptionalString("state").value_or(std::string());
    row.health = r.OptionalString("health").value_or(std::string());
    row.hosting = r.OptionalStringList("hosting");
    row.requested_hosting = r.OptionalStringList("requestedHosting");
    row.tags = r.OptionalStringList("tags");
    row.mode_constraint = r.OptionalString("modeConstraint");
    row.version = r.OptionalString("version");
    if (!r.ok()) {
      return r.TakeError();
    }
    if (row.server_id.empty() && row.name.empty()) {
      return Malformed(RowContext(kContext, i), "neither \"serverId\" nor \"name\" is set");
    }
    out.push_back(std::move(row));
  }
  return out;
}

Result<std::vector<OverviewRow>> OverviewRows(const CypherResult& result) {
  constexpr std::string_view kContext = "dbms.cluster.overview";
  const auto columns = ColumnIndex(result);
  if (columns.count("id") == 0) {
    return Malformed(kContext, "missing column \"id\"");
  }
  if (auto err = CheckRowWidths(result, kContext)) {
    return std::move(*err);
  }
  std::vector<OverviewRow> out;
  out.reserve(result.rows.size());
  for (std::size_t i = 0; i < result.rows.size(); ++i) {
    FieldReader r(columns, result.rows[i], RowContext(kContext, i));
    OverviewRow row;
    row.id = r.RequiredString("id");
    row.addresses = r.OptionalStringList("addresses");
    row.groups = r.OptionalStringList("groups");
    row.databases = r.OptionalStringMap("databases");
    if (!r.ok()) {
      return r.TakeError();
    }
    out.push_back(std::move(row));
  }
  return out;
}

Result<std::string> ClusterRole(const CypherResult& result) {
  constexpr std::string_view kContext = "dbms.cluster.role";
  const auto columns = ColumnIndex(result);
  if (columns.count("role") == 0) {
    return Malformed(kContext, "missing column \"role\"");
  }
  if (auto err = CheckRowWidths(result, kContext)) {
    return std::move(*err);
  }
  if (result.rows.empty()) {
    return Malformed(kContext, "no rows");
  }
  FieldReader r(columns, result.rows.front(), RowContext(kContext, 0));
  std::string role = r.RequiredString("role");
  if (!r.ok()) {
    return r.TakeError();
  }
  return role;
}

}  // namespace

Result<CypherResult> ParseTxCommit(std::string_view body, std::size_t statement_index) {
  return Total([&]() -> Result<CypherResult> {
    auto all = TxCommitAll(body);
    if (!all.ok()) {
      return all.error();
    }
    if (statement_index >= all->size()) {
      return Malformed("tx/commit response", "no result for statement " +
                                                 std::to_string(statement_index) + " (" +
                                                 std::to_string(all->size()) + " results)");
    }
    return std::move((*all)[statement_index]);
  });
}

Result<std::vector<CypherResult>> ParseTxCommitAll(std::string_view body) {
  return Total([&] { return TxCommitAll(body); });
}

Result<CypherResult> ParseQueryApi(std::string_view body) {
  return Total([&] { return QueryApi(body); });
}

Result<std::vector<DatabaseRow>> ToDatabaseRows(const CypherResult& result) {
  return Total([&] { return DatabaseRows(result); });
}

Result<std::vector<ServerRow>> ToServerRows(const CypherResult& result) {
  return Total([&] { return ServerRows(result); });
}

Result<std::vector<OverviewRow>> ToOverviewRows(const CypherResult& result) {
  return Total([&] { return OverviewRows(result); });
}

Result<std::string> ToClusterRole(const CypherResult& result) {
  return Total([&] { return ClusterRole(result); });
}

DatabaseRole NormaliseRole(std::string_view role, std::optional<bool> writer) {
  const std::string r = Lower(TrimSpace(role));
  if (r == "leader") {
    return DatabaseRole::kLeader;
  }
  if (r == "follower") {
    return DatabaseRole::kFollower;
  }
  if (r == "candidate") {
    return DatabaseRole::kCandidate;
  }
  if (r == "read_replica" || r == "secondary") {
    return DatabaseRole::kSecondary;
  }
  if (r == "standalone") {
    return DatabaseRole::kStandalone;
  }
  if (r == "primary") {
    return writer.value_or(false) ? DatabaseRole::kLeader : DatabaseRole::kFollower;
  }
  return DatabaseRole::kUnknown;
}

std::string_view RoleName(DatabaseRole role) {
  switch (role) {
    case DatabaseRole::kLeader:
      return "leader";
    case DatabaseRole::kFollower:
      return "follower";
    case DatabaseRole::kCandidate:
      return "candidate";
    case DatabaseRole::kSecondary:
      return "secondary";
    case DatabaseRole::kStandalone:
      return "standalone";
    case DatabaseRole::kUnknown:
      return "unknown";
  }
  return "unknown";
}

}  // namespace nca::neo4j
