#include "alerts/promql/engine.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "alerts/promql/functions.h"

namespace nca::alerts::promql {

namespace {

using internal::EvalError;

const Expr& Unwrap(const Expr& e) {
  const Expr* cur = &e;
  while (const auto* p = std::get_if<ParenExpr>(&cur->node)) cur = p->expr.get();
  return *cur;
}

bool ShouldDropMetricName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
    case BinaryOp::kDiv:
    case BinaryOp::kMul:
    case BinaryOp::kPow:
    case BinaryOp::kMod:
      return true;
    default:
      return false;
  }
}

// vectorElemBinop: the value and whether a filtering comparison keeps the element.
double ElemBinop(BinaryOp op, double lhs, double rhs, bool* keep) {
  *keep = true;
  switch (op) {
    case BinaryOp::kAdd:
      return lhs + rhs;
    case BinaryOp::kSub:
      return lhs - rhs;
    case BinaryOp::kMul:
      return lhs * rhs;
    case BinaryOp::kDiv:
      return lhs / rhs;
    case BinaryOp::kPow:
      return internal::GoPow(lhs, rhs);
    case BinaryOp::kMod:
      return std::fmod(lhs, rhs);
    case BinaryOp::kEql:
      *keep = lhs == rhs;
      return lhs;
    case BinaryOp::kNeq:
      *keep = lhs != rhs;
      return lhs;
    case BinaryOp::kGtr:
      *keep = lhs > rhs;
      return lhs;
    case BinaryOp::kLss:
      *keep = lhs < rhs;
      return lhs;
    case BinaryOp::kGte:
      *keep = lhs >= rhs;
      return lhs;
    case BinaryOp::kLte:
      *keep = lhs <= rhs;
      return lhs;
    case BinaryOp::kAtan2:
      return std::atan2(lhs, rhs);
    default:
      throw EvalError{"operator " + GoQuote(BinaryOpName(op)) +
                      " not allowed for operations between Vectors"};
  }
}

double ScalarBinop(BinaryOp op, double lhs, double rhs) {
  switch (op) {
    case BinaryOp::kEql:
      return lhs == rhs ? 1 : 0;
    case BinaryOp::kNeq:
      return lhs != rhs ? 1 : 0;
    case BinaryOp::kGtr:
      return lhs > rhs ? 1 : 0;
    case BinaryOp::kLss:
      return lhs < rhs ? 1 : 0;
    case BinaryOp::kGte:
      return lhs >= rhs ? 1 : 0;
    case BinaryOp::kLte:
      return lhs <= rhs ? 1 : 0;
    default: {
      bool keep = true;
      return ElemBinop(op, lhs, rhs, &keep);
    }
  }
}

void DropMetricName(Labels* labels) { labels->Remove(kMetricNameLabel); }

void CheckUniqueLabelsets(const Vector& v) {
  if (v.size() < 2) return;
  std::unordered_set<std::string> seen;
  seen.reserve(v.size());
  for (const auto& e : v) {
    if (!seen.insert(e.labels.Key()).second) {
      throw EvalError{"vector cannot contain metrics with the same labelset"};
    }
  }
}

// The vector-matching signature: on(l...) uses only l; otherwise all labels but __name__ and l.
std::string Signature(const Labels& labels, const VectorMatching& m) {
  std::string sig;
  for (const auto& [name, value] : labels.pairs()) {
    bool listed = std::find(m.matching_labels.begin(), m.matching_labels.end(), name) !=
                  m.matching_labels.end();
    bool include = m.on ? listed : (!listed && name != kMetricNameLabel);
    if (!include) continue;
    sig += name;
    sig += '\xff';
    sig += value;
    sig += '\xfe';
  }
  return sig;
}

