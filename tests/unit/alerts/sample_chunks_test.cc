#include "alerts/sample_chunks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "alerts/promql/value.h"

namespace nca::alerts {
namespace {

using promql::Sample;

std::uint64_t Bits(double v) {
  std::uint64_t b = 0;
  std::memcpy(&b, &v, sizeof(b));
  return b;
}

// Equal time and the same value bit for bit (NaN payloads included).
void ExpectSame(const std::vector<Sample>& got, const std::vector<Sample>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].t, want[i].t) << i;
    EXPECT_EQ(Bits(got[i].v), Bits(want[i].v)) << i << ": " << got[i].v << " vs " << want[i].v;
  }
}

std::vector<Sample> Window(const std::vector<Sample>& all, std::int64_t mint, std::int64_t maxt) {
  std::vector<Sample> out;
  for (const Sample& s : all) {
    if (s.t >= mint && s.t <= maxt) {
      out.push_back(s);
    }
  }
  return out;
}

std::vector<Sample> Read(const SampleChunks& c, std::int64_t mint, std::int64_t maxt) {
  std::vector<Sample> out;
  c.Read(mint, maxt, out);
  return out;
}

// Repeated values, changing ones, stale markers, irregular and huge gaps, negative times and
// more than one chunk: what is read back is what went in.
TEST(SampleChunksTest, ReadsBackEverySampleBitForBit) {
  const double stale = promql::StaleNaN();
  std::vector<Sample> want;
  std::int64_t t = -1'000'000;
  for (int i = 0; i < 300; ++i) {
    double v = 0;
    if (i < 100) {
      v = 1;  // a value that repeats
    } else if (i < 200) {
      v = i * 0.1;  // one that changes every time
    } else {
      v = i % 7 == 0 ? stale : (i % 5 == 0 ? std::numeric_limits<double>::quiet_NaN() : -0.0);
    }
    t += i % 13 == 0 ? 123'456'789 : 5000 + i % 3;
    want.push_back({t, v});
  }
  want.push_back({std::numeric_limits<std::int64_t>::max(), 42});  // a gap over 2^62 ms
  SampleChunks c;
  for (const Sample& s : want) {
    ASSERT_TRUE(c.Append(s.t, s.v));
  }
  const std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  const std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  ExpectSame(Read(c, lo, hi), want);
  EXPECT_EQ(c.Count(lo), want.size());
  // Windows that start and end inside chunks, between samples and on them.
  for (std::size_t i : {0u, 1u, 63u, 64u, 65u, 150u, 299u}) {
    for (std::size_t j : {i, i + 1, i + 70, std::size_t{299}}) {
      if (j < i || j >= want.size()) {
        continue;
      }
      ExpectSame(Read(c, want[i].t, want[j].t), Window(want, want[i].t, want[j].t));
      ExpectSame(Read(c, want[i].t + 1, want[j].t - 1), Window(want, want[i].t + 1, want[j].t - 1));
    }
    EXPECT_EQ(c.Count(want[i].t), want.size() - i);
  }
  EXPECT_TRUE(Read(c, want.back().t + 0, want.back().t - 1).empty());
}

TEST(SampleChunksTest, EqualTimeReplacesTheNewestValueAndOlderIsIgnored) {
  SampleChunks c;
  EXPECT_TRUE(c.Append(1000, 1));
  EXPECT_TRUE(c.Append(2000, 2));
  EXPECT_TRUE(c.Append(2000, 3));   // replaces
  EXPECT_FALSE(c.Append(1500, 9));  // older than the newest
  EXPECT_FALSE(c.Append(1000, 9));
  EXPECT_TRUE(c.Append(3000, 3));
  ExpectSame(Read(c, 0, 10000), {{1000, 1}, {2000, 3}, {3000, 3}});
}

TEST(SampleChunksTest, DropBeforeHidesOlderSamplesAndFreesWholeChunks) {
  SampleChunks c;
  EXPECT_TRUE(c.AllBefore(0));  // empty
  std::vector<Sample> want;
  for (int i = 0; i < 200; ++i) {
    want.push_back({i * 1000, static_cast<double>(i / 10)});
    c.Append(want.back().t, want.back().v);
  }
  const std::size_t before = c.MemoryBytes();
  // 199 samples are encoded in chunks of 64 (0-63, 64-127, 128-191, 192-198); sample 199 is the
  // newest. A cutoff inside the second chunk frees only the first; the second's older samples
  // are hidden.
  c.DropBefore(100 * 1000);
  EXPECT_LT(c.MemoryBytes(), before);
  EXPECT_TRUE(Read(c, 0, 99 * 1000).empty());
  ExpectSame(Read(c, 0, 1'000'000), Window(want, 100 * 1000, 1'000'000));
  EXPECT_EQ(c.Count(0), 100u);
  EXPECT_FALSE(c.AllBefore(199 * 1000));
  EXPECT_TRUE(c.AllBefore(199 * 1000 + 1));
  // An earlier cutoff later does not bring dropped samples back (chunk 64-127 still holds 64-99).
  c.DropBefore(0);
  ExpectSame(Read(c, 0, 1'000'000), Window(want, 100 * 1000, 1'000'000));
  EXPECT_EQ(c.Count(0), 100u);
  // Past every sample: the chunks go; the newest stays stored (appends continue after it) but
  // is hidden too.
  c.DropBefore(1'000'000);
  EXPECT_TRUE(Read(c, 0, 2'000'000).empty());
  EXPECT_TRUE(c.AllBefore(1'000'000));
  EXPECT_FALSE(c.Append(198 * 1000, 1));
  EXPECT_TRUE(c.Append(1'000'000, 7));
  ExpectSame(Read(c, 0, 2'000'000), {{1'000'000, 7}});
}

// The point of the encoding: a collector's series over the shipped rules' retention (252
// samples at 5 s) whose value repeats takes far less than 16 bytes a sample.
TEST(SampleChunksTest, RepeatedValuesTakeAboutTwoBytesASample) {
  SampleChunks c;
  for (int i = 0; i < 252; ++i) {
    c.Append(1'700'000'000'000 + i * 5000 + i % 3, 1);
  }
  EXPECT_LT(c.MemoryBytes(), 252 * sizeof(Sample) / 4) << c.MemoryBytes();
  EXPECT_EQ(c.Count(0), 252u);
}

}  // namespace
}  // namespace nca::alerts
