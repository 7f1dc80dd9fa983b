#include "alerts/templates/lex.h"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nca::alerts::templates::lex {

std::string TokenString(const Token& t) {
  switch (t.type) {
    case Tok::kEOF:
      return "EOF";
    case Tok::kError:
      return t.val;
    case Tok::kIf:
    case Tok::kElse:
    case Tok::kEnd:
    case Tok::kWith:
    case Tok::kRange:
    case Tok::kDefine:
    case Tok::kTemplate:
    case Tok::kBlock:
    case Tok::kBreak:
    case Tok::kContinue:
    case Tok::kNil:
    case Tok::kDot:
      return "<" + t.val + ">";
    default:
      break;
  }
  std::string q;
  q += '"';
  std::string v = t.val.size() > 10 ? t.val.substr(0, 10) : t.val;
  for (char c : v) {
    if (c == '"' || c == '\\') q += '\\';
    if (c == '\n') {
      q += "\\n";
      continue;
    }
    q += c;
  }
  q += '"';
  if (t.val.size() > 10) q += "...";
  return q;
}

namespace {

bool IsSpaceChar(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsAlnum(char c) {
  return c == '_' || std::isalnum(static_cast<unsigned char>(c)) ||
         (static_cast<unsigned char>(c) >= 0x80);
}

class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  // Tokenises everything; the last token is kEOF or kError.
  std::vector<Token> Run() {
    while (true) {
      if (!LexText()) break;
      if (!LexAction()) break;
    }
    return std::move(toks_);
  }

 private:
  // The 1-based line of `pos`. Tokens come in input order, so the count continues from the last
  // position asked for instead of rescanning from the start (quadratic over a large template).
  int LineAt(std::size_t pos) {
    if (pos < counted_to_) {
      counted_to_ = 0;
      line_ = 1;
    }
    line_ += static_cast<int>(std::count(in_.begin() + static_cast<long>(counted_to_),
                                         in_.begin() + static_cast<long>(pos), '\n'));
    counted_to_ = pos;
    return line_;
  }
  void Emit(Tok t, std::size_t start, std::size_t end) {
    toks_.push_back(Token{t, std::string(in_.substr(start, end - start)), static_cast<int>(start),
                          LineAt(start)});
  }
  void Error(std::string msg, std::size_t at) {
    toks_.push_back(Token{Tok::kError, std::move(msg), static_cast<int>(at), LineAt(at)});
  }

  // Text up to the next "{{"; returns false at EOF.
  bool LexText() {
    std::size_t d = in_.find("{{", pos_);
    if (d == std::string_view::npos) {
      if (pos_ < in_.size()) Emit(Tok::kText, pos_, in_.size());
      toks_.push_back(Token{Tok::kEOF, "", static_cast<int>(in_.size()), LineAt(in_.size())});
      return false;
    }
    std::size_t text_end = d;
    bool trim_left = d + 3 < in_.size() + 1 && in_.substr(d + 2).size() >= 2 && in_[d + 2] == '-' &&
                     IsSpaceChar(in_[d + 3]);
    if (trim_left) {
      while (text_end > pos_ && IsSpaceChar(in_[text_end - 1])) --text_end;
    }
    if (text_end > pos_) Emit(Tok::kText, pos_, text_end);
    pos_ = d + 2;
    if (trim_left) pos_ += 2;
    // Comment?
    std::size_t p = pos_;
    if (in_.substr(p, 2) == "/*") {
      std::size_t end = in_.find("*/", p + 2);
      if (end == std::string_view::npos) {
        Error("unclosed comment", p);
        return false;
      }
      std::size_t after = end + 2;
      bool trim_right = false;
      if (in_.substr(after, 4) == " -}}") {
        trim_right = true;
        after += 4;
      } else if (in_.substr(after, 2) == "}}") {
        after += 2;
      } else {
        Error("comment ends before closing delimiter", after);
        return false;
      }
      pos_ = after;
      if (trim_right) SkipSpaces();
      return LexText();
    }
    toks_.push_back(Token{Tok::kLeftDelim, "{{", static_cast<int>(d), LineAt(d)});
    return true;
  }

  void SkipSpaces() {
    while (pos_ < in_.size() && IsSpaceChar(in_[pos_])) ++pos_;
  }

  // Inside an action up to and including "}}"; returns false on error.
  bool LexAction() {
    int paren = 0;
    while (true) {
      if (pos_ >= in_.size()) {
        Error("unclosed action", pos_);
        return false;
      }
      // Right delimiter, with or without trim marker.
      if (in_.substr(pos_, 4) == " -}}" ||
          (in_.size() > pos_ + 3 && IsSpaceChar(in_[pos_]) && in_[pos_ + 1] == '-' &&
           in_.substr(pos_ + 2, 2) == "}}")) {
        if (paren > 0) {
          Error("unclosed left paren", pos_);
          return false;
        }
        toks_.push_back(Token{Tok::kRightDelim, "}}", static_cast<int>(pos_ + 2), LineAt(pos_)});
        pos_ += 4;
        SkipSpaces();
        return true;
      }
      if (in_.substr(pos_, 2) == "}}") {
        if (paren > 0) {
          Error("unclosed left paren", pos_);
          return false;
        }
        toks_.push_back(Token{Tok::kRightDelim, "}}", static_cast<int>(pos_), LineAt(pos_)});
        pos_ += 2;
        return true;
      }
      char c = in_[pos_];
      std::size_t start = pos_;
      if (IsSpaceChar(c)) {
        while (pos_ < in_.size() && IsSpaceChar(in_[pos_])) {
          if (in_.substr(pos_ + 1, 3) == "-}}" && in_[pos_] == ' ') break;
          ++pos_;
        }
        if (pos_ == start) ++pos_;
        Emit(Tok::kSpace, start, pos_);
        continue;
      }
      if (c == ':') {
        if (in_.substr(pos_, 2) != ":=") {
          Error("expected :=", pos_);
          return false;
        }
        pos_ += 2;
        Emit(Tok::kDeclare, start, pos_);
        continue;
      }
      if (c == '=') {
        ++pos_;
        Emit(Tok::kAssign, start, pos_);
        continue;
      }
      if (c == '|') {
        ++pos_;
        Emit(Tok::kPipe, start, pos_);
        continue;
      }
      if (c == ',') {
        ++pos_;
        Emit(Tok::kComma, start, pos_);
        continue;
      }
      if (c == '(') {
        ++paren;
        ++pos_;
        Emit(Tok::kLParen, start, pos_);
        continue;
      }
      if (c == ')') {
        --paren;
        if (paren < 0) {
          Error("unexpected right paren U+0029 ')'", pos_);
          return false;
        }
        ++pos_;
        Emit(Tok::kRParen, start, pos_);
        continue;
      }
      if (c == '"') {
        ++pos_;
        while (true) {
          if (pos_ >= in_.size() || in_[pos_] == '\n') {
            Error("unterminated quoted string", pos_);
            return false;
          }
          if (in_[pos_] == '\\') {
            pos_ += 2;
            continue;
          }
          if (in_[pos_] == '"') break;
          ++pos_;
        }
        ++pos_;
        Emit(Tok::kString, start, pos_);
        continue;
      }
      if (c == '`') {
        std::size_t end = in_.find('`', pos_ + 1);
        if (end == std::string_view::npos) {
          Error("unterminated raw quoted string", pos_);
          return false;
        }
        pos_ = end + 1;
        Emit(Tok::kRawString, start, pos_);
        continue;
      }
      if (c == '$') {
        ++pos_;
        while (pos_ < in_.size() && IsAlnum(in_[pos_])) ++pos_;
        Emit(Tok::kVariable, start, pos_);
        continue;
      }
      if (c == '.') {
        if (pos_ + 1 < in_.size() && std::isdigit(static_cast<unsigned char>(in_[pos_ + 1]))) {
          LexNumber();
          continue;
        }
        ++pos_;
        if (pos_ < in_.size() && IsAlnum(in_[pos_])) {
          while (pos_ < in_.size() && IsAlnum(in_[pos_])) ++pos_;
          Emit(Tok::kField, start, pos_);
        } else {
          Emit(Tok::kDot, start, pos_);
        }
        continue;
      }
      if (c == '+' || c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
        if (!LexNumber()) return false;
        continue;
      }
      if (c == '\'') {
        std::size_t end = pos_ + 1;
        while (end < in_.size() && in_[end] != '\'') {
          if (in_[end] == '\\') ++end;
          ++end;
        }
        if (end >= in_.size()) {
          Error("unterminated character constant", pos_);
          return false;
        }
        pos_ = end + 1;
        Emit(Tok::kChar, start, pos_);
        continue;
      }
      if (IsAlnum(c)) {
        while (pos_ < in_.size() && IsAlnum(in_[pos_])) ++pos_;
        std::string word(in_.substr(start, pos_ - start));
        static const std::map<std::string, Tok> kKeywords = {{"if", Tok::kIf},
                                                             {"else", Tok::kElse},
                                                             {"end", Tok::kEnd},
                                                             {"with", Tok::kWith},
                                                             {"range", Tok::kRange},
                                                             {"define", Tok::kDefine},
                                                             {"template", Tok::kTemplate},
                                                             {"block", Tok::kBlock},
                                                             {"break", Tok::kBreak},
                                                             {"continue", Tok::kContinue},
                                                             {"nil", Tok::kNil},
                                                             {"true", Tok::kBool},
                                                             {"false", Tok::kBool}};
        auto it = kKeywords.find(word);
        Emit(it == kKeywords.end() ? Tok::kIdent : it->second, start, pos_);
        continue;
      }
      if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F) {
        // Other printable ASCII characters are items of their own (Go's itemChar).
        ++pos_;
        Emit(Tok::kCharItem, start, pos_);
        continue;
      }
      char buf[64];
      std::snprintf(buf, sizeof buf, "bad character U+%04X", static_cast<unsigned char>(c));
      Error(buf, pos_);
      return false;
    }
  }

  bool LexNumber() {
    std::size_t start = pos_;
    if (in_[pos_] == '+' || in_[pos_] == '-') ++pos_;
    while (pos_ < in_.size() && (std::isalnum(static_cast<unsigned char>(in_[pos_])) ||
                                 in_[pos_] == '.' || in_[pos_] == '_' ||
                                 ((in_[pos_] == '+' || in_[pos_] == '-') && pos_ > start &&
                                  (in_[pos_ - 1] == 'e' || in_[pos_ - 1] == 'E' ||
                                   in_[pos_ - 1] == 'p' || in_[pos_ - 1] == 'P')))) {
      ++pos_;
    }
    std::string text(in_.substr(start, pos_ - start));
    char* end = nullptr;
    std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() ||
        (pos_ < in_.size() && IsAlnum(in_[pos_]))) {
      Error("bad number syntax: \"" + text + "\"", start);
      return false;
    }
    Emit(Tok::kNumber, start, pos_);
    return true;
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  std::vector<Token> toks_;
  std::size_t counted_to_ = 0;  // LineAt: line_ is the line of this position
  int line_ = 1;
};

}  // namespace

std::vector<Token> Lex(std::string_view text) { return Lexer(text).Run(); }

}  // namespace nca::alerts::templates::lex
