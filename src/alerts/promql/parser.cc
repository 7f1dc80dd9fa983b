#include "alerts/promql/parser.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "alerts/promql/lexer.h"
#include "alerts/promql/parse_util.h"
#include "alerts/promql/value.h"

namespace nca::alerts::promql {

namespace {

using lex::Token;
using lex::TokenType;
using namespace parse_util;  // NOLINT(google-build-using-namespace): the parser's own helpers

struct ParseError {
  int pos = 0;
  std::string message;
};

// Thrown inside the parser for a syntax error (yacc stops there too); never escapes Parse().
struct SyntaxAbort {};

// How deep expressions may nest (parentheses, operands, arguments, operator chains). Parsing,
// type checking, printing, evaluating and freeing a tree all recurse once per level, so without a
// bound a few KB of "((((" or "1+1+1+..." overflow the stack. Prometheus has no such limit (Go
// stacks grow); real expressions nest a few tens of levels at most.
constexpr int kMaxExprDepth = 256;

class Parser {
 public:
  explicit Parser(std::string_view input) : input_(input), tokens_(lex::Tokenize(input)) {
    for (std::size_t i = 0; i < input_.size(); ++i) {
      if (input_[i] == '\n') breaks_.push_back(static_cast<int>(i));
    }
  }

  Result<ExprPtr> Run() {
    ExprPtr expr;
    try {
      if (Peek().type == TokenType::kEof) {
        AddError(0, "no expression found in input");
        throw SyntaxAbort{};
      }
      expr = ParseExpr(0);
      if (Peek().type != TokenType::kEof) Unexpected("", "");
    } catch (const SyntaxAbort&) {
      return MakeError(ErrorKind::kInvalidArgument, ErrorText());
    }
    if (errors_.empty()) CheckAst(*expr);
    if (!errors_.empty()) return MakeError(ErrorKind::kInvalidArgument, ErrorText());
    return expr;
  }

 private:
  const Token& Peek(std::size_t k = 0) const {
    std::size_t i = std::min(idx_ + k, tokens_.size() - 1);
    return tokens_[i];
  }
  const Token& Next() {
    const Token& t = tokens_[std::min(idx_, tokens_.size() - 1)];
    if (idx_ < tokens_.size() - 1) ++idx_;
    last_end_ = t.pos + static_cast<int>(t.text.size());
    return t;
  }
  bool Accept(TokenType t) {
    if (Peek().type != t) return false;
    Next();
    return true;
  }

  void AddError(int pos, std::string message) {
    errors_.push_back(ParseError{pos, std::move(message)});
  }

  // Prometheus' unexpected(): "unexpected <token>[ in <context>][, expected <expected>]", at the
  // current token; a lexer error is reported as itself.
  [[noreturn]] void Unexpected(std::string_view context, std::string_view expected) {
    const Token& t = Peek();
    if (t.type == TokenType::kError) {
      AddError(t.pos, t.text);
      throw SyntaxAbort{};
    }
    std::string msg = "unexpected " + lex::Describe(t);
    if (!context.empty()) {
      msg += " in ";
      msg += context;
    }
    if (!expected.empty()) {
      msg += ", expected ";
      msg += expected;
    }
    AddError(t.pos, std::move(msg));
    throw SyntaxAbort{};
  }

  [[noreturn]] void Unsupported(int pos, std::string message) {
    AddError(pos, std::move(message));
    throw SyntaxAbort{};
  }

  // The 1-based line of byte offset `pos` and the offset of the '\n' before it (-1 on line 1),
  // from the offsets of the input's line breaks: a binary search, so that a position costs
  // O(log n) rather than a scan from the start (quadratic over a large expression).
  std::pair<int, int> LineOf(int pos) const {
    const int limit = std::min<int>(pos, static_cast<int>(input_.size()));
    const auto it = std::lower_bound(breaks_.begin(), breaks_.end(), limit);
    const int line = 1 + static_cast<int>(it - breaks_.begin());
    return {line, it == breaks_.begin() ? -1 : *(it - 1)};
  }

