#include "exporter/snapshot_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace nca::exporter {
namespace {

using std::chrono::seconds;

SystemTime At(int64_t unix_seconds) { return SystemTime(seconds(unix_seconds)); }

// A snapshot whose single series carries `value`, so readers can check consistency.
CollectorSnapshot Make(const std::string& collector, double value, bool success,
                       SystemTime finished_at, const std::string& series = "s") {
  MetricSetBuilder b;
  b.Gauge("test_value", "Test value.").Add({{"series", series}}, value);
  CollectorSnapshot s;
  s.collector = collector;
  s.metrics = std::move(b).Build();
  s.duration_seconds = value;
  s.success = success;
  s.finished_at = finished_at;
  if (!success) {
    s.error = MakeError(ErrorKind::kTimeout, "no answer");
  }
  return s;
}

// The value of the single series of a published snapshot, read back from its rendering.
double ValueOf(const CollectorSnapshot& s) {
  if (s.families.size() != 1 || s.families[0].index.size() != 1) {
    return -1;
  }
  const std::string& line = s.families[0].series;
  return std::stod(line.substr(line.rfind(' ') + 1));
}

// The label text of the single series of a published snapshot.
std::string LabelsOf(const CollectorSnapshot& s) {
  if (s.families.empty() || s.families[0].index.empty()) {
    return "";
  }
  const RenderedFamily::Series& r = s.families[0].index[0];
  return s.families[0].series.substr(r.labels_offset, r.labels_size);
}

TEST(SnapshotStoreTest, GetUnknownIsNull) {
  SnapshotStore store;
  EXPECT_EQ(store.Get("role"), nullptr);
  EXPECT_TRUE(store.Latest().empty());
}

TEST(SnapshotStoreTest, PublishThenGetReturnsTheSnapshot) {
  SnapshotStore store;
  store.Publish(Make("role", 0.5, true, At(1700000000)));
  SnapshotPtr s = store.Get("role");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->collector, "role");
  EXPECT_DOUBLE_EQ(s->duration_seconds, 0.5);
  ASSERT_EQ(s->families.size(), 1u);
  EXPECT_EQ(s->families[0].name, "test_value");
  EXPECT_EQ(s->families[0].header, "# HELP test_value Test value.\n# TYPE test_value gauge\n");
  EXPECT_EQ(s->families[0].series, "test_value{series=\"s\"} 0.5\n");
  EXPECT_EQ(store.Get("quorum"), nullptr);
}

TEST(SnapshotStoreTest, ListenerSeesTheSeriesThatTheSnapshotKeepsOnlyRendered) {
  std::vector<std::string> seen;
  SnapshotStore store([&](const CollectorSnapshot& s, const MetricSet& metrics) {
    seen.push_back(s.collector);
    ASSERT_EQ(metrics.size(), 1u);
    ASSERT_EQ(metrics[0].metric.size(), 1u);
    EXPECT_DOUBLE_EQ(metrics[0].metric[0].gauge.value, 2.5);
    EXPECT_TRUE(s.metrics.empty());
    EXPECT_EQ(s.families.size(), 1u);
  });
  store.Publish(Make("role", 2.5, true, At(1700000000)));
  EXPECT_EQ(seen, std::vector<std::string>{"role"});
  SnapshotPtr s = store.Get("role");
  EXPECT_TRUE(s->metrics.empty());  // not kept: the rendering is
  EXPECT_DOUBLE_EQ(ValueOf(*s), 2.5);
}

TEST(SnapshotStoreTest, LatestIsSortedByCollectorName) {
  SnapshotStore store;
  for (const char* name : {"zeta", "alpha", "mid", "beta"}) {
    store.Publish(Make(name, 1, true, At(1700000000)));
  }
  std::vector<std::string> names;
  for (const auto& s : store.Latest()) {
    names.push_back(s->collector);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"alpha", "beta", "mid", "zeta"}));
}

