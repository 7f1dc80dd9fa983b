#include "neo4j/member_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "neo4j/http_engine.h"
#include "net/http_server.h"

namespace nca::neo4j {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kPassword[] = "s3cret";
// base64("neo4j:s3cret") and base64("neo4j:rotated-pass"), computed independently with
// `printf 'neo4j:s3cret' | base64`.
constexpr char kAuthHeader[] = "Basic bmVvNGo6czNjcmV0";
constexpr char kRotatedAuthHeader[] = "Basic bmVvNGo6cm90YXRlZC1wYXNz";

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(NCA_FIXTURE_DIR) + "/neo4j/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Reply(net::HttpExchange& ex, int status, std::string body,
           std::string content_type = "application/json",
           std::vector<std::pair<std::string, std::string>> headers = {}) {
  net::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  r.headers = std::move(headers);
  ex.Send(r);
}

// A tx/commit success body with one result per (columns, rows) pair.
std::string TxCommitBody(const std::vector<std::pair<json, json>>& results) {
  json doc = {{"results", json::array()}, {"errors", json::array()}};
  for (const auto& [columns, rows] : results) {
    json data = json::array();
    for (const auto& row : rows) {
      json meta = json::array();
      for (std::size_t i = 0; i < row.size(); ++i) {
        meta.push_back(nullptr);
      }
      data.push_back({{"row", row}, {"meta", meta}});
    }
    doc["results"].push_back({{"columns", columns}, {"data", data}});
  }
  return doc.dump();
}

const json kDbColumns = {"name",          "type",          "address",
                         "role",          "writer",        "requestedStatus",
                         "currentStatus", "statusMessage", "default"};
const json kDbRows = {
    {"neo4j", "standard", "localhost:7681", "primary", true, "online", "online", "", true},
    {"system", "system", "localhost:7681", "primary", false, "online", "online", "", false}};

// A stub Neo4j member shared by the tests of a suite (routes are reset per test). Routes are
// "METHOD /path" -> handler; GET / serves `discovery`.
class FakeNeo4j {
 public:
  using Route = std::function<void(const net::HttpRequest&, net::HttpExchange&)>;

  FakeNeo4j()
      : server_({},
                [this](const net::HttpRequest& req, net::HttpExchange& ex) { Handle(req, ex); }) {}

  bool Start() { return server_.Start().ok(); }
  void Stop() {
    Open();
    server_.Stop();
  }
  std::string BaseUrl() const { return "http://127.0.0.1:" + std::to_string(server_.Port()); }

  void Reset() {
    Open();
    std::lock_guard lock(mu_);
    routes_.clear();
    seen_.clear();
    discovery_ = Fixture("discovery-root-5.12.0-docs.json");
    gate_open_ = false;
  }
  void SetDiscovery(std::string body) {
    std::lock_guard lock(mu_);
    discovery_ = std::move(body);
  }
  void On(const std::string& key, Route route) {
    std::lock_guard lock(mu_);
    routes_[key] = std::move(route);
  }
  std::vector<net::HttpRequest> Seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }
  int Count(const std::string& key) {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& r : seen_) {
      n += (r.method + " " + r.path) == key ? 1 : 0;
    }
    return n;
  }
  // Handlers may park in WaitGate() until the test opens it (bounded: 5 s).
  bool WaitGate() {
    std::unique_lock lock(gate_mu_);
    return gate_cv_.wait_for(lock, seconds(5), [this] { return gate_open_; });
  }
  void Open() {
    {
      std::lock_guard lock(gate_mu_);
      gate_open_ = true;
    }
    gate_cv_.notify_all();
  }
  void Close() {
    std::lock_guard lock(gate_mu_);
    gate_open_ = false;
  }
  // Waits (bounded) until the stub has received `n` requests for `key`.
  bool WaitFor(const std::string& key, int n) {
    auto deadline = std::chrono::steady_clock::now() + seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      if (Count(key) >= n) {
        return true;
      }
      std::this_thread::sleep_for(milliseconds(1));  // polling a condition, bounded above
    }
    return false;
  }

 private:
  void Handle(const net::HttpRequest& req, net::HttpExchange& ex) {
    std::string key = req.method + " " + req.path;
    Route route;
    std::string discovery;
    {
      std::lock_guard lock(mu_);
      seen_.push_back(req);
      auto it = routes_.find(key);
      if (it != routes_.end()) {
        route = it->second;
      }
      discovery = discovery_;
    }
    if (route) {
      route(req, ex);
    } else if (key == "GET /") {
      Reply(ex, 200, discovery);
    } else {
      Reply(ex, 404, "", "text/plain");
    }
  }

  std::mutex mu_;
  std::map<std::string, Route> routes_;
  std::vector<net::HttpRequest> seen_;
  std::string discovery_;
  std::mutex gate_mu_;
  std::condition_variable gate_cv_;
  bool gate_open_ = false;
  net::HttpServer server_;
};

class MemberClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fake_ = new FakeNeo4j();
    started_ = fake_->Start();
  }
  static void TearDownTestSuite() {
    fake_->Stop();
    delete fake_;
    fake_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(started_);
    fake_->Reset();
    char tmpl[] = "/tmp/nca-member-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    WriteFile("user", "neo4j\n");
    WriteFile("pass", std::string(kPassword) + "\r\n");
    options_.credentials.username_file = dir_ + "/user";
    options_.credentials.password_file = dir_ + "/pass";
    options_.credentials.username_env = "";
    options_.credentials.password_env = "";
    options_.http.connect_timeout = config::Seconds(1.0);
    options_.http.request_timeout = config::Seconds(3.0);
  }

  void TearDown() override {
    fake_->Open();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void WriteFile(const std::string& name, const std::string& content) {
    std::ofstream(dir_ + "/" + name, std::ios::binary | std::ios::trunc) << content;
  }

  std::unique_ptr<MemberClient> Client() {
    MemberRef ref{"c1", "core-0", fake_->BaseUrl() + "/"};
    return std::make_unique<MemberClient>(ref, options_, engine_, clock_, milliseconds(1000));
  }

  template <typename T>
  static Result<T> Await(const Pending<T>& p) {
    return AwaitUntil(p, std::chrono::steady_clock::now() + seconds(10));
  }

  static void ExpectNoSecret(const Error& e) {
    EXPECT_EQ(e.ToString().find(kPassword), std::string::npos) << e.ToString();
  }

  static FakeNeo4j* fake_;
  static bool started_;
  std::string dir_;
  MemberClientOptions options_;
  ManualClock clock_;
  HttpEngine engine_{clock_};
};

FakeNeo4j* MemberClientTest::fake_ = nullptr;
bool MemberClientTest::started_ = false;

TEST_F(MemberClientTest, DbmsClusterStatusWithBasicAuth) {
  fake_->On("GET /dbms/cluster/status", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 200, Fixture("dbms-cluster-status-docs-5x-2025x.json"));
  });
  auto client = Client();
  auto r = Await(client->DbmsClusterStatus());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].database, "neo4j");
  EXPECT_EQ((*r)[1].database, "system");
  auto seen = fake_->Seen();
  ASSERT_EQ(seen.size(), 1u);  // status endpoints need no discovery
  EXPECT_EQ(seen[0].Header("authorization"), kAuthHeader);
  EXPECT_EQ(seen[0].Header("accept"), "application/json");
  auto stats = client->Stats();
  EXPECT_EQ(stats.requests, 1u);
  EXPECT_EQ(stats.consecutive_failures, 0u);
  ASSERT_TRUE(stats.last_success.has_value());
  EXPECT_EQ(*stats.last_success, clock_.Now());
}

TEST_F(MemberClientTest, DatabaseStatusEncodesTheDatabaseName) {
  fake_->On("GET /db/sales db/cluster/status", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 200, Fixture("cluster-status-db-docs-4.4.json"));
  });
  auto client = Client();
  auto r = Await(client->DatabaseStatus("sales db"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->database, "sales db");
  EXPECT_EQ(r->member_id, "80a7fb7b-c966-4ee7-88a9-35db8b4d68fe");
  EXPECT_EQ(UrlEncodePathSegment("a b/c%d"), "a%20b%2Fc%25d");
  EXPECT_EQ(UrlEncodePathSegment("neo4j-db_1.x~"), "neo4j-db_1.x~");
}

