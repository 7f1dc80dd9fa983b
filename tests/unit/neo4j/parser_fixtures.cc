// Fixture helpers of the Neo4j parser tests (parser_fixtures.h).
#include "parser_fixtures.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nca::neo4j::parser_fixtures {
namespace {

using nlohmann::json;

std::string_view TrimView(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

// AsciiDoc passthrough: +text+ -> text.
std::string_view StripPassthrough(std::string_view s) {
  s = TrimView(s);
  if (s.size() >= 2 && s.front() == '+' && s.back() == '+') {
    return TrimView(s.substr(1, s.size() - 2));
  }
  return s;
}

// Parses one cell of a cypher-shell / AsciiDoc result table into a JSON value: "x" strings,
// null/NULL, TRUE/false, integers, decimals, [..] lists, {k: v} maps, +..+ passthrough markers;
// other bare words (FOLLOWER, UUIDs, datetimes) become strings, an empty cell null.
// Not thread-safe: one instance per cell, on one stack frame.
class CellParser {
 public:
  explicit CellParser(std::string_view text) : s_(text) {}

  json Parse() {
    json v = Value(/*nested=*/false);
    SkipSpace();
    EXPECT_EQ(pos_, s_.size()) << "trailing text in cell: " << s_;
    return v;
  }

 private:
  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) {
      ++pos_;
    }
  }

  json Value(bool nested) {
    SkipSpace();
    if (pos_ >= s_.size()) {
      return nullptr;
    }
    const char c = s_[pos_];
    if (c == '"') {
      return QuotedString();
    }
    if (c == '[') {
      return List();
    }
    if (c == '{') {
      return Map();
    }
    if (c == '+') {
      // Passthrough marker around one value: +"x"+ or +bolt://...+
      const auto close = s_.find('+', pos_ + 1);
      if (close != std::string_view::npos) {
        const std::string_view inner = s_.substr(pos_ + 1, close - pos_ - 1);
        pos_ = close + 1;
        CellParser sub(inner);
        return sub.Parse();
      }
    }
    return Bare(nested);
  }

  json QuotedString() {
    std::string out;
    ++pos_;  // opening quote
    while (pos_ < s_.size() && s_[pos_] != '"') {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) {
        ++pos_;
      }
      out += s_[pos_++];
    }
    EXPECT_LT(pos_, s_.size()) << "unterminated string in cell: " << s_;
    ++pos_;  // closing quote
    return out;
  }

  json List() {
    json out = json::array();
    ++pos_;  // [
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return out;
    }
    while (pos_ < s_.size()) {
      out.push_back(Value(/*nested=*/true));
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      EXPECT_LT(pos_, s_.size()) << "unterminated list in cell: " << s_;
      ++pos_;  // ]
      break;
    }
    return out;
  }

  json Map() {
    json out = json::object();
    ++pos_;  // {
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return out;
    }
    while (pos_ < s_.size()) {
      SkipSpace();
      std::string key;
      if (s_[pos_] == '"') {
        key = QuotedString().get<std::string>();
      } else {
        const auto colon = s_.find(':', pos_);
        key = std::string(TrimView(s_.substr(pos_, colon - pos_)));
        pos_ = colon;
      }
      SkipSpace();
      EXPECT_EQ(s_[pos_], ':') << "map without ':' in cell: " << s_;
      ++pos_;
      out[key] = Value(/*nested=*/true);
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      ++pos_;  // }
      break;
    }
    return out;
  }

  json Bare(bool nested) {
    const std::size_t start = pos_;
    while (pos_ < s_.size() &&
           !(nested && (s_[pos_] == ',' || s_[pos_] == ']' || s_[pos_] == '}'))) {
      ++pos_;
    }
    const std::string_view token = StripPassthrough(s_.substr(start, pos_ - start));
    if (token.empty() || token == "null" || token == "NULL") {
      return nullptr;
    }
    if (token == "true" || token == "TRUE") {
      return true;
    }
    if (token == "false" || token == "FALSE") {
      return false;
    }
    int64_t integer = 0;
    auto [iend, iec] = std::from_chars(token.data(), token.data() + token.size(), integer);
    if (iec == std::errc() && iend == token.data() + token.size()) {
      return integer;
    }
    double decimal = 0;
    auto [dend, dec] = std::from_chars(token.data(), token.data() + token.size(), decimal);
    if (dec == std::errc() && dend == token.data() + token.size()) {
      return decimal;
    }
    return std::string(token);
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

// Splits a table line into cells on '|' outside double quotes.
std::vector<std::string> SplitCells(std::string_view line) {
  line = TrimView(line);
  if (!line.empty() && line.front() == '|') {
    line.remove_prefix(1);
  }
  if (!line.empty() && line.back() == '|') {
    line.remove_suffix(1);
  }
  std::vector<std::string> cells;
  std::string current;
  bool in_string = false;
  for (char c : line) {
    if (c == '"') {
      in_string = !in_string;
    }
    if (c == '|' && !in_string) {
      cells.emplace_back(TrimView(current));
      current.clear();
      continue;
    }
    current += c;
  }
  cells.emplace_back(TrimView(current));
  return cells;
}

// tx/commit body as Neo4j sends it for scalar columns ("meta": [null, ...] per row).
std::string ToTxCommitBody(const Table& table) {
  json data = json::array();
  for (const auto& row : table.rows) {
    json entry = json::object();
    entry["row"] = row;
    entry["meta"] = json::array();
    for (std::size_t i = 0; i < row.size(); ++i) {
      entry["meta"].push_back(nullptr);
    }
    data.push_back(entry);
  }
  json result = json::object();
  result["columns"] = table.columns;
  result["data"] = data;
  json body = json::object();
  body["results"] = json::array();
  body["results"].push_back(result);
  body["errors"] = json::array();
  return body.dump();
}

// Query API body: current nested rows, or the 2024 flat list when `flat`.
std::string ToQueryApiBody(const Table& table, bool flat) {
  json values = json::array();
  for (const auto& row : table.rows) {
    if (flat) {
      for (const auto& v : row) {
        values.push_back(v);
      }
    } else {
      values.push_back(row);
    }
  }
  json body = json::object();
  body["data"] = json::object();
  body["data"]["fields"] = table.columns;
  body["data"]["values"] = values;
  body["bookmarks"] = json::array({"FB:kcwQ"});
  return body.dump();
}

}  // namespace

