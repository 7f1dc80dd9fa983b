// The parser of Go's text/template (text/template/parse/parse.go, re-implemented) for the subset
// template.h describes: tokens from lex.h in, the tree of tree.h out.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alerts/templates/functions.h"
#include "alerts/templates/lex.h"
#include "alerts/templates/tree.h"

namespace nca::alerts::templates {

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

using lex::Tok;
using lex::Token;
using lex::TokenString;

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
        // "else if" chains are handled by the caller. Go 1.19/1.20 (Prometheus 2.42) has no
        // "else with" (Go 1.23): like "{{else 3}}", it is "unexpected <with> in else".
        if (PeekNonSpace().type == Tok::kIf) {
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
    auto n = std::make_shared<Node>();
    n->kind = kind;
    n->pos = pos;
    return Branches(std::move(n), ctx);
  }

  // The rest of an "else if" node, up to the {{end}} it shares with its parent.
  std::shared_ptr<Node> ElseChain(std::shared_ptr<Node> n, const std::string& ctx) {
    const Nested guard(*this, Peek());
    return Branches(std::move(n), ctx);
  }

  // Parses the pipeline of an if/with/range node `n`, its list, and its {{else}} branch up to
  // {{end}}. {{else if}} in an if becomes a nested if, alone in else_list, that shares the
  // {{end}}.
  std::shared_ptr<Node> Branches(std::shared_ptr<Node> n, const std::string& ctx) {
    std::size_t saved_vars = vars_.size();
    n->pipe = ParsePipe(ctx, Tok::kRightDelim);
    while (true) {
      if (Peek().type == Tok::kEOF) Fail(Peek(), "unexpected EOF");
      Item it = TextOrAction();
      if (it.end_kind == Tok::kEnd) break;
      if (it.end_kind == Tok::kElse) {
        vars_.resize(saved_vars);
        if (n->kind == NodeKind::kIf && PeekNonSpace().type == Tok::kIf) {
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

}  // namespace

Result<std::shared_ptr<Node>> ParseTree(const std::string& name, std::string_view text) {
  Parser parser(name, lex::Lex(text));
  try {
    return parser.ParseAll();
  } catch (const ParseError& e) {
    return MakeError(ErrorKind::kInvalidArgument, e.msg);
  }
}

}  // namespace nca::alerts::templates
