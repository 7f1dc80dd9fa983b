#include "alerts/promql/lexer.h"

#include <cstdio>
#include <string>

#include "alerts/promql/ast.h"

namespace nca::alerts::promql::lex {

namespace {

constexpr int kEofRune = -1;

bool IsSpace(int r) { return r == ' ' || r == '\t' || r == '\n' || r == '\r'; }
bool IsDigit(int r) { return r >= '0' && r <= '9'; }
bool IsAlpha(int r) { return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'); }
bool IsAlphaNumeric(int r) { return IsAlpha(r) || IsDigit(r); }

struct Keyword {
  std::string_view word;
  TokenType type;
};

constexpr Keyword kKeywords[] = {
    {"and", TokenType::kLand},
    {"or", TokenType::kLor},
    {"unless", TokenType::kLunless},
    {"atan2", TokenType::kAtan2},
    {"sum", TokenType::kSum},
    {"avg", TokenType::kAvg},
    {"count", TokenType::kCount},
    {"min", TokenType::kMin},
    {"max", TokenType::kMax},
    {"group", TokenType::kGroup},
    {"stddev", TokenType::kStddev},
    {"stdvar", TokenType::kStdvar},
    {"topk", TokenType::kTopk},
    {"bottomk", TokenType::kBottomk},
    {"count_values", TokenType::kCountValues},
    {"quantile", TokenType::kQuantile},
    {"offset", TokenType::kOffset},
    {"by", TokenType::kBy},
    {"without", TokenType::kWithout},
    {"on", TokenType::kOn},
    {"ignoring", TokenType::kIgnoring},
    {"group_left", TokenType::kGroupLeft},
    {"group_right", TokenType::kGroupRight},
    {"bool", TokenType::kBool},
    {"start", TokenType::kStart},
    {"end", TokenType::kEnd},
    {"inf", TokenType::kNumber},
    {"nan", TokenType::kNumber},
};

bool LookupKeyword(std::string_view word, TokenType* type) {
  std::string lower(word);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  for (const auto& k : kKeywords) {
    if (k.word == lower) {
      *type = k.type;
      return true;
    }
  }
  return false;
}

// Go's %q of a rune: 'x', '\n', '\x00', or the UTF-8 character itself.
std::string QuoteRune(int r, std::string_view raw) {
  if (r == kEofRune) return "'\\x00'";
  if (r == '\'') return "'\\''";
  std::string q = GoQuote(raw);
  // GoQuote escapes '"' which a rune literal does not.
  if (q == "\"\\\"\"") return "'\"'";
  return "'" + q.substr(1, q.size() - 2) + "'";
}

class Lexer {
 public:
  explicit Lexer(std::string_view input) : input_(input) {}

  std::vector<Token> Run() {
    while (true) {
      if (!Step()) break;
      if (!tokens_.empty() &&
          (tokens_.back().type == TokenType::kEof || tokens_.back().type == TokenType::kError)) {
        break;
      }
    }
    return std::move(tokens_);
  }

 private:
  int Peek() const {
    if (pos_ >= input_.size()) return kEofRune;
    return static_cast<unsigned char>(input_[pos_]);
  }
  int Next() {
    if (pos_ >= input_.size()) {
      width_ = 0;
      return kEofRune;
    }
    // Advance over a whole UTF-8 sequence so that error messages quote complete runes.
    auto c = static_cast<unsigned char>(input_[pos_]);
    std::size_t w = 1;
    if (c >= 0xF0) {
      w = 4;
    } else if (c >= 0xE0) {
      w = 3;
    } else if (c >= 0xC0) {
      w = 2;
    }
    if (pos_ + w > input_.size()) w = 1;
    width_ = w;
    pos_ += w;
    return c;
  }
  void Backup() { pos_ -= width_; }
  std::string_view LastRune() const { return input_.substr(pos_ - width_, width_); }
  bool Accept(std::string_view valid) {
    int r = Next();
    if (r != kEofRune && valid.find(static_cast<char>(r)) != std::string_view::npos) return true;
    Backup();
    return false;
  }
  void AcceptRun(std::string_view valid) {
    while (Accept(valid)) {
    }
  }
  void Emit(TokenType t) {
    tokens_.push_back(
        Token{t, std::string(input_.substr(start_, pos_ - start_)), static_cast<int>(start_)});
    start_ = pos_;
  }
  void Ignore() { start_ = pos_; }
  // Returns false: lexing stops.
  bool Errorf(std::string message) {
    tokens_.push_back(Token{TokenType::kError, std::move(message), static_cast<int>(start_)});
    return false;
  }
  std::string Quoted(std::string_view s) const { return GoQuote(s); }

  // One state transition; false after an error or EOF.
  bool Step() {
    if (brace_open_) return InsideBraces();
    if (input_.substr(pos_).starts_with("#")) return LineComment();
    int r = Next();
    if (r == kEofRune) {
      if (paren_depth_ != 0) return Errorf("unclosed left parenthesis");
      if (bracket_open_) return Errorf("unclosed left bracket");
      Emit(TokenType::kEof);
      return false;
    }
    switch (r) {
      case ',':
        Emit(TokenType::kComma);
        return true;
      case ' ':
      case '\t':
      case '\n':
      case '\r':
        return Space();
      case '*':
        Emit(TokenType::kMul);
        return true;
      case '/':
        Emit(TokenType::kDiv);
        return true;
      case '%':
        Emit(TokenType::kMod);
        return true;
      case '+':
        Emit(TokenType::kAdd);
        return true;
      case '-':
        Emit(TokenType::kSub);
        return true;
      case '^':
        Emit(TokenType::kPow);
        return true;
      case '=': {
        int t = Peek();
        if (t == '=') {
          Next();
          Emit(TokenType::kEqlc);
        } else if (t == '~') {
          Next();
          return Errorf("unexpected character after '=': " + QuoteRune(t, LastRune()));
        } else {
          Emit(TokenType::kEql);
        }
        return true;
      }
      case '!': {
        int t = Next();
        if (t == '=') {
          Emit(TokenType::kNeq);
          return true;
        }
        return Errorf("unexpected character after '!': " +
                      QuoteRune(t, t == kEofRune ? std::string_view() : LastRune()));
      }
      case '<':
        if (Peek() == '=') {
          Next();
          Emit(TokenType::kLte);
        } else {
          Emit(TokenType::kLss);
        }
        return true;
      case '>':
        if (Peek() == '=') {
          Next();
          Emit(TokenType::kGte);
        } else {
          Emit(TokenType::kGtr);
        }
        return true;
      case '"':
      case '\'':
        string_open_ = static_cast<char>(r);
        return String();
      case '`':
        string_open_ = '`';
        return RawString();
      case '(':
        Emit(TokenType::kLeftParen);
        ++paren_depth_;
        return true;
      case ')':
        Emit(TokenType::kRightParen);
        --paren_depth_;
        if (paren_depth_ < 0) {
          tokens_.pop_back();
          return Errorf("unexpected right parenthesis ')'");
        }
        return true;
      case '{':
        Emit(TokenType::kLeftBrace);
        brace_open_ = true;
        return true;
      case '[':
        if (bracket_open_) return Errorf("unexpected left bracket '['");
        got_colon_ = false;
        Emit(TokenType::kLeftBracket);
        while (IsSpace(Peek())) Next();
        Ignore();
        bracket_open_ = true;
        return Duration();
      case ']':
        if (!bracket_open_) return Errorf("unexpected right bracket ']'");
        Emit(TokenType::kRightBracket);
        bracket_open_ = false;
        return true;
      case '@':
        Emit(TokenType::kAt);
        return true;
      default:
        break;
    }
    if (IsDigit(r) || (r == '.' && IsDigit(Peek()))) {
      Backup();
      return NumberOrDuration();
    }
    if (IsAlpha(r) || r == ':') {
      if (!bracket_open_) {
        Backup();
        return KeywordOrIdentifier();
      }
      if (got_colon_) return Errorf("unexpected colon ':'");
      Emit(TokenType::kColon);
      got_colon_ = true;
      return true;
    }
    return Errorf("unexpected character: " + QuoteRune(r, LastRune()));
  }

  bool InsideBraces() {
    if (input_.substr(pos_).starts_with("#")) return LineComment();
    int r = Next();
    if (r == kEofRune) return Errorf("unexpected end of input inside braces");
    if (IsSpace(r)) return Space();
    if (IsAlpha(r)) {
      Backup();
      while (IsAlphaNumeric(Next())) {
      }
      Backup();
      Emit(TokenType::kIdentifier);
      return true;
    }
    switch (r) {
      case ',':
        Emit(TokenType::kComma);
        return true;
      case '"':
      case '\'':
        string_open_ = static_cast<char>(r);
        return String();
      case '`':
        string_open_ = '`';
        return RawString();
      case '=':
        if (Next() == '~') {
          Emit(TokenType::kEqlRegex);
          return true;
        }
        Backup();
        Emit(TokenType::kEql);
        return true;
      case '!': {
        int nr = Next();
        if (nr == '~') {
          Emit(TokenType::kNeqRegex);
          return true;
        }
        if (nr == '=') {
          Emit(TokenType::kNeq);
          return true;
        }
        return Errorf("unexpected character after '!' inside braces: " +
                      QuoteRune(nr, nr == kEofRune ? std::string_view() : LastRune()));
      }
      case '{':
        return Errorf("unexpected left brace '{'");
      case '}':
        Emit(TokenType::kRightBrace);
        brace_open_ = false;
        return true;
      default:
        return Errorf("unexpected character inside braces: " + QuoteRune(r, LastRune()));
    }
  }

  bool Space() {
    while (IsSpace(Peek())) Next();
    Ignore();
    return true;
  }

  bool LineComment() {
    ++pos_;
    while (true) {
      int r = Next();
      if (r == '\n' || r == '\r' || r == kEofRune) break;
    }
    Backup();
    Ignore();  // comments are dropped (the parser skips them too)
    return true;
  }

  bool Escape() {
    int ch = Next();
    int n = 0;
    uint32_t base = 0;
    uint32_t max = 0;
    switch (ch) {
      case 'a':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
      case 'v':
      case '\\':
        return true;
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
        n = 3;
        base = 8;
        max = 255;
        break;
      case 'x':
        ch = Next();
        n = 2;
        base = 16;
        max = 255;
        break;
      case 'u':
        ch = Next();
        n = 4;
        base = 16;
        max = 0x10FFFF;
        break;
      case 'U':
        ch = Next();
        n = 8;
        base = 16;
        max = 0x10FFFF;
        break;
      case kEofRune:
        return Errorf("escape sequence not terminated");
      default:
        if (ch == string_open_) return true;
        return Errorf("unknown escape sequence " + GoRuneDescription(ch));
    }
    uint32_t x = 0;
    while (n > 0) {
      uint32_t d = DigitVal(ch);
      if (d >= base) {
        if (ch == kEofRune) return Errorf("escape sequence not terminated");
        return Errorf("illegal character " + GoRuneDescription(ch) + " in escape sequence");
      }
      x = x * base + d;
      --n;
      if (n > 0) ch = Next();
    }
    if (x > max || (x >= 0xD800 && x < 0xE000)) {
      return Errorf("escape sequence is an invalid Unicode code point");
    }
    return true;
  }

  static uint32_t DigitVal(int ch) {
    if (ch >= '0' && ch <= '9') return static_cast<uint32_t>(ch - '0');
    if (ch >= 'a' && ch <= 'f') return static_cast<uint32_t>(ch - 'a' + 10);
    if (ch >= 'A' && ch <= 'F') return static_cast<uint32_t>(ch - 'A' + 10);
    return 16;
  }

  // Go's %#U: U+0041 'A'.
  std::string GoRuneDescription(int ch) {
    if (ch == kEofRune) return "U+FFFFFFFF";
    char buf[32];
    std::snprintf(buf, sizeof(buf), "U+%04X", static_cast<unsigned>(ch));
    std::string out = buf;
    if (ch >= 0x20 && ch < 0x7F) {
      out += " '";
      out += static_cast<char>(ch);
      out += "'";
    }
    return out;
  }

  bool String() {
    while (true) {
      int r = Next();
      if (r == '\\') {
        if (!Escape()) return false;
        continue;
      }
      if (r == kEofRune || r == '\n') return Errorf("unterminated quoted string");
      if (r == string_open_) break;
    }
    Emit(TokenType::kString);
    return true;
  }

  bool RawString() {
    while (true) {
      int r = Next();
      if (r == kEofRune) return Errorf("unterminated raw string");
      if (r == string_open_) break;
    }
    Emit(TokenType::kString);
    return true;
  }

  // Prometheus' scanNumber: true when a number ends here (followed by a non-alphanumeric).
  bool ScanNumber() {
    std::string_view digits = "0123456789";
    if (Accept("0") && Accept("xX")) digits = "0123456789abcdefABCDEF";
    AcceptRun(digits);
    if (Accept(".")) AcceptRun(digits);
    if (Accept("eE")) {
      Accept("+-");
      AcceptRun("0123456789");
    }
    return !IsAlphaNumeric(Peek());
  }

  bool AcceptRemainingDuration() {
    if (!Accept("smhdwy")) return false;
    Accept("s");
    while (Accept("0123456789")) {
      AcceptRun("0123456789");
      if (!Accept("smhdw")) return false;
      Accept("s");
    }
    return !IsAlphaNumeric(Next());
  }

  bool NumberOrDuration() {
    if (ScanNumber()) {
      Emit(TokenType::kNumber);
      return true;
    }
    if (AcceptRemainingDuration()) {
      Backup();
      Emit(TokenType::kDuration);
      return true;
    }
    return Errorf("bad number or duration syntax: " + Quoted(input_.substr(start_, pos_ - start_)));
  }

  bool Duration() {
    if (ScanNumber()) return Errorf("missing unit character in duration");
    if (!AcceptRemainingDuration()) {
      return Errorf("bad duration syntax: " + Quoted(input_.substr(start_, pos_ - start_)));
    }
    Backup();
    Emit(TokenType::kDuration);
    return true;
  }

  bool KeywordOrIdentifier() {
    while (true) {
      int r = Next();
      if (IsAlphaNumeric(r) || r == ':') continue;
      Backup();
      break;
    }
    std::string_view word = input_.substr(start_, pos_ - start_);
    TokenType kw;
    if (LookupKeyword(word, &kw)) {
      Emit(kw);
    } else if (word.find(':') == std::string_view::npos) {
      Emit(TokenType::kIdentifier);
    } else {
      Emit(TokenType::kMetricIdentifier);
    }
    return true;
  }

  std::string_view input_;
  std::size_t pos_ = 0;
  std::size_t start_ = 0;
  std::size_t width_ = 0;
  int paren_depth_ = 0;
  bool brace_open_ = false;
  bool bracket_open_ = false;
  bool got_colon_ = false;
  char string_open_ = 0;
  std::vector<Token> tokens_;
};

}  // namespace

bool IsOperator(TokenType t) { return t >= TokenType::kAdd && t <= TokenType::kAt; }
bool IsAggregator(TokenType t) { return t >= TokenType::kAvg && t <= TokenType::kTopk; }
bool IsKeyword(TokenType t) { return t >= TokenType::kBool && t <= TokenType::kWithout; }

std::string Describe(const Token& token) {
  switch (token.type) {
    case TokenType::kEof:
      return "end of input";
    case TokenType::kError:
      return "error " + token.text;
    case TokenType::kIdentifier:
      return "identifier " + GoQuote(token.text);
    case TokenType::kMetricIdentifier:
      return "metric identifier " + GoQuote(token.text);
    default:
      break;
  }
  if (IsKeyword(token.type)) return "<" + token.text + ">";
  if (IsOperator(token.type)) return "<op:" + token.text + ">";
  if (IsAggregator(token.type)) return "<aggr:" + token.text + ">";
  std::string value;
  if (token.text.size() > 10) {
    value = GoQuote(token.text.substr(0, 10)) + "...";
  } else {
    value = GoQuote(token.text);
  }
  switch (token.type) {
    case TokenType::kNumber:
      return "number " + value;
    case TokenType::kString:
      return "string " + value;
    case TokenType::kDuration:
      return "duration " + value;
    default:
      return value;
  }
}

std::vector<Token> Tokenize(std::string_view input) { return Lexer(input).Run(); }

}  // namespace nca::alerts::promql::lex
