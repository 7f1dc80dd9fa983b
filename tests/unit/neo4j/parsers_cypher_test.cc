// The Cypher results (tx/commit, Query API) and the rows read from them: SHOW DATABASES, SHOW
// SERVERS, the 4.4 cluster overview and roles, status-check tables. Payloads from the reference
// fixtures (parser_fixtures.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "neo4j/parsers.h"
#include "parser_fixtures.h"

namespace nca::neo4j {
namespace {

using nlohmann::json;
using parser_fixtures::MakeResult;
using parser_fixtures::ParseTable;
using parser_fixtures::ParseTableFixture;
using parser_fixtures::ReadFixture;
using parser_fixtures::StripLineComments;
using parser_fixtures::Table;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;
using ::testing::StartsWith;

const DatabaseRow* FindDatabaseRow(const std::vector<DatabaseRow>& rows, std::string_view name,
                                   std::string_view address) {
  for (const auto& row : rows) {
    if (row.name == name && row.address == std::optional<std::string>(std::string(address))) {
      return &row;
    }
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// tx/commit

TEST(ParseTxCommitTest, Response5x) {
  auto r = ParseTxCommit(ReadFixture("tx-commit-response-5x-docs.json"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_THAT(r->columns, ElementsAre("n"));
  ASSERT_EQ(r->rows.size(), 1u);
  ASSERT_EQ(r->rows[0].size(), 1u);
  EXPECT_EQ(r->rows[0][0].at("name"), "Alice");
  EXPECT_EQ(r->rows[0][0].at("age"), 42);
  EXPECT_FALSE(r->rows[0][0].contains("elementId"));  // meta is not mixed in
}

TEST(ParseTxCommitTest, Response44WithoutBookmarks) {
  auto r = ParseTxCommit(ReadFixture("tx-commit-response-4.4-docs.json"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_THAT(r->columns, ElementsAre("n"));
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_EQ(r->rows[0][0], json::object());

  auto begin = ParseTxCommit(ReadFixture("tx-begin-response-4.4-docs.json"));
  ASSERT_TRUE(begin.ok()) << begin.error().ToString();
  ASSERT_EQ(begin->rows.size(), 1u);
  EXPECT_EQ(begin->rows[0][0].at("name"), "My Node");
}

TEST(ParseTxCommitTest, MultiStatement) {
  const std::string body = ReadFixture("tx-commit-multi-statement-response-5x-docs.json");
  auto all = ParseTxCommitAll(body);
  ASSERT_TRUE(all.ok()) << all.error().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_THAT((*all)[0].columns, ElementsAre("1"));
  EXPECT_THAT((*all)[1].columns, ElementsAre("2"));
  ASSERT_EQ((*all)[1].rows.size(), 1u);
  EXPECT_EQ((*all)[1].rows[0][0], 2);

  auto first = ParseTxCommit(body);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->rows[0][0], 1);
  auto second = ParseTxCommit(body, 1);
  ASSERT_TRUE(second.ok());
  EXPECT_THAT(second->columns, ElementsAre("2"));
  EXPECT_EQ(second->rows[0][0], 2);

  auto third = ParseTxCommit(body, 2);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().kind, ErrorKind::kMalformed);
}

TEST(ParseTxCommitTest, InBandSyntaxErrorIsNeo4jError) {
  auto r = ParseTxCommit(ReadFixture("tx-syntax-error-4.4-docs.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kNeo4jError);
  EXPECT_EQ(r.error().neo4j_code, "Neo.ClientError.Statement.SyntaxError");
  EXPECT_THAT(r.error().message, StartsWith("Invalid input 'T': expected <init>"));

  auto all = ParseTxCommitAll(ReadFixture("tx-syntax-error-4.4-docs.json"));
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.error().kind, ErrorKind::kNeo4jError);
}

TEST(ParseTxCommitTest, ErrorsWinOverPartialResultsAndErrorKeyVariant) {
  auto r = ParseTxCommit(R"({"results":[{"columns":["a"],"data":[{"row":[1]}]}],
    "errors":[{"code":"Neo.ClientError.Statement.ArithmeticError","message":"/ by zero"},
              {"code":"Neo.TransientError.X","message":"second"}]})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kNeo4jError);
  EXPECT_EQ(r.error().neo4j_code, "Neo.ClientError.Statement.ArithmeticError");
  EXPECT_THAT(r.error().message, StartsWith("/ by zero"));

  auto variant = ParseTxCommit(
      R"({"errors":[{"error":"Neo.ClientError.Security.CredentialsExpired","message":"x"}]})");
  ASSERT_FALSE(variant.ok());
  EXPECT_EQ(variant.error().kind, ErrorKind::kNeo4jError);
  EXPECT_EQ(variant.error().neo4j_code, "Neo.ClientError.Security.CredentialsExpired");
}

TEST(ParseTxCommitTest, DocsArithmeticErrorExampleIsNotValidJson) {
  // The docs example has mismatched brackets; it must be rejected, not half-read.
  auto r = ParseTxCommit(ReadFixture("tx-commit-arithmetic-error-5x-docs.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kMalformed);
  auto all = ParseTxCommitAll(ReadFixture("tx-commit-arithmetic-error-5x-docs.json"));
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.error().kind, ErrorKind::kMalformed);
}

TEST(ParseTxCommitTest, FragmentsWithEllipsesAreMalformed) {
  auto r = ParseTxCommit(ReadFixture("tx-commit-notifications-fragment-5x-docs.txt"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kMalformed);
}

TEST(ParseTxCommitTest, StructuralProblemsAreNamed) {
  struct Case {
    const char* body;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {R"({"errors":[]})", "missing key \"results\""},
      {R"({"results":{},"errors":[]})", "\"results\" is not an array"},
      {R"({"results":[],"errors":{}})", "\"errors\" is not an array"},
      {R"({"results":[{"data":[]}]})", "missing key \"columns\""},
      {R"({"results":[{"columns":"a","data":[]}]})", "\"columns\" is not an array"},
      {R"({"results":[{"columns":[1],"data":[]}]})", "\"columns[0]\" is not a string"},
      {R"({"results":[{"columns":["a"]}]})", "missing key \"data\""},
      {R"({"results":[{"columns":["a"],"data":{}}]})", "is not an array"},
      {R"({"results":[{"columns":["a"],"data":[{"meta":[null]}]}]})", "missing key \"row\""},
      {R"({"results":[{"columns":["a"],"data":[{"row":1}]}]})", "is not an array"},
      {R"({"results":[{"columns":["a"],"data":[{"row":[1,2]}]}]})", "2 values for 1 columns"},
      {R"({"results":[7]})", "is not an object"},
      {R"([1,2])", "not a JSON object"},
      {R"({"results":[)", "invalid JSON"},
  };
  for (const auto& c : cases) {
    auto r = ParseTxCommit(c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.error().kind, ErrorKind::kMalformed) << c.body;
    EXPECT_THAT(r.error().message, HasSubstr(c.expected)) << c.body;
  }
  auto empty = ParseTxCommit(R"({"results":[],"errors":[]})");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().kind, ErrorKind::kMalformed);
  auto all_empty = ParseTxCommitAll(R"({"results":[],"errors":[]})");
  ASSERT_TRUE(all_empty.ok());
  EXPECT_THAT(*all_empty, IsEmpty());
}

TEST(ParseTxCommitTest, NullsAndHugeNumbersArePreservedInRows) {
  auto r = ParseTxCommit(R"({"results":[{"columns":["a","b","c"],
      "data":[{"row":[null,18446744073709551615,-9223372036854775808],"meta":[null,null,null]},
              {"row":[1e308,"x",[]],"meta":[null,null,null]}]}],"errors":[]})");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->rows.size(), 2u);
  EXPECT_TRUE(r->rows[0][0].is_null());
  EXPECT_EQ(r->rows[0][1].get<uint64_t>(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(r->rows[0][2].get<int64_t>(), std::numeric_limits<int64_t>::min());
  EXPECT_DOUBLE_EQ(r->rows[1][0].get<double>(), 1e308);
  EXPECT_EQ(r->rows[1][2], json::array());
}

// ---------------------------------------------------------------------------------------------
// Query API

TEST(ParseQueryApiTest, FlatDocsExample2024) {
  const std::string body = StripLineComments(ReadFixture("query-api-response-flat-docs-2024.txt"));
  auto r = ParseQueryApi(body);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_THAT(r->columns, ElementsAre("alice"));
  ASSERT_EQ(r->rows.size(), 1u);
  ASSERT_EQ(r->rows[0].size(), 1u);
  const json& alice = r->rows[0][0];
  EXPECT_EQ(alice.at("elementId"), "4:ff04df25-ff2b-4b55-98f8-6888297b025e:0");
  EXPECT_EQ(alice.at("labels"), json::array({"Person"}));
  EXPECT_EQ(alice.at("properties").at("name"), "Alice");
  EXPECT_EQ(alice.at("properties").at("age"), 42);
}

TEST(ParseQueryApiTest, UnstrippedDocsExampleIsMalformed) {
  auto r = ParseQueryApi(ReadFixture("query-api-response-flat-docs-2024.txt"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kMalformed);
  auto fragment = ParseQueryApi(ReadFixture("query-api-notifications-fragment-docs-2024.txt"));
  ASSERT_FALSE(fragment.ok());
  EXPECT_EQ(fragment.error().kind, ErrorKind::kMalformed);
}

TEST(ParseQueryApiTest, NestedAndFlatRowsAgree) {
  const char* nested = R"({"data":{"fields":["name","n"],"values":[["a",1],["b",2],["c",null]]},
                          "bookmarks":["FB:x"]})";
  const char* flat = R"({"data":{"fields":["name","n"],"values":["a",1,"b",2,"c",null]}})";
  auto a = ParseQueryApi(nested);
  auto b = ParseQueryApi(flat);
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  ASSERT_TRUE(b.ok()) << b.error().ToString();
  EXPECT_THAT(a->columns, ElementsAre("name", "n"));
  ASSERT_EQ(a->rows.size(), 3u);
  EXPECT_EQ(a->rows[1][0], "b");
  EXPECT_EQ(a->rows[1][1], 2);
  EXPECT_TRUE(a->rows[2][1].is_null());
  EXPECT_EQ(a->columns, b->columns);
  EXPECT_EQ(a->rows, b->rows);
}

TEST(ParseQueryApiTest, FlatListWithListValues) {
  // One field whose values are lists of a different length than the field count: flat.
  auto r = ParseQueryApi(R"({"data":{"fields":["hosting"],"values":[["system","neo4j"],[]]}})");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->rows.size(), 2u);
  EXPECT_EQ(r->rows[0][0], json::array({"system", "neo4j"}));
  EXPECT_EQ(r->rows[1][0], json::array());
}

TEST(ParseQueryApiTest, EmptyResult) {
  auto r = ParseQueryApi(R"({"data":{"fields":["a"],"values":[]}})");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_THAT(r->columns, ElementsAre("a"));
  EXPECT_THAT(r->rows, IsEmpty());
}

TEST(ParseQueryApiTest, ErrorsArrayIsNeo4jError) {
  auto syntax = ParseQueryApi(
      R"({"errors":[{"code":"Neo.ClientError.Statement.SyntaxError","message":"Invalid input"}]})");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().kind, ErrorKind::kNeo4jError);
  EXPECT_EQ(syntax.error().neo4j_code, "Neo.ClientError.Statement.SyntaxError");
  EXPECT_EQ(syntax.error().message, "Invalid input");

  auto expired = ParseQueryApi(ReadFixture("query-api-400-credentials-expired.json"));
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().kind, ErrorKind::kNeo4jError);
  EXPECT_EQ(expired.error().neo4j_code, "Neo.ClientError.Security.CredentialsExpired");

