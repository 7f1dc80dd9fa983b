// The lexer of Go's text/template (text/template/parse/lex.go, re-implemented): the template
// text as a list of tokens. Internal to template.cc and parse.cc. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nca::alerts::templates::lex {

enum class Tok {
  kText,
  kLeftDelim,
  kRightDelim,
  kIdent,
  kField,
  kVariable,
  kDot,
  kString,
  kRawString,
  kChar,
  kNumber,
  kBool,
  kNil,
  kPipe,
  kDeclare,
  kAssign,
  kLParen,
  kRParen,
  kComma,
  kSpace,
  kIf,
  kElse,
  kEnd,
  kWith,
  kRange,
  kDefine,
  kTemplate,
  kBlock,
  kBreak,
  kContinue,
  kEOF,
  kError,
  kCharItem,  // any other printable ASCII character (Go itemChar)
};

struct Token {
  Tok type = Tok::kEOF;
  std::string val;
  int pos = 0;
  int line = 1;
};

// How Go's parser names a token in "unexpected ..." errors.
std::string TokenString(const Token& t);

// Tokenises all of `text`; the last token is kEOF or kError.
std::vector<Token> Lex(std::string_view text);

}  // namespace nca::alerts::templates::lex
