#include "sim/cypher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sim_test_client.h"

namespace nca::sim {
namespace {

using nlohmann::json;
using testing::ReadFixture;

// Column names from the first table row of a fixture that mentions `first_column`
// ("| +name+ | +aliases+ |", "| `name` |", "| name | type |").
std::vector<std::string> FixtureColumns(const std::string& fixture,
                                        const std::string& first_column) {
  std::istringstream in(ReadFixture(fixture));
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(first_column) == std::string::npos || line.find('|') == std::string::npos) {
      continue;
    }
    std::vector<std::string> cols;
    std::stringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, '|')) {
      cell.erase(std::remove_if(cell.begin(), cell.end(),
                                [](char c) { return c == ' ' || c == '+' || c == '`'; }),
                 cell.end());
      if (!cell.empty()) {
        cols.push_back(cell);
      }
    }
    return cols;
  }
  return {};
}

ClusterSpec Cluster(const std::string& name, const std::string& version) {
  ClusterSpec c;
  c.name = name;
  c.version = version;
  c.password = "pw";
  for (int i = 1; i <= 4; ++i) {
    MemberSpec m;
    m.name = name + "-" + std::to_string(i);
    m.mode = i <= 3 ? MemberMode::kPrimary : MemberMode::kSecondary;
    c.members.push_back(m);
  }
  return c;
}

class SimCypherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SimConfig config;
    config.clusters = {Cluster("v4", "4.4.26"), Cluster("v5", "5.26.0"),
                       Cluster("cal", "2025.10.1"), Cluster("shard", "2025.12.0")};
    config.clusters[1].databases = {"foo"};
    auto m = Model::Create(config, clock_.Monotonic());
    ASSERT_TRUE(m.ok()) << m.error().message;
    model_ = std::make_unique<Model>(std::move(*m));
    clock_.Advance(std::chrono::seconds(3));
    model_->Advance(clock_.Monotonic());
  }

  std::variant<Table, CypherError> Run(int cluster, int member, const std::string& text,
                                       const json& params = json::object()) {
    return RunStatement(*model_, MemberIndex{cluster, member}, "system", text, params,
                        clock_.Now());
  }
  Table MustTable(int cluster, int member, const std::string& text,
                  const json& params = json::object()) {
    auto r = Run(cluster, member, text, params);
    if (auto* e = std::get_if<CypherError>(&r)) {
      ADD_FAILURE() << text << ": " << e->code << " " << e->message;
      return {};
    }
    return std::get<Table>(r);
  }
  CypherError MustError(int cluster, int member, const std::string& text,
                        const json& params = json::object()) {
    auto r = Run(cluster, member, text, params);
    if (auto* t = std::get_if<Table>(&r)) {
      ADD_FAILURE() << text << " unexpectedly returned " << t->rows.size() << " rows";
      return {};
    }
    return std::get<CypherError>(r);
  }
  static int Col(const Table& t, const std::string& name) {
    auto it = std::find(t.columns.begin(), t.columns.end(), name);
    EXPECT_NE(it, t.columns.end()) << name;
    return static_cast<int>(it - t.columns.begin());
  }

  ManualClock clock_;
  std::unique_ptr<Model> model_;
};

TEST(SimNormaliseStatementTest, CollapsesWhitespaceCaseAndSemicolons) {
  EXPECT_EQ(NormaliseStatement("  show   databases\n\tYIELD  * ;", true), "SHOW DATABASES YIELD *");
  EXPECT_EQ(NormaliseStatement("CALL dbms.cluster.role( $database )", true),
            "CALL DBMS.CLUSTER.ROLE($DATABASE)");
  EXPECT_EQ(NormaliseStatement("CALL dbms.cluster.role( 'My  Db' )", true),
            "CALL DBMS.CLUSTER.ROLE('My  Db')");
  EXPECT_EQ(NormaliseStatement("call dbms.cluster.overview ( )", false),
            "call dbms.cluster.overview()");
}

