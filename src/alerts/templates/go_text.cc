// Go library behaviour the template functions need (see go_text.h).
#include "alerts/templates/go_text.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "alerts/templates/value.h"

namespace nca::alerts::templates {
namespace {

// Go regexp.Expand on one match: $1, ${1}, $name, ${name}, $$.
void ExpandRepl(const std::string& repl, const re2::RE2& re,
                const std::vector<re2::StringPiece>& groups, std::string& out) {
  const auto& names = re.NamedCapturingGroups();
  auto group_value = [&](const std::string& name) -> std::string {
    bool numeric = !name.empty();
    for (char c : name) numeric = numeric && std::isdigit(static_cast<unsigned char>(c));
    if (numeric) {
      std::size_t n = std::strtoul(name.c_str(), nullptr, 10);
      if (n < groups.size() && groups[n].data() != nullptr) return std::string(groups[n]);
      return "";
    }
    auto it = names.find(name);
    if (it != names.end() && static_cast<std::size_t>(it->second) < groups.size() &&
        groups[static_cast<std::size_t>(it->second)].data() != nullptr) {
      return std::string(groups[static_cast<std::size_t>(it->second)]);
    }
    return "";
  };
  for (std::size_t i = 0; i < repl.size(); ++i) {
    char c = repl[i];
    if (c != '$' || i + 1 >= repl.size()) {
      out += c;
      continue;
    }
    char n = repl[i + 1];
    if (n == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (n == '{') {
      std::size_t end = repl.find('}', i + 2);
      std::string name = end == std::string::npos ? "" : repl.substr(i + 2, end - i - 2);
      bool valid = !name.empty();
      for (char ch : name) {
        valid = valid && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_');
      }
      if (!valid) {
        out += c;
        continue;
      }
      out += group_value(name);
      i = end;
      continue;
    }
    std::size_t j = i + 1;
    while (j < repl.size() &&
           (std::isalnum(static_cast<unsigned char>(repl[j])) || repl[j] == '_')) {
      ++j;
    }
    if (j == i + 1) {
      out += c;
      continue;
    }
    out += group_value(repl.substr(i + 1, j - i - 1));
    i = j - 1;
  }
}

// Days since 1970-01-01 to civil date (proleptic Gregorian).
void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2 ? 1 : 0;
}

std::string G4(double v) { return GoFormatG4(v); }

}  // namespace

std::string Humanize(double v) {
  if (v == 0 || std::isnan(v) || std::isinf(v)) {
    return G4(v);
  }
  if (std::fabs(v) >= 1) {
    std::string prefix;
    for (const char* p : {"k", "M", "G", "T", "P", "E", "Z", "Y"}) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return G4(v) + prefix;
  }
  std::string prefix;
  for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return G4(v) + prefix;
}

std::string Humanize1024(double v) {
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) {
    return G4(v);
  }
  std::string prefix;
  for (const char* p : {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"}) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return G4(v) + prefix;
}

// Go's int64(v) conversion: out-of-range values give math.MinInt64 on amd64.
int64_t GoInt64(double v) {
  if (std::isnan(v) || v >= 9223372036854775808.0 || v < -9223372036854775808.0) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(v);
}

std::string HumanizeDuration(double v) {
  if (std::isnan(v) || std::isinf(v)) {
    return G4(v);
  }
  if (v == 0) {
    return G4(v) + "s";
  }
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    int64_t duration = GoInt64(v);
    int64_t seconds = duration % 60;
    int64_t minutes = (duration / 60) % 60;
    int64_t hours = (duration / 60 / 60) % 24;
    int64_t days = duration / 60 / 60 / 24;
    auto s = [](int64_t x) { return std::to_string(x); };
    if (days != 0) {
      return sign + s(days) + "d " + s(hours) + "h " + s(minutes) + "m " + s(seconds) + "s";
    }
    if (hours != 0) {
      return sign + s(hours) + "h " + s(minutes) + "m " + s(seconds) + "s";
    }
    if (minutes != 0) {
      return sign + s(minutes) + "m " + s(seconds) + "s";
    }
    return sign + G4(v) + "s";
  }
  std::string prefix;
  for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return G4(v) + prefix + "s";
}

// Go net.SplitHostPort.
bool SplitHostPort(const std::string& hp, std::string& host, std::string& port) {
  std::size_t i = hp.rfind(':');
  if (i == std::string::npos) return false;
  if (!hp.empty() && hp[0] == '[') {
    std::size_t end = hp.find(']');
    if (end == std::string::npos) return false;
    if (end + 1 == hp.size()) return false;
    if (end + 1 != i) return false;
    host = hp.substr(1, end - 1);
    if (host.find(']') != std::string::npos) return false;
  } else {
    host = hp.substr(0, i);
    if (host.find(':') != std::string::npos) return false;
  }
  if (hp.find('[', 1) != std::string::npos && hp[0] != '[') return false;
  port = hp.substr(i + 1);
  return true;
}

bool LooksLikeIP(const std::string& host) {
  if (host.find(':') != std::string::npos) return true;  // IPv6
  int dots = 0;
  int digits = 0;
  for (char c : host) {
    if (c == '.') {
      if (digits == 0) return false;
      ++dots;
      digits = 0;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      ++digits;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0;
}

// strings.Title's separator test, for ASCII.
bool IsSeparator(unsigned char c) {
  if (c >= 0x80) return false;
  if (std::isalnum(c) || c == '_') return false;
  return true;
}

bool GoRegexpReplaceAll(const std::string& pattern, const std::string& repl,
                        const std::string& text, std::string& out, std::string& err) {
  re2::RE2 re(pattern, re2::RE2::Quiet);
  if (!re.ok()) {
    err = "error parsing regexp: " + re.error();
    return false;
  }
  int ngroups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(static_cast<std::size_t>(ngroups));
  out.clear();
  std::size_t pos = 0;
  std::size_t last_match_end = std::string::npos;
  re2::StringPiece input(text);
  while (pos <= text.size()) {
    if (!re.Match(input, pos, text.size(), re2::RE2::UNANCHORED, groups.data(), ngroups)) break;
    auto mstart = static_cast<std::size_t>(groups[0].data() - text.data());
    std::size_t mend = mstart + groups[0].size();
    // Go skips an empty match right after the previous match.
    if (!(groups[0].empty() && mstart == last_match_end)) {
      out.append(text, pos, mstart - pos);
      ExpandRepl(repl, re, groups, out);
      pos = mend;
    } else {
      out.append(text, pos, mstart - pos);
      pos = mstart;
    }
    last_match_end = mend;
    if (groups[0].empty()) {
      if (pos >= text.size()) {
        pos = text.size() + 1;
        break;
      }
      // Advance one UTF-8 rune.
      std::size_t step = 1;
      auto lead = static_cast<unsigned char>(text[pos]);
      if (lead >= 0xF0)
        step = 4;
      else if (lead >= 0xE0)
        step = 3;
      else if (lead >= 0xC0)
        step = 2;
      step = std::min(step, text.size() - pos);
      out.append(text, pos, step);
      pos += step;
    }
  }
  if (pos < text.size()) out.append(text, pos, std::string::npos);
  return true;
}

std::string GoQueryEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

bool GoParseFloat(std::string_view s, double& out) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string str(s);
  std::string lower;
  for (char c : str) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string body = lower;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) body = body.substr(1);
  if (body == "inf" || body == "infinity") {
    out = lower[0] == '-' ? -std::numeric_limits<double>::infinity()
                          : std::numeric_limits<double>::infinity();
    return true;
  }
  if (body == "nan") {
    if (lower[0] == '+' || lower[0] == '-') return false;
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  for (char c : body) {
    if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'p' ||
          c == 'x' || c == '+' || c == '-')) {
      return false;
    }
  }
  errno = 0;
  char* end = nullptr;
  out = std::strtod(str.c_str(), &end);
  if (end != str.c_str() + str.size()) return false;
  return true;
}

std::string GoTimeString(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  int64_t frac_ms = ms - secs * 1000;
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t sod = secs - days * 86400;
  int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  CivilFromDays(days, y, m, d);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02lld:%02lld:%02lld", static_cast<long long>(y),
                m, d, static_cast<long long>(sod / 3600), static_cast<long long>((sod / 60) % 60),
                static_cast<long long>(sod % 60));
  std::string out = buf;
  if (frac_ms != 0) {
    char fbuf[24];  // room for any long long (GCC checks -Wformat-truncation)
    std::snprintf(fbuf, sizeof fbuf, ".%03lld", static_cast<long long>(frac_ms));
    std::string f = fbuf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + " +0000 UTC";
}

}  // namespace nca::alerts::templates