  auto empty_errors = ParseQueryApi(R"({"data":{"fields":[],"values":[]},"errors":[]})");
  ASSERT_TRUE(empty_errors.ok()) << empty_errors.error().ToString();
}

TEST(ParseQueryApiTest, MalformedShapes) {
  struct Case {
    const char* body;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {R"({"data":{"fields":["a","b"],"values":[1,2,3]}})", "not rows of 2 fields"},
      {R"({"data":{"fields":[],"values":[1]}})", "not rows of 0 fields"},
      {R"({"bookmarks":[]})", "missing key \"data\""},
      {R"({"data":[]})", "\"data\" is not an object"},
      {R"({"data":{"values":[]}})", "missing key \"fields\""},
      {R"({"data":{"fields":"a","values":[]}})", "\"fields\" is not an array"},
      {R"({"data":{"fields":[1],"values":[]}})", "\"fields[0]\" is not a string"},
      {R"({"data":{"fields":["a"]}})", "missing key \"values\""},
      {R"({"data":{"fields":["a"],"values":{}}})", "\"data.values\" is not an array"},
      {R"({"errors":"boom"})", "\"errors\" is not an array"},
      {"{\"data\":{\"fields\":[\"a\"],\"values\":[\"\xff\"]}}", "invalid JSON"},
  };
  for (const auto& c : cases) {
    auto r = ParseQueryApi(c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.error().kind, ErrorKind::kMalformed) << c.body;
    EXPECT_THAT(r.error().message, HasSubstr(c.expected)) << c.body;
  }
}

// ---------------------------------------------------------------------------------------------
// Table fixtures through both transports and the row mappers

TEST(TableHelperTest, ConvertsCellsAndStructure) {
  const Table t = ParseTable(
      "+----+\n| a | b | c | d | e | f | g |\n+----+\n"
      "| \"x|y\" | NULL | TRUE | -14 | [+bolt://h:1+, \"q\"] | {s: LEADER, n: 2} | 1.5 |\n");
  EXPECT_THAT(t.columns, ElementsAre("a", "b", "c", "d", "e", "f", "g"));
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0][0], "x|y");
  EXPECT_TRUE(t.rows[0][1].is_null());
  EXPECT_EQ(t.rows[0][2], true);
  EXPECT_EQ(t.rows[0][3], -14);
  EXPECT_EQ(t.rows[0][4], json::array({"bolt://h:1", "q"}));
  EXPECT_EQ(t.rows[0][5].at("s"), "LEADER");
  EXPECT_EQ(t.rows[0][5].at("n"), 2);
  EXPECT_DOUBLE_EQ(t.rows[0][6].get<double>(), 1.5);
}

