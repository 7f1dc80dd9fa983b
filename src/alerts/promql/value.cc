#include "alerts/promql/value.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <system_error>

namespace nca::alerts::promql {

Labels::Labels(std::vector<std::pair<std::string, std::string>> pairs) {
  // Stable sort keeps input order among equal names, so the last one wins below.
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  pairs_.reserve(pairs.size());
  for (auto& p : pairs) {
    if (!pairs_.empty() && pairs_.back().first == p.first) {
      pairs_.back().second = std::move(p.second);
    } else {
      pairs_.push_back(std::move(p));
    }
  }
  std::erase_if(pairs_, [](const auto& p) { return p.second.empty(); });
}

std::string_view Labels::Get(std::string_view name) const {
  auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name,
                             [](const auto& p, std::string_view n) { return p.first < n; });
  if (it != pairs_.end() && it->first == name) return it->second;
  return {};
}

bool Labels::Has(std::string_view name) const { return !Get(name).empty(); }

void Labels::Set(std::string_view name, std::string_view value) {
  auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name,
                             [](const auto& p, std::string_view n) { return p.first < n; });
  bool found = it != pairs_.end() && it->first == name;
  if (value.empty()) {
    if (found) pairs_.erase(it);
    return;
  }
  if (found) {
    it->second.assign(value);
  } else {
    pairs_.emplace(it, std::string(name), std::string(value));
  }
}

void Labels::Remove(std::string_view name) { Set(name, {}); }

std::map<std::string, std::string> Labels::Map() const {
  return std::map<std::string, std::string>(pairs_.begin(), pairs_.end());
}

std::string Labels::ToString() const {
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : pairs_) {
    if (!first) out += ", ";
    first = false;
    out += name;
    out += '=';
    out += GoQuote(value);
  }
  out += '}';
  return out;
}

std::string Labels::Key() const {
  std::string key;
  for (const auto& [name, value] : pairs_) {
    key += name;
    key += '\xff';
    key += value;
    key += '\xfe';
  }
  return key;
}

double StaleNaN() { return std::bit_cast<double>(kStaleNaNBits); }

bool IsStaleNaN(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }

namespace {

// The shortest round-trip decimal digits of a finite, non-zero |v|: v = 0.DIGITS x 10^dp (Go's
// decimal-point convention).
void ShortestDigits(double v, std::string* digits, int* dp) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), std::fabs(v), std::chars_format::scientific);
  std::string_view s(buf, static_cast<std::size_t>(res.ptr - buf));
  std::size_t e = s.find('e');
  digits->clear();
  for (char c : s.substr(0, e)) {
    if (c != '.') digits->push_back(c);
  }
  while (digits->size() > 1 && digits->back() == '0') digits->pop_back();
  int exp = std::atoi(std::string(s.substr(e + 1)).c_str());
  *dp = exp + 1;
}

std::string SpecialFloat(double v) {
  if (std::isnan(v)) return "NaN";
  return v > 0 ? "+Inf" : "-Inf";
}

std::string FormatExp(bool neg, const std::string& digits, int dp, char e) {
  std::string out;
  if (neg) out += '-';
  out += digits[0];
  if (digits.size() > 1) {
    out += '.';
    out.append(digits, 1);
  }
  out += e;
  int exp = digits == "0" ? 0 : dp - 1;
  out += exp < 0 ? '-' : '+';
  int a = std::abs(exp);
  if (a < 10) out += '0';
  out += std::to_string(a);
  return out;
}

std::string FormatFixed(bool neg, const std::string& digits, int dp) {
  std::string out;
  if (neg) out += '-';
  int nd = static_cast<int>(digits.size());
  if (dp <= 0) {
    out += '0';
  } else {
    for (int i = 0; i < dp; ++i) out += i < nd ? digits[static_cast<std::size_t>(i)] : '0';
  }
  if (nd > dp) {
    out += '.';
    for (int i = dp; i < nd; ++i) out += i < 0 ? '0' : digits[static_cast<std::size_t>(i)];
  }
  return out;
}

}  // namespace

std::string FormatFloat(double v) {
  if (!std::isfinite(v)) return SpecialFloat(v);
  bool neg = std::signbit(v);
  if (v == 0) return neg ? "-0" : "0";
  std::string digits;
  int dp = 0;
  ShortestDigits(v, &digits, &dp);
  // strconv/ftoa.go: with the shortest precision, %e is used when the exponent is < -4 or
  // >= 6 ("1e+06", "1.234567e+06", "100000", "1e-05", "0.0001").
  int exp = dp - 1;
  if (exp < -4 || exp >= 6) return FormatExp(neg, digits, dp, 'e');
  return FormatFixed(neg, digits, dp);
}

std::string FormatFloatE(double v) {
  if (!std::isfinite(v)) return SpecialFloat(v);
  bool neg = std::signbit(v);
  if (v == 0) return neg ? "-0E+00" : "0E+00";
  std::string digits;
  int dp = 0;
  ShortestDigits(v, &digits, &dp);
  return FormatExp(neg, digits, dp, 'E');
}

std::string FormatFloatFixed(double v) {
  if (!std::isfinite(v)) return SpecialFloat(v);
  bool neg = std::signbit(v);
  if (v == 0) return neg ? "-0" : "0";
  std::string digits;
  int dp = 0;
  ShortestDigits(v, &digits, &dp);
  return FormatFixed(neg, digits, dp);
}

}  // namespace nca::alerts::promql
