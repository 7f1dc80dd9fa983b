// Result<T>: a value or an Error, for steady-state paths where exceptions are not used
// (GCC 12 has no std::expected in C++20).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace nca {

// What went wrong, coarse enough to become a metric label (`reason`).
enum class ErrorKind {
  kConnectionRefused,  // nothing listening / connect failed
  kTimeout,            // connect or total timeout, or a collector deadline
  kTls,                // handshake or verification failure
  kUnauthorized,       // 401 (bad or missing credentials)
  kForbidden,          // 403
  kRateLimited,        // 429 auth rate limit
  kBadRequest,         // 400 (e.g. invalid auth header, expired credentials)
  kNotFound,           // 404 without a meaningful body (database not hosted)
  kUnavailable,        // 503 (database not running; may carry Retry-After)
  kServerError,        // other 5xx
  kHttpStatus,         // any other unexpected status
  kMalformed,          // body is not what the protocol promises (bad JSON, missing keys)
  kTooLarge,           // body exceeded the response-size cap
  kNeo4jError,         // in-band Cypher error (`errors` array / Query API error)
  kNetwork,            // other transport failure
  kInvalidArgument,    // caller / configuration error
  kInternal,
};

// Stable lowercase name used as the `reason` label value and in logs.
std::string_view ErrorKindName(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string message;
  // Neo4j status code such as "Neo.ClientError.Security.Unauthorized", when known.
  std::string neo4j_code;
  // HTTP status when the error came from an HTTP answer, else 0.
  int http_status = 0;
  // Seconds from a Retry-After header, when present.
  std::optional<int> retry_after_seconds;

  std::string ToString() const;
};

inline Error MakeError(ErrorKind kind, std::string message) {
  Error e;
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void> equivalent.
struct Ok {};
using Status = Result<Ok>;
inline Status OkStatus() { return Ok{}; }

}  // namespace nca
