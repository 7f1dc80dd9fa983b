#include "alerts/history.h"

#include <gtest/gtest.h>

#include <thread>

namespace nca::alerts {
namespace {

promql::Labels L(const std::string& job) {
  return promql::Labels({{"__name__", "up"}, {"job", job}});
}

TEST(SampleHistoryTest, MissingSeriesGetsStaleMarker) {
  SampleHistory h(SampleHistory::RetentionFor(0));
  h.AppendBatch("role", 1000, {{L("a"), 1}, {L("b"), 2}});
  h.AppendBatch("other", 1500, {{L("c"), 3}});
  h.AppendBatch("role", 2000, {{L("a"), 1}});
  auto all = h.Select({}, 0, 3000);
  ASSERT_EQ(all.size(), 3u);
  for (const auto& s : all) {
    if (s.labels.Get("job") == "b") {
      ASSERT_EQ(s.samples.size(), 2u);
      EXPECT_TRUE(promql::IsStaleNaN(s.samples[1].v));
      EXPECT_EQ(s.samples[1].t, 2000);
    } else if (s.labels.Get("job") == "c") {
      // Another source's batch does not mark it stale.
      ASSERT_EQ(s.samples.size(), 1u);
    }
  }
}

TEST(SampleHistoryTest, RetentionDropsOldSamplesAndReportsMemory) {
  SampleHistory h(10000);
  for (int i = 0; i <= 100; ++i) h.AppendBatch("s", i * 1000, {{L("a"), i}});
  EXPECT_EQ(h.SampleCount(), 11u);  // t in [90s, 100s]
  std::size_t before = h.MemoryBytes();
  EXPECT_GT(before, 11 * sizeof(promql::Sample));
  h.SetRetention(2000);
  EXPECT_EQ(h.SampleCount(), 3u);
  auto sel = h.Select({}, 0, 1000000);
  ASSERT_EQ(sel.size(), 1u);
  EXPECT_EQ(sel[0].samples.front().t, 98000);
  // A longer retention (a reload adding a longer range) does not bring dropped samples back,
  // although the compact store may still hold them in a chunk.
  h.SetRetention(50000);
  EXPECT_EQ(h.SampleCount(), 3u);
  sel = h.Select({}, 0, 1000000);
  ASSERT_EQ(sel.size(), 1u);
  ASSERT_EQ(sel[0].samples.size(), 3u);
  EXPECT_EQ(sel[0].samples.front().t, 98000);
  h.AppendBatch("s", 101000, {{L("a"), 101}});
  EXPECT_EQ(h.SampleCount(), 4u);
}

TEST(SampleHistoryTest, SelectFiltersByMatchersAndRange) {
  SampleHistory h(SampleHistory::RetentionFor(0));
  h.Append(L("a"), 1000, 1);
  h.Append(L("a"), 2000, 2);
  h.Append(L("a"), 1500, 9);  // out of order: ignored
  h.Append(L("b"), 2000, 3);
  promql::LabelMatcher m;
  m.name = "job";
  m.value = "a";
  auto sel = h.Select({m}, 2000, 2000);
  ASSERT_EQ(sel.size(), 1u);
  ASSERT_EQ(sel[0].samples.size(), 1u);
  EXPECT_EQ(sel[0].samples[0].v, 2);
}

TEST(SampleHistoryTest, ConcurrentReadersWithOneWriter) {
  SampleHistory h(SampleHistory::RetentionFor(0));
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) h.AppendBatch("s", i, {{L("a"), i}});
  });
  std::size_t seen = 0;
  for (int i = 0; i < 200; ++i) seen += h.Select({}, 0, 1 << 30).size();
  writer.join();
  EXPECT_EQ(h.SampleCount(), 2000u);
  EXPECT_LE(seen, 200u);
}

}  // namespace
}  // namespace nca::alerts
