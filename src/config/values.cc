// The syntax of configuration values (durations, sizes, names, URLs, addresses), shared by the
// config file and the flags (config/loader.h declares them). Pure; thread-safe.
#include <re2/re2.h>
#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>

#include "config/loader.h"
#include "config/text_util.h"

namespace nca::config {

using text::AllDigits;
using text::InvalidArgument;
using text::IsHostChar;
using text::IsIpv6Char;
using text::kDurationUnits;
using text::kSizeUnits;
using text::Lower;
using text::ParseUint64;
using text::SizeUnit;

Result<KubernetesConfig::Mode> ParseKubernetesMode(std::string_view text) {
  if (text == "auto") {
    return KubernetesConfig::Mode::kAuto;
  }
  if (text == "off") {
    return KubernetesConfig::Mode::kOff;
  }
  if (text == "in_cluster") {
    return KubernetesConfig::Mode::kInCluster;
  }
  if (text == "explicit") {
    return KubernetesConfig::Mode::kExplicit;
  }
  return MakeError(
      ErrorKind::kInvalidArgument,
      fmt::format("invalid mode \"{}\" (want auto, off, in_cluster or explicit)", text));
}

Status ValidateRelayRegex(std::string_view text) {
  if (text.empty()) {
    return OkStatus();
  }
  RE2::Options opts;
  opts.set_log_errors(false);
  RE2 re(text, opts);
  if (!re.ok()) {
    return InvalidArgument(fmt::format("invalid regular expression \"{}\": {}", text, re.error()));
  }
  return OkStatus();
}

Status ValidateClusterResourceRef(std::string_view text) {
  std::size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size() ||
      text.find('/', slash + 1) != std::string_view::npos) {
    return InvalidArgument(
        fmt::format("invalid custom resource reference \"{}\" (want namespace/name)", text));
  }
  return OkStatus();
}

Status ValidateBoltEndpoint(std::string_view text) {
  auto bad = [&](std::string why) {
    return InvalidArgument(
        fmt::format("invalid Bolt endpoint \"{}\": {} (want host:port)", text, why));
  };
  if (text.find("://") != std::string_view::npos) {
    return bad("no scheme allowed");
  }
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return bad("missing port");
  }
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  std::uint64_t p = 0;
  if (!ParseUint64(port, p) || p == 0 || p > 65535) {
    return bad("port must be 1-65535");
  }
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']' ||
        !std::all_of(host.begin() + 1, host.end() - 1, IsIpv6Char)) {
      return bad("invalid IPv6 address");
    }
    return OkStatus();
  }
  if (!std::all_of(host.begin(), host.end(), IsHostChar)) {
    return bad("invalid host");
  }
  return OkStatus();
}

Result<Seconds> ParseDuration(std::string_view text) {
  const auto bad = [&](std::string_view why) -> Result<Seconds> {
    return MakeError(
        ErrorKind::kInvalidArgument,
        fmt::format("invalid duration \"{}\": {} (want e.g. 500ms, 5s, 1m, 1h30m)", text, why));
  };
  if (text.empty()) {
    return bad("empty");
  }
  if (text == "0") {
    return Seconds(0);
  }
  std::int64_t total_ms = 0;
  std::size_t next_unit = 0;  // index into kDurationUnits: units must come in order, once each
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      ++i;
    }
    std::uint64_t value = 0;
    if (!ParseUint64(text.substr(start, i - start), value)) {
      return bad(start == i ? "expected a number" : "number too large");
    }
    std::size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) {
      ++i;
    }
    std::string_view unit = text.substr(unit_start, i - unit_start);
    if (unit.empty()) {
      return bad("missing unit");
    }
    std::size_t idx = 0;
    while (idx < std::size(kDurationUnits) && kDurationUnits[idx].name != unit) {
      ++idx;
    }
    if (idx == std::size(kDurationUnits)) {
      return bad(fmt::format("unknown unit \"{}\" (want ms, s, m, h, d, w or y)", unit));
    }
    if (idx < next_unit) {
      return bad("units must be in decreasing order and appear at most once");
    }
    next_unit = idx + 1;
    const std::int64_t unit_ms = kDurationUnits[idx].millis;
    const std::int64_t max = std::numeric_limits<std::int64_t>::max();
    if (value > static_cast<std::uint64_t>(max / unit_ms) ||
        total_ms > max - static_cast<std::int64_t>(value) * unit_ms) {
      return bad("too large");
    }
    total_ms += static_cast<std::int64_t>(value) * unit_ms;
  }
  return Seconds(static_cast<double>(total_ms) / 1000.0);
}