TEST(SimClassifyStatementTest, RecognisesTheAgentsStatements) {
  EXPECT_EQ(ClassifyStatement("SHOW DATABASES YIELD *").kind,
            StatementKind::kShowDatabasesYieldStar);
  EXPECT_EQ(ClassifyStatement("show databases").kind, StatementKind::kShowDatabases);
  EXPECT_EQ(ClassifyStatement("SHOW SERVERS YIELD *;").kind, StatementKind::kShowServersYieldStar);
  EXPECT_EQ(ClassifyStatement("SHOW SERVERS").kind, StatementKind::kShowServers);
  EXPECT_EQ(ClassifyStatement("CALL dbms.cluster.overview()").kind,
            StatementKind::kClusterOverview);
  EXPECT_EQ(ClassifyStatement("return 1").kind, StatementKind::kReturnOne);
  auto expect_argument = [](std::string_view text, StatementKind kind, bool parameter,
                            const std::string& argument) {
    SCOPED_TRACE(text);
    const Statement st = ClassifyStatement(text);
    EXPECT_EQ(st.kind, kind);
    EXPECT_EQ(st.argument_is_parameter, parameter);
    EXPECT_EQ(st.argument, argument);
  };
  expect_argument("CALL dbms.cluster.role($database) YIELD role", StatementKind::kClusterRole, true,
                  "database");
  expect_argument("call dbms.cluster.role(\"Neo4j\")", StatementKind::kClusterRole, false, "Neo4j");
  expect_argument("SHOW DATABASES YIELD * WHERE address = $address",
                  StatementKind::kShowDatabasesAtAddress, true, "address");
  expect_argument("show databases yield * where address='Host-1:7687'",
                  StatementKind::kShowDatabasesAtAddress, false, "Host-1:7687");
  EXPECT_EQ(ClassifyStatement("SHOW DATABASES YIELD * WHERE address = host").kind,
            StatementKind::kUnknown);
  EXPECT_EQ(ClassifyStatement("SHOW DATABASES YIELD * WHERE address < $a").kind,
            StatementKind::kUnknown);
  EXPECT_EQ(ClassifyStatement("SHOW DATABASES YIELD * WHERE address = $a AND name = 'x'").kind,
            StatementKind::kUnknown);
  EXPECT_EQ(ClassifyStatement("SHOW DATABASES YIELD * WHERE address = 'h:1' OR name = 'x'").kind,
            StatementKind::kUnknown);
  EXPECT_EQ(ClassifyStatement("CALL dbms.cluster.role(neo4j)").kind, StatementKind::kUnknown);
  EXPECT_EQ(ClassifyStatement("MATCH (n) RETURN n").kind, StatementKind::kUnknown);
  EXPECT_EQ(ClassifyStatement("SHOW DATABASES YIELD name").kind, StatementKind::kUnknown);
}

TEST_F(SimCypherTest, ColumnTablesMatchTheReference) {
  EXPECT_EQ(MustTable(0, 0, "SHOW DATABASES YIELD *").columns,
            FixtureColumns("show-database-yield-star-4.4-docs.adoc.txt", "name"));
  EXPECT_EQ(MustTable(0, 0, "SHOW DATABASES").columns,
            FixtureColumns("show-databases-cluster-4.4-docs.adoc.txt", "name"));
  EXPECT_EQ(MustTable(0, 0, "CALL dbms.cluster.overview()").columns,
            FixtureColumns("dbms-cluster-overview-4.4-docs.adoc.txt", "addresses"));
  EXPECT_EQ(MustTable(0, 0, "CALL dbms.cluster.role('neo4j')").columns,
            FixtureColumns("dbms-cluster-role-4.4-docs.adoc.txt", "role"));

  const auto star_2025 = FixtureColumns("show-database-yield-star-2025x-docs.txt", "name");
  ASSERT_EQ(star_2025.size(), 27u);
  EXPECT_EQ(MustTable(2, 0, "SHOW DATABASES YIELD *").columns, star_2025);
  auto without_language = star_2025;
  without_language.erase(
      std::find(without_language.begin(), without_language.end(), "defaultLanguage"));
  EXPECT_EQ(MustTable(1, 0, "SHOW DATABASES YIELD *").columns, without_language);
  EXPECT_EQ(MustTable(1, 0, "SHOW DATABASES").columns,
            FixtureColumns("show-databases-cluster-5x-docs.txt", "name"));
  EXPECT_EQ(MustTable(1, 0, "SHOW SERVERS YIELD *").columns,
            FixtureColumns("show-servers-yield-star-cluster-docs.txt", "serverId"));
  EXPECT_EQ(MustTable(1, 0, "SHOW SERVERS").columns,
            (std::vector<std::string>{"name", "address", "state", "health", "hosting"}));

  // 2025.12 adds the sharding columns at their documented places.
  auto shard = MustTable(3, 0, "SHOW DATABASES YIELD *").columns;
  EXPECT_EQ(shard.size(), 32u);
  auto pos = [&](const std::string& c) {
    return std::find(shard.begin(), shard.end(), c) - shard.begin();
  };
  EXPECT_EQ(pos("currentPropertyShardReplicas"), pos("currentSecondariesCount") + 1);
  EXPECT_EQ(pos("requestedPropertyShardReplicas"), pos("requestedSecondariesCount") + 1);
  EXPECT_EQ(pos("shardTxnLag"), pos("replicationLag") + 1);
  EXPECT_EQ(pos("graphShards"), pos("constituents") + 1);
  EXPECT_EQ(pos("propertyShards"), pos("graphShards") + 1);
}

