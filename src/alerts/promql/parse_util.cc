#include "alerts/promql/parse_util.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

namespace nca::alerts::promql::parse_util {

using lex::TokenType;

bool BinaryOpFor(TokenType t, BinaryOp* op, int* prec) {
  switch (t) {
    case TokenType::kLor:
      *op = BinaryOp::kOr;
      *prec = kPrecOr;
      return true;
    case TokenType::kLand:
      *op = BinaryOp::kAnd;
      *prec = kPrecAndUnless;
      return true;
    case TokenType::kLunless:
      *op = BinaryOp::kUnless;
      *prec = kPrecAndUnless;
      return true;
    case TokenType::kEqlc:
      *op = BinaryOp::kEql;
      *prec = kPrecComparison;
      return true;
    case TokenType::kNeq:
      *op = BinaryOp::kNeq;
      *prec = kPrecComparison;
      return true;
    case TokenType::kGtr:
      *op = BinaryOp::kGtr;
      *prec = kPrecComparison;
      return true;
    case TokenType::kLss:
      *op = BinaryOp::kLss;
      *prec = kPrecComparison;
      return true;
    case TokenType::kGte:
      *op = BinaryOp::kGte;
      *prec = kPrecComparison;
      return true;
    case TokenType::kLte:
      *op = BinaryOp::kLte;
      *prec = kPrecComparison;
      return true;
    case TokenType::kAdd:
      *op = BinaryOp::kAdd;
      *prec = kPrecAdd;
      return true;
    case TokenType::kSub:
      *op = BinaryOp::kSub;
      *prec = kPrecAdd;
      return true;
    case TokenType::kMul:
      *op = BinaryOp::kMul;
      *prec = kPrecMul;
      return true;
    case TokenType::kDiv:
      *op = BinaryOp::kDiv;
      *prec = kPrecMul;
      return true;
    case TokenType::kMod:
      *op = BinaryOp::kMod;
      *prec = kPrecMul;
      return true;
    case TokenType::kAtan2:
      *op = BinaryOp::kAtan2;
      *prec = kPrecMul;
      return true;
    case TokenType::kPow:
      *op = BinaryOp::kPow;
      *prec = kPrecPow;
      return true;
    default:
      return false;
  }
}

bool AggOpFor(TokenType t, AggOp* op) {
  switch (t) {
    case TokenType::kSum:
      *op = AggOp::kSum;
      return true;
    case TokenType::kMin:
      *op = AggOp::kMin;
      return true;
    case TokenType::kMax:
      *op = AggOp::kMax;
      return true;
    case TokenType::kAvg:
      *op = AggOp::kAvg;
      return true;
    case TokenType::kCount:
      *op = AggOp::kCount;
      return true;
    case TokenType::kGroup:
      *op = AggOp::kGroup;
      return true;
    case TokenType::kStddev:
      *op = AggOp::kStddev;
      return true;
    case TokenType::kStdvar:
      *op = AggOp::kStdvar;
      return true;
    case TokenType::kTopk:
      *op = AggOp::kTopk;
      return true;
    case TokenType::kBottomk:
      *op = AggOp::kBottomk;
      return true;
    case TokenType::kQuantile:
      *op = AggOp::kQuantile;
      return true;
    case TokenType::kCountValues:
      *op = AggOp::kCountValues;
      return true;
    default:
      return false;
  }
}

// metric_identifier: words usable as a metric name.
bool IsMetricIdentifier(TokenType t) {
  switch (t) {
    case TokenType::kIdentifier:
    case TokenType::kMetricIdentifier:
    case TokenType::kBy:
    case TokenType::kWithout:
    case TokenType::kLand:
    case TokenType::kLor:
    case TokenType::kLunless:
    case TokenType::kOffset:
    case TokenType::kStart:
    case TokenType::kEnd:
      return true;
    default:
      return lex::IsAggregator(t);
  }
}

// maybe_label: words usable as a grouping label (before the isLabel check).
bool IsMaybeLabel(TokenType t) {
  switch (t) {
    case TokenType::kBool:
    case TokenType::kGroupLeft:
    case TokenType::kGroupRight:
    case TokenType::kIgnoring:
    case TokenType::kOn:
    case TokenType::kAtan2:
      return true;
    default:
      return IsMetricIdentifier(t);
  }
}

// Go strconv.ParseInt(s, 0, 64) for the unsigned forms the lexer produces.
bool GoParseInt(std::string_view s, double* out) {
  int base = 10;
  std::string_view digits = s;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    digits = s.substr(2);
  } else if (s.size() >= 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
    base = 8;
    digits = s.substr(2);
  } else if (s.size() >= 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
    base = 2;
    digits = s.substr(2);
  } else if (s.size() >= 2 && s[0] == '0') {
    base = 8;
    digits = s.substr(1);
  }
  if (digits.empty()) return false;
  uint64_t v = 0;
  for (char c : digits) {
    int d = 0;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return false;
    }
    if (d >= base) return false;
    auto ubase = static_cast<uint64_t>(base);
    if (v >
        (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - static_cast<uint64_t>(d)) /
            ubase) {
      return false;  // out of int64 range: Go falls back to ParseFloat
    }
    v = v * ubase + static_cast<uint64_t>(d);
  }
  *out = static_cast<double>(static_cast<int64_t>(v));
  return true;
}

