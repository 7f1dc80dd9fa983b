#include "alerts/templates/template.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "alerts/templates/functions.h"

namespace nca::alerts::templates {

// ---------------------------------------------------------------------------------------------
// Lexer (text/template/parse/lex.go, re-implemented).

namespace {

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

// ---------------------------------------------------------------------------------------------
// Parse tree.

enum class ArgKind { kField, kVariable, kDot, kIdent, kString, kNumber, kBool, kNil, kPipe };

struct Pipe;

struct Arg {
  ArgKind kind = ArgKind::kNil;
  int pos = 0;
  std::string text;                // as written (for error contexts)
  std::string name;                // variable name ("$x"), identifier, or string value
  std::vector<std::string> chain;  // field names following the operand
  bool is_int = false;             // number literal kind
  int64_t int_value = 0;
  double float_value = 0;
  bool bool_value = false;
  std::shared_ptr<Pipe> pipe;  // kPipe
};

struct Command {
  int pos = 0;
  std::vector<Arg> args;
  std::string String() const;
};

struct Pipe {
  int pos = 0;
  bool is_assign = false;
  std::vector<std::string> decls;
  std::vector<Command> cmds;
  std::string String() const;
};

enum class NodeKind { kList, kText, kAction, kIf, kWith, kRange };

struct Node {
  NodeKind kind = NodeKind::kList;
  int pos = 0;
  std::string text;                         // kText
  std::shared_ptr<Pipe> pipe;               // action / control
  std::vector<std::shared_ptr<Node>> list;  // kList; body of control nodes
  std::vector<std::shared_ptr<Node>> else_list;
};

namespace {

std::string ArgString(const Arg& a) {
  std::string s;
  switch (a.kind) {
    case ArgKind::kPipe:
      s = "(" + a.pipe->String() + ")";
      break;
    default:
      s = a.text;
      break;
  }
  for (const auto& f : a.chain) s += "." + f;
  return s;
}

}  // namespace

std::string Command::String() const {
  std::string s;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i > 0) s += ' ';
    s += ArgString(args[i]);
  }
  return s;
}

std::string Pipe::String() const {
  std::string s;
  if (!decls.empty()) {
    for (std::size_t i = 0; i < decls.size(); ++i) {
      if (i > 0) s += ", ";
      s += decls[i];
    }
    s += is_assign ? " = " : " := ";
  }
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    if (i > 0) s += " | ";
    s += cmds[i].String();
  }
  return s;
}

namespace {

class ParseError {
 public:
  std::string msg;
};

std::string UnquoteGo(const std::string& quoted) {
  std::string out;
  for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
    char c = quoted[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    ++i;
    char e = quoted[i];
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case '\'':
        out += '\'';
        break;
      case 'x': {
        if (i + 2 < quoted.size()) {
          out += static_cast<char>(std::strtol(quoted.substr(i + 1, 2).c_str(), nullptr, 16));
          i += 2;
        }
        break;
      }
      default:
        out += '\\';
        out += e;
        break;
    }
  }
  return out;
}

class Parser {
 public:
  Parser(std::string name, std::vector<Token> toks)
      : name_(std::move(name)), toks_(std::move(toks)) {
    vars_.push_back("$");
  }

  std::shared_ptr<Node> ParseAll() {
    auto root = std::make_shared<Node>();
    root->kind = NodeKind::kList;
    while (Peek().type != Tok::kEOF) {
      if (Peek().type == Tok::kError) Fail(Peek(), Peek().val);
      auto n = TextOrAction();
      if (n.end_kind != Tok::kEOF) {
        Fail(n.end_tok,
             "unexpected " + std::string(n.end_kind == Tok::kEnd ? "{{end}}" : "{{else}}"));
      }
      if (n.node) root->list.push_back(n.node);
    }
    return root;
  }

