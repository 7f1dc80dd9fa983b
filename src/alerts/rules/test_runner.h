// A re-implementation of `promtool test rules` (Prometheus 2.42, cmd/promtool/unittest.go): the
// same YAML (rule_files, evaluation_interval, group_eval_order, tests with interval,
// input_series in the expanding notation, alert_rule_test, promql_expr_test, external_labels,
// external_url, name), the same execution model, pass/fail semantics, output and exit codes.
//
// Pure functions apart from reading the files; thread-compatible.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/promql/value.h"
#include "common/result.h"

namespace nca::alerts::rules {

// Runs every file; prints like promtool ("Unit Testing:  FILE", "  SUCCESS" on `out`,
// "  FAILED:" and the errors on `err`, blank lines on `out`). Returns 0 when every file passes,
// 1 otherwise.
int RunRuleTests(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

// One value of an input series: a number, a stale marker, or omitted (`_`).
struct SeriesValue {
  bool omitted = false;
  double value = 0;
};

// Parses the expanding notation ("1 2 _x3 stale 5+10x4 0x2 -1-1x3").
Result<std::vector<SeriesValue>> ParseSeriesValues(std::string_view values);

// Parses a series descriptor / metric such as `up{job="a", instance="b"}` or `{}`.
Result<promql::Labels> ParseMetric(std::string_view text);

}  // namespace nca::alerts::rules