// labels.MatchLabels(on, names...).
Labels MatchLabels(const Labels& labels, const VectorMatching& m) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : labels.pairs()) {
    bool listed = std::find(m.matching_labels.begin(), m.matching_labels.end(), name) !=
                  m.matching_labels.end();
    bool include = m.on ? listed : (!listed && name != kMetricNameLabel);
    if (include) out.emplace_back(name, value);
  }
  return Labels(std::move(out));
}

class Evaluator {
 public:
  Evaluator(const EngineOptions& options, int64_t ts, const Queryable& data)
      : options_(options), ts_(ts), data_(data) {}

  Value Eval(const Expr& e) {
    return std::visit(
        [&](const auto& n) -> Value {
          using T = std::decay_t<decltype(n)>;
          if constexpr (std::is_same_v<T, NumberLiteral>) {
            return Scalar{ts_, n.value};
          } else if constexpr (std::is_same_v<T, StringLiteral>) {
            return String{ts_, n.value};
          } else if constexpr (std::is_same_v<T, VectorSelector>) {
            return SelectVector(n, /*sample_time=*/false);
          } else if constexpr (std::is_same_v<T, MatrixSelector>) {
            return SelectMatrix(n);
          } else if constexpr (std::is_same_v<T, Call>) {
            return EvalCall(n);
          } else if constexpr (std::is_same_v<T, AggregateExpr>) {
            return EvalAggregate(n);
          } else if constexpr (std::is_same_v<T, BinaryExpr>) {
            return EvalBinary(n);
          } else if constexpr (std::is_same_v<T, UnaryExpr>) {
            return EvalUnary(n);
          } else {
            return Eval(*n.expr);
          }
        },
        e.node);
  }

 private:
  double EvalScalar(const Expr& e) {
    Value v = Eval(e);
    if (const auto* s = std::get_if<Scalar>(&v)) return s->v;
    throw EvalError{"expected a scalar"};
  }

  Vector EvalVector(const Expr& e) {
    Value v = Eval(e);
    if (auto* vec = std::get_if<Vector>(&v)) return std::move(*vec);
    throw EvalError{"expected an instant vector"};
  }

  // vectorSelectorSingle for every matching series. With sample_time, elements carry the
  // sample's own timestamp (for timestamp()); otherwise ts.
  Vector SelectVector(const VectorSelector& vs, bool sample_time) {
    int64_t ref = ts_ - vs.offset_ms;
    std::vector<Series> series = data_.Select(vs.matchers, ref - options_.lookback_ms, ref);
    Vector out;
    out.reserve(series.size());
    for (auto& s : series) {
      // The newest sample at or before ref (Select already bounds the window).
      const Sample* last = nullptr;
      for (auto it = s.samples.rbegin(); it != s.samples.rend(); ++it) {
        if (it->t <= ref && it->t >= ref - options_.lookback_ms) {
          last = &*it;
          break;
        }
      }
      if (last == nullptr || IsStaleNaN(last->v)) continue;
      out.push_back(VectorElement{std::move(s.labels), sample_time ? last->t : ts_, last->v});
    }
    return out;
  }

  // The non-stale samples of each series in the closed window [maxt - range, maxt].
  Matrix SelectRange(const MatrixSelector& ms) {
    int64_t maxt = ts_ - ms.selector.offset_ms;
    int64_t mint = maxt - ms.range_ms;
    Matrix series = data_.Select(ms.selector.matchers, mint, maxt);
    for (auto& s : series) {
      std::erase_if(s.samples,
                    [&](const Sample& p) { return IsStaleNaN(p.v) || p.t < mint || p.t > maxt; });
    }
    std::erase_if(series, [](const Series& s) { return s.samples.empty(); });
    return series;
  }

  Matrix SelectMatrix(const MatrixSelector& ms) { return SelectRange(ms); }

