// The notifier's JSON encoding of alerts, byte for byte as Prometheus' Go encoding/json writes
// them: JSON strings and string maps, RFC 3339 timestamps (FormatRfc3339), one alert
// (internal::AppendAlert, shared with the sending threads in notifier.cc) and an alert array
// (EncodeAlerts). The queues, sending threads and the Notifier class are in notifier.cc.
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/notifier.h"
#include "alerts/notifier_internal.h"

namespace nca::alerts {
namespace {

// Appends `s` as a JSON string the way Go's encoding/json writes it (HTML-safe escaping, invalid
// UTF-8 replaced by U+FFFD byte by byte, U+2028/U+2029 escaped).
void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto unicode_escape = [&out](unsigned value) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) {
      out += kHex[(value >> static_cast<unsigned>(shift)) & 0xFu];
    }
  };
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      switch (b) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
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
        case '<':
        case '>':
        case '&':
          unicode_escape(b);
          break;
        default:
          if (b < 0x20) {
            unicode_escape(b);
          } else {
            out += static_cast<char>(b);
          }
      }
      ++i;
      continue;
    }
    // Multi-byte sequence: validate as Unicode's table of well-formed UTF-8 byte sequences.
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      lo = b == 0xE0 ? 0xA0 : 0x80;
      hi = b == 0xED ? 0x9F : 0xBF;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      lo = b == 0xF0 ? 0x90 : 0x80;
      hi = b == 0xF4 ? 0x8F : 0xBF;
    }
    bool valid = len != 0 && i + len <= s.size();
    for (std::size_t k = 1; valid && k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      valid = k == 1 ? (c >= lo && c <= hi) : (c >= 0x80 && c <= 0xBF);
    }
    if (!valid) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    // U+2028 and U+2029 are E2 80 A8 / E2 80 A9.
    if (len == 3 && b == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) & 0xFEu) == 0xA8) {
      unicode_escape(static_cast<unsigned char>(s[i + 2]) == 0xA8 ? 0x2028u : 0x2029u);
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out += '"';
}

void AppendJsonObject(std::string& out, const std::map<std::string, std::string>& m) {
  out += '{';
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) {
      out += ',';
    }
    first = false;
    AppendJsonString(out, k);
    out += ':';
    AppendJsonString(out, v);
  }
  out += '}';
}

}  // namespace

std::string FormatRfc3339(SystemTime t) {
  using std::chrono::days;
  using std::chrono::milliseconds;
  const auto ms = std::chrono::floor<milliseconds>(t.time_since_epoch());
  const auto day = std::chrono::floor<days>(ms);
  const std::chrono::year_month_day ymd{std::chrono::sys_days(day)};
  const std::chrono::hh_mm_ss<milliseconds> hms(ms - day);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf;
}

namespace internal {

// Appends one alert as a JSON object (see EncodeAlerts for the field order).
void AppendAlert(std::string& out, const NotifyAlert& a) {
  out += '{';
  if (!a.annotations.empty()) {
    out += "\"annotations\":";
    AppendJsonObject(out, a.annotations);
    out += ',';
  }
  if (a.ends_at.has_value()) {
    out += "\"endsAt\":";
    AppendJsonString(out, FormatRfc3339(*a.ends_at));
    out += ',';
  }
  out += "\"startsAt\":";
  AppendJsonString(out, FormatRfc3339(a.starts_at));
  out += ',';
  if (!a.generator_url.empty()) {
    out += "\"generatorURL\":";
    AppendJsonString(out, a.generator_url);
    out += ',';
  }
  out += "\"labels\":";
  AppendJsonObject(out, a.labels);
  out += '}';
}

}  // namespace internal

std::string EncodeAlerts(const std::vector<NotifyAlert>& alerts) {
  std::string out = "[";
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    internal::AppendAlert(out, alerts[i]);
  }
  out += ']';
  return out;
}

}  // namespace nca::alerts
