// MemoryQueryable: a small in-memory sample store implementing Queryable, for tests and the
// promtool-compatible test runner.
//
// Thread-safe: Add/AddSeries/Select may be called concurrently (one mutex).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "alerts/promql/value.h"

namespace nca::alerts::promql {

class MemoryQueryable final : public Queryable {
 public:
  MemoryQueryable() = default;

  // Adds one sample (a stale marker is StaleNaN()). Samples may come in any order; a sample
  // with the same timestamp as an existing one replaces it.
  void Add(const Labels& labels, int64_t t, double v);
  // Replaces the whole series with these labels (samples are sorted by t).
  void AddSeries(Series series);
  // Removes every series.
  void Clear();
  std::size_t SeriesCount() const;

  // Series in label order.
  std::vector<Series> Select(const std::vector<LabelMatcher>& matchers, int64_t mint,
                             int64_t maxt) const override;

 private:
  mutable std::mutex mu_;
  std::map<Labels, std::vector<Sample>> series_;  // guarded by mu_
};

}  // namespace nca::alerts::promql
