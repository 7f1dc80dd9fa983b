// The PromQL lexer (Prometheus 2.42 promql/parser/lex.go semantics, expression mode only).
// Internal to the parser; exposed for tests.
//
// Pure function of its input; no shared state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nca::alerts::promql::lex {

enum class TokenType {
  kEof,
  kError,  // text holds the error message; lexing stops here
  kComma,
  kColon,
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kEql,  // '=' (label matcher)
  kIdentifier,
  kMetricIdentifier,
  kNumber,
  kString,
  kDuration,
  // Operators.
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEqlc,
  kNeq,
  kLss,
  kLte,
  kGtr,
  kGte,
  kEqlRegex,
  kNeqRegex,
  kLand,
  kLor,
  kLunless,
  kAtan2,
  kAt,
  // Aggregators.
  kAvg,
  kBottomk,
  kCount,
  kCountValues,
  kGroup,
  kMax,
  kMin,
  kQuantile,
  kStddev,
  kStdvar,
  kSum,
  kTopk,
  // Keywords.
  kBool,
  kBy,
  kGroupLeft,
  kGroupRight,
  kIgnoring,
  kOffset,
  kOn,
  kWithout,
  // Preprocessors.
  kStart,
  kEnd,
};

struct Token {
  TokenType type = TokenType::kEof;
  std::string text;  // the source text (the message for kError)
  int pos = 0;       // byte offset of the token (for kError: Prometheus' l.start)
};

bool IsOperator(TokenType t);
bool IsAggregator(TokenType t);
bool IsKeyword(TokenType t);

// Prometheus' Item.desc(): `end of input`, `identifier "x"`, `<op:+>`, `<aggr:sum>`, `<by>`,
// `"("`, `number "1"`, `string "\"a\""`.
std::string Describe(const Token& token);

// All tokens of `input`, comments dropped, ending with kEof or kError.
std::vector<Token> Tokenize(std::string_view input);

}  // namespace nca::alerts::promql::lex