TEST_F(MemberClientTest, EndpointAnswers) {
  fake_->On("GET /db/neo4j/cluster/writable", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 200, "true", "text/plain");
  });
  fake_->On("GET /db/neo4j/cluster/read-only", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 404, "false", "text/plain");
  });
  fake_->On("GET /db/neo4j/cluster/available", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 503, "Database neo4j is initial", "text/plain", {{"Retry-After", "60"}});
  });
  auto client = Client();
  auto w = Await(client->Endpoint("neo4j", EndpointKind::kWritable));
  auto ro = Await(client->Endpoint("neo4j", EndpointKind::kReadOnly));
  auto av = Await(client->Endpoint("neo4j", EndpointKind::kAvailable));
  ASSERT_TRUE(w.ok()) << w.error().ToString();
  ASSERT_TRUE(ro.ok()) << ro.error().ToString();
  ASSERT_TRUE(av.ok()) << av.error().ToString();
  EXPECT_EQ(w->state, EndpointState::kTrue);
  EXPECT_EQ(ro->state, EndpointState::kFalse);
  EXPECT_EQ(av->state, EndpointState::kUnavailable);
  EXPECT_EQ(av->retry_after_seconds, 60);
  EXPECT_EQ(fake_->Seen().at(0).Header("authorization"), kAuthHeader);
}

struct HttpErrorCase {
  const char* fixture;
  int status;
  ErrorKind kind;
  const char* neo4j_code;
  const char* message_part;
};

class MemberClientHttpErrorTest : public MemberClientTest,
                                  public ::testing::WithParamInterface<HttpErrorCase> {};

TEST_P(MemberClientHttpErrorTest, ErrorBodiesBecomeClearErrors) {
  const HttpErrorCase c = GetParam();
  std::string body = Fixture(c.fixture);
  ASSERT_FALSE(body.empty()) << c.fixture;
  int status = c.status;
  fake_->On("GET /dbms/cluster/status", [body, status](const net::HttpRequest&,
                                                       net::HttpExchange& ex) {
    Reply(ex, status, body, "application/json", {{"WWW-Authenticate", "Basic realm=\"Neo4j\""}});
  });
  auto client = Client();
  auto r = Await(client->DbmsClusterStatus());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, c.kind) << r.error().ToString();
  EXPECT_EQ(r.error().http_status, c.status);
  EXPECT_EQ(r.error().neo4j_code, c.neo4j_code);
  EXPECT_NE(r.error().message.find(c.message_part), std::string::npos) << r.error().message;
  ExpectNoSecret(r.error());
  auto stats = client->Stats();
  EXPECT_EQ(stats.consecutive_failures, 1u);
  EXPECT_EQ(stats.errors_by_kind[std::string(ErrorKindName(c.kind))], 1u);
  ASSERT_TRUE(stats.last_error.has_value());
  EXPECT_EQ(stats.last_error->kind, c.kind);
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, MemberClientHttpErrorTest,
    ::testing::Values(
        HttpErrorCase{"http-401-bad-credentials-4.4-docs.json", 401, ErrorKind::kUnauthorized,
                      "Neo.ClientError.Security.Unauthorized", "Invalid username or password."},
        HttpErrorCase{"query-api-401-missing-auth-header.json", 401, ErrorKind::kUnauthorized,
                      "Neo.ClientError.Security.Unauthorized",
                      "No authentication header supplied."},
        HttpErrorCase{"query-api-400-invalid-auth-header.json", 400, ErrorKind::kBadRequest,
                      "Neo.ClientError.Request.InvalidFormat", "Invalid authentication header."},
        HttpErrorCase{"query-api-400-credentials-expired.json", 400, ErrorKind::kBadRequest,
                      "Neo.ClientError.Security.CredentialsExpired", "Permission denied."},
        HttpErrorCase{"query-api-429-auth-rate-limit.json", 429, ErrorKind::kRateLimited,
                      "Neo.ClientError.Security.AuthenticationRateLimit",
                      "Too many failed authentication requests"}));

TEST_F(MemberClientTest, UnavailableCarriesRetryAfter) {
  fake_->On("GET /db/neo4j/cluster/status", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 503, "Database neo4j is stopped", "text/plain", {{"Retry-After", "30"}});
  });
  auto client = Client();
  auto r = Await(client->DatabaseStatus("neo4j"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kUnavailable) << r.error().ToString();
  EXPECT_EQ(r.error().retry_after_seconds, 30);
}

TEST_F(MemberClientTest, MalformedJsonIsMalformed) {
  fake_->On("GET /dbms/cluster/status", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 200, "[{\"databaseName\": \"neo4j\", ");
  });
  auto client = Client();
  auto r = Await(client->DbmsClusterStatus());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kMalformed) << r.error().ToString();
}

TEST_F(MemberClientTest, BodyOverTheCapIsTooLarge) {
  options_.http.max_response_bytes = 1000;
  fake_->On("GET /dbms/cluster/status", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 200, "[" + std::string(5000, ' ') + "]");
  });
  auto client = Client();
  auto r = Await(client->DbmsClusterStatus());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTooLarge) << r.error().ToString();
  EXPECT_NE(r.error().message.find("response exceeded 1000 bytes"), std::string::npos);
}

