// The few Cypher statements the agent sends, answered from the model as one member sees the
// cluster: SHOW DATABASES [YIELD *], SHOW SERVERS [YIELD *] (5.x), CALL dbms.cluster.overview()
// and CALL dbms.cluster.role(db) (4.x), RETURN 1. Anything else is an in-band SyntaxError.
// Column tables follow the version (4.4, 5.x, 2025.06+, 2025.12+); see docs/simulator.md.
//
// Pure functions of a const Model; thread-compatible (callers hold the simulator lock).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "sim/model.h"

namespace nca::sim {

// A result table. Values keep their key order (ordered_json).
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<nlohmann::ordered_json>> rows;
};

// An in-band Neo4j error ({"code": ..., "message": ...}).
struct CypherError {
  std::string code;
  std::string message;
};

enum class StatementKind {
  kShowDatabasesYieldStar,
  kShowDatabases,
  kShowServersYieldStar,
  kShowServers,
  kClusterOverview,
  kClusterRole,
  kReturnOne,
  kUnknown,
};

struct Statement {
  StatementKind kind = StatementKind::kUnknown;
  std::string role_argument;  // kClusterRole: the literal database name, or the parameter name
  bool role_is_parameter = false;
};

// Collapses whitespace, drops a trailing ';' and spaces around parentheses and commas; `upper`
// also upper-cases (ASCII) everything.
std::string NormaliseStatement(std::string_view text, bool upper);
Statement ClassifyStatement(std::string_view text);

// Runs `text` on database `db` of member `m` (the caller checked the database exists and is
// online there). `created` is reported as creationTime/lastStartTime.
std::variant<Table, CypherError> RunStatement(const Model& model, MemberIndex m,
                                              std::string_view db, std::string_view text,
                                              const nlohmann::json& parameters, SystemTime created);

// Errors shared with the HTTP layer.
CypherError SyntaxError(std::string_view statement, std::size_t offset, std::string_view token,
                        std::string_view expected);
CypherError DatabaseNotFound(std::string_view db);
CypherError DatabaseUnavailable(std::string_view db);

// ISO-8601 UTC with milliseconds: "2023-08-14T10:01:29.074Z".
std::string FormatIsoTime(SystemTime t);

}  // namespace nca::sim
