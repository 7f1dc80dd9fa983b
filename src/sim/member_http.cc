#include "sim/member_http.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>

#include "common/base64.h"
#include "sim/cypher.h"

namespace nca::sim {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

constexpr char kJson[] = "application/json";
constexpr char kTxJson[] = "application/json;charset=utf-8";
constexpr char kAuthJson[] = "application/json; charset=UTF-8";
constexpr char kText[] = "text/plain";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') {
      ++i;
    }
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) {
      j = path.size();
    }
    if (j > i) {
      parts.emplace_back(path.substr(i, j - i));
    }
    i = j;
  }
  return parts;
}

net::HttpResponse JsonResponse(int status, const ojson& body, const char* content_type = kJson) {
  net::HttpResponse r;
  r.status = status;
  r.content_type = content_type;
  r.body = body.dump();
  return r;
}

net::HttpResponse TextResponse(int status, std::string body) {
  net::HttpResponse r;
  r.status = status;
  r.content_type = kText;
  r.body = std::move(body);
  return r;
}

net::HttpResponse EmptyResponse(int status) {
  net::HttpResponse r;
  r.status = status;
  r.content_type.clear();
  return r;
}

net::HttpResponse Unauthorized(const net::HttpRequest& req, std::string_view message) {
  net::HttpResponse r;
  r.status = 401;
  r.content_type = kAuthJson;
  const bool ajax = Lower(req.Header("x-ajax-browser-auth")) == "true";
  r.headers.emplace_back("WWW-Authenticate", ajax ? "None" : "Basic realm=\"Neo4j\"");
  r.body = AuthErrorBody("Neo.ClientError.Security.Unauthorized", message);
  return r;
}

// A locked user (too many failed attempts), as the AuthorizationFilter answers: no Retry-After.
net::HttpResponse RateLimited() {
  net::HttpResponse r;
  r.status = 429;
  r.content_type = kAuthJson;
  r.body = AuthErrorBody("Neo.ClientError.Security.AuthenticationRateLimit",
                         "Too many failed authentication requests. Please wait 5 seconds and "
                         "try again.");
  return r;
}

// Basic authentication as the server's AuthorizationFilter does it. nullopt: authenticated.
std::optional<net::HttpResponse> CheckAuth(Model& model, MemberIndex mi,
                                           const net::HttpRequest& req) {
  const ClusterSpec& spec = model.cluster(mi.cluster).spec;
  if (!spec.auth_enabled) {
    return std::nullopt;
  }
  const std::string header = req.Header("authorization");
  if (header.empty()) {
    return Unauthorized(req, "No authentication header supplied.");
  }
  auto bad_header = [] {
    net::HttpResponse r;
    r.status = 400;
    r.content_type = kAuthJson;
    r.body =
        AuthErrorBody("Neo.ClientError.Request.InvalidFormat", "Invalid authentication header.");
    return r;
  };
  std::size_t space = header.find(' ');
  if (space == std::string::npos || Lower(header.substr(0, space)) != "basic") {
    return bad_header();
  }
  std::string token = header.substr(space + 1);
  while (!token.empty() && token.front() == ' ') {
    token.erase(token.begin());
  }
  auto decoded = DecodeBase64(token);
  if (!decoded || decoded->find(':') == std::string::npos) {
    return bad_header();
  }
  const std::string user = decoded->substr(0, decoded->find(':'));
  const std::string password = decoded->substr(decoded->find(':') + 1);
  SimMember& mem = model.mutable_member(mi);
  const MonoTime now = model.Now();
  AuthFailures& failures = mem.auth_failures[user];
  if (spec.auth_max_failed_attempts > 0 && now < failures.locked_until) {
    return RateLimited();
  }
  if (user == spec.username && password == spec.password) {
    failures.count = 0;
    return std::nullopt;
  }
  ++failures.count;
  if (spec.auth_max_failed_attempts > 0 && failures.count >= spec.auth_max_failed_attempts) {
    failures.count = 0;
    failures.locked_until = now + spec.auth_lock_time;
  }
  return Unauthorized(req, "Invalid username or password.");
}

