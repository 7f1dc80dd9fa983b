#include "collectors/scheduler.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "common/logging.h"

namespace nca::collectors {
namespace {

// Identical failures are logged again at most this often (a change is logged at once).
constexpr auto kRepeatedErrorLogInterval = std::chrono::minutes(1);
// How long Stop() waits beyond a collector's timeout before saying that it is still waiting.
constexpr auto kStopGrace = std::chrono::seconds(1);
// Floor for intervals, so that a zero interval cannot spin a thread.
constexpr auto kMinInterval = std::chrono::milliseconds(1);

Duration ToDuration(config::Seconds s) { return std::chrono::duration_cast<Duration>(s); }

}  // namespace

struct Scheduler::Worker {
  // Immutable after construction.
  std::string name;
  CollectorPtr collector;
  Duration interval{};
  Duration timeout{};
  std::shared_ptr<spdlog::logger> logger;

  // Guarded by Scheduler::mu_.
  uint64_t runs = 0;
  bool running = false;
  bool waiting = false;          // asleep until the next due time
  uint64_t seen_generation = 0;  // wake generation seen when it last went to sleep

  // Owned by the worker thread.
  bool failing = false;
  std::string last_logged_error;
  std::optional<MonoTime> last_logged_at;
  uint64_t suppressed_errors = 0;
};

namespace {

ClusterSource StaticSource(std::vector<ClusterHandle> clusters) {
  auto set = std::make_shared<ClusterSet>();
  set->clusters = std::move(clusters);
  std::shared_ptr<const ClusterSet> fixed = std::move(set);
  return [fixed] { return fixed; };
}

}  // namespace

Scheduler::Scheduler(std::vector<ScheduledCollector> collectors,
                     std::vector<ClusterHandle> clusters, const Clock& clock,
                     exporter::SnapshotStore& store)
    : Scheduler(std::move(collectors), StaticSource(std::move(clusters)), CollectServices{}, clock,
                store) {}

Scheduler::Scheduler(std::vector<ScheduledCollector> collectors, ClusterSource source,
                     CollectServices services, const Clock& clock, exporter::SnapshotStore& store)
    : clock_(clock), store_(store), source_(std::move(source)), services_(services) {
  auto logger = GetLogger("collectors.scheduler");
  for (auto& c : collectors) {
    if (!c.settings.enabled || c.collector == nullptr) {
      continue;
    }
    auto w = std::make_unique<Worker>();
    w->name = std::move(c.name);
    w->collector = std::move(c.collector);
    w->interval = std::max<Duration>(ToDuration(c.settings.interval), kMinInterval);
    w->timeout = std::max<Duration>(ToDuration(c.settings.timeout), Duration::zero());
    w->logger = logger;
    workers_.push_back(std::move(w));
  }
}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Start() {
  {
    std::lock_guard lock(mu_);
    if (started_ || stopping_) {
      return;
    }
    started_ = true;
  }
  threads_.reserve(workers_.size());
  for (auto& w : workers_) {
    w->logger->info("msg=\"collector started\" collector={} interval_seconds={} timeout_seconds={}",
                    w->name, ToSeconds(w->interval), ToSeconds(w->timeout));
    Worker* worker = w.get();
    threads_.emplace_back([this, worker] { Loop(*worker); });
  }
}

void Scheduler::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_cv_.notify_all();
  if (threads_.empty()) {
    return;
  }
  Duration longest_timeout = Duration::zero();
  for (const auto& w : workers_) {
    longest_timeout = std::max(longest_timeout, w->timeout);
  }
  {
    // A worker in the middle of a run finishes it by its deadline; say so if one does not.
    std::unique_lock lock(mu_);
    auto none_running = [this] {
      return std::none_of(workers_.begin(), workers_.end(),
                          [](const auto& w) { return w->running; });
    };
    if (!progress_cv_.wait_for(lock, longest_timeout + kStopGrace, none_running)) {
      for (const auto& w : workers_) {
        if (w->running) {
          w->logger->warn("msg=\"waiting for a collector run past its deadline\" collector={}",
                          w->name);
        }
      }
    }
  }
  for (auto& t : threads_) {
    t.join();
  }
  threads_.clear();
}

std::vector<std::string> Scheduler::Names() const {
  std::vector<std::string> out;
  out.reserve(workers_.size());
  for (const auto& w : workers_) {
    out.push_back(w->name);
  }
  return out;
}

bool Scheduler::AllRanOnce() const {
  std::lock_guard lock(mu_);
  return std::all_of(workers_.begin(), workers_.end(), [](const auto& w) { return w->runs > 0; });
}

