// The member HTTP surface over loopback, checked against the reference fixtures (key sets,
// byte-exact bodies) and against the product's own parsers (neo4j/parsers.h).
#include "sim/member_http.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "neo4j/parsers.h"
#include "sim/simulator.h"
#include "sim_test_client.h"

namespace nca::sim {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;
using testing::FixtureJson;
using testing::Get;
using testing::Keys;
using testing::kPassword;
using testing::kUser;
using testing::PostJson;
using testing::ReadFixture;
using testing::Reply;

std::string TrimNewline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
    s.pop_back();
  }
  return s;
}

std::vector<std::string> OrderedKeys(const ordered_json& j) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) {
    keys.push_back(k);
  }
  return keys;
}

class SimMemberHttpTest : public ::testing::Test {
 protected:
  void SetUp() override { Boot(testing::TestTopology()); }
  void TearDown() override {
    if (sim_) {
      sim_->Stop();
    }
  }

  void Boot(SimConfig config) {
    if (sim_) {
      sim_->Stop();
    }
    auto sim = Simulator::Create(std::move(config), clock_);
    ASSERT_TRUE(sim.ok()) << sim.error().message;
    sim_ = std::move(*sim);
    auto st = sim_->Start();
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  void Advance(Duration d) {
    clock_.Advance(d);
    sim_->Tick();
  }
  void Apply(const std::string& action_json) {
    auto a = ParseFaultAction(json::parse(action_json));
    ASSERT_TRUE(a.ok()) << a.error().message;
    auto st = sim_->Apply(*a);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  Reply GetAuth(const std::string& member, const std::string& path) {
    return Get(sim_->MemberUrl(member) + path, kUser, kPassword);
  }
  Reply Cypher(const std::string& member, const std::string& db, const json& statements) {
    return PostJson(sim_->MemberUrl(member) + "/db/" + db + "/tx/commit",
                    json{{"statements", statements}}.dump(), kUser, kPassword);
  }
  // Name of the current leader of `db` in `cluster` and of one follower primary.
  std::string LeaderOf(const std::string& cluster, const std::string& db = "neo4j") {
    SimState s = sim_->State();
    for (const auto& c : s.clusters) {
      if (c.spec.name != cluster) {
        continue;
      }
      for (const auto& d : c.dbs) {
        if (d.name == db && d.leader) {
          return c.members[static_cast<std::size_t>(*d.leader)].spec.name;
        }
      }
    }
    return "";
  }
  std::string FollowerOf(const std::string& cluster, const std::string& db = "neo4j") {
    std::string leader = LeaderOf(cluster, db);
    for (int i = 1; i <= 3; ++i) {
      std::string name = cluster + "-" + std::to_string(i);
      if (name != leader) {
        return name;
      }
    }
    return "";
  }
  const SimMember& MemberState(const std::string& name) {
    state_ = sim_->State();
    for (const auto& c : state_.clusters) {
      for (const auto& m : c.members) {
        if (m.spec.name == name) {
          return m;
        }
      }
    }
    ADD_FAILURE() << "no member " << name;
    return state_.clusters[0].members[0];
  }

  ManualClock clock_;
  std::unique_ptr<Simulator> sim_;
  SimState state_;
};

TEST_F(SimMemberHttpTest, DiscoveryHasTheFixtureKeysPerVersionFamily) {
  struct Case {
    std::string member;
    std::string fixture;
    std::vector<std::string> extra_keys;
  };
  const std::vector<Case> cases = {
      {"v4-1", "discovery-root-4.4.0-docs.json", {"db/cluster", "dbms/cluster"}},
      {"v4-4", "discovery-root-4.4.0-docs.json", {"db/cluster", "dbms/cluster"}},
      {"v5-2", "discovery-root-5.19.0-docs.json", {}},  // 5.26: Query API on
      {"cal-4", "discovery-root-2026.03-docs.json", {}},
  };
  for (const auto& c : cases) {
    Reply r = Get(sim_->MemberUrl(c.member) + "/");  // unauthenticated
    ASSERT_EQ(r.status, 200) << c.member << " " << r.error;
    EXPECT_EQ(r.Header("content-type"), "application/json");
    json doc = json::parse(r.body);
    std::vector<std::string> expected = Keys(FixtureJson(c.fixture));
    expected.insert(expected.end(), c.extra_keys.begin(), c.extra_keys.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(Keys(doc), expected) << c.member;
    const SimMember& m = MemberState(c.member);
    EXPECT_EQ(doc["bolt_direct"], "bolt://127.0.0.1:" + std::to_string(m.bolt_port));
    EXPECT_EQ(doc["transaction"], sim_->MemberUrl(c.member) + "/db/{databaseName}/tx");
    auto info = neo4j::ParseDiscovery(r.body);
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_TRUE(info->has_cluster_endpoints);
    EXPECT_EQ(info->dialect, c.member[1] == '4' ? neo4j::Dialect::kV4 : neo4j::Dialect::kV5);
    EXPECT_EQ(info->transport, c.member[1] == '4' ? neo4j::CypherTransport::kTransactional
                                                  : neo4j::CypherTransport::kQueryApi);
  }
  // Key order of the 5.x document follows the manual.
  ordered_json v5 = ordered_json::parse(Get(sim_->MemberUrl("v5-1") + "/").body);
  EXPECT_EQ(OrderedKeys(v5),
            OrderedKeys(ordered_json::parse(ReadFixture("discovery-root-5.19.0-docs.json"))));

  // Browsers (no JSON in Accept) are redirected to /browser/.
  testing::Request browser;
  browser.url = sim_->MemberUrl("v5-1") + "/";
  Reply redirect = testing::Send(browser);
  EXPECT_EQ(redirect.status, 303);
  EXPECT_EQ(redirect.Header("location"), sim_->MemberUrl("v5-1") + "/browser/");
}

TEST_F(SimMemberHttpTest, DiscoveryWithoutQueryApiHasThe512Keys) {
  SimConfig config = testing::TestTopology();
  config.clusters[1].version = "5.12.0";
  Boot(config);
  Reply r = Get(sim_->MemberUrl("v5-1") + "/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Keys(json::parse(r.body)), Keys(FixtureJson("discovery-root-5.12.0-docs.json")));
  EXPECT_EQ(PostJson(sim_->MemberUrl("v5-1") + "/db/system/query/v2", R"({"statement":"RETURN 1"})",
                     kUser, kPassword)
                .status,
            404);
}

TEST_F(SimMemberHttpTest, StatusMatchesTheDbmsFixtureKeysAndOrder) {
  const ordered_json fixture =
      ordered_json::parse(ReadFixture("dbms-cluster-status-docs-5x-2025x.json"));
  const std::string leader = LeaderOf("v5");
  Reply r = GetAuth(leader, "/db/neo4j/cluster/status");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  ordered_json doc = ordered_json::parse(r.body);
  EXPECT_EQ(OrderedKeys(doc), OrderedKeys(fixture[0]["databaseStatus"]));
  EXPECT_TRUE(doc["raftCommandsPerSecond"].is_number_float());
  EXPECT_EQ(doc["millisSinceLastLeaderMessage"], 0);
  EXPECT_EQ(doc["leader"], doc["memberId"]);
  EXPECT_EQ(doc["votingMembers"].size(), 3u);
  EXPECT_TRUE(std::is_sorted(doc["votingMembers"].begin(), doc["votingMembers"].end()));

  auto parsed = neo4j::ParseDatabaseStatus(r.body, "neo4j");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_TRUE(parsed->core);
  EXPECT_TRUE(parsed->participating_in_raft_group);
  EXPECT_EQ(parsed->healthy, true);
  EXPECT_EQ(parsed->member_id, MemberState(leader).server_id);

  // Secondary: explicit null for the leader message age, not in the voting set.
  Reply s = GetAuth("v5-4", "/db/neo4j/cluster/status");
  ordered_json sec = ordered_json::parse(s.body);
  EXPECT_EQ(OrderedKeys(sec), OrderedKeys(fixture[0]["databaseStatus"]));
  EXPECT_TRUE(sec["millisSinceLastLeaderMessage"].is_null());
  EXPECT_EQ(sec["core"], false);
  EXPECT_EQ(sec["participatingInRaftGroup"], false);
  EXPECT_EQ(sec["leader"], doc["memberId"]);
}

TEST_F(SimMemberHttpTest, FourFourStatusHasDiscoveryHealthyAndDocsVariantMatchesFixture) {
  std::vector<std::string> expected = Keys(FixtureJson("cluster-status-db-docs-4.4.json"));
  std::replace(expected.begin(), expected.end(), std::string("isHealthy"), std::string("healthy"));
  expected.push_back("discoveryHealthy");
  std::sort(expected.begin(), expected.end());
  Reply r = GetAuth("v4-2", "/db/neo4j/cluster/status");
  ASSERT_EQ(r.status, 200);
  json doc = json::parse(r.body);
  EXPECT_EQ(Keys(doc), expected);
  EXPECT_EQ(doc["discoveryHealthy"], true);

  // The manual's variant: isHealthy, no discoveryHealthy -> exactly the docs fixture's keys.
  SimConfig config = testing::TestTopology();
  config.clusters[0].health_key = HealthKey::kIsHealthy;
  config.clusters[0].discovery_healthy = false;
  Boot(config);
  Reply docs = GetAuth("v4-2", "/db/neo4j/cluster/status");
  EXPECT_EQ(Keys(json::parse(docs.body)), Keys(FixtureJson("cluster-status-db-docs-4.4.json")));
  auto parsed = neo4j::ParseDatabaseStatus(docs.body, "neo4j");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->healthy, true);

  // And raftCommandsPerSecond can be left out.
  config.clusters[1].raft_commands_per_second = false;
  Boot(config);
  EXPECT_EQ(
      json::parse(GetAuth("v5-1", "/db/neo4j/cluster/status").body).count("raftCommandsPerSecond"),
      0u);
}

TEST_F(SimMemberHttpTest, DbmsStatusListsAvailableDatabases) {
  const json fixture = FixtureJson("dbms-cluster-status-docs-4.4.json");
  Reply r = GetAuth("v4-1", "/dbms/cluster/status");
  ASSERT_EQ(r.status, 200);
  json doc = json::parse(r.body);
  ASSERT_TRUE(doc.is_array());
  ASSERT_EQ(doc.size(), 2u);
  EXPECT_EQ(Keys(doc[0]), Keys(fixture[0]));
  EXPECT_EQ(doc[0]["databaseName"], "neo4j");
  EXPECT_EQ(doc[1]["databaseName"], "system");
  EXPECT_EQ(doc[1]["databaseUuid"], "00000000-0000-0000-0000-000000000001");
  auto keys = Keys(fixture[0]["databaseStatus"]);
  keys.push_back("discoveryHealthy");
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(Keys(doc[0]["databaseStatus"]), keys);
  auto parsed = neo4j::ParseDbmsClusterStatus(r.body);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[1].database_uuid, "00000000-0000-0000-0000-000000000001");

  Apply(R"({"action":"stop_database","member":"v4-1","database":"neo4j"})");
  doc = json::parse(GetAuth("v4-1", "/dbms/cluster/status").body);
  ASSERT_EQ(doc.size(), 1u);
  EXPECT_EQ(doc[0]["databaseName"], "system");
}

TEST_F(SimMemberHttpTest, BooleanEndpointsAreByteExact) {
  struct Expect {
    std::string member;
    bool writable;
    bool read_only;
  };
  const std::vector<Expect> cases = {{LeaderOf("v5"), true, false},
                                     {FollowerOf("v5"), false, true},
                                     {"v5-4", false, true},
                                     {LeaderOf("v4"), true, false},
                                     {"v4-4", false, true}};
  for (const auto& c : cases) {
    for (const auto& [endpoint, expected] : std::vector<std::pair<std::string, bool>>{
             {"available", true}, {"writable", c.writable}, {"read-only", c.read_only}}) {
      Reply r = GetAuth(c.member, "/db/neo4j/cluster/" + endpoint);
      EXPECT_EQ(r.status, expected ? 200 : 404) << c.member << " " << endpoint;
      EXPECT_EQ(r.body, expected ? "true" : "false") << c.member << " " << endpoint;
      EXPECT_EQ(r.Header("content-type"), "text/plain");
      auto answer = neo4j::ParseEndpointAnswer(r.status, r.body, r.Header("retry-after"));
      ASSERT_TRUE(answer.ok());
      EXPECT_EQ(answer->state,
                expected ? neo4j::EndpointState::kTrue : neo4j::EndpointState::kFalse);
    }
  }
  Reply unknown = GetAuth("v5-1", "/db/nope/cluster/writable");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, "");
  EXPECT_EQ(neo4j::ParseEndpointAnswer(404, "", "")->state, neo4j::EndpointState::kNotHosted);
  EXPECT_EQ(GetAuth("v5-1", "/db/nope/cluster/status").status, 404);
}

TEST_F(SimMemberHttpTest, CandidateCountsAsReadOnlyAndReportsNullLeader) {
  Apply(R"({"action":"stop_member","member":"v5-1"})");
  Apply(R"({"action":"stop_member","member":"v5-2"})");
  Advance(std::chrono::seconds(5));
  EXPECT_EQ(GetAuth("v5-3", "/db/neo4j/cluster/writable").body, "false");
  Reply ro = GetAuth("v5-3", "/db/neo4j/cluster/read-only");
  EXPECT_EQ(ro.status, 200);
  EXPECT_EQ(ro.body, "true");
  json doc = json::parse(GetAuth("v5-3", "/db/neo4j/cluster/status").body);
  ASSERT_TRUE(doc.contains("leader"));
  EXPECT_TRUE(doc["leader"].is_null());
  EXPECT_EQ(doc["participatingInRaftGroup"], false);
  EXPECT_TRUE(doc["raftCommandsPerSecond"].is_null());
  EXPECT_GT(doc["millisSinceLastLeaderMessage"].get<int64_t>(), 4000);
}

TEST_F(SimMemberHttpTest, DatabaseNotRunningIs503) {
  Apply(R"({"action":"set_database_state","member":"v5-1","database":"neo4j","state":"initial"})");
  Reply r = GetAuth("v5-1", "/db/neo4j/cluster/available");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("retry-after"), "60");
  EXPECT_EQ(r.body, "Database neo4j is initial");
  auto answer = neo4j::ParseEndpointAnswer(r.status, r.body, r.Header("retry-after"));
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->state, neo4j::EndpointState::kUnavailable);
  EXPECT_EQ(answer->retry_after_seconds, 60);
  EXPECT_EQ(GetAuth("v5-1", "/db/neo4j/cluster/status").status, 503);

  Apply(R"({"action":"stop_database","cluster":"v5","database":"neo4j"})");
  Reply stopped = GetAuth("v5-2", "/db/neo4j/cluster/writable");
  EXPECT_EQ(stopped.status, 503);
  EXPECT_EQ(stopped.body, "Database neo4j is stopped");
  EXPECT_EQ(stopped.Header("retry-after"), "");
  Apply(R"({"action":"start_database","cluster":"v5","database":"neo4j"})");
  EXPECT_EQ(GetAuth("v5-2", "/db/neo4j/cluster/available").status, 200);
}

