#include "collectors/scheduler.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/logging.h"
#include "exporter/web_app.h"
#include "neo4j/member_api.h"

namespace nca::collectors {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr milliseconds kWait{5000};  // upper bound for conditions that should hold at once

// A collector whose behaviour is a lambda; records every context it was called with.
class FakeCollector : public Collector {
 public:
  using Fn = std::function<CollectOutcome(const CollectContext&, int call)>;
  explicit FakeCollector(Fn fn) : fn_(std::move(fn)) {}

  CollectOutcome Collect(const CollectContext& ctx) override {
    int call;
    {
      std::lock_guard lock(mu_);
      call = static_cast<int>(starts_.size());
      starts_.push_back(ctx.clock->Monotonic());
      deadlines_.push_back(ctx.deadline);
      clusters_seen_ = ctx.clusters;
    }
    return fn_(ctx, call);
  }
  std::vector<MonoTime> Starts() const {
    std::lock_guard lock(mu_);
    return starts_;
  }
  std::vector<MonoTime> Deadlines() const {
    std::lock_guard lock(mu_);
    return deadlines_;
  }
  const std::vector<ClusterHandle>* ClustersSeen() const {
    std::lock_guard lock(mu_);
    return clusters_seen_;
  }

 private:
  Fn fn_;
  mutable std::mutex mu_;
  std::vector<MonoTime> starts_;
  std::vector<MonoTime> deadlines_;
  const std::vector<ClusterHandle>* clusters_seen_ = nullptr;
};

// A run's outcome with one series carrying the call number.
CollectOutcome Series(const std::string& family, int call) {
  exporter::MetricSetBuilder b;
  b.Gauge(family, "Test.").Add({{"call", std::to_string(call)}}, call);
  return {std::move(b).Build(), std::nullopt};
}

// A gate a collector can block on until the test opens it; also reports that it was entered.
class Gate {
 public:
  void Enter() {
    std::unique_lock lock(mu_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait(lock, [this] { return open_; });
  }
  bool WaitEntered(milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return entered_; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool open_ = false;
};

config::CollectorSettings Every(Duration interval, Duration timeout) {
  config::CollectorSettings s;
  s.interval = std::chrono::duration_cast<config::Seconds>(interval);
  s.timeout = std::chrono::duration_cast<config::Seconds>(timeout);
  return s;
}

// Builds the scheduler input, keeping raw pointers to the fakes to observe them.
class CollectorList {
 public:
  FakeCollector* Add(const std::string& name, FakeCollector::Fn fn,
                     config::CollectorSettings settings) {
    auto c = std::make_unique<FakeCollector>(std::move(fn));
    FakeCollector* raw = c.get();
    list_.push_back({name, std::move(c), settings});
    return raw;
  }
  std::vector<ScheduledCollector> Take() { return std::move(list_); }

 private:
  std::vector<ScheduledCollector> list_;
};

TEST(SchedulerTest, FirstRunAtStartPublishesASnapshot) {
  ManualClock clock;
  exporter::SnapshotStore store;
  CollectorList setup;
  auto* fake = setup.Add(
      "role", [](const CollectContext&, int call) { return Series("test_role", call); },
      Every(seconds(5), seconds(4)));
  config::ClusterConfig cluster_config;
  cluster_config.name = "prod";
  std::vector<ClusterHandle> clusters{{&cluster_config, {}}};
  Scheduler scheduler(setup.Take(), clusters, clock, store);
  EXPECT_FALSE(scheduler.AllRanOnce());
  EXPECT_EQ(store.Get("role"), nullptr);

  scheduler.Start();
  ASSERT_TRUE(scheduler.WaitForRuns("role", 1, kWait));
  EXPECT_TRUE(scheduler.AllRanOnce());
  exporter::SnapshotPtr s = store.Get("role");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->collector, "role");
  EXPECT_TRUE(s->success);
  EXPECT_FALSE(s->error.has_value());
  EXPECT_EQ(s->finished_at, clock.Now());
  ASSERT_TRUE(s->last_success.has_value());
  EXPECT_EQ(*s->last_success, clock.Now());
  ASSERT_EQ(s->families.size(), 1u);
  EXPECT_EQ(s->families[0].name, "test_role");
  // The collector sees the clusters it was given.
  const auto* seen = fake->ClustersSeen();
  ASSERT_NE(seen, nullptr);
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_EQ((*seen)[0].config->name, "prod");
  scheduler.Stop();
}

TEST(SchedulerTest, DeadlineIsStartPlusTimeoutAndDurationUsesTheClock) {
  ManualClock clock;
  exporter::SnapshotStore store;
  CollectorList setup;
  auto* fake = setup.Add(
      "role",
      [&clock](const CollectContext&, int call) {
        clock.Advance(milliseconds(1500));  // the run "takes" 1.5 s of injected time
        return Series("test_role", call);
      },
      Every(seconds(5), seconds(4)));
  Scheduler scheduler(setup.Take(), {}, clock, store);
  const MonoTime start = clock.Monotonic();
  scheduler.Start();
  ASSERT_TRUE(scheduler.WaitForRuns("role", 1, kWait));
  scheduler.Stop();
  ASSERT_EQ(fake->Deadlines().size(), 1u);
  EXPECT_EQ(fake->Starts()[0], start);
  EXPECT_EQ(fake->Deadlines()[0], start + seconds(4));
  EXPECT_DOUBLE_EQ(store.Get("role")->duration_seconds, 1.5);
}

TEST(SchedulerTest, RunsEveryIntervalOfTheInjectedClock) {
  ManualClock clock;
  exporter::SnapshotStore store;
  CollectorList setup;
  auto* fake = setup.Add(
      "role", [](const CollectContext&, int call) { return Series("test_role", call); },
      Every(seconds(5), seconds(4)));
  Scheduler scheduler(setup.Take(), {}, clock, store);
  const MonoTime start = clock.Monotonic();
  scheduler.Start();
  ASSERT_TRUE(scheduler.WaitUntilIdle(kWait));
  EXPECT_EQ(scheduler.RunCount("role"), 1u);

  clock.Advance(milliseconds(4999));
  scheduler.Wake();
  ASSERT_TRUE(scheduler.WaitUntilIdle(kWait));
  EXPECT_EQ(scheduler.RunCount("role"), 1u) << "ran before its interval";

  clock.Advance(milliseconds(1));
  scheduler.Wake();
  ASSERT_TRUE(scheduler.WaitForRuns("role", 2, kWait));
  ASSERT_TRUE(scheduler.WaitUntilIdle(kWait));
  EXPECT_EQ(scheduler.RunCount("role"), 2u);

  clock.Advance(seconds(5));
  scheduler.Wake();
  ASSERT_TRUE(scheduler.WaitForRuns("role", 3, kWait));
  ASSERT_TRUE(scheduler.WaitUntilIdle(kWait));
  scheduler.Stop();
  EXPECT_EQ(fake->Starts(),
            (std::vector<MonoTime>{start, start + seconds(5), start + seconds(10)}));
  // The latest run's series only.
  EXPECT_EQ(store.Get("role")->families[0].series, "test_role{call=\"2\"} 2\n");
}

TEST(SchedulerTest, OverrunStartsTheNextRunRightAfterWithoutPileUp) {
  ManualClock clock;
  exporter::SnapshotStore store;
  CollectorList setup;
  auto* fake = setup.Add(
      "slow",
      [&clock](const CollectContext&, int call) {
        if (call == 0) {
          clock.Advance(milliseconds(3500));  // 3.5 intervals
        }
        return Series("test_slow", call);
      },
      Every(seconds(1), seconds(1)));
  Scheduler scheduler(setup.Take(), {}, clock, store);
  const MonoTime start = clock.Monotonic();
  scheduler.Start();
  // No Wake(): the second run is due at once.
  ASSERT_TRUE(scheduler.WaitForRuns("slow", 2, kWait));
  ASSERT_TRUE(scheduler.WaitUntilIdle(kWait));
  EXPECT_EQ(scheduler.RunCount("slow"), 2u) << "missed intervals must not be caught up";

  clock.Advance(milliseconds(999));
  scheduler.Wake();
  ASSERT_TRUE(scheduler.WaitUntilIdle(kWait));
  EXPECT_EQ(scheduler.RunCount("slow"), 2u);
  clock.Advance(milliseconds(1));
  scheduler.Wake();
  ASSERT_TRUE(scheduler.WaitForRuns("slow", 3, kWait));
  scheduler.Stop();
  auto starts = fake->Starts();
  ASSERT_GE(starts.size(), 3u);
  EXPECT_EQ(starts[1], start + milliseconds(3500));
  EXPECT_EQ(starts[2], start + milliseconds(4500));
}

TEST(SchedulerTest, ExceptionsBecomeFailedSnapshotsAndTheCollectorKeepsRunning) {
  ManualClock clock;
  exporter::SnapshotStore store;
  CollectorList setup;
  setup.Add(
      "flaky",
      [](const CollectContext&, int call) -> CollectOutcome {
        if (call == 1) {
          throw std::runtime_error("boom");
        }
        if (call == 2) {
          throw 42;
        }
        return Series("test_flaky", call);
      },
      Every(seconds(5), seconds(4)));
  Scheduler scheduler(setup.Take(), {}, clock, store);
  scheduler.Start();
  ASSERT_TRUE(scheduler.WaitUntilIdle(kWait));
  const SystemTime first_success = clock.Now();
  EXPECT_TRUE(store.Get("flaky")->success);

  clock.Advance(seconds(5));
  scheduler.Wake();
  ASSERT_TRUE(scheduler.WaitForRuns("flaky", 2, kWait));
  exporter::SnapshotPtr s = store.Get("flaky");
  EXPECT_FALSE(s->success);
  ASSERT_TRUE(s->error.has_value());
  EXPECT_EQ(s->error->kind, ErrorKind::kInternal);
  EXPECT_NE(s->error->message.find("boom"), std::string::npos) << s->error->message;
  EXPECT_TRUE(s->families.empty());
  ASSERT_TRUE(s->last_success.has_value());
  EXPECT_EQ(*s->last_success, first_success);

  clock.Advance(seconds(5));
  scheduler.Wake();
  ASSERT_TRUE(scheduler.WaitForRuns("flaky", 3, kWait));
  EXPECT_FALSE(store.Get("flaky")->success);

  clock.Advance(seconds(5));
  scheduler.Wake();
  ASSERT_TRUE(scheduler.WaitForRuns("flaky", 4, kWait));
  scheduler.Stop();
  EXPECT_TRUE(store.Get("flaky")->success);
  EXPECT_EQ(*store.Get("flaky")->last_success, clock.Now());
}

TEST(SchedulerTest, ErrorOutcomeIsPublishedAsFailedWithItsPartialMetrics) {
  ManualClock clock;
  exporter::SnapshotStore store;
  CollectorList setup;
  setup.Add(
      "partial",
      [](const CollectContext&, int call) {
        CollectOutcome o = Series("test_partial", call);
        o.error = MakeError(ErrorKind::kTimeout, "member m2 did not answer");
        return o;
      },
      Every(seconds(5), seconds(4)));
  Scheduler scheduler(setup.Take(), {}, clock, store);
  scheduler.Start();
  ASSERT_TRUE(scheduler.WaitForRuns("partial", 1, kWait));
  scheduler.Stop();
  exporter::SnapshotPtr s = store.Get("partial");
  EXPECT_FALSE(s->success);
  ASSERT_TRUE(s->error.has_value());
  EXPECT_EQ(s->error->kind, ErrorKind::kTimeout);
  ASSERT_EQ(s->families.size(), 1u);
  EXPECT_EQ(s->families[0].name, "test_partial");
  EXPECT_FALSE(s->last_success.has_value());
  EXPECT_TRUE(scheduler.AllRanOnce()) << "a failed run counts as a run for readiness";
}

TEST(SchedulerTest, DisabledCollectorsAreNotScheduled) {
  ManualClock clock;
  exporter::SnapshotStore store;
  CollectorList setup;
  std::atomic<int> disabled_calls{0};
  setup.Add(
      "on", [](const CollectContext&, int call) { return Series("test_on", call); },
      Every(seconds(5), seconds(4)));
  auto off = Every(seconds(5), seconds(4));
  off.enabled = false;
  setup.Add(
      "off",
      [&](const CollectContext&, int call) {
        ++disabled_calls;
        return Series("test_off", call);
      },
      off);
  Scheduler scheduler(setup.Take(), {}, clock, store);
  EXPECT_EQ(scheduler.Names(), std::vector<std::string>{"on"});
  scheduler.Start();
  ASSERT_TRUE(scheduler.WaitUntilIdle(kWait));
  EXPECT_TRUE(scheduler.AllRanOnce());
  scheduler.Stop();
  EXPECT_EQ(disabled_calls.load(), 0);
  EXPECT_EQ(store.Get("off"), nullptr);
}

TEST(SchedulerTest, BlockedCollectorDelaysNeitherOthersNorAScrape) {
  ManualClock clock;
  exporter::SnapshotStore store;
  Gate gate;
  CollectorList setup;
  setup.Add(
      "hung",
      [&gate](const CollectContext&, int call) {
        if (call == 0) {
          gate.Enter();  // e.g. a member that never answers (and a collector ignoring its deadline)
        }
        return Series("test_hung", call);
      },
      Every(seconds(5), seconds(4)));
  setup.Add(
      "fast", [](const CollectContext&, int call) { return Series("test_fast", call); },
      Every(seconds(5), seconds(4)));
  Scheduler scheduler(setup.Take(), {}, clock, store);
  exporter::WebAppOptions options;
  options.collectors = {{"fast", 5}, {"hung", 5}};
  options.ready = [&scheduler] { return scheduler.AllRanOnce(); };
  exporter::WebApp web(std::move(options), store);
  net::HttpRequest scrape;
  scrape.method = "GET";
  scrape.path = "/metrics";
  net::HttpRequest ready;
  ready.method = "GET";
  ready.path = "/-/ready";

  scheduler.Start();
  ASSERT_TRUE(gate.WaitEntered(kWait));
  for (uint64_t run = 1; run <= 3; ++run) {
    ASSERT_TRUE(scheduler.WaitForRuns("fast", run, kWait)) << run;
    clock.Advance(seconds(5));
    scheduler.Wake();
  }
  EXPECT_EQ(scheduler.RunCount("hung"), 0u);
  EXPECT_EQ(web.HandleRequest(ready).status, 503) << "hung has not completed a run";

  // The scrape completes while "hung" is still blocked, with fast's latest series.
  const auto t0 = std::chrono::steady_clock::now();
  net::HttpResponse r = web.HandleRequest(scrape);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("test_fast{call="), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("test_hung"), std::string::npos);
  EXPECT_LT(took, seconds(2));
  EXPECT_EQ(scheduler.RunCount("hung"), 0u);

