#include "neo4j/member_client.h"

#include <algorithm>
#include <any>
#include <cctype>
#include <functional>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_map>

#include "common/logging.h"
#include "config/credentials.h"
#include "neo4j/parsers.h"

namespace nca::neo4j {
namespace {

using Json = nlohmann::json;

constexpr std::size_t kMaxDedupeEntries = 256;

constexpr char kAcceptJson[] = "Accept: application/json";
constexpr char kAcceptTxJson[] = "Accept: application/json;charset=UTF-8";
constexpr char kAcceptText[] = "Accept: text/plain, */*;q=0.5";
constexpr char kContentTypeJson[] = "Content-Type: application/json";

struct Statement {
  std::string text;
  Json parameters = Json::object();
};

std::chrono::milliseconds ToMillis(config::Seconds s) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(s);
  return std::max(ms, std::chrono::milliseconds(1));
}

bool IsTransportFailure(ErrorKind kind) {
  return kind == ErrorKind::kConnectionRefused || kind == ErrorKind::kTimeout ||
         kind == ErrorKind::kTls || kind == ErrorKind::kNetwork;
}

std::string_view EndpointPath(EndpointKind kind) {
  switch (kind) {
    case EndpointKind::kAvailable:
      return "available";
    case EndpointKind::kWritable:
      return "writable";
    case EndpointKind::kReadOnly:
      return "read-only";
  }
  return "available";
}

std::string_view DialectName(Dialect d) { return d == Dialect::kV4 ? "4.x" : "5.x"; }

std::string_view TransportName(CypherTransport t) {
  return t == CypherTransport::kQueryApi ? "query_api" : "tx_commit";
}

}  // namespace

std::string UrlEncodePathSegment(std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(segment.size());
  for (unsigned char c : segment) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  return out;
}

MemberClientOptions MemberClientOptions::FromCluster(const config::ClusterConfig& cluster) {
  MemberClientOptions o;
  o.credentials = cluster.credentials;
  o.tls = cluster.tls;
  o.http = cluster.http;
  return o;
}

// All state and logic; shared with in-flight engine callbacks (see MemberClient::core_).
// Thread-safety: mu_ guards the dedupe map, the discovery state and the stats; it is never held
// while calling the engine, a parser callback chain or a promise.
class MemberClient::Core : public std::enable_shared_from_this<MemberClient::Core> {
 public:
  Core(MemberRef ref, MemberClientOptions options, HttpEngine& engine, const Clock& clock,
       std::chrono::milliseconds dedupe_window)
      : ref_(std::move(ref)),
        options_(std::move(options)),
        engine_(engine),
        clock_(clock),
        dedupe_window_(dedupe_window),
        logger_(GetLogger("neo4j.client")) {
    while (!ref_.url.empty() && ref_.url.back() == '/') {
      ref_.url.pop_back();
    }
    if (options_.tls.insecure_skip_verify) {
      logger_->warn("msg=\"TLS certificate verification disabled\" cluster={} member={}",
                    LogQuote(ref_.cluster), LogQuote(ref_.name));
    }
  }

  const MemberRef& Ref() const { return ref_; }

  // ---- discovery ----

  Pending<DiscoveryInfo> Discovery() {
    std::shared_ptr<std::promise<Result<DiscoveryInfo>>> started;
    Pending<DiscoveryInfo> out;
    {
      std::lock_guard lock(mu_);
      if (DiscoveryUsableLocked()) {
        return disc_.pending;
      }
      started = StartDiscoveryLocked();
      out = disc_.pending;
    }
    SendDiscovery(std::move(started));
    return out;
  }

  // Calls `fn` with the member's discovery document: at once when a usable one is cached, else
  // when the (possibly already running) discovery request completes.
  void WithDiscovery(std::function<void(const Result<DiscoveryInfo>&)> fn) {
    std::shared_ptr<std::promise<Result<DiscoveryInfo>>> started;
    Pending<DiscoveryInfo> ready;
    {
      std::lock_guard lock(mu_);
      if (DiscoveryUsableLocked()) {
        if (disc_.in_flight) {
          disc_.waiters.push_back(std::move(fn));
          return;
        }
        ready = disc_.pending;
      } else {
        started = StartDiscoveryLocked();
        disc_.waiters.push_back(std::move(fn));
      }
    }
    if (started) {
      SendDiscovery(std::move(started));
      return;
    }
    fn(ready.get());  // complete: does not block
  }