TEST_F(SimMemberHttpTest, AuthErrorsAreByteExact) {
  const std::string url = sim_->MemberUrl("v5-1") + "/db/neo4j/cluster/status";
  Reply missing = Get(url);
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.body, TrimNewline(ReadFixture("query-api-401-missing-auth-header.json")));
  EXPECT_EQ(json::parse(missing.body), FixtureJson("http-401-no-auth-header-4.4-docs.json"));
  EXPECT_EQ(missing.Header("www-authenticate"), "Basic realm=\"Neo4j\"");
  EXPECT_EQ(missing.Header("content-type"), "application/json; charset=UTF-8");

  Reply wrong = Get(url, kUser, "not-the-password");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body, TrimNewline(ReadFixture("query-api-401-invalid-credentials.json")));
  EXPECT_EQ(json::parse(wrong.body), FixtureJson("http-401-bad-credentials-4.4-docs.json"));
  Error e = neo4j::ErrorFromHttp(wrong.status, wrong.body, "");
  EXPECT_EQ(e.kind, ErrorKind::kUnauthorized);
  EXPECT_EQ(e.neo4j_code, "Neo.ClientError.Security.Unauthorized");

  for (const std::string header : {"Authorization: Bearer abc", "Authorization: Basic !!!!",
                                   "Authorization: Basic bm9jb2xvbg=="}) {
    testing::Request req;
    req.url = url;
    req.headers = {header};
    Reply bad = testing::Send(req);
    EXPECT_EQ(bad.status, 400) << header;
    EXPECT_EQ(bad.body, TrimNewline(ReadFixture("query-api-400-invalid-auth-header.json")));
    EXPECT_EQ(bad.Header("www-authenticate"), "");
  }

  testing::Request ajax;
  ajax.url = url;
  ajax.headers = {"X-Ajax-Browser-Auth: true"};
  EXPECT_EQ(testing::Send(ajax).Header("www-authenticate"), "None");

  // Transactions need auth too; discovery does not.
  EXPECT_EQ(PostJson(sim_->MemberUrl("v5-1") + "/db/system/tx/commit", "{}").status, 401);
  EXPECT_EQ(Get(sim_->MemberUrl("v5-1") + "/").status, 200);
}

