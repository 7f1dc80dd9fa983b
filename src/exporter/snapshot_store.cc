#include "exporter/snapshot_store.h"

#include <utility>

namespace nca::exporter {

void SnapshotStore::Publish(CollectorSnapshot snapshot) {
  if (snapshot.success && !snapshot.last_success) {
    snapshot.last_success = snapshot.finished_at;
  }
  // Rendered on the collector's thread, once per run: the scrape path only joins renderings.
  const MetricSet metrics = std::move(snapshot.metrics);
  snapshot.metrics = MetricSet{};
  snapshot.families = RenderAllFamilies(metrics);
  // Allocated before taking the lock; still private to this thread until the swap below.
  auto fresh = std::make_shared<CollectorSnapshot>(std::move(snapshot));
  SnapshotPtr old;
  {
    std::lock_guard lock(mu_);
    SnapshotPtr& slot = snapshots_[fresh->collector];
    if (!fresh->last_success && slot != nullptr) {
      fresh->last_success = slot->last_success;
    }
    old = std::exchange(slot, fresh);
    ++generation_;
  }
  if (listener_) {
    listener_(*fresh, metrics);
  }
  {
    std::lock_guard lock(observers_mu_);
    for (const auto& [id, observer] : observers_) {
      observer();
    }
  }
  // `old` (possibly the last reference to a large rendering) and `metrics` are released outside
  // the lock.
}

std::vector<SnapshotPtr> SnapshotStore::Latest() const {
  std::vector<SnapshotPtr> out;
  std::lock_guard lock(mu_);
  out.reserve(snapshots_.size());
  for (const auto& [name, snapshot] : snapshots_) {
    out.push_back(snapshot);
  }
  return out;
}

SnapshotPtr SnapshotStore::Get(const std::string& collector) const {
  std::lock_guard lock(mu_);
  auto it = snapshots_.find(collector);
  return it == snapshots_.end() ? nullptr : it->second;
}

int SnapshotStore::AddObserver(std::function<void()> observer) {
  std::lock_guard lock(observers_mu_);
  const int id = next_observer_++;
  observers_.emplace(id, std::move(observer));
  return id;
}

void SnapshotStore::RemoveObserver(int id) {
  std::lock_guard lock(observers_mu_);
  observers_.erase(id);
}

}  // namespace nca::exporter
