// Go standard-library behaviour that Prometheus' template functions inherit (Prometheus 2.42
// template/template.go calls into strconv, strings, net, regexp, net/url and time), re-implemented
// to the byte for the template functions (functions.cc) and the rule test runner.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace nca::alerts::templates {

// humanize, humanize1024, humanizeDuration (template.go), with Go's %.4g (GoFormatG4).
std::string Humanize(double v);
std::string Humanize1024(double v);
std::string HumanizeDuration(double v);

// Go's int64(v) conversion: out-of-range values and NaN give math.MinInt64 (amd64).
int64_t GoInt64(double v);

// Go's net.SplitHostPort; false where Go returns an error.
bool SplitHostPort(const std::string& hp, std::string& host, std::string& port);

// Whether `host` is an IP literal as the stripDomain function sees it (IPv6 or dotted quad).
bool LooksLikeIP(const std::string& host);

// strings.Title's word separator test, for ASCII bytes (bytes >= 0x80 are letters).
bool IsSeparator(unsigned char c);

// Go's regexp.MustCompile(pattern).ReplaceAllString(text, repl) (reReplaceAll), with RE2 syntax
// and Go's rules for empty matches and $-expansion. False with Go's message in `err` when the
// pattern does not compile.
bool GoRegexpReplaceAll(const std::string& pattern, const std::string& repl,
                        const std::string& text, std::string& out, std::string& err);

// Go's url.QueryEscape: bytes outside [A-Za-z0-9-_.~] as %XX (upper-case hex), space as '+'.
std::string GoQueryEscape(std::string_view s);

// Go's strconv.ParseFloat for the template functions' string arguments.
bool GoParseFloat(std::string_view s, double& out);

// Go's time.Time.String() of a UTC time given in milliseconds since the epoch:
// "2023-11-14 22:13:20.5 +0000 UTC".
std::string GoTimeString(int64_t ms);

}  // namespace nca::alerts::templates