TEST_F(SimMemberHttpTest, RateLimitAndStatusAuthOff) {
  SimConfig config = testing::TestTopology();
  config.clusters[1].auth_max_failed_attempts = 2;
  config.clusters[0].status_auth = false;
  Boot(config);
  const std::string url = sim_->MemberUrl("v5-1") + "/db/neo4j/cluster/available";
  EXPECT_EQ(Get(url, kUser, "x").status, 401);
  EXPECT_EQ(Get(url, kUser, "x").status, 401);
  Reply limited = Get(url, kUser, kPassword);  // locked even with the right password
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.body, TrimNewline(ReadFixture("query-api-429-auth-rate-limit.json")));
  EXPECT_EQ(neo4j::ErrorFromHttp(429, limited.body, "").kind, ErrorKind::kRateLimited);
  Advance(std::chrono::seconds(6));
  EXPECT_EQ(Get(url, kUser, kPassword).status, 200);

  // status_auth: false -> the status endpoints answer without credentials, Cypher does not.
  EXPECT_EQ(Get(sim_->MemberUrl("v4-1") + "/db/neo4j/cluster/available").status, 200);
  EXPECT_EQ(Get(sim_->MemberUrl("v4-1") + "/dbms/cluster/status").status, 200);
  EXPECT_EQ(PostJson(sim_->MemberUrl("v4-1") + "/db/system/tx/commit", "{}").status, 401);
}