 private:
  struct Item {
    std::shared_ptr<Node> node;
    Tok end_kind = Tok::kEOF;  // kEnd / kElse when the action was {{end}} / {{else}}
    Token end_tok;
  };

  [[noreturn]] void Fail(const Token& at, const std::string& msg) {
    throw ParseError{"template: " + name_ + ":" + std::to_string(at.line) + ": " + msg};
  }

  // Actions, control structures and parenthesized pipelines nest: parsing, executing and freeing
  // the tree recurse once per level, so the depth is bounded (Go's parser stops at 10000 with
  // this message; a C++ stack holds less, and real templates nest a few levels).
  static constexpr int kMaxDepth = 256;
  struct Nested {
    Nested(Parser& p, const Token& at) : parser(p) {
      if (parser.depth_ >= kMaxDepth) parser.Fail(at, "max expression depth exceeded");
      ++parser.depth_;
    }
    ~Nested() { --parser.depth_; }
    Nested(const Nested&) = delete;
    Nested& operator=(const Nested&) = delete;
    Parser& parser;
  };

  const Token& Peek() const { return toks_[std::min(i_, toks_.size() - 1)]; }
  Token Next() {
    Token t = Peek();
    if (i_ < toks_.size()) ++i_;
    return t;
  }
  const Token& PeekNonSpace() {
    while (Peek().type == Tok::kSpace) ++i_;
    return Peek();
  }
  Token NextNonSpace() {
    PeekNonSpace();
    return Next();
  }
  Token Expect(Tok t, const std::string& context) {
    Token tok = NextNonSpace();
    if (tok.type != t) Unexpected(tok, context);
    return tok;
  }
  [[noreturn]] void Unexpected(const Token& t, const std::string& context) {
    if (t.type == Tok::kError) {
      Fail(t, t.val);
    }
    Fail(t, "unexpected " + TokenString(t) + " in " + context);
  }

  Item TextOrAction() {
    Token t = Next();
    if (t.type == Tok::kText) {
      auto n = std::make_shared<Node>();
      n->kind = NodeKind::kText;
      n->pos = t.pos;
      n->text = t.val;
      return {n, Tok::kEOF, {}};
    }
    if (t.type == Tok::kLeftDelim) {
      return Action();
    }
    if (t.type == Tok::kError) Fail(t, t.val);
    Unexpected(t, "input");
  }

  Item Action() {
    const Token& t = PeekNonSpace();
    const Nested guard(*this, t);
    switch (t.type) {
      case Tok::kElse: {
        Token e = Next();
        // "else if" / "else with" chains are handled by the caller.
        if (PeekNonSpace().type == Tok::kIf || PeekNonSpace().type == Tok::kWith) {
          return {nullptr, Tok::kElse, e};
        }
        Expect(Tok::kRightDelim, "else");
        return {nullptr, Tok::kElse, e};
      }
      case Tok::kEnd: {
        Token e = Next();
        Expect(Tok::kRightDelim, "end");
        return {nullptr, Tok::kEnd, e};
      }
      case Tok::kIf:
        Next();
        return {Control(NodeKind::kIf, "if", t.pos), Tok::kEOF, {}};
      case Tok::kWith:
        Next();
        return {Control(NodeKind::kWith, "with", t.pos), Tok::kEOF, {}};
      case Tok::kRange:
        Next();
        return {Control(NodeKind::kRange, "range", t.pos), Tok::kEOF, {}};
      case Tok::kDefine:
      case Tok::kTemplate:
      case Tok::kBlock:
      case Tok::kBreak:
      case Tok::kContinue:
        Fail(t, "{{" + t.val + "}} is not supported by the agent");
      default:
        break;
    }
    auto n = std::make_shared<Node>();
    n->kind = NodeKind::kAction;
    n->pos = PeekNonSpace().pos;
    n->pipe = ParsePipe("command", Tok::kRightDelim);
    return {n, Tok::kEOF, {}};
  }