TEST(DatabaseRowsTest, ShowDatabaseLag44) {
  const CypherResult result = ParseTableFixture("show-database-lag-4.4-docs.txt");
  auto rows = ToDatabaseRows(result);
  ASSERT_TRUE(rows.ok()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 6u);
  const auto& leader = (*rows)[0];
  EXPECT_EQ(leader.name, "test00");
  EXPECT_THAT(leader.server_id, Optional(std::string("aeb6debe-d3ea-4644-bd68-304236f3813b")));
  EXPECT_THAT(leader.address, Optional(std::string("core3:7687")));
  EXPECT_EQ(leader.role_raw, "leader");
  EXPECT_EQ(leader.role, DatabaseRole::kLeader);
  EXPECT_THAT(leader.last_committed_txn, Optional(int64_t{21423}));
  EXPECT_THAT(leader.replication_lag, Optional(int64_t{0}));

  const auto& follower = (*rows)[1];
  EXPECT_EQ(follower.role, DatabaseRole::kFollower);
  EXPECT_THAT(follower.last_committed_txn, Optional(int64_t{21422}));
  EXPECT_THAT(follower.replication_lag, Optional(int64_t{-1}));

  const auto& replica = (*rows)[3];
  EXPECT_THAT(replica.server_id, Optional(std::string("0bf3f6c1-0f48-47c2-a943-18fa8362c918")));
  EXPECT_THAT(replica.address, Optional(std::string("replica4:7687")));
  EXPECT_EQ(replica.role_raw, "read_replica");
  EXPECT_EQ(replica.role, DatabaseRole::kSecondary);
  EXPECT_THAT(replica.last_committed_txn, Optional(int64_t{21409}));
  EXPECT_THAT(replica.replication_lag, Optional(int64_t{-14}));

  EXPECT_THAT((*rows)[5].replication_lag, Optional(int64_t{-10}));
  // Columns not in this YIELD stay empty.
  EXPECT_EQ(replica.writer, std::nullopt);
  EXPECT_EQ(replica.type, std::nullopt);
  EXPECT_EQ(replica.database_id, std::nullopt);
  EXPECT_EQ(replica.current_status, "");
  EXPECT_FALSE(replica.is_default);
}