  std::string ErrorText() const {
    std::string out;
    for (const auto& e : errors_) {
      if (!out.empty()) out += "\n";
      const auto [line, last_break] = LineOf(e.pos);
      out += std::to_string(line) + ":" + std::to_string(e.pos - last_break) +
             ": parse error: " + e.message;
    }
    return out;
  }

  // The depth of a tree built by Make (1 for a leaf, 0 for none).
  int Depth(const ExprPtr& e) const {
    if (!e) return 0;
    auto it = depths_.find(e.get());
    return it != depths_.end() ? it->second : 1;
  }

  [[noreturn]] void TooDeep(int pos) {
    Unsupported(pos, "expression nested too deeply (more than " + std::to_string(kMaxExprDepth) +
                         " levels)");
  }

  template <typename Node>
  ExprPtr Make(Node node, int start, int end) {
    int children = 0;
    if constexpr (std::is_same_v<Node, BinaryExpr>) {
      children = std::max(Depth(node.lhs), Depth(node.rhs));
    } else if constexpr (std::is_same_v<Node, UnaryExpr> || std::is_same_v<Node, ParenExpr>) {
      children = Depth(node.expr);
    } else if constexpr (std::is_same_v<Node, AggregateExpr>) {
      children = std::max(Depth(node.expr), Depth(node.param));
    } else if constexpr (std::is_same_v<Node, Call>) {
      for (const ExprPtr& arg : node.args) children = std::max(children, Depth(arg));
    }
    if (children + 1 > kMaxExprDepth) TooDeep(start);
    auto e = std::make_unique<Expr>();
    e->node = std::move(node);
    e->pos.offset = start;
    e->pos.end = end;
    const auto [line, last_break] = LineOf(start);
    e->pos.line = line;
    e->pos.column = start - last_break;
    depths_[e.get()] = children + 1;  // also replaces what a freed node at this address left
    return e;
  }

  ExprPtr ParseExpr(int min_prec) {
    // Parenthesised expressions, arguments and unary operands recurse before Make sees a node.
    if (nesting_ >= kMaxExprDepth) TooDeep(Peek().pos);
    ++nesting_;
    struct Unnest {
      int& n;
      ~Unnest() { --n; }
    } unnest{nesting_};
    ExprPtr lhs = ParseUnary();
    while (true) {
      BinaryOp op;
      int prec = 0;
      if (!BinaryOpFor(Peek().type, &op, &prec) || prec < min_prec) break;
      int op_pos = Next().pos;
      BinaryExpr bin;
      bin.op = op;
      VectorMatching matching;
      if (Accept(TokenType::kBool)) bin.return_bool = true;
      if (Peek().type == TokenType::kOn || Peek().type == TokenType::kIgnoring) {
        matching.on = Next().type == TokenType::kOn;
        matching.matching_labels = ParseGroupingLabels();
        if (Peek().type == TokenType::kGroupLeft || Peek().type == TokenType::kGroupRight) {
          matching.card = Next().type == TokenType::kGroupLeft ? Cardinality::kManyToOne
                                                               : Cardinality::kOneToMany;
          if (Peek().type == TokenType::kLeftParen) matching.include = ParseGroupingLabels();
        }
      }
      bin.matching = std::move(matching);
      ExprPtr rhs = ParseExpr(op == BinaryOp::kPow ? prec : prec + 1);
      int start = lhs->pos.offset;
      int end = rhs->pos.end;
      bin.lhs = std::move(lhs);
      bin.rhs = std::move(rhs);
      lhs = Make(std::move(bin), start, end);
      op_positions_[lhs.get()] = op_pos;
    }
    return lhs;
  }