  std::shared_ptr<Node> Control(NodeKind kind, const std::string& ctx, int pos) {
    std::size_t saved_vars = vars_.size();
    auto n = std::make_shared<Node>();
    n->kind = kind;
    n->pos = pos;
    n->pipe = ParsePipe(ctx, Tok::kRightDelim);
    while (true) {
      if (Peek().type == Tok::kEOF) Fail(Peek(), "unexpected EOF");
      Item it = TextOrAction();
      if (it.end_kind == Tok::kEnd) break;
      if (it.end_kind == Tok::kElse) {
        if (kind == NodeKind::kIf && PeekNonSpace().type == Tok::kIf) {
          // {{else if ...}}: a nested if that shares our {{end}}.
          Token ift = Next();
          vars_.resize(saved_vars);
          n->else_list.push_back(ElseIf(ift.pos));
          break;
        }
        if (kind == NodeKind::kWith && PeekNonSpace().type == Tok::kWith) {
          Token wt = Next();
          vars_.resize(saved_vars);
          auto nested = std::make_shared<Node>();
          nested->kind = NodeKind::kWith;
          nested->pos = wt.pos;
          n->else_list.push_back(ElseChain(nested, "with"));
          break;
        }
        vars_.resize(saved_vars);
        while (true) {
          if (Peek().type == Tok::kEOF) Fail(Peek(), "unexpected EOF");
          Item e = TextOrAction();
          if (e.end_kind == Tok::kEnd) break;
          if (e.end_kind == Tok::kElse) Fail(e.end_tok, "expected end; found {{else}}");
          if (e.node) n->else_list.push_back(e.node);
        }
        break;
      }
      if (it.node) n->list.push_back(it.node);
    }
    vars_.resize(saved_vars);
    return n;
  }

  std::shared_ptr<Node> ElseIf(int pos) {
    auto nested = std::make_shared<Node>();
    nested->kind = NodeKind::kIf;
    nested->pos = pos;
    return ElseChain(nested, "if");
  }

  // Parses the rest of an "else if"/"else with" node up to the shared {{end}}.
  std::shared_ptr<Node> ElseChain(std::shared_ptr<Node> n, const std::string& ctx) {
    const Nested guard(*this, Peek());
    std::size_t saved_vars = vars_.size();
    n->pipe = ParsePipe(ctx, Tok::kRightDelim);
    while (true) {
      if (Peek().type == Tok::kEOF) Fail(Peek(), "unexpected EOF");
      Item it = TextOrAction();
      if (it.end_kind == Tok::kEnd) break;
      if (it.end_kind == Tok::kElse) {
        vars_.resize(saved_vars);
        if (PeekNonSpace().type == (n->kind == NodeKind::kIf ? Tok::kIf : Tok::kWith)) {
          Token t = Next();
          auto nested = std::make_shared<Node>();
          nested->kind = n->kind;
          nested->pos = t.pos;
          n->else_list.push_back(ElseChain(nested, ctx));
          break;
        }
        while (true) {
          if (Peek().type == Tok::kEOF) Fail(Peek(), "unexpected EOF");
          Item e = TextOrAction();
          if (e.end_kind == Tok::kEnd) break;
          if (e.end_kind == Tok::kElse) Fail(e.end_tok, "expected end; found {{else}}");
          if (e.node) n->else_list.push_back(e.node);
        }
        break;
      }
      if (it.node) n->list.push_back(it.node);
    }
    vars_.resize(saved_vars);
    return n;
  }

