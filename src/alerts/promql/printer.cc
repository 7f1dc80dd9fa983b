// Canonical printing of expressions (Prometheus 2.42 promql/parser/printer.go) and the Go
// formatting helpers it needs.
#include <algorithm>
#include <cstdio>
#include <string>
#include <type_traits>
#include <vector>

#include "alerts/promql/ast.h"
#include "alerts/promql/value.h"

namespace nca::alerts::promql {

namespace {

// Decodes one UTF-8 rune at s[i]; returns its length, or 0 when the bytes are not valid UTF-8.
std::size_t DecodeRune(std::string_view s, std::size_t i, uint32_t* rune) {
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *rune = b0;
    return 1;
  }
  std::size_t len = 0;
  uint32_t r = 0;
  uint32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    r = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    r = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    r = b0 & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    r = (r << 6) | (b & 0x3F);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r < 0xE000)) return 0;
  *rune = r;
  return len;
}

// Approximation of Go's unicode.IsPrint for non-ASCII runes: C1 controls, the soft hyphen,
// line/paragraph separators, the BOM and non-characters are not printable.
bool IsPrintableNonAscii(uint32_t r) {
  if (r >= 0x80 && r <= 0x9F) return false;
  if (r == 0xAD || r == 0x2028 || r == 0x2029 || r == 0xFEFF) return false;
  if (r >= 0xFFF9 && r <= 0xFFFB) return false;
  if ((r & 0xFFFE) == 0xFFFE) return false;
  if (r >= 0xE000 && r <= 0xF8FF) return false;  // private use
  return true;
}

void AppendHex(std::string* out, const char* prefix, uint32_t v, int width) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%s%0*x", prefix, width, v);
  *out += buf;
}

std::string FormatMatcher(const LabelMatcher& m) {
  std::string out = m.name;
  switch (m.op) {
    case MatchOp::kEqual:
      out += "=";
      break;
    case MatchOp::kNotEqual:
      out += "!=";
      break;
    case MatchOp::kRegexMatch:
      out += "=~";
      break;
    case MatchOp::kRegexNoMatch:
      out += "!~";
      break;
  }
  out += GoQuote(m.value);
  return out;
}

std::string FormatOffset(int64_t offset_ms) {
  if (offset_ms > 0) return " offset " + FormatDuration(offset_ms);
  if (offset_ms < 0) return " offset -" + FormatDuration(-offset_ms);
  return {};
}

std::string FormatSelectorBody(const VectorSelector& vs) {
  std::vector<std::string> parts;
  for (const auto& m : vs.matchers) {
    if (m.name == kMetricNameLabel && m.op == MatchOp::kEqual && m.value == vs.name) continue;
    parts.push_back(FormatMatcher(m));
  }
  if (parts.empty()) return vs.name;
  std::sort(parts.begin(), parts.end());
  std::string out = vs.name + "{";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += ",";
    out += parts[i];
  }
  out += "}";
  return out;
}

std::string JoinLabels(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  return out;
}

}  // namespace

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  std::size_t i = 0;
  while (i < s.size()) {
    uint32_t r = 0;
    std::size_t n = DecodeRune(s, i, &r);
    if (n == 0) {
      AppendHex(&out, "\\x", static_cast<unsigned char>(s[i]), 2);
      ++i;
      continue;
    }
    if (r == '"' || r == '\\') {
      out += '\\';
      out += static_cast<char>(r);
    } else if (r >= 0x20 && r < 0x7F) {
      out += static_cast<char>(r);
    } else if (r >= 0x80 && IsPrintableNonAscii(r)) {
      out.append(s.substr(i, n));
    } else {
      switch (r) {
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default:
          if (r < 0x20 || r == 0x7F) {
            AppendHex(&out, "\\x", r, 2);
          } else if (r < 0x10000) {
            AppendHex(&out, "\\u", r, 4);
          } else {
            AppendHex(&out, "\\U", r, 8);
          }
      }
    }
    i += n;
  }
  out += '"';
  return out;
}

std::string FormatDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  auto unit = [&](const char* name, int64_t mult, bool exact) {
    if (exact && ms % mult != 0) return;
    int64_t v = ms / mult;
    if (v > 0) {
      out += std::to_string(v);
      out += name;
      ms -= v * mult;
    }
  };
  constexpr int64_t kDay = 1000LL * 60 * 60 * 24;
  unit("y", kDay * 365, true);
  unit("w", kDay * 7, true);
  unit("d", kDay, false);
  unit("h", 1000LL * 60 * 60, false);
  unit("m", 1000LL * 60, false);
  unit("s", 1000, false);
  unit("ms", 1, false);
  return out;
}

std::string Format(const Expr& expr) {
  return std::visit(
      [](const auto& n) -> std::string {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, NumberLiteral>) {
          return FormatFloat(n.value);
        } else if constexpr (std::is_same_v<T, StringLiteral>) {
          return GoQuote(n.value);
        } else if constexpr (std::is_same_v<T, VectorSelector>) {
          return FormatSelectorBody(n) + FormatOffset(n.offset_ms);
        } else if constexpr (std::is_same_v<T, MatrixSelector>) {
          return FormatSelectorBody(n.selector) + "[" + FormatDuration(n.range_ms) + "]" +
                 FormatOffset(n.selector.offset_ms);
        } else if constexpr (std::is_same_v<T, Call>) {
          std::string out(n.func != nullptr ? n.func->name : "unknown");
          out += "(";
          for (std::size_t i = 0; i < n.args.size(); ++i) {
            if (i > 0) out += ", ";
            out += Format(*n.args[i]);
          }
          out += ")";
          return out;
        } else if constexpr (std::is_same_v<T, AggregateExpr>) {
          std::string out(AggOpName(n.op));
          if (n.without) {
            out += " without (" + JoinLabels(n.grouping) + ") ";
          } else if (!n.grouping.empty()) {
            out += " by (" + JoinLabels(n.grouping) + ") ";
          }
          out += "(";
          if (n.param) out += Format(*n.param) + ", ";
          out += Format(*n.expr) + ")";
          return out;
        } else if constexpr (std::is_same_v<T, BinaryExpr>) {
          std::string out = Format(*n.lhs) + " " + std::string(BinaryOpName(n.op));
          if (n.return_bool) out += " bool";
          if (n.matching && (!n.matching->matching_labels.empty() || n.matching->on)) {
            out += n.matching->on ? " on (" : " ignoring (";
            out += JoinLabels(n.matching->matching_labels) + ")";
            if (n.matching->card == Cardinality::kManyToOne ||
                n.matching->card == Cardinality::kOneToMany) {
              out +=
                  n.matching->card == Cardinality::kManyToOne ? " group_left (" : " group_right (";
              out += JoinLabels(n.matching->include) + ")";
            }
          }
          out += " " + Format(*n.rhs);
          return out;
        } else if constexpr (std::is_same_v<T, UnaryExpr>) {
          return std::string(n.negate ? "-" : "+") + Format(*n.expr);
        } else {
          return "(" + Format(*n.expr) + ")";
        }
      },
      expr.node);
}

}  // namespace nca::alerts::promql
