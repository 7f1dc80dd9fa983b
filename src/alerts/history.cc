#include "alerts/history.h"

#include <algorithm>
#include <mutex>

namespace nca::alerts {

SampleHistory::SampleHistory(int64_t retention_ms) : retention_ms_(retention_ms) {}

void SampleHistory::AppendLocked(const promql::Labels& labels, int64_t t_ms, double v) {
  if (series_[labels].Append(t_ms, v)) {
    newest_ms_ = std::max(newest_ms_, t_ms);
  }
}

void SampleHistory::TrimLocked() {
  if (newest_ms_ == INT64_MIN) {
    return;
  }
  const int64_t cutoff = newest_ms_ - retention_ms_;
  for (auto it = series_.begin(); it != series_.end();) {
    if (it->second.AllBefore(cutoff)) {
      it = series_.erase(it);
    } else {
      it->second.DropBefore(cutoff);
      ++it;
    }
  }
}

void SampleHistory::AppendBatch(std::string_view source, int64_t t_ms, const Batch& batch) {
  std::unique_lock lock(mu_);
  std::set<promql::Labels> current;
  for (const auto& [labels, v] : batch) {
    AppendLocked(labels, t_ms, v);
    current.insert(labels);
  }
  auto it = last_batch_.find(source);
  if (it != last_batch_.end()) {
    for (const auto& labels : it->second) {
      if (!current.count(labels)) {
        AppendLocked(labels, t_ms, promql::StaleNaN());
      }
    }
    it->second = std::move(current);
  } else {
    last_batch_.emplace(std::string(source), std::move(current));
  }
  TrimLocked();
}

void SampleHistory::Append(const promql::Labels& labels, int64_t t_ms, double v) {
  std::unique_lock lock(mu_);
  AppendLocked(labels, t_ms, v);
  TrimLocked();
}

void SampleHistory::SetRetention(int64_t retention_ms) {
  std::unique_lock lock(mu_);
  retention_ms_ = retention_ms;
  TrimLocked();
}

int64_t SampleHistory::retention_ms() const {
  std::shared_lock lock(mu_);
  return retention_ms_;
}

std::size_t SampleHistory::MemoryBytes() const {
  std::shared_lock lock(mu_);
  auto labels_bytes = [](const promql::Labels& l) {
    std::size_t n = sizeof(promql::Labels);
    for (const auto& [k, v] : l.pairs()) {
      n += sizeof(std::pair<std::string, std::string>) + k.capacity() + v.capacity();
    }
    return n;
  };
  // Map nodes carry three pointers and a colour besides the value.
  constexpr std::size_t kNode = 4 * sizeof(void*);
  std::size_t total = sizeof(*this);
  for (const auto& [labels, samples] : series_) {
    total += kNode + labels_bytes(labels) + sizeof(samples) + samples.MemoryBytes();
  }
  for (const auto& [source, set] : last_batch_) {
    total += kNode + source.capacity() + sizeof(set);
    for (const auto& l : set) total += kNode + labels_bytes(l);
  }
  return total;
}

std::size_t SampleHistory::SeriesCount() const {
  std::shared_lock lock(mu_);
  return series_.size();
}

std::size_t SampleHistory::SampleCount() const {
  std::shared_lock lock(mu_);
  std::size_t n = 0;
  for (const auto& [l, s] : series_) n += s.Count(INT64_MIN);
  return n;
}

std::vector<promql::Series> SampleHistory::Select(const std::vector<promql::LabelMatcher>& matchers,
                                                  int64_t mint, int64_t maxt) const {
  std::shared_lock lock(mu_);
  std::vector<promql::Series> out;
  std::vector<promql::Sample> samples;
  for (const auto& [labels, chunks] : series_) {
    const bool match =
        std::all_of(matchers.begin(), matchers.end(),
                    [&](const promql::LabelMatcher& m) { return m.Matches(labels.Get(m.name)); });
    if (!match) {
      continue;
    }
    samples.clear();
    chunks.Read(mint, maxt, samples);
    if (!samples.empty()) {
      out.push_back(promql::Series{labels, samples});
    }
  }
  return out;
}

}  // namespace nca::alerts
