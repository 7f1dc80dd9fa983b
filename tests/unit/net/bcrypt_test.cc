// bcrypt through libcrypt against published vectors made by other implementations, and hash
// validation with golang.org/x/crypto/bcrypt's error texts (what exporter-toolkit reports).
#include "net/bcrypt.h"

#include <gtest/gtest.h>

#include <string>

namespace nca::net {
namespace {

TEST(BcryptTest, PublishedVectorsMatch) {
  struct Vector {
    const char* hash;
    const char* password;
  };
  const Vector kVectors[] = {
      // Openwall crypt_blowfish's test vectors (wrapper.c), the reference for $2a$/$2b$/$2y$.
      {"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"},
      {"$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK", "U*U*"},
      {"$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a", "U*U*U"},
      {"$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"},
      {"$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"},
      // Bytes after the 72nd are ignored by bcrypt.
      {"$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui",
       "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are "
       "ignored"},
      // exporter-toolkit web/handler.go: the hash of "fakepassword" (Go's x/crypto/bcrypt).
      {"$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi", "fakepassword"},
  };
  for (const auto& v : kVectors) {
    EXPECT_TRUE(BcryptMatches(v.hash, v.password)) << v.hash;
    EXPECT_FALSE(BcryptMatches(v.hash, "x" + std::string(v.password))) << v.hash;
    EXPECT_FALSE(BcryptMatches(v.hash, "")) << v.hash;
  }
}

TEST(BcryptTest, PrometheusDocsExampleAtCost12) {
  // prometheus docs/guides/basic-auth.md: the hash of "test" made with Python's bcrypt.
  EXPECT_TRUE(
      BcryptMatches("$2b$12$hNf2lSsxfm0.i4a.1kVpSOVyBCfIB51VRjgBUyv6kdnyTlgWj81Ay", "test"));
}

TEST(BcryptTest, NulBytesNeverMatch) {
  // libcrypt stops at NUL; Go hashes every byte. "U*U\0x" must not pass as "U*U".
  EXPECT_FALSE(BcryptMatches("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                             std::string("U*U\0x", 5)));
}

TEST(BcryptTest, CostAndGoErrors) {
  auto cost = BcryptCost("$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi");
  ASSERT_TRUE(cost.ok());
  EXPECT_EQ(*cost, 10);
  const std::string tail(53, 'a');
  struct Bad {
    std::string hash;
    std::string error;
  };
  const Bad kBad[] = {
      {"secret", "crypto/bcrypt: hashedSecret too short to be a bcrypted password"},
      {"2x$10$" + std::string(54, 'a'),
       "crypto/bcrypt: bcrypt hashes must start with '$', but hashedSecret started with '2'"},
      {"$3a$10$" + tail,
       "crypto/bcrypt: bcrypt algorithm version '3' requested is newer than current version '2'"},
      {"$2a$40$" + tail, "crypto/bcrypt: cost 40 is outside allowed inclusive range 4..31"},
      {"$2a$03$" + tail, "crypto/bcrypt: cost 3 is outside allowed inclusive range 4..31"},
      {"$2a$xy$" + tail, "strconv.Atoi: parsing \"xy\": invalid syntax"},
  };
  for (const auto& b : kBad) {
    auto r = BcryptCost(b.hash);
    ASSERT_FALSE(r.ok()) << b.hash;
    EXPECT_EQ(r.error().message, b.error);
    EXPECT_FALSE(BcryptMatches(b.hash, "x"));
  }
  // Go accepts a hash without a minor version ("$2$").
  EXPECT_TRUE(BcryptCost("$2$10$" + std::string(54, 'a')).ok());
}

}  // namespace
}  // namespace nca::net