TEST_F(MemberClientTest, ConnectionRefusedIsCountedAndHidesThePassword) {
  net::HttpServer gone({}, [](const net::HttpRequest&, net::HttpExchange& ex) { ex.Send({}); });
  ASSERT_TRUE(gone.Start().ok());
  int port = gone.Port();
  gone.Stop();
  MemberRef ref{"c1", "gone", "http://127.0.0.1:" + std::to_string(port)};
  MemberClient client(ref, options_, engine_, clock_);
  auto r = Await(client.DbmsClusterStatus());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kConnectionRefused) << r.error().ToString();
  ExpectNoSecret(r.error());
  auto d = Await(client.ShowDatabases());  // discovery fails the same way
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().kind, ErrorKind::kConnectionRefused);
  EXPECT_NE(d.error().message.find("discovery failed"), std::string::npos) << d.error().message;
  auto stats = client.Stats();
  EXPECT_EQ(stats.requests, 2u);  // status + discovery; the Cypher request was never sent
  EXPECT_EQ(stats.consecutive_failures, 2u);
  EXPECT_EQ(stats.errors_by_kind["connection_refused"], 2u);
  EXPECT_FALSE(stats.last_success.has_value());
}

TEST_F(MemberClientTest, HungRequestTimesOutWhileOthersComplete) {
  options_.http.request_timeout = config::Seconds(0.3);
  fake_->On("GET /db/neo4j/cluster/status", [](const net::HttpRequest&, net::HttpExchange& ex) {
    ex.SleepFor(seconds(30));  // woken when the suite's server stops
  });
  fake_->On("GET /db/neo4j/cluster/writable", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 200, "true", "text/plain");
  });
  auto client = Client();
  auto hung = client->DatabaseStatus("neo4j");
  auto fast = client->Endpoint("neo4j", EndpointKind::kWritable);
  auto f = Await(fast);
  ASSERT_TRUE(f.ok()) << f.error().ToString();
  EXPECT_EQ(f->state, EndpointState::kTrue);
  // The hung request is still pending when the fast one has completed...
  EXPECT_NE(hung.wait_for(seconds(0)), std::future_status::ready);
  // ...and times out on its own.
  auto h = Await(hung);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().kind, ErrorKind::kTimeout) << h.error().ToString();
}

TEST_F(MemberClientTest, IdenticalRequestsAreDeduplicated) {
  fake_->On("GET /dbms/cluster/status", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 200, Fixture("dbms-cluster-status-docs-4.4.json"));
  });
  auto client = Client();
  auto a = client->DbmsClusterStatus();
  auto b = client->DbmsClusterStatus();
  ASSERT_TRUE(Await(a).ok());
  auto c = client->DbmsClusterStatus();  // completed, but within the window
  ASSERT_TRUE(Await(b).ok());
  ASSERT_TRUE(Await(c).ok());
  EXPECT_EQ(fake_->Count("GET /dbms/cluster/status"), 1);

  clock_.Advance(milliseconds(1001));  // past the window: a new request
  ASSERT_TRUE(Await(client->DbmsClusterStatus()).ok());
  EXPECT_EQ(fake_->Count("GET /dbms/cluster/status"), 2);
  // Different paths are different requests.
  ASSERT_FALSE(Await(client->DatabaseStatus("neo4j")).ok());  // stub: 404
  EXPECT_EQ(fake_->Count("GET /db/neo4j/cluster/status"), 1);
}

TEST_F(MemberClientTest, InFlightRequestIsShared) {
  fake_->Close();
  fake_->On("GET /dbms/cluster/status", [](const net::HttpRequest&, net::HttpExchange& ex) {
    fake_->WaitGate();
    Reply(ex, 200, Fixture("dbms-cluster-status-docs-4.4.json"));
  });
  auto client = Client();
  auto a = client->DbmsClusterStatus();
  ASSERT_TRUE(fake_->WaitFor("GET /dbms/cluster/status", 1));
  clock_.Advance(seconds(10));  // in flight: shared regardless of the window
  auto b = client->DbmsClusterStatus();
  EXPECT_NE(a.wait_for(seconds(0)), std::future_status::ready);
  fake_->Open();
  ASSERT_TRUE(Await(a).ok());
  ASSERT_TRUE(Await(b).ok());
  EXPECT_EQ(fake_->Count("GET /dbms/cluster/status"), 1);
}

