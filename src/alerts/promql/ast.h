// The PromQL abstract syntax tree (Prometheus 2.42, float samples only), produced by
// promql::Parse (parser.h) and evaluated by promql::Engine (engine.h).
//
// Plain values: a tree owns its children through unique_ptr; a parsed tree is immutable and may
// be evaluated concurrently from several threads.
#pragma once

#include <re2/re2.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace nca::alerts::promql {

// The static type of an expression (ast.go: ValueType).
enum class ValueType { kNone, kScalar, kVector, kMatrix, kString };
std::string_view ValueTypeName(ValueType t);  // "scalar", "instant vector", "range vector", ...

// Where a node starts in the expression text (0-based byte offset; 1-based line and column,
// the column counted in bytes as Prometheus does) and where it ends (exclusive byte offset).
struct Position {
  int offset = 0;
  int line = 1;
  int column = 1;
  int end = 0;
};

enum class MatchOp { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

// One label matcher. Regexes are fully anchored (^(?:re)$) and use RE2, as Prometheus does;
// `regex` is set for kRegexMatch / kRegexNoMatch.
struct LabelMatcher {
  std::string name;
  MatchOp op = MatchOp::kEqual;
  std::string value;
  std::shared_ptr<const RE2> regex;

  bool Matches(std::string_view label_value) const;  // an absent label matches as ""
};

enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,  // arithmetic
  kEql,
  kNeq,
  kGtr,
  kLss,
  kGte,
  kLte,  // comparison
  kAnd,
  kOr,
  kUnless,  // set
};
std::string_view BinaryOpName(BinaryOp op);  // "+", "==", "and", "atan2", ...
bool IsComparison(BinaryOp op);
bool IsSetOperator(BinaryOp op);

enum class AggOp {
  kSum,
  kMin,
  kMax,
  kAvg,
  kCount,
  kGroup,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kQuantile,
  kCountValues,
};
std::string_view AggOpName(AggOp op);  // "sum", "count_values", ...

enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

// on(...)/ignoring(...) and group_left/group_right(...). For set operators the parser sets
// kManyToMany (as Prometheus does).
struct VectorMatching {
  Cardinality card = Cardinality::kOneToOne;
  std::vector<std::string> matching_labels;  // the on()/ignoring() list
  bool on = false;                           // true: on(), false: ignoring() (or neither)
  std::vector<std::string> include;          // group_x(labels)
};

// Signature of a function (functions.go), used by the parser's type checks and the engine.
struct FunctionInfo {
  std::string_view name;
  std::vector<ValueType> arg_types;
  // As in Prometheus: 0: exactly arg_types.size() args; n > 0: the last of arg_types is optional
  // and the call takes between size-1 and size-1+n args; -1: at least size-1 args, the extra
  // ones of the last type.
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
};

// Every float function of Prometheus 2.42, or nullptr for an unknown name.
const FunctionInfo* LookupFunction(std::string_view name);
const std::vector<FunctionInfo>& AllFunctions();

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct NumberLiteral {
  double value = 0;
};

struct StringLiteral {
  std::string value;
};

struct VectorSelector {
  std::string name;                    // metric name ("" when given only as __name__ matcher)
  std::vector<LabelMatcher> matchers;  // includes __name__="name" when `name` is set
  int64_t offset_ms = 0;               // may be negative
};

struct MatrixSelector {
  VectorSelector selector;  // offset lives here
  int64_t range_ms = 0;
};

struct Call {
  const FunctionInfo* func = nullptr;
  std::vector<ExprPtr> args;
};

struct AggregateExpr {
  AggOp op = AggOp::kSum;
  ExprPtr expr;
  ExprPtr param;  // topk/bottomk/quantile: scalar; count_values: string; else null
  std::vector<std::string> grouping;
  bool without = false;
};

struct BinaryExpr {
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  // Set only when both sides are instant vectors (the parser drops it otherwise, as
  // Prometheus' checkAST does).
  std::optional<VectorMatching> matching;
  bool return_bool = false;
};

struct UnaryExpr {
  bool negate = false;  // '-' (true) or '+'
  ExprPtr expr;
};

struct ParenExpr {
  ExprPtr expr;
};

struct Expr {
  std::variant<NumberLiteral, StringLiteral, VectorSelector, MatrixSelector, Call, AggregateExpr,
               BinaryExpr, UnaryExpr, ParenExpr>
      node;
  Position pos;

  ValueType Type() const;
};

// Calls `visit` on `expr` and then on every sub-expression, depth first, left to right.
void Walk(const Expr& expr, const std::function<void(const Expr&)>& visit);

// The expression printed back in Prometheus' canonical form (parser/printer.go String()), e.g.
// `sum by (job) (rate(http_requests_total{code="500"}[5m]))`. Used for /api/v1/rules `query`.
std::string Format(const Expr& expr);

// prometheus/common model.Duration String(): "0s", "1m30s", "1d", "2w", "1y", "250ms".
std::string FormatDuration(int64_t ms);

// Go strconv.Quote: double-quoted, with Go escapes for '"', '\\' and non-printable bytes.
std::string GoQuote(std::string_view s);

// True for a valid Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidLabelName(std::string_view name);

}  // namespace nca::alerts::promql
