// PromQL's functions (Prometheus 2.42 promql/functions.go): the instant-vector, scalar and
// range-vector ones; Go's math and quantile.go are go_math.cc, aggregations aggregate.cc.
#include "alerts/promql/functions.h"

#include <re2/re2.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <numbers>
#include <string>
#include <unordered_map>
#include <utility>

namespace nca::alerts::promql::internal {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

const Expr& Unwrap(const Expr& e) {
  const Expr* cur = &e;
  while (const auto* p = std::get_if<ParenExpr>(&cur->node)) cur = p->expr.get();
  return *cur;
}

// Go's math.Max / math.Min: NaN wins, and the sign of zero is respected.
double GoMax(double x, double y) {
  if (std::isinf(x) && x > 0) return x;
  if (std::isinf(y) && y > 0) return y;
  if (std::isnan(x) || std::isnan(y)) return kNaN;
  if (x == 0 && x == y) return std::signbit(x) ? y : x;
  return x > y ? x : y;
}

double GoMin(double x, double y) {
  if (std::isinf(x) && x < 0) return x;
  if (std::isinf(y) && y < 0) return y;
  if (std::isnan(x) || std::isnan(y)) return kNaN;
  if (x == 0 && x == y) return std::signbit(x) ? x : y;
  return x < y ? x : y;
}

// Neumaier-improved Kahan summation step (kahanSumInc).
void KahanInc(double inc, double* sum, double* c) {
  double t = *sum + inc;
  if (std::fabs(*sum) >= std::fabs(inc)) {
    *c += (*sum - t) + inc;
  } else {
    *c += (inc - t) + *sum;
  }
  *sum = t;
}

// Go strconv.ParseFloat for label values such as "0.5", "+Inf", "1e3"; false on any error.
bool ParseGoFloat(std::string_view s, double* out) {
  if (s.empty()) return false;
  std::string lower;
  for (char c : s) lower += static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
  std::string_view body = lower;
  bool neg = false;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "inf" || body == "infinity") {
    *out = neg ? -kInf : kInf;
    return true;
  }
  if (body == "nan") {
    *out = kNaN;
    return true;
  }
  if (body.empty() || !(std::isdigit(static_cast<unsigned char>(body[0])) || body[0] == '.')) {
    return false;
  }
  if (body.size() > 1 && body[0] == '0' && body[1] == 'x') {
    if (body.find('p') == std::string_view::npos) return false;  // Go needs a p exponent
  }
  std::string str(s);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(str.c_str(), &end);
  if (end != str.c_str() + str.size()) return false;
  if (std::isinf(v)) return false;  // out of range
  *out = v;
  return true;
}

// The label set of absent()/absent_over_time() (createLabelsForAbsentFunction).
Labels AbsentLabelsFor(const Expr& arg) {
  const Expr& e = Unwrap(arg);
  if (const auto* vs = std::get_if<VectorSelector>(&e.node)) return AbsentLabels(*vs);
  if (const auto* ms = std::get_if<MatrixSelector>(&e.node)) return AbsentLabels(ms->selector);
  return Labels();
}

// Civil date from days since 1970-01-01 (proleptic Gregorian, UTC).
struct CivilDate {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};

CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{m <= 2 ? y + 1 : y, static_cast<int>(m), static_cast<int>(d)};
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && IsLeap(y)) return 29;
  return kDays[m - 1];
}

