#include "alerts/promql/memory.h"

#include <algorithm>
#include <utility>

namespace nca::alerts::promql {

void MemoryQueryable::Add(const Labels& labels, int64_t t, double v) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& samples = series_[labels];
  auto it = std::lower_bound(samples.begin(), samples.end(), t,
                             [](const Sample& s, int64_t ts) { return s.t < ts; });
  if (it != samples.end() && it->t == t) {
    it->v = v;
  } else {
    samples.insert(it, Sample{t, v});
  }
}

void MemoryQueryable::AddSeries(Series series) {
  std::stable_sort(series.samples.begin(), series.samples.end(),
                   [](const Sample& a, const Sample& b) { return a.t < b.t; });
  std::lock_guard<std::mutex> lock(mu_);
  series_[series.labels] = std::move(series.samples);
}

void MemoryQueryable::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  series_.clear();
}

std::size_t MemoryQueryable::SeriesCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return series_.size();
}

std::vector<Series> MemoryQueryable::Select(const std::vector<LabelMatcher>& matchers, int64_t mint,
                                            int64_t maxt) const {
  std::lock_guard<std::mutex> lock(mu_);
  return SelectFromMap(series_, matchers, mint, maxt);
}

std::vector<Series> SelectFromMap(const std::map<Labels, std::vector<Sample>>& series,
                                  const std::vector<LabelMatcher>& matchers, int64_t mint,
                                  int64_t maxt) {
  std::vector<Series> out;
  for (const auto& [labels, samples] : series) {
    bool match = true;
    for (const auto& m : matchers) {
      if (!m.Matches(labels.Get(m.name))) {
        match = false;
        break;
      }
    }
    if (!match) continue;
    auto lo = std::lower_bound(samples.begin(), samples.end(), mint,
                               [](const Sample& s, int64_t ts) { return s.t < ts; });
    auto hi = std::upper_bound(lo, samples.end(), maxt,
                               [](int64_t ts, const Sample& s) { return ts < s.t; });
    if (lo == hi) continue;
    out.push_back(Series{labels, std::vector<Sample>(lo, hi)});
  }
  return out;
}

}  // namespace nca::alerts::promql
