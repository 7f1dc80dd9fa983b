// The few Cypher statements the agent sends, answered from the model as one member sees the
// cluster: SHOW DATABASES [YIELD *], SHOW DATABASES YIELD * WHERE address = <$param or 'literal'>,
// SHOW SERVERS [YIELD *] (5.x), CALL dbms.cluster.overview() and CALL dbms.cluster.role(db) (4.x),
// RETURN 1. Anything else is an in-band SyntaxError.
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
  kShowDatabasesAtAddress,  // SHOW DATABASES YIELD * WHERE address = <argument>
  kShowServersYieldStar,
  kShowServers,
  kClusterOverview,
  kClusterRole,
  kReturnOne,
  kUnknown,
};

struct Statement {
  StatementKind kind = StatementKind::kUnknown;
  // kClusterRole: the database name; kShowDatabasesAtAddress: the address. The literal's text, or
  // the parameter's name when argument_is_parameter.
  std::string argument;
  bool argument_is_parameter = false;
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
// A $name the statement uses that the request's parameters do not carry.
CypherError ParameterMissing(std::string_view name);
CypherError DatabaseUnavailable(std::string_view db);

// ISO-8601 UTC with milliseconds: "2023-08-14T10:01:29.074Z".
std::string FormatIsoTime(SystemTime t);

}  // namespace nca::sim