TEST(DatabaseRowsTest, ShowDatabases44Cluster) {
  const CypherResult result = ParseTableFixture("show-databases-cluster-4.4-docs.adoc.txt");
  auto rows = ToDatabaseRows(result);
  ASSERT_TRUE(rows.ok()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 12u);
  const DatabaseRow* neo4j_leader = FindDatabaseRow(*rows, "neo4j", "localhost:20005");
  ASSERT_NE(neo4j_leader, nullptr);
  EXPECT_EQ(neo4j_leader->role, DatabaseRole::kLeader);
  EXPECT_TRUE(neo4j_leader->is_default);
  EXPECT_EQ(neo4j_leader->requested_status, "online");
  EXPECT_EQ(neo4j_leader->current_status, "online");
  EXPECT_EQ(neo4j_leader->status_message, "");

  const DatabaseRow* foo_leader = FindDatabaseRow(*rows, "foo", "localhost:20031");
  ASSERT_NE(foo_leader, nullptr);
  EXPECT_EQ(foo_leader->role, DatabaseRole::kLeader);
  EXPECT_FALSE(foo_leader->is_default);

  const DatabaseRow* system_replica = FindDatabaseRow(*rows, "system", "localhost:20034");
  ASSERT_NE(system_replica, nullptr);
  EXPECT_EQ(system_replica->role_raw, "read_replica");
  EXPECT_EQ(system_replica->role, DatabaseRole::kSecondary);

  const DatabaseRow* system_follower = FindDatabaseRow(*rows, "system", "localhost:20010");
  ASSERT_NE(system_follower, nullptr);
  EXPECT_EQ(system_follower->role, DatabaseRole::kFollower);
  const auto leaders = std::count_if(rows->begin(), rows->end(), [](const DatabaseRow& r) {
    return r.role == DatabaseRole::kLeader;
  });
  EXPECT_EQ(leaders, 3);
}

