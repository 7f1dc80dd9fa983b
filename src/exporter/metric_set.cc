#include "exporter/metric_set.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace nca::exporter {
namespace {

prometheus::ClientMetric WithLabels(const Labels& labels) {
  prometheus::ClientMetric m;
  m.label.reserve(labels.size());
  for (const auto& [k, v] : labels) {
    m.label.push_back({k, v});
  }
  return m;
}

bool StrictlyAscendingFinite(const std::vector<double>& bounds) {
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && !(bounds[i - 1] < bounds[i]))) {
      return false;
    }
  }
  return true;
}

void CheckHistogram(const std::string& family, const HistogramValue& v) {
  bool ok = StrictlyAscendingFinite(v.upper_bounds) &&
            v.cumulative.size() == v.upper_bounds.size() &&
            std::is_sorted(v.cumulative.begin(), v.cumulative.end()) &&
            (v.cumulative.empty() || v.cumulative.back() <= v.count);
  if (!ok) {
    throw std::logic_error("malformed histogram sample for " + family);
  }
}

}  // namespace

HistogramCounts::HistogramCounts(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), per_bucket_(upper_bounds_.size(), 0) {
  if (!StrictlyAscendingFinite(upper_bounds_)) {
    throw std::invalid_argument("histogram bounds must be finite and strictly ascending");
  }
}

void HistogramCounts::Observe(double value) {
  ++count_;
  sum_ += value;
  // First bound >= value; NaN compares false everywhere and lands past the end (+Inf only).
  auto it = std::find_if(upper_bounds_.begin(), upper_bounds_.end(),
                         [value](double bound) { return value <= bound; });
  if (it != upper_bounds_.end()) {
    ++per_bucket_[static_cast<std::size_t>(it - upper_bounds_.begin())];
  }
}

HistogramValue HistogramCounts::Value() const {
  HistogramValue v;
  v.upper_bounds = upper_bounds_;
  v.cumulative.reserve(per_bucket_.size());
  std::uint64_t running = 0;
  for (std::uint64_t n : per_bucket_) {
    running += n;
    v.cumulative.push_back(running);
  }
  v.sum = sum_;
  v.count = count_;
  return v;
}

MetricSetBuilder::Family& MetricSetBuilder::Family::Add(const Labels& labels, double value) {
  prometheus::ClientMetric m = WithLabels(labels);
  switch (f_->type) {
    case prometheus::MetricType::Counter:
      m.counter.value = value;
      break;
    case prometheus::MetricType::Gauge:
      m.gauge.value = value;
      break;
    case prometheus::MetricType::Untyped:
      m.untyped.value = value;
      break;
    default:
      throw std::logic_error("metric family " + f_->name + " takes histogram or summary samples");
  }
  f_->metric.push_back(std::move(m));
  return *this;
}

MetricSetBuilder::Family& MetricSetBuilder::Family::Add(const Labels& labels,
                                                        const HistogramValue& value) {
  if (f_->type != prometheus::MetricType::Histogram) {
    throw std::logic_error("metric family " + f_->name + " is not a histogram");
  }
  CheckHistogram(f_->name, value);
  prometheus::ClientMetric m = WithLabels(labels);
  m.histogram.sample_count = value.count;
  m.histogram.sample_sum = value.sum;
  m.histogram.bucket.reserve(value.upper_bounds.size());
  for (std::size_t i = 0; i < value.upper_bounds.size(); ++i) {
    prometheus::ClientMetric::Bucket b;
    b.upper_bound = value.upper_bounds[i];
    b.cumulative_count = value.cumulative[i];
    m.histogram.bucket.push_back(b);
  }
  f_->metric.push_back(std::move(m));
  return *this;
}

MetricSetBuilder::Family& MetricSetBuilder::Family::Add(const Labels& labels,
                                                        const SummaryValue& value) {
  if (f_->type != prometheus::MetricType::Summary) {
    throw std::logic_error("metric family " + f_->name + " is not a summary");
  }
  prometheus::ClientMetric m = WithLabels(labels);
  m.summary.sample_count = value.count;
  m.summary.sample_sum = value.sum;
  m.summary.quantile.reserve(value.quantiles.size());
  for (const auto& [q, v] : value.quantiles) {
    if (!(q >= 0 && q <= 1)) {
      throw std::logic_error("quantile out of [0, 1] in " + f_->name);
    }
    prometheus::ClientMetric::Quantile quantile;
    quantile.quantile = q;
    quantile.value = v;
    m.summary.quantile.push_back(quantile);
  }
  f_->metric.push_back(std::move(m));
  return *this;
}

MetricSetBuilder::Family MetricSetBuilder::Declare(const std::string& name, const std::string& help,
                                                   prometheus::MetricType type) {
  auto [it, inserted] = families_.try_emplace(name);
  if (inserted) {
    it->second.name = name;
    it->second.help = help;
    it->second.type = type;
  } else if (it->second.type != type) {
    throw std::logic_error("metric family " + name + " declared with two types");
  }
  return Family(&it->second);
}

MetricSetBuilder::Family MetricSetBuilder::Gauge(const std::string& name, const std::string& help) {
  return Declare(name, help, prometheus::MetricType::Gauge);
}

MetricSetBuilder::Family MetricSetBuilder::Counter(const std::string& name,
                                                   const std::string& help) {
  return Declare(name, help, prometheus::MetricType::Counter);
}

MetricSetBuilder::Family MetricSetBuilder::Histogram(const std::string& name,
                                                     const std::string& help) {
  return Declare(name, help, prometheus::MetricType::Histogram);
}

MetricSetBuilder::Family MetricSetBuilder::Summary(const std::string& name,
                                                   const std::string& help) {
  return Declare(name, help, prometheus::MetricType::Summary);
}

MetricSetBuilder::Family MetricSetBuilder::Untyped(const std::string& name,
                                                   const std::string& help) {
  return Declare(name, help, prometheus::MetricType::Untyped);
}

std::optional<prometheus::MetricType> MetricSetBuilder::TypeOf(const std::string& name) const {
  auto it = families_.find(name);
  if (it == families_.end()) {
    return std::nullopt;
  }
  return it->second.type;
}

MetricSet MetricSetBuilder::Build() && {
  MetricSet out;
  out.reserve(families_.size());
  for (auto& [name, f] : families_) {
    std::sort(f.metric.begin(), f.metric.end(),
              [](const prometheus::ClientMetric& a, const prometheus::ClientMetric& b) {
                return a.label < b.label;
              });
    // Kept until the collector's next run: without the room push_back left (up to half again).
    f.metric.shrink_to_fit();
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace nca::exporter