  std::shared_ptr<Pipe> ParsePipe(const std::string& context, Tok end) {
    const Nested guard(*this, PeekNonSpace());
    auto pipe = std::make_shared<Pipe>();
    pipe->pos = PeekNonSpace().pos;
    // Declarations: $x := / $x = / $k, $v :=
    std::size_t save = i_;
    if (PeekNonSpace().type == Tok::kVariable) {
      Token v = Next();
      const Token& next = PeekNonSpace();
      if (next.type == Tok::kDeclare || next.type == Tok::kAssign) {
        pipe->is_assign = next.type == Tok::kAssign;
        Next();
        pipe->decls.push_back(v.val);
        if (!pipe->is_assign) vars_.push_back(v.val);
      } else if (next.type == Tok::kComma && context == "range") {
        Next();
        Token v2 = Expect(Tok::kVariable, "range");
        Token d = NextNonSpace();
        if (d.type != Tok::kDeclare && d.type != Tok::kAssign) Unexpected(d, "range");
        pipe->decls = {v.val, v2.val};
        pipe->is_assign = d.type == Tok::kAssign;
        if (!pipe->is_assign) {
          vars_.push_back(v.val);
          vars_.push_back(v2.val);
        }
      } else {
        i_ = save;
      }
      if (pipe->is_assign) {
        for (const auto& d : pipe->decls) {
          if (std::find(vars_.begin(), vars_.end(), d) == vars_.end()) {
            Fail(v, "undefined variable \"" + d + "\"");
          }
        }
      }
    }
    while (true) {
      const Token& t = PeekNonSpace();
      if (t.type == end) {
        Next();
        if (pipe->cmds.empty()) Fail(t, "missing value for " + context);
        for (std::size_t k = 1; k < pipe->cmds.size(); ++k) {
          ArgKind first = pipe->cmds[k].args[0].kind;
          if (first == ArgKind::kBool || first == ArgKind::kDot || first == ArgKind::kNil ||
              first == ArgKind::kNumber || first == ArgKind::kString) {
            Fail(t, "non executable command in pipeline stage " + std::to_string(k + 1));
          }
        }
        return pipe;
      }
      switch (t.type) {
        case Tok::kBool:
        case Tok::kChar:
        case Tok::kDot:
        case Tok::kField:
        case Tok::kIdent:
        case Tok::kNumber:
        case Tok::kNil:
        case Tok::kRawString:
        case Tok::kString:
        case Tok::kVariable:
        case Tok::kLParen:
          pipe->cmds.push_back(ParseCommand());
          break;
        case Tok::kError:
          Fail(t, t.val);
        default:
          Unexpected(t, context);
      }
    }
  }

  Command ParseCommand() {
    Command cmd;
    cmd.pos = PeekNonSpace().pos;
    while (true) {
      PeekNonSpace();
      std::optional<Arg> op = Operand();
      if (op) cmd.args.push_back(std::move(*op));
      const Token& t = Peek();
      switch (t.type) {
        case Tok::kSpace:
          continue;
        case Tok::kRightDelim:
        case Tok::kRParen:
          break;
        case Tok::kPipe:
          Next();
          break;
        case Tok::kError:
          Fail(t, t.val);
        default:
          Unexpected(t, "operand");
      }
      break;
    }
    if (cmd.args.empty()) Fail(Peek(), "empty command");
    return cmd;
  }

  std::optional<Arg> Operand() {
    std::optional<Arg> a = Term();
    if (!a) return a;
    while (Peek().type == Tok::kField) {
      Token f = Next();
      if (a->kind == ArgKind::kBool || a->kind == ArgKind::kString || a->kind == ArgKind::kNumber ||
          a->kind == ArgKind::kNil || a->kind == ArgKind::kDot) {
        Fail(f, "unexpected . after term \"" + ArgString(*a) + "\"");
      }
      a->chain.push_back(f.val.substr(1));
    }
    return a;
  }

