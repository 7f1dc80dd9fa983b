// A nesting limit for untrusted JSON, checked before nlohmann::json parses it: the parser itself
// is iterative, but copying, comparing and dumping the parsed value recurse once per level, so a
// body of a few hundred KB of '[' (well within the response-size caps) would overflow the stack.
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace nca {

// Deeper than any answer of Neo4j or of the Kubernetes API (which nest a few tens of levels),
// far below what the stack of a thread holds.
inline constexpr std::size_t kMaxJsonDepth = 1000;

// False when arrays and objects in `text` nest deeper than `max_depth` (brackets inside strings
// do not count). Any text is accepted: this only bounds what a JSON parser would build from it.
inline bool JsonDepthWithin(std::string_view text, std::size_t max_depth = kMaxJsonDepth) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return false;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

}  // namespace nca