TEST_F(SimMemberHttpTest, TxCommitShapesPerVersion) {
  const json statements =
      json::array({json{{"statement", "SHOW DATABASES YIELD *"}}, json{{"statement", "RETURN 1"}}});
  Reply v5 = Cypher("v5-2", "system", statements);
  ASSERT_EQ(v5.status, 200);
  EXPECT_EQ(v5.Header("content-type"), "application/json;charset=utf-8");
  json doc = json::parse(v5.body);
  EXPECT_EQ(Keys(doc), Keys(FixtureJson("tx-commit-response-5x-docs.json")));
  const json multi = FixtureJson("tx-commit-multi-statement-response-5x-docs.json");
  ASSERT_EQ(doc["results"].size(), 2u);
  EXPECT_EQ(Keys(doc["results"][0]), Keys(multi["results"][0]));
  EXPECT_EQ(Keys(doc["results"][0]["data"][0]), Keys(multi["results"][0]["data"][0]));
  EXPECT_EQ(doc["results"][1], multi["results"][0]);  // RETURN 1 -> {"columns":["1"], ...}
  for (const auto& row : doc["results"][0]["data"]) {
    EXPECT_EQ(row["meta"].size(), doc["results"][0]["columns"].size());
    EXPECT_TRUE(std::all_of(row["meta"].begin(), row["meta"].end(),
                            [](const json& m) { return m.is_null(); }));
  }
  auto all = neo4j::ParseTxCommitAll(v5.body);
  ASSERT_TRUE(all.ok()) << all.error().message;
  auto rows = neo4j::ToDatabaseRows((*all)[0]);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(rows->size(), 8u);
  int writers = 0;
  for (const auto& row : *rows) {
    writers += row.role == neo4j::DatabaseRole::kLeader ? 1 : 0;
    EXPECT_TRUE(row.replication_lag.has_value());
    EXPECT_LE(*row.replication_lag, 0);
  }
  EXPECT_EQ(writers, 2);  // neo4j and system

  Reply v4 = Cypher("v4-1", "system", json::array({json{{"statement", "SHOW DATABASES YIELD *"}}}));
  json doc4 = json::parse(v4.body);
  EXPECT_EQ(Keys(doc4), Keys(FixtureJson("tx-commit-response-4.4-docs.json")));
  auto rows4 = neo4j::ToDatabaseRows(*neo4j::ParseTxCommit(v4.body));
  ASSERT_TRUE(rows4.ok()) << rows4.error().message;
  std::set<neo4j::DatabaseRole> roles;
  for (const auto& row : *rows4) {
    roles.insert(row.role);
  }
  EXPECT_EQ(roles, (std::set<neo4j::DatabaseRole>{neo4j::DatabaseRole::kLeader,
                                                  neo4j::DatabaseRole::kFollower,
                                                  neo4j::DatabaseRole::kSecondary}));
}