uint64_t Scheduler::RunCount(const std::string& name) const {
  std::lock_guard lock(mu_);
  for (const auto& w : workers_) {
    if (w->name == name) {
      return w->runs;
    }
  }
  return 0;
}

void Scheduler::Wake() {
  {
    std::lock_guard lock(mu_);
    ++wake_generation_;
  }
  wake_cv_.notify_all();
}

bool Scheduler::WaitForRuns(const std::string& name, uint64_t runs,
                            std::chrono::milliseconds timeout) const {
  const Worker* worker = nullptr;
  for (const auto& w : workers_) {
    if (w->name == name) {
      worker = w.get();
    }
  }
  if (worker == nullptr) {
    return false;
  }
  std::unique_lock lock(mu_);
  return progress_cv_.wait_for(lock, timeout, [&] { return worker->runs >= runs; });
}

bool Scheduler::WaitUntilIdle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return progress_cv_.wait_for(lock, timeout, [this] {
    return std::all_of(workers_.begin(), workers_.end(), [this](const auto& w) {
      return w->waiting && w->seen_generation == wake_generation_;
    });
  });
}

void Scheduler::Loop(Worker& w) {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    w.running = true;
    lock.unlock();
    const MonoTime started = clock_.Monotonic();
    RunOnce(w, started);
    lock.lock();
    w.running = false;
    ++w.runs;
    progress_cv_.notify_all();

    // Next run `interval` after this one started; at once if this run overran.
    const MonoTime due = started + w.interval;
    while (!stopping_) {
      const MonoTime now = clock_.Monotonic();
      if (now >= due) {
        break;
      }
      const uint64_t generation = wake_generation_;
      w.waiting = true;
      w.seen_generation = generation;
      progress_cv_.notify_all();
      wake_cv_.wait_for(lock, due - now,
                        [&] { return stopping_ || wake_generation_ != generation; });
      w.waiting = false;
    }
  }
}

void Scheduler::RunOnce(Worker& w, MonoTime started) {
  CollectContext ctx;
  ctx.clock = &clock_;
  ctx.deadline = started + w.timeout;
  const std::shared_ptr<const ClusterSet> clusters = source_();  // alive for the whole run
  ctx.clusters = &clusters->clusters;
  ctx.services = services_;

  CollectOutcome outcome;
  try {
    outcome = w.collector->Collect(ctx);
  } catch (const std::exception& e) {
    outcome = CollectOutcome{};
    outcome.error = MakeError(ErrorKind::kInternal, std::string("collector threw: ") + e.what());
  } catch (...) {
    outcome = CollectOutcome{};
    outcome.error = MakeError(ErrorKind::kInternal, "collector threw a non-standard exception");
  }
  const double duration = ToSeconds(clock_.Monotonic() - started);

  exporter::CollectorSnapshot snapshot;
  snapshot.collector = w.name;
  snapshot.metrics = std::move(outcome.metrics);
  snapshot.duration_seconds = duration;
  snapshot.success = !outcome.error.has_value();
  snapshot.finished_at = clock_.Now();
  if (snapshot.success) {
    snapshot.last_success = snapshot.finished_at;
  }
  snapshot.error = outcome.error;
  LogOutcome(w, outcome.error, duration);
  store_.Publish(std::move(snapshot));
}

void Scheduler::LogOutcome(Worker& w, const std::optional<Error>& error, double duration_seconds) {
  if (!error) {
    if (w.failing) {
      w.logger->info("msg=\"collector recovered\" collector={} duration_seconds={:.3f}", w.name,
                     duration_seconds);
    } else {
      w.logger->debug("msg=\"collector succeeded\" collector={} duration_seconds={:.3f}", w.name,
                      duration_seconds);
    }
    w.failing = false;
    w.last_logged_error.clear();
    w.last_logged_at.reset();
    w.suppressed_errors = 0;
    return;
  }
  w.failing = true;
  const MonoTime now = clock_.Monotonic();
  std::string text = error->ToString();
  const bool due = text != w.last_logged_error || !w.last_logged_at ||
                   now - *w.last_logged_at >= kRepeatedErrorLogInterval;
  if (!due) {
    ++w.suppressed_errors;
    w.logger->debug("msg=\"collector failed\" collector={} duration_seconds={:.3f} err={}", w.name,
                    duration_seconds, LogQuote(text));
    return;
  }
  w.logger->warn(
      "msg=\"collector failed\" collector={} duration_seconds={:.3f} err={} "
      "repeats_since_last_log={}",
      w.name, duration_seconds, LogQuote(text), w.suppressed_errors);
  w.suppressed_errors = 0;
  w.last_logged_at = now;
  w.last_logged_error = std::move(text);
}

}  // namespace nca::collectors
