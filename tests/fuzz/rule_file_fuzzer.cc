// libFuzzer harness for Prometheus rule files (alerts::rules::ParseRuleFile,
// src/alerts/rules/rule_file.h: the text-based entry point of LoadRuleFile, validated like
// `promtool check rules`). An accepted file must satisfy every rule the validation enforces;
// errors are kInvalidArgument messages prefixed with the file name; nothing throws.
// Run with tests/fuzz/run-fuzzer.sh rule_file SECONDS.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/promql/ast.h"
#include "alerts/promql/parser.h"
#include "alerts/promql/value.h"
#include "alerts/rules/rule_file.h"
#include "alerts/templates/template.h"
#include "fuzz_check.h"

namespace {

using nca::ErrorKind;
using nca::fuzz::StartsWith;
namespace promql = nca::alerts::promql;
namespace rules = nca::alerts::rules;

const std::string kFile = "fuzz/rules.yml";

bool ValidMetricName(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

void CheckRule(const rules::RuleDef& rule) {
  FUZZ_CHECK(!rule.name.empty());
  FUZZ_CHECK(rule.expr != nullptr);
  const auto type = rule.expr->Type();
  FUZZ_CHECK(type == promql::ValueType::kVector || type == promql::ValueType::kScalar);
  // The stored tree is the expression text's: printing it gives text that parses to the same.
  const std::string printed = promql::Format(*rule.expr);
  const auto reparsed = promql::Parse(printed);
  FUZZ_CHECK_SHOW(reparsed.ok(), printed, reparsed.ok() ? "" : reparsed.error().message);
  FUZZ_CHECK_SHOW(promql::Format(**reparsed) == printed, promql::Format(**reparsed), printed);
  FUZZ_CHECK(rule.for_ms >= 0 && rule.keep_firing_for_ms >= 0);
  for (const auto& [name, value] : rule.labels) {
    FUZZ_CHECK(promql::IsValidLabelName(name) && name != promql::kMetricNameLabel);
  }
  for (const auto& [name, value] : rule.annotations) FUZZ_CHECK(promql::IsValidLabelName(name));
  if (rule.kind == rules::RuleDef::Kind::kRecording) {
    FUZZ_CHECK(ValidMetricName(rule.name));
    FUZZ_CHECK(rule.annotations.empty());
    FUZZ_CHECK(rule.for_ms == 0 && rule.keep_firing_for_ms == 0);
  } else {
    // Alerting rules' labels and annotations are templates that parse.
    for (const auto* templates : {&rule.labels, &rule.annotations}) {
      for (const auto& [name, text] : *templates) {
        FUZZ_CHECK(nca::alerts::templates::CheckAlertTemplate(rule.name, text).ok());
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = rules::ParseRuleFile(text, kFile);
  if (!r.ok()) {
    FUZZ_CHECK(r.error().kind == ErrorKind::kInvalidArgument);
    FUZZ_CHECK_SHOW(StartsWith(r.error().message, kFile + ": "), r.error().message, "");
    return 0;
  }
  FUZZ_CHECK(r->path == kFile);
  std::set<std::string> groups;
  for (const auto& group : r->groups) {
    FUZZ_CHECK(!group.name.empty());
    FUZZ_CHECK(groups.insert(group.name).second);
    FUZZ_CHECK(group.file == kFile);
    FUZZ_CHECK(group.interval_ms >= 0);
    for (const auto& rule : group.rules) CheckRule(rule);
  }
  const std::vector<rules::RuleFile> files = {*r};
  FUZZ_CHECK(rules::MaxRangeMs(files) >= 0);
  std::vector<rules::GroupDef> all_groups(r->groups.begin(), r->groups.end());
  if (const auto names = rules::SelectedMetricNames(all_groups)) {
    for (const std::string& name : *names) FUZZ_CHECK(!name.empty());
  }
  return 0;
}