  gate.Open();
  ASSERT_TRUE(scheduler.WaitForRuns("hung", 1, kWait));
  EXPECT_EQ(web.HandleRequest(ready).status, 200);
  EXPECT_NE(web.HandleRequest(scrape).body.find("test_hung{call="), std::string::npos);
  scheduler.Stop();
}

TEST(SchedulerTest, StopReturnsPromptlyWhileARunWaitsForAHungMember) {
  RealClock clock;
  exporter::SnapshotStore store;
  std::promise<Result<neo4j::DiscoveryInfo>> never;  // a member that never answers
  neo4j::Pending<neo4j::DiscoveryInfo> pending = never.get_future().share();
  std::atomic<bool> entered{false};
  CollectorList setup;
  setup.Add(
      "hung",
      [&](const CollectContext& ctx, int) {
        entered = true;
        CollectOutcome o;
        auto answer = neo4j::AwaitUntil(pending, ctx.deadline);
        if (!answer.ok()) {
          o.error = answer.error();
        }
        return o;
      },
      Every(std::chrono::hours(1), milliseconds(300)));
  Scheduler scheduler(setup.Take(), {}, clock, store);
  scheduler.Start();
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!entered.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_TRUE(entered.load());

  const auto t0 = std::chrono::steady_clock::now();
  scheduler.Stop();
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, milliseconds(1500)) << "Stop must be bounded by the run's deadline";
  // The interrupted run ended at its deadline and was published as a timeout.
  exporter::SnapshotPtr s = store.Get("hung");
  ASSERT_NE(s, nullptr);
  EXPECT_FALSE(s->success);
  ASSERT_TRUE(s->error.has_value());
  EXPECT_EQ(s->error->kind, ErrorKind::kTimeout);
  EXPECT_EQ(scheduler.RunCount("hung"), 1u);
}

