// MetricSet: an immutable batch of metric families produced by one collector run. Built with
// MetricSetBuilder; served as-is by /metrics and (later) fed to the local rule evaluator.
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nca::exporter {

using Labels = std::vector<std::pair<std::string, std::string>>;
using MetricSet = std::vector<prometheus::MetricFamily>;

// One histogram series as exposed: cumulative bucket counts, sum and count. The +Inf bucket is
// implied (it equals `count`; the text serializer writes it), so `upper_bounds` holds the finite
// bounds only. Plain value; not thread-safe.
struct HistogramValue {
  std::vector<double> upper_bounds;       // strictly ascending, finite
  std::vector<std::uint64_t> cumulative;  // observations <= each bound; same size, non-decreasing
  double sum = 0;                         // sum of every observation
  std::uint64_t count = 0;                // number of observations (>= cumulative.back())
};

// One summary series as exposed: quantiles (ascending, each in [0, 1]), count and sum. Only the
// relay of Neo4j's own metrics makes summaries (Neo4j writes no `_sum`: it relays NaN).
struct SummaryValue {
  std::vector<std::pair<double, double>> quantiles;  // (quantile, value)
  std::uint64_t count = 0;
  double sum = 0;
};

// Accumulates observations into fixed buckets, for collectors that keep a histogram across runs
// (Prometheus histograms are cumulative counters). Plain value; not thread-safe.
class HistogramCounts {
 public:
  // `upper_bounds` must be strictly ascending and finite (std::invalid_argument otherwise).
  explicit HistogramCounts(std::vector<double> upper_bounds);

  // Counts `value` in every bucket whose bound is >= value (NaN only in the implied +Inf bucket).
  void Observe(double value);

  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }
  // The exposed form (cumulative counts).
  HistogramValue Value() const;

 private:
  std::vector<double> upper_bounds_;
  std::vector<std::uint64_t> per_bucket_;  // non-cumulative: observations in (prev, bound]
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

// Not thread-safe; one builder per collector run. Programming errors (a family declared with two
// types, a sample of the wrong kind, a malformed HistogramValue) throw std::logic_error.
class MetricSetBuilder {
 public:
  // Declares a family (idempotent for the same name) and returns a handle to add samples.
  class Family {
   public:
    // Adds one gauge or counter sample. Label order is kept as given.
    Family& Add(const Labels& labels, double value);
    // Adds one histogram sample (histogram families only).
    Family& Add(const Labels& labels, const HistogramValue& value);
    // Adds one summary sample (summary families only).
    Family& Add(const Labels& labels, const SummaryValue& value);

   private:
    friend class MetricSetBuilder;
    explicit Family(prometheus::MetricFamily* f) : f_(f) {}
    prometheus::MetricFamily* f_;
  };

  Family Gauge(const std::string& name, const std::string& help);
  Family Counter(const std::string& name, const std::string& help);
  // A histogram family; `name` is the base name (series `<name>_bucket`, `_sum`, `_count`).
  Family Histogram(const std::string& name, const std::string& help);
  // A summary family (series `<name>{quantile=...}`, `<name>_sum`, `<name>_count`).
  Family Summary(const std::string& name, const std::string& help);
  // An untyped family (relayed samples whose type the source did not declare).
  Family Untyped(const std::string& name, const std::string& help);
  // Whether `name` is declared, and with which type.
  std::optional<prometheus::MetricType> TypeOf(const std::string& name) const;

  // Families in name order, samples in label order: deterministic output.
  MetricSet Build() &&;

 private:
  Family Declare(const std::string& name, const std::string& help, prometheus::MetricType type);
  std::map<std::string, prometheus::MetricFamily> families_;
};

}  // namespace nca::exporter
