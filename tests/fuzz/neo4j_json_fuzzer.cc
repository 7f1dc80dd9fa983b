// libFuzzer harness for the Neo4j HTTP answer parsers (src/neo4j/parsers.h): every input is fed
// to each of them as a body (GET / discovery document, /db/<db>/cluster/status,
// /dbms/cluster/status, tx/commit, Query API, the cluster endpoint answers and error bodies),
// and every Cypher result that parses goes through the row mappers (SHOW DATABASES, SHOW SERVERS,
// dbms.cluster.overview, dbms.cluster.role). The parsers are total (never throw), so what is
// checked is that no exception, sanitizer report or invariant failure occurs.
// Run with tests/fuzz/run-fuzzer.sh neo4j_json SECONDS.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/strings.h"
#include "fuzz_check.h"
#include "neo4j/parsers.h"

namespace {

using nca::Error;
using nca::ErrorKind;
using nca::TrimSpace;
using nca::fuzz::Contains;
using nca::fuzz::Lower;
using nca::fuzz::PrintableAscii;
using nca::fuzz::StartsWith;
using namespace nca::neo4j;  // NOLINT(google-build-using-namespace): the parsers under test

// An Error from a parser's normal paths: not the catch-all of parsers.cc's Total() (which would
// mean an exception escaped the parsing code itself), with a message.
void CheckNotInternal(const Error& e) {
  FUZZ_CHECK_SHOW(e.kind != ErrorKind::kInternal, e.message, "");
  FUZZ_CHECK_SHOW(!StartsWith(e.message, "unexpected parse failure"), e.message, "");
  FUZZ_CHECK(!e.message.empty());
}

// A kMalformed error of a parser whose messages are fixed text, numbers and Sanitise()d
// snippets of the body: printable ASCII of bounded length.
void CheckMalformed(const Error& e) {
  CheckNotInternal(e);
  FUZZ_CHECK_SHOW(e.kind == ErrorKind::kMalformed, e.message, "");
  FUZZ_CHECK_SHOW(PrintableAscii(e.message) && e.message.size() < 600, e.message, "");
}

bool MayHoldCredentials(std::string_view message) {
  const std::string lower = Lower(message);
  return Contains(lower, "authorization") || Contains(lower, "bearer ") ||
         Contains(lower, "basic ") || Contains(lower, "password=");
}

// The message of the first entry of a Neo4j {"errors":[...]} body, when the body has one.
std::optional<std::string> JsonErrorMessage(std::string_view body) {
  const auto doc = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  const auto errors = doc.find("errors");
  if (errors == doc.end() || !errors->is_array() || errors->empty()) return std::nullopt;
  const auto& first = errors->front();
  if (!first.is_object()) return std::nullopt;
  const auto message = first.find("message");
  if (message == first.end() || !message->is_string()) return std::nullopt;
  auto text = message->get<std::string>();
  if (text.empty()) return std::nullopt;
  return text;
}

void CheckDiscovery(std::string_view body) {
  const auto r = ParseDiscovery(body);
  if (!r.ok()) {
    CheckMalformed(r.error());
    return;
  }
  // The numbers are those of the version string; dialect and transport follow from them.
  const auto version = ParseVersion(r->version);
  FUZZ_CHECK(version.has_value());
  FUZZ_CHECK(version->first == r->major && version->second == r->minor);
  FUZZ_CHECK((r->dialect == Dialect::kV4) == (r->major < 5));
  FUZZ_CHECK((r->transport == CypherTransport::kQueryApi) == r->query.has_value());
}

void CheckVersion(std::string_view text) {
  const auto v = ParseVersion(text);
  if (!v) return;
  // At most 9 digits each: never negative, never overflowed.
  FUZZ_CHECK(v->first >= 0 && v->first <= 999999999);
  FUZZ_CHECK(v->second >= 0 && v->second <= 999999999);
  FUZZ_CHECK(!text.empty() && text[0] >= '0' && text[0] <= '9');
}

void CheckStatus(const DatabaseClusterStatus& s) {
  FUZZ_CHECK(std::is_sorted(s.voting_members.begin(), s.voting_members.end()));
}

void CheckClusterStatus(std::string_view body) {
  const auto one = ParseDatabaseStatus(body, "neo4j");
  if (one.ok()) {
    FUZZ_CHECK(one->database == "neo4j");
    FUZZ_CHECK(!one->database_uuid.has_value());
    CheckStatus(*one);
  } else {
    CheckMalformed(one.error());
  }
  const auto all = ParseDbmsClusterStatus(body);
  if (all.ok()) {
    for (const auto& s : *all) CheckStatus(s);
  } else {
    CheckMalformed(all.error());
  }
}

// The row mappers accept or reject any well-formed CypherResult cleanly, and map row for row.
void CheckRows(const CypherResult& result) {
  const auto dbs = ToDatabaseRows(result);
  if (dbs.ok()) {
    FUZZ_CHECK(dbs->size() == result.rows.size());
    for (const auto& row : *dbs) {
      FUZZ_CHECK(row.role == NormaliseRole(row.role_raw, row.writer));
      FUZZ_CHECK(!RoleName(row.role).empty());
    }
  } else {
    CheckNotInternal(dbs.error());
    FUZZ_CHECK(dbs.error().kind == ErrorKind::kMalformed);
  }
  const auto servers = ToServerRows(result);
  if (servers.ok()) {
    FUZZ_CHECK(servers->size() == result.rows.size());
    for (const auto& row : *servers) FUZZ_CHECK(!row.server_id.empty() || !row.name.empty());
  } else {
    CheckNotInternal(servers.error());
    FUZZ_CHECK(servers.error().kind == ErrorKind::kMalformed);
  }
  const auto overview = ToOverviewRows(result);
  if (overview.ok()) {
    FUZZ_CHECK(overview->size() == result.rows.size());
  } else {
    CheckNotInternal(overview.error());
    FUZZ_CHECK(overview.error().kind == ErrorKind::kMalformed);
  }
  const auto role = ToClusterRole(result);
  if (role.ok()) {
    FUZZ_CHECK(!result.rows.empty());
  } else {
    CheckNotInternal(role.error());
    FUZZ_CHECK(role.error().kind == ErrorKind::kMalformed);
  }
}

void CheckWidths(const CypherResult& result) {
  for (const auto& row : result.rows) FUZZ_CHECK(row.size() == result.columns.size());
}

bool SameResult(const CypherResult& a, const CypherResult& b) {
  return a.columns == b.columns && a.rows == b.rows;
}

// A Cypher envelope error: an in-band Neo4j error (message from the server, or a default) or a
// malformed body.
void CheckCypherError(const Error& e) {
  if (e.kind == ErrorKind::kNeo4jError) {
    CheckNotInternal(e);
  } else {
    CheckMalformed(e);
  }
}

void CheckCypher(std::string_view body) {
  const auto all = ParseTxCommitAll(body);
  const auto first = ParseTxCommit(body, 0);
  const auto second = ParseTxCommit(body, 1);
  if (all.ok()) {
    // ParseTxCommit(i) is element i of ParseTxCommitAll, or a kMalformed "no result" error.
    FUZZ_CHECK(first.ok() == !all->empty());
    FUZZ_CHECK(second.ok() == (all->size() > 1));
    if (first.ok()) FUZZ_CHECK(SameResult(*first, (*all)[0]));
    if (second.ok()) FUZZ_CHECK(SameResult(*second, (*all)[1]));
    if (!first.ok()) CheckMalformed(first.error());
    for (const auto& result : *all) {
      CheckWidths(result);
      CheckRows(result);
    }
  } else {
    CheckCypherError(all.error());
    // The same body fails the same way whichever statement is asked for.
    FUZZ_CHECK(!first.ok() && !second.ok());
    FUZZ_CHECK(first.error().kind == all.error().kind);
    FUZZ_CHECK_SHOW(first.error().message == all.error().message, first.error().message,
                    all.error().message);
  }

  const auto query = ParseQueryApi(body);
  if (query.ok()) {
    CheckWidths(*query);
    CheckRows(*query);
  } else {
    CheckCypherError(query.error());
  }
}

// The HTTP status an input is tried with, besides the ones every input gets.
int StatusFor(std::string_view body) {
  static constexpr int kStatuses[] = {400, 401, 403, 404, 405, 429, 500,
                                      502, 503, 504, 302, 418, 0};
  constexpr std::size_t kCount = sizeof(kStatuses) / sizeof(kStatuses[0]);
  return kStatuses[body.empty() ? 0 : static_cast<unsigned char>(body[0]) % kCount];
}

ErrorKind ExpectedKind(int status) {
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
      return status >= 500 && status <= 599 ? ErrorKind::kServerError : ErrorKind::kHttpStatus;
  }
}