TEST_F(SimMemberHttpTest, FourFourProceduresOverHttp) {
  const std::string leader = LeaderOf("v4");
  Reply r = Cypher(leader, "system",
                   json::array({json{{"statement", "CALL dbms.cluster.role($database)"},
                                     {"parameters", {{"database", "neo4j"}}}},
                                json{{"statement", "CALL dbms.cluster.role($database)"},
                                     {"parameters", {{"database", "system"}}}},
                                json{{"statement", "CALL dbms.cluster.overview()"}}}));
  auto all = neo4j::ParseTxCommitAll(r.body);
  ASSERT_TRUE(all.ok()) << all.error().message << r.body;
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ(*neo4j::ToClusterRole((*all)[0]), "LEADER");
  auto overview = neo4j::ToOverviewRows((*all)[2]);
  ASSERT_TRUE(overview.ok()) << overview.error().message;
  ASSERT_EQ(overview->size(), 4u);
  EXPECT_EQ((*overview)[3].databases.at("neo4j"), "READ_REPLICA");

  // 5.x: the procedures are gone (in-band error, status 200).
  Reply v5 = Cypher("v5-1", "system",
                    json::array({json{{"statement", "CALL dbms.cluster.role('neo4j')"}}}));
  EXPECT_EQ(v5.status, 200);
  auto err = neo4j::ParseTxCommit(v5.body);
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().kind, ErrorKind::kNeo4jError);
  EXPECT_EQ(err.error().neo4j_code, "Neo.ClientError.Procedure.ProcedureNotFound");
}