  std::optional<Arg> Term() {
    const Token& t = PeekNonSpace();
    Arg a;
    a.pos = t.pos;
    a.text = t.val;
    switch (t.type) {
      case Tok::kIdent: {
        Token tok = Next();
        if (!IsKnownFunction(tok.val)) Fail(tok, "function \"" + tok.val + "\" not defined");
        a.kind = ArgKind::kIdent;
        a.name = tok.val;
        return a;
      }
      case Tok::kDot:
        Next();
        a.kind = ArgKind::kDot;
        return a;
      case Tok::kNil:
        Next();
        a.kind = ArgKind::kNil;
        return a;
      case Tok::kVariable: {
        Token tok = Next();
        if (std::find(vars_.begin(), vars_.end(), tok.val) == vars_.end()) {
          Fail(tok, "undefined variable \"" + tok.val + "\"");
        }
        a.kind = ArgKind::kVariable;
        a.name = tok.val;
        return a;
      }
      case Tok::kField: {
        Token tok = Next();
        a.kind = ArgKind::kField;
        a.chain.push_back(tok.val.substr(1));
        a.text = "";
        return a;
      }
      case Tok::kBool:
        Next();
        a.kind = ArgKind::kBool;
        a.bool_value = t.val == "true";
        return a;
      case Tok::kNumber:
      case Tok::kChar: {
        Token tok = Next();
        a.kind = ArgKind::kNumber;
        if (tok.type == Tok::kChar) {
          a.is_int = true;
          std::string inner = UnquoteGo("\"" + tok.val.substr(1, tok.val.size() - 2) + "\"");
          a.int_value = inner.empty() ? 0 : static_cast<unsigned char>(inner[0]);
          a.float_value = static_cast<double>(a.int_value);
          return a;
        }
        std::string text = tok.val;
        std::string clean;
        for (char c : text) {
          if (c != '_') clean += c;
        }
        bool has_float_marks =
            clean.find_first_of(".eEpP") != std::string::npos &&
            !(clean.size() > 2 &&
              (clean[1] == 'x' || clean[1] == 'X' ||
               ((clean[0] == '-' || clean[0] == '+') && (clean[2] == 'x' || clean[2] == 'X'))));
        if (!has_float_marks) {
          errno = 0;
          char* end = nullptr;
          long long v = std::strtoll(clean.c_str(), &end, 0);
          if (end == clean.c_str() + clean.size() && errno == 0) {
            a.is_int = true;
            a.int_value = v;
            a.float_value = static_cast<double>(v);
            return a;
          }
        }
        a.is_int = false;
        a.float_value = std::strtod(clean.c_str(), nullptr);
        return a;
      }
      case Tok::kString:
      case Tok::kRawString: {
        Token tok = Next();
        a.kind = ArgKind::kString;
        a.name =
            tok.type == Tok::kString ? UnquoteGo(tok.val) : tok.val.substr(1, tok.val.size() - 2);
        return a;
      }
      case Tok::kLParen: {
        Token tok = Next();
        a.kind = ArgKind::kPipe;
        a.pipe = ParsePipe("parenthesized pipeline", Tok::kRParen);
        return a;
      }
      default:
        return std::nullopt;
    }
  }

  std::string name_;
  std::vector<Token> toks_;
  std::size_t i_ = 0;
  std::vector<std::string> vars_;  // variables in scope
  int depth_ = 0;                  // active Nested scopes
};

// ---------------------------------------------------------------------------------------------
// Execution.

class ExecError {
 public:
  std::string msg;
};

class Executor {
 public:
  Executor(const std::string& name, const std::string& text, const QueryFunc& query)
      : name_(name), text_(text), query_(query) {}

  std::string Run(const Node& root, const Value& data) {
    vars_.push_back({"$", data});
    std::string out;
    Walk(data, root, out);
    return out;
  }

 private:
  [[noreturn]] void Fail(int pos, const std::string& context, const std::string& msg) {
    std::string_view before = std::string_view(text_).substr(0, static_cast<std::size_t>(pos));
    int line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    std::size_t nl = before.rfind('\n');
    int col = nl == std::string_view::npos ? pos : pos - static_cast<int>(nl) - 1;
    throw ExecError{"template: " + name_ + ":" + std::to_string(line) + ":" + std::to_string(col) +
                    ": executing \"" + name_ + "\" at <" + context + ">: " + msg};
  }

