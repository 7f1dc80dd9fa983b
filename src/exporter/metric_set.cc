#include "exporter/metric_set.h"

#include <algorithm>
#include <stdexcept>

namespace nca::exporter {

MetricSetBuilder::Family& MetricSetBuilder::Family::Add(const Labels& labels, double value) {
  prometheus::ClientMetric m;
  m.label.reserve(labels.size());
  for (const auto& [k, v] : labels) {
    m.label.push_back({k, v});
  }
  if (f_->type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f_->metric.push_back(std::move(m));
  return *this;
}

MetricSetBuilder::Family MetricSetBuilder::Declare(const std::string& name,
                                                   const std::string& help,
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

MetricSetBuilder::Family MetricSetBuilder::Gauge(const std::string& name,
                                                 const std::string& help) {
  return Declare(name, help, prometheus::MetricType::Gauge);
}

MetricSetBuilder::Family MetricSetBuilder::Counter(const std::string& name,
                                                   const std::string& help) {
  return Declare(name, help, prometheus::MetricType::Counter);
}

MetricSet MetricSetBuilder::Build() && {
  MetricSet out;
  out.reserve(families_.size());
  for (auto& [name, f] : families_) {
    std::sort(f.metric.begin(), f.metric.end(),
              [](const prometheus::ClientMetric& a, const prometheus::ClientMetric& b) {
                return a.label < b.label;
              });
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace nca::exporter