TEST(SnapshotStoreTest, LatestRunReplacesSeriesSoStaleOnesDisappear) {
  SnapshotStore store;
  store.Publish(Make("role", 1, true, At(1700000000), "old"));
  store.Publish(Make("role", 2, false, At(1700000005), "new"));
  SnapshotPtr s = store.Get("role");
  ASSERT_EQ(s->families.size(), 1u);
  ASSERT_EQ(s->families[0].index.size(), 1u);
  EXPECT_EQ(LabelsOf(*s), "{series=\"new\"}");
  EXPECT_EQ(store.Latest().size(), 1u);
}

TEST(SnapshotStoreTest, SuccessSetsLastSuccessToFinishTime) {
  SnapshotStore store;
  store.Publish(Make("role", 1, true, At(1700000010)));
  ASSERT_TRUE(store.Get("role")->last_success.has_value());
  EXPECT_EQ(*store.Get("role")->last_success, At(1700000010));
}

TEST(SnapshotStoreTest, FailureKeepsPreviousLastSuccess) {
  SnapshotStore store;
  store.Publish(Make("role", 1, false, At(1700000000)));
  EXPECT_FALSE(store.Get("role")->last_success.has_value());
  store.Publish(Make("role", 1, true, At(1700000005)));
  store.Publish(Make("role", 1, false, At(1700000010)));
  store.Publish(Make("role", 1, false, At(1700000015)));
  SnapshotPtr s = store.Get("role");
  EXPECT_FALSE(s->success);
  EXPECT_EQ(s->finished_at, At(1700000015));
  ASSERT_TRUE(s->last_success.has_value());
  EXPECT_EQ(*s->last_success, At(1700000005));
  // Other collectors do not share it.
  store.Publish(Make("quorum", 1, false, At(1700000020)));
  EXPECT_FALSE(store.Get("quorum")->last_success.has_value());
}

TEST(SnapshotStoreTest, ReaderKeepsItsSnapshotAfterReplacement) {
  SnapshotStore store;
  store.Publish(Make("role", 1, true, At(1700000000), "first"));
  SnapshotPtr held = store.Get("role");
  store.Publish(Make("role", 2, true, At(1700000005), "second"));
  EXPECT_EQ(LabelsOf(*held), "{series=\"first\"}");
  EXPECT_EQ(LabelsOf(*store.Get("role")), "{series=\"second\"}");
}

// Publishers and readers race; ASan catches use-after-free, the checks catch torn snapshots.
TEST(SnapshotStoreTest, ConcurrentPublishAndRead) {
  SnapshotStore store;
  constexpr int kPublishers = 3;
  constexpr int kRounds = 1500;
  std::atomic<int> publishers_done{0};
  std::atomic<bool> torn{false};
  std::atomic<int64_t> reads{0};

  std::vector<std::thread> threads;
  for (int p = 0; p < kPublishers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 1; i <= kRounds; ++i) {
        const double v = p * 100000 + i;
        store.Publish(Make("own" + std::to_string(p), v, i % 3 != 0, At(1700000000 + i)));
        store.Publish(Make("shared", v, true, At(1700000000 + i)));
      }
      publishers_done.fetch_add(1);
    });
  }
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      while (publishers_done.load() < kPublishers) {
        for (const auto& s : store.Latest()) {
          if (ValueOf(*s) != s->duration_seconds) {
            torn = true;
          }
        }
        if (auto s = store.Get("shared"); s && ValueOf(*s) != s->duration_seconds) {
          torn = true;
        }
        reads.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_FALSE(torn.load());
  EXPECT_GT(reads.load(), 0);
  ASSERT_EQ(store.Latest().size(), static_cast<std::size_t>(kPublishers + 1));
  for (int p = 0; p < kPublishers; ++p) {
    SnapshotPtr s = store.Get("own" + std::to_string(p));
    EXPECT_DOUBLE_EQ(s->duration_seconds, p * 100000 + kRounds);
    // Round kRounds (1500) is a multiple of 3, i.e. failed: last success is round 1499.
    ASSERT_TRUE(s->last_success.has_value());
    EXPECT_EQ(*s->last_success, At(1700000000 + kRounds - 1));
  }
}

}  // namespace
}  // namespace nca::exporter