TEST_F(MemberClientTest, TxCommitTransportFor5x) {
  fake_->SetDiscovery(Fixture("discovery-root-5.12.0-docs.json"));
  fake_->On("POST /db/system/tx/commit", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 200, TxCommitBody({{kDbColumns, kDbRows}}));
  });
  auto client = Client();
  auto r = Await(client->ShowDatabases());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].name, "neo4j");
  EXPECT_EQ((*r)[0].role, DatabaseRole::kLeader);
  EXPECT_EQ((*r)[1].role, DatabaseRole::kFollower);
  EXPECT_EQ(fake_->Count("GET /"), 1);
  EXPECT_EQ(fake_->Count("POST /db/system/query/v2"), 0);
  auto seen = fake_->Seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].path, "/");
  EXPECT_EQ(seen[0].Header("authorization"), "");  // discovery is unauthenticated
  EXPECT_EQ(seen[0].Header("accept"), "application/json");
  const auto& post = seen[1];
  EXPECT_EQ(post.path, "/db/system/tx/commit");
  EXPECT_EQ(post.Header("authorization"), kAuthHeader);
  EXPECT_EQ(post.Header("accept"), "application/json;charset=UTF-8");
  EXPECT_EQ(post.Header("content-type"), "application/json");
  json body = json::parse(post.body);
  ASSERT_EQ(body["statements"].size(), 1u);
  EXPECT_EQ(body["statements"][0]["statement"], "SHOW DATABASES YIELD *");

  auto stats = client->Stats();
  ASSERT_TRUE(stats.discovery.has_value());
  EXPECT_EQ(stats.discovery->version, "5.12.0");
}

TEST_F(MemberClientTest, QueryApiTransportWhenAdvertised) {
  fake_->SetDiscovery(Fixture("discovery-root-2026.03-docs.json"));
  fake_->On("POST /db/system/query/v2", [](const net::HttpRequest&, net::HttpExchange& ex) {
    json doc = {
        {"data",
         {{"fields", {"serverId", "name", "address", "state", "health", "hosting"}},
          {"values", {{"s1", "server1", "localhost:7681", "Enabled", "Available", {"system"}}}}}},
        {"bookmarks", {"FB:x"}}};
    Reply(ex, 202, doc.dump());
  });
  auto client = Client();
  auto r = Await(client->ShowServers());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].server_id, "s1");
  EXPECT_EQ((*r)[0].health, "Available");
  EXPECT_EQ(fake_->Count("POST /db/system/tx/commit"), 0);
  auto seen = fake_->Seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].path, "/db/system/query/v2");
  EXPECT_EQ(seen[1].Header("accept"), "application/json");
  EXPECT_EQ(seen[1].Header("authorization"), kAuthHeader);
  json body = json::parse(seen[1].body);
  EXPECT_EQ(body["statement"], "SHOW SERVERS YIELD *");
  EXPECT_FALSE(body.contains("statements"));
}

// The own-rows form carries the address as a parameter on both transports (no quoting in the
// statement text); the same address twice is one request, another address another.
TEST_F(MemberClientTest, ShowDatabasesAtSendsTheAddressAsAParameter) {
  fake_->SetDiscovery(Fixture("discovery-root-5.12.0-docs.json"));
  fake_->On("POST /db/system/tx/commit", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 200, TxCommitBody({{kDbColumns, kDbRows}}));
  });
  auto client = Client();
  auto a = client->ShowDatabasesAt("h'1:7687");
  auto b = client->ShowDatabasesAt("h'1:7687");
  auto r = Await(a);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->size(), 2u);  // the member filters; the client maps what comes back
  ASSERT_TRUE(Await(b).ok());
  ASSERT_TRUE(Await(client->ShowDatabasesAt("h2:7687")).ok());
  EXPECT_EQ(fake_->Count("POST /db/system/tx/commit"), 2);
  auto seen = fake_->Seen();
  ASSERT_EQ(seen.size(), 3u);
  json body = json::parse(seen[1].body);
  ASSERT_EQ(body["statements"].size(), 1u);
  EXPECT_EQ(body["statements"][0]["statement"], "SHOW DATABASES YIELD * WHERE address = $address");
  EXPECT_EQ(body["statements"][0]["parameters"], (json{{"address", "h'1:7687"}}));
  EXPECT_EQ(json::parse(seen[2].body)["statements"][0]["parameters"]["address"], "h2:7687");
}