// A message not taken from a Neo4j error body: printable, bounded, and never text that could
// echo request headers (parsers.h: "never contains credentials").
void CheckOwnMessage(const std::string& message) {
  FUZZ_CHECK_SHOW(PrintableAscii(message) && message.size() < 300, message, "");
  FUZZ_CHECK_SHOW(!MayHoldCredentials(message), message, "");
}

void CheckHttp(std::string_view body) {
  const std::optional<std::string> json_message = JsonErrorMessage(body);
  const std::optional<std::string> trimmed_json_message = JsonErrorMessage(TrimSpace(body));
  // Retry-After: the input's first line (a header value cannot hold a line break).
  const std::string_view retry_after = body.substr(0, std::min(body.find('\n'), std::size_t{24}));

  const auto ok200 = ParseEndpointAnswer(200, body, retry_after);
  FUZZ_CHECK(ok200.ok() == (TrimSpace(body) == "true"));
  if (ok200.ok()) {
    FUZZ_CHECK(ok200->state == EndpointState::kTrue);
  } else {
    CheckMalformed(ok200.error());
    FUZZ_CHECK(ok200.error().http_status == 200);
  }

  const auto not_found = ParseEndpointAnswer(404, body, retry_after);
  FUZZ_CHECK(not_found.ok());
  FUZZ_CHECK((not_found->state == EndpointState::kFalse) == (TrimSpace(body) == "false"));
  FUZZ_CHECK(not_found->state == EndpointState::kFalse ||
             not_found->state == EndpointState::kNotHosted);

  const auto unavailable = ParseEndpointAnswer(503, body, retry_after);
  FUZZ_CHECK(unavailable.ok());
  FUZZ_CHECK(unavailable->state == EndpointState::kUnavailable);
  FUZZ_CHECK(!unavailable->message.empty());
  FUZZ_CHECK(!unavailable->retry_after_seconds || *unavailable->retry_after_seconds >= 0);
  if (trimmed_json_message) {
    FUZZ_CHECK_SHOW(unavailable->message == *trimmed_json_message, unavailable->message,
                    *trimmed_json_message);
  } else {
    CheckOwnMessage(unavailable->message);
  }

  const int status = StatusFor(body);
  const auto other = ParseEndpointAnswer(status, body, retry_after);
  if (status == 403 || status == 404 || status == 503) {
    FUZZ_CHECK(other.ok());
  } else {
    FUZZ_CHECK(!other.ok());
    FUZZ_CHECK(other.error().kind == ExpectedKind(status));
    FUZZ_CHECK(other.error().http_status == status);
  }

  const Error e = ErrorFromHttp(status, body, retry_after);
  FUZZ_CHECK(e.kind == ExpectedKind(status));
  FUZZ_CHECK(e.http_status == status);
  FUZZ_CHECK(!e.retry_after_seconds || *e.retry_after_seconds >= 0);
  FUZZ_CHECK(!e.message.empty());
  if (json_message) {
    FUZZ_CHECK_SHOW(e.message == *json_message, e.message, *json_message);
  } else {
    CheckOwnMessage(e.message);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  CheckVersion(body);
  CheckDiscovery(body);
  CheckClusterStatus(body);
  CheckCypher(body);
  CheckHttp(body);
  return 0;
}
