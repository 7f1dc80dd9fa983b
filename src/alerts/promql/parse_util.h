// Pure helpers of the PromQL parser (parser.cc): which token is which operator, with
// generated_parser.y's precedences, and Go's conventions for number and string literals and
// regexp errors, as Prometheus 2.42's parser applies them. Thread-safe.
#pragma once

#include <re2/re2.h>

#include <string>
#include <string_view>

#include "alerts/promql/ast.h"
#include "alerts/promql/lexer.h"

namespace nca::alerts::promql::parse_util {

// Operator precedence (generated_parser.y, increasing).
constexpr int kPrecOr = 1;
constexpr int kPrecAndUnless = 2;
constexpr int kPrecComparison = 3;
constexpr int kPrecAdd = 4;
constexpr int kPrecMul = 5;
constexpr int kPrecPow = 6;

// The binary operator a token stands for, and its precedence; false for other tokens.
bool BinaryOpFor(lex::TokenType t, BinaryOp* op, int* prec);
// The aggregation operator a token stands for; false for other tokens.
bool AggOpFor(lex::TokenType t, AggOp* op);
// Tokens that may start a metric name (identifiers and keywords usable as names).
bool IsMetricIdentifier(lex::TokenType t);
// Tokens that may be a label name (identifiers and every keyword).
bool IsMaybeLabel(lex::TokenType t);

// Go strconv.ParseInt(s, 0, 64) for the unsigned forms the lexer produces.
bool GoParseInt(std::string_view s, double* out);
// Go strconv.ParseFloat(s, 64) for decimal forms, Inf/Infinity/NaN (any case). Returns an error
// text (Go's) or "".
std::string GoParseFloat(const std::string& s, double* out);
// Prometheus strutil.Unquote for a STRING token the lexer has already validated.
std::string Unquote(std::string_view token);
// The re2 error code as Go's regexp/syntax names it.
std::string GoRegexpErrorCode(RE2::ErrorCode code);

}  // namespace nca::alerts::promql::parse_util
