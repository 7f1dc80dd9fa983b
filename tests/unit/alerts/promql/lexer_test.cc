#include "alerts/promql/lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nca::alerts::promql::lex {
namespace {

std::vector<TokenType> Types(std::string_view input) {
  std::vector<TokenType> out;
  for (const auto& t : Tokenize(input)) out.push_back(t.type);
  return out;
}

TEST(PromqlLexerTest, EveryTokenKind) {
  using T = TokenType;
  EXPECT_EQ(Types("sum by (a) (rate(x{a=\"b\",c!~'d'}[5m] offset -1h30m)) # c"),
            (std::vector<T>{T::kSum,          T::kBy,         T::kLeftParen,   T::kIdentifier,
                            T::kRightParen,   T::kLeftParen,  T::kIdentifier,  T::kLeftParen,
                            T::kIdentifier,   T::kLeftBrace,  T::kIdentifier,  T::kEql,
                            T::kString,       T::kComma,      T::kIdentifier,  T::kNeqRegex,
                            T::kString,       T::kRightBrace, T::kLeftBracket, T::kDuration,
                            T::kRightBracket, T::kOffset,     T::kSub,         T::kDuration,
                            T::kRightParen,   T::kRightParen, T::kEof}));
  EXPECT_EQ(Types("a + - * / % ^ == != < <= > >= and or unless atan2 bool on ignoring "
                  "group_left group_right @ job:x 1 0x1F .5 1e-3 Inf NaN `r`"),
            (std::vector<T>{T::kIdentifier, T::kAdd,        T::kSub,    T::kMul,
                            T::kDiv,        T::kMod,        T::kPow,    T::kEqlc,
                            T::kNeq,        T::kLss,        T::kLte,    T::kGtr,
                            T::kGte,        T::kLand,       T::kLor,    T::kLunless,
                            T::kAtan2,      T::kBool,       T::kOn,     T::kIgnoring,
                            T::kGroupLeft,  T::kGroupRight, T::kAt,     T::kMetricIdentifier,
                            T::kNumber,     T::kNumber,     T::kNumber, T::kNumber,
                            T::kNumber,     T::kNumber,     T::kString, T::kEof}));
  // Keywords are case-insensitive outside braces and plain identifiers inside them.
  EXPECT_EQ(Types("SUM{by=\"x\"}"), (std::vector<T>{T::kSum, T::kLeftBrace, T::kIdentifier, T::kEql,
                                                    T::kString, T::kRightBrace, T::kEof}));
  EXPECT_EQ(Types("x[5m:1m]"),
            (std::vector<T>{T::kIdentifier, T::kLeftBracket, T::kDuration, T::kColon, T::kDuration,
                            T::kRightBracket, T::kEof}));
}

TEST(PromqlLexerTest, ErrorsStopLexing) {
  auto tokens = Tokenize("a{b=\"c\"");
  ASSERT_EQ(tokens.back().type, TokenType::kError);
  EXPECT_EQ(tokens.back().text, "unexpected end of input inside braces");
  EXPECT_EQ(tokens.back().pos, 7);
  tokens = Tokenize("1 $");
  EXPECT_EQ(tokens.back().text, "unexpected character: '$'");
  EXPECT_EQ(tokens.back().pos, 2);
}

TEST(PromqlLexerTest, Describe) {
  EXPECT_EQ(Describe(Token{TokenType::kEof, "", 0}), "end of input");
  EXPECT_EQ(Describe(Token{TokenType::kIdentifier, "foo", 0}), "identifier \"foo\"");
  EXPECT_EQ(Describe(Token{TokenType::kAdd, "+", 0}), "<op:+>");
  EXPECT_EQ(Describe(Token{TokenType::kSum, "sum", 0}), "<aggr:sum>");
  EXPECT_EQ(Describe(Token{TokenType::kBy, "BY", 0}), "<BY>");
  EXPECT_EQ(Describe(Token{TokenType::kRightBrace, "}", 0}), "\"}\"");
  EXPECT_EQ(Describe(Token{TokenType::kString, "\"a very long string\"", 0}),
            "string \"\\\"a very lo\"...");
}

}  // namespace
}  // namespace nca::alerts::promql::lex