TEST_F(SimMemberHttpTest, InBandErrorsStopTheTransaction) {
  Reply r = Cypher(
      "v4-1", "system",
      json::array({json{{"statement", "RETURN 1"}}, json{{"statement", "SHOW SERVERS YIELD *"}},
                   json{{"statement", "RETURN 1"}}}));
  EXPECT_EQ(r.status, 200);
  json doc = json::parse(r.body);
  EXPECT_EQ(doc["results"].size(), 1u);
  ASSERT_EQ(doc["errors"].size(), 1u);
  const json fixture = FixtureJson("tx-syntax-error-4.4-docs.json");
  EXPECT_EQ(Keys(doc["errors"][0]), Keys(fixture["errors"][0]));
  EXPECT_EQ(doc["errors"][0]["code"], fixture["errors"][0]["code"]);
  EXPECT_FALSE(doc.contains("lastBookmarks"));

  Reply unknown = Cypher("v5-1", "nope", json::array({json{{"statement", "RETURN 1"}}}));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(json::parse(unknown.body)["errors"][0]["code"],
            "Neo.ClientError.Database.DatabaseNotFound");
  Reply garbage =
      PostJson(sim_->MemberUrl("v5-1") + "/db/system/tx/commit", "{not json", kUser, kPassword);
  EXPECT_EQ(garbage.status, 200);
  EXPECT_EQ(json::parse(garbage.body)["errors"][0]["code"],
            "Neo.ClientError.Request.InvalidFormat");
}