std::string BaseUrl(const SimMember& m) {
  return "http://127.0.0.1:" + std::to_string(m.http_port);
}
std::string BoltHostPort(const SimMember& m) { return "127.0.0.1:" + std::to_string(m.bolt_port); }

net::HttpResponse Discovery(const SimCluster& c, const SimMember& m, const net::HttpRequest& req) {
  if (Lower(req.Header("accept")).find("application/json") == std::string::npos) {
    net::HttpResponse r = EmptyResponse(303);
    r.headers.emplace_back("Location", BaseUrl(m) + "/browser/");
    return r;
  }
  const std::string base = BaseUrl(m);
  const std::string bolt = BoltHostPort(m);
  ojson doc = ojson::object();
  if (c.family == VersionFamily::kV4) {
    doc["bolt_direct"] = "bolt://" + bolt;
    doc["bolt_routing"] = "neo4j://" + bolt;
    doc["transaction"] = base + "/db/{databaseName}/tx";
    doc["db/cluster"] = base + "/db/{databaseName}/cluster";
    doc["dbms/cluster"] = base + "/dbms/cluster";
    doc["neo4j_version"] = c.spec.version;
    doc["neo4j_edition"] = c.spec.edition;
  } else {
    doc["bolt_routing"] = "neo4j://" + bolt;
    if (QueryApiEnabled(c.spec)) {
      doc["query"] = base + "/db/{databaseName}/query/v2";
    }
    doc["dbms/cluster"] = base + "/dbms/cluster";
    doc["db/cluster"] = base + "/db/{databaseName}/cluster";
    doc["transaction"] = base + "/db/{databaseName}/tx";
    doc["bolt_direct"] = "bolt://" + bolt;
    doc["neo4j_version"] = c.spec.version;
    doc["neo4j_edition"] = c.spec.edition;
    doc["auth_config"] = ojson{{"oidc_providers", ojson::array()}};
  }
  return JsonResponse(200, doc);
}

// The status document of one database on one member, with the serializer's key order.
ojson StatusDocument(const Model& model, MemberIndex mi, int di) {
  const SimCluster& c = model.cluster(mi.cluster);
  const SimMember& mem = c.members[static_cast<std::size_t>(mi.member)];
  const MemberDbView v = model.View(mi.cluster, mi.member, di);
  std::vector<std::string> voters;
  for (const auto& m : c.members) {
    if (m.spec.mode == MemberMode::kPrimary) {
      voters.push_back(m.server_id);
    }
  }
  std::sort(voters.begin(), voters.end());
  ojson doc = ojson::object();
  doc["lastAppliedRaftIndex"] = v.applied;
  doc["votingMembers"] = voters;
  doc["memberId"] = mem.server_id;
  doc["leader"] =
      v.leader ? ojson(c.members[static_cast<std::size_t>(*v.leader)].server_id) : ojson(nullptr);
  doc["millisSinceLastLeaderMessage"] = v.millis_since_last_leader_message
                                            ? ojson(*v.millis_since_last_leader_message)
                                            : ojson(nullptr);
  if (c.spec.raft_commands_per_second) {
    doc["raftCommandsPerSecond"] =
        v.raft_commands_per_second ? ojson(*v.raft_commands_per_second) : ojson(nullptr);
  }
  doc["core"] = mem.spec.mode == MemberMode::kPrimary;
  doc["participatingInRaftGroup"] = v.participating;
  doc[std::string(HealthKeyName(c.spec.health_key))] = true;
  if (EmitsDiscoveryHealthy(c.spec)) {
    doc["discoveryHealthy"] = model.ReachesMajority(mi.cluster, mi.member);
  }
  return doc;
}

