// Scheduler: runs every enabled collector periodically in the background, one thread per
// collector, and publishes each run's outcome to the SnapshotStore. This is the only place where
// collection happens; the scrape path only reads the store.
//
// Timing follows the injected Clock's Monotonic(): a collector runs immediately at Start(), then
// `interval` after the *start* of its previous run. A run that overruns its interval is followed
// right away by the next one (no catch-up burst, never two runs of one collector at once). Each
// run gets `deadline = start + timeout`; collectors stop waiting for Neo4j at the deadline, which
// also bounds how long Stop() waits.
//
// With a ManualClock, time only moves when the test advances it: call Wake() after Advance() so
// sleeping threads look at the clock again, and WaitUntilIdle()/WaitForRuns() to observe the
// result without sleeping.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "collectors/collector.h"
#include "common/clock.h"
#include "config/config.h"
#include "exporter/snapshot_store.h"

namespace nca::collectors {

// One collector to schedule. Disabled ones (settings.enabled == false) are ignored.
struct ScheduledCollector {
  std::string name;
  CollectorPtr collector;
  config::CollectorSettings settings;
};

// Returns the clusters to collect from at the start of each run (may change between runs, e.g.
// with Kubernetes discovery). Must be thread-safe; never returns nullptr.
using ClusterSource = std::function<std::shared_ptr<const ClusterSet>()>;

// Thread-safety: Start, Stop and the destructor must be called from one owning thread. Wake,
// AllRanOnce, RunCount, WaitForRuns and WaitUntilIdle may be called from any thread at any time.
// Each Collector is called from its own worker thread only, never concurrently with itself.
class Scheduler {
 public:
  // `clock` and `store` must outlive the scheduler; the clusters are kept for CollectContext.
  Scheduler(std::vector<ScheduledCollector> collectors, std::vector<ClusterHandle> clusters,
            const Clock& clock, exporter::SnapshotStore& store);
  // Clusters from `source` (asked at the start of every run) and `services` handed to every
  // run; whatever the services point to must outlive the scheduler.
  Scheduler(std::vector<ScheduledCollector> collectors, ClusterSource source,
            CollectServices services, const Clock& clock, exporter::SnapshotStore& store);
  ~Scheduler();  // Stop()
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Starts one thread per enabled collector; each runs its collector at once. Idempotent.
  void Start();
  // Wakes sleeping threads and joins them. A thread in the middle of a run finishes that run
  // first (collectors return by their deadline). Idempotent; the scheduler cannot be restarted.
  void Stop();

  // Names of the enabled collectors, in the order given.
  std::vector<std::string> Names() const;

  // True once every enabled collector has completed (published) at least one run. Readiness.
  bool AllRanOnce() const;

  // Completed runs of a collector (0 for unknown names).
  uint64_t RunCount(const std::string& name) const;

  // Makes sleeping threads re-read the clock (after ManualClock::Advance).
  void Wake();

  // Waits (on a condition variable, not by sleeping) until `name` has completed at least `runs`
  // runs; false on timeout or for unknown names.
  bool WaitForRuns(const std::string& name, uint64_t runs, std::chrono::milliseconds timeout) const;

  // Waits until every worker is asleep waiting for its next due time and has seen the latest
  // Wake(), i.e. nothing more will happen until the clock moves. False on timeout.
  bool WaitUntilIdle(std::chrono::milliseconds timeout) const;

 private:
  struct Worker;

  void Loop(Worker& w);
  void RunOnce(Worker& w, MonoTime started);
  void LogOutcome(Worker& w, const std::optional<Error>& error, double duration_seconds);

  const Clock& clock_;
  exporter::SnapshotStore& store_;
  const ClusterSource source_;
  const CollectServices services_;
  std::vector<std::unique_ptr<Worker>> workers_;

  mutable std::mutex mu_;
  std::condition_variable wake_cv_;              // workers wait on it
  mutable std::condition_variable progress_cv_;  // observers wait on it
  bool started_ = false;                         // guarded by mu_
  bool stopping_ = false;                        // guarded by mu_
  uint64_t wake_generation_ = 0;                 // guarded by mu_
  std::vector<std::thread> threads_;             // owning thread only
};

}  // namespace nca::collectors
