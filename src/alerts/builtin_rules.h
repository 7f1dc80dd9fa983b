// The shipped rule files (rules/prometheus/*.rules.yml), compiled into the binary at build time
// from the repository's copy, so that an agent with no --rules.file evaluates exactly the rules
// the project ships, wherever it runs. Generated from src/alerts/builtin_rules.cc.in.
#pragma once

#include <span>
#include <string_view>

namespace nca::alerts {

struct BuiltinRuleFile {
  std::string_view name;     // e.g. "rules/prometheus/neo4j-cluster.rules.yml"
  std::string_view content;  // the file's text
};

// Every shipped rule file, sorted by name. Immutable.
std::span<const BuiltinRuleFile> BuiltinRuleFiles();

// How rule files compiled into the binary are named in errors, logs and /api/v1/rules.
inline constexpr std::string_view kBuiltinPrefix = "builtin:";

}  // namespace nca::alerts
