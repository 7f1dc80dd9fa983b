// Definitions of the helpers declared in parsers_internal.h that the HTTP-answer parsers
// (parsers.cc) and the Cypher parsers (parsers_cypher.cc) share: exception-free JSON parsing,
// kMalformed errors, quoting and lower-casing, the first entry of a Neo4j "errors" array, and
// JSON-number-to-int64 conversion.
#include "neo4j/parsers_internal.h"

#include <cmath>
#include <limits>

#include "common/json_depth.h"

namespace nca::neo4j::internal {

std::optional<json> ParseJson(std::string_view body) {
  if (!JsonDepthWithin(body)) {
    return std::nullopt;
  }
  json parsed = json::parse(body.begin(), body.end(), /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return std::nullopt;
  }
  return parsed;
}

Error Malformed(std::string_view context, std::string_view what) {
  std::string message(context);
  message += ": ";
  message += what;
  return MakeError(ErrorKind::kMalformed, std::move(message));
}

std::string Quoted(std::string_view name) {
  std::string out = "\"";
  out += name;
  out += '"';
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

std::optional<Neo4jErrorEntry> FirstNeo4jError(const json& doc) {
  if (!doc.is_object()) {
    return std::nullopt;
  }
  const auto it = doc.find("errors");
  if (it == doc.end() || !it->is_array() || it->empty()) {
    return std::nullopt;
  }
  Neo4jErrorEntry entry;
  entry.total = it->size();
  const json& first = it->front();
  if (!first.is_object()) {
    return entry;
  }
  for (const char* key : {"code", "error"}) {
    const auto code = first.find(key);
    if (code != first.end() && code->is_string()) {
      entry.code = code->get<std::string>();
      break;
    }
  }
  const auto message = first.find("message");
  if (message != first.end() && message->is_string()) {
    entry.message = message->get<std::string>();
  }
  return entry;
}

IntStatus ToInt64(const json& v, int64_t* out) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return IntStatus::kOutOfRange;
    }
    *out = static_cast<int64_t>(u);
    return IntStatus::kOk;
  }
  if (v.is_number_integer()) {
    *out = v.get<int64_t>();
    return IntStatus::kOk;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d) || d != std::trunc(d)) {
      return IntStatus::kNotInteger;
    }
    // 2^63 is exactly representable; every double below it (and >= -2^63) fits in int64_t.
    constexpr double kLimit = 9223372036854775808.0;
    if (d >= kLimit || d < -kLimit) {
      return IntStatus::kOutOfRange;
    }
    *out = static_cast<int64_t>(d);
    return IntStatus::kOk;
  }
  return IntStatus::kNotInteger;
}

}  // namespace nca::neo4j::internal