  ExprPtr ParseUnary() {
    TokenType t = Peek().type;
    if (t != TokenType::kAdd && t != TokenType::kSub) return ParsePostfix(ParsePrimary());
    int op_pos = Next().pos;
    // `unary_op expr %prec MUL`: only `^` (and the postfix modifiers) bind tighter.
    ExprPtr operand = ParseExpr(kPrecPow);
    int end = operand->pos.end;
    if (auto* num = std::get_if<NumberLiteral>(&operand->node)) {
      if (t == TokenType::kSub) num->value = -num->value;
      return Make(*num, op_pos, end);
    }
    UnaryExpr u;
    u.negate = t == TokenType::kSub;
    u.expr = std::move(operand);
    return Make(std::move(u), op_pos, end);
  }

  ExprPtr ParsePostfix(ExprPtr expr) {
    while (true) {
      TokenType t = Peek().type;
      if (t == TokenType::kLeftBracket) {
        int bracket_pos = Next().pos;
        if (Peek().type != TokenType::kDuration) Unexpected("subquery selector", "duration");
        const Token& dur = Next();
        int64_t range = DurationValue(dur);
        if (Peek().type == TokenType::kColon) {
          Unsupported(bracket_pos, "subqueries are not supported by the agent");
        }
        if (Peek().type != TokenType::kRightBracket) {
          Unexpected("subquery or range", "\":\" or \"]\"");
        }
        Next();
        auto* vs = std::get_if<VectorSelector>(&expr->node);
        if (vs == nullptr) {
          AddError(bracket_pos, "ranges only allowed for vector selectors");
          continue;
        }
        if (vs->offset_ms != 0) {
          AddError(bracket_pos, "no offset modifiers allowed before range");
          continue;
        }
        MatrixSelector ms;
        ms.selector = std::move(*vs);
        ms.range_ms = range;
        int start = expr->pos.offset;
        expr = Make(std::move(ms), start, last_end_);
        continue;
      }
      if (t == TokenType::kOffset) {
        Next();
        bool negative = Accept(TokenType::kSub);
        if (Peek().type != TokenType::kDuration) Unexpected("offset", "duration");
        int64_t offset = DurationValue(Next());
        if (negative) offset = -offset;
        int64_t* target = nullptr;
        if (auto* vs = std::get_if<VectorSelector>(&expr->node)) {
          target = &vs->offset_ms;
        } else if (auto* ms = std::get_if<MatrixSelector>(&expr->node)) {
          target = &ms->selector.offset_ms;
        } else {
          AddError(expr->pos.offset,
                   "offset modifier must be preceded by an instant vector selector or range "
                   "vector selector or a subquery");
          continue;
        }
        if (*target != 0) {
          AddError(expr->pos.offset, "offset may not be set multiple times");
        } else {
          *target = offset;
        }
        expr->pos.end = last_end_;
        continue;
      }
      if (t == TokenType::kAt) {
        Unsupported(Peek().pos, "the @ modifier is not supported by the agent");
      }
      return expr;
    }
  }

  int64_t DurationValue(const Token& tok) {
    auto d = ParseDuration(tok.text);
    if (!d.ok()) {
      AddError(tok.pos, d.error().message);
      return 0;
    }
    if (*d == 0) {
      AddError(tok.pos, "duration must be greater than 0");
      return 0;
    }
    return *d;
  }

