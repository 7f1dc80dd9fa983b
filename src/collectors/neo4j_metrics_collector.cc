#include "collectors/neo4j_metrics_collector.h"

#include <re2/re2.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <limits>
#include <optional>
#include <vector>

#include "common/logging.h"
#include "neo4j/http_engine.h"
#include "neo4j/member_api.h"
#include "neo4j/prom_text.h"

namespace nca::collectors {
namespace {

using exporter::Labels;
using exporter::MetricSetBuilder;

constexpr char kSuccess[] = "neo4j_metrics_scrape_success";
constexpr char kDuration[] = "neo4j_metrics_scrape_duration_seconds";
constexpr char kErrors[] = "neo4j_metrics_scrape_errors_total";
constexpr char kRelayed[] = "neo4j_metrics_relayed_series";
constexpr char kDropped[] = "neo4j_metrics_dropped_series";

// Neo4j serves the text format 0.0.4 (and nothing else) on its Prometheus endpoint.
constexpr char kAccept[] = "Accept: text/plain;version=0.0.4;q=1,*/*;q=0.1";

std::string_view ReasonName(NotRelayedReason r) {
  switch (r) {
    case NotRelayedReason::kUnknownDatabase:
      return "unknown_database";
    case NotRelayedReason::kConflict:
      return "conflict";
    case NotRelayedReason::kDuplicate:
      return "duplicate";
  }
  return "unknown";
}

// The host part of scheme://[user@]host[:port][/...], IPv6 kept in brackets.
std::string UrlHost(const std::string& url) {
  std::size_t start = url.find("://");
  if (start == std::string::npos) {
    return "";
  }
  start += 3;
  std::size_t end = url.find_first_of("/?#", start);
  std::string authority =
      url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (std::size_t at = authority.rfind('@'); at != std::string::npos) {
    authority = authority.substr(at + 1);
  }
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    return close == std::string::npos ? "" : authority.substr(0, close + 1);
  }
  return authority.substr(0, authority.find(':'));
}

// Series lines a relayed family adds to the exposition.
std::size_t SeriesOf(const RelayedSummary& s) {
  return s.quantiles.size() + 2;  // quantiles, _sum, _count
}

std::string RefusedHint(const std::string& url) {
  return "connection refused by " + url +
         " (is Neo4j's Prometheus endpoint enabled, server.metrics.prometheus.enabled=true "
         "(4.x: metrics.prometheus.enabled), and listening on an address the agent can reach? "
         "It defaults to localhost:2004)";
}

}  // namespace

std::string Neo4jMetricsUrl(const std::string& member_url, const std::string& configured_url,
                            const config::Neo4jMetricsEndpoint& endpoint) {
  if (!configured_url.empty()) {
    return configured_url;
  }
  const std::string host = UrlHost(member_url);
  if (host.empty()) {
    return "";
  }
  return endpoint.scheme + "://" + host + ":" + std::to_string(endpoint.port) + endpoint.path;
}

Neo4jMetricsCollector::Neo4jMetricsCollector() = default;
Neo4jMetricsCollector::~Neo4jMetricsCollector() = default;

void Neo4jMetricsCollector::CompileFilters(const config::Neo4jMetricsRelayConfig& relay) {
  const auto compile = [](const std::string& text) -> std::unique_ptr<re2::RE2> {
    if (text.empty()) {
      return nullptr;
    }
    RE2::Options opts;
    opts.set_log_errors(false);
    auto re = std::make_unique<re2::RE2>(text, opts);
    return re->ok() ? std::move(re) : nullptr;  // validated with the configuration
  };
  if (relay.include != include_text_ || (!include_ && !relay.include.empty())) {
    include_text_ = relay.include;
    include_ = compile(include_text_);
  }
  if (relay.exclude != exclude_text_ || (!exclude_ && !relay.exclude.empty())) {
    exclude_text_ = relay.exclude;
    exclude_ = compile(exclude_text_);
  }
}

