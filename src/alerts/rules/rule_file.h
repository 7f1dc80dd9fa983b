// Prometheus rule files (model/rulefmt @ v2.42): groups of recording and alerting rules, read
// strictly (unknown keys are errors) and validated like `promtool check rules`, with the same
// error texts: `FILE: LINE:COL: group "g", rule N, "name": could not parse expression: ...`.
//
// Parsing is pure (ParseRuleFile takes the text); LoadRuleFile reads the file. Parsed rule files
// are immutable values (expressions are shared, immutable trees).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/promql/ast.h"
#include "common/result.h"

namespace nca::alerts::rules {

struct RuleDef {
  enum class Kind { kRecording, kAlerting };
  Kind kind = Kind::kAlerting;
  std::string name;  // `record:` or `alert:`
  std::string expr_text;
  std::shared_ptr<const promql::Expr> expr;
  int64_t for_ms = 0;
  int64_t keep_firing_for_ms = 0;
  std::map<std::string, std::string> labels;       // templates for alerting rules
  std::map<std::string, std::string> annotations;  // alerting rules only
};

struct GroupDef {
  std::string file;
  std::string name;
  int64_t interval_ms = 0;  // 0: the global evaluation interval
  int limit = 0;            // 0: no limit
  std::vector<RuleDef> rules;
};

struct RuleFile {
  std::string path;
  std::vector<GroupDef> groups;
};

// Parses and validates a rule file's text. On failure the error (kInvalidArgument) holds every
// problem, one per line, each prefixed with `file_name: ` as promtool prints them.
Result<RuleFile> ParseRuleFile(std::string_view content, std::string_view file_name);

// Reads and parses a rule file.
Result<RuleFile> LoadRuleFile(const std::string& path);

// The largest range (matrix selector range + offset) any rule expression reads, in ms, for
// sizing the sample history.
int64_t MaxRangeMs(const std::vector<RuleFile>& files);

// The metric names the rules' selectors read, so that a sample store can keep only those;
// nullopt when some selector has no metric name (e.g. {__name__=~"neo4j_.*"}): every series may
// be read.
std::optional<std::set<std::string>> SelectedMetricNames(const std::vector<GroupDef>& groups);

// `promtool check rules FILE...` re-implemented: prints "Checking FILE" and "  SUCCESS: N rules
// found" to `out`, "  FAILED:" and the errors to `err`; returns 0 when all files are valid, else 1.
int CheckRuleFiles(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

}  // namespace nca::alerts::rules