net::HttpResponse ClusterEndpoint(const Model& model, MemberIndex mi, const std::string& db,
                                  const std::string& endpoint) {
  auto di = model.FindDatabase(mi.cluster, db);
  if (!di) {
    return EmptyResponse(404);
  }
  const MemberDbView v = model.View(mi.cluster, mi.member, *di);
  if (v.state != DbState::kOnline) {
    net::HttpResponse r =
        TextResponse(503, "Database " + db + " is " + std::string(DbStateName(v.state)));
    if (v.state == DbState::kInitial) {
      r.headers.emplace_back("Retry-After", "60");
    }
    return r;
  }
  if (endpoint == "status") {
    return JsonResponse(200, StatusDocument(model, mi, *di));
  }
  bool answer = false;
  if (endpoint == "available") {
    answer = true;
  } else if (endpoint == "writable") {
    answer = v.role == RaftRole::kLeader;
  } else {  // read-only: followers, candidates and secondaries
    answer = v.role != RaftRole::kLeader;
  }
  return answer ? TextResponse(200, "true") : TextResponse(404, "false");
}

net::HttpResponse DbmsStatus(const Model& model, MemberIndex mi) {
  const SimCluster& c = model.cluster(mi.cluster);
  ojson arr = ojson::array();
  for (std::size_t di = 0; di < c.dbs.size(); ++di) {
    const MemberDb& md = c.members[static_cast<std::size_t>(mi.member)].dbs[di];
    if (md.state != DbState::kOnline) {
      continue;  // unavailable databases are left out
    }
    ojson entry = ojson::object();
    entry["databaseName"] = c.dbs[di].name;
    entry["databaseUuid"] = c.dbs[di].uuid;
    entry["databaseStatus"] = StatusDocument(model, mi, static_cast<int>(di));
    arr.push_back(std::move(entry));
  }
  return JsonResponse(200, arr);
}

ojson ErrorObject(const CypherError& e) { return ojson{{"code", e.code}, {"message", e.message}}; }

std::string Bookmark(const SimDatabase& d, int64_t applied) {
  // Shaped like Neo4j's ("FB:" + base64); deterministic for a database and position.
  std::string id = DeterministicHexId(d.uuid + "/" + std::to_string(applied));
  return "FB:kcwQ" + id.substr(0, 22) + "9A==";
}

// Parses the request body; on failure returns the InvalidFormat error.
std::optional<CypherError> ParseBody(const std::string& body, json* out) {
  *out = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (out->is_discarded() || !out->is_object()) {
    return CypherError{"Neo.ClientError.Request.InvalidFormat",
                       "Unable to deserialize request. Expected a JSON object."};
  }
  return std::nullopt;
}

net::HttpResponse TxCommit(const Model& model, MemberIndex mi, const std::string& db,
                           const net::HttpRequest& req, const ServeContext& ctx) {
  const SimCluster& c = model.cluster(mi.cluster);
  const bool v4 = c.family == VersionFamily::kV4;
  if (req.method != "POST") {
    return EmptyResponse(405);
  }
  auto di = model.FindDatabase(mi.cluster, db);
  if (!di) {
    return JsonResponse(404, ojson{{"errors", ojson::array({ErrorObject(DatabaseNotFound(db))})}},
                        kTxJson);
  }
  ojson results = ojson::array();
  ojson errors = ojson::array();
  json body;
  if (auto err = ParseBody(req.body, &body)) {
    errors.push_back(ErrorObject(*err));
  } else if (model.View(mi.cluster, mi.member, *di).state != DbState::kOnline) {
    errors.push_back(ErrorObject(DatabaseUnavailable(db)));
  } else {
    json statements = body.contains("statements") ? body.at("statements") : json::array();
    if (!statements.is_array()) {
      errors.push_back(ErrorObject({"Neo.ClientError.Request.InvalidFormat",
                                    "Unable to deserialize request. \"statements\" must be a "
                                    "list."}));
      statements = json::array();
    }
    for (const json& s : statements) {
      if (!s.is_object() || !s.contains("statement") || !s.at("statement").is_string()) {
        errors.push_back(ErrorObject({"Neo.ClientError.Request.InvalidFormat",
                                      "Unable to deserialize request. A statement needs a "
                                      "\"statement\" string."}));
        break;
      }
      json params = s.contains("parameters") ? s.at("parameters") : json::object();
      auto outcome = RunStatement(model, mi, db, s.at("statement").get<std::string>(), params,
                                  ctx.started_wall);
      if (auto* e = std::get_if<CypherError>(&outcome)) {
        errors.push_back(ErrorObject(*e));
        break;  // the transaction is rolled back; later statements do not run
      }
      const Table& t = std::get<Table>(outcome);
      ojson data = ojson::array();
      for (const auto& row : t.rows) {
        ojson meta = ojson::array();
        for (std::size_t k = 0; k < row.size(); ++k) {
          meta.push_back(nullptr);
        }
        data.push_back(ojson{{"row", row}, {"meta", meta}});
      }
      results.push_back(ojson{{"columns", t.columns}, {"data", data}});
    }
  }
  ojson doc = ojson::object();
  doc["results"] = results;
  doc["errors"] = errors;
  if (!v4 && errors.empty()) {
    const SimDatabase& d = c.dbs[static_cast<std::size_t>(*di)];
    doc["lastBookmarks"] = ojson::array({Bookmark(d, c.members[static_cast<std::size_t>(mi.member)]
                                                         .dbs[static_cast<std::size_t>(*di)]
                                                         .applied)});
  }
  return JsonResponse(200, doc, kTxJson);
}