  void Walk(const Value& dot, const Node& n, std::string& out) {
    switch (n.kind) {
      case NodeKind::kList:
        for (const auto& c : n.list) Walk(dot, *c, out);
        return;
      case NodeKind::kText:
        out += n.text;
        return;
      case NodeKind::kAction: {
        Value v = EvalPipe(dot, *n.pipe);
        if (n.pipe->decls.empty()) out += GoPrint(v);
        return;
      }
      case NodeKind::kIf:
      case NodeKind::kWith: {
        std::size_t mark = vars_.size();
        Value v = EvalPipe(dot, *n.pipe);
        if (v.Truth()) {
          const Value& d = n.kind == NodeKind::kWith ? v : dot;
          for (const auto& c : n.list) Walk(d, *c, out);
        } else {
          for (const auto& c : n.else_list) Walk(dot, *c, out);
        }
        vars_.resize(mark);
        return;
      }
      case NodeKind::kRange: {
        std::size_t mark = vars_.size();
        Pipe p = *n.pipe;
        std::vector<std::string> decls = p.decls;
        p.decls.clear();
        Value v = EvalPipe(dot, p);
        bool any = false;
        if (v.kind() == Value::Kind::kRecord && v.AsRecord().kind != Record::Kind::kStruct) {
          for (const auto& [k, elem] : v.AsRecord().fields) {
            any = true;
            std::size_t inner = vars_.size();
            if (decls.size() == 1) {
              SetVar(decls[0], elem, n.pipe->is_assign);
            } else if (decls.size() == 2) {
              SetVar(decls[0], Value::Str(k), n.pipe->is_assign);
              SetVar(decls[1], elem, n.pipe->is_assign);
            }
            for (const auto& c : n.list) Walk(elem, *c, out);
            vars_.resize(std::max(inner, mark));
          }
        } else if (v.kind() == Value::Kind::kList) {
          const std::vector<Value>& elems = v.AsList();
          for (std::size_t idx = 0; idx < elems.size(); ++idx) {
            any = true;
            std::size_t inner = vars_.size();
            if (decls.size() == 1) {
              SetVar(decls[0], elems[idx], n.pipe->is_assign);
            } else if (decls.size() == 2) {
              SetVar(decls[0], Value::Int(static_cast<int64_t>(idx)), n.pipe->is_assign);
              SetVar(decls[1], elems[idx], n.pipe->is_assign);
            }
            for (const auto& c : n.list) Walk(elems[idx], *c, out);
            vars_.resize(std::max(inner, mark));
          }
        } else if (v.IsSample()) {
          Fail(n.pos, "range " + n.pipe->String(), "range can't iterate over " + GoPrint(v));
        } else if (!v.is_nil() && v.kind() != Value::Kind::kRecord) {
          Fail(n.pos, "range " + n.pipe->String(), "range can't iterate over " + GoPrint(v));
        }
        if (!any) {
          for (const auto& c : n.else_list) Walk(dot, *c, out);
        }
        vars_.resize(mark);
        return;
      }
    }
  }