  // ---- plain GET endpoints ----

  Pending<std::vector<DatabaseClusterStatus>> DbmsClusterStatus() {
    return Get<std::vector<DatabaseClusterStatus>>(
        "/dbms/cluster/status", kAcceptJson,
        [](const HttpResult& r) -> Result<std::vector<DatabaseClusterStatus>> {
          if (r.status != 200) {
            return ErrorFromHttp(r.status, r.body, r.retry_after);
          }
          return ParseDbmsClusterStatus(r.body);
        });
  }

  Pending<DatabaseClusterStatus> DatabaseStatus(const std::string& database) {
    return Get<DatabaseClusterStatus>(
        "/db/" + UrlEncodePathSegment(database) + "/cluster/status", kAcceptJson,
        [database](const HttpResult& r) -> Result<DatabaseClusterStatus> {
          if (r.status != 200) {
            return ErrorFromHttp(r.status, r.body, r.retry_after);
          }
          return ParseDatabaseStatus(r.body, database);
        });
  }

  Pending<EndpointAnswer> Endpoint(const std::string& database, EndpointKind kind) {
    return Get<EndpointAnswer>(
        "/db/" + UrlEncodePathSegment(database) + "/cluster/" + std::string(EndpointPath(kind)),
        kAcceptText, [](const HttpResult& r) -> Result<EndpointAnswer> {
          return ParseEndpointAnswer(r.status, r.body, r.retry_after);
        });
  }

  // ---- Cypher on the system database ----

  Pending<std::vector<DatabaseRow>> ShowDatabases() {
    return DatabaseRowsOf(Statement{"SHOW DATABASES YIELD *"});
  }

  Pending<std::vector<DatabaseRow>> ShowDatabasesAt(const std::string& address) {
    // A parameter, not a literal: no quoting of the address in the statement text. SHOW commands
    // take any expression in WHERE (Cypher manual, "SHOW" / "Filter SHOW commands using WHERE").
    return DatabaseRowsOf(
        Statement{"SHOW DATABASES YIELD * WHERE address = $address", Json{{"address", address}}});
  }

  Pending<std::vector<ServerRow>> ShowServers() {
    return Cypher<std::vector<ServerRow>>(
        {Statement{"SHOW SERVERS YIELD *"}}, Dialect::kV5,
        [](std::vector<CypherResult> results) { return ToServerRows(results.at(0)); });
  }

  Pending<std::vector<OverviewRow>> ClusterOverview() {
    return Cypher<std::vector<OverviewRow>>(
        {Statement{"CALL dbms.cluster.overview()"}}, Dialect::kV4,
        [](std::vector<CypherResult> results) { return ToOverviewRows(results.at(0)); });
  }

  Pending<std::vector<std::pair<std::string, std::string>>> ClusterRoles(
      const std::vector<std::string>& databases) {
    using Roles = std::vector<std::pair<std::string, std::string>>;
    if (databases.empty()) {
      return Ready<Roles>(Roles{});
    }
    std::vector<Statement> statements;
    statements.reserve(databases.size());
    for (const auto& db : databases) {
      statements.push_back(Statement{"CALL dbms.cluster.role($database)", Json{{"database", db}}});
    }
    return Cypher<Roles>(std::move(statements), Dialect::kV4,
                         [databases](std::vector<CypherResult> results) -> Result<Roles> {
                           Roles out;
                           out.reserve(databases.size());
                           for (std::size_t i = 0; i < databases.size(); ++i) {
                             auto role = ToClusterRole(results.at(i));
                             if (!role.ok()) {
                               Error e = role.error();
                               e.message = "dbms.cluster.role(" + databases[i] + "): " + e.message;
                               return e;
                             }
                             out.emplace_back(databases[i], std::move(role).value());
                           }
                           return out;
                         });
  }

  MemberStats Stats() const {
    std::lock_guard lock(mu_);
    return stats_;
  }

 private:
  using Promise = std::shared_ptr<std::promise<Result<DiscoveryInfo>>>;