  ExprPtr ParsePrimary() {
    const Token& t = Peek();
    switch (t.type) {
      case TokenType::kNumber: {
        const Token& tok = Next();
        double v = 0;
        if (!GoParseInt(tok.text, &v)) {
          std::string err = GoParseFloat(tok.text, &v);
          if (!err.empty()) AddError(tok.pos, "error parsing number: " + err);
        }
        return Make(NumberLiteral{v}, tok.pos, last_end_);
      }
      case TokenType::kString: {
        const Token& tok = Next();
        return Make(StringLiteral{Unquote(tok.text)}, tok.pos, last_end_);
      }
      case TokenType::kLeftParen: {
        int start = Next().pos;
        ExprPtr inner = ParseExpr(0);
        if (Peek().type != TokenType::kRightParen) Unexpected("", "");
        Next();
        ParenExpr p;
        p.expr = std::move(inner);
        return Make(std::move(p), start, last_end_);
      }
      case TokenType::kLeftBrace:
        return ParseSelector(nullptr);
      case TokenType::kIdentifier:
        if (Peek(1).type == TokenType::kLeftParen) return ParseCall();
        return ParseSelector(&Next());
      default:
        break;
    }
    AggOp agg;
    if (AggOpFor(t.type, &agg)) {
      TokenType n = Peek(1).type;
      if (n == TokenType::kLeftParen || n == TokenType::kBy || n == TokenType::kWithout) {
        return ParseAggregate(agg);
      }
    }
    if (IsMetricIdentifier(t.type)) return ParseSelector(&Next());
    Unexpected("", "");
  }

  ExprPtr ParseSelector(const Token* name) {
    VectorSelector vs;
    int start = name != nullptr ? name->pos : Peek().pos;
    if (name != nullptr) vs.name = name->text;
    if (Peek().type == TokenType::kLeftBrace) {
      Next();
      while (Peek().type != TokenType::kRightBrace) {
        if (Peek().type != TokenType::kIdentifier) {
          Unexpected("label matching", "identifier or \"}\"");
        }
        const Token& label = Next();
        MatchOp op;
        switch (Peek().type) {
          case TokenType::kEql:
            op = MatchOp::kEqual;
            break;
          case TokenType::kNeq:
            op = MatchOp::kNotEqual;
            break;
          case TokenType::kEqlRegex:
            op = MatchOp::kRegexMatch;
            break;
          case TokenType::kNeqRegex:
            op = MatchOp::kRegexNoMatch;
            break;
          default:
            Unexpected("label matching", "label matching operator");
        }
        Next();
        if (Peek().type != TokenType::kString) Unexpected("label matching", "string");
        const Token& value = Next();
        LabelMatcher m;
        m.name = label.text;
        m.op = op;
        m.value = Unquote(value.text);
        if (op == MatchOp::kRegexMatch || op == MatchOp::kRegexNoMatch) {
          std::string pattern = "^(?:" + m.value + ")$";
          RE2::Options options;
          options.set_log_errors(false);
          auto re = std::make_shared<const RE2>(pattern, options);
          if (!re->ok()) {
            AddError(label.pos, "error parsing regexp: " + GoRegexpErrorCode(re->error_code()) +
                                    ": `" + re->error_arg() + "`");
          }
          m.regex = std::move(re);
        }
        vs.matchers.push_back(std::move(m));
        if (Peek().type == TokenType::kComma) {
          Next();
          continue;
        }
        if (Peek().type != TokenType::kRightBrace) {
          Unexpected("label matching", "\",\" or \"}\"");
        }
      }
      Next();
    }
    if (!vs.name.empty()) {
      LabelMatcher m;
      m.name = kMetricNameLabel;
      m.op = MatchOp::kEqual;
      m.value = vs.name;
      vs.matchers.push_back(std::move(m));
    }
    return Make(std::move(vs), start, last_end_);
  }

  std::vector<std::string> ParseGroupingLabels() {
    if (Peek().type != TokenType::kLeftParen) Unexpected("grouping opts", "\"(\"");
    Next();
    std::vector<std::string> labels;
    while (Peek().type != TokenType::kRightParen) {
      if (!IsMaybeLabel(Peek().type) || !IsValidLabelName(Peek().text)) {
        Unexpected("grouping opts", "label");
      }
      labels.push_back(Next().text);
      if (Peek().type == TokenType::kComma) {
        Next();
        continue;
      }
      if (Peek().type != TokenType::kRightParen) Unexpected("grouping opts", "\",\" or \")\"");
    }
    Next();
    return labels;
  }