CollectOutcome Neo4jMetricsCollector::Collect(const CollectContext& ctx) {
  auto logger = GetLogger("collector.neo4j_metrics");
  const config::Neo4jMetricsRelayConfig relay = ctx.services.config != nullptr
                                                    ? ctx.services.config->neo4j_metrics
                                                    : config::Neo4jMetricsRelayConfig{};
  CompileFilters(relay);

  struct Scrape {
    MemberKey key;
    const ClusterHandle* cluster = nullptr;
    std::string url;
    std::optional<std::future<Result<neo4j::HttpResult>>> fetch;
    neo4j::Pending<std::vector<neo4j::DatabaseClusterStatus>> status;
  };
  std::vector<Scrape> scrapes;
  const MonoTime now = ctx.clock->Monotonic();
  for (const ClusterHandle& cluster : *ctx.clusters) {
    for (neo4j::MemberApi* member : cluster.members) {
      Scrape s;
      s.key = {member->Ref().cluster, member->Ref().name};
      s.cluster = &cluster;
      std::string configured;
      for (const config::MemberConfig& m : cluster.config->members) {
        if (m.name == member->Ref().name) {
          configured = m.metrics_url;
        }
      }
      s.url = Neo4jMetricsUrl(member->Ref().url, configured, cluster.config->neo4j_metrics);
      if (!s.url.empty() && ctx.services.http != nullptr) {
        neo4j::HttpRequestSpec spec;
        spec.url = s.url;
        spec.headers = {kAccept};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(ctx.deadline - now);
        spec.connect_timeout = std::min(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            cluster.config->http.connect_timeout),
                                        std::max(left, std::chrono::milliseconds(1)));
        spec.total_timeout = std::min(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          cluster.config->http.request_timeout),
                                      std::max(left, std::chrono::milliseconds(1)));
        spec.max_response_bytes = relay.max_response_bytes;
        if (s.url.rfind("https://", 0) == 0) {
          const config::TlsConfig& tls = cluster.config->tls;
          spec.tls.ca_file = tls.ca_file;
          spec.tls.cert_file = tls.cert_file;
          spec.tls.key_file = tls.key_file;
          spec.tls.server_name = tls.server_name;
          spec.tls.insecure_skip_verify = tls.insecure_skip_verify;
        }
        s.fetch = ctx.services.http->Fetch(std::move(spec));
      }
      s.status = member->DbmsClusterStatus();
      scrapes.push_back(std::move(s));
    }
  }

  MetricSetBuilder b;
  auto success = b.Gauge(kSuccess,
                         "1 if the last scrape of the member's own Neo4j Prometheus endpoint was "
                         "relayed, 0 if it failed (reason in neo4j_metrics_scrape_errors_total "
                         "and the log).");
  auto duration = b.Gauge(kDuration,
                          "Duration of the last scrape of the member's Neo4j Prometheus "
                          "endpoint, in seconds.");
  auto errors = b.Counter(kErrors,
                          "Failed scrapes of the member's Neo4j Prometheus endpoint since the "
                          "agent started, by reason.");
  auto relayed =
      b.Gauge(kRelayed, "Series of the member's last Neo4j scrape relayed by the agent.");
  auto dropped = b.Gauge(
      kDropped,
      "Series of the member's last Neo4j scrape not relayed, by reason: limit "
      "(--collector.neo4j_metrics.series-limit), filtered (include/exclude), unknown_database, "
      "conflict (a name the agent exports itself, or one name with two types), duplicate.");

  for (Scrape& s : scrapes) {
    const Labels member_labels = {{kClusterLabel, s.key.first}, {kMemberLabel, s.key.second}};
    // Database names this member is known to have: Neo4j's own list, plus the configured ones
    // and every one seen before (a database that is briefly unavailable keeps its name).
    std::set<std::string>& known = databases_[s.key];
    if (auto st = neo4j::AwaitUntil(s.status, ctx.deadline); st.ok()) {
      for (const auto& d : *st) known.insert(d.database);
    }
    for (const std::string& d : s.cluster->config->databases) known.insert(d);

    std::optional<Error> failure;
    double seconds = 0;
    std::vector<neo4j::PromFamily> parsed;
    if (s.url.empty()) {
      failure = MakeError(ErrorKind::kInvalidArgument, "no metrics URL for this member");
    } else if (!s.fetch) {
      failure = MakeError(ErrorKind::kInternal, "no HTTP engine");
    } else if (s.fetch->wait_until(ctx.deadline) != std::future_status::ready) {
      failure = MakeError(ErrorKind::kTimeout, "no answer from " + s.url + " before the deadline");
    } else if (Result<neo4j::HttpResult> r = s.fetch->get(); !r.ok()) {
      failure = r.error();
      if (failure->kind == ErrorKind::kConnectionRefused) {
        failure->message = RefusedHint(s.url);
      }
    } else {
      seconds = r->total_seconds;
      if (r->status != 200) {
        failure = MakeError(ErrorKind::kHttpStatus,
                            s.url + " answered HTTP " + std::to_string(r->status));
      } else if (auto p = neo4j::ParsePromText(r->body); !p.ok()) {
        failure = MakeError(ErrorKind::kMalformed,
                            s.url + " did not answer Prometheus text: " + p.error().message);
      } else {
        parsed = std::move(*p);
      }
    }
    success.Add(member_labels, failure ? 0 : 1);
    duration.Add(member_labels, seconds);
    std::map<std::string, double>& counts = errors_total_[s.key];
    std::string& last = last_error_[s.key];
    if (failure) {
      counts[std::string(ErrorKindName(failure->kind))] += 1;
      if (last != failure->message) {
        logger->warn(
            "msg=\"neo4j metrics not relayed\" neo4j_cluster={} member={} reason={} "
            "error={}",
            LogQuote(s.key.first), LogQuote(s.key.second), ErrorKindName(failure->kind),
            LogQuote(failure->message));
      }
      last = failure->message;
    } else if (!last.empty()) {
      logger->info("msg=\"neo4j metrics relayed again\" neo4j_cluster={} member={}",
                   LogQuote(s.key.first), LogQuote(s.key.second));
      last.clear();
    }
    for (const auto& [reason, n] : counts) {
      Labels l = member_labels;
      l.emplace_back("reason", reason);
      errors.Add(l, n);
    }
    if (failure) {
      relayed.Add(member_labels, 0);
      continue;
    }

    Neo4jMetricsMappingOptions options;
    options.prefix = s.cluster->config->neo4j_metrics.prefix;
    options.databases.assign(known.begin(), known.end());
    MappingResult mapped = mapper_.Map(parsed, options);
    std::map<std::string, double> not_relayed;
    for (const auto& [reason, n] : mapped.not_relayed) {
      not_relayed[std::string(ReasonName(reason))] += static_cast<double>(n);
    }
    std::size_t budget = relay.series_limit;
    std::size_t count = 0;
    const auto drop = [&not_relayed](const char* reason, std::size_t n) {
      not_relayed[reason] += static_cast<double>(n);
    };
    for (const RelayedFamily& f : mapped.families) {
      const std::size_t lines = f.samples.size() + [&f] {
        std::size_t n = 0;
        for (const auto& sm : f.summaries) n += SeriesOf(sm);
        return n;
      }();
      if ((include_ && !RE2::FullMatch(f.name, *include_)) ||
          (exclude_ && RE2::FullMatch(f.name, *exclude_))) {
        drop("filtered", lines);
        continue;
      }
      const prometheus::MetricType type =
          f.type == neo4j::PromType::kCounter   ? prometheus::MetricType::Counter
          : f.type == neo4j::PromType::kGauge   ? prometheus::MetricType::Gauge
          : f.type == neo4j::PromType::kSummary ? prometheus::MetricType::Summary
                                                : prometheus::MetricType::Untyped;
      if (auto existing = b.TypeOf(f.name); existing && *existing != type) {
        drop("conflict", lines);
        continue;
      }
      auto family = type == prometheus::MetricType::Counter   ? b.Counter(f.name, f.help)
                    : type == prometheus::MetricType::Gauge   ? b.Gauge(f.name, f.help)
                    : type == prometheus::MetricType::Summary ? b.Summary(f.name, f.help)
                                                              : b.Untyped(f.name, f.help);
      for (const RelayedSample& sample : f.samples) {
        if (budget == 0) {
          drop("limit", 1);
          continue;
        }
        Labels l = member_labels;
        l.insert(l.end(), sample.labels.begin(), sample.labels.end());
        family.Add(l, sample.value);
        --budget;
        ++count;
      }
      for (const RelayedSummary& sm : f.summaries) {
        const std::size_t n = SeriesOf(sm);
        if (budget < n) {
          drop("limit", n);
          continue;
        }
        exporter::SummaryValue v;
        v.quantiles = sm.quantiles;
        const double c = sm.count.value_or(0);
        v.count = c > 0 && std::isfinite(c) ? static_cast<std::uint64_t>(std::llround(c)) : 0;
        // Neo4j writes no _sum: relayed as NaN ("unknown"), never as a made-up 0.
        v.sum = sm.sum.value_or(std::numeric_limits<double>::quiet_NaN());
        Labels l = member_labels;
        l.insert(l.end(), sm.labels.begin(), sm.labels.end());
        family.Add(l, v);
        budget -= n;
        count += n;
      }
    }
    relayed.Add(member_labels, static_cast<double>(count));
    for (const auto& [reason, n] : not_relayed) {
      Labels l = member_labels;
      l.emplace_back("reason", reason);
      dropped.Add(l, n);
    }
    if (not_relayed.count("limit") != 0) {
      logger->debug("msg=\"neo4j series over the limit\" neo4j_cluster={} member={} dropped={}",
                    LogQuote(s.key.first), LogQuote(s.key.second), not_relayed["limit"]);
    }
  }
  return {std::move(b).Build(), std::nullopt};
}

}  // namespace nca::collectors
