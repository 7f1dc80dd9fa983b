#include "neo4j/parsers.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <new>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <utility>

#include "common/json_depth.h"
#include "common/strings.h"

namespace nca::neo4j {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxSnippet = 200;

// Parses without exceptions; nullopt when the body is not one JSON value, or nests deeper than
// kMaxJsonDepth (copying such a value would overflow the stack).
std::optional<json> ParseJson(std::string_view body) {
  if (!JsonDepthWithin(body)) {
    return std::nullopt;
  }
  json parsed = json::parse(body.begin(), body.end(), /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return std::nullopt;
  }
  return parsed;
}

Error Malformed(std::string_view context, std::string_view what) {
  std::string message(context);
  message += ": ";
  message += what;
  return MakeError(ErrorKind::kMalformed, std::move(message));
}

std::string Quoted(std::string_view name) {
  std::string out = "\"";
  out += name;
  out += '"';
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// Printable-ASCII copy of untrusted text for error messages: control characters become spaces,
// other bytes '?', runs of spaces collapse, and the result is capped at kMaxSnippet bytes.
std::string Sanitise(std::string_view text) {
  std::string out;
  out.reserve(std::min(text.size(), kMaxSnippet + 3));
  for (char raw : TrimSpace(text)) {
    const auto c = static_cast<unsigned char>(raw);
    char mapped = '?';
    if (c < 0x20 || c == 0x7f) {
      mapped = ' ';
    } else if (c < 0x7f) {
      mapped = static_cast<char>(c);
    }
    if (mapped == ' ' && !out.empty() && out.back() == ' ') {
      continue;
    }
    if (out.size() >= kMaxSnippet) {
      out += "...";
      break;
    }
    out += mapped;
  }
  return out;
}

// True when untrusted text looks like it could echo request headers (a proxy error page): such
// text is never copied into an Error. Checked on the text as Sanitise prints it too, where
// control characters are spaces: "Basic\t<credentials>" would print as "Basic <credentials>".
bool MayEchoCredentials(std::string_view text) {
  for (const std::string& lower : {Lower(text), Lower(Sanitise(text))}) {
    for (std::string_view needle : {"authorization", "basic ", "bearer ", "password="}) {
      if (lower.find(needle) != std::string::npos) {
        return true;
      }
    }
  }
  return false;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return {};
  }
}

ErrorKind KindForStatus(int status) {
  switch (status) {
    case 400:
      return ErrorKind::kBadRequest;
    case 401:
      return ErrorKind::kUnauthorized;
    case 403:
      return ErrorKind::kForbidden;
    case 404:
      return ErrorKind::kNotFound;
    case 429:
      return ErrorKind::kRateLimited;
    case 503:
      return ErrorKind::kUnavailable;
    default:
      break;
  }
  if (status >= 500 && status <= 599) {
    return ErrorKind::kServerError;
  }
  return ErrorKind::kHttpStatus;
}

// Retry-After in delta-seconds form; HTTP-dates and garbage give nullopt.
std::optional<int> ParseRetryAfter(std::string_view header) {
  const std::string_view value = TrimSpace(header);
  if (value.empty()) {
    return std::nullopt;
  }
  int seconds = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || ptr != value.data() + value.size() || seconds < 0) {
    return std::nullopt;
  }
  return seconds;
}

// The first entry of a Neo4j {"errors":[...]} array: code ("code", or "error" in some versions)
// and message. nullopt when `doc` carries no such entry.
struct Neo4jErrorEntry {
  std::string code;
  std::string message;
  std::size_t total = 0;
};

std::optional<Neo4jErrorEntry> FirstNeo4jError(const json& doc) {
  if (!doc.is_object()) {
    return std::nullopt;
  }
  const auto it = doc.find("errors");
  if (it == doc.end() || !it->is_array() || it->empty()) {
    return std::nullopt;
  }
  Neo4jErrorEntry entry;
  entry.total = it->size();
  const json& first = it->front();
  if (!first.is_object()) {
    return entry;
  }
  for (const char* key : {"code", "error"}) {
    const auto code = first.find(key);
    if (code != first.end() && code->is_string()) {
      entry.code = code->get<std::string>();
      break;
    }
  }
  const auto message = first.find("message");
  if (message != first.end() && message->is_string()) {
    entry.message = message->get<std::string>();
  }
  return entry;
}

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

enum class IntStatus { kOk, kNotInteger, kOutOfRange };