  void SetVar(const std::string& name, Value v, bool assign) {
    if (assign) {
      for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
        if (it->first == name) {
          it->second = std::move(v);
          return;
        }
      }
    }
    vars_.emplace_back(name, std::move(v));
  }

  Value EvalPipe(const Value& dot, const Pipe& p) {
    Value v;
    bool have_final = false;
    for (const auto& cmd : p.cmds) {
      v = EvalCommand(dot, cmd, have_final ? &v : nullptr);
      have_final = true;
    }
    for (const auto& d : p.decls) SetVar(d, v, p.is_assign);
    return v;
  }

  Value EvalCommand(const Value& dot, const Command& cmd, const Value* final) {
    const Arg& first = cmd.args[0];
    if (first.kind == ArgKind::kIdent) {
      return Call(dot, cmd, final);
    }
    if (cmd.args.size() > 1 || final != nullptr) {
      if (first.kind == ArgKind::kField || first.kind == ArgKind::kVariable ||
          first.kind == ArgKind::kDot || first.kind == ArgKind::kPipe) {
        if (first.chain.empty() && first.kind != ArgKind::kField) {
          Fail(cmd.pos, cmd.String(), "can't give argument to non-function " + ArgString(first));
        }
        Fail(first.pos, ArgString(first),
             "can't give argument to non-function " + ArgString(first));
      }
      Fail(cmd.pos, cmd.String(), "can't give argument to non-function " + ArgString(first));
    }
    return EvalArg(dot, first);
  }

  Value EvalArg(const Value& dot, const Arg& a) {
    Value base;
    switch (a.kind) {
      case ArgKind::kField:
        base = dot;
        break;
      case ArgKind::kVariable: {
        bool found = false;
        for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
          if (it->first == a.name) {
            base = it->second;
            found = true;
            break;
          }
        }
        if (!found) Fail(a.pos, a.text, "undefined variable: " + a.name);
        break;
      }
      case ArgKind::kDot:
        return dot;
      case ArgKind::kString:
        return Value::Str(a.name);
      case ArgKind::kNumber:
        return a.is_int ? Value::Int(a.int_value) : Value::Float(a.float_value);
      case ArgKind::kBool:
        return Value::Bool(a.bool_value);
      case ArgKind::kNil:
        Fail(a.pos, "nil", "nil is not a command");
      case ArgKind::kPipe:
        base = EvalPipe(dot, *a.pipe);
        break;
      case ArgKind::kIdent: {
        Command c;
        c.pos = a.pos;
        c.args.push_back(a);
        Value v = Call(dot, c, nullptr);
        return v;
      }
    }
    for (const auto& field : a.chain) {
      base = Field(base, field, a);
    }
    return base;
  }

  Value Field(const Value& receiver, const std::string& field, const Arg& a) {
    if (receiver.kind() == Value::Kind::kRecord) {
      const Record& r = receiver.AsRecord();
      auto it = r.fields.find(field);
      if (it != r.fields.end()) return it->second;
      switch (r.kind) {
        case Record::Kind::kStringMap:
          return Value::Str("");
        case Record::Kind::kInterfaceMap:
          return Value();
        case Record::Kind::kStruct:
          Fail(a.pos, ArgString(a), "can't evaluate field " + field + " in type " + r.go_type);
      }
    }
    if (receiver.is_nil()) {
      Fail(a.pos, ArgString(a), "nil pointer evaluating interface {}." + field);
    }
    Fail(a.pos, ArgString(a),
         "can't evaluate field " + field + " in type " + receiver.GoTypeName());
  }

  Value Call(const Value& dot, const Command& cmd, const Value* final) {
    const Arg& fn = cmd.args[0];
    const std::string& name = fn.name;
    // and/or evaluate lazily (Go 1.18+).
    if (name == "and" || name == "or") {
      std::size_t n = cmd.args.size() - 1 + (final ? 1 : 0);
      if (n < 1) {
        Fail(fn.pos, fn.text, "wrong number of args for " + name + ": want at least 1 got 0");
      }
      Value v;
      for (std::size_t k = 1; k <= n; ++k) {
        v = k < cmd.args.size() ? EvalArg(dot, cmd.args[k]) : *final;
        if ((name == "and") != v.Truth()) return v;
      }
      return v;
    }
    std::vector<Value> args;
    std::vector<const Arg*> arg_nodes;
    for (std::size_t k = 1; k < cmd.args.size(); ++k) {
      // Go's evalArg: a nil argument is the zero value of a nilable parameter (a list or a
      // sample here); only a command cannot be nil.
      args.push_back(cmd.args[k].kind == ArgKind::kNil && cmd.args[k].chain.empty()
                         ? Value()
                         : EvalArg(dot, cmd.args[k]));
      arg_nodes.push_back(&cmd.args[k]);
    }
    if (final) {
      args.push_back(*final);
      arg_nodes.push_back(nullptr);
    }
    CallResult r = CallFunction(name, args, query_);
    switch (r.error) {
      case CallError::kNone:
        break;
      case CallError::kArgCount:
        Fail(fn.pos, fn.text, r.message);
      case CallError::kArgType: {
        const Arg* node = r.arg_index < arg_nodes.size() ? arg_nodes[r.arg_index] : nullptr;
        if (node && !r.go_type.empty() &&
            (node->kind == ArgKind::kString || node->kind == ArgKind::kNumber ||
             node->kind == ArgKind::kBool)) {
          // Go's evalArg: a constant cannot become a slice or pointer parameter.
          Fail(node->pos, ArgString(*node),
               "can't handle " + ArgString(*node) + " for arg of type " + r.go_type);
        }
        if (node && node->kind == ArgKind::kNil && r.go_type.empty()) {
          Fail(node->pos, "nil", "cannot assign nil to string");
        }
        if (node) Fail(node->pos, ArgString(*node), r.message);
        Fail(cmd.pos, cmd.String(), r.message);
      }
      case CallError::kCall:
        Fail(cmd.pos, cmd.String(), "error calling " + name + ": " + r.message);
    }
    Value v = std::move(r.value);
    for (const auto& field : fn.chain) v = Field(v, field, fn);
    return v;
  }

  const std::string& name_;
  const std::string& text_;
  const QueryFunc& query_;
  std::vector<std::pair<std::string, Value>> vars_;
};

}  // namespace

