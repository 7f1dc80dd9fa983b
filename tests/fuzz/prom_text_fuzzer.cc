// libFuzzer harness for nca::neo4j::ParsePromText (src/neo4j/prom_text.h): any byte string must
// parse or fail cleanly (no crash, leak, UB or hang under ASan/UBSan), and the invariants below,
// which hold for every input, must hold. Run with tests/fuzz/run-fuzzer.sh prom_text SECONDS.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "neo4j/prom_text.h"

namespace {

using nca::ErrorKind;
using nca::Result;
using nca::neo4j::ParsePromText;
using nca::neo4j::PromFamily;
using nca::neo4j::PromParseLimits;
using nca::neo4j::PromType;

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

// [a-zA-Z_:][a-zA-Z0-9_:]* (metric) or [a-zA-Z_][a-zA-Z0-9_]* (label).
bool ValidName(std::string_view s, bool colon_ok) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (colon_ok && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::size_t SampleCount(const std::vector<PromFamily>& families) {
  std::size_t n = 0;
  for (const auto& f : families) n += f.samples.size();
  return n;
}

// Two parses are the same: same families, samples, labels, values (bit-exact, NaN included).
bool SameParse(const Result<std::vector<PromFamily>>& a, const Result<std::vector<PromFamily>>& b) {
  if (a.ok() != b.ok()) return false;
  if (!a.ok()) return a.error().kind == b.error().kind && a.error().message == b.error().message;
  if (a->size() != b->size()) return false;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const PromFamily& fa = (*a)[i];
    const PromFamily& fb = (*b)[i];
    if (fa.name != fb.name || fa.help != fb.help || fa.type != fb.type ||
        fa.samples.size() != fb.samples.size())
      return false;
    for (std::size_t j = 0; j < fa.samples.size(); ++j) {
      const auto& sa = fa.samples[j];
      const auto& sb = fb.samples[j];
      if (sa.name != sb.name || sa.labels != sb.labels || sa.timestamp_ms != sb.timestamp_ms ||
          std::memcmp(&sa.value, &sb.value, sizeof(double)) != 0)
        return false;
    }
  }
  return true;
}

// The invariants of one parse of `text` under `limits`.
void CheckParse(std::string_view text, const PromParseLimits& limits,
                const Result<std::vector<PromFamily>>& r) {
  if (!r.ok()) {
    // Failures are only "not Prometheus text" or "over a limit", always with a message.
    FUZZ_CHECK(r.error().kind == ErrorKind::kMalformed || r.error().kind == ErrorKind::kTooLarge);
    FUZZ_CHECK(!r.error().message.empty());
    return;
  }
  // Accepted text is within the size limit, has no NUL byte and no byte that never occurs in
  // UTF-8 (0xC0, 0xC1, 0xF5..0xFF): those are errors.
  FUZZ_CHECK(text.size() <= limits.max_bytes);
  for (unsigned char c : text) FUZZ_CHECK(c != 0 && c != 0xC0 && c != 0xC1 && c < 0xF5);
  FUZZ_CHECK(SampleCount(*r) <= limits.max_samples);
  for (const PromFamily& f : *r) {
    // Every family has a valid metric name and a known type.
    FUZZ_CHECK(ValidName(f.name, true));
    FUZZ_CHECK(f.type == PromType::kUntyped || f.type == PromType::kCounter ||
               f.type == PromType::kGauge || f.type == PromType::kSummary ||
               f.type == PromType::kHistogram);
    for (const auto& s : f.samples) {
      // A sample's name is valid and is its family's name, or for a counter x_total, for a
      // summary x_sum/x_count, for a histogram x_bucket/x_sum/x_count (the attachment rule of
      // prom_text.h).
      FUZZ_CHECK(ValidName(s.name, true));
      std::string_view suffix;
      if (s.name != f.name) {
        FUZZ_CHECK(s.name.size() > f.name.size() && s.name.compare(0, f.name.size(), f.name) == 0);
        suffix = std::string_view(s.name).substr(f.name.size());
        if (f.type == PromType::kCounter) {
          FUZZ_CHECK(suffix == "_total");
        } else {
          FUZZ_CHECK(f.type == PromType::kSummary || f.type == PromType::kHistogram);
          FUZZ_CHECK(suffix == "_sum" || suffix == "_count" ||
                     (f.type == PromType::kHistogram && suffix == "_bucket"));
        }
      }
      // Labels: within the limit, valid names, no name twice in one sample, no NUL in values.
      FUZZ_CHECK(s.labels.size() <= limits.max_labels_per_sample);
      std::set<std::string_view> seen;
      for (const auto& [name, value] : s.labels) {
        FUZZ_CHECK(ValidName(name, false));
        FUZZ_CHECK(seen.insert(name).second);
        FUZZ_CHECK(value.find('\0') == std::string::npos);
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  // Default limits: the invariants hold, and parsing is deterministic (a second parse of the
  // same bytes gives the same families, samples and values, or the same error).
  const PromParseLimits defaults;
  auto r1 = ParsePromText(text, defaults);
  CheckParse(text, defaults, r1);
  FUZZ_CHECK(SameParse(r1, ParsePromText(text, defaults)));

  // Tight limits, so that fuzzed inputs reach every kTooLarge path. Limits only add failures: what
  // parses under tight limits parses identically under the defaults.
  PromParseLimits tight;
  tight.max_bytes = 4096;
  tight.max_samples = 16;
  tight.max_line_bytes = 128;
  tight.max_labels_per_sample = 3;
  auto r2 = ParsePromText(text, tight);
  CheckParse(text, tight, r2);
  if (r2.ok()) FUZZ_CHECK(SameParse(r1, r2));
  return 0;
}
