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