  struct DedupeEntry {
    std::any pending;  // Pending<T> for the T of the call that created it
    uint64_t id = 0;
    bool done = false;
    MonoTime done_at;
  };

  struct DiscoveryState {
    Pending<DiscoveryInfo> pending;  // the latest discovery (valid once one was started)
    bool in_flight = false;
    bool ok = false;
    bool stale = false;  // a transport failure happened since it completed
    MonoTime done_at;
    std::vector<std::function<void(const Result<DiscoveryInfo>&)>> waiters;
  };

  // A SHOW DATABASES form on either dialect, its rows mapped.
  Pending<std::vector<DatabaseRow>> DatabaseRowsOf(Statement statement) {
    return Cypher<std::vector<DatabaseRow>>(
        {std::move(statement)}, std::nullopt,
        [](std::vector<CypherResult> results) { return ToDatabaseRows(results.at(0)); });
  }

  // ---- single-flight ----

  // Returns the Pending of an identical request in flight or completed within the dedupe window,
  // or starts one: `start(done)` must eventually call `done` exactly once.
  template <typename T>
  Pending<T> Dedupe(const std::string& key,
                    const std::function<void(std::function<void(Result<T>)>)>& start) {
    auto promise = std::make_shared<std::promise<Result<T>>>();
    Pending<T> pending;
    uint64_t id = 0;
    {
      std::lock_guard lock(mu_);
      MonoTime now = clock_.Monotonic();
      PruneLocked(now);
      auto it = dedupe_.find(key);
      if (it != dedupe_.end() && (!it->second.done || now - it->second.done_at < dedupe_window_)) {
        if (const auto* existing = std::any_cast<Pending<T>>(&it->second.pending)) {
          return *existing;
        }
      }
      pending = promise->get_future().share();
      id = ++next_id_;
      dedupe_[key] = DedupeEntry{pending, id, false, {}};
    }
    start([self = shared_from_this(), key, id, promise](Result<T> r) {
      self->MarkDone(key, id);
      promise->set_value(std::move(r));
    });
    return pending;
  }

  void PruneLocked(MonoTime now) {
    for (auto it = dedupe_.begin(); it != dedupe_.end();) {
      if (it->second.done && now - it->second.done_at >= dedupe_window_) {
        it = dedupe_.erase(it);
      } else {
        ++it;
      }
    }
    // Still too many (only possible with very many distinct requests at once): drop arbitrary
    // entries; the cost is at most a duplicate request.
    while (dedupe_.size() >= kMaxDedupeEntries) {
      dedupe_.erase(dedupe_.begin());
    }
  }

  void MarkDone(const std::string& key, uint64_t id) {
    std::lock_guard lock(mu_);
    auto it = dedupe_.find(key);
    if (it != dedupe_.end() && it->second.id == id) {
      it->second.done = true;
      it->second.done_at = clock_.Monotonic();
    }
  }

  // ---- requests ----

  struct RequestParts {
    std::string method = "GET";
    std::string path;
    std::string body;
    std::vector<std::string> headers;
    bool authenticated = true;
  };

  // Sends one request; `parse` turns the HTTP answer into a T. Records the outcome in the stats.
  template <typename T>
  void Request(RequestParts parts, std::function<Result<T>(const HttpResult&)> parse,
               std::function<void(Result<T>)> done) {
    HttpRequestSpec spec;
    spec.method = std::move(parts.method);
    spec.url = ref_.url + parts.path;
    spec.headers = std::move(parts.headers);
    spec.body = std::move(parts.body);
    spec.connect_timeout = ToMillis(options_.http.connect_timeout);
    spec.total_timeout = ToMillis(options_.http.request_timeout);
    spec.max_response_bytes = options_.http.max_response_bytes;
    spec.tls.ca_file = options_.tls.ca_file;
    spec.tls.cert_file = options_.tls.cert_file;
    spec.tls.key_file = options_.tls.key_file;
    spec.tls.server_name = options_.tls.server_name;
    spec.tls.insecure_skip_verify = options_.tls.insecure_skip_verify;
    if (parts.authenticated) {
      auto creds = config::ResolveCredentials(options_.credentials);
      if (!creds.ok()) {
        Record(parts.path, &creds.error());
        done(creds.error());
        return;
      }
      if (!creds->empty()) {
        spec.auth = BasicAuth{creds->username(), creds->password()};
      }
    }
    engine_.Submit(std::move(spec),
                   [self = shared_from_this(), path = std::move(parts.path),
                    parse = std::move(parse), done = std::move(done)](Result<HttpResult> answer) {
                     if (!answer.ok()) {
                       self->Record(path, &answer.error());
                       done(answer.error());
                       return;
                     }
                     Result<T> out = parse(*answer);
                     self->Record(path, out.ok() ? nullptr : &out.error());
                     done(std::move(out));
                   });
  }

