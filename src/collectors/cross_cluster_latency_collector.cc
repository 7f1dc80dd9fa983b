#include "collectors/cross_cluster_latency_collector.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <future>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/logging.h"
#include "neo4j/http_engine.h"
#include "neo4j/parsers.h"
#include "neo4j/probes.h"
#include "neo4j/resolver.h"

namespace nca::collectors {
namespace {

constexpr char kSourceLabel[] = "source_cluster";
constexpr char kTargetLabel[] = "target_cluster";
constexpr int kDefaultBoltPort = 7687;
constexpr int kDefaultHttpPort = 7474;
constexpr std::size_t kMaxDiscoveryBytes = 64u << 10;

// `reason` values of our own (the others are ProbeErrorName and ErrorKindName values).
constexpr char kReasonResolve[] = "resolve";
constexpr char kReasonInvalidTarget[] = "invalid_target";

struct HostPort {
  std::string host;  // without IPv6 brackets
  int port = 0;
};

// "host:port" or "[v6]:port"; nullopt when malformed.
std::optional<HostPort> ParseHostPort(std::string_view text, int default_port) {
  HostPort out;
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    out.host = std::string(text.substr(1, close - 1));
    rest = text.substr(close + 1);
  } else {
    const std::size_t colon = text.rfind(':');
    out.host = std::string(text.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon);
  }
  if (rest.empty()) {
    out.port = default_port;
  } else {
    if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6) {
      return std::nullopt;
    }
    int port = 0;
    for (char c : rest.substr(1)) {
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
      port = port * 10 + (c - '0');
    }
    out.port = port;
  }
  if (out.host.empty() || out.port <= 0 || out.port > 65535) {
    return std::nullopt;
  }
  return out;
}

struct HttpTarget {
  std::string scheme;  // "http" or "https"
  HostPort address;
};

// "http(s)://host[:port][/...]"; nullopt when malformed.
std::optional<HttpTarget> ParseHttpUrl(std::string_view url) {
  HttpTarget out;
  const std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return std::nullopt;
  }
  out.scheme = std::string(url.substr(0, sep));
  if (out.scheme != "http" && out.scheme != "https") {
    return std::nullopt;
  }
  std::string_view rest = url.substr(sep + 3);
  rest = rest.substr(0, rest.find('/'));
  auto hp = ParseHostPort(rest, out.scheme == "https" ? 7473 : kDefaultHttpPort);
  if (!hp) {
    return std::nullopt;
  }
  out.address = std::move(*hp);
  return out;
}

std::string UrlHost(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// One peer cluster to probe.
struct Target {
  const config::ClusterConfig* config = nullptr;
  std::string name;
  std::optional<HostPort> bolt;
  bool bolt_invalid = false;  // bolt_endpoint set but malformed
  std::optional<HttpTarget> http;
  bool http_invalid = false;
};

// What one phase of one pair did in this run.
struct PhaseOutcome {
  bool probed = false;  // the phase belongs to this pair (success is reported)
  bool ok = false;
  double seconds = 0;
  std::string reason;  // set when the phase itself failed (counted in failures_total)
  std::string detail;  // for logs
};

struct PairOutcome {
  PhaseOutcome tcp;
  PhaseOutcome bolt;
  PhaseOutcome http;
};

// Whether a failed Bolt probe got as far as an established TCP connection.
bool ConnectedBeforeFailure(const neo4j::ProbeResult& r) {
  if (neo4j::IsProtocolError(r.error)) {
    return true;
  }
  // The probe reports where it stopped in `detail` (neo4j/probes.cc).
  if (r.error == neo4j::ProbeError::kTimeout) {
    return r.detail.starts_with("handshake");
  }
  if (r.error == neo4j::ProbeError::kNetwork) {
    return r.detail.starts_with("send:") || r.detail.starts_with("recv:");
  }
  return false;
}

void Fail(PhaseOutcome& p, std::string reason, std::string detail) {
  p.probed = true;
  p.ok = false;
  p.reason = std::move(reason);
  p.detail = std::move(detail);
}

void Succeed(PhaseOutcome& p, double seconds) {
  p.probed = true;
  p.ok = true;
  p.seconds = std::max(seconds, 0.0);
}

struct ResolvedHost {
  std::optional<std::string> address;
  std::string detail;  // why not, when address is nullopt
};

// Resolves every distinct host concurrently, never past `deadline`.
std::map<std::string, ResolvedHost> ResolveHosts(const std::set<std::string>& hosts,
                                                 const HostResolver* resolve, MonoTime deadline) {
  std::map<std::string, ResolvedHost> out;
  std::vector<std::pair<std::string, std::future<Result<std::vector<std::string>>>>> pending;
  for (const std::string& host : hosts) {
    if (neo4j::IsNumericHost(host)) {
      out[host].address = host;
    } else if (resolve == nullptr || !*resolve) {
      out[host].detail = "no resolver for host names";
    } else {
      pending.emplace_back(host, std::async(std::launch::async, *resolve, host, deadline));
    }
  }
  for (auto& [host, future] : pending) {
    Result<std::vector<std::string>> r = future.get();  // the resolver honours the deadline
    if (r.ok() && !r->empty()) {
      out[host].address = r->front();
    } else {
      out[host].detail = r.ok() ? "no address" : r.error().ToString();
    }
  }
  return out;
}

}  // namespace