std::string FormatDuration(Seconds d) {
  double ms_double = std::round(d.count() * 1000.0);
  if (!(ms_double > 0)) {
    return "0s";
  }
  auto ms = static_cast<std::int64_t>(
      std::min(ms_double, static_cast<double>(std::numeric_limits<std::int64_t>::max() / 2)));
  std::string out;
  for (const auto& unit : kDurationUnits) {
    if (ms >= unit.millis) {
      out += fmt::format("{}{}", ms / unit.millis, unit.name);
      ms %= unit.millis;
    }
  }
  return out;
}

Result<std::size_t> ParseByteSize(std::string_view text) {
  const auto bad = [&](std::string_view why) -> Result<std::size_t> {
    return MakeError(
        ErrorKind::kInvalidArgument,
        fmt::format("invalid size \"{}\": {} (want bytes, or e.g. 512KiB, 8MiB)", text, why));
  };
  std::size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    ++i;
  }
  std::uint64_t value = 0;
  if (i == 0) {
    return bad("expected a number");
  }
  if (!ParseUint64(text.substr(0, i), value)) {
    return bad("number too large");
  }
  std::string_view unit = text.substr(i);
  std::uint64_t multiplier = 1;
  if (!unit.empty()) {
    const SizeUnit* found = nullptr;
    for (const auto& u : kSizeUnits) {
      if (u.name == unit) {
        found = &u;
      }
    }
    if (found == nullptr) {
      return bad(fmt::format("unit \"{}\" not supported (want B, KiB, MiB or GiB)", unit));
    }
    multiplier = found->bytes;
  }
  if (value > std::numeric_limits<std::size_t>::max() / multiplier) {
    return bad("too large");
  }
  return static_cast<std::size_t>(value * multiplier);
}

std::string FormatByteSize(std::size_t bytes) {
  if (bytes == 0) {
    return "0B";
  }
  for (const auto& u : kSizeUnits) {
    if (bytes % u.bytes == 0) {
      return fmt::format("{}{}", bytes / u.bytes, u.name);
    }
  }
  return fmt::format("{}B", bytes);
}

bool IsValidClusterName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == ':' ||
           c == '-';
  });
}

namespace {

// host[:port] or [ipv6][:port] of a URL; port 0 when absent. `quoted` renders a part of the URL
// for an error message (or hides it); `example` shows the bracket form.
struct Authority {
  std::string host;
  int port = 0;
  bool ipv6 = false;
};

Result<Authority> ParseAuthority(std::string_view authority, std::string_view example,
                                 const std::function<std::string(std::string_view)>& quoted) {
  const auto bad = [](std::string message) -> Result<Authority> {
    return MakeError(ErrorKind::kInvalidArgument, std::move(message));
  };
  Authority out;
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority[0] == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return bad("unterminated IPv6 address (missing ])");
    }
    out.host = std::string(authority.substr(1, close - 1));
    out.ipv6 = true;
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        return bad("unexpected characters after the IPv6 address");
      }
      has_port = true;
      port_text = after.substr(1);
    }
    if (out.host.empty() || !std::all_of(out.host.begin(), out.host.end(), IsIpv6Char)) {
      return bad("invalid IPv6 address");
    }
  } else {
    std::size_t colon = authority.find(':');
    if (colon != std::string_view::npos &&
        authority.find(':', colon + 1) != std::string_view::npos) {
      return bad(fmt::format("an IPv6 address must be written in brackets, e.g. {}", example));
    }
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
    if (out.host.empty()) {
      return bad("missing host");
    }
    if (!std::all_of(out.host.begin(), out.host.end(), IsHostChar)) {
      return bad(fmt::format("invalid host{}", quoted(out.host)));
    }
  }
  if (has_port) {
    std::uint64_t port = 0;
    if (!ParseUint64(port_text, port) || port < 1 || port > 65535) {
      return bad(fmt::format("invalid port{} (want 1-65535)", quoted(port_text)));
    }
    out.port = static_cast<int>(port);
  }
  return out;
}

}  // namespace