TEST_F(SimCypherTest, ShowDatabasesRowsDescribeTheCluster) {
  Table t = MustTable(1, 1, "SHOW DATABASES YIELD *");
  ASSERT_EQ(t.rows.size(), 3u * 4u);  // neo4j, system, foo on four members
  const int name = Col(t, "name");
  const int role = Col(t, "role");
  const int writer = Col(t, "writer");
  const int lag = Col(t, "replicationLag");
  const int txn = Col(t, "lastCommittedTxn");
  const int address = Col(t, "address");
  const int server = Col(t, "serverID");
  const int primaries = Col(t, "currentPrimariesCount");
  const int requested = Col(t, "requestedSecondariesCount");
  std::map<std::string, int> writers;
  for (const auto& row : t.rows) {
    const std::string db = row[static_cast<std::size_t>(name)].get<std::string>();
    writers[db] += row[static_cast<std::size_t>(writer)].get<bool>() ? 1 : 0;
    EXPECT_LE(row[static_cast<std::size_t>(lag)].get<int64_t>(), 0);
    EXPECT_GT(row[static_cast<std::size_t>(txn)].get<int64_t>(), 0);
    EXPECT_EQ(row[static_cast<std::size_t>(primaries)], 3);
    EXPECT_EQ(row[static_cast<std::size_t>(requested)], 1);
    const std::string r = row[static_cast<std::size_t>(role)].get<std::string>();
    EXPECT_TRUE(r == "primary" || r == "secondary") << r;
    EXPECT_EQ(row[static_cast<std::size_t>(address)].get<std::string>().rfind("127.0.0.1:", 0), 0u);
  }
  EXPECT_EQ(writers, (std::map<std::string, int>{{"foo", 1}, {"neo4j", 1}, {"system", 1}}));
  // The writer row is the leader of the model, with lag 0.
  const auto& c = model_->cluster(1);
  for (const auto& row : t.rows) {
    if (row[static_cast<std::size_t>(name)] == "neo4j" &&
        row[static_cast<std::size_t>(writer)] == true) {
      EXPECT_EQ(row[static_cast<std::size_t>(server)],
                c.members[static_cast<std::size_t>(*c.dbs[0].leader)].server_id);
      EXPECT_EQ(row[static_cast<std::size_t>(lag)], 0);
    }
  }
}