  template <typename T>
  Pending<T> Get(std::string path, const char* accept,
                 std::function<Result<T>(const HttpResult&)> parse) {
    std::string key = "GET " + path;
    return Dedupe<T>(key, [this, path = std::move(path), accept,
                           parse = std::move(parse)](std::function<void(Result<T>)> done) {
      RequestParts parts;
      parts.path = path;
      parts.headers = {accept};
      Request<T>(std::move(parts), parse, std::move(done));
    });
  }

  // Runs `statements` on the system database with the transport the member advertises, after
  // checking the dialect when `required` is set; `map` receives one result per statement.
  template <typename T>
  Pending<T> Cypher(std::vector<Statement> statements, std::optional<Dialect> required,
                    std::function<Result<T>(std::vector<CypherResult>)> map) {
    Json key_doc = Json::array();
    for (const auto& s : statements) {
      key_doc.push_back({{"statement", s.text}, {"parameters", s.parameters}});
    }
    std::string key = "CYPHER system " + key_doc.dump();
    return Dedupe<T>(key, [this, statements = std::move(statements), required,
                           map = std::move(map)](std::function<void(Result<T>)> done) {
      WithDiscovery([self = shared_from_this(), statements, required, map,
                     done = std::move(done)](const Result<DiscoveryInfo>& info) {
        if (!info.ok()) {
          Error e = info.error();
          e.message = "discovery failed: " + e.message;
          done(std::move(e));
          return;
        }
        if (required.has_value() && info->dialect != *required) {
          done(MakeError(ErrorKind::kInvalidArgument,
                         "\"" + statements.front().text + "\" needs a Neo4j " +
                             std::string(DialectName(*required)) + " member; " + self->ref_.name +
                             " runs " + info->version));
          return;
        }
        auto mapped = [map, done](Result<std::vector<CypherResult>> results) {
          if (!results.ok()) {
            done(results.error());
            return;
          }
          done(map(std::move(results).value()));
        };
        if (info->transport == CypherTransport::kQueryApi) {
          self->RunQueryApi(statements, std::move(mapped));
        } else {
          self->RunTxCommit(statements, std::move(mapped));
        }
      });
    });
  }

  using ResultsCallback = std::function<void(Result<std::vector<CypherResult>>)>;

  // All statements in one POST /db/system/tx/commit.
  void RunTxCommit(const std::vector<Statement>& statements, ResultsCallback done) {
    Json body = {{"statements", Json::array()}};
    for (const auto& s : statements) {
      Json st = {{"statement", s.text}};
      if (!s.parameters.empty()) {
        st["parameters"] = s.parameters;
      }
      body["statements"].push_back(std::move(st));
    }
    RequestParts parts;
    parts.method = "POST";
    parts.path = "/db/system/tx/commit";
    parts.body = body.dump();
    parts.headers = {kAcceptTxJson, kContentTypeJson};
    std::size_t expected = statements.size();
    Request<std::vector<CypherResult>>(
        std::move(parts),
        [expected](const HttpResult& r) -> Result<std::vector<CypherResult>> {
          if (r.status != 200 && r.status != 201) {
            return ErrorFromHttp(r.status, r.body, r.retry_after);
          }
          auto all = ParseTxCommitAll(r.body);
          if (all.ok() && all->size() != expected) {
            Error e = MakeError(ErrorKind::kMalformed,
                                "tx/commit response has " + std::to_string(all->size()) +
                                    " results for " + std::to_string(expected) + " statements");
            e.http_status = r.status;
            return e;
          }
          return all;
        },
        std::move(done));
  }