IntStatus ToInt64(const json& v, int64_t* out) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return IntStatus::kOutOfRange;
    }
    *out = static_cast<int64_t>(u);
    return IntStatus::kOk;
  }
  if (v.is_number_integer()) {
    *out = v.get<int64_t>();
    return IntStatus::kOk;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d) || d != std::trunc(d)) {
      return IntStatus::kNotInteger;
    }
    // 2^63 is exactly representable; every double below it (and >= -2^63) fits in int64_t.
    constexpr double kLimit = 9223372036854775808.0;
    if (d >= kLimit || d < -kLimit) {
      return IntStatus::kOutOfRange;
    }
    *out = static_cast<int64_t>(d);
    return IntStatus::kOk;
  }
  return IntStatus::kNotInteger;
}

// Reads typed fields from a JSON object (by key) or from a Cypher row (by column name) and
// remembers the first problem as a kMalformed Error naming the key/column. Getters return a
// default value after an error; callers check ok() once at the end.
// Not thread-safe: lives on one stack frame.
class FieldReader {
 public:
  // Reads keys of `object` (which the caller has checked is an object).
  FieldReader(const json& object, std::string context)
      : object_(&object), context_(std::move(context)) {}

  // Reads the columns of `row` (positions in `columns`).
  FieldReader(const std::unordered_map<std::string, std::size_t>& columns,
              const std::vector<json>& row, std::string context)
      : columns_(&columns), row_(&row), context_(std::move(context)) {}

  bool ok() const { return !error_.has_value(); }
  Error TakeError() { return std::move(*error_); }

  // Present and non-null value, or nullptr.
  const json* Find(std::string_view name) const {
    if (object_ != nullptr) {
      const auto it = object_->find(name);
      if (it == object_->end() || it->is_null()) {
        return nullptr;
      }
      return &*it;
    }
    const auto it = columns_->find(std::string(name));
    if (it == columns_->end() || it->second >= row_->size() || (*row_)[it->second].is_null()) {
      return nullptr;
    }
    return &(*row_)[it->second];
  }

  bool Has(std::string_view name) const {
    if (object_ != nullptr) {
      return object_->contains(name);
    }
    return columns_->count(std::string(name)) > 0;
  }

  // Required: the key/column must exist; a null value is accepted only when `allow_null`.
  const json* Require(std::string_view name, bool allow_null = false) {
    if (!Has(name)) {
      Fail(std::string("missing ") + Noun() + " " + Quoted(name));
      return nullptr;
    }
    const json* v = Find(name);
    if (v == nullptr && !allow_null) {
      Fail(Quoted(name) + " is null");
    }
    return v;
  }

  std::string RequiredString(std::string_view name) {
    return StringOf(name, Require(name)).value_or(std::string());
  }
  std::optional<std::string> OptionalString(std::string_view name) {
    return StringOf(name, Find(name));
  }

  bool RequiredBool(std::string_view name) { return BoolOf(name, Require(name)).value_or(false); }
  std::optional<bool> OptionalBool(std::string_view name) { return BoolOf(name, Find(name)); }

  int64_t RequiredInt(std::string_view name) { return IntOf(name, Require(name)).value_or(0); }
  std::optional<int64_t> OptionalInt(std::string_view name) { return IntOf(name, Find(name)); }

  std::optional<double> OptionalNumber(std::string_view name) {
    const json* v = Find(name);
    if (v == nullptr) {
      return std::nullopt;
    }
    if (!v->is_number()) {
      Fail(Quoted(name) + " is not a number");
      return std::nullopt;
    }
    return v->get<double>();
  }

  std::vector<std::string> RequiredStringList(std::string_view name) {
    return StringListOf(name, Require(name));
  }
  // Missing or null -> empty.
  std::vector<std::string> OptionalStringList(std::string_view name) {
    return StringListOf(name, Find(name));
  }

  // Missing or null -> empty; values must be strings.
  std::map<std::string, std::string> OptionalStringMap(std::string_view name) {
    std::map<std::string, std::string> out;
    const json* v = Find(name);
    if (v == nullptr) {
      return out;
    }
    if (!v->is_object()) {
      Fail(Quoted(name) + " is not a map");
      return out;
    }
    for (const auto& [key, value] : v->items()) {
      if (!value.is_string()) {
        Fail(Quoted(std::string(name) + "." + key) + " is not a string");
        return out;
      }
      out.emplace(key, value.get<std::string>());
    }
    return out;
  }

  void Fail(std::string what) {
    if (!error_) {
      error_ = Malformed(context_, what);
    }
  }

