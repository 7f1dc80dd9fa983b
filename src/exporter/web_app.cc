#include "exporter/web_app.h"

#include <malloc.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <exception>
#include <string_view>
#include <utility>

#include "common/build_version.h"
#include "common/logging.h"
#include "exporter/text_format.h"

namespace nca::exporter {
namespace {

constexpr char kExporterName[] = "neo4j-cluster-agent";
constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";
constexpr char kHealthyPath[] = "/-/healthy";
constexpr char kReadyPath[] = "/-/ready";
// zlib level for /metrics: 1 compresses the exposition about 6:1 at a third of level 6's cost.
constexpr int kGzipLevel = 1;
// Same label names as collectors::kClusterLabel / kMemberLabel.
constexpr char kClusterLabel[] = "neo4j_cluster";
constexpr char kMemberLabel[] = "member";

#if defined(__clang__)
constexpr char kCompiler[] = "clang " __clang_version__;
#elif defined(__GNUC__)
constexpr char kCompiler[] = "gcc " __VERSION__;
#else
constexpr char kCompiler[] = "unknown";
#endif

std::string Trimmed(std::string_view s) {
  while (!s.empty() && s.back() == ' ') {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// Shortest round-trip decimal form: 5 -> "5", 0.25 -> "0.25".
std::string FormatNumber(double v) {
  std::array<char, 32> buf{};
  auto [ptr, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  if (ec != std::errc()) {
    return "?";
  }
  return std::string(buf.data(), ptr);
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// Removes "user:password@" from scheme://user:password@host:port/...
std::string StripUserInfo(const std::string& url) {
  auto scheme_end = url.find("://");
  std::size_t authority = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  auto authority_end = url.find_first_of("/?#", authority);
  auto at = url.rfind('@', authority_end == std::string::npos ? url.size() : authority_end);
  if (at == std::string::npos || at < authority) {
    return url;
  }
  return url.substr(0, authority) + url.substr(at + 1);
}

// "every 5 seconds", or a range when collectors have different intervals.
std::string CadenceText(const std::vector<CollectorInfo>& collectors) {
  if (collectors.empty()) {
    return "periodically";
  }
  auto [lo, hi] = std::minmax_element(collectors.begin(), collectors.end(),
                                      [](const CollectorInfo& a, const CollectorInfo& b) {
                                        return a.interval_seconds < b.interval_seconds;
                                      });
  if (lo->interval_seconds == hi->interval_seconds) {
    return "every " + FormatNumber(lo->interval_seconds) + " seconds";
  }
  return "every " + FormatNumber(lo->interval_seconds) + " to " +
         FormatNumber(hi->interval_seconds) +
         " seconds (see neo4j_agent_collector_interval_seconds)";
}

bool IsGetOrHead(const std::string& method) { return method == "GET" || method == "HEAD"; }

net::HttpResponse TextResponse(int status, std::string body) {
  net::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

net::HttpResponse MethodNotAllowed() {
  net::HttpResponse r = TextResponse(405, "Method Not Allowed. Use GET or HEAD.\n");
  r.headers.emplace_back("Allow", "GET, HEAD");
  return r;
}

std::string BuildLanding(const WebAppOptions& o) {
  std::string h;
  h += "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>";
  h += kExporterName;
  h += "</title></head>\n<body>\n<h1>";
  h += kExporterName;
  h += "</h1>\n<p>Version ";
  h += HtmlEscape(nca::kBuildVersion);
  h += " (revision ";
  h += HtmlEscape(nca::kBuildRevision);
  h += ")</p>\n<ul>\n";
  h += "<li><a href=\"" + HtmlEscape(o.telemetry_path) + "\">Metrics</a></li>\n";
  h += std::string("<li><a href=\"") + kHealthyPath + "\">Health</a></li>\n";
  h += std::string("<li><a href=\"") + kReadyPath + "\">Readiness</a></li>\n";
  if (o.rules_json && o.alerts_json) {
    h += "<li><a href=\"/api/v1/alerts\">Alerts</a> (pending and firing, JSON)</li>\n";
    h += "<li><a href=\"/api/v1/rules\">Rules</a> (rule groups and their health, JSON)</li>\n";
  }
  h += "</ul>\n";
  if (!o.discovery_summary.empty()) {
    h += "<h2>Kubernetes discovery</h2>\n<p>" + HtmlEscape(o.discovery_summary) + "</p>\n";
  }
  h += "<h2>Clusters</h2>\n";
  if (o.clusters.empty()) {
    h += "<p>None configured.</p>\n";
  }
  for (const auto& c : o.clusters) {
    h += "<h3>" + HtmlEscape(c.name) + "</h3>\n<ul>\n";
    for (const auto& m : c.members) {
      h += "<li>" + HtmlEscape(m.name) + ": " + HtmlEscape(m.url) + "</li>\n";
    }
    h += "</ul>\n";
  }
  h += "<h2>Collectors</h2>\n<ul>\n";
  for (const auto& c : o.collectors) {
    h += "<li>" + HtmlEscape(c.name) + " (every " + FormatNumber(c.interval_seconds) + " s)</li>\n";
  }
  h += "</ul>\n</body>\n</html>\n";
  return h;
}

// render(reserve) into a string reserved at the previous rendering's size and a little more (one
// allocation, no copy); remembers this one's.
template <typename Render>
std::string RenderSized(std::atomic<std::size_t>& size_hint, Render render) {
  std::string text = render(size_hint.load());
  size_hint.store(text.size() + text.size() / 8);
  return text;
}

}  // namespace

std::vector<ClusterSummary> SummariseClusters(const std::vector<config::ClusterConfig>& clusters) {
  std::vector<ClusterSummary> out;
  out.reserve(clusters.size());
  for (const auto& c : clusters) {
    ClusterSummary s;
    s.name = c.name;
    for (const auto& m : c.members) {
      s.members.push_back({m.name, StripUserInfo(m.url)});
    }
    out.push_back(std::move(s));
  }
  return out;
}

WebApp::WebApp(WebAppOptions options, SnapshotStore& store)
    : options_(std::move(options)), store_(store) {
  for (auto& c : options_.clusters) {
    for (auto& m : c.members) {
      m.url = StripUserInfo(m.url);
    }
  }
  landing_ = BuildLanding(options_);
  observer_id_ = store_.AddObserver([this] { MetricsChanged(); });
}

WebApp::~WebApp() {
  Stop();
  store_.RemoveObserver(observer_id_);
}

Status WebApp::Start() {
  if (server_ != nullptr) {
    return OkStatus();
  }
  net::EventServerOptions o;
  o.listen_address = options_.listen_address;
  o.max_request_body = 64u << 10;
  o.logger_name = "exporter.web";
  if (auto security = options_.security) {
    o.gate = [security](const net::HttpRequest& request, net::GateDone done) {
      return security->Gate(request, std::move(done));
    };
    if (security->TlsEnabled()) {
      o.tls = [security] { return security->TlsForNewConnection(); };
    }
  }
  auto server = std::make_unique<net::EventServer>(
      o, [this](const net::HttpRequest& req) { return Respond(req); });
  Status st = server->Start();
  if (!st) {
    return st;
  }
  server_ = std::move(server);
  (void)RenderNow();  // the first scrape finds a rendering
  {
    std::lock_guard lock(loop_mu_);
    loop_stop_ = false;
  }
  renderer_ = std::thread([this] { RenderLoop(); });
  renderer_running_ = true;
  GetLogger("exporter.web")
      ->info("msg=\"listening\" address={} port={} telemetry_path={} tls={} basic_auth={}",
             LogQuote(options_.listen_address), server_->Port(), LogQuote(options_.telemetry_path),
             options_.security != nullptr && options_.security->TlsEnabled(),
             options_.security != nullptr);
  return OkStatus();
}

void WebApp::Stop() {
  if (server_ != nullptr) {
    server_->Stop();
    server_.reset();
  }
  if (renderer_.joinable()) {
    {
      std::lock_guard lock(loop_mu_);
      loop_stop_ = true;
    }
    loop_cv_.notify_all();
    renderer_.join();
    renderer_running_ = false;
  }
}

int WebApp::Port() const { return server_ == nullptr ? 0 : server_->Port(); }

void WebApp::MetricsChanged() {
  {
    // Under the loop's lock, so that the renderer cannot miss the change between its check and
    // its wait.
    std::lock_guard lock(loop_mu_);
    ++changes_;
  }
  loop_cv_.notify_one();
}

void WebApp::RenderLoop() {
  std::unique_lock lock(loop_mu_);
  for (;;) {
    loop_cv_.wait(lock, [this] {
      if (loop_stop_) {
        return true;
      }
      std::lock_guard cache_lock(cache_mu_);
      return cache_ == nullptr || cache_->generation != store_.Generation() ||
             cache_->changes != changes_.load();
    });
    if (loop_stop_) {
      return;
    }
    // Collectors on the same interval finish close together: one render for the burst.
    if (options_.render_debounce.count() > 0 &&
        loop_cv_.wait_for(lock, options_.render_debounce, [this] { return loop_stop_; })) {
      return;
    }
    lock.unlock();
    (void)RenderNow();
    // A render and the collector run before it free megabytes of short-lived blocks (merged
    // family copies, response bodies, JSON trees) scattered through the heap, which glibc keeps
    // unless asked; hand the free pages back (measured in bench/scrape-vs-nginx.sh's RSS).
    malloc_trim(0);
    lock.lock();
  }
}

std::shared_ptr<const WebApp::Rendered> WebApp::RenderNow() const {
  std::lock_guard render_lock(render_mu_);
  auto r = std::make_shared<Rendered>();
  // The stamps first: a change during the render makes this rendering out of date at once.
  r->generation = store_.Generation();
  r->changes = changes_.load();
  r->text = std::make_shared<const std::string>(RenderMainText());
  if (gzip_asked_.exchange(false)) {
    (void)GzipOf(*r);  // a scraper wants gzip: ready before it comes
  }
  ++renders_;
  std::shared_ptr<const Rendered> out = std::move(r);
  std::lock_guard lock(cache_mu_);
  cache_ = out;
  return out;
}

const net::GzipPrefix& WebApp::GzipOf(const Rendered& r) const {
  std::call_once(r.gzip_once, [&] {
    r.gzip = std::make_shared<const net::GzipPrefix>(net::GzipStart(*r.text, kGzipLevel));
    ++compressions_;
  });
  return *r.gzip;
}

std::shared_ptr<const WebApp::Rendered> WebApp::Cached() const {
  {
    std::lock_guard lock(cache_mu_);
    if (cache_ != nullptr &&
        ((cache_->generation == store_.Generation() && cache_->changes == changes_.load()) ||
         renderer_running_.load())) {
      return cache_;  // current, or the previous one while the renderer works on the next
    }
  }
  return RenderNow();
}

net::HttpResponse WebApp::HandleRequest(const net::HttpRequest& request) const {
  try {
    const std::string& path = request.path;
    if (path == options_.telemetry_path) {
      if (!IsGetOrHead(request.method)) {
        return MethodNotAllowed();
      }
      net::HttpResponse r = TextResponse(200, *Cached()->text + RenderTailText());
      r.content_type = kMetricsContentType;
      return r;
    }
    if (path == "/api/v1/rules" || path == "/api/v1/alerts") {
      if (!options_.rules_json || !options_.alerts_json) {
        return TextResponse(404, "404 page not found\n");
      }
      if (!IsGetOrHead(request.method)) {
        return MethodNotAllowed();
      }
      net::HttpResponse r =
          TextResponse(200, path == "/api/v1/alerts"
                                ? options_.alerts_json()
                                : options_.rules_json(net::ParseQuery(request.query)["type"]));
      r.content_type = "application/json";
      return r;
    }
    if (path == "/-/reload" && options_.reload) {
      if (request.method != "POST" && request.method != "PUT") {
        return TextResponse(405, "Only POST or PUT requests allowed");
      }
      const Status st = options_.reload();
      VolatileMetricsChanged();  // the reload's own series change at once
      if (!st.ok()) {
        return TextResponse(500, "failed to reload config: " + st.error().message);
      }
      return TextResponse(200, "");
    }
    if (path == "/" || path == kHealthyPath || path == kReadyPath) {
      if (!IsGetOrHead(request.method)) {
        return MethodNotAllowed();
      }
      if (path == "/") {
        net::HttpResponse r = TextResponse(200, landing_);
        r.content_type = "text/html; charset=utf-8";
        return r;
      }
      if (path == kHealthyPath) {
        return TextResponse(200, "Healthy.");
      }
      if (!options_.ready || options_.ready()) {
        return TextResponse(200, "Ready.");
      }
      return TextResponse(503, "Not ready.");
    }
    return TextResponse(404, "404 page not found\n");
  } catch (const std::exception& e) {
    GetLogger("exporter.web")
        ->error("msg=\"request failed\" path={} err={}", LogQuote(request.path),
                LogQuote(e.what()));
  } catch (...) {
    GetLogger("exporter.web")->error("msg=\"request failed\" path={}", LogQuote(request.path));
  }
  return TextResponse(500, "Internal Server Error\n");
}

net::ServerResponse WebApp::Respond(const net::HttpRequest& request) const {
  if (request.path == options_.telemetry_path && IsGetOrHead(request.method)) {
    try {
      const std::shared_ptr<const Rendered> cached = Cached();
      const bool gzip = net::AcceptsEncoding(request.Header("accept-encoding"), "gzip");
      if (gzip) {
        gzip_asked_.store(true);
        (void)GzipOf(*cached);
      }
      const std::shared_ptr<const Tail> tail = CurrentTail(cached, gzip);
      net::ServerResponse r;
      r.content_type = kMetricsContentType;
      r.headers.emplace_back("Vary", "Accept-Encoding");
      if (gzip) {
        r.headers.emplace_back("Content-Encoding", "gzip");
        // The cached prefix and the tail's compressed bytes, shared: nothing is copied.
        r.body.push_back(
            net::BodyPiece{std::shared_ptr<const std::string>(cached->gzip, &cached->gzip->bytes),
                           cached->gzip->bytes});
        r.body.push_back(
            net::BodyPiece{std::shared_ptr<const std::string>(tail, &tail->gzip), tail->gzip});
      } else {
        r.body.push_back(net::BodyPiece::Of(cached->text));
        r.body.push_back(
            net::BodyPiece{std::shared_ptr<const std::string>(tail, &tail->text), tail->text});
      }
      return r;
    } catch (const std::exception& e) {
      GetLogger("exporter.web")->error("msg=\"render failed\" err={}", LogQuote(e.what()));
      return net::ServerResponse::Text(500, "Internal Server Error\n");
    }
  }
  net::HttpResponse h = HandleRequest(request);
  net::ServerResponse r = net::ServerResponse::Text(h.status, std::move(h.body));
  r.content_type = std::move(h.content_type);
  r.headers = std::move(h.headers);
  return r;
}

std::string WebApp::RenderMetrics() const { return RenderMainText() + RenderTailText(); }

std::shared_ptr<const WebApp::Tail> WebApp::CurrentTail(const std::shared_ptr<const Rendered>& main,
                                                        bool gzip) const {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(tail_mu_);
    if (tail_ != nullptr && tail_->main == main && tail_->epoch == tail_epoch_.load() &&
        now - tail_->at <= options_.volatile_max_age && (!gzip || tail_->has_gzip)) {
      return tail_;
    }
  }
  auto t = std::make_shared<Tail>();
  t->epoch = tail_epoch_.load();  // before rendering: a change during it makes this one stale
  t->main = main;
  t->at = now;
  t->text = RenderTailText();
  if (gzip) {
    t->gzip = net::GzipFinish(GzipOf(*main), t->text, kGzipLevel);
    t->has_gzip = true;
  }
  std::shared_ptr<const Tail> out = std::move(t);
  std::lock_guard lock(tail_mu_);
  tail_ = out;
  return out;
}

std::string WebApp::RenderTailText() const {
  MetricSet own;
  AppendVolatileSelfMetrics(own);
  std::vector<MetricSet> extra;
  extra.reserve(options_.extra_metrics.size());
  for (const auto& provider : options_.extra_metrics) {
    extra.push_back(provider());
  }
  std::vector<const prometheus::MetricFamily*> families;
  for (const auto& f : own) {
    families.push_back(&f);
  }
  for (const auto& set : extra) {
    for (const auto& f : set) {
      families.push_back(&f);
    }
  }
  return RenderSized(tail_size_hint_, [&families](std::size_t reserve) {
    return RenderFamiliesText(std::move(families), reserve);
  });
}

void WebApp::AppendVolatileSelfMetrics(MetricSet& out) const {
  MetricSetBuilder b;
  if (options_.discovered_members) {
    auto discovered = b.Gauge("neo4j_kubernetes_discovered_members",
                              "Neo4j members that node-local Kubernetes discovery found on this "
                              "agent's node, by the label convention their pods follow (operator, "
                              "helm or custom) and cluster; as of the latest successful listing.");
    for (const DiscoveredCount& d : options_.discovered_members()) {
      discovered.Add({{"convention", d.convention}, {kClusterLabel, d.cluster}},
                     static_cast<double>(d.members));
    }
  }

  MetricSet built = std::move(b).Build();
  out.insert(out.end(), std::make_move_iterator(built.begin()),
             std::make_move_iterator(built.end()));
  AppendProcessMetrics(CurrentProcessStats(), out);
}

ProcessStats WebApp::CurrentProcessStats() const {
  if (options_.process_stats) {
    return options_.process_stats();
  }
  // Rule evaluation asks for the self-metrics at every evaluation, several times a second; a
  // read lists /proc/self/fd (one entry per kept-alive connection). Readers within
  // volatile_max_age of a read share it, as scrapes share a tail.
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(process_mu_);
  if (!process_read_at_ || now - *process_read_at_ >= options_.volatile_max_age) {
    process_stats_ = process_reader_.Read();
    process_read_at_ = now;
  }
  return process_stats_;
}

std::string WebApp::RenderMainText() const {
  // Shared pointers only: the store lock is released before anything is joined. The snapshots
  // were rendered when published; only the self-metrics are formatted here.
  const std::vector<SnapshotPtr> snapshots = store_.Latest();
  MetricSet self;
  AppendSelfMetrics(snapshots, self);
  const RenderedFamilies self_rendered = RenderAllFamilies(self);

  std::size_t count = self_rendered.size();
  for (const auto& s : snapshots) {
    count += s->families.size();
  }
  std::vector<const RenderedFamily*> families;
  families.reserve(count);
  for (const auto& s : snapshots) {
    for (const auto& f : s->families) {
      families.push_back(&f);
    }
  }
  for (const auto& f : self_rendered) {
    families.push_back(&f);
  }
  return RenderSized(main_size_hint_, [&families](std::size_t reserve) {
    return JoinRenderedFamilies(std::move(families), reserve);
  });
}

MetricSet WebApp::SelfMetrics() const {
  MetricSet self;
  AppendSelfMetrics(store_.Latest(), self);
  AppendVolatileSelfMetrics(self);
  return self;
}

void WebApp::AppendSelfMetrics(const std::vector<SnapshotPtr>& snapshots, MetricSet& out) const {
  MetricSetBuilder b;
  b.Gauge("neo4j_agent_build_info",
          "A metric with a constant '1' value labeled by version, revision and compiler from "
          "which neo4j-cluster-agent was built.")
      .Add({{"version", nca::kBuildVersion},
            {"revision", nca::kBuildRevision},
            {"compiler", Trimmed(kCompiler)}},
           1);

  const std::string cadence = " Metrics are collected in the background " +
                              CadenceText(options_.collectors) +
                              " and served from the latest snapshot.";
  if (!snapshots.empty()) {
    auto duration = b.Gauge("neo4j_agent_collector_duration_seconds",
                            "Duration of the latest run of a collector." + cadence);
    auto success =
        b.Gauge("neo4j_agent_collector_success",
                "Whether the latest run of a collector succeeded (1) or not (0)." + cadence);
    for (const auto& s : snapshots) {
      const Labels labels{{"collector", s->collector}};
      duration.Add(labels, s->duration_seconds);
      success.Add(labels, s->success ? 1 : 0);
    }
    bool any_success = std::any_of(snapshots.begin(), snapshots.end(), [](const SnapshotPtr& s) {
      return s->last_success.has_value();
    });
    if (any_success) {
      auto last =
          b.Gauge("neo4j_agent_collector_last_success_timestamp_seconds",
                  "Unix time at which the latest successful run of a collector ended." + cadence);
      for (const auto& s : snapshots) {
        if (s->last_success) {
          last.Add({{"collector", s->collector}}, ToUnixSeconds(*s->last_success));
        }
      }
    }
  }
  if (!options_.collectors.empty()) {
    auto interval =
        b.Gauge("neo4j_agent_collector_interval_seconds",
                "Configured interval between the starts of two runs of a collector." + cadence);
    for (const auto& c : options_.collectors) {
      interval.Add({{"collector", c.name}}, c.interval_seconds);
    }
  }

  if (options_.member_status) {
    const std::vector<MemberStatus> members = options_.member_status();
    if (!members.empty()) {
      auto up = b.Gauge("neo4j_up",
                        "Whether the latest request from the agent to the Neo4j member "
                        "succeeded (1) or not (0).");
      for (const auto& m : members) {
        up.Add({{kClusterLabel, m.cluster}, {kMemberLabel, m.member}}, m.up ? 1 : 0);
      }
    }
    for (const auto& m : members) {
      if (m.version || m.edition || m.dialect || m.transport) {
        b.Gauge("neo4j_member_info",
                "Version, edition, cluster dialect (4 or 5) and Cypher transport (tx or "
                "query_api) of the Neo4j member, as discovered by the agent; constant 1.")
            .Add({{kClusterLabel, m.cluster},
                  {kMemberLabel, m.member},
                  {"version", m.version.value_or("")},
                  {"edition", m.edition.value_or("")},
                  {"dialect", m.dialect.value_or("")},
                  {"transport", m.transport.value_or("")}},
                 1);
      }
      for (const auto& [reason, n] : m.errors_by_reason) {
        b.Counter("neo4j_member_request_errors_total",
                  "Failed requests from the agent to the Neo4j member, by reason.")
            .Add({{kClusterLabel, m.cluster}, {kMemberLabel, m.member}, {"reason", reason}},
                 static_cast<double>(n));
      }
      if (m.last_success) {
        b.Gauge("neo4j_member_last_success_timestamp_seconds",
                "Unix time of the latest successful request from the agent to the Neo4j member.")
            .Add({{kClusterLabel, m.cluster}, {kMemberLabel, m.member}},
                 ToUnixSeconds(*m.last_success));
      }
    }
  }

  out = std::move(b).Build();
}

}  // namespace nca::exporter
