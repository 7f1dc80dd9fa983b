// libFuzzer harness for the PromQL parser (alerts::promql::Parse, src/alerts/promql/parser.h)
// and its printer (promql::Format, ast.h): an expression that parses prints to canonical text
// that parses again to an expression of the same type printing identically
// (parse(print(parse(x))) round-trips), node positions lie inside the input, and errors are
// promtool's "<line>:<col>: parse error: ..." texts. The input is also read as a Prometheus
// duration (promql::ParseDuration, used for `for:` and `interval:`).
// Run with tests/fuzz/run-fuzzer.sh promql SECONDS.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "alerts/promql/ast.h"
#include "alerts/promql/parser.h"
#include "fuzz_check.h"

namespace {

using nca::ErrorKind;
using nca::fuzz::Contains;
namespace promql = nca::alerts::promql;

void CheckPositions(const promql::Expr& root, std::size_t input_size) {
  promql::Walk(root, [input_size](const promql::Expr& e) {
    FUZZ_CHECK(e.pos.offset >= 0 && e.pos.offset <= e.pos.end);
    FUZZ_CHECK(static_cast<std::size_t>(e.pos.end) <= input_size);
    FUZZ_CHECK(e.pos.line >= 1 && e.pos.column >= 1);
  });
}

void CheckExpression(std::string_view text) {
  const auto parsed = promql::Parse(text);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.error().kind == ErrorKind::kInvalidArgument);
    FUZZ_CHECK_SHOW(Contains(parsed.error().message, "parse error"), parsed.error().message, "");
    return;
  }
  const promql::Expr& expr = **parsed;
  FUZZ_CHECK(expr.Type() != promql::ValueType::kNone);
  CheckPositions(expr, text.size());

  const std::string printed = promql::Format(expr);
  const auto reparsed = promql::Parse(printed);
  FUZZ_CHECK_SHOW(reparsed.ok(), printed, reparsed.ok() ? "" : reparsed.error().message);
  FUZZ_CHECK_SHOW((*reparsed)->Type() == expr.Type(), printed, text);
  const std::string reprinted = promql::Format(**reparsed);
  FUZZ_CHECK_SHOW(reprinted == printed, reprinted, printed);
}

void CheckDuration(std::string_view text) {
  const auto d = promql::ParseDuration(text);
  if (!d.ok()) {
    FUZZ_CHECK(d.error().kind == ErrorKind::kInvalidArgument);
    return;
  }
  FUZZ_CHECK(*d >= 0);
  const std::string printed = promql::FormatDuration(*d);
  const auto again = promql::ParseDuration(printed);
  FUZZ_CHECK_SHOW(again.ok() && *again == *d, printed, text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckExpression(text);
  if (size <= 64) CheckDuration(text);
  return 0;
}