const std::vector<double>& CrossClusterLatencyCollector::DurationBuckets() {
  static const std::vector<double> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                               0.25,  0.5,    1.0,   2.5,  5.0,   10.0};
  return kBuckets;
}

CollectOutcome CrossClusterLatencyCollector::Collect(const CollectContext& ctx) {
  auto logger = GetLogger("collector.cross_cluster_latency");
  CollectOutcome out;
  if (ctx.clusters == nullptr || ctx.clusters->empty()) {
    return out;  // nothing to probe (a DaemonSet agent on a node without Neo4j): not a failure
  }
  const config::CrossClusterConfig settings = ctx.services.config != nullptr
                                                  ? ctx.services.config->cross_cluster
                                                  : config::CrossClusterConfig{};

  // Source and targets.
  std::string source = settings.source;
  std::vector<Target> targets;
  for (const ClusterHandle& h : *ctx.clusters) {
    if (h.config != nullptr && source.empty()) {
      source = h.config->name;
    }
  }
  for (const ClusterHandle& h : *ctx.clusters) {
    const config::ClusterConfig* cfg = h.config;
    if (cfg == nullptr || cfg->name == source ||
        (cfg->bolt_endpoint.empty() && cfg->http_endpoint.empty())) {
      continue;
    }
    Target t;
    t.config = cfg;
    t.name = cfg->name;
    if (!cfg->bolt_endpoint.empty()) {
      t.bolt = ParseHostPort(cfg->bolt_endpoint, kDefaultBoltPort);
      t.bolt_invalid = !t.bolt;
    }
    if (settings.http_probe) {
      if (!cfg->http_endpoint.empty()) {
        t.http = ParseHttpUrl(cfg->http_endpoint);
        t.http_invalid = !t.http;
      } else if (t.bolt && t.bolt->port == kDefaultBoltPort) {
        t.http = HttpTarget{"http", HostPort{t.bolt->host, kDefaultHttpPort}};
      }
    }
    targets.push_back(std::move(t));
  }

  const auto probe_timeout =
      std::chrono::duration_cast<Duration>(std::max(settings.probe_timeout, config::Seconds(0)));
  // ctx.deadline is a steady-clock time point (see neo4j::AwaitUntil).
  auto budget = [&] {
    const auto left = ctx.deadline - std::chrono::steady_clock::now();
    return std::max(Duration(0), std::min<Duration>(probe_timeout, left));
  };

  // Names -> numeric addresses, bounded by one probe timeout.
  std::set<std::string> hosts;
  for (const Target& t : targets) {
    if (t.bolt) {
      hosts.insert(t.bolt->host);
    }
    if (t.http && ctx.services.http != nullptr) {
      hosts.insert(t.http->address.host);
    }
  }
  const std::map<std::string, ResolvedHost> resolved =
      ResolveHosts(hosts, ctx.services.resolve, std::chrono::steady_clock::now() + budget());

  std::vector<PairOutcome> outcomes(targets.size());

  // HTTP probes: all submitted before the Bolt probes run.
  std::vector<std::optional<std::future<Result<neo4j::HttpResult>>>> http_pending(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const Target& t = targets[i];
    PhaseOutcome& p = outcomes[i].http;
    if (t.http_invalid) {
      Fail(p, kReasonInvalidTarget, "malformed http_endpoint " + t.config->http_endpoint);
      continue;
    }
    if (!t.http || ctx.services.http == nullptr) {
      continue;
    }
    const ResolvedHost& r = resolved.at(t.http->address.host);
    if (!r.address) {
      Fail(p, kReasonResolve, r.detail);
      continue;
    }
    const auto timeout = std::chrono::ceil<std::chrono::milliseconds>(budget());
    if (timeout.count() <= 0) {
      Fail(p, std::string(ErrorKindName(ErrorKind::kTimeout)), "no time left before the deadline");
      continue;
    }
    neo4j::HttpRequestSpec spec;
    spec.url = t.http->scheme + "://" + UrlHost(*r.address) + ":" +
               std::to_string(t.http->address.port) + "/";
    spec.headers = {"Accept: application/json"};
    spec.connect_timeout = timeout;
    spec.total_timeout = timeout;
    spec.max_response_bytes = kMaxDiscoveryBytes;
    spec.tls.ca_file = t.config->tls.ca_file;
    spec.tls.cert_file = t.config->tls.cert_file;
    spec.tls.key_file = t.config->tls.key_file;
    spec.tls.insecure_skip_verify = t.config->tls.insecure_skip_verify;
    spec.tls.server_name = t.config->tls.server_name;
    if (spec.tls.server_name.empty() && *r.address != t.http->address.host) {
      spec.tls.server_name = t.http->address.host;  // verify against the name, not the IP
    }
    http_pending[i] = ctx.services.http->Fetch(std::move(spec));
  }

  // Bolt probes: one concurrent batch.
  std::vector<neo4j::ProbeTarget> probe_targets;
  std::vector<std::size_t> probe_owner;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const Target& t = targets[i];
    if (t.bolt_invalid) {
      Fail(outcomes[i].tcp, kReasonInvalidTarget,
           "malformed bolt_endpoint " + t.config->bolt_endpoint);
      outcomes[i].bolt.probed = true;
      continue;
    }
    if (!t.bolt) {
      continue;
    }
    const ResolvedHost& r = resolved.at(t.bolt->host);
    if (!r.address) {
      Fail(outcomes[i].tcp, kReasonResolve, r.detail);
      outcomes[i].bolt.probed = true;
      continue;
    }
    neo4j::ProbeTarget pt;
    pt.host = *r.address;
    pt.port = t.bolt->port;
    pt.kind = neo4j::ProbeKind::kBoltHandshake;
    pt.timeout = budget();
    probe_targets.push_back(std::move(pt));
    probe_owner.push_back(i);
  }
  if (!probe_targets.empty()) {
    const neo4j::ProbeRunner runner(*ctx.clock);
    const std::vector<neo4j::ProbeResult> results = runner.Run(probe_targets);
    for (std::size_t k = 0; k < results.size(); ++k) {
      const neo4j::ProbeResult& r = results[k];
      PairOutcome& o = outcomes[probe_owner[k]];
      const std::string reason(neo4j::ProbeErrorName(r.error));
      if (r.success) {
        Succeed(o.tcp, r.connect_seconds);
        Succeed(o.bolt, r.handshake_seconds);
      } else if (ConnectedBeforeFailure(r)) {
        Succeed(o.tcp, r.connect_seconds);
        Fail(o.bolt, reason, r.detail);
      } else {
        Fail(o.tcp, reason, r.detail);
        o.bolt.probed = true;  // not attempted: reported as not successful, counted at tcp
      }
    }
  }

  // HTTP answers, never past the deadline.
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (!http_pending[i]) {
      continue;
    }
    PhaseOutcome& p = outcomes[i].http;
    auto& future = *http_pending[i];
    if (future.wait_until(ctx.deadline) != std::future_status::ready) {
      Fail(p, std::string(ErrorKindName(ErrorKind::kTimeout)),
           "no answer before the collection deadline");
      continue;
    }
    Result<neo4j::HttpResult> r = future.get();
    if (!r.ok()) {
      Fail(p, std::string(ErrorKindName(r.error().kind)), r.error().ToString());
    } else if (r->status < 200 || r->status > 299) {
      const Error e = neo4j::ErrorFromHttp(r->status, r->body, r->retry_after);
      Fail(p, std::string(ErrorKindName(e.kind)), e.ToString());
    } else {
      Succeed(p, r->total_seconds);
    }
  }

  // Accumulate and export.
  exporter::MetricSetBuilder b;
  auto latency = b.Gauge(
      "neo4j_cross_cluster_latency_seconds",
      "Round trip of the latest probe from the source to the target cluster: the Bolt handshake "
      "(the HTTP discovery request when the target has no Bolt endpoint); +Inf when the latest "
      "probe failed, so a partition never shows as a stale latency.");
  auto success = b.Gauge("neo4j_cross_cluster_probe_success",
                         "Whether the phase of the latest probe succeeded (1) or not (0); a phase "
                         "not reached because an earlier one failed is 0.");
  auto durations = b.Histogram("neo4j_cross_cluster_probe_duration_seconds",
                               "Durations of the successful probe phases since the agent started.");
  auto failures = b.Counter("neo4j_cross_cluster_probe_failures_total",
                            "Failed probe phases since the agent started, by the phase that "
                            "failed and the reason.");
  auto consecutive = b.Gauge("neo4j_cross_cluster_probe_consecutive_failures",
                             "Number of consecutive runs whose latency probe failed (0 after a "
                             "success).");
  auto last_success = b.Gauge("neo4j_cross_cluster_last_success_timestamp_seconds",
                              "Unix time of the latest successful latency probe; absent before "
                              "the first one.");

  std::set<std::pair<std::string, std::string>> seen;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const Target& t = targets[i];
    const PairOutcome& o = outcomes[i];
    auto key = std::make_pair(source, t.name);
    seen.insert(key);
    PairState& state = pairs_[key];
    const exporter::Labels pair = {{kSourceLabel, source}, {kTargetLabel, t.name}};

    const std::pair<const char*, const PhaseOutcome*> phases[] = {
        {kPhaseTcpConnect, &o.tcp}, {kPhaseBoltHandshake, &o.bolt}, {kPhaseHttpDiscovery, &o.http}};
    for (const auto& [phase, p] : phases) {
      if (!p->probed) {
        continue;
      }
      PhaseState& ps = state.phases[phase];
      if (p->ok) {
        ps.durations.Observe(p->seconds);
      } else if (!p->reason.empty()) {
        ps.failures[p->reason] += 1;
      }
      exporter::Labels l = pair;
      l.emplace_back("phase", phase);
      success.Add(l, p->ok ? 1 : 0);
      durations.Add(l, ps.durations.Value());
      for (const auto& [reason, count] : ps.failures) {
        exporter::Labels fl = l;
        fl.emplace_back("reason", reason);
        failures.Add(fl, count);
      }
    }
    // Phases probed in earlier runs but not in this one keep their counters.
    for (const auto& [phase, ps] : state.phases) {
      const bool now = std::any_of(std::begin(phases), std::end(phases), [&](const auto& x) {
        return x.first == phase && x.second->probed;
      });
      if (now) {
        continue;
      }
      exporter::Labels l = pair;
      l.emplace_back("phase", phase);
      durations.Add(l, ps.durations.Value());
      for (const auto& [reason, count] : ps.failures) {
        exporter::Labels fl = l;
        fl.emplace_back("reason", reason);
        failures.Add(fl, count);
      }
    }

    // The latency probe: Bolt when the target has a Bolt endpoint, else HTTP.
    const bool has_bolt = o.bolt.probed;
    const PhaseOutcome& primary = has_bolt ? o.bolt : o.http;
    if (!primary.probed) {
      continue;  // nothing could be probed (no HTTP engine for an HTTP-only target)
    }
    if (primary.ok) {
      state.consecutive_failures = 0;
      state.last_success = ctx.clock->Now();
      if (state.failing) {
        logger->info("msg=\"cross-cluster probe recovered\" source_cluster={} target_cluster={}",
                     LogQuote(source), LogQuote(t.name));
      }
      state.failing = false;
      latency.Add(pair, primary.seconds);
    } else {
      state.consecutive_failures += 1;
      // The phase that failed: the connection, the handshake or the HTTP request.
      const bool at_connect = has_bolt && !o.tcp.ok;
      const PhaseOutcome& cause = at_connect ? o.tcp : primary;
      const char* cause_phase = at_connect ? kPhaseTcpConnect
                                : has_bolt ? kPhaseBoltHandshake
                                           : kPhaseHttpDiscovery;
      // Warn when a pair starts failing, then quietly until it recovers.
      const auto level = state.failing ? spdlog::level::debug : spdlog::level::warn;
      logger->log(level,
                  "msg=\"cross-cluster probe failed\" source_cluster={} target_cluster={} "
                  "phase={} reason={} detail={}",
                  LogQuote(source), LogQuote(t.name), cause_phase, cause.reason,
                  LogQuote(cause.detail));
      state.failing = true;
      latency.Add(pair, std::numeric_limits<double>::infinity());
    }
    if (!o.http.ok && o.http.probed && has_bolt) {
      logger->debug(
          "msg=\"http discovery probe failed\" source_cluster={} target_cluster={} "
          "reason={} detail={}",
          LogQuote(source), LogQuote(t.name), o.http.reason, LogQuote(o.http.detail));
    }
    consecutive.Add(pair, static_cast<double>(state.consecutive_failures));
    if (state.last_success) {
      last_success.Add(pair, ToUnixSeconds(*state.last_success));
    }
  }
  std::erase_if(pairs_, [&](const auto& kv) { return !seen.contains(kv.first); });

  out.metrics = std::move(b).Build();
  // Failing probes are the measurement (latency +Inf, Neo4jCrossClusterPartition), not a failure
  // of the agent: Neo4jAgentCollectorFailing must not follow the other region's outage.
  return out;
}

}  // namespace nca::collectors