// Go strconv.ParseFloat(s, 64) for decimal forms, Inf/Infinity/NaN (any case). Returns an error
// text (Go's) or "".
std::string GoParseFloat(const std::string& s, double* out) {
  std::string lower;
  for (char c : s) lower += static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
  std::string_view body = lower;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "inf" || body == "infinity") {
    *out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return "";
  }
  if (body == "nan") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return "";
  }
  const std::string syntax = "strconv.ParseFloat: parsing " + GoQuote(s) + ": invalid syntax";
  // Validate the decimal syntax: digits [. digits] [e [+-] digits], at least one mantissa digit.
  std::size_t i = 0;
  std::size_t mant = 0;
  while (i < body.size() && body[i] >= '0' && body[i] <= '9') {
    ++i;
    ++mant;
  }
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') {
      ++i;
      ++mant;
    }
  }
  if (mant == 0) return syntax;
  if (i < body.size() && body[i] == 'e') {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    std::size_t exp_digits = 0;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') {
      ++i;
      ++exp_digits;
    }
    if (exp_digits == 0) return syntax;
  }
  if (i != body.size()) return syntax;
  errno = 0;
  double v = std::strtod(s.c_str(), nullptr);
  if (std::isinf(v)) {
    *out = v;
    return "strconv.ParseFloat: parsing " + GoQuote(s) + ": value out of range";
  }
  *out = v;
  return "";
}

namespace {

void AppendUtf8(std::string* out, uint32_t r) {
  if (r < 0x80) {
    out->push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (r >> 6)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (r >> 12)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (r >> 18)));
    out->push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

}  // namespace

// Prometheus strutil.Unquote for a STRING token the lexer has already validated.
std::string Unquote(std::string_view token) {
  if (token.size() < 2) return {};
  char quote = token.front();
  std::string_view s = token.substr(1, token.size() - 2);
  if (quote == '`') return std::string(s);
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\' || i + 1 >= s.size()) {
      out.push_back(c);
      continue;
    }
    char e = s[++i];
    auto hex = [&](std::size_t n) {
      uint32_t v = 0;
      for (std::size_t k = 0; k < n && i + 1 < s.size(); ++k) {
        char h = s[++i];
        uint32_t d = (h >= '0' && h <= '9')   ? static_cast<uint32_t>(h - '0')
                     : (h >= 'a' && h <= 'f') ? static_cast<uint32_t>(h - 'a' + 10)
                                              : static_cast<uint32_t>(h - 'A' + 10);
        v = v * 16 + d;
      }
      return v;
    };
    switch (e) {
      case 'a':
        out.push_back('\a');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'v':
        out.push_back('\v');
        break;
      case 'x':
        out.push_back(static_cast<char>(hex(2)));
        break;
      case 'u':
        AppendUtf8(&out, hex(4));
        break;
      case 'U':
        AppendUtf8(&out, hex(8));
        break;
      default:
        if (e >= '0' && e <= '7') {
          uint32_t v = static_cast<uint32_t>(e - '0');
          for (int k = 0; k < 2 && i + 1 < s.size(); ++k)
            v = v * 8 + static_cast<uint32_t>(s[++i] - '0');
          out.push_back(static_cast<char>(v));
        } else {
          out.push_back(e);  // \\ \" \'
        }
    }
  }
  return out;
}

// The re2 error code as Go's regexp/syntax names it.
std::string GoRegexpErrorCode(RE2::ErrorCode code) {
  switch (code) {
    case RE2::ErrorBadEscape:
      return "invalid escape sequence";
    case RE2::ErrorBadCharClass:
      return "invalid character class";
    case RE2::ErrorBadCharRange:
      return "invalid character class range";
    case RE2::ErrorMissingBracket:
      return "missing closing ]";
    case RE2::ErrorMissingParen:
      return "missing closing )";
    case RE2::ErrorUnexpectedParen:
      return "unexpected )";
    case RE2::ErrorTrailingBackslash:
      return "trailing backslash at end of expression";
    case RE2::ErrorRepeatArgument:
      return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize:
      return "invalid repeat count";
    case RE2::ErrorRepeatOp:
      return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp:
      return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadUTF8:
      return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture:
      return "invalid named capture";
    default:
      return "invalid regexp";
  }
}

}  // namespace nca::alerts::promql::parse_util
