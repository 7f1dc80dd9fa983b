#include "net/http1.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace nca::net {
namespace {

constexpr bool IsTokenChar(unsigned char c) {
  // RFC 9110 §5.6.2: tchar.
  if (std::isalnum(c)) {
    return true;
  }
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return IsTokenChar(static_cast<unsigned char>(c));
  });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Whether the comma-separated list `value` holds `token` (case-insensitive).
bool ListHas(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    if (EqualsIgnoreCase(TrimOws(value.substr(0, comma)), token)) {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    value.remove_prefix(comma + 1);
  }
  return false;
}

HeadParse Fail(int status, std::string why) {
  HeadParse p;
  p.status = HeadStatus::kError;
  p.error_status = status;
  p.error = std::move(why);
  return p;
}

// The next line of `buf` from `pos` (without its CRLF or LF); npos when no line end yet.
std::size_t LineEnd(std::string_view buf, std::size_t pos, std::size_t* next) {
  const std::size_t lf = buf.find('\n', pos);
  if (lf == std::string_view::npos) {
    return std::string_view::npos;
  }
  *next = lf + 1;
  return lf > pos && buf[lf - 1] == '\r' ? lf - 1 : lf;
}

}  // namespace

HeadParse ParseRequestHead(std::string_view buf, const HeadLimits& limits) {
  std::size_t pos = 0;
  // Leading empty lines (a client may send CRLF after a previous body).
  while (pos < buf.size() && (buf[pos] == '\r' || buf[pos] == '\n')) {
    ++pos;
  }
  const std::size_t start = pos;
  auto over_limit = [&](std::size_t upto) { return upto - start > limits.max_head_bytes; };

  std::size_t next = 0;
  const std::size_t line_end = LineEnd(buf, pos, &next);
  if (line_end == std::string_view::npos) {
    if (over_limit(buf.size())) {
      return Fail(431, "request line too long");
    }
    return HeadParse{};
  }
  if (over_limit(line_end)) {
    return Fail(431, "request line too long");
  }
  const std::string_view line = buf.substr(pos, line_end - pos);
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Fail(400, "malformed request line");
  }
  HeadParse out;
  RequestHead& h = out.head;
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(method)) {
    return Fail(400, "malformed request method");
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" ||
      !std::isdigit(static_cast<unsigned char>(version[5])) || version[6] != '.' ||
      !std::isdigit(static_cast<unsigned char>(version[7]))) {
    return Fail(400, "malformed HTTP version");
  }
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
    return Fail(505, "unsupported HTTP version " + std::string(version));
  }
  h.minor_version = version[7] - '0';
  if (target.empty() || std::any_of(target.begin(), target.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u == 0x7f;
      })) {
    return Fail(400, "malformed request target");
  }
  std::string_view origin = target;
  if (target.front() != '/') {
    if (target == "*") {
      origin = "*";
    } else if (const std::size_t scheme = target.find("://");
               scheme != std::string_view::npos && scheme > 0) {
      // absolute-form: the path starts after the authority ("/" when there is none).
      const std::size_t path = target.find_first_of("/?", scheme + 3);
      origin = path == std::string_view::npos ? std::string_view("/") : target.substr(path);
    } else {
      return Fail(400, "malformed request target");
    }
  }
  h.method = std::string(method);
  h.target = std::string(target);
  const std::size_t q = origin.find('?');
  h.path = PercentDecode(origin.substr(0, q));
  if (!h.path.empty() && h.path.front() != '/' && h.path != "*") {
    h.path.insert(h.path.begin(), '/');  // "?x" in absolute-form
  }
  if (q != std::string_view::npos) {
    h.query = std::string(origin.substr(q + 1));
  }

  // Header fields up to the empty line.
  pos = next;
  for (;;) {
    const std::size_t end = LineEnd(buf, pos, &next);
    if (end == std::string_view::npos) {
      if (over_limit(buf.size())) {
        return Fail(431, "request header fields too large");
      }
      return HeadParse{};
    }
    if (over_limit(end)) {
      return Fail(431, "request header fields too large");
    }
    const std::string_view field = buf.substr(pos, end - pos);
    pos = next;
    if (field.empty()) {
      break;
    }
    if (field.front() == ' ' || field.front() == '\t') {
      return Fail(400, "obsolete line folding in a header field");
    }
    const std::size_t colon = field.find(':');
    if (colon == std::string_view::npos || !IsToken(field.substr(0, colon))) {
      return Fail(400, "malformed header field");
    }
    const std::string_view value = TrimOws(field.substr(colon + 1));
    if (std::any_of(value.begin(), value.end(),
                    [](char c) { return c == '\r' || c == '\n' || c == '\0'; })) {
      return Fail(400, "invalid character in a header field value");
    }
    std::string name = Lower(field.substr(0, colon));
    auto [it, inserted] = h.headers.try_emplace(std::move(name), value);
    if (!inserted) {
      if (it->first == "content-length") {
        if (it->second != value) {
          return Fail(400, "conflicting Content-Length fields");
        }
        continue;
      }
      if (it->first == "host") {
        return Fail(400, "more than one Host field");
      }
      it->second += ", ";
      it->second += value;
    }
  }

  if (h.headers.count("transfer-encoding") != 0) {
    return Fail(501, "Transfer-Encoding is not supported; send a Content-Length");
  }
  if (auto it = h.headers.find("content-length"); it != h.headers.end()) {
    const std::string& v = it->second;
    unsigned long long n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size()) {
      return Fail(400, "invalid Content-Length");
    }
    if (n > limits.max_body_bytes) {
      return Fail(413,
                  "request body larger than " + std::to_string(limits.max_body_bytes) + " bytes");
    }
    h.content_length = static_cast<std::size_t>(n);
  }
  const auto conn = h.headers.find("connection");
  if (h.minor_version == 0) {
    h.keep_alive = conn != h.headers.end() && ListHas(conn->second, "keep-alive");
  } else {
    h.keep_alive = conn == h.headers.end() || !ListHas(conn->second, "close");
  }
  out.status = HeadStatus::kComplete;
  out.consumed = pos;
  return out;
}