  // function_call_body: "(" [expr {"," expr}] ")"; a trailing comma is a (soft) error.
  std::vector<ExprPtr> ParseCallBody() {
    if (Peek().type != TokenType::kLeftParen) Unexpected("", "");
    Next();
    std::vector<ExprPtr> args;
    if (Accept(TokenType::kRightParen)) return args;
    while (true) {
      args.push_back(ParseExpr(0));
      if (Peek().type == TokenType::kComma) {
        int comma = Next().pos;
        if (Peek().type == TokenType::kRightParen) {
          AddError(comma, "trailing commas not allowed in function call args");
          Next();
          return args;
        }
        continue;
      }
      if (Peek().type != TokenType::kRightParen) Unexpected("", "");
      Next();
      return args;
    }
  }

  ExprPtr ParseCall() {
    const Token& name = Next();
    std::string fname = name.text;
    int start = name.pos;
    Call call;
    call.func = LookupFunction(fname);
    call.args = ParseCallBody();
    if (call.func == nullptr) AddError(start, "unknown function with name " + GoQuote(fname));
    return Make(std::move(call), start, last_end_);
  }

  ExprPtr ParseAggregate(AggOp op) {
    int start = Next().pos;
    AggregateExpr agg;
    agg.op = op;
    bool have_modifier = false;
    auto modifier = [&]() {
      agg.without = Next().type == TokenType::kWithout;
      agg.grouping = ParseGroupingLabels();
      have_modifier = true;
    };
    if (Peek().type == TokenType::kBy || Peek().type == TokenType::kWithout) modifier();
    std::vector<ExprPtr> args = ParseCallBody();
    int body_end = last_end_;
    if (!have_modifier && (Peek().type == TokenType::kBy || Peek().type == TokenType::kWithout)) {
      modifier();
    }
    (void)body_end;
    if (args.empty()) {
      AddError(start, "no arguments for aggregate expression provided");
      return Make(std::move(agg), start, last_end_);
    }
    std::size_t desired = 1;
    if (op == AggOp::kTopk || op == AggOp::kBottomk || op == AggOp::kQuantile ||
        op == AggOp::kCountValues) {
      desired = 2;
    }
    if (args.size() != desired) {
      AddError(start, "wrong number of arguments for aggregate expression provided, expected " +
                          std::to_string(desired) + ", got " + std::to_string(args.size()));
      return Make(std::move(agg), start, last_end_);
    }
    if (desired == 2) agg.param = std::move(args[0]);
    agg.expr = std::move(args[desired - 1]);
    return Make(std::move(agg), start, last_end_);
  }

  // ---- checkAST -------------------------------------------------------------------------

  void ExpectType(const Expr& e, ValueType want, std::string_view context) {
    ValueType t = CheckAst(e);
    if (t != want) {
      AddError(e.pos.offset, "expected type " + std::string(ValueTypeName(want)) + " in " +
                                 std::string(context) + ", got " + std::string(ValueTypeName(t)));
    }
  }

  int OpPos(const Expr& e) const {
    auto it = op_positions_.find(&e);
    return it != op_positions_.end() ? it->second : e.pos.offset;
  }