 private:
  const char* Noun() const { return object_ != nullptr ? "key" : "column"; }

  std::optional<std::string> StringOf(std::string_view name, const json* v) {
    if (v == nullptr) {
      return std::nullopt;
    }
    if (!v->is_string()) {
      Fail(Quoted(name) + " is not a string");
      return std::nullopt;
    }
    return v->get<std::string>();
  }

  std::optional<bool> BoolOf(std::string_view name, const json* v) {
    if (v == nullptr) {
      return std::nullopt;
    }
    if (!v->is_boolean()) {
      Fail(Quoted(name) + " is not a boolean");
      return std::nullopt;
    }
    return v->get<bool>();
  }

  std::optional<int64_t> IntOf(std::string_view name, const json* v) {
    if (v == nullptr) {
      return std::nullopt;
    }
    int64_t out = 0;
    switch (ToInt64(*v, &out)) {
      case IntStatus::kOk:
        return out;
      case IntStatus::kNotInteger:
        Fail(Quoted(name) + " is not an integer");
        return std::nullopt;
      case IntStatus::kOutOfRange:
        Fail(Quoted(name) + " is out of range");
        return std::nullopt;
    }
    return std::nullopt;
  }

  std::vector<std::string> StringListOf(std::string_view name, const json* v) {
    std::vector<std::string> out;
    if (v == nullptr) {
      return out;
    }
    if (!v->is_array()) {
      Fail(Quoted(name) + " is not an array");
      return out;
    }
    out.reserve(v->size());
    for (std::size_t i = 0; i < v->size(); ++i) {
      const json& item = (*v)[i];
      if (!item.is_string()) {
        Fail(Quoted(std::string(name) + "[" + std::to_string(i) + "]") + " is not a string");
        return {};
      }
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  const json* object_ = nullptr;
  const std::unordered_map<std::string, std::size_t>* columns_ = nullptr;
  const std::vector<json>* row_ = nullptr;
  std::string context_;
  std::optional<Error> error_;
};

Result<DatabaseClusterStatus> StatusFromObject(const json& doc, std::string database,
                                               const std::string& context) {
  if (!doc.is_object()) {
    return Malformed(context, "not a JSON object");
  }
  FieldReader r(doc, context);
  DatabaseClusterStatus s;
  s.database = std::move(database);
  s.core = r.RequiredBool("core");
  s.last_applied_raft_index = r.RequiredInt("lastAppliedRaftIndex");
  s.participating_in_raft_group = r.RequiredBool("participatingInRaftGroup");
  s.voting_members = r.RequiredStringList("votingMembers");
  s.member_id = r.RequiredString("memberId");
  // The source serialises "healthy"; the manuals show "isHealthy".
  s.healthy = r.OptionalBool("healthy");
  if (!s.healthy) {
    s.healthy = r.OptionalBool("isHealthy");
  }
  s.discovery_healthy = r.OptionalBool("discoveryHealthy");
  s.leader = r.OptionalString("leader");
  s.millis_since_last_leader_message = r.OptionalInt("millisSinceLastLeaderMessage");
  s.raft_commands_per_second = r.OptionalNumber("raftCommandsPerSecond");
  if (!r.ok()) {
    return r.TakeError();
  }
  std::sort(s.voting_members.begin(), s.voting_members.end());
  return s;
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
  const json* doc = &*envelope;
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
    const json& res = (*results)[i];
    const std::string where = "results[" + std::to_string(i) + "]";
    if (!res.is_object()) {
      return Malformed(kContext, Quoted(where) + " is not an object");
    }
    FieldReader r(res, std::string(kContext) + ": " + where);
    CypherResult cypher;
    cypher.columns = r.RequiredStringList("columns");
    const json* data = r.Require("data");
    if (!r.ok()) {
      return r.TakeError();
    }
    if (!data->is_array()) {
      return Malformed(kContext, Quoted(where + ".data") + " is not an array");
    }
    cypher.rows.reserve(data->size());
    for (std::size_t j = 0; j < data->size(); ++j) {
      const json& entry = (*data)[j];
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
      cypher.rows.emplace_back(row->begin(), row->end());
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
  const json* doc = &*envelope;
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
  const json* values = r.Require("values");
  if (!r.ok()) {
    return r.TakeError();
  }
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
    for (const json& row : *values) {
      out.rows.emplace_back(row.begin(), row.end());
    }
    return out;
  }
  if (width == 0 || values->size() % width != 0) {
    return Malformed(kContext, "\"data.values\" has " + std::to_string(values->size()) +
                                   " values, not rows of " + std::to_string(width) + " fields");
  }
  out.rows.reserve(values->size() / width);
  for (std::size_t i = 0; i < values->size(); i += width) {
    out.rows.emplace_back(values->begin() + static_cast<std::ptrdiff_t>(i),
                          values->begin() + static_cast<std::ptrdiff_t>(i + width));
  }
  return out;
}

std::unordered_map<std::string, std::size_t> ColumnIndex(const CypherResult& result) {
  std::unordered_map<std::string, std::size_t> index;
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

Result<DiscoveryInfo> Discovery(std::string_view body) {
  constexpr std::string_view kContext = "discovery document";
  const auto doc = ParseJson(body);
  if (!doc) {
    return Malformed(kContext, "invalid JSON");
  }
  if (!doc->is_object()) {
    return Malformed(kContext, "not a JSON object");
  }
  FieldReader r(*doc, std::string(kContext));
  DiscoveryInfo info;
  info.version = r.RequiredString("neo4j_version");
  info.edition = r.OptionalString("neo4j_edition").value_or(std::string());
  info.bolt_direct = r.OptionalString("bolt_direct");
  info.bolt_routing = r.OptionalString("bolt_routing");
  info.transaction = r.OptionalString("transaction");
  info.query = r.OptionalString("query");
  const auto db_cluster = r.OptionalString("db/cluster");
  const auto dbms_cluster = r.OptionalString("dbms/cluster");
  const auto legacy_cluster = r.OptionalString("cluster");
  if (!r.ok()) {
    return r.TakeError();
  }
  const auto version = ParseVersion(info.version);
  if (!version) {
    return Malformed(kContext, "unrecognised neo4j_version \"" + Sanitise(info.version) + "\"");
  }
  info.major = version->first;
  info.minor = version->second;
  info.dialect = info.major < 5 ? Dialect::kV4 : Dialect::kV5;
  info.transport = info.query ? CypherTransport::kQueryApi : CypherTransport::kTransactional;
  info.has_cluster_endpoints = db_cluster || dbms_cluster || legacy_cluster;
  return info;
}

Result<DatabaseClusterStatus> DatabaseStatus(std::string_view body, std::string_view database) {
  constexpr std::string_view kContext = "cluster status";
  const auto doc = ParseJson(body);
  if (!doc) {
    return Malformed(kContext, "invalid JSON");
  }
  return StatusFromObject(*doc, std::string(database), std::string(kContext));
}

Result<std::vector<DatabaseClusterStatus>> DbmsClusterStatus(std::string_view body) {
  constexpr std::string_view kContext = "dbms cluster status";
  const auto doc = ParseJson(body);
  if (!doc) {
    return Malformed(kContext, "invalid JSON");
  }
  if (!doc->is_array()) {
    return Malformed(kContext, "not a JSON array");
  }
  std::vector<DatabaseClusterStatus> out;
  out.reserve(doc->size());
  for (std::size_t i = 0; i < doc->size(); ++i) {
    const json& entry = (*doc)[i];
    const std::string context = std::string(kContext) + ": [" + std::to_string(i) + "]";
    if (!entry.is_object()) {
      return Malformed(context, "not a JSON object");
    }
    FieldReader r(entry, context);
    std::string name = r.RequiredString("databaseName");
    auto uuid = r.OptionalString("databaseUuid");
    const json* status = r.Require("databaseStatus");
    if (!r.ok()) {
      return r.TakeError();
    }
    auto parsed = StatusFromObject(*status, std::move(name), context + ".databaseStatus");
    if (!parsed.ok()) {
      return parsed.error();
    }
    parsed->database_uuid = std::move(uuid);
    out.push_back(std::move(parsed).value());
  }
  return out;
}

Error HttpError(int http_status, std::string_view body, std::string_view retry_after_header) {
  Error e;
  e.kind = KindForStatus(http_status);
  e.http_status = http_status;
  e.retry_after_seconds = ParseRetryAfter(retry_after_header);
  if (const auto doc = ParseJson(body)) {
    if (const auto entry = FirstNeo4jError(*doc)) {
      e.neo4j_code = entry->code;
      e.message = entry->message;
    }
  }
  if (!e.message.empty()) {
    return e;
  }
  e.message = "HTTP " + std::to_string(http_status);
  if (const std::string_view reason = ReasonPhrase(http_status); !reason.empty()) {
    e.message += " ";
    e.message += reason;
  }
  const std::string_view text = TrimSpace(body);
  // Bodies that are markup (proxy error pages) or might echo request headers are left out.
  if (!text.empty() && e.neo4j_code.empty() && text.front() != '<' && text.front() != '{' &&
      text.front() != '[' && !MayEchoCredentials(text)) {
    e.message += ": " + Sanitise(text);
  }
  return e;
}

Result<EndpointAnswer> EndpointAnswerFor(int http_status, std::string_view body,
                                         std::string_view retry_after_header) {
  const std::string_view text = TrimSpace(body);
  EndpointAnswer answer;
  switch (http_status) {
    case 200:
      if (text == "true") {
        answer.state = EndpointState::kTrue;
        return answer;
      }
      {
        Error e = MakeError(ErrorKind::kMalformed, "cluster endpoint: HTTP 200 with body \"" +
                                                       Sanitise(text) + "\", expected \"true\"");
        e.http_status = http_status;
        return e;
      }
    case 404:
      if (text == "false") {
        answer.state = EndpointState::kFalse;
        return answer;
      }
      answer.state = EndpointState::kNotHosted;
      answer.message = "database not hosted on this member";
      return answer;
    case 503:
      answer.state = EndpointState::kUnavailable;
      answer.retry_after_seconds = ParseRetryAfter(retry_after_header);
      if (const auto doc = ParseJson(text)) {
        if (const auto entry = FirstNeo4jError(*doc)) {
          answer.message = entry->message;
        }
      } else if (!MayEchoCredentials(text)) {
        answer.message = Sanitise(text);  // the documented text/plain body
      }
      if (answer.message.empty()) {
        answer.message = "database unavailable";
      }
      return answer;
    case 403:
      answer.state = EndpointState::kForbidden;
      answer.message = "not a clustered member";
      return answer;
    default:
      return HttpError(http_status, body, retry_after_header);
  }
}

// Runs `fn` and turns any escaping exception into an Error, so every public function is total.
template <typename Fn>
auto Total(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return MakeError(ErrorKind::kInternal, "out of memory while parsing");
  } catch (const std::exception& ex) {
    return MakeError(ErrorKind::kMalformed, std::string("unexpected parse failure: ") + ex.what());
  } catch (...) {
    return MakeError(ErrorKind::kInternal, "unexpected parse failure");
  }
}

}  // namespace

std::optional<std::pair<int, int>> ParseVersion(std::string_view version) {
  // <major>[.<minor>[...]][-suffix]; both numbers at most 9 digits.
  const auto read_number = [](std::string_view s, std::size_t* pos) -> std::optional<int> {
    const std::size_t start = *pos;
    while (*pos < s.size() && s[*pos] >= '0' && s[*pos] <= '9') {
      ++*pos;
    }
    const std::size_t length = *pos - start;
    if (length == 0 || length > 9) {
      return std::nullopt;
    }
    int value = 0;
    std::from_chars(s.data() + start, s.data() + *pos, value);
    return value;
  };
  std::size_t pos = 0;
  const auto major = read_number(version, &pos);
  if (!major) {
    return std::nullopt;
  }
  int minor = 0;
  if (pos < version.size() && version[pos] == '.') {
    ++pos;
    const auto parsed = read_number(version, &pos);
    if (!parsed) {
      return std::nullopt;
    }
    minor = *parsed;
  }
  if (pos < version.size() && version[pos] != '.' && version[pos] != '-' && version[pos] != '+') {
    return std::nullopt;
  }
  return std::make_pair(*major, minor);
}

Result<DiscoveryInfo> ParseDiscovery(std::string_view body) {
  return Total([&] { return Discovery(body); });
}

Result<DatabaseClusterStatus> ParseDatabaseStatus(std::string_view body,
                                                  std::string_view database) {
  return Total([&] { return DatabaseStatus(body, database); });
}

Result<std::vector<DatabaseClusterStatus>> ParseDbmsClusterStatus(std::string_view body) {
  return Total([&] { return DbmsClusterStatus(body); });
}

Result<EndpointAnswer> ParseEndpointAnswer(int http_status, std::string_view body,
                                           std::string_view retry_after_header) {
  return Total([&] { return EndpointAnswerFor(http_status, body, retry_after_header); });
}

Error ErrorFromHttp(int http_status, std::string_view body, std::string_view retry_after_header) {
  try {
    return HttpError(http_status, body, retry_after_header);
  } catch (...) {
    Error e = MakeError(KindForStatus(http_status), "HTTP " + std::to_string(http_status));
    e.http_status = http_status;
    return e;
  }
}

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