  // One POST /db/system/query/v2 per statement (the Query API takes a single statement).
  void RunQueryApi(const std::vector<Statement>& statements, ResultsCallback done) {
    struct Gather {
      std::mutex mu;
      std::vector<std::optional<CypherResult>> results;
      std::optional<Error> error;
      std::size_t remaining = 0;
      ResultsCallback done;
    };
    auto gather = std::make_shared<Gather>();  // shared by the per-statement callbacks
    gather->results.resize(statements.size());
    gather->remaining = statements.size();
    gather->done = std::move(done);
    for (std::size_t i = 0; i < statements.size(); ++i) {
      Json body = {{"statement", statements[i].text}};
      if (!statements[i].parameters.empty()) {
        body["parameters"] = statements[i].parameters;
      }
      RequestParts parts;
      parts.method = "POST";
      parts.path = "/db/system/query/v2";
      parts.body = body.dump();
      parts.headers = {kAcceptJson, kContentTypeJson};
      Request<CypherResult>(
          std::move(parts),
          [](const HttpResult& r) -> Result<CypherResult> {
            if (r.status != 202 && r.status != 200) {
              return ErrorFromHttp(r.status, r.body, r.retry_after);
            }
            return ParseQueryApi(r.body);
          },
          [gather, i](Result<CypherResult> r) {
            ResultsCallback finish;
            std::vector<CypherResult> all;
            std::optional<Error> error;
            {
              std::lock_guard lock(gather->mu);
              if (r.ok()) {
                gather->results[i] = std::move(r).value();
              } else if (!gather->error) {
                gather->error = r.error();
              }
              if (--gather->remaining != 0) {
                return;
              }
              finish = std::move(gather->done);
              error = gather->error;
              if (!error) {
                for (auto& res : gather->results) {
                  all.push_back(std::move(*res));
                }
              }
            }
            if (error) {
              finish(*error);
            } else {
              finish(std::move(all));
            }
          });
    }
  }

  // ---- discovery internals ----

  bool DiscoveryUsableLocked() const {
    if (!disc_.pending.valid()) {
      return false;
    }
    if (disc_.in_flight) {
      return true;
    }
    if (disc_.stale) {
      return false;
    }
    auto age = clock_.Monotonic() - disc_.done_at;
    return disc_.ok ? age < options_.discovery_max_age : age < dedupe_window_;
  }

  Promise StartDiscoveryLocked() {
    auto promise = std::make_shared<std::promise<Result<DiscoveryInfo>>>();
    disc_.pending = promise->get_future().share();
    disc_.in_flight = true;
    disc_.stale = false;
    return promise;
  }

  void SendDiscovery(Promise promise) {
    RequestParts parts;
    parts.path = "/";
    parts.headers = {kAcceptJson};
    parts.authenticated = false;  // "/" is on Neo4j's auth whitelist
    Request<DiscoveryInfo>(
        std::move(parts),
        [](const HttpResult& r) -> Result<DiscoveryInfo> {
          if (r.status != 200) {
            return ErrorFromHttp(r.status, r.body, r.retry_after);
          }
          return ParseDiscovery(r.body);
        },
        [self = shared_from_this(), promise](Result<DiscoveryInfo> r) {
          self->DiscoveryDone(promise, std::move(r));
        });
  }

  void DiscoveryDone(const Promise& promise, Result<DiscoveryInfo> r) {
    // Fulfil first: a caller that sees in_flight == false below must find the value ready.
    // Waiters registered meanwhile are still in disc_.waiters and run here.
    promise->set_value(r);
    std::vector<std::function<void(const Result<DiscoveryInfo>&)>> waiters;
    {
      std::lock_guard lock(mu_);
      disc_.in_flight = false;
      disc_.ok = r.ok();
      disc_.done_at = clock_.Monotonic();
      // A failure of the discovery request itself is cached for the dedupe window only.
      disc_.stale = false;
      waiters.swap(disc_.waiters);
      if (r.ok()) {
        const DiscoveryInfo& info = r.value();
        bool changed = !stats_.discovery.has_value() || stats_.discovery->version != info.version ||
                       stats_.discovery->transport != info.transport;
        if (changed) {
          logger_->info(
              "msg=\"member discovered\" cluster={} member={} version={} edition={} dialect={} "
              "transport={}",
              LogQuote(ref_.cluster), LogQuote(ref_.name), LogQuote(info.version),
              LogQuote(info.edition), DialectName(info.dialect), TransportName(info.transport));
        }
        stats_.discovery = info;
      }
    }
    for (auto& w : waiters) {
      w(r);
    }
  }