std::string FixturePath(const std::string& name) { return NCA_FIXTURE_DIR "/neo4j/" + name; }

std::string ReadFixture(const std::string& name) {
  std::ifstream in(FixturePath(name), std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open fixture " << name;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Removes `//` comments (to the end of the line) that sit outside JSON strings: the docs put
// callouts such as `// <2>` into their JSON examples.
std::string StripLineComments(std::string_view text) {
  std::string out;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n') {
        ++i;
      }
      if (i < text.size()) {
        out += '\n';
      }
      continue;
    }
    out += c;
  }
  return out;
}

// Reads a cypher-shell ASCII table (+---+ borders) or an AsciiDoc table (|=== delimiters,
// `name` / +name+ headers, "14+d|Rows: 1" footers). The first '|' line is the header.
Table ParseTable(const std::string& text) {
  Table table;
  std::istringstream in(text);
  std::string raw;
  bool have_header = false;
  while (std::getline(in, raw)) {
    const std::string_view line = TrimView(raw);
    if (line.empty() || line.front() != '|' || line.rfind("|===", 0) == 0) {
      continue;  // borders, prompts, footers, AsciiDoc delimiters
    }
    std::vector<std::string> cells = SplitCells(line);
    if (!have_header) {
      for (const std::string& cell : cells) {
        std::string name(StripPassthrough(cell));
        name.erase(std::remove(name.begin(), name.end(), '`'), name.end());
        table.columns.push_back(name);
      }
      have_header = true;
      continue;
    }
    EXPECT_EQ(cells.size(), table.columns.size()) << "row width mismatch: " << line;
    std::vector<json> row;
    for (const std::string& cell : cells) {
      row.push_back(CellParser(StripPassthrough(cell)).Parse());
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

// Converts a table fixture into a tx/commit body and into Query API bodies, parses all of them
// with the real parsers, checks they agree, and returns the tx/commit result.
CypherResult ParseTableFixture(const std::string& name) {
  const Table table = ParseTable(ReadFixture(name));
  EXPECT_FALSE(table.columns.empty()) << name;
  auto tx = ParseTxCommit(ToTxCommitBody(table));
  EXPECT_TRUE(tx.ok()) << name << ": " << (tx.ok() ? "" : tx.error().ToString());
  if (!tx.ok()) {
    return {};
  }
  auto nested = ParseQueryApi(ToQueryApiBody(table, /*flat=*/false));
  EXPECT_TRUE(nested.ok()) << name;
  if (nested.ok()) {
    EXPECT_EQ(nested->columns, tx->columns) << name;
    EXPECT_EQ(nested->rows, tx->rows) << name;
  }
  // The flat shape is ambiguous when every value is a list of columns.size() items (then it
  // reads as rows); the fixtures used here never are.
  auto flat = ParseQueryApi(ToQueryApiBody(table, /*flat=*/true));
  EXPECT_TRUE(flat.ok()) << name;
  if (flat.ok()) {
    EXPECT_EQ(flat->columns, tx->columns) << name;
    EXPECT_EQ(flat->rows, tx->rows) << name;
  }
  EXPECT_EQ(tx->columns, table.columns);
  EXPECT_EQ(tx->rows.size(), table.rows.size());
  return std::move(tx).value();
}

CypherResult MakeResult(std::vector<std::string> columns, std::vector<std::vector<json>> rows) {
  CypherResult r;
  r.columns = std::move(columns);
  r.rows = std::move(rows);
  return r;
}

}  // namespace nca::neo4j::parser_fixtures