TEST(DatabaseRowsTest, ShowDatabaseYieldStar44Standalone) {
  const CypherResult result = ParseTableFixture("show-database-yield-star-4.4-docs.adoc.txt");
  auto rows = ToDatabaseRows(result);
  ASSERT_TRUE(rows.ok()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 1u);
  const auto& movies = (*rows)[0];
  EXPECT_EQ(movies.name, "movies");
  EXPECT_THAT(
      movies.database_id,
      Optional(std::string("4917FA22626DD62C8955FDE7D0CAE0C971E990C4DD1DDB3AECB8CE4C6798B484")));
  EXPECT_THAT(movies.server_id, Optional(std::string("8af5d882-d4ce-4ce7-a3a5-7e550967f06b")));
  EXPECT_THAT(movies.address, Optional(std::string("localhost:7687")));
  EXPECT_EQ(movies.role_raw, "standalone");
  EXPECT_EQ(movies.role, DatabaseRole::kStandalone);
  EXPECT_EQ(movies.status_message, "");
  EXPECT_FALSE(movies.is_default);
  EXPECT_THAT(movies.last_committed_txn, Optional(int64_t{3}));
  EXPECT_THAT(movies.replication_lag, Optional(int64_t{0}));
  EXPECT_EQ(movies.writer, std::nullopt);
}

TEST(DatabaseRowsTest, ShowDatabases5xCluster) {
  const CypherResult result = ParseTableFixture("show-databases-cluster-5x-docs.txt");
  auto rows = ToDatabaseRows(result);
  ASSERT_TRUE(rows.ok()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 10u);
  const DatabaseRow* writer = FindDatabaseRow(*rows, "neo4j", "localhost:7683");
  ASSERT_NE(writer, nullptr);
  EXPECT_EQ(writer->role_raw, "primary");
  EXPECT_THAT(writer->writer, Optional(true));
  EXPECT_EQ(writer->role, DatabaseRole::kLeader);
  EXPECT_THAT(writer->type, Optional(std::string("standard")));
  EXPECT_TRUE(writer->is_default);

  const DatabaseRow* primary = FindDatabaseRow(*rows, "neo4j", "localhost:7681");
  ASSERT_NE(primary, nullptr);
  EXPECT_THAT(primary->writer, Optional(false));
  EXPECT_EQ(primary->role, DatabaseRole::kFollower);

  const DatabaseRow* secondary = FindDatabaseRow(*rows, "neo4j", "localhost:7684");
  ASSERT_NE(secondary, nullptr);
  EXPECT_EQ(secondary->role, DatabaseRole::kSecondary);

  const DatabaseRow* system_writer = FindDatabaseRow(*rows, "system", "localhost:7681");
  ASSERT_NE(system_writer, nullptr);
  EXPECT_EQ(system_writer->role, DatabaseRole::kLeader);
  EXPECT_THAT(system_writer->type, Optional(std::string("system")));
  EXPECT_FALSE(system_writer->is_default);

  const DatabaseRow* foo_writer = FindDatabaseRow(*rows, "foo", "localhost:7681");
  ASSERT_NE(foo_writer, nullptr);
  EXPECT_EQ(foo_writer->role, DatabaseRole::kLeader);
  EXPECT_EQ(FindDatabaseRow(*rows, "foo", "localhost:7682"), nullptr);
}

TEST(DatabaseRowsTest, ShowDatabaseYieldStar2025x) {
  const CypherResult result = ParseTableFixture("show-database-yield-star-2025x-docs.txt");
  EXPECT_EQ(result.columns.size(), 27u);
  auto rows = ToDatabaseRows(result);
  ASSERT_TRUE(rows.ok()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 1u);
  const auto& movies = (*rows)[0];
  EXPECT_EQ(movies.name, "movies");
  EXPECT_THAT(movies.type, Optional(std::string("standard")));
  EXPECT_THAT(
      movies.database_id,
      Optional(std::string("C066801F54B44EA1520F0FE392B4005AABF42D8DD0A5FD09969B955575D287D5")));
  EXPECT_THAT(movies.server_id, Optional(std::string("e3063985-e2f4-4728-824b-a7d53779667a")));
  EXPECT_THAT(movies.address, Optional(std::string("localhost:7687")));
  EXPECT_EQ(movies.role_raw, "primary");
  EXPECT_THAT(movies.writer, Optional(true));
  EXPECT_EQ(movies.role, DatabaseRole::kLeader);
  EXPECT_EQ(movies.requested_status, "online");
  EXPECT_EQ(movies.current_status, "online");
  EXPECT_EQ(movies.status_message, "");
  EXPECT_FALSE(movies.is_default);
  EXPECT_THAT(movies.current_primaries_count, Optional(int64_t{1}));
  EXPECT_THAT(movies.current_secondaries_count, Optional(int64_t{0}));
  EXPECT_THAT(movies.requested_primaries_count, Optional(int64_t{1}));
  EXPECT_THAT(movies.requested_secondaries_count, Optional(int64_t{0}));
  EXPECT_THAT(movies.last_committed_txn, Optional(int64_t{3}));
  EXPECT_THAT(movies.replication_lag, Optional(int64_t{0}));
}

