// Internal to the engine: PromQL function and aggregation implementations (Prometheus 2.42
// promql/functions.go, quantile.go and the aggregation loop of engine.go), implemented in
// functions.cc, go_math.cc and aggregate.cc. Exposed for tests.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alerts/promql/ast.h"
#include "alerts/promql/value.h"

namespace nca::alerts::promql::internal {

// A query error; thrown inside the engine (as Prometheus panics) and turned into a Result by
// Engine::Instant. Never escapes the engine.
struct EvalError {
  std::string message;
};

// Go's math.Pow (its own algorithm, not libm's pow, so results match bit for bit).
double GoPow(double x, double y);
// Go's math.Log (fdlibm), math.Log2 (exact for powers of two) and math.Log10 (= Log * 1/Ln10
// with Go's exactly rounded constant: log10(1000) is 3).
double GoLog(double x);
double GoLog10(double x);
double GoLog2(double x);

// quantile() of quantile.go (NaN sorts first); sorts `values`.
double Quantile(double q, std::vector<double>& values);

struct Bucket {
  double upper_bound = 0;
  double count = 0;
};
// bucketQuantile() with coalesceBuckets/ensureMonotonic; sorts and edits `buckets`.
double BucketQuantile(double q, std::vector<Bucket>& buckets);

// Go's vectorByValueHeap order as a strict weak ordering: NaN first, then ascending; and the
// reverse-value order: NaN first, then descending (sort, sort_desc, topk, bottomk).
bool LessNaNFirst(double a, double b);
bool GreaterNaNFirst(double a, double b);

// The labels absent()/absent_over_time() return for a selector argument.
Labels AbsentLabels(const VectorSelector& vs);

// A function with instant-vector/scalar/string arguments and a vector result. `scalars` and
// `strings` are the evaluated scalar and string arguments in order; `vector` the vector one.
Vector CallVectorFunction(const Call& call, const std::vector<double>& scalars, Vector vector,
                          const std::vector<std::string>& strings, int64_t ts);
// time(), pi(), scalar().
double CallScalarFunction(const Call& call, const std::vector<double>& scalars,
                          const Vector& vector, int64_t ts);
// A range-vector function over one series' non-stale points (at least one); nullopt: no output.
std::optional<double> CallRangeFunction(std::string_view name, const std::vector<Sample>& points,
                                        const std::vector<double>& scalars,
                                        const MatrixSelector& selector, int64_t ts);

// The aggregation of engine.go. `grouping` must be sorted.
Vector Aggregate(AggOp op, const std::vector<std::string>& grouping, bool without, double param,
                 const std::string& string_param, Vector input, int64_t ts);

}  // namespace nca::alerts::promql::internal