TEST_F(MemberClientTest, ShowDatabasesAtOverTheQueryApi) {
  fake_->SetDiscovery(Fixture("discovery-root-2026.03-docs.json"));
  fake_->On("POST /db/system/query/v2", [](const net::HttpRequest&, net::HttpExchange& ex) {
    json doc = {{"data", {{"fields", kDbColumns}, {"values", kDbRows}}}, {"bookmarks", {"FB:x"}}};
    Reply(ex, 202, doc.dump());
  });
  auto client = Client();
  auto r = Await(client->ShowDatabasesAt("h1:7687"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->size(), 2u);
  auto seen = fake_->Seen();
  ASSERT_EQ(seen.size(), 2u);
  json body = json::parse(seen[1].body);
  EXPECT_EQ(body["statement"], "SHOW DATABASES YIELD * WHERE address = $address");
  EXPECT_EQ(body["parameters"], (json{{"address", "h1:7687"}}));
}

TEST_F(MemberClientTest, QueryApiErrorStatusIsMapped) {
  fake_->SetDiscovery(Fixture("discovery-root-5.19.0-docs.json"));
  fake_->On("POST /db/system/query/v2", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 401, Fixture("query-api-401-invalid-credentials.json"));
  });
  auto client = Client();
  auto r = Await(client->ShowDatabases());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kUnauthorized) << r.error().ToString();
  ExpectNoSecret(r.error());
}

TEST_F(MemberClientTest, InBandCypherErrorIsNeo4jError) {
  fake_->SetDiscovery(Fixture("discovery-root-4.4.0-docs.json"));
  fake_->On("POST /db/system/tx/commit", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 200, Fixture("tx-syntax-error-4.4-docs.json"));
  });
  auto client = Client();
  auto r = Await(client->ShowDatabases());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kNeo4jError) << r.error().ToString();
  EXPECT_EQ(r.error().neo4j_code, "Neo.ClientError.Statement.SyntaxError");
}

TEST_F(MemberClientTest, ClusterRolesAreBatchedInOneRequestOn44) {
  fake_->SetDiscovery(Fixture("discovery-root-4.4.0-docs.json"));
  fake_->On("POST /db/system/tx/commit", [](const net::HttpRequest& req, net::HttpExchange& ex) {
    // Answer each statement with a role derived from its parameter, so order is checked.
    json body = json::parse(req.body, nullptr, false);
    std::vector<std::pair<json, json>> results;
    for (const auto& st : body["statements"]) {
      std::string db = st["parameters"]["database"];
      results.push_back({json{"role"}, json{{db == "system" ? "LEADER" : "FOLLOWER"}}});
    }
    Reply(ex, 200, TxCommitBody(results));
  });
  auto client = Client();
  auto r = Await(client->ClusterRoles({"neo4j", "system", "sales"}));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  std::vector<std::pair<std::string, std::string>> want = {
      {"neo4j", "FOLLOWER"}, {"system", "LEADER"}, {"sales", "FOLLOWER"}};
  EXPECT_EQ(*r, want);
  EXPECT_EQ(fake_->Count("POST /db/system/tx/commit"), 1);
  auto seen = fake_->Seen();
  json body = json::parse(seen.back().body);
  ASSERT_EQ(body["statements"].size(), 3u);
  for (const auto& st : body["statements"]) {
    EXPECT_EQ(st["statement"], "CALL dbms.cluster.role($database)");
  }
  EXPECT_EQ(body["statements"][2]["parameters"]["database"], "sales");

  // No databases: no request at all.
  auto none = Await(client->ClusterRoles({}));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(MemberClientTest, ClusterRolesResultCountMismatchIsMalformed) {
  fake_->SetDiscovery(Fixture("discovery-root-4.4.0-docs.json"));
  fake_->On("POST /db/system/tx/commit", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 200, TxCommitBody({{json{"role"}, json{{"LEADER"}}}}));
  });
  auto client = Client();
  auto r = Await(client->ClusterRoles({"neo4j", "system"}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kMalformed) << r.error().ToString();
}

TEST_F(MemberClientTest, ClusterOverviewOn44) {
  fake_->SetDiscovery(Fixture("discovery-root-4.4.0-docs.json"));
  fake_->On("POST /db/system/tx/commit", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 200,
          TxCommitBody({{json{"id", "addresses", "groups", "databases"},
                         json{{"id-1",
                               {"bolt://neo20:7687"},
                               json::array(),
                               {{"system", "LEADER"}, {"neo4j", "FOLLOWER"}}}}}}));
  });
  auto client = Client();
  auto r = Await(client->ClusterOverview());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].databases.at("system"), "LEADER");
  json body = json::parse(fake_->Seen().back().body);
  EXPECT_EQ(body["statements"][0]["statement"], "CALL dbms.cluster.overview()");
}