TEST(DatabaseRowsTest, ColumnOrderNullsAndRoleVariants) {
  // Columns in an unusual order; an offline server's row has a null address.
  auto rows = ToDatabaseRows(MakeResult(
      {"statusMessage", "writer", "role", "address", "name", "currentStatus", "error"},
      {
          {"Server is unavailable", false, "unknown", nullptr, "neo4j", "unknown", "ignored"},
          {"", nullptr, "primary", "h:1", "neo4j", "online", nullptr},
          {nullptr, nullptr, "CANDIDATE", "h:2", "neo4j", "online", "4.x error text"},
          {"", false, nullptr, "h:3", "composite", "online", nullptr},
      }));
  ASSERT_TRUE(rows.ok()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[0].address, std::nullopt);
  EXPECT_EQ((*rows)[0].role, DatabaseRole::kUnknown);
  EXPECT_EQ((*rows)[0].status_message, "Server is unavailable");
  EXPECT_EQ((*rows)[0].current_status, "unknown");
  EXPECT_EQ((*rows)[1].role, DatabaseRole::kFollower);  // primary, writer missing
  EXPECT_EQ((*rows)[1].writer, std::nullopt);
  EXPECT_EQ((*rows)[2].role, DatabaseRole::kCandidate);
  EXPECT_EQ((*rows)[2].status_message, "4.x error text");
  EXPECT_EQ((*rows)[3].role_raw, "");
  EXPECT_EQ((*rows)[3].role, DatabaseRole::kUnknown);
}

TEST(DatabaseRowsTest, WrongTypesAndMissingNameAreMalformed) {
  auto no_name = ToDatabaseRows(MakeResult({"role"}, {{"leader"}}));
  ASSERT_FALSE(no_name.ok());
  EXPECT_EQ(no_name.error().kind, ErrorKind::kMalformed);
  EXPECT_THAT(no_name.error().message, HasSubstr("missing column \"name\""));

  auto bad_role = ToDatabaseRows(MakeResult({"name", "role"}, {{"neo4j", "leader"}, {"x", 5}}));
  ASSERT_FALSE(bad_role.ok());
  EXPECT_THAT(bad_role.error().message, HasSubstr("row 1"));
  EXPECT_THAT(bad_role.error().message, HasSubstr("\"role\" is not a string"));

  auto bad_lag = ToDatabaseRows(MakeResult({"name", "replicationLag"}, {{"neo4j", "-3"}}));
  ASSERT_FALSE(bad_lag.ok());
  EXPECT_THAT(bad_lag.error().message, HasSubstr("\"replicationLag\" is not an integer"));

  auto huge_txn = ToDatabaseRows(
      MakeResult({"name", "lastCommittedTxn"}, {{"neo4j", json(uint64_t{18446744073709551615u})}}));
  ASSERT_FALSE(huge_txn.ok());
  EXPECT_THAT(huge_txn.error().message, HasSubstr("\"lastCommittedTxn\" is out of range"));

  auto null_name = ToDatabaseRows(MakeResult({"name"}, {{nullptr}}));
  ASSERT_FALSE(null_name.ok());
  EXPECT_EQ(null_name.error().kind, ErrorKind::kMalformed);

  auto ragged = ToDatabaseRows(MakeResult({"name", "role"}, {{"neo4j"}}));
  ASSERT_FALSE(ragged.ok());
  EXPECT_EQ(ragged.error().kind, ErrorKind::kMalformed);

  auto empty = ToDatabaseRows(MakeResult({"name"}, {}));
  ASSERT_TRUE(empty.ok());
  EXPECT_THAT(*empty, IsEmpty());
}

TEST(ServerRowsTest, ShowServersDefaultColumns50) {
  const CypherResult result = ParseTableFixture("show-servers-5.0-docs.txt");
  auto rows = ToServerRows(result);
  ASSERT_TRUE(rows.ok()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 5u);
  const auto& dropped = (*rows)[0];
  EXPECT_EQ(dropped.server_id, "");  // not in the default columns
  EXPECT_EQ(dropped.name, "135ad202-5405-4d3c-9822-df39f59b823c");
  EXPECT_THAT(dropped.address, Optional(std::string("localhost:7690")));
  EXPECT_EQ(dropped.state, "Dropped");
  EXPECT_EQ(dropped.health, "Available");
  EXPECT_THAT(dropped.hosting, ElementsAre("system"));
  EXPECT_EQ((*rows)[2].state, "Free");
  EXPECT_THAT((*rows)[4].hosting, ElementsAre("system", "foo", "neo4j"));
  EXPECT_EQ((*rows)[4].http_address, std::nullopt);
  EXPECT_THAT((*rows)[4].requested_hosting, IsEmpty());
}

