// Shared by the libFuzzer harnesses of tests/fuzz (not by prom_text_fuzzer.cc, which predates it):
// FUZZ_CHECK aborts with "invariant failed: ..." (run-fuzzer.sh looks for that text) when a
// property that must hold for every input does not, plus small string helpers.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

// The same, printing two strings (e.g. a message, or the two sides of a round trip) first.
#define FUZZ_CHECK_SHOW(cond, a, b)                                                      \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      ::nca::fuzz::Show("first", a);                                                     \
      ::nca::fuzz::Show("second", b);                                                    \
      std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

namespace nca::fuzz {

inline void Show(const char* what, std::string_view s) {
  std::fprintf(stderr, "%s (%zu bytes): \"", what, s.size());
  for (std::size_t i = 0; i < s.size() && i < 400; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      std::fputc(c, stderr);
    } else {
      std::fprintf(stderr, "\\x%02x", c);
    }
  }
  std::fprintf(stderr, "%s\"\n", s.size() > 400 ? "..." : "");
}

inline bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

inline bool Contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// Every byte is printable ASCII (0x20..0x7e).
inline bool PrintableAscii(std::string_view s) {
  for (char raw : s) {
    const auto c = static_cast<unsigned char>(raw);
    if (c < 0x20 || c > 0x7e) {
      return false;
    }
  }
  return true;
}

inline std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

}  // namespace nca::fuzz