Result<MemberUrl> ParseMemberUrl(std::string_view text) {
  const auto bad = [](std::string message) -> Result<MemberUrl> {
    return MakeError(ErrorKind::kInvalidArgument, std::move(message));
  };
  if (text.empty()) {
    return bad("empty URL (want http://host:port or https://host:port)");
  }
  std::size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    return bad("missing scheme (want http://host:port or https://host:port)");
  }
  MemberUrl out;
  out.scheme = Lower(text.substr(0, sep));
  if (out.scheme != "http" && out.scheme != "https") {
    return bad(fmt::format("scheme \"{}\" not supported (want http or https)",
                           text.substr(0, std::min<std::size_t>(sep, 32))));
  }
  std::string_view rest = text.substr(sep + 3);
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) {
    return bad(
        "user info in the URL is not allowed: credentials are read from password_file or "
        "password_env, never from the URL");
  }
  if (!tail.empty() && tail != "/") {
    if (tail.find('?') != std::string_view::npos) {
      return bad("a query string is not allowed (give the member's base URL)");
    }
    if (tail.find('#') != std::string_view::npos) {
      return bad("a fragment is not allowed (give the member's base URL)");
    }
    return bad(
        fmt::format("path \"{}\" not allowed (give the member's base URL, e.g. "
                    "http://host:7474)",
                    tail));
  }
  Result<Authority> parsed =
      ParseAuthority(authority, "http://[::1]:7474",
                     [](std::string_view part) { return fmt::format(" \"{}\"", part); });
  if (!parsed.ok()) {
    return parsed.error();
  }
  out.host = parsed->host;
  const bool ipv6 = parsed->ipv6;
  out.port = parsed->port != 0 ? parsed->port : (out.scheme == "https" ? 7473 : 7474);
  std::string host_part = ipv6 ? fmt::format("[{}]", out.host) : out.host;
  out.host_port = fmt::format("{}:{}", host_part, out.port);
  out.url = fmt::format("{}://{}", out.scheme, out.host_port);
  return out;
}

Status ValidateLabelName(std::string_view name) {
  // ASCII only, whatever the locale.
  const auto is_start = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  const auto is_rest = [&](char c) { return is_start(c) || (c >= '0' && c <= '9'); };
  if (name.empty()) {
    return InvalidArgument("empty label name");
  }
  if (!is_start(name[0]) || !std::all_of(name.begin() + 1, name.end(), is_rest)) {
    return InvalidArgument(
        fmt::format("invalid label name \"{}\" (want [a-zA-Z_][a-zA-Z0-9_]*)", name));
  }
  if (name.substr(0, 2) == "__") {
    return InvalidArgument(fmt::format(
        "label name \"{}\" is reserved (names starting with __ are for internal use)", name));
  }
  return OkStatus();
}