Result<Template> Template::Parse(std::string name, std::string_view text) {
  Lexer lexer(text);
  std::vector<Token> toks = lexer.Run();
  Parser parser(name, std::move(toks));
  try {
    auto root = parser.ParseAll();
    return Template(std::move(name), std::string(text), std::move(root));
  } catch (const ParseError& e) {
    return MakeError(ErrorKind::kInvalidArgument, e.msg);
  }
}

Result<std::string> Template::Execute(const Value& data, const QueryFunc& query) const {
  Executor ex(name_, text_, query);
  try {
    return ex.Run(*root_, data);
  } catch (const ExecError& e) {
    return MakeError(ErrorKind::kInvalidArgument, e.msg);
  }
}

Status CheckAlertTemplate(std::string_view rule_name, std::string_view text) {
  std::string full(kAlertTemplatePreamble);
  full += text;
  auto t = Template::Parse("__alert_" + std::string(rule_name), full);
  if (!t.ok()) return t.error();
  return OkStatus();
}

namespace {

Value AlertData(const AlertTemplateData& d) {
  auto rec = std::make_shared<Record>();
  rec->kind = Record::Kind::kStruct;
  rec->go_type =
      "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; "
      "Value float64 }";
  rec->fields.emplace("Labels", Value::StringMap(d.labels));
  rec->fields.emplace("ExternalLabels", Value::StringMap(d.external_labels));
  rec->fields.emplace("ExternalURL", Value::Str(d.external_url));
  rec->fields.emplace("Value", Value::Float(d.value));
  return Value::Rec(std::move(rec));
}

}  // namespace

std::string ExpandAlertTemplate(std::string_view rule_name, std::string_view text,
                                const AlertTemplateData& data) {
  std::string name = "__alert_" + std::string(rule_name);
  std::string full(kAlertTemplatePreamble);
  full += text;
  auto t = Template::Parse(name, full);
  if (!t.ok()) {
    return "<error expanding template: error parsing template " + name + ": " + t.error().message +
           ">";
  }
  auto out = t->Execute(AlertData(data), data.query);
  if (!out.ok()) {
    return "<error expanding template: error executing template " + name + ": " +
           out.error().message + ">";
  }
  return std::move(out).value();
}

}  // namespace nca::alerts::templates
