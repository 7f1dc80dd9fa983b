// bcrypt password hashes for basic auth (--web.config.file basic_auth_users), as exporter-toolkit
// checks them with golang.org/x/crypto/bcrypt: a hash is validated like bcrypt.Cost (same error
// texts) and a password is compared like bcrypt.CompareHashAndPassword. The hashing itself is
// glibc's libcrypt (libxcrypt on Debian: $2a$, $2b$ and $2y$ prefixes), compared in constant time.
//
// Thread-safe (crypt_r with a per-call buffer). A comparison costs what the hash's cost says
// (cost 10: tens of milliseconds): callers cache results and keep it off latency-critical threads.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace nca::net {

// The hash's cost, or Go's error: "crypto/bcrypt: hashedSecret too short to be a bcrypted
// password", "... bcrypt hashes must start with '$', but hashedSecret started with 'x'", "...
// bcrypt algorithm version '3' requested is newer than current version '2'", "... cost 40 is
// outside allowed inclusive range 4..31", or strconv's "parsing \"xx\": invalid syntax".
Result<int> BcryptCost(std::string_view hash);

// Whether `password` hashes to `hash`. False for a malformed hash and for a password with a NUL
// byte (libcrypt takes C strings; Go would hash every byte, so such a password never matches).
bool BcryptMatches(const std::string& hash, const std::string& password);

}  // namespace nca::net
