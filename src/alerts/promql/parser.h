// The PromQL parser: Prometheus 2.42 expression syntax (promql/parser/generated_parser.y and
// lex.go), re-implemented as a hand-written lexer and a precedence-climbing parser, followed by
// the checkAST type checks of parse.go.
//
// Errors are kInvalidArgument with Prometheus' text, as promtool prints it:
// `<line>:<col>: parse error: <msg>` (several type-check errors are joined with "\n").
// Subqueries and the `@` modifier parse in Prometheus but are rejected here with an error that
// names their position.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "alerts/promql/ast.h"
#include "common/result.h"

namespace nca::alerts::promql {

// Parses and type-checks an expression.
Result<ExprPtr> Parse(std::string_view input);

// prometheus/common model.ParseDuration (as used for `for:`, `eval_time`, `interval`): a bare
// "0" is allowed; units y w d h m s ms, largest first, each at most once. Milliseconds.
// Errors: kInvalidArgument `not a valid duration string: "x"`, `empty duration string`,
// `duration out of range`.
Result<int64_t> ParseDuration(std::string_view text);

}  // namespace nca::alerts::promql