Result<HttpBaseUrl> ParseHttpBaseUrl(std::string_view text) {
  // Parts of the URL are echoed only when it has no '@' (which may introduce a password).
  const bool may_echo = text.find('@') == std::string_view::npos;
  const auto bad = [](std::string message) -> Result<HttpBaseUrl> {
    return MakeError(ErrorKind::kInvalidArgument, std::move(message));
  };
  const auto quoted = [&](std::string_view part) {
    return may_echo ? fmt::format(" \"{}\"", part) : std::string();
  };
  if (text.empty()) {
    return bad("empty URL (want http://host[:port][/path] or https://...)");
  }
  std::size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    return bad("missing scheme (want http://host[:port][/path] or https://...)");
  }
  HttpBaseUrl out;
  out.scheme = Lower(text.substr(0, sep));
  if (out.scheme != "http" && out.scheme != "https") {
    return bad(fmt::format("scheme{} not supported (want http or https)",
                           quoted(text.substr(0, std::min<std::size_t>(sep, 32)))));
  }
  std::string_view rest = text.substr(sep + 3);
  // User info ends at the last '@' before the first '/' (RFC 3986 wants '/', '?', '#' and '@'
  // percent-encoded inside it); the authority then ends at the first '/', '?' or '#'.
  std::size_t at = rest.substr(0, rest.find('/')).rfind('@');
  std::string_view userinfo;
  if (at != std::string_view::npos) {
    userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (userinfo.empty()) {
      return bad("empty user info before '@'");
    }
  }
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (tail.find('?') != std::string_view::npos) {
    return bad("a query string is not allowed (give the base URL, optionally with a path prefix)");
  }
  if (tail.find('#') != std::string_view::npos) {
    return bad("a fragment is not allowed (give the base URL, optionally with a path prefix)");
  }
  if (std::any_of(tail.begin(), tail.end(), [](char c) {
        return std::isspace(static_cast<unsigned char>(c)) ||
               std::iscntrl(static_cast<unsigned char>(c));
      })) {
    return bad("the path must not contain spaces or control characters");
  }
  Result<Authority> parsed = ParseAuthority(authority, "http://[::1]:9093", quoted);
  if (!parsed.ok()) {
    return parsed.error();
  }
  out.host = parsed->host;
  out.port = parsed->port;
  const bool ipv6 = parsed->ipv6;
  while (!tail.empty() && tail.back() == '/') {
    tail.remove_suffix(1);
  }
  out.path = std::string(tail);
  out.userinfo = std::string(userinfo);
  std::string host_port = ipv6 ? fmt::format("[{}]", out.host) : out.host;
  if (out.port != 0) {
    host_port += fmt::format(":{}", out.port);
  }
  out.redacted = fmt::format("{}://{}{}", out.scheme, host_port, out.path);
  out.url = out.userinfo.empty()
                ? out.redacted
                : fmt::format("{}://{}@{}{}", out.scheme, out.userinfo, host_port, out.path);
  return out;
}

std::string ResolveRelativeTo(std::string_view base_dir, std::string_view path) {
  if (base_dir.empty() || path.empty() || path.front() == '/') {
    return std::string(path);
  }
  if (base_dir.back() == '/') {
    return fmt::format("{}{}", base_dir, path);
  }
  return fmt::format("{}/{}", base_dir, path);
}

std::string DirectoryOf(std::string_view file_path) {
  std::size_t slash = file_path.rfind('/');
  if (slash == std::string_view::npos) {
    return "";
  }
  if (slash == 0) {
    return "/";
  }
  return std::string(file_path.substr(0, slash));
}

Status ValidateListenAddress(std::string_view text) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return InvalidArgument(fmt::format(
        "listen address \"{}\" must be [host]:port (e.g. :9474 or 0.0.0.0:9474)", text));
  }
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.back() != ']' || host.size() < 3) {
      return InvalidArgument(fmt::format("listen address \"{}\": invalid IPv6 host", text));
    }
  } else if (host.find(':') != std::string_view::npos) {
    return InvalidArgument(fmt::format(
        "listen address \"{}\": an IPv6 host must be written in brackets, e.g. [::]:9474", text));
  }
  std::uint64_t port = 0;
  if (!ParseUint64(port_text, port) || port > 65535) {
    return InvalidArgument(
        fmt::format("listen address \"{}\": invalid port \"{}\" (want 0-65535)", text, port_text));
  }
  return OkStatus();
}

Status ValidateTelemetryPath(std::string_view text) {
  if (text.empty() || text.front() != '/') {
    return InvalidArgument(fmt::format("telemetry path \"{}\" must start with /", text));
  }
  if (text == "/") {
    return InvalidArgument("telemetry path must not be / (the landing page lives there)");
  }
  return OkStatus();
}

Status ValidateLogLevel(std::string_view text) {
  if (text == "debug" || text == "info" || text == "warn" || text == "error") {
    return OkStatus();
  }
  return InvalidArgument(
      fmt::format("log level \"{}\" not supported (want debug, info, warn or error)", text));
}

Status ValidateLogFormat(std::string_view text) {
  if (text == "logfmt" || text == "json") {
    return OkStatus();
  }
  return InvalidArgument(
      fmt::format("log format \"{}\" not supported (want logfmt or json)", text));
}

}  // namespace nca::config