// WHERE address = x answers the rows of the whole table whose address is x, with the whole
// table's columns, on both dialects; the agent's own-rows query.
TEST_F(SimCypherTest, ShowDatabasesAtAnAddressKeepsThatServersRows) {
  for (int cluster : {0, 1}) {
    SCOPED_TRACE(cluster);
    const Table all = MustTable(cluster, 0, "SHOW DATABASES YIELD *");
    const auto address = static_cast<std::size_t>(Col(all, "address"));
    ASSERT_FALSE(all.rows.empty());
    std::set<std::string> servers;
    for (const auto& row : all.rows) {
      servers.insert(row[address].get<std::string>());
    }
    ASSERT_EQ(servers.size(), 4u);
    for (const std::string& target : servers) {  // the answering member's own rows among them
      SCOPED_TRACE(target);
      std::vector<std::vector<nlohmann::ordered_json>> expected;
      for (const auto& row : all.rows) {
        if (row[address] == target) {
          expected.push_back(row);
        }
      }
      ASSERT_GE(expected.size(), 2u);  // one per database, fewer than the table
      ASSERT_LT(expected.size(), all.rows.size());
      const Table by_param = MustTable(
          cluster, 0, "SHOW DATABASES YIELD * WHERE address = $address", json{{"address", target}});
      EXPECT_EQ(by_param.columns, all.columns);
      EXPECT_EQ(by_param.rows, expected);
      const Table by_literal =
          MustTable(cluster, 0, "SHOW DATABASES YIELD * WHERE address = '" + target + "'");
      EXPECT_EQ(by_literal.columns, all.columns);
      EXPECT_EQ(by_literal.rows, expected);
    }

    const Table none = MustTable(cluster, 0, "SHOW DATABASES YIELD * WHERE address = $address",
                                 json{{"address", "10.0.0.1:7687"}});
    EXPECT_EQ(none.columns, all.columns);
    EXPECT_TRUE(none.rows.empty());
    EXPECT_TRUE(MustTable(cluster, 0, "SHOW DATABASES YIELD * WHERE address = $address",
                          json{{"address", 7687}})
                    .rows.empty());
    const CypherError missing =
        MustError(cluster, 0, "SHOW DATABASES YIELD * WHERE address = $address");
    EXPECT_EQ(missing.code, "Neo.ClientError.Statement.ParameterMissing");
    EXPECT_EQ(missing.message, "Expected parameter(s): address");
  }
}

TEST_F(SimCypherTest, UnreachableMembersShowAsUnavailable) {
  FaultAction stop;
  stop.kind = FaultKind::kStopMember;
  stop.member = "v5-3";
  ASSERT_TRUE(model_->Apply(stop, nullptr).ok());
  FaultAction part;
  part.kind = FaultKind::kPartition;
  part.groups = {{"v4-1"}};
  ASSERT_TRUE(model_->Apply(part, nullptr).ok());

  Table t = MustTable(1, 0, "SHOW DATABASES YIELD *");
  int unavailable = 0;
  for (const auto& row : t.rows) {
    if (row[static_cast<std::size_t>(Col(t, "serverID"))] !=
        model_->cluster(1).members[2].server_id) {
      continue;
    }
    ++unavailable;
    EXPECT_TRUE(row[static_cast<std::size_t>(Col(t, "address"))].is_null());
    EXPECT_EQ(row[static_cast<std::size_t>(Col(t, "currentStatus"))], "unknown");
    EXPECT_EQ(row[static_cast<std::size_t>(Col(t, "statusMessage"))], "Server is unavailable");
    EXPECT_EQ(row[static_cast<std::size_t>(Col(t, "role"))], "unknown");
    EXPECT_TRUE(row[static_cast<std::size_t>(Col(t, "lastCommittedTxn"))].is_null());
    EXPECT_EQ(row[static_cast<std::size_t>(Col(t, "currentPrimariesCount"))], 2);
  }
  EXPECT_EQ(unavailable, 3);

  Table servers = MustTable(1, 0, "SHOW SERVERS YIELD *");
  ASSERT_EQ(servers.rows.size(), 4u);
  EXPECT_EQ(servers.rows[2][static_cast<std::size_t>(Col(servers, "health"))], "Unavailable");
  EXPECT_EQ(servers.rows[2][static_cast<std::size_t>(Col(servers, "hosting"))], json::array());
  EXPECT_EQ(servers.rows[0][static_cast<std::size_t>(Col(servers, "health"))], "Available");
  EXPECT_EQ(servers.rows[0][static_cast<std::size_t>(Col(servers, "hosting"))],
            json::parse(R"(["system","foo","neo4j"])"));
  EXPECT_EQ(servers.rows[0][static_cast<std::size_t>(Col(servers, "state"))], "Enabled");
  EXPECT_EQ(servers.rows[0][static_cast<std::size_t>(Col(servers, "version"))], "5.26.0");

  // 4.4: the isolated member sees only itself; the others do not list it.
  Table isolated = MustTable(0, 0, "CALL dbms.cluster.overview()");
  EXPECT_EQ(isolated.rows.size(), 1u);
  Table others = MustTable(0, 1, "CALL dbms.cluster.overview()");
  EXPECT_EQ(others.rows.size(), 3u);
  Table rows44 = MustTable(0, 1, "SHOW DATABASES YIELD *");
  int unknown = 0;
  for (const auto& row : rows44.rows) {
    if (row[static_cast<std::size_t>(Col(rows44, "currentStatus"))] == "unknown") {
      ++unknown;
      EXPECT_EQ(row[static_cast<std::size_t>(Col(rows44, "error"))], "Server is unavailable");
    }
  }
  EXPECT_EQ(unknown, 2);  // v4-1 for neo4j and system
}