  Value EvalCall(const Call& call) {
    const FunctionInfo* f = call.func;
    if (f == nullptr) throw EvalError{"unknown function"};
    std::string_view name = f->name;
    if (name == "timestamp") {
      const Expr& arg = Unwrap(*call.args[0]);
      if (const auto* vs = std::get_if<VectorSelector>(&arg.node)) {
        Vector v = SelectVector(*vs, /*sample_time=*/true);
        Vector out = internal::CallVectorFunction(call, {}, std::move(v), {}, ts_);
        CheckUniqueLabelsets(out);
        return out;
      }
    }
    // A function with a range-vector argument runs once per selected series.
    std::optional<std::size_t> matrix_arg;
    for (std::size_t i = 0; i < call.args.size(); ++i) {
      if (std::holds_alternative<MatrixSelector>(Unwrap(*call.args[i]).node)) {
        matrix_arg = i;
        break;
      }
    }
    std::vector<double> scalars;
    std::vector<std::string> strings;
    Vector vector_arg;
    bool have_vector = false;
    for (std::size_t i = 0; i < call.args.size(); ++i) {
      if (matrix_arg && *matrix_arg == i) continue;
      const Expr& arg = Unwrap(*call.args[i]);
      switch (arg.Type()) {
        case ValueType::kScalar:
          scalars.push_back(EvalScalar(arg));
          break;
        case ValueType::kString:
          strings.push_back(std::get<StringLiteral>(arg.node).value);
          break;
        case ValueType::kVector:
          if (!have_vector) {
            vector_arg = EvalVector(arg);
            have_vector = true;
          }
          break;
        default:
          throw EvalError{"unexpected argument type in call to " + std::string(name)};
      }
    }
    if (!matrix_arg) {
      if (f->return_type == ValueType::kScalar) {
        return Scalar{ts_, internal::CallScalarFunction(call, scalars, vector_arg, ts_)};
      }
      Vector out = internal::CallVectorFunction(call, scalars, std::move(vector_arg), strings, ts_);
      for (auto& e : out) e.t = ts_;
      CheckUniqueLabelsets(out);
      return out;
    }
    const auto& ms = std::get<MatrixSelector>(Unwrap(*call.args[*matrix_arg]).node);
    Matrix series = SelectRange(ms);
    Vector out;
    out.reserve(series.size());
    for (auto& s : series) {
      std::optional<double> v = internal::CallRangeFunction(name, s.samples, scalars, ms, ts_);
      if (!v) continue;
      Labels labels = std::move(s.labels);
      if (name != "last_over_time") DropMetricName(&labels);
      out.push_back(VectorElement{std::move(labels), ts_, *v});
    }
    CheckUniqueLabelsets(out);
    if (name == "absent_over_time") {
      Vector absent;
      if (series.empty()) {
        absent.push_back(VectorElement{internal::AbsentLabels(ms.selector), ts_, 1});
      }
      return absent;
    }
    return out;
  }

  Value EvalAggregate(const AggregateExpr& agg) {
    double param = 0;
    std::string string_param;
    if (agg.param) {
      const Expr& p = Unwrap(*agg.param);
      if (const auto* s = std::get_if<StringLiteral>(&p.node)) {
        string_param = s->value;
      } else {
        param = EvalScalar(p);
      }
    }
    Vector in = EvalVector(*agg.expr);
    std::vector<std::string> grouping = agg.grouping;
    std::sort(grouping.begin(), grouping.end());
    Vector out =
        internal::Aggregate(agg.op, grouping, agg.without, param, string_param, std::move(in), ts_);
    CheckUniqueLabelsets(out);
    return out;
  }

  Value EvalUnary(const UnaryExpr& u) {
    Value v = Eval(*u.expr);
    if (!u.negate) return v;
    if (auto* s = std::get_if<Scalar>(&v)) {
      s->v = -s->v;
      return v;
    }
    auto& vec = std::get<Vector>(v);
    for (auto& e : vec) {
      DropMetricName(&e.labels);
      e.v = -e.v;
    }
    CheckUniqueLabelsets(vec);
    return v;
  }

