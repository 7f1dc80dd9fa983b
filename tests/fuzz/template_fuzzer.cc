// libFuzzer harness for the alert templates (src/alerts/templates/template.h: Go text/template as
// Prometheus uses it for alert labels and annotations): every input is parsed as a template
// (Template::Parse), checked as an alert template (CheckAlertTemplate, what rule files are
// validated with) and expanded as one (ExpandAlertTemplate, what rule evaluation does, which
// runs the template functions) with a one-label alert and a `query` function answering one
// sample. Run with tests/fuzz/run-fuzzer.sh template SECONDS.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/templates/template.h"
#include "alerts/templates/value.h"
#include "fuzz_check.h"

namespace {

using nca::ErrorKind;
using nca::fuzz::StartsWith;
namespace templates = nca::alerts::templates;

// One-element maps and query results: a `range` runs once per level, so nesting cannot
// multiply the output (Go's own behaviour, not a parser problem).
templates::AlertTemplateData AlertData() {
  templates::AlertTemplateData data;
  data.labels = {{"instance", "neo4j-0.neo4j:7474"}};
  data.external_labels = {{"region", "eu"}};
  data.external_url = "http://agent:9474";
  data.value = 0.75;
  data.query = [](const std::string& query) -> nca::Result<std::vector<templates::QuerySample>> {
    if (query.empty()) return nca::MakeError(ErrorKind::kInvalidArgument, "empty query");
    templates::QuerySample s;
    s.labels = {{"__name__", "up"}};
    s.value = static_cast<double>(query.size());
    return std::vector<templates::QuerySample>{s};
  };
  return data;
}

// At most 4 KB, and no number of exactly 7 significant digits.
bool Expandable(std::string_view text) {
  if (text.size() > 4096) return false;
  std::size_t digits = 0;    // significant digits of the current number
  bool significant = false;  // a non-zero digit was seen
  for (const char c : text) {
    if (c >= '0' && c <= '9') {
      if (significant || c != '0') ++digits;
      significant = significant || c != '0';
      continue;
    }
    if (digits == 7) return false;
    digits = 0;
    significant = false;
  }
  return digits != 7;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const templates::AlertTemplateData alert = AlertData();

  const auto parsed = templates::Template::Parse("fuzz", text);
  if (!parsed.ok()) {
    // Go's parse error text: "template: NAME:LINE: msg".
    FUZZ_CHECK(parsed.error().kind == ErrorKind::kInvalidArgument);
    FUZZ_CHECK_SHOW(StartsWith(parsed.error().message, "template: fuzz:"), parsed.error().message,
                    "");
  }

  // The alert preamble only declares variables: what parses alone parses after it.
  const auto checked = templates::CheckAlertTemplate("fuzz", text);
  if (parsed.ok()) {
    FUZZ_CHECK_SHOW(checked.ok(), text, checked.ok() ? "" : checked.error().message);
  }

  // Expansion never fails; a template that does not parse expands to the parse error.
  // Not run where it could print gigabytes, as Go would too (a printf width or precision of 7
  // digits pads to up to 1e7 bytes, larger ones are errors; many of them in a long template):
  // that is the template's doing, not a parser bug.
  if (!Expandable(text)) return 0;
  const std::string expanded = templates::ExpandAlertTemplate("fuzz", text, alert);
  if (!checked.ok()) {
    FUZZ_CHECK(checked.error().kind == ErrorKind::kInvalidArgument);
    FUZZ_CHECK_SHOW(expanded == "<error expanding template: error parsing template __alert_fuzz: " +
                                    checked.error().message + ">",
                    expanded, checked.error().message);
  }
  return 0;
}