TEST(SchedulerTest, StopWakesSleepingThreadsAtOnce) {
  RealClock clock;
  exporter::SnapshotStore store;
  CollectorList setup;
  for (const char* name : {"a", "b", "c"}) {
    setup.Add(
        name, [](const CollectContext&, int call) { return Series("test_x", call); },
        Every(std::chrono::hours(1), seconds(10)));
  }
  Scheduler scheduler(setup.Take(), {}, clock, store);
  scheduler.Start();
  ASSERT_TRUE(scheduler.WaitUntilIdle(kWait));  // all asleep for an hour
  const auto t0 = std::chrono::steady_clock::now();
  scheduler.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, seconds(1));
  scheduler.Stop();  // idempotent
}

TEST(SchedulerTest, DestructorWithoutStartIsFine) {
  ManualClock clock;
  exporter::SnapshotStore store;
  CollectorList setup;
  std::atomic<int> calls{0};
  setup.Add(
      "a",
      [&](const CollectContext&, int call) {
        ++calls;
        return Series("test_a", call);
      },
      Every(seconds(5), seconds(4)));
  { Scheduler scheduler(setup.Take(), {}, clock, store); }
  EXPECT_EQ(calls.load(), 0);
}

// Captures warn-and-above lines of the scheduler's logger.
class CaptureSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> Lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (msg.level >= spdlog::level::warn) {
      lines_.emplace_back(msg.payload.data(), msg.payload.size());
    }
  }
  void flush_() override {}

 private:
  std::vector<std::string> lines_;
};

