#include "alerts/promql/ast.h"

#include <algorithm>
#include <string>
#include <type_traits>
#include <utility>

namespace nca::alerts::promql {

std::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kNone:
      return "none";
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
    case ValueType::kString:
      return "string";
  }
  return "none";
}

bool LabelMatcher::Matches(std::string_view label_value) const {
  switch (op) {
    case MatchOp::kEqual:
      return label_value == value;
    case MatchOp::kNotEqual:
      return label_value != value;
    case MatchOp::kRegexMatch:
      return regex != nullptr && RE2::FullMatch(label_value, *regex);
    case MatchOp::kRegexNoMatch:
      return regex == nullptr || !RE2::FullMatch(label_value, *regex);
  }
  return false;
}

std::string_view BinaryOpName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kPow:
      return "^";
    case BinaryOp::kAtan2:
      return "atan2";
    case BinaryOp::kEql:
      return "==";
    case BinaryOp::kNeq:
      return "!=";
    case BinaryOp::kGtr:
      return ">";
    case BinaryOp::kLss:
      return "<";
    case BinaryOp::kGte:
      return ">=";
    case BinaryOp::kLte:
      return "<=";
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kOr:
      return "or";
    case BinaryOp::kUnless:
      return "unless";
  }
  return "?";
}

bool IsComparison(BinaryOp op) {
  switch (op) {
    case BinaryOp::kEql:
    case BinaryOp::kNeq:
    case BinaryOp::kGtr:
    case BinaryOp::kLss:
    case BinaryOp::kGte:
    case BinaryOp::kLte:
      return true;
    default:
      return false;
  }
}

bool IsSetOperator(BinaryOp op) {
  return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kUnless;
}

std::string_view AggOpName(AggOp op) {
  switch (op) {
    case AggOp::kSum:
      return "sum";
    case AggOp::kMin:
      return "min";
    case AggOp::kMax:
      return "max";
    case AggOp::kAvg:
      return "avg";
    case AggOp::kCount:
      return "count";
    case AggOp::kGroup:
      return "group";
    case AggOp::kStddev:
      return "stddev";
    case AggOp::kStdvar:
      return "stdvar";
    case AggOp::kTopk:
      return "topk";
    case AggOp::kBottomk:
      return "bottomk";
    case AggOp::kQuantile:
      return "quantile";
    case AggOp::kCountValues:
      return "count_values";
  }
  return "?";
}

namespace {

std::vector<FunctionInfo> BuildFunctions() {
  using VT = ValueType;
  const VT v = VT::kVector;
  const VT m = VT::kMatrix;
  const VT s = VT::kScalar;
  const VT str = VT::kString;
  std::vector<FunctionInfo> fns;
  auto add = [&fns](std::string_view name, std::vector<VT> args, int variadic = 0,
                    VT ret = VT::kVector) {
    fns.push_back(FunctionInfo{name, std::move(args), variadic, ret});
  };
  // Sorted by name (functions.go @ v2.42.0, float functions only).
  add("abs", {v});
  add("absent", {v});
  add("absent_over_time", {m});
  add("acos", {v});
  add("acosh", {v});
  add("asin", {v});
  add("asinh", {v});
  add("atan", {v});
  add("atanh", {v});
  add("avg_over_time", {m});
  add("ceil", {v});
  add("changes", {m});
  add("clamp", {v, s, s});
  add("clamp_max", {v, s});
  add("clamp_min", {v, s});
  add("cos", {v});
  add("cosh", {v});
  add("count_over_time", {m});
  add("day_of_month", {v}, 1);
  add("day_of_week", {v}, 1);
  add("day_of_year", {v}, 1);
  add("days_in_month", {v}, 1);
  add("deg", {v});
  add("delta", {m});
  add("deriv", {m});
  add("exp", {v});
  add("floor", {v});
  add("histogram_quantile", {s, v});
  add("holt_winters", {m, s, s});
  add("hour", {v}, 1);
  add("idelta", {m});
  add("increase", {m});
  add("irate", {m});
  add("label_join", {v, str, str, str}, -1);
  add("label_replace", {v, str, str, str, str});
  add("last_over_time", {m});
  add("ln", {v});
  add("log10", {v});
  add("log2", {v});
  add("max_over_time", {m});
  add("min_over_time", {m});
  add("minute", {v}, 1);
  add("month", {v}, 1);
  add("pi", {}, 0, VT::kScalar);
  add("predict_linear", {m, s});
  add("present_over_time", {m});
  add("quantile_over_time", {s, m});
  add("rad", {v});
  add("rate", {m});
  add("resets", {m});
  add("round", {v, s}, 1);
  add("scalar", {v}, 0, VT::kScalar);
  add("sgn", {v});
  add("sin", {v});
  add("sinh", {v});
  add("sort", {v});
  add("sort_desc", {v});
  add("sqrt", {v});
  add("stddev_over_time", {m});
  add("stdvar_over_time", {m});
  add("sum_over_time", {m});
  add("tan", {v});
  add("tanh", {v});
  add("time", {}, 0, VT::kScalar);
  add("timestamp", {v});
  add("vector", {s});
  add("year", {v}, 1);
  return fns;
}

}  // namespace

const std::vector<FunctionInfo>& AllFunctions() {
  static const std::vector<FunctionInfo> kFunctions = BuildFunctions();
  return kFunctions;
}

const FunctionInfo* LookupFunction(std::string_view name) {
  const auto& fns = AllFunctions();
  auto it = std::lower_bound(fns.begin(), fns.end(), name,
                             [](const FunctionInfo& f, std::string_view n) { return f.name < n; });
  if (it != fns.end() && it->name == name) return &*it;
  return nullptr;
}

ValueType Expr::Type() const {
  return std::visit(
      [](const auto& n) -> ValueType {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, NumberLiteral>) {
          return ValueType::kScalar;
        } else if constexpr (std::is_same_v<T, StringLiteral>) {
          return ValueType::kString;
        } else if constexpr (std::is_same_v<T, VectorSelector>) {
          return ValueType::kVector;
        } else if constexpr (std::is_same_v<T, MatrixSelector>) {
          return ValueType::kMatrix;
        } else if constexpr (std::is_same_v<T, Call>) {
          return n.func != nullptr ? n.func->return_type : ValueType::kNone;
        } else if constexpr (std::is_same_v<T, AggregateExpr>) {
          return ValueType::kVector;
        } else if constexpr (std::is_same_v<T, BinaryExpr>) {
          if (n.lhs->Type() == ValueType::kScalar && n.rhs->Type() == ValueType::kScalar) {
            return ValueType::kScalar;
          }
          return ValueType::kVector;
        } else {
          // UnaryExpr, ParenExpr.
          return n.expr->Type();
        }
      },
      node);
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (c >= '0' && c <= '9' && i > 0);
    if (!ok) return false;
  }
  return true;
}

void Walk(const Expr& expr, const std::function<void(const Expr&)>& visit) {
  visit(expr);
  std::visit(
      [&](const auto& node) {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, Call>) {
          for (const auto& a : node.args) Walk(*a, visit);
        } else if constexpr (std::is_same_v<T, AggregateExpr>) {
          Walk(*node.expr, visit);
          if (node.param) Walk(*node.param, visit);
        } else if constexpr (std::is_same_v<T, BinaryExpr>) {
          Walk(*node.lhs, visit);
          Walk(*node.rhs, visit);
        } else if constexpr (std::is_same_v<T, UnaryExpr> || std::is_same_v<T, ParenExpr>) {
          Walk(*node.expr, visit);
        }
      },
      expr.node);
}

}  // namespace nca::alerts::promql