TEST_F(MemberClientTest, DialectMismatchFailsWithoutACypherRequest) {
  fake_->SetDiscovery(Fixture("discovery-root-4.4.0-docs.json"));
  auto client = Client();
  auto servers = Await(client->ShowServers());
  ASSERT_FALSE(servers.ok());
  EXPECT_EQ(servers.error().kind, ErrorKind::kInvalidArgument) << servers.error().ToString();
  EXPECT_EQ(fake_->Count("POST /db/system/tx/commit"), 0);

  fake_->Reset();  // default discovery: 5.12.0
  auto client5 = Client();
  auto overview = Await(client5->ClusterOverview());
  ASSERT_FALSE(overview.ok());
  EXPECT_EQ(overview.error().kind, ErrorKind::kInvalidArgument);
  auto roles = Await(client5->ClusterRoles({"neo4j"}));
  ASSERT_FALSE(roles.ok());
  EXPECT_EQ(roles.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(fake_->Count("POST /db/system/tx/commit"), 0);
  EXPECT_EQ(fake_->Count("GET /"), 1);  // one cached discovery served both
}

TEST_F(MemberClientTest, DiscoveryIsCachedAndRefreshedAfter60s) {
  fake_->On("POST /db/system/tx/commit", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 200, TxCommitBody({{kDbColumns, kDbRows}}));
  });
  auto client = Client();
  ASSERT_TRUE(Await(client->ShowDatabases()).ok());
  clock_.Advance(seconds(5));
  ASSERT_TRUE(Await(client->ShowDatabases()).ok());
  ASSERT_TRUE(Await(client->Discovery()).ok());
  EXPECT_EQ(fake_->Count("GET /"), 1);
  EXPECT_EQ(fake_->Count("POST /db/system/tx/commit"), 2);
  clock_.Advance(seconds(56));  // 61 s after the first discovery
  ASSERT_TRUE(Await(client->ShowDatabases()).ok());
  EXPECT_EQ(fake_->Count("GET /"), 2);
}

TEST_F(MemberClientTest, TransportFailureTriggersRediscovery) {
  // The member "restarts" as 2026.03 (Query API) after a transport failure.
  fake_->SetDiscovery(Fixture("discovery-root-4.4.0-docs.json"));
  fake_->On("POST /db/system/tx/commit", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 200, TxCommitBody({{kDbColumns, kDbRows}}));
  });
  fake_->On("POST /db/system/query/v2", [](const net::HttpRequest&, net::HttpExchange& ex) {
    json doc = {{"data", {{"fields", {"name"}}, {"values", {{"neo4j"}}}}}};
    Reply(ex, 202, doc.dump());
  });
  fake_->On("GET /dbms/cluster/status", [](const net::HttpRequest&, net::HttpExchange& ex) {
    ex.SendRaw("garbage, not HTTP\r\n\r\n");  // a transport-level failure
  });
  auto client = Client();
  ASSERT_TRUE(Await(client->ShowDatabases()).ok());
  EXPECT_EQ(client->Stats().discovery->version, "4.4.0");

  fake_->SetDiscovery(Fixture("discovery-root-2026.03-docs.json"));
  clock_.Advance(seconds(2));
  ASSERT_TRUE(Await(client->ShowDatabases()).ok());
  EXPECT_EQ(fake_->Count("GET /"), 1);  // still cached: nothing went wrong yet

  auto status = Await(client->DbmsClusterStatus());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::kNetwork) << status.error().ToString();
  clock_.Advance(seconds(2));
  auto r = Await(client->ShowDatabases());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(fake_->Count("GET /"), 2);
  EXPECT_EQ(fake_->Count("POST /db/system/query/v2"), 1);
  EXPECT_EQ(client->Stats().discovery->version, "2026.03");
}

TEST_F(MemberClientTest, DiscoveryHttpErrorFailsCypher) {
  fake_->On("GET /", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 500, "boom", "text/plain");
  });
  auto client = Client();
  auto r = Await(client->ShowDatabases());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kServerError) << r.error().ToString();
  EXPECT_NE(r.error().message.find("discovery failed"), std::string::npos);
  EXPECT_EQ(fake_->Count("POST /db/system/tx/commit"), 0);
}