TEST(ServerRowsTest, ShowServersYieldStar50) {
  const CypherResult result = ParseTableFixture("show-servers-yield-star-5.0-docs.txt");
  auto rows = ToServerRows(result);
  ASSERT_TRUE(rows.ok()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 5u);
  const auto& deallocating = (*rows)[0];
  EXPECT_EQ(deallocating.server_id, "135ad202-5405-4d3c-9822-df39f59b823c");
  EXPECT_EQ(deallocating.state, "Deallocating");
  EXPECT_THAT(deallocating.http_address, Optional(std::string("localhost:7477")));
  EXPECT_EQ(deallocating.https_address, std::nullopt);
  EXPECT_THAT(deallocating.mode_constraint, Optional(std::string("NONE")));
  EXPECT_THAT(deallocating.version, Optional(std::string("5.0.0-drop09.0")));
  const auto& free = (*rows)[2];
  EXPECT_EQ(free.server_id, "42a97acc-acf6-40c0-aff2-3993e90db1ff");
  EXPECT_EQ(free.state, "Free");
  EXPECT_THAT(free.hosting, ElementsAre("system"));
  EXPECT_THAT(free.requested_hosting, IsEmpty());
  EXPECT_THAT(free.tags, IsEmpty());
}

TEST(ServerRowsTest, ShowServersYieldStar58WithoutHttpColumns) {
  const CypherResult result = ParseTableFixture("show-servers-yield-star-5.8.0-docs.txt");
  auto rows = ToServerRows(result);
  ASSERT_TRUE(rows.ok()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 5u);
  EXPECT_EQ((*rows)[0].server_id, "f3bd1199-bc6f-4a38-b25c-5f7588df5182");
  EXPECT_THAT((*rows)[0].address, Optional(std::string("server01:7687")));
  EXPECT_THAT((*rows)[0].hosting, ElementsAre("system", "neo4j"));
  EXPECT_EQ((*rows)[0].http_address, std::nullopt);
  EXPECT_EQ((*rows)[0].https_address, std::nullopt);
  EXPECT_THAT((*rows)[3].mode_constraint, Optional(std::string("SECONDARY")));
  EXPECT_EQ((*rows)[3].state, "Free");
  EXPECT_THAT((*rows)[3].version, Optional(std::string("5.8.0")));
}

TEST(ServerRowsTest, ShowServersYieldStarCluster) {
  const CypherResult result = ParseTableFixture("show-servers-yield-star-cluster-docs.txt");
  auto rows = ToServerRows(result);
  ASSERT_TRUE(rows.ok()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 3u);
  const auto& named = (*rows)[2];
  EXPECT_EQ(named.server_id, "72bd3d0f-c1d1-4d39-9da7-015f5656e40b");
  EXPECT_EQ(named.name, "server3");
  EXPECT_THAT(named.address, Optional(std::string("localhost:7683")));
  EXPECT_THAT(named.http_address, Optional(std::string("localhost:7473")));
  EXPECT_EQ(named.https_address, std::nullopt);
  EXPECT_THAT(named.hosting, ElementsAre("system", "neo4j"));
  EXPECT_THAT(named.version, Optional(std::string("5.0.0-SNAPSHOT")));
  EXPECT_EQ((*rows)[0].name, (*rows)[0].server_id);
}

TEST(ServerRowsTest, EdgeCases) {
  auto nulls = ToServerRows(MakeResult({"hosting", "serverId", "address", "tags"},
                                       {{nullptr, "id-1", nullptr, json::array()}}));
  ASSERT_TRUE(nulls.ok()) << nulls.error().ToString();
  EXPECT_THAT((*nulls)[0].hosting, IsEmpty());
  EXPECT_EQ((*nulls)[0].address, std::nullopt);
  EXPECT_EQ((*nulls)[0].server_id, "id-1");

  auto bad_list = ToServerRows(MakeResult({"serverId", "hosting"}, {{"id", "system"}}));
  ASSERT_FALSE(bad_list.ok());
  EXPECT_THAT(bad_list.error().message, HasSubstr("\"hosting\" is not an array"));

  auto bad_item = ToServerRows(MakeResult({"serverId", "hosting"}, {{"id", json::array({1})}}));
  ASSERT_FALSE(bad_item.ok());
  EXPECT_THAT(bad_item.error().message, HasSubstr("\"hosting[0]\" is not a string"));

  auto no_identity = ToServerRows(MakeResult({"address"}, {{"h:1"}}));
  ASSERT_FALSE(no_identity.ok());
  EXPECT_EQ(no_identity.error().kind, ErrorKind::kMalformed);

  auto null_identity = ToServerRows(MakeResult({"serverId", "name"}, {{nullptr, nullptr}}));
  ASSERT_FALSE(null_identity.ok());
  EXPECT_EQ(null_identity.error().kind, ErrorKind::kMalformed);
}