double DateFunction(std::string_view name, double seconds) {
  // Go: time.Unix(int64(v), 0).UTC(); the float-to-int conversion truncates.
  int64_t sec = std::numeric_limits<int64_t>::min();
  if (seconds >= -9.2e18 && seconds <= 9.2e18) sec = static_cast<int64_t>(seconds);
  int64_t days = sec / 86400;
  int64_t rem = sec % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  CivilDate date = CivilFromDays(days);
  if (name == "year") return static_cast<double>(date.year);
  if (name == "month") return date.month;
  if (name == "day_of_month") return date.day;
  if (name == "days_in_month") return DaysInMonth(date.year, date.month);
  if (name == "hour") return static_cast<double>(rem / 3600);
  if (name == "minute") return static_cast<double>((rem % 3600) / 60);
  if (name == "day_of_week") {
    int64_t wd = (days + 4) % 7;  // 1970-01-01 was a Thursday
    if (wd < 0) wd += 7;
    return static_cast<double>(wd);
  }
  // day_of_year
  static constexpr int kCumulative[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  int yday = kCumulative[date.month - 1] + date.day;
  if (date.month > 2 && IsLeap(date.year)) ++yday;
  return yday;
}

bool IsDateFunction(std::string_view name) {
  return name == "year" || name == "month" || name == "day_of_month" || name == "days_in_month" ||
         name == "hour" || name == "minute" || name == "day_of_week" || name == "day_of_year";
}

using MathFn = double (*)(double);

MathFn SimpleFunction(std::string_view name) {
  static const std::unordered_map<std::string_view, MathFn> kFns = {
      {"abs", [](double v) { return std::fabs(v); }},
      {"ceil", [](double v) { return std::ceil(v); }},
      {"floor", [](double v) { return std::floor(v); }},
      {"exp", [](double v) { return std::exp(v); }},
      {"sqrt", [](double v) { return std::sqrt(v); }},
      {"ln", [](double v) { return GoLog(v); }},
      {"log2", [](double v) { return GoLog2(v); }},
      {"log10", [](double v) { return GoLog10(v); }},
      {"sin", [](double v) { return std::sin(v); }},
      {"cos", [](double v) { return std::cos(v); }},
      {"tan", [](double v) { return std::tan(v); }},
      {"asin", [](double v) { return std::asin(v); }},
      {"acos", [](double v) { return std::acos(v); }},
      {"atan", [](double v) { return std::atan(v); }},
      {"sinh", [](double v) { return std::sinh(v); }},
      {"cosh", [](double v) { return std::cosh(v); }},
      {"tanh", [](double v) { return std::tanh(v); }},
      {"asinh", [](double v) { return std::asinh(v); }},
      {"acosh", [](double v) { return std::acosh(v); }},
      {"atanh", [](double v) { return std::atanh(v); }},
      {"deg", [](double v) { return v * 180 / std::numbers::pi; }},
      {"rad", [](double v) { return v * std::numbers::pi / 180; }},
      {"sgn",
       [](double v) {
         if (v < 0) return -1.0;
         if (v > 0) return 1.0;
         return v;
       }},
  };
  auto it = kFns.find(name);
  return it != kFns.end() ? it->second : nullptr;
}

// Go's Regexp.Expand for label_replace: $1, ${1}, $name, ${name}, $$.
std::string ExpandTemplate(std::string_view tmpl, const RE2& re,
                           const std::vector<re2::StringPiece>& groups) {
  std::string out;
  const auto& names = re.NamedCapturingGroups();
  std::size_t i = 0;
  while (i < tmpl.size()) {
    std::size_t dollar = tmpl.find('$', i);
    if (dollar == std::string_view::npos) {
      out.append(tmpl.substr(i));
      break;
    }
    out.append(tmpl.substr(i, dollar - i));
    i = dollar + 1;
    if (i < tmpl.size() && tmpl[i] == '$') {
      out += '$';
      ++i;
      continue;
    }
    // extract(): an optional brace, then the longest run of letters, digits and '_'.
    std::size_t j = i;
    bool brace = j < tmpl.size() && tmpl[j] == '{';
    if (brace) ++j;
    std::size_t name_start = j;
    while (j < tmpl.size()) {
      auto c = static_cast<unsigned char>(tmpl[j]);
      if (std::isalnum(c) || c == '_' || c >= 0x80) {
        ++j;
      } else {
        break;
      }
    }
    std::string_view name = tmpl.substr(name_start, j - name_start);
    if (name.empty() || (brace && (j >= tmpl.size() || tmpl[j] != '}'))) {
      out += '$';  // malformed: the '$' is literal text
      continue;
    }
    if (brace) ++j;
    i = j;
    int num = 0;
    for (char c : name) {
      if (c < '0' || c > '9' || num >= 100000000) {
        num = -1;
        break;
      }
      num = num * 10 + (c - '0');
    }
    if (name[0] == '0' && name.size() > 1) num = -1;
    if (num < 0) {
      auto it = names.find(std::string(name));
      if (it != names.end()) num = it->second;
    }
    if (num >= 0 && static_cast<std::size_t>(num) < groups.size() &&
        groups[static_cast<std::size_t>(num)].data() != nullptr) {
      const auto& g = groups[static_cast<std::size_t>(num)];
      out.append(g.data(), g.size());
    }
  }
  return out;
}

Vector LabelReplace(Vector vector, const std::vector<std::string>& s) {
  const std::string& dst = s[0];
  const std::string& repl = s[1];
  const std::string& src = s[2];
  const std::string& regex = s[3];
  RE2::Options options;
  options.set_log_errors(false);
  RE2 re("^(?:" + regex + ")$", options);
  if (!re.ok()) throw EvalError{"invalid regular expression in label_replace(): " + regex};
  if (!IsValidLabelName(dst)) {
    throw EvalError{"invalid destination label name in label_replace(): " + dst};
  }
  auto ngroups = static_cast<std::size_t>(re.NumberOfCapturingGroups()) + 1;
  std::vector<re2::StringPiece> groups(ngroups);
  for (auto& e : vector) {
    std::string src_val(e.labels.Get(src));
    if (!re.Match(src_val, 0, src_val.size(), RE2::ANCHOR_BOTH, groups.data(),
                  static_cast<int>(ngroups))) {
      continue;
    }
    std::string res = ExpandTemplate(repl, re, groups);
    e.labels.Remove(dst);
    if (!res.empty()) e.labels.Set(dst, res);
  }
  return vector;
}

Vector LabelJoin(Vector vector, const std::vector<std::string>& s) {
  const std::string& dst = s[0];
  const std::string& sep = s[1];
  std::vector<std::string> sources(s.begin() + 2, s.end());
  for (const auto& src : sources) {
    if (!IsValidLabelName(src)) {
      throw EvalError{"invalid source label name in label_join(): " + src};
    }
  }
  if (!IsValidLabelName(dst)) {
    throw EvalError{"invalid destination label name in label_join(): " + dst};
  }
  for (auto& e : vector) {
    std::string joined;
    for (std::size_t i = 0; i < sources.size(); ++i) {
      if (i > 0) joined += sep;
      joined += e.labels.Get(sources[i]);
    }
    e.labels.Set(dst, joined);
  }
  return vector;
}

Vector HistogramQuantile(double q, const Vector& in, int64_t ts) {
  struct Group {
    Labels labels;
    std::vector<Bucket> buckets;
  };
  std::vector<Group> groups;
  std::unordered_map<std::string, std::size_t> index;
  for (const auto& e : in) {
    double upper = 0;
    if (!ParseGoFloat(e.labels.Get("le"), &upper)) continue;
    Labels key_labels = e.labels;
    key_labels.Remove("le");
    std::string key = key_labels.Key();
    auto it = index.find(key);
    if (it == index.end()) {
      key_labels.Remove(kMetricNameLabel);
      it = index.emplace(std::move(key), groups.size()).first;
      groups.push_back(Group{std::move(key_labels), {}});
    }
    groups[it->second].buckets.push_back(Bucket{upper, e.v});
  }
  Vector out;
  for (auto& g : groups) {
    if (g.buckets.empty()) continue;
    out.push_back(VectorElement{std::move(g.labels), ts, BucketQuantile(q, g.buckets)});
  }
  return out;
}

// extrapolatedRate (2.42, float path).
std::optional<double> ExtrapolatedRate(const std::vector<Sample>& p, const MatrixSelector& ms,
                                       int64_t ts, bool is_counter, bool is_rate) {
  if (p.size() < 2) return std::nullopt;
  int64_t range_start = ts - (ms.range_ms + ms.selector.offset_ms);
  int64_t range_end = ts - ms.selector.offset_ms;
  double result = p.back().v - p.front().v;
  if (is_counter) {
    double prev = p.front().v;
    for (std::size_t i = 1; i < p.size(); ++i) {
      if (p[i].v < prev) result += prev;
      prev = p[i].v;
    }
  }
  double duration_to_start = static_cast<double>(p.front().t - range_start) / 1000;
  double duration_to_end = static_cast<double>(range_end - p.back().t) / 1000;
  double sampled_interval = static_cast<double>(p.back().t - p.front().t) / 1000;
  double average = sampled_interval / static_cast<double>(p.size() - 1);
  if (is_counter && result > 0 && p.front().v >= 0) {
    double duration_to_zero = sampled_interval * (p.front().v / result);
    if (duration_to_zero < duration_to_start) duration_to_start = duration_to_zero;
  }
  double threshold = average * 1.1;
  double extrapolate_to = sampled_interval;
  extrapolate_to += duration_to_start < threshold ? duration_to_start : average / 2;
  extrapolate_to += duration_to_end < threshold ? duration_to_end : average / 2;
  double factor = extrapolate_to / sampled_interval;
  if (is_rate) factor /= static_cast<double>(ms.range_ms) / 1000;
  return result * factor;
}

std::optional<double> InstantValue(const std::vector<Sample>& p, bool is_rate) {
  if (p.size() < 2) return std::nullopt;
  const Sample& last = p[p.size() - 1];
  const Sample& prev = p[p.size() - 2];
  double result = (is_rate && last.v < prev.v) ? last.v : last.v - prev.v;
  int64_t interval = last.t - prev.t;
  if (interval == 0) return std::nullopt;
  if (is_rate) result /= static_cast<double>(interval) / 1000;
  return result;
}

void LinearRegression(const std::vector<Sample>& p, int64_t intercept_time, double* slope,
                      double* intercept) {
  double n = 0;
  double sum_x = 0, c_x = 0, sum_y = 0, c_y = 0, sum_xy = 0, c_xy = 0, sum_x2 = 0, c_x2 = 0;
  double init_y = p[0].v;
  bool const_y = true;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (const_y && i > 0 && p[i].v != init_y) const_y = false;
    n += 1.0;
    double x = static_cast<double>(p[i].t - intercept_time) / 1e3;
    KahanInc(x, &sum_x, &c_x);
    KahanInc(p[i].v, &sum_y, &c_y);
    KahanInc(x * p[i].v, &sum_xy, &c_xy);
    KahanInc(x * x, &sum_x2, &c_x2);
  }
  if (const_y) {
    if (std::isinf(init_y)) {
      *slope = kNaN;
      *intercept = kNaN;
      return;
    }
    *slope = 0;
    *intercept = init_y;
    return;
  }
  sum_x += c_x;
  sum_y += c_y;
  sum_xy += c_xy;
  sum_x2 += c_x2;
  double cov_xy = sum_xy - sum_x * sum_y / n;
  double var_x = sum_x2 - sum_x * sum_x / n;
  *slope = cov_xy / var_x;
  *intercept = sum_y / n - *slope * sum_x / n;
}

