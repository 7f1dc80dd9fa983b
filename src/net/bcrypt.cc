#include "net/bcrypt.h"

#include <crypt.h>
#include <openssl/crypto.h>

#include <cstring>
#include <memory>

namespace nca::net {
namespace {

// golang.org/x/crypto/bcrypt: minHashSize, majorVersion, MinCost, MaxCost.
constexpr std::size_t kMinHashSize = 59;
constexpr char kMajorVersion = '2';
constexpr int kMinCost = 4;
constexpr int kMaxCost = 31;

Error Bad(std::string message) {
  return MakeError(ErrorKind::kInvalidArgument, std::move(message));
}

}  // namespace

Result<int> BcryptCost(std::string_view hash) {
  if (hash.size() < kMinHashSize) {
    return Bad("crypto/bcrypt: hashedSecret too short to be a bcrypted password");
  }
  if (hash[0] != '$') {
    return Bad(std::string("crypto/bcrypt: bcrypt hashes must start with '$', but hashedSecret "
                           "started with '") +
               hash[0] + "'");
  }
  if (hash[1] > kMajorVersion) {
    return Bad(std::string("crypto/bcrypt: bcrypt algorithm version '") + hash[1] +
               "' requested is newer than current version '" + kMajorVersion + "'");
  }
  std::size_t n = 3;  // "$2$" or, with a minor version, "$2b$"
  if (hash[2] != '$') {
    ++n;
  }
  const std::string_view cost_text = hash.substr(n, 2);
  int cost = 0;
  for (char c : cost_text) {
    if (c < '0' || c > '9') {
      return Bad("strconv.Atoi: parsing \"" + std::string(cost_text) + "\": invalid syntax");
    }
    cost = cost * 10 + (c - '0');
  }
  if (cost < kMinCost || cost > kMaxCost) {
    return Bad("crypto/bcrypt: cost " + std::to_string(cost) +
               " is outside allowed inclusive range " + std::to_string(kMinCost) + ".." +
               std::to_string(kMaxCost));
  }
  return cost;
}

bool BcryptMatches(const std::string& hash, const std::string& password) {
  if (!BcryptCost(hash).ok() || password.find('\0') != std::string::npos) {
    return false;
  }
  auto data = std::make_unique<crypt_data>();  // ~32 KiB: not on the stack
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* out = crypt_r(password.c_str(), hash.c_str(), data.get());
  // libxcrypt returns a failure token starting with '*' (never a valid hash) or NULL.
  if (out == nullptr || out[0] == '*') {
    return false;
  }
  const std::size_t len = std::strlen(out);
  return len == hash.size() && CRYPTO_memcmp(out, hash.data(), len) == 0;
}

}  // namespace nca::net
