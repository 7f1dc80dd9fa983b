#include "common/result.h"

namespace nca {

std::string_view ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kConnectionRefused:
      return "connection_refused";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kTls:
      return "tls";
    case ErrorKind::kUnauthorized:
      return "unauthorized";
    case ErrorKind::kForbidden:
      return "forbidden";
    case ErrorKind::kRateLimited:
      return "rate_limited";
    case ErrorKind::kBadRequest:
      return "bad_request";
    case ErrorKind::kNotFound:
      return "not_found";
    case ErrorKind::kUnavailable:
      return "unavailable";
    case ErrorKind::kServerError:
      return "server_error";
    case ErrorKind::kHttpStatus:
      return "http_status";
    case ErrorKind::kMalformed:
      return "malformed_response";
    case ErrorKind::kTooLarge:
      return "response_too_large";
    case ErrorKind::kNeo4jError:
      return "neo4j_error";
    case ErrorKind::kNetwork:
      return "network";
    case ErrorKind::kInvalidArgument:
      return "invalid_argument";
    case ErrorKind::kInternal:
      return "internal";
  }
  return "internal";
}

std::string Error::ToString() const {
  std::string out(ErrorKindName(kind));
  if (http_status != 0) {
    out += " (HTTP " + std::to_string(http_status);
    if (retry_after_seconds) {
      // What the server asked for, so that a reader sees it; the agent still asks again at its
      // next interval (docs/fault-matrix.md, row 7).
      out += ", Retry-After: " + std::to_string(*retry_after_seconds);
    }
    out += ")";
  }
  if (!neo4j_code.empty()) {
    out += " " + neo4j_code;
  }
  if (!message.empty()) {
    out += ": " + message;
  }
  return out;
}

}  // namespace nca