bool AcceptsEncoding(std::string_view accept_encoding, std::string_view coding) {
  bool named = false;
  bool named_ok = false;
  bool star_ok = false;
  std::string_view rest = accept_encoding;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    std::string_view item = TrimOws(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (item.empty()) {
      continue;
    }
    double q = 1;
    const std::size_t semi = item.find(';');
    const std::string_view name = TrimOws(item.substr(0, semi));
    if (semi != std::string_view::npos) {
      std::string_view params = item.substr(semi + 1);
      while (!params.empty()) {
        const std::size_t s = params.find(';');
        const std::string_view p = TrimOws(params.substr(0, s));
        params = s == std::string_view::npos ? std::string_view() : params.substr(s + 1);
        if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
          const std::string_view v = p.substr(2);
          double parsed = 0;
          auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), parsed);
          q = ec == std::errc() && ptr == v.data() + v.size() ? parsed : 0;
        }
      }
    }
    if (EqualsIgnoreCase(name, coding)) {
      named = true;
      named_ok = q > 0;
    } else if (name == "*") {
      star_ok = q > 0;
    }
  }
  return named ? named_ok : star_ok;
}

std::string FormatResponseHead(int status, std::string_view content_type,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               std::size_t content_length, bool keep_alive, std::string_view date) {
  std::string head;
  head.reserve(160 + content_type.size());
  head += "HTTP/1.1 ";
  head += std::to_string(status);
  head += ' ';
  head += ReasonPhrase(status);
  head += "\r\n";
  if (!date.empty()) {
    head += "Date: ";
    head += date;
    head += "\r\n";
  }
  if (!content_type.empty()) {
    head += "Content-Type: ";
    head += content_type;
    head += "\r\n";
  }
  for (const auto& [k, v] : headers) {
    head += k;
    head += ": ";
    head += v;
    head += "\r\n";
  }
  head += "Content-Length: ";
  head += std::to_string(content_length);
  head += keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
  return head;
}

std::string FormatHttpDate(long long unix_seconds) {
  static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed",
                                                    "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                kDays[static_cast<std::size_t>(tm.tm_wday) % 7], tm.tm_mday,
                kMonths[static_cast<std::size_t>(tm.tm_mon) % 12], tm.tm_year + 1900, tm.tm_hour,
                tm.tm_min, tm.tm_sec);
  return buf;
}

std::string PercentDecode(std::string_view text) {
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = hex(text[i + 1]);
      const int lo = hex(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> params;
  std::size_t pos = 0;
  while (pos <= query.size()) {
    std::size_t end = query.find('&', pos);
    if (end == std::string_view::npos) {
      end = query.size();
    }
    const std::string_view kv = query.substr(pos, end - pos);
    if (!kv.empty()) {
      const std::size_t eq = kv.find('=');
      params[PercentDecode(kv.substr(0, eq))] =
          eq == std::string_view::npos ? "" : PercentDecode(kv.substr(eq + 1));
    }
    pos = end + 1;
  }
  return params;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 303:
      return "See Other";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

}  // namespace nca::net
