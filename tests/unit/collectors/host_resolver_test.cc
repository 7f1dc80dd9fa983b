// The system host resolver the agent gives its collectors (CollectServices::resolve,
// neo4j/resolver.h): numeric input without lookup, "localhost" through the local files, the
// special-use ".invalid" TLD rejected at once, and deadlines that never block the caller. Only
// loopback and local files are involved.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "collectors/collector.h"
#include "neo4j/resolver.h"

namespace nca::neo4j {
namespace {

using Steady = std::chrono::steady_clock;
using std::chrono::seconds;

MonoTime In(std::chrono::milliseconds d) { return Steady::now() + d; }

TEST(HostResolverTest, NumericHosts) {
  EXPECT_TRUE(IsNumericHost("127.0.0.1"));
  EXPECT_TRUE(IsNumericHost("::1"));
  EXPECT_TRUE(IsNumericHost("[::1]"));
  EXPECT_TRUE(IsNumericHost("fd00::10"));
  EXPECT_FALSE(IsNumericHost("[127.0.0.1]"));
  EXPECT_FALSE(IsNumericHost("localhost"));
  EXPECT_FALSE(IsNumericHost("10.0.0"));
  EXPECT_FALSE(IsNumericHost(""));

  const collectors::HostResolver resolve = MakeSystemResolver();  // the collectors' type
  auto v4 = resolve("127.0.0.1", In(std::chrono::milliseconds(1000)));
  ASSERT_TRUE(v4.ok()) << v4.error().ToString();
  EXPECT_EQ(*v4, (std::vector<std::string>{"127.0.0.1"}));
  auto v6 = resolve("::1", In(std::chrono::milliseconds(1000)));
  ASSERT_TRUE(v6.ok()) << v6.error().ToString();
  EXPECT_EQ(*v6, (std::vector<std::string>{"::1"}));
  auto bracketed = resolve("[::1]", In(std::chrono::milliseconds(1000)));
  ASSERT_TRUE(bracketed.ok());
  EXPECT_EQ(*bracketed, (std::vector<std::string>{"::1"}));
  // Numeric input needs no time at all: even a past deadline works.
  auto late = resolve("127.0.0.1", Steady::now() - seconds(1));
  EXPECT_TRUE(late.ok());
}

TEST(HostResolverTest, LocalhostResolvesToLoopback) {
  const ResolveFunction resolve = MakeSystemResolver();
  auto r = resolve("localhost", In(std::chrono::milliseconds(5000)));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_FALSE(r->empty());
  for (const std::string& a : *r) {
    EXPECT_TRUE(IsNumericHost(a)) << a;
  }
  const bool loopback = std::any_of(r->begin(), r->end(), [](const std::string& a) {
    return a == "::1" || a.rfind("127.", 0) == 0;
  });
  EXPECT_TRUE(loopback) << ::testing::PrintToString(*r);
  // No duplicates.
  std::vector<std::string> sorted = *r;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
}

TEST(HostResolverTest, InvalidTldFailsAtOnce) {
  const ResolveFunction resolve = MakeSystemResolver();
  for (const char* name : {"peer.invalid", "PEER.Invalid.", "invalid"}) {
    const auto started = Steady::now();
    auto r = resolve(name, In(std::chrono::milliseconds(5000)));
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().kind, ErrorKind::kNotFound) << name;
    EXPECT_LT(Steady::now() - started, seconds(1)) << name;
  }
  auto empty = resolve("", In(std::chrono::milliseconds(100)));
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().kind, ErrorKind::kInvalidArgument);
}

TEST(HostResolverTest, PassedDeadlineFailsWithoutWaiting) {
  const ResolveFunction resolve = MakeSystemResolver();
  const auto started = Steady::now();
  auto r = resolve("localhost", Steady::now() - seconds(1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTimeout);
  EXPECT_LT(Steady::now() - started, seconds(1));
}

TEST(HostResolverTest, ConcurrentCallersShareTheResolver) {
  const ResolveFunction resolve = MakeSystemResolver();
  std::vector<std::thread> threads;
  std::vector<int> ok(8, 0);
  for (std::size_t i = 0; i < ok.size(); ++i) {
    threads.emplace_back([&, i] {
      auto r = resolve(i % 2 == 0 ? "localhost" : "127.0.0.1", In(std::chrono::milliseconds(5000)));
      ok[i] = r.ok() ? 1 : 0;
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(std::count(ok.begin(), ok.end(), 1), static_cast<long>(ok.size()));
}

}  // namespace
}  // namespace nca::neo4j