  Value EvalBinary(const BinaryExpr& b) {
    ValueType lt = b.lhs->Type();
    ValueType rt = b.rhs->Type();
    if (lt == ValueType::kScalar && rt == ValueType::kScalar) {
      double l = EvalScalar(*b.lhs);
      double r = EvalScalar(*b.rhs);
      return Scalar{ts_, ScalarBinop(b.op, l, r)};
    }
    if (lt == ValueType::kVector && rt == ValueType::kVector) {
      Vector lhs = EvalVector(*b.lhs);
      Vector rhs = EvalVector(*b.rhs);
      VectorMatching matching;
      if (b.matching) matching = *b.matching;
      if (IsSetOperator(b.op)) matching.card = Cardinality::kManyToMany;
      Vector out;
      switch (b.op) {
        case BinaryOp::kAnd:
          out = VectorAnd(std::move(lhs), rhs, matching);
          break;
        case BinaryOp::kOr:
          out = VectorOr(std::move(lhs), std::move(rhs), matching);
          break;
        case BinaryOp::kUnless:
          out = VectorUnless(std::move(lhs), rhs, matching);
          break;
        default:
          out = VectorBinop(b.op, std::move(lhs), std::move(rhs), matching, b.return_bool);
      }
      CheckUniqueLabelsets(out);
      return out;
    }
    // Vector and scalar, in either order.
    bool swap = lt == ValueType::kScalar;
    Vector vec;
    double scalar = 0;
    if (swap) {
      scalar = EvalScalar(*b.lhs);
      vec = EvalVector(*b.rhs);
    } else {
      vec = EvalVector(*b.lhs);
      scalar = EvalScalar(*b.rhs);
    }
    Vector out;
    out.reserve(vec.size());
    for (auto& e : vec) {
      double lv = e.v;
      double rv = scalar;
      if (swap) std::swap(lv, rv);
      bool keep = true;
      double value = ElemBinop(b.op, lv, rv, &keep);
      // A comparison keeps the vector's value even when the vector is on the right.
      if (IsComparison(b.op) && swap) value = rv;
      if (b.return_bool) {
        value = keep ? 1.0 : 0.0;
        keep = true;
      }
      if (!keep) continue;
      e.v = value;
      e.t = ts_;
      if (ShouldDropMetricName(b.op) || b.return_bool) DropMetricName(&e.labels);
      out.push_back(std::move(e));
    }
    CheckUniqueLabelsets(out);
    return out;
  }

  Vector VectorAnd(Vector lhs, const Vector& rhs, const VectorMatching& m) {
    if (lhs.empty() || rhs.empty()) return {};
    std::unordered_set<std::string> right;
    for (const auto& r : rhs) right.insert(Signature(r.labels, m));
    Vector out;
    for (auto& l : lhs) {
      if (right.count(Signature(l.labels, m)) != 0) out.push_back(std::move(l));
    }
    return out;
  }

  Vector VectorOr(Vector lhs, Vector rhs, const VectorMatching& m) {
    if (lhs.empty()) return rhs;
    if (rhs.empty()) return lhs;
    std::unordered_set<std::string> left;
    for (const auto& l : lhs) left.insert(Signature(l.labels, m));
    Vector out = std::move(lhs);
    for (auto& r : rhs) {
      if (left.count(Signature(r.labels, m)) == 0) out.push_back(std::move(r));
    }
    return out;
  }

  Vector VectorUnless(Vector lhs, const Vector& rhs, const VectorMatching& m) {
    if (lhs.empty() || rhs.empty()) return lhs;
    std::unordered_set<std::string> right;
    for (const auto& r : rhs) right.insert(Signature(r.labels, m));
    Vector out;
    for (auto& l : lhs) {
      if (right.count(Signature(l.labels, m)) == 0) out.push_back(std::move(l));
    }
    return out;
  }