TEST_F(MemberClientTest, CredentialsErrorFailsWithoutSending) {
  options_.credentials.password_file = dir_ + "/missing-password";
  auto client = Client();
  auto r = Await(client->DbmsClusterStatus());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(r.error().message.find(dir_ + "/missing-password"), std::string::npos)
      << r.error().message;
  EXPECT_TRUE(fake_->Seen().empty());
  EXPECT_EQ(client->Stats().errors_by_kind["invalid_argument"], 1u);
}

TEST_F(MemberClientTest, RotatedPasswordIsUsedForTheNextRequest) {
  fake_->On("GET /dbms/cluster/status",
            [](const net::HttpRequest&, net::HttpExchange& ex) { Reply(ex, 200, "[]"); });
  auto client = Client();
  ASSERT_TRUE(Await(client->DbmsClusterStatus()).ok());
  WriteFile("pass", "rotated-pass\n");
  clock_.Advance(seconds(2));
  ASSERT_TRUE(Await(client->DbmsClusterStatus()).ok());
  auto seen = fake_->Seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].Header("authorization"), kAuthHeader);
  EXPECT_EQ(seen[1].Header("authorization"), kRotatedAuthHeader);
}

TEST_F(MemberClientTest, NoCredentialsConfiguredSendsNoAuthorization) {
  options_.credentials = config::CredentialsConfig{};
  options_.credentials.username_env = "";
  options_.credentials.password_env = "";
  fake_->On("GET /dbms/cluster/status",
            [](const net::HttpRequest&, net::HttpExchange& ex) { Reply(ex, 200, "[]"); });
  auto client = Client();
  ASSERT_TRUE(Await(client->DbmsClusterStatus()).ok());
  EXPECT_EQ(fake_->Seen().at(0).Header("authorization"), "");
}

TEST_F(MemberClientTest, SuccessResetsConsecutiveFailures) {
  fake_->On("GET /db/neo4j/cluster/writable", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 401, Fixture("query-api-401-invalid-credentials.json"));
  });
  auto client = Client();
  ASSERT_FALSE(Await(client->Endpoint("neo4j", EndpointKind::kWritable)).ok());
  clock_.Advance(seconds(2));
  ASSERT_FALSE(Await(client->Endpoint("neo4j", EndpointKind::kWritable)).ok());
  EXPECT_EQ(client->Stats().consecutive_failures, 2u);
  fake_->On("GET /db/neo4j/cluster/writable", [](const net::HttpRequest&, net::HttpExchange& ex) {
    Reply(ex, 200, "true", "text/plain");
  });
  clock_.Advance(seconds(2));
  ASSERT_TRUE(Await(client->Endpoint("neo4j", EndpointKind::kWritable)).ok());
  auto stats = client->Stats();
  EXPECT_EQ(stats.consecutive_failures, 0u);
  EXPECT_EQ(stats.errors_by_kind["unauthorized"], 2u);
  EXPECT_EQ(stats.requests, 3u);
  ASSERT_TRUE(stats.last_error.has_value());
  EXPECT_EQ(stats.last_error->kind, ErrorKind::kUnauthorized);
}

TEST_F(MemberClientTest, PendingCompletesAfterTheClientIsDestroyed) {
  fake_->Close();
  fake_->On("POST /db/system/tx/commit", [](const net::HttpRequest&, net::HttpExchange& ex) {
    fake_->WaitGate();
    Reply(ex, 200, TxCommitBody({{kDbColumns, kDbRows}}));
  });
  Pending<std::vector<DatabaseRow>> p;
  {
    auto client = Client();
    p = client->ShowDatabases();
    ASSERT_TRUE(fake_->WaitFor("POST /db/system/tx/commit", 1));
  }
  fake_->Open();
  auto r = Await(p);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->size(), 2u);
}

TEST(MemberClientOptionsTest, FromCluster) {
  config::ClusterConfig cluster;
  cluster.tls.ca_file = "/etc/ca.pem";
  cluster.http.max_response_bytes = 1234;
  cluster.credentials.password_file = "/run/secrets/pw";
  auto o = MemberClientOptions::FromCluster(cluster);
  EXPECT_EQ(o.tls.ca_file, "/etc/ca.pem");
  EXPECT_EQ(o.http.max_response_bytes, 1234u);
  EXPECT_EQ(o.credentials.password_file, "/run/secrets/pw");
  EXPECT_EQ(o.discovery_max_age, seconds(60));
}

}  // namespace
}  // namespace nca::neo4j
