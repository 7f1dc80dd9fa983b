#include "common/result.h"

#include <gtest/gtest.h>

namespace nca {
namespace {

TEST(ResultTest, HoldsValueOrError) {
  Result<int> ok = 42;
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 42);
  Result<int> bad = MakeError(ErrorKind::kTimeout, "slow");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kTimeout);
  EXPECT_EQ(bad.error().ToString(), "timeout: slow");
}

TEST(ResultTest, ToStringShowsHttpStatusCodeAndRetryAfter) {
  Error e = MakeError(ErrorKind::kUnavailable, "HTTP 503 Service Unavailable");
  e.http_status = 503;
  EXPECT_EQ(e.ToString(), "unavailable (HTTP 503): HTTP 503 Service Unavailable");
  e.retry_after_seconds = 5;
  e.neo4j_code = "Neo.TransientError.General.DatabaseUnavailable";
  EXPECT_EQ(
      e.ToString(),
      "unavailable (HTTP 503, Retry-After: 5) Neo.TransientError.General.DatabaseUnavailable: "
      "HTTP 503 Service Unavailable");
}

TEST(ResultTest, ErrorKindNamesAreLabelSafe) {
  for (auto k : {ErrorKind::kConnectionRefused, ErrorKind::kMalformed, ErrorKind::kTooLarge,
                 ErrorKind::kUnauthorized, ErrorKind::kRateLimited}) {
    auto name = ErrorKindName(k);
    for (char c : name) {
      EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << name;
    }
  }
}

}  // namespace
}  // namespace nca
