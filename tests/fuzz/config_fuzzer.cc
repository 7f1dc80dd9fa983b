// libFuzzer harness for the agent's configuration file (config::ParseConfigWithOptions,
// src/config/loader.h: the text-based entry point LoadConfigFile uses), the value syntaxes it and
// the flags share (durations, byte sizes, member and base URLs) and the NEO4J_AUTH secret file
// (config::ParseNeo4jAuth, src/config/credentials.h). Errors must be positioned, one message,
// kInvalidArgument, never an exception; an accepted file must satisfy every rule the loader
// promises to check. Run with tests/fuzz/run-fuzzer.sh config SECONDS.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/credentials.h"
#include "config/loader.h"
#include "fuzz_check.h"

namespace {

using nca::ErrorKind;
using nca::fuzz::Contains;
using nca::fuzz::StartsWith;
using namespace nca::config;  // NOLINT(google-build-using-namespace): the parsers under test

// A relative path, so that rule_files entries are resolved against its directory.
const std::string kSource = "fuzz/agent.yml";

// The catch-all of ParseConfigWithOptions for yaml-cpp exceptions thrown after parsing ("Not
// expected (every access is checked first)"): such a message means a walker missed a check.
bool FromUnexpectedYamlException(const std::string& message) {
  for (const char* what : {"yaml-cpp: ", "invalid node", "bad conversion", "bad dereference",
                           "operator[] call on a scalar", "appending to a non-sequence",
                           "inserting in a non-convertible-to-map", "key not found"}) {
    if (StartsWith(message, kSource + ": " + what)) return true;
  }
  return false;
}

void CheckCluster(const ClusterConfig& c) {
  FUZZ_CHECK(IsValidClusterName(c.name));
  std::set<std::string> names;
  std::set<std::string> urls;
  for (const MemberConfig& m : c.members) {
    // Member URLs are stored normalised: parsing one again gives it back.
    const auto url = ParseMemberUrl(m.url);
    FUZZ_CHECK(url.ok());
    FUZZ_CHECK_SHOW(url->url == m.url, url->url, m.url);
    FUZZ_CHECK(!m.name.empty());
    FUZZ_CHECK(names.insert(m.name).second);
    FUZZ_CHECK(urls.insert(m.url).second);
  }
  if (!c.http_endpoint.empty()) {
    const auto url = ParseMemberUrl(c.http_endpoint);
    FUZZ_CHECK(url.ok() && url->url == c.http_endpoint);
  }
  if (!c.bolt_endpoint.empty()) FUZZ_CHECK(ValidateBoltEndpoint(c.bolt_endpoint).ok());
  FUZZ_CHECK(c.placement.max_skew >= 1 && c.placement.min_domains >= 1);
  FUZZ_CHECK(c.placement.do_not_schedule || c.placement.min_domains == 1);
  FUZZ_CHECK(c.placement.anti_affinity.empty() || c.placement.anti_affinity == "required" ||
             c.placement.anti_affinity == "preferred");
  FUZZ_CHECK(c.http.connect_timeout.count() > 0 && c.http.request_timeout.count() > 0);
  FUZZ_CHECK(c.http.max_response_bytes > 0);
  FUZZ_CHECK(c.neo4j_metrics.port >= 1 && c.neo4j_metrics.port <= 65535);
  FUZZ_CHECK(c.neo4j_metrics.scheme == "http" || c.neo4j_metrics.scheme == "https");
  FUZZ_CHECK(StartsWith(c.neo4j_metrics.path, "/"));
  // Credentials: an auth_file alone, or files, or environment variables.
  const CredentialsConfig& cr = c.credentials;
  if (!cr.auth_file.empty()) {
    FUZZ_CHECK(cr.username_file.empty() && cr.password_file.empty());
    FUZZ_CHECK(cr.username_env.empty() && cr.password_env.empty());
  }
  FUZZ_CHECK(cr.username_file.empty() == cr.password_file.empty());
}

void CheckAccepted(const LoadedConfig& loaded) {
  const Config& config = loaded.config;
  FUZZ_CHECK(config.source == kSource);
  for (const std::string& name : KnownCollectors()) {
    // Every known collector has settings: at least every second, a deadline within the interval.
    const auto it = config.collectors.find(name);
    FUZZ_CHECK(it != config.collectors.end());
    FUZZ_CHECK(loaded.collectors_set.count(name) == 1);
    FUZZ_CHECK(it->second.interval.count() >= kMinCollectorIntervalSeconds);
    FUZZ_CHECK(it->second.timeout.count() > 0);
    FUZZ_CHECK(it->second.timeout <= it->second.interval);
  }
  FUZZ_CHECK(config.collectors.size() == KnownCollectors().size());
  std::set<std::string> names;
  for (const ClusterConfig& c : config.clusters) {
    CheckCluster(c);
    FUZZ_CHECK(names.insert(c.name).second);
  }
  FUZZ_CHECK(ValidateListenAddress(config.web.listen_address).ok());
  FUZZ_CHECK(ValidateTelemetryPath(config.web.telemetry_path).ok());
  FUZZ_CHECK(ValidateLogLevel(config.log.level).ok());
  FUZZ_CHECK(ValidateLogFormat(config.log.format).ok());
  const KubernetesConfig& k = config.kubernetes;
  FUZZ_CHECK(k.http_port >= 1 && k.http_port <= 65535);
  FUZZ_CHECK(k.http_scheme == "http" || k.http_scheme == "https");
  FUZZ_CHECK(k.mode != KubernetesConfig::Mode::kExplicit || !k.api_url.empty());
  for (const std::string& ref : k.cluster_resources) {
    FUZZ_CHECK(ValidateClusterResourceRef(ref).ok());
  }
  FUZZ_CHECK(ValidateRelayRegex(config.neo4j_metrics.include).ok());
  FUZZ_CHECK(ValidateRelayRegex(config.neo4j_metrics.exclude).ok());
  const AlertingConfig& a = config.alerting;
  for (const std::string& url : a.alertmanager_urls) {
    const auto parsed = ParseHttpBaseUrl(url);
    FUZZ_CHECK(parsed.ok() && parsed->url == url);
  }
  if (!a.external_url.empty()) {
    const auto parsed = ParseHttpBaseUrl(a.external_url);
    FUZZ_CHECK(parsed.ok() && parsed->userinfo.empty() && parsed->url == a.external_url);
  }
  for (const auto& [name, value] : a.external_labels) FUZZ_CHECK(ValidateLabelName(name).ok());
  for (const std::string& file : a.rule_files) FUZZ_CHECK(!file.empty());
  FUZZ_CHECK(a.evaluation_interval.count() > 0 && a.resend_delay.count() > 0);
}

void CheckConfig(std::string_view text) {
  const auto r = ParseConfigWithOptions(text, kSource, LoadOptions{});
  if (r.ok()) {
    CheckAccepted(*r);
    return;
  }
  // One positioned message ("<file>[:line:col]: ..."), not the catch-all for yaml-cpp exceptions.
  FUZZ_CHECK(r.error().kind == ErrorKind::kInvalidArgument);
  FUZZ_CHECK_SHOW(StartsWith(r.error().message, kSource + ":"), r.error().message, "");
  FUZZ_CHECK_SHOW(!FromUnexpectedYamlException(r.error().message), r.error().message, "");
}

// The value syntaxes: accepted values print back to text that parses to the same value.
void CheckValues(std::string_view text) {
  if (const auto d = ParseDuration(text); d.ok()) {
    FUZZ_CHECK(d->count() >= 0);
    if (d->count() < 1e12) {  // below that every millisecond count is exact in a double
      const std::string printed = FormatDuration(*d);
      const auto again = ParseDuration(printed);
      FUZZ_CHECK_SHOW(again.ok() && *again == *d, printed, text);
    }
  } else {
    FUZZ_CHECK(d.error().kind == ErrorKind::kInvalidArgument);
  }
  if (const auto n = ParseByteSize(text); n.ok()) {
    const std::string printed = FormatByteSize(*n);
    const auto again = ParseByteSize(printed);
    FUZZ_CHECK_SHOW(again.ok() && *again == *n, printed, text);
  }
  if (const auto u = ParseMemberUrl(text); u.ok()) {
    FUZZ_CHECK(u->scheme == "http" || u->scheme == "https");
    FUZZ_CHECK(u->port >= 1 && u->port <= 65535);
    FUZZ_CHECK(u->url == u->scheme + "://" + u->host_port);
    const auto again = ParseMemberUrl(u->url);
    FUZZ_CHECK_SHOW(again.ok() && again->url == u->url, u->url, text);
  }
  if (const auto u = ParseHttpBaseUrl(text); u.ok()) {
    FUZZ_CHECK(u->scheme == "http" || u->scheme == "https");
    FUZZ_CHECK(!Contains(u->redacted, "@") || Contains(u->path, "@"));
    FUZZ_CHECK(u->userinfo.empty() == (u->url == u->redacted));
    const auto again = ParseHttpBaseUrl(u->url);
    FUZZ_CHECK_SHOW(again.ok() && again->url == u->url && again->redacted == u->redacted, u->url,
                    text);
  } else if (Contains(text, "@")) {
    // loader.h: errors never contain any part of a URL that has an '@' (user info may hold a
    // password), so nothing of it is quoted.
    FUZZ_CHECK_SHOW(!Contains(u.error().message, "\""), u.error().message, text);
  }
}

// NEO4J_AUTH content: "none", or user/password split at the first '/'; errors name the file and
// never the content.
void CheckAuth(std::string_view text) {
  const auto r = ParseNeo4jAuth(text, "auth-file");
  if (r.ok()) {
    if (r->empty()) return;  // "none"
    FUZZ_CHECK(!r->username().empty() && !r->password().empty());
    FUZZ_CHECK(r->username().find('/') == std::string::npos);
    FUZZ_CHECK(StartsWith(text, r->username() + "/" + r->password()));
    return;
  }
  FUZZ_CHECK(r.error().kind == ErrorKind::kInvalidArgument);
  const std::string& m = r.error().message;
  FUZZ_CHECK_SHOW(StartsWith(m, "auth file auth-file: ") &&
                      (Contains(m, "found no '/'") || Contains(m, "user (before the first") ||
                       Contains(m, "password (after the first")) &&
                      m.size() < 120,
                  m, text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckConfig(text);
  if (size <= 256) {
    CheckValues(text);
    CheckAuth(text);
  }
  return 0;
}
