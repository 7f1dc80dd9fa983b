// SnapshotStore: the hand-over point between the collector threads and the scrape path. Each
// collector run publishes one immutable CollectorSnapshot; /metrics reads the latest ones and never
// waits on a collector (and so never on Neo4j).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "exporter/metric_set.h"
#include "exporter/text_format.h"

namespace nca::exporter {

// What one collector run produced. Immutable once published.
struct CollectorSnapshot {
  std::string collector;  // collector name, e.g. "role"
  // The series of this run only (also when the run failed: partial results). Series that a later
  // run no longer produces disappear from /metrics with that run. Publish consumes them: a
  // published snapshot keeps `families` instead (a few bytes of text per series where the
  // MetricSet takes hundreds), and only the listener sees the MetricSet.
  MetricSet metrics;
  // The series rendered as /metrics shows them, once, when published (RenderFamilies).
  RenderedFamilies families;
  double duration_seconds = 0;
  bool success = false;
  SystemTime finished_at;
  // End of the latest successful run, this one or an earlier one; nullopt until a first success.
  std::optional<SystemTime> last_success;
  // Why the run failed (set iff !success).
  std::optional<Error> error;
};

using SnapshotPtr = std::shared_ptr<const CollectorSnapshot>;

// Latest snapshot per collector name.
//
// Thread-safe: Publish, Latest and Get may be called concurrently from any thread. The lock is
// held only to swap or copy shared pointers (copy-on-publish); readers format snapshots without
// holding it, and a snapshot stays alive for as long as a reader holds its pointer.
class SnapshotStore {
 public:
  // Called with every published snapshot and the series it was published with (which the
  // snapshot does not keep), on the publishing thread, after the swap (e.g. to feed the local
  // rule evaluation's history). Must be thread-safe and cheap.
  using Listener = std::function<void(const CollectorSnapshot&, const MetricSet&)>;

  SnapshotStore() = default;
  explicit SnapshotStore(Listener listener) : listener_(std::move(listener)) {}
  SnapshotStore(const SnapshotStore&) = delete;
  SnapshotStore& operator=(const SnapshotStore&) = delete;

  // Replaces the collector's snapshot with `snapshot`, its `metrics` rendered into `families`
  // (and then dropped). A successful snapshot without last_success gets
  // finished_at; a failed one without last_success inherits the previous snapshot's, so the time
  // of the last success survives failed runs while their (partial) metrics replace the old ones.
  void Publish(CollectorSnapshot snapshot);

  // Every collector's latest snapshot, sorted by collector name.
  std::vector<SnapshotPtr> Latest() const;

  // The collector's latest snapshot, or nullptr before its first publication.
  SnapshotPtr Get(const std::string& collector) const;

  // Incremented by every Publish (before the observers are called): what a reader of Latest()
  // compares to know whether anything changed since.
  uint64_t Generation() const { return generation_.load(); }

  // Observers are called after every Publish (after the listener), on the publishing thread;
  // they must be cheap and must not call back into the store. RemoveObserver waits for a call
  // in progress, so an observer may capture an object that removes it in its destructor.
  int AddObserver(std::function<void()> observer);
  void RemoveObserver(int id);

 private:
  const Listener listener_;
  mutable std::mutex mu_;
  std::map<std::string, SnapshotPtr> snapshots_;  // guarded by mu_
  std::atomic<uint64_t> generation_{0};
  std::mutex observers_mu_;                         // held while observers run
  std::map<int, std::function<void()>> observers_;  // guarded by observers_mu_
  int next_observer_ = 0;                           // guarded by observers_mu_
};

}  // namespace nca::exporter
