// SampleHistory: the agent's own sample store for rule evaluation. A promql::Queryable fed with
// timestamped batches, one batch per collector snapshot (or per rule evaluation): each batch is
// the full set of series that source exposes at that time. A series a source exposed in its
// previous batch but not in the current one gets a stale marker (StaleNaN) at the batch time,
// exactly like Prometheus' scrape staleness, so it disappears from instant queries at once.
//
// Retention is bounded: samples older than (newest timestamp - retention) are dropped, where
// retention is normally RetentionFor(largest range the loaded rules read). Samples are stored
// compactly (SampleChunks, about 2 bytes a sample for a value that repeats).
//
// Thread-safety: one writer and any number of concurrent readers (a shared_mutex); all methods
// may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alerts/promql/value.h"
#include "alerts/sample_chunks.h"

namespace nca::alerts {

class SampleHistory final : public promql::Queryable {
 public:
  // Lookback of instant selectors plus a margin, added to the largest rule range.
  static constexpr int64_t kLookbackMs = 5 * 60 * 1000;
  static constexpr int64_t kMarginMs = 60 * 1000;
  static int64_t RetentionFor(int64_t max_range_ms) {
    return max_range_ms + kLookbackMs + kMarginMs;
  }

  explicit SampleHistory(int64_t retention_ms);

  using Batch = std::vector<std::pair<promql::Labels, double>>;

  // Appends `batch` from `source` at t_ms (full series set; see the class comment). Samples not
  // newer than a series' last sample are ignored (an equal timestamp replaces the value).
  void AppendBatch(std::string_view source, int64_t t_ms, const Batch& batch);

  // Appends one sample without staleness tracking (tests, loaders).
  void Append(const promql::Labels& labels, int64_t t_ms, double v);

  void SetRetention(int64_t retention_ms);
  int64_t retention_ms() const;

  // Approximate heap bytes held (labels, samples, bookkeeping), for a self-metric.
  std::size_t MemoryBytes() const;
  std::size_t SeriesCount() const;
  std::size_t SampleCount() const;

  std::vector<promql::Series> Select(const std::vector<promql::LabelMatcher>& matchers,
                                     int64_t mint, int64_t maxt) const override;

 private:
  void AppendLocked(const promql::Labels& labels, int64_t t_ms, double v);
  void TrimLocked();

  mutable std::shared_mutex mu_;
  int64_t retention_ms_;                                                     // guarded by mu_
  int64_t newest_ms_ = INT64_MIN;                                            // guarded by mu_
  std::map<promql::Labels, SampleChunks> series_;                            // guarded by mu_
  std::map<std::string, std::set<promql::Labels>, std::less<>> last_batch_;  // guarded by mu_
};

}  // namespace nca::alerts
