// Values PromQL evaluation produces and the sample storage it reads (Prometheus 2.42 float
// semantics): label sets, samples, stale markers, instant vectors, matrices, and the Queryable
// interface the engine selects series through.
//
// Plain values; thread-safety as stated per type.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "alerts/promql/ast.h"

namespace nca::alerts::promql {

// A label set sorted by name, names unique; the metric name is the label "__name__".
// Plain value.
class Labels {
 public:
  Labels() = default;
  // Sorts; a later duplicate name replaces an earlier one; empty values are dropped (a label
  // with an empty value is the same as no label, as in Prometheus).
  explicit Labels(std::vector<std::pair<std::string, std::string>> pairs);

  const std::vector<std::pair<std::string, std::string>>& pairs() const { return pairs_; }
  std::string_view Get(std::string_view name) const;  // "" when absent
  bool Has(std::string_view name) const;
  // Sets (or, with an empty value, removes) a label; keeps the order.
  void Set(std::string_view name, std::string_view value);
  void Remove(std::string_view name);
  bool empty() const { return pairs_.empty(); }
  // The labels as a map (what templates and Alertmanager take).
  std::map<std::string, std::string> Map() const;
  std::size_t size() const { return pairs_.size(); }

  // Prometheus' labels.String(): `{__name__="x", a="b"}` (sorted, Go-quoted values, ", "
  // separator), as promtool prints label sets and as engine error messages quote them.
  std::string ToString() const;
  // A stable hash/identity key (names and values with separators that cannot occur in UTF-8).
  std::string Key() const;

  friend bool operator==(const Labels&, const Labels&) = default;
  friend bool operator<(const Labels& a, const Labels& b) { return a.pairs_ < b.pairs_; }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

inline constexpr char kMetricNameLabel[] = "__name__";

// Prometheus' staleness marker: a NaN with this exact bit pattern (value.StaleNaN).
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
double StaleNaN();
bool IsStaleNaN(double v);  // bit-exact comparison; an ordinary NaN is not stale

struct Sample {
  int64_t t = 0;  // milliseconds since the epoch
  double v = 0;
};

struct Series {
  Labels labels;
  std::vector<Sample> samples;  // ascending t, stale markers included
};

// What the engine reads. Implementations must be safe for concurrent Select calls.
class Queryable {
 public:
  virtual ~Queryable() = default;
  // Every series matching all `matchers` with its samples whose t is in [mint, maxt] (closed).
  // Series without samples in the range may be left out.
  virtual std::vector<Series> Select(const std::vector<LabelMatcher>& matchers, int64_t mint,
                                     int64_t maxt) const = 0;
};

// The Queryable::Select contract over an in-memory map of series (ascending samples): every
// series matching all `matchers` with its samples in [mint, maxt], series without such samples
// left out. Shared by MemoryQueryable and the agent's sample history; pure.
std::vector<Series> SelectFromMap(const std::map<Labels, std::vector<Sample>>& series,
                                  const std::vector<LabelMatcher>& matchers, int64_t mint,
                                  int64_t maxt);

// One element of an instant vector.
struct VectorElement {
  Labels labels;
  int64_t t = 0;
  double v = 0;
};

using Vector = std::vector<VectorElement>;
using Matrix = std::vector<Series>;

struct Scalar {
  int64_t t = 0;
  double v = 0;
};

struct String {
  int64_t t = 0;
  std::string v;
};

using Value = std::variant<Scalar, Vector, Matrix, String>;

// Go's strconv.FormatFloat(v, 'g', -1, 64) as used by Prometheus to print sample values in
// errors and the API ("1e+06", "0.1", "NaN", "+Inf", "-Inf").
std::string FormatFloat(double v);
// Go's strconv.FormatFloat(v, 'E', -1, 64), as promtool prints sample values
// ("1.6666666666666669E-01", "1E+00", "NaN", "+Inf").
std::string FormatFloatE(double v);
// Go's strconv.FormatFloat(v, 'f', -1, 64), as count_values writes label values
// ("1234567", "1000000000000000000000", "0.1", "NaN", "+Inf").
std::string FormatFloatFixed(double v);

}  // namespace nca::alerts::promql
