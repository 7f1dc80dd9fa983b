// MetricSet: an immutable batch of metric families produced by one collector run. Built with
// MetricSetBuilder; served as-is by /metrics and (later) fed to the local rule evaluator.
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <prometheus/metric_family.h>

namespace nca::exporter {

using Labels = std::vector<std::pair<std::string, std::string>>;
using MetricSet = std::vector<prometheus::MetricFamily>;

// Not thread-safe; one builder per collector run.
class MetricSetBuilder {
 public:
  // Declares a family (idempotent for the same name) and returns a handle to add samples.
  class Family {
   public:
    // Adds one sample. Label order is kept as given.
    Family& Add(const Labels& labels, double value);

   private:
    friend class MetricSetBuilder;
    explicit Family(prometheus::MetricFamily* f) : f_(f) {}
    prometheus::MetricFamily* f_;
  };

  Family Gauge(const std::string& name, const std::string& help);
  Family Counter(const std::string& name, const std::string& help);

  // Families in name order, samples in label order: deterministic output.
  MetricSet Build() &&;

 private:
  Family Declare(const std::string& name, const std::string& help, prometheus::MetricType type);
  std::map<std::string, prometheus::MetricFamily> families_;
};

}  // namespace nca::exporter