net::HttpResponse QueryApi(const Model& model, MemberIndex mi, const std::string& db,
                           const net::HttpRequest& req, const ServeContext& ctx) {
  const SimCluster& c = model.cluster(mi.cluster);
  if (req.method != "POST") {
    return EmptyResponse(405);
  }
  auto error = [](int status, const CypherError& e) {
    return JsonResponse(status, ojson{{"errors", ojson::array({ErrorObject(e)})}});
  };
  auto di = model.FindDatabase(mi.cluster, db);
  if (!di) {
    return error(404, DatabaseNotFound(db));
  }
  json body;
  if (auto err = ParseBody(req.body, &body)) {
    return error(400, *err);
  }
  if (!body.contains("statement") || !body.at("statement").is_string()) {
    return error(400, {"Neo.ClientError.Request.InvalidFormat",
                       "Unable to deserialize request. \"statement\" must be a string."});
  }
  if (model.View(mi.cluster, mi.member, *di).state != DbState::kOnline) {
    return error(503, DatabaseUnavailable(db));
  }
  json params = body.contains("parameters") ? body.at("parameters") : json::object();
  auto outcome = RunStatement(model, mi, db, body.at("statement").get<std::string>(), params,
                              ctx.started_wall);
  if (auto* e = std::get_if<CypherError>(&outcome)) {
    return error(e->code.rfind("Neo.ClientError.", 0) == 0 ? 400 : 500, *e);
  }
  const Table& t = std::get<Table>(outcome);
  ojson values = ojson::array();
  for (const auto& row : t.rows) {
    if (c.spec.query_values == QueryValuesShape::kFlat) {
      for (const auto& v : row) {
        values.push_back(v);
      }
    } else {
      values.push_back(row);
    }
  }
  const SimDatabase& d = c.dbs[static_cast<std::size_t>(*di)];
  ojson doc = ojson::object();
  doc["data"] = ojson{{"fields", t.columns}, {"values", values}};
  doc["bookmarks"] = ojson::array({Bookmark(
      d,
      c.members[static_cast<std::size_t>(mi.member)].dbs[static_cast<std::size_t>(*di)].applied)});
  return JsonResponse(202, doc);
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

void ApplyAnswerMode(const SimMember& mem, const net::HttpRequest& req, bool auth_free,
                     MemberReply* reply) {
  if (mem.answer_mode == AnswerMode::kOk ||
      (!mem.answer_path_prefix.empty() && !StartsWith(req.path, mem.answer_path_prefix))) {
    return;
  }
  net::HttpResponse& r = reply->response;
  switch (mem.answer_mode) {
    case AnswerMode::kOk:
      return;
    case AnswerMode::kHttp500:
      r = TextResponse(500, "java.lang.IllegalStateException: simulated internal error");
      return;
    case AnswerMode::kHttp401:
      if (!auth_free) {
        r = Unauthorized(req, "Invalid username or password.");
      }
      return;
    case AnswerMode::kHttp429:
      if (!auth_free) {
        r = RateLimited();
      }
      return;
    case AnswerMode::kTruncated:
      reply->truncated = true;
      return;
    case AnswerMode::kHttp503:
      r = TextResponse(503, "Service Unavailable");
      r.headers.emplace_back("Retry-After", "5");
      return;
    case AnswerMode::kMalformedJson:
      r.body = r.body.empty() ? std::string("{")
                              : r.body.substr(0, std::max<std::size_t>(1, r.body.size() / 2));
      return;
    case AnswerMode::kOversized:
      r = JsonResponse(200, ojson::object());
      r.body.clear();
      reply->oversized_bytes = std::max<std::size_t>(mem.oversized_bytes, sizeof(kOversizedPrefix));
      return;
  }
}

}  // namespace

