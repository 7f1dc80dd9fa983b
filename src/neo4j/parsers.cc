// Parsers for Neo4j's HTTP answers other than Cypher results: the discovery document and
// version strings, the cluster status endpoints (/db/<db>/cluster/status, /dbms/cluster/status,
// /db/<db>/cluster/{available,writable,read-only}) and the Error for a non-success HTTP answer.
// The Cypher transports and row mappers live in parsers_cypher.cc, the shared helpers in
// parsers_internal.{h,cc}.
#include "neo4j/parsers.h"

#include <algorithm>
#include <charconv>
#include <string>
#include <utility>

#include "common/strings.h"
#include "neo4j/parsers_internal.h"

namespace nca::neo4j {
namespace {

using internal::FieldReader;
using internal::FirstNeo4jError;
using internal::Lower;
using internal::Malformed;
using internal::ParseJson;
using internal::Total;
using nlohmann::json;

constexpr std::size_t kMaxSnippet = 200;

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

}  // namespace nca::neo4j