std::string GoFloatF(double v) {
  char buf[512];
  std::snprintf(buf, sizeof(buf), "%f", v);
  std::string s = buf;
  if (s == "nan" || s == "-nan") return "NaN";
  if (s == "inf") return "+Inf";
  if (s == "-inf") return "-Inf";
  return s;
}

std::optional<double> HoltWinters(const std::vector<Sample>& p, double sf, double tf) {
  if (sf <= 0 || sf >= 1) {
    throw EvalError{"invalid smoothing factor. Expected: 0 < sf < 1, got: " + GoFloatF(sf)};
  }
  if (tf <= 0 || tf >= 1) {
    throw EvalError{"invalid trend factor. Expected: 0 < tf < 1, got: " + GoFloatF(tf)};
  }
  if (p.size() < 2) return std::nullopt;
  double s0 = 0;
  double s1 = p[0].v;
  double b = p[1].v - p[0].v;
  for (std::size_t i = 1; i < p.size(); ++i) {
    double x = sf * p[i].v;
    // calcTrendValue(i-1, tf, s0, s1, b)
    if (i - 1 != 0) b = tf * (s1 - s0) + (1 - tf) * b;
    double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

}  // namespace

bool LessNaNFirst(double a, double b) {
  if (std::isnan(a)) return !std::isnan(b);
  return !std::isnan(b) && a < b;
}

bool GreaterNaNFirst(double a, double b) {
  if (std::isnan(a)) return !std::isnan(b);
  return !std::isnan(b) && a > b;
}

Labels AbsentLabels(const VectorSelector& vs) {
  Labels out;
  std::vector<std::string> has;
  for (const auto& m : vs.matchers) {
    if (m.name == kMetricNameLabel) continue;
    bool seen = std::find(has.begin(), has.end(), m.name) != has.end();
    if (m.op == MatchOp::kEqual && !seen) {
      out.Set(m.name, m.value);
      has.push_back(m.name);
    } else {
      out.Remove(m.name);
    }
  }
  return out;
}

Vector CallVectorFunction(const Call& call, const std::vector<double>& scalars, Vector vector,
                          const std::vector<std::string>& strings, int64_t ts) {
  std::string_view name = call.func->name;
  // timestamp() reads the elements' own times (set from the samples for a selector argument).
  if (name != "timestamp") {
    for (auto& e : vector) e.t = ts;
  }
  if (MathFn fn = SimpleFunction(name)) {
    for (auto& e : vector) {
      e.labels.Remove(kMetricNameLabel);
      e.v = fn(e.v);
    }
    return vector;
  }
  if (IsDateFunction(name)) {
    if (call.args.empty()) {
      return Vector{
          VectorElement{Labels(), ts, DateFunction(name, static_cast<double>(ts / 1000))}};
    }
    for (auto& e : vector) {
      e.labels.Remove(kMetricNameLabel);
      e.v = DateFunction(name, e.v);
    }
    return vector;
  }
  if (name == "round") {
    double to_nearest = scalars.empty() ? 1 : scalars[0];
    double inverse = 1.0 / to_nearest;
    for (auto& e : vector) {
      e.labels.Remove(kMetricNameLabel);
      e.v = std::floor(e.v * inverse + 0.5) / inverse;
    }
    return vector;
  }
  if (name == "clamp" || name == "clamp_min" || name == "clamp_max") {
    double min = name == "clamp_max" ? 0 : scalars[0];
    double max = name == "clamp" ? scalars[1] : (name == "clamp_max" ? scalars[0] : 0);
    if (name == "clamp" && max < min) return {};
    for (auto& e : vector) {
      e.labels.Remove(kMetricNameLabel);
      if (name == "clamp") {
        e.v = GoMax(min, GoMin(max, e.v));
      } else if (name == "clamp_min") {
        e.v = GoMax(min, e.v);
      } else {
        e.v = GoMin(max, e.v);
      }
    }
    return vector;
  }
  if (name == "absent") {
    if (!vector.empty()) return {};
    return Vector{VectorElement{AbsentLabelsFor(*call.args[0]), ts, 1}};
  }
  if (name == "vector") return Vector{VectorElement{Labels(), ts, scalars[0]}};
  if (name == "timestamp") {
    for (auto& e : vector) {
      e.labels.Remove(kMetricNameLabel);
      e.v = static_cast<double>(e.t) / 1000;
      e.t = ts;
    }
    return vector;
  }
  // sort: ascending, sort_desc: descending; NaN last in both (sort.Reverse of the heap orders).
  if (name == "sort") {
    std::stable_sort(
        vector.begin(), vector.end(),
        [](const VectorElement& a, const VectorElement& b) { return GreaterNaNFirst(b.v, a.v); });
    return vector;
  }
  if (name == "sort_desc") {
    std::stable_sort(
        vector.begin(), vector.end(),
        [](const VectorElement& a, const VectorElement& b) { return LessNaNFirst(b.v, a.v); });
    return vector;
  }
  if (name == "histogram_quantile") return HistogramQuantile(scalars[0], vector, ts);
  if (name == "label_replace") return LabelReplace(std::move(vector), strings);
  if (name == "label_join") return LabelJoin(std::move(vector), strings);
  throw EvalError{"function " + std::string(name) + " is not implemented"};
}

double CallScalarFunction(const Call& call, const std::vector<double>& /*scalars*/,
                          const Vector& vector, int64_t ts) {
  std::string_view name = call.func->name;
  if (name == "time") return static_cast<double>(ts) / 1000;
  if (name == "pi") return std::numbers::pi;
  if (name == "scalar") return vector.size() == 1 ? vector[0].v : kNaN;
  throw EvalError{"function " + std::string(name) + " is not implemented"};
}

std::optional<double> CallRangeFunction(std::string_view name, const std::vector<Sample>& p,
                                        const std::vector<double>& scalars,
                                        const MatrixSelector& ms, int64_t ts) {
  if (name == "rate") return ExtrapolatedRate(p, ms, ts, true, true);
  if (name == "increase") return ExtrapolatedRate(p, ms, ts, true, false);
  if (name == "delta") return ExtrapolatedRate(p, ms, ts, false, false);
  if (name == "irate") return InstantValue(p, true);
  if (name == "idelta") return InstantValue(p, false);
  if (name == "deriv" || name == "predict_linear") {
    if (p.size() < 2) return std::nullopt;
    double slope = 0;
    double intercept = 0;
    if (name == "deriv") {
      LinearRegression(p, p[0].t, &slope, &intercept);
      return slope;
    }
    LinearRegression(p, ts, &slope, &intercept);
    return slope * scalars[0] + intercept;
  }
  if (name == "resets" || name == "changes") {
    int count = 0;
    double prev = p[0].v;
    for (std::size_t i = 1; i < p.size(); ++i) {
      double cur = p[i].v;
      if (name == "resets") {
        if (cur < prev) ++count;
      } else if (cur != prev && !(std::isnan(cur) && std::isnan(prev))) {
        ++count;
      }
      prev = cur;
    }
    return count;
  }
  if (name == "avg_over_time") {
    double mean = 0;
    double count = 0;
    double c = 0;
    for (const auto& s : p) {
      count++;
      if (std::isinf(mean)) {
        if (std::isinf(s.v) && (mean > 0) == (s.v > 0)) continue;
        if (!std::isinf(s.v) && !std::isnan(s.v)) continue;
      }
      KahanInc(s.v / count - mean / count, &mean, &c);
    }
    if (std::isinf(mean)) return mean;
    return mean + c;
  }
  if (name == "sum_over_time") {
    double sum = 0;
    double c = 0;
    for (const auto& s : p) KahanInc(s.v, &sum, &c);
    if (std::isinf(sum)) return sum;
    return sum + c;
  }
  if (name == "max_over_time" || name == "min_over_time") {
    bool is_max = name == "max_over_time";
    double v = p[0].v;
    for (const auto& s : p) {
      if ((is_max ? s.v > v : s.v < v) || std::isnan(v)) v = s.v;
    }
    return v;
  }
  if (name == "count_over_time") return static_cast<double>(p.size());
  if (name == "last_over_time") return p.back().v;
  if (name == "present_over_time") return 1.0;
  if (name == "absent_over_time") return std::nullopt;
  if (name == "quantile_over_time") {
    std::vector<double> values;
    values.reserve(p.size());
    for (const auto& s : p) values.push_back(s.v);
    return Quantile(scalars[0], values);
  }
  if (name == "stddev_over_time" || name == "stdvar_over_time") {
    double count = 0;
    double mean = 0, c_mean = 0, aux = 0, c_aux = 0;
    for (const auto& s : p) {
      count++;
      double delta = s.v - (mean + c_mean);
      KahanInc(delta / count, &mean, &c_mean);
      KahanInc(delta * (s.v - (mean + c_mean)), &aux, &c_aux);
    }
    double var = (aux + c_aux) / count;
    return name == "stddev_over_time" ? std::sqrt(var) : var;
  }
  if (name == "holt_winters") return HoltWinters(p, scalars[0], scalars[1]);
  throw EvalError{"function " + std::string(name) + " is not implemented"};
}

}  // namespace nca::alerts::promql::internal