TEST_F(SimCypherTest, FourFourProceduresAndRoles) {
  const auto& c = model_->cluster(0);
  const int leader = *c.dbs[0].leader;
  Table role = MustTable(0, leader, "CALL dbms.cluster.role($database)", {{"database", "neo4j"}});
  ASSERT_EQ(role.rows.size(), 1u);
  EXPECT_EQ(role.rows[0][0], "LEADER");
  Table rr = MustTable(0, 3, "CALL dbms.cluster.role('neo4j')");
  EXPECT_EQ(rr.rows[0][0], "READ_REPLICA");
  Table overview = MustTable(0, 3, "CALL dbms.cluster.overview()");
  ASSERT_EQ(overview.rows.size(), 4u);
  EXPECT_EQ(overview.rows[static_cast<std::size_t>(leader)][3]["neo4j"], "LEADER");
  EXPECT_EQ(overview.rows[3][3]["system"], "READ_REPLICA");
  EXPECT_EQ(overview.rows[0][1].size(), 2u);
  Table dbs = MustTable(0, 0, "SHOW DATABASES");
  std::set<std::string> roles;
  for (const auto& row : dbs.rows) {
    roles.insert(row[4].get<std::string>());
  }
  EXPECT_EQ(roles, (std::set<std::string>{"leader", "follower", "read_replica"}));
}

TEST_F(SimCypherTest, InBandErrors) {
  auto e = MustError(0, 0, "SHOW SERVERS YIELD *");
  EXPECT_EQ(e.code, "Neo.ClientError.Statement.SyntaxError");
  EXPECT_NE(e.message.find("Invalid input 'SERVERS'"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("(line 1, column 6 (offset: 5))"), std::string::npos) << e.message;
  e = MustError(1, 0, "CALL dbms.cluster.role($database)", {{"database", "neo4j"}});
  EXPECT_EQ(e.code, "Neo.ClientError.Procedure.ProcedureNotFound");
  EXPECT_NE(e.message.find("`dbms.cluster.role`"), std::string::npos);
  EXPECT_EQ(MustError(2, 0, "CALL dbms.cluster.overview()").code,
            "Neo.ClientError.Procedure.ProcedureNotFound");
  EXPECT_EQ(MustError(0, 0, "CALL dbms.cluster.role($db)").code,
            "Neo.ClientError.Statement.ParameterMissing");
  EXPECT_EQ(MustError(0, 0, "CALL dbms.cluster.role('nope')").code,
            "Neo.ClientError.Database.DatabaseNotFound");
  e = MustError(1, 0, "This is not a valid Cypher Statement.");
  EXPECT_EQ(e.code, "Neo.ClientError.Statement.SyntaxError");
  EXPECT_EQ(e.message,
            "Invalid input 'This': expected <init> (line 1, column 1 (offset: 0))\n\"This is not "
            "a valid Cypher Statement.\"\n ^");
  Table one = MustTable(1, 0, "RETURN 1");
  EXPECT_EQ(one.columns, (std::vector<std::string>{"1"}));
  EXPECT_EQ(one.rows[0][0], 1);
}

TEST(SimFormatIsoTimeTest, MillisecondsUtc) {
  SystemTime t{std::chrono::milliseconds(1692007289074)};
  EXPECT_EQ(FormatIsoTime(t), "2023-08-14T10:01:29.074Z");
}

}  // namespace
}  // namespace nca::sim
