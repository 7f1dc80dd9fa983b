// The PromQL evaluator: instant queries with Prometheus 2.42 float semantics (promql/engine.go,
// functions.go, quantile.go), as a rule evaluation at one timestamp runs them.
//
// Reproduced: the 5m lookback and stale markers of instant selectors, closed range windows,
// extrapolatedRate, instantValue, linearRegression (Kahan), holt_winters, bucketQuantile with
// coalesceBuckets/ensureMonotonic, quantile (NaN sorts first), the aggregation loop (incremental
// mean, NaN rules, `without` drops __name__, count_values, topk/bottomk), vector matching with
// resultMetric/shouldDropMetricName, set operators, and Prometheus' runtime errors
// (`vector cannot contain metrics with the same labelset`, `found duplicate series for the match
// group ...`, `multiple matches for labels: ...`, label_replace/label_join validation, ...).
// Date functions use UTC. Every element of a vector result carries t = ts.
//
// Thread-safety: Engine is immutable after construction; Instant() may be called concurrently
// (each call keeps its state on its own stack).
#pragma once

#include <cstdint>

#include "alerts/promql/ast.h"
#include "alerts/promql/value.h"
#include "common/result.h"

namespace nca::alerts::promql {

struct EngineOptions {
  // How far back an instant selector looks for the newest sample (Prometheus' default 5m).
  int64_t lookback_ms = 300000;
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {}) : options_(options) {}

  // Evaluates a parsed expression at `ts_ms`. Query errors are kInvalidArgument with
  // Prometheus' message (e.g. "vector cannot contain metrics with the same labelset").
  Result<Value> Instant(const Expr& expr, int64_t ts_ms, const Queryable& data) const;

  const EngineOptions& options() const { return options_; }

 private:
  EngineOptions options_;
};

}  // namespace nca::alerts::promql
