// Fixture helpers shared by the Neo4j parser tests (parsers_test.cc, parsers_cypher_test.cc):
// reading the reference payloads under tests/fixtures/neo4j/ and turning the documentation's
// result tables into tx/commit and Query API bodies for the real parsers.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "neo4j/parsers.h"

namespace nca::neo4j::parser_fixtures {

// The path of a fixture under tests/fixtures/neo4j/.
std::string FixturePath(const std::string& name);

// The fixture's bytes (a failed expectation when it cannot be read).
std::string ReadFixture(const std::string& name);

// Removes `//` comments (to the end of the line) that sit outside JSON strings: the docs put
// callouts such as `// <2>` into their JSON examples.
std::string StripLineComments(std::string_view text);

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<nlohmann::json>> rows;
};

// Reads a cypher-shell ASCII table (+---+ borders) or an AsciiDoc table (|=== delimiters,
// `name` / +name+ headers, "14+d|Rows: 1" footers). The first '|' line is the header.
Table ParseTable(const std::string& text);

// Converts a table fixture into a tx/commit body and into Query API bodies, parses all of them
// with the real parsers, checks they agree, and returns the tx/commit result.
CypherResult ParseTableFixture(const std::string& name);

// A Cypher result with these columns and rows.
CypherResult MakeResult(std::vector<std::string> columns,
                        std::vector<std::vector<nlohmann::json>> rows);

}  // namespace nca::neo4j::parser_fixtures