  ValueType CheckAst(const Expr& e) {
    ValueType type = e.Type();
    if (const auto* agg = std::get_if<AggregateExpr>(&e.node)) {
      if (agg->expr) ExpectType(*agg->expr, ValueType::kVector, "aggregation expression");
      if (agg->op == AggOp::kTopk || agg->op == AggOp::kBottomk || agg->op == AggOp::kQuantile) {
        if (agg->param) ExpectType(*agg->param, ValueType::kScalar, "aggregation parameter");
      }
      if (agg->op == AggOp::kCountValues && agg->param) {
        ExpectType(*agg->param, ValueType::kString, "aggregation parameter");
      }
    } else if (const auto* bin_c = std::get_if<BinaryExpr>(&e.node)) {
      auto* bin = const_cast<BinaryExpr*>(bin_c);  // the checker normalises matching, as Go does
      ValueType lt = CheckAst(*bin->lhs);
      ValueType rt = CheckAst(*bin->rhs);
      int op_pos = OpPos(e);
      if (bin->return_bool && !IsComparison(bin->op)) {
        AddError(op_pos, "bool modifier can only be used on comparison operators");
      }
      if (IsComparison(bin->op) && !bin->return_bool && bin->rhs->Type() == ValueType::kScalar &&
          bin->lhs->Type() == ValueType::kScalar) {
        AddError(op_pos, "comparisons between scalars must use BOOL modifier");
      }
      if (IsSetOperator(bin->op) && bin->matching &&
          bin->matching->card == Cardinality::kOneToOne) {
        bin->matching->card = Cardinality::kManyToMany;
      }
      if (bin->matching && bin->matching->on) {
        for (const auto& l1 : bin->matching->matching_labels) {
          for (const auto& l2 : bin->matching->include) {
            if (l1 == l2) {
              AddError(op_pos,
                       "label " + GoQuote(l1) + " must not occur in ON and GROUP clause at once");
            }
          }
        }
      }
      if (lt != ValueType::kScalar && lt != ValueType::kVector) {
        AddError(bin->lhs->pos.offset,
                 "binary expression must contain only scalar and instant vector types");
      }
      if (rt != ValueType::kScalar && rt != ValueType::kVector) {
        AddError(bin->rhs->pos.offset,
                 "binary expression must contain only scalar and instant vector types");
      }
      if ((lt != ValueType::kVector || rt != ValueType::kVector) && bin->matching) {
        if (!bin->matching->matching_labels.empty()) {
          AddError(e.pos.offset, "vector matching only allowed between instant vectors");
        }
        bin->matching.reset();
      } else if (IsSetOperator(bin->op) && bin->matching) {
        if (bin->matching->card == Cardinality::kOneToMany ||
            bin->matching->card == Cardinality::kManyToOne) {
          AddError(e.pos.offset,
                   "no grouping allowed for " + GoQuote(BinaryOpName(bin->op)) + " operation");
        }
      }
      if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && IsSetOperator(bin->op)) {
        AddError(e.pos.offset, "set operator " + GoQuote(BinaryOpName(bin->op)) +
                                   " not allowed in binary scalar expression");
      }
    } else if (const auto* call = std::get_if<Call>(&e.node)) {
      const FunctionInfo* f = call->func;
      if (f != nullptr) {
        int nargs = static_cast<int>(f->arg_types.size());
        int given = static_cast<int>(call->args.size());
        std::string fname = GoQuote(f->name);
        if (f->variadic == 0) {
          if (nargs != given) {
            AddError(e.pos.offset, "expected " + std::to_string(nargs) +
                                       " argument(s) in call to " + fname + ", got " +
                                       std::to_string(given));
          }
        } else {
          int na = nargs - 1;
          if (na > given) {
            AddError(e.pos.offset, "expected at least " + std::to_string(na) +
                                       " argument(s) in call to " + fname + ", got " +
                                       std::to_string(given));
          } else if (int max = na + f->variadic; f->variadic > 0 && max < given) {
            AddError(e.pos.offset, "expected at most " + std::to_string(max) +
                                       " argument(s) in call to " + fname + ", got " +
                                       std::to_string(given));
          }
        }
        std::string context = "call to function " + fname;
        for (int i = 0; i < given; ++i) {
          int k = i;
          if (k >= nargs) {
            if (f->variadic == 0) break;
            k = nargs - 1;
          }
          ExpectType(*call->args[static_cast<std::size_t>(i)],
                     f->arg_types[static_cast<std::size_t>(k)], context);
        }
      }
    } else if (const auto* paren = std::get_if<ParenExpr>(&e.node)) {
      CheckAst(*paren->expr);
    } else if (const auto* unary = std::get_if<UnaryExpr>(&e.node)) {
      ValueType t = CheckAst(*unary->expr);
      if (t != ValueType::kScalar && t != ValueType::kVector) {
        AddError(e.pos.offset,
                 "unary expression only allowed on expressions of type scalar or instant "
                 "vector, got " +
                     GoQuote(ValueTypeName(t)));
      }
    } else if (const auto* ms = std::get_if<MatrixSelector>(&e.node)) {
      CheckSelector(ms->selector, e.pos.offset);
    } else if (const auto* vs = std::get_if<VectorSelector>(&e.node)) {
      CheckSelector(*vs, e.pos.offset);
    }
    return type;
  }