TEST_F(SimMemberHttpTest, QueryApiShapes) {
  const std::string url = sim_->MemberUrl("cal-1") + "/db/system/query/v2";
  Reply r = PostJson(url, R"({"statement":"SHOW SERVERS YIELD *"})", kUser, kPassword);
  ASSERT_EQ(r.status, 202) << r.body;
  json doc = json::parse(r.body);
  EXPECT_EQ(Keys(doc), (std::vector<std::string>{"bookmarks", "data"}));
  EXPECT_EQ(Keys(doc["data"]), (std::vector<std::string>{"fields", "values"}));
  ASSERT_EQ(doc["data"]["values"].size(), 4u);
  EXPECT_TRUE(doc["data"]["values"][0].is_array());
  auto result = neo4j::ParseQueryApi(r.body);
  ASSERT_TRUE(result.ok()) << result.error().message;
  auto servers = neo4j::ToServerRows(*result);
  ASSERT_TRUE(servers.ok()) << servers.error().message;
  ASSERT_EQ(servers->size(), 4u);
  EXPECT_EQ((*servers)[0].name, "cal-1");
  EXPECT_EQ((*servers)[0].health, "Available");
  EXPECT_EQ((*servers)[0].version, "2025.10.1");
  EXPECT_EQ((*servers)[0].http_address,
            "127.0.0.1:" + std::to_string(MemberState("cal-1").http_port));

  Reply err = PostJson(url, R"({"statement":"SHOW ME THE MONEY"})", kUser, kPassword);
  EXPECT_EQ(err.status, 400);
  EXPECT_EQ(json::parse(err.body)["errors"][0]["code"], "Neo.ClientError.Statement.SyntaxError");
  EXPECT_EQ(PostJson(sim_->MemberUrl("cal-1") + "/db/nope/query/v2", R"({"statement":"RETURN 1"})",
                     kUser, kPassword)
                .status,
            404);
  EXPECT_EQ(PostJson(sim_->MemberUrl("v4-1") + "/db/system/query/v2", R"({"statement":"RETURN 1"})",
                     kUser, kPassword)
                .status,
            404);

  // The 2024 flat shape.
  SimConfig config = testing::TestTopology();
  config.clusters[2].query_values = QueryValuesShape::kFlat;
  Boot(config);
  Reply flat = PostJson(sim_->MemberUrl("cal-1") + "/db/system/query/v2",
                        R"({"statement":"SHOW SERVERS"})", kUser, kPassword);
  json flat_doc = json::parse(flat.body);
  EXPECT_EQ(flat_doc["data"]["values"].size(), 4u * 5u);
  EXPECT_TRUE(flat_doc["data"]["values"][0].is_string());
  auto flat_result = neo4j::ParseQueryApi(flat.body);
  ASSERT_TRUE(flat_result.ok()) << flat_result.error().message;
  EXPECT_EQ(flat_result->rows.size(), 4u);
}

TEST_F(SimMemberHttpTest, BoltAddressesAgreeAcrossInterfaces) {
  for (const std::string member : {"v5-1", "v5-4", "v4-2"}) {
    json discovery = json::parse(Get(sim_->MemberUrl(member) + "/").body);
    std::string bolt =
        discovery["bolt_direct"].get<std::string>().substr(std::string("bolt://").size());
    const SimMember& m = MemberState(member);
    auto rows = neo4j::ToDatabaseRows(*neo4j::ParseTxCommit(
        Cypher(member, "system", json::array({json{{"statement", "SHOW DATABASES YIELD *"}}}))
            .body));
    ASSERT_TRUE(rows.ok());
    int matches = 0;
    for (const auto& row : *rows) {
      if (row.server_id == m.server_id) {
        EXPECT_EQ(row.address, bolt);
        ++matches;
      }
    }
    EXPECT_EQ(matches, 2) << member;
    auto state = sim_->StateJson();
    bool found = false;
    for (const auto& c : state["clusters"]) {
      for (const auto& sm : c["members"]) {
        if (sm["name"] == member) {
          EXPECT_EQ(sm["bolt_address"], bolt);
          EXPECT_EQ(sm["http_url"], sim_->MemberUrl(member));
          found = true;
        }
      }
    }
    EXPECT_TRUE(found);
  }
}

}  // namespace
}  // namespace nca::sim