TEST(SchedulerTest, RepeatedIdenticalErrorsAreLoggedOnChangeOrOncePerMinute) {
  ManualClock clock;
  exporter::SnapshotStore store;
  std::atomic<int> mode{0};
  CollectorList setup;
  setup.Add(
      "flaky",
      [&mode](const CollectContext&, int) {
        CollectOutcome o;
        if (mode.load() == 0) {
          o.error = MakeError(ErrorKind::kTimeout, "member m1 did not answer");
        } else if (mode.load() == 1) {
          o.error = MakeError(ErrorKind::kUnauthorized, "bad credentials");
        }
        return o;
      },
      Every(seconds(5), seconds(4)));
  auto logger = GetLogger("collectors.scheduler");
  auto sink = std::make_shared<CaptureSink>();
  logger->sinks().push_back(sink);
  Scheduler scheduler(setup.Take(), {}, clock, store);

  auto step = [&](uint64_t run) {
    clock.Advance(seconds(5));
    scheduler.Wake();
    ASSERT_TRUE(scheduler.WaitForRuns("flaky", run, kWait));
  };
  auto failures = [&] {
    int n = 0;
    for (const auto& l : sink->Lines()) {
      n += l.find("msg=\"collector failed\"") != std::string::npos ? 1 : 0;
    }
    return n;
  };
  scheduler.Start();
  ASSERT_TRUE(scheduler.WaitForRuns("flaky", 1, kWait));
  EXPECT_EQ(failures(), 1);
  step(2);
  step(3);
  EXPECT_EQ(failures(), 1) << "identical error within a minute";
  mode = 1;
  step(4);
  EXPECT_EQ(failures(), 2) << "a different error is logged at once";
  // Same error again for a minute and more: one more line, no more.
  for (uint64_t run = 5; run <= 16; ++run) {
    step(run);
  }
  EXPECT_EQ(failures(), 3);
  mode = 2;  // recovery
  step(17);
  scheduler.Stop();
  logger->sinks().pop_back();
  auto lines = sink->Lines();
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines[0].find("collector=flaky"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("member m1 did not answer"), std::string::npos) << lines[0];
}

}  // namespace
}  // namespace nca::collectors