  Labels ResultMetric(const Labels& lhs, const Labels& rhs, BinaryOp op, const VectorMatching& m) {
    Labels out = lhs;
    if (ShouldDropMetricName(op)) DropMetricName(&out);
    if (m.card == Cardinality::kOneToOne) {
      if (m.on) {
        std::vector<std::pair<std::string, std::string>> kept;
        for (const auto& [name, value] : out.pairs()) {
          if (std::find(m.matching_labels.begin(), m.matching_labels.end(), name) !=
              m.matching_labels.end()) {
            kept.emplace_back(name, value);
          }
        }
        out = Labels(std::move(kept));
      } else {
        for (const auto& name : m.matching_labels) out.Remove(name);
      }
    }
    for (const auto& name : m.include) out.Set(name, rhs.Get(name));
    return out;
  }

  Vector VectorBinop(BinaryOp op, Vector lhs, Vector rhs, const VectorMatching& m,
                     bool return_bool) {
    if (lhs.empty() || rhs.empty()) return {};
    bool one_to_many = m.card == Cardinality::kOneToMany;
    if (one_to_many) std::swap(lhs, rhs);
    // The rhs is the "one" side: its signatures must be unique.
    std::unordered_map<std::string, std::size_t> right;
    for (std::size_t i = 0; i < rhs.size(); ++i) {
      std::string sig = Signature(rhs[i].labels, m);
      auto [it, inserted] = right.emplace(std::move(sig), i);
      if (!inserted) {
        const auto& dup = rhs[it->second];
        throw EvalError{"found duplicate series for the match group " +
                        MatchLabels(rhs[i].labels, m).ToString() + " on the " +
                        (one_to_many ? "left" : "right") + " hand-side of the operation: [" +
                        rhs[i].labels.ToString() + ", " + dup.labels.ToString() +
                        "];many-to-many matching not allowed: matching labels must be unique "
                        "on one side"};
      }
    }
    std::unordered_map<std::string, std::unordered_set<std::string>> matched;
    Vector out;
    for (auto& l : lhs) {
      std::string sig = Signature(l.labels, m);
      auto it = right.find(sig);
      if (it == right.end()) continue;
      const auto& r = rhs[it->second];
      double vl = l.v;
      double vr = r.v;
      if (one_to_many) std::swap(vl, vr);
      bool keep = true;
      double value = ElemBinop(op, vl, vr, &keep);
      if (return_bool) {
        value = keep ? 1.0 : 0.0;
      } else if (!keep) {
        continue;
      }
      Labels metric = ResultMetric(l.labels, r.labels, op, m);
      if (return_bool) DropMetricName(&metric);
      auto mit = matched.find(sig);
      if (m.card == Cardinality::kOneToOne) {
        if (mit != matched.end()) {
          throw EvalError{
              "multiple matches for labels: many-to-one matching must be explicit "
              "(group_left/group_right)"};
        }
        matched.emplace(std::move(sig), std::unordered_set<std::string>{});
      } else {
        std::string key = metric.Key();
        if (mit == matched.end()) {
          mit = matched.emplace(std::move(sig), std::unordered_set<std::string>{}).first;
        } else if (mit->second.count(key) != 0) {
          throw EvalError{
              "multiple matches for labels: grouping labels must ensure unique matches"};
        }
        mit->second.insert(std::move(key));
      }
      out.push_back(VectorElement{std::move(metric), ts_, value});
    }
    return out;
  }

  const EngineOptions& options_;
  int64_t ts_;
  const Queryable& data_;
};

}  // namespace

Result<Value> Engine::Instant(const Expr& expr, int64_t ts_ms, const Queryable& data) const {
  try {
    Evaluator ev(options_, ts_ms, data);
    Value v = ev.Eval(expr);
    if (auto* vec = std::get_if<Vector>(&v)) {
      for (auto& e : *vec) e.t = ts_ms;
    }
    return v;
  } catch (const EvalError& e) {
    return MakeError(ErrorKind::kInvalidArgument, e.message);
  }
}

}  // namespace nca::alerts::promql
