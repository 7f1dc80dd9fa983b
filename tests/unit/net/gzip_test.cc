// A gzip member from a prefix compressed once and tails compressed per response (net/gzip.h),
// checked by inflating with zlib.
#include "net/gzip.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace nca::net {
namespace {

std::string Text(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s;
  while (s.size() < n) {
    s += "neo4j_metric_" + std::to_string(rng() % 1000) + "{member=\"m" +
         std::to_string(rng() % 45) + "\"} " + std::to_string(rng()) + "\n";
  }
  s.resize(n);
  return s;
}

TEST(GzipTest, PrefixAndTailMakeOneMember) {
  for (std::size_t prefix_size : {0ul, 1ul, 1000ul, 100000ul, 700000ul}) {
    for (std::size_t tail_size : {0ul, 1ul, 2000ul}) {
      const std::string prefix = Text(prefix_size, 1);
      const std::string tail = Text(tail_size, 2);
      const GzipPrefix p = GzipStart(prefix, 1);
      const std::string body = p.bytes + GzipFinish(p, tail, 1);
      auto plain = Gunzip(body);
      ASSERT_TRUE(plain.ok()) << prefix_size << "+" << tail_size << ": " << plain.error().message;
      EXPECT_TRUE(*plain == prefix + tail) << prefix_size << "+" << tail_size;
      if (prefix_size >= 100000) {
        EXPECT_LT(body.size(), prefix_size / 2);  // it does compress
      }
    }
  }
}

// The prefix is kept with the cached exposition: it holds its compressed bytes, not the room
// deflate's bound asked for (about the size of the input).
TEST(GzipTest, PrefixKeepsOnlyWhatItUses) {
  const std::string text = Text(600000, 3);
  const GzipPrefix p = GzipStart(text, 1);
  ASSERT_LT(p.bytes.size(), text.size() / 2);
  EXPECT_LE(p.bytes.capacity(), p.bytes.size() + 64) << "size " << p.bytes.size();
}

TEST(GzipTest, OnePrefixServesManyTails) {
  const GzipPrefix p = GzipStart(Text(5000, 3));
  for (unsigned i = 0; i < 5; ++i) {
    const std::string tail = Text(100 + i * 37, 10 + i);
    auto plain = Gunzip(p.bytes + GzipFinish(p, tail));
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(plain->substr(5000), tail);
  }
}

TEST(GzipTest, HeaderIsAPlainGzipMember) {
  const GzipPrefix p = GzipStart("x");
  ASSERT_GE(p.bytes.size(), 10u);
  EXPECT_EQ(static_cast<unsigned char>(p.bytes[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(p.bytes[1]), 0x8b);
  EXPECT_EQ(p.bytes[2], 8);  // deflate
  EXPECT_EQ(p.bytes[3], 0);  // no optional fields
}

TEST(GzipTest, GunzipRefusesDamage) {
  const GzipPrefix p = GzipStart(Text(20000, 4));
  std::string body = p.bytes + GzipFinish(p, "tail\n");
  EXPECT_FALSE(Gunzip(body.substr(0, body.size() - 3)).ok());  // truncated trailer
  std::string bad_crc = body;
  bad_crc[bad_crc.size() - 6] ^= 0x55;
  EXPECT_FALSE(Gunzip(bad_crc).ok());
  EXPECT_FALSE(Gunzip("not gzip at all").ok());
  auto limited = Gunzip(body, 1000);
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().kind, ErrorKind::kTooLarge);
}

}  // namespace
}  // namespace nca::net