  void CheckSelector(const VectorSelector& vs, int pos) {
    if (!vs.name.empty()) {
      for (std::size_t i = 0; i + 1 < vs.matchers.size(); ++i) {
        if (vs.matchers[i].name == kMetricNameLabel) {
          AddError(pos, "metric name must not be set twice: " + GoQuote(vs.name) + " or " +
                            GoQuote(vs.matchers[i].value));
        }
      }
      return;
    }
    for (const auto& m : vs.matchers) {
      if (!m.Matches("")) return;
    }
    AddError(pos, "vector selector must contain at least one non-empty matcher");
  }

  std::string_view input_;
  std::vector<int> breaks_;  // offsets of the '\n' of input_, ascending
  std::vector<Token> tokens_;
  std::size_t idx_ = 0;
  int last_end_ = 0;
  std::vector<ParseError> errors_;
  std::unordered_map<const Expr*, int> op_positions_;
  std::unordered_map<const Expr*, int> depths_;  // of every node Make built
  int nesting_ = 0;                              // active ParseExpr calls
};

}  // namespace

Result<ExprPtr> Parse(std::string_view input) { return Parser(input).Run(); }

Result<int64_t> ParseDuration(std::string_view text) {
  if (text == "0") return int64_t{0};
  if (text.empty()) return MakeError(ErrorKind::kInvalidArgument, "empty duration string");
  auto invalid = [&]() {
    return MakeError(ErrorKind::kInvalidArgument, "not a valid duration string: " + GoQuote(text));
  };
  struct Unit {
    std::string_view name;
    int64_t ms;
  };
  constexpr int64_t kDay = 1000LL * 60 * 60 * 24;
  static constexpr Unit kUnits[] = {{"y", kDay * 365}, {"w", kDay * 7}, {"d", kDay}, {"h", 3600000},
                                    {"m", 60000},      {"s", 1000},     {"ms", 1}};
  std::size_t i = 0;
  std::size_t next_unit = 0;
  int64_t total = 0;
  bool overflow = false;
  while (i < text.size()) {
    std::size_t digits_start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == digits_start) return invalid();
    std::string_view digits = text.substr(digits_start, i - digits_start);
    std::size_t unit_start = i;
    while (i < text.size() && (text[i] < '0' || text[i] > '9')) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    std::size_t u = next_unit;
    while (u < std::size(kUnits) && kUnits[u].name != unit) ++u;
    if (u == std::size(kUnits)) return invalid();
    next_unit = u + 1;
    // As model.ParseDuration: anything beyond time.Duration's range (int64 nanoseconds) is an
    // overflow.
    constexpr int64_t kMaxMs = std::numeric_limits<int64_t>::max() / 1000000;
    int64_t n = 0;
    for (char c : digits) {
      if (n > (kMaxMs - (c - '0')) / 10) {
        overflow = true;
        break;
      }
      n = n * 10 + (c - '0');
    }
    if (overflow || n > (kMaxMs - total) / kUnits[u].ms) {
      overflow = true;
    } else {
      total += n * kUnits[u].ms;
    }
  }
  if (overflow) return MakeError(ErrorKind::kInvalidArgument, "duration out of range");
  return total;
}

}  // namespace nca::alerts::promql