std::string AuthErrorBody(std::string_view code, std::string_view message) {
  ojson doc = ojson::object();
  doc["errors"] = ojson::array({ojson{{"code", code}, {"message", message}}});
  return doc.dump();
}

MemberReply ServeMemberRequest(Model& model, MemberIndex mi, const net::HttpRequest& req,
                               const ServeContext& ctx) {
  const SimCluster& c = model.cluster(mi.cluster);
  const SimMember& mem = c.members[static_cast<std::size_t>(mi.member)];
  const std::vector<std::string> parts = SplitPath(req.path);
  MemberReply reply;
  bool auth_free = false;
  if (parts.empty()) {
    auth_free = true;
    reply.response =
        req.method == "GET" || req.method == "HEAD" ? Discovery(c, mem, req) : EmptyResponse(405);
  } else if (parts[0] == "browser") {
    auth_free = true;
    reply.response = TextResponse(200, "<!DOCTYPE html><title>Neo4j Browser (simulated)</title>");
    reply.response.content_type = "text/html";
  } else {
    const bool status_path = (parts.size() >= 3 && parts[0] == "db" && parts[2] == "cluster") ||
                             (parts.size() >= 2 && parts[0] == "dbms" && parts[1] == "cluster");
    std::optional<net::HttpResponse> auth_error;
    if (!status_path || c.spec.status_auth) {
      auth_error = CheckAuth(model, mi, req);
    }
    if (auth_error) {
      reply.response = std::move(*auth_error);
    } else if (parts.size() == 4 && parts[0] == "db" && parts[2] == "cluster" &&
               (parts[3] == "available" || parts[3] == "writable" || parts[3] == "read-only" ||
                parts[3] == "status")) {
      reply.response = req.method == "GET" || req.method == "HEAD"
                           ? ClusterEndpoint(model, mi, parts[1], parts[3])
                           : EmptyResponse(405);
    } else if (parts.size() == 3 && parts[0] == "dbms" && parts[1] == "cluster" &&
               parts[2] == "status") {
      reply.response =
          req.method == "GET" || req.method == "HEAD" ? DbmsStatus(model, mi) : EmptyResponse(405);
    } else if (parts.size() == 4 && parts[0] == "db" && parts[2] == "tx" && parts[3] == "commit") {
      reply.response = TxCommit(model, mi, parts[1], req, ctx);
    } else if (parts.size() == 4 && parts[0] == "db" && parts[2] == "query" && parts[3] == "v2" &&
               QueryApiEnabled(c.spec)) {
      reply.response = QueryApi(model, mi, parts[1], req, ctx);
    } else {
      reply.response = EmptyResponse(404);
    }
  }
  ApplyAnswerMode(mem, req, auth_free, &reply);
  return reply;
}

}  // namespace nca::sim