  // ---- stats ----

  void Record(const std::string& path, const Error* error) {
    std::lock_guard lock(mu_);
    ++stats_.requests;
    if (error == nullptr && path == "/" && stats_.consecutive_failures > 0) {
      // GET / is unauthenticated: it answering proves only that the port is open, not that the
      // agent can collect (wrong credentials fail everything else). It ends no failure streak.
      return;
    }
    if (error == nullptr) {
      if (stats_.consecutive_failures > 0) {
        logger_->info("msg=\"member answering again\" cluster={} member={} after_failures={}",
                      LogQuote(ref_.cluster), LogQuote(ref_.name), stats_.consecutive_failures);
      }
      stats_.consecutive_failures = 0;
      stats_.last_success = clock_.Now();
      return;
    }
    ++stats_.consecutive_failures;
    stats_.last_failure = clock_.Now();
    stats_.last_error = *error;
    ++stats_.errors_by_kind[std::string(ErrorKindName(error->kind))];
    if (IsTransportFailure(error->kind)) {
      disc_.stale = true;  // re-detect the member (it may have restarted as another version)
    }
    if (stats_.consecutive_failures == 1) {
      logger_->warn("msg=\"member request failed\" cluster={} member={} path={} reason={} err={}",
                    LogQuote(ref_.cluster), LogQuote(ref_.name), LogQuote(path),
                    ErrorKindName(error->kind), LogQuote(error->ToString()));
    } else {
      logger_->debug("msg=\"member request failed\" cluster={} member={} path={} reason={} err={}",
                     LogQuote(ref_.cluster), LogQuote(ref_.name), LogQuote(path),
                     ErrorKindName(error->kind), LogQuote(error->ToString()));
    }
  }

  MemberRef ref_;
  const MemberClientOptions options_;
  HttpEngine& engine_;
  const Clock& clock_;
  const std::chrono::milliseconds dedupe_window_;
  std::shared_ptr<spdlog::logger> logger_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, DedupeEntry> dedupe_;
  uint64_t next_id_ = 0;
  DiscoveryState disc_;
  MemberStats stats_;
};

MemberClient::MemberClient(MemberRef ref, MemberClientOptions options, HttpEngine& engine,
                           const Clock& clock, std::chrono::milliseconds dedupe_window)
    : core_(std::make_shared<Core>(std::move(ref), std::move(options), engine, clock,
                                   dedupe_window)) {}

MemberClient::~MemberClient() = default;

const MemberRef& MemberClient::Ref() const { return core_->Ref(); }

Pending<DiscoveryInfo> MemberClient::Discovery() { return core_->Discovery(); }

Pending<std::vector<DatabaseClusterStatus>> MemberClient::DbmsClusterStatus() {
  return core_->DbmsClusterStatus();
}

Pending<DatabaseClusterStatus> MemberClient::DatabaseStatus(const std::string& database) {
  return core_->DatabaseStatus(database);
}

Pending<EndpointAnswer> MemberClient::Endpoint(const std::string& database, EndpointKind kind) {
  return core_->Endpoint(database, kind);
}

Pending<std::vector<DatabaseRow>> MemberClient::ShowDatabases() { return core_->ShowDatabases(); }
Pending<std::vector<DatabaseRow>> MemberClient::ShowDatabasesAt(const std::string& address) {
  return core_->ShowDatabasesAt(address);
}

Pending<std::vector<ServerRow>> MemberClient::ShowServers() { return core_->ShowServers(); }

Pending<std::vector<std::pair<std::string, std::string>>> MemberClient::ClusterRoles(
    const std::vector<std::string>& databases) {
  return core_->ClusterRoles(databases);
}

Pending<std::vector<OverviewRow>> MemberClient::ClusterOverview() {
  return core_->ClusterOverview();
}

MemberStats MemberClient::Stats() const { return core_->Stats(); }

}  // namespace nca::neo4j