TEST(OverviewRowsTest, DbmsClusterOverview44) {
  const CypherResult result = ParseTableFixture("dbms-cluster-overview-4.4-docs.adoc.txt");
  auto rows = ToOverviewRows(result);
  ASSERT_TRUE(rows.ok()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 6u);
  const auto& first = (*rows)[0];
  EXPECT_EQ(first.id, "08eb9305-53b9-4394-9237-0f0d63bb05d5");
  EXPECT_THAT(first.addresses,
              ElementsAre("bolt://neo20:7687", "http://neo20:7474", "https://neo20:7473"));
  EXPECT_THAT(first.groups, IsEmpty());
  EXPECT_EQ(first.databases,
            (std::map<std::string, std::string>{{"system", "LEADER"}, {"neo4j", "FOLLOWER"}}));
  EXPECT_EQ((*rows)[2].databases.at("neo4j"), "LEADER");
  const auto& replica = (*rows)[3];
  EXPECT_EQ(replica.id, "00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(replica.databases.at("system"), "READ_REPLICA");
  EXPECT_EQ(replica.addresses.front(), "bolt://neo34:7687");
}

TEST(OverviewRowsTest, EdgeCases) {
  auto bad_map = ToOverviewRows(MakeResult({"id", "databases"}, {{"x", json::array()}}));
  ASSERT_FALSE(bad_map.ok());
  EXPECT_THAT(bad_map.error().message, HasSubstr("\"databases\" is not a map"));

  json databases = json::object();
  databases["neo4j"] = 1;
  auto bad_value = ToOverviewRows(MakeResult({"id", "databases"}, {{"x", databases}}));
  ASSERT_FALSE(bad_value.ok());
  EXPECT_THAT(bad_value.error().message, HasSubstr("\"databases.neo4j\" is not a string"));

  auto no_id = ToOverviewRows(MakeResult({"addresses"}, {{json::array()}}));
  ASSERT_FALSE(no_id.ok());
  EXPECT_THAT(no_id.error().message, HasSubstr("missing column \"id\""));

  auto minimal = ToOverviewRows(MakeResult({"id"}, {{"x"}}));
  ASSERT_TRUE(minimal.ok());
  EXPECT_THAT((*minimal)[0].databases, IsEmpty());
}

TEST(ClusterRoleTest, DbmsClusterRole44) {
  const CypherResult result = ParseTableFixture("dbms-cluster-role-4.4-docs.adoc.txt");
  auto role = ToClusterRole(result);
  ASSERT_TRUE(role.ok()) << role.error().ToString();
  EXPECT_EQ(*role, "FOLLOWER");
  EXPECT_EQ(NormaliseRole(*role, std::nullopt), DatabaseRole::kFollower);
}

TEST(ClusterRoleTest, EdgeCases) {
  auto none = ToClusterRole(MakeResult({"role"}, {}));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind, ErrorKind::kMalformed);
  auto other_column = ToClusterRole(MakeResult({"x"}, {{"LEADER"}}));
  ASSERT_FALSE(other_column.ok());
  EXPECT_THAT(other_column.error().message, HasSubstr("missing column \"role\""));
  auto null_role = ToClusterRole(MakeResult({"role"}, {{nullptr}}));
  ASSERT_FALSE(null_role.ok());
  auto reordered = ToClusterRole(MakeResult({"database", "role"}, {{"neo4j", "LEADER"}}));
  ASSERT_TRUE(reordered.ok());
  EXPECT_EQ(*reordered, "LEADER");
}

TEST(StatusCheckTableTest, GenericRowsCarryTypedValues) {
  // No dedicated mapper: the generic result must still carry the typed cells, and the
  // SHOW DATABASES mapper must refuse it (no "name" column).
  const CypherResult result = ParseTableFixture("cluster-statuscheck-5.24-docs.txt");
  EXPECT_THAT(result.columns,
              ElementsAre("database", "serverId", "serverName", "address", "replicationSuccessful",
                          "memberStatus", "recognisedLeader", "recognisedLeaderTerm", "requester",
                          "error"));
  ASSERT_EQ(result.rows.size(), 6u);
  EXPECT_EQ(result.rows[0][0], "neo4j");
  EXPECT_EQ(result.rows[0][4], true);
  EXPECT_EQ(result.rows[0][5], "APPLYING");
  EXPECT_EQ(result.rows[0][6], "565130e8-b8f0-41ad-8f9d-c660bd8d5519");
  EXPECT_EQ(result.rows[0][7], 4);
  EXPECT_EQ(result.rows[0][8], false);
  EXPECT_TRUE(result.rows[0][9].is_null());
  EXPECT_EQ(result.rows[3][0], "system");
  EXPECT_EQ(result.rows[3][7], 1);
  EXPECT_EQ(result.rows[3][8], true);
  auto rows = ToDatabaseRows(result);
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.error().kind, ErrorKind::kMalformed);
}

}  // namespace
}  // namespace nca::neo4j
