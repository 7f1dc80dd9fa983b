// nca_bench: the agent's benchmarks. Every row compares a candidate (the agent's code path) with a
// baseline (the library floor it is built on) measured side by side in the same process, and is
// meant to be read as a RATIO. Absolute times depend on the machine and its load and are printed
// only for orientation. Run through scripts/bench.sh; see bench/README.md.
//
//   render  WebApp::RenderMetrics()            vs prometheus::TextSerializer on the same families
//   scrape  HTTP GET /metrics over loopback    vs serialisation only (and vs RenderMetrics)
//   parse   ParseDbmsClusterStatus / ToDatabaseRows(ParseTxCommit(...)) vs nlohmann::json::parse
//   memory  peak RSS of holding the 10k-series snapshots (and of one render) vs exposition bytes
#include <curl/curl.h>
#include <malloc.h>
#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alerts/manager.h"
#include "common/clock.h"
#include "common/logging.h"
#include "exporter/snapshot_store.h"
#include "exporter/web_app.h"
#include "harness.h"
#include "neo4j/parsers.h"
#include "workloads.h"

namespace nca::bench {
namespace {

struct Options {
  HarnessOptions harness;
  std::string filter;  // substring of "group/name"; empty = all
};

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "nca_bench: FAILED: %s\n", message.c_str());
  std::fflush(stderr);
  std::_Exit(1);
}

bool Selected(const Options& o, const std::string& group, const std::string& name) {
  return o.filter.empty() || (group + "/" + name).find(o.filter) != std::string::npos;
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

// Sample lines (not comments) of an exposition text.
std::size_t CountSampleLines(std::string_view text) {
  std::size_t n = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    if (end > pos && text[pos] != '#') {
      ++n;
    }
    pos = end + 1;
  }
  return n;
}

// A constant process reading, to take /proc out of the measurement where that is the point.
exporter::ProcessStats FixedProcessStats() {
  exporter::ProcessStats s;
  s.cpu_seconds_total = 12.5;
  s.resident_memory_bytes = 3.1e7;
  s.virtual_memory_bytes = 2.9e8;
  s.start_time_seconds = 1.7e9;
  s.open_fds = 23;
  s.max_fds = 1048576;
  return s;
}

// One topology, published into a store and served by a WebApp (started on demand on loopback).
class Fixture {
 public:
  Fixture(const TopologySpec& spec, SystemTime now, bool fixed_process_stats) {
    Workload w = BuildWorkload(spec, now);
    name_ = spec.name;
    flat_ = FlattenFamilies(w.snapshots);
    snapshots_ = w.snapshots;
    collector_series_ = w.collector_series;
    members_ = std::move(w.members);
    exporter::WebAppOptions o;
    o.listen_address = "127.0.0.1:0";
    o.collectors = w.collectors;
    const std::vector<exporter::MemberStatus>* members = &members_;
    o.member_status = [members] { return *members; };
    if (fixed_process_stats) {
      o.process_stats = [] { return FixedProcessStats(); };
    }
    for (auto& s : w.snapshots) {
      store_.Publish(std::move(s));
    }
    app_ = std::make_unique<exporter::WebApp>(std::move(o), store_);
    const std::string text = app_->RenderMetrics();
    series_ = CountSampleLines(text);
    if (series_ < collector_series_) {
      Fail("render of " + name_ + " has " + std::to_string(series_) +
           " series, expected >= " + std::to_string(collector_series_));
    }
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

  const std::string& name() const { return name_; }
  const exporter::WebApp& app() const { return *app_; }
  const exporter::MetricSet& flat() const { return flat_; }
  // The collectors' snapshots as published (a copy; the store keeps only their renderings).
  const std::vector<exporter::CollectorSnapshot>& snapshots() const { return snapshots_; }
  std::size_t series() const { return series_; }
  std::size_t collector_series() const { return collector_series_; }

  int StartServer() {
    if (app_->Port() == 0) {
      Status st = app_->Start();
      if (!st) {
        Fail("cannot start WebApp: " + st.error().ToString());
      }
    }
    return app_->Port();
  }

 private:
  std::string name_;
  exporter::SnapshotStore store_;
  exporter::MetricSet flat_;
  std::vector<exporter::CollectorSnapshot> snapshots_;
  std::vector<exporter::MemberStatus> members_;
  std::unique_ptr<exporter::WebApp> app_;  // after store_ and members_: destroyed first
  std::size_t series_ = 0;
  std::size_t collector_series_ = 0;
};

// A reusable libcurl easy handle doing GETs into a buffer. Not thread-safe.
class HttpGetter {
 public:
  explicit HttpGetter(std::string url) : url_(std::move(url)), curl_(curl_easy_init()) {
    if (curl_ == nullptr) {
      Fail("curl_easy_init");
    }
    curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &HttpGetter::Write);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &body_);
  }
  ~HttpGetter() { curl_easy_cleanup(curl_); }
  HttpGetter(const HttpGetter&) = delete;
  HttpGetter& operator=(const HttpGetter&) = delete;

  // The body size; fails the run on any transport error or non-200 status.
  std::size_t Get() {
    body_.clear();
    CURLcode rc = curl_easy_perform(curl_);
    if (rc != CURLE_OK) {
      Fail("GET " + url_ + ": " + curl_easy_strerror(rc));
    }
    long status = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200 || body_.empty()) {
      Fail("GET " + url_ + ": status " + std::to_string(status));
    }
    return body_.size();
  }
  const std::string& body() const { return body_; }

 private:
  static std::size_t Write(char* data, std::size_t size, std::size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
  }
  std::string url_;
  CURL* curl_;
  std::string body_;
};

std::size_t Serialize(const exporter::MetricSet& families) {
  return prometheus::TextSerializer().Serialize(families).size();
}

// ---- memory ----------------------------------------------------------------------------------

void RunMemory(const TopologySpec& spec, SystemTime now, std::vector<Row>& rows) {
  const bool reset = ResetPeakRss();
  const auto rss0 = ReadVmRssBytes();
  const auto hwm0 = ReadVmHwmBytes();
  if (!rss0 || !hwm0) {
    std::printf("memory: /proc/self/status unreadable, skipped\n");
    return;
  }
  auto store = std::make_unique<exporter::SnapshotStore>();
  std::vector<exporter::MemberStatus> members;
  std::vector<exporter::CollectorInfo> collectors;
  std::size_t collector_series = 0;
  {
    Workload w = BuildWorkload(spec, now);
    collector_series = w.collector_series;
    members = std::move(w.members);
    collectors = std::move(w.collectors);
    for (auto& s : w.snapshots) {
      store->Publish(std::move(s));
    }
  }
  const uint64_t hwm_hold = ReadVmHwmBytes().value_or(0);
  malloc_trim(0);  // return the builders' freed temporaries, so RSS shows what is held
  const uint64_t rss_hold = ReadVmRssBytes().value_or(0);

  exporter::WebAppOptions o;
  o.collectors = collectors;
  o.member_status = [&members] { return members; };
  exporter::WebApp app(std::move(o), *store);
  std::size_t text_bytes = 0;
  {
    const std::string text = app.RenderMetrics();
    text_bytes = text.size();
  }
  malloc_trim(0);
  const bool reset_again = ResetPeakRss();
  const uint64_t rss_before_render = ReadVmRssBytes().value_or(0);
  std::size_t again = 0;
  {
    const std::string text = app.RenderMetrics();
    again = text.size();
  }
  const uint64_t hwm_render = ReadVmHwmBytes().value_or(0);
  if (again == 0 || text_bytes == 0) {
    Fail("empty render in memory benchmark");
  }

  const std::string series = "collector_series=" + std::to_string(collector_series);
  Row hold;
  hold.group = "memory";
  hold.name = "hold_snapshots_" + spec.name;
  hold.unit = "bytes";
  hold.candidate_median = static_cast<double>(hwm_hold - *hwm0);
  hold.baseline_median = static_cast<double>(text_bytes);
  hold.ratio = hold.candidate_median / hold.baseline_median;
  hold.notes = series + " VmHWM growth building+holding vs /metrics text bytes; RSS held " +
               FormatBytes(static_cast<double>(rss_hold > *rss0 ? rss_hold - *rss0 : 0)) + " (" +
               Fixed(static_cast<double>(rss_hold > *rss0 ? rss_hold - *rss0 : 0) /
                         static_cast<double>(text_bytes),
                     2) +
               "x)" + (reset ? "" : " [VmHWM reset unavailable]");
  rows.push_back(hold);

  Row render;
  render.group = "memory";
  render.name = "render_peak_" + spec.name;
  render.unit = "bytes";
  render.candidate_median =
      static_cast<double>(hwm_render > rss_before_render ? hwm_render - rss_before_render : 0);
  render.baseline_median = static_cast<double>(text_bytes);
  render.ratio = render.candidate_median / render.baseline_median;
  render.notes = series + " transient VmHWM growth of one RenderMetrics vs its text bytes" +
                 std::string(reset_again ? "" : " [VmHWM reset unavailable: not meaningful]");
  rows.push_back(render);
}

// ---- render / scrape -------------------------------------------------------------------------

std::string SeriesNotes(const Fixture& f, double candidate_ns, std::size_t bytes) {
  return "series=" + std::to_string(f.series()) + " bytes=" + std::to_string(bytes) +
         " ns/series=" + Fixed(candidate_ns / static_cast<double>(f.series()), 0);
}

void RunRender(const Options& o, Fixture& f, std::vector<Row>& rows) {
  const std::string name = f.name();
  if (!Selected(o, "render", name)) {
    return;
  }
  const exporter::WebApp& app = f.app();
  const exporter::MetricSet& flat = f.flat();
  const Comparison c = Compare([&app] { return app.RenderMetrics().size(); },
                               [&flat] { return Serialize(flat); }, o.harness);
  const std::size_t bytes = app.RenderMetrics().size();
  rows.push_back(
      TimeRow("render", name, c,
              SeriesNotes(f, c.candidate.median_ns, bytes) + " baseline_ns/series=" +
                  Fixed(c.baseline.median_ns / static_cast<double>(f.collector_series()), 0)));
}

// Publishing the collectors' snapshots (each rendered once there, on the collector's thread) vs
// serialising the same families; both sides copy the families first, as publishing consumes them.
void RunPublish(const Options& o, Fixture& f, std::vector<Row>& rows) {
  const std::string name = f.name();
  if (!Selected(o, "publish", name)) {
    return;
  }
  const std::vector<exporter::CollectorSnapshot>& snapshots = f.snapshots();
  const exporter::MetricSet& flat = f.flat();
  const Comparison c = Compare(
      [&snapshots] {
        exporter::SnapshotStore store;
        for (const exporter::CollectorSnapshot& s : snapshots) {
          store.Publish(s);
        }
        return store.Latest().size();
      },
      [&flat] {
        const exporter::MetricSet copy = flat;
        return Serialize(copy);
      },
      o.harness);
  rows.push_back(
      TimeRow("publish", name, c,
              "collector_series=" + std::to_string(f.collector_series()) + " ns/series=" +
                  Fixed(c.candidate.median_ns / static_cast<double>(f.collector_series()), 0)));
}

// RenderMetrics reading /proc (production) vs the same render with a constant process reading.
void RunProcfsCost(const Options& o, Fixture& real, Fixture& fixed, std::vector<Row>& rows) {
  const std::string name = real.name() + "_procfs";
  if (!Selected(o, "render", name)) {
    return;
  }
  const exporter::WebApp& a = real.app();
  const exporter::WebApp& b = fixed.app();
  const Comparison c = Compare([&a] { return a.RenderMetrics().size(); },
                               [&b] { return b.RenderMetrics().size(); }, o.harness);
  rows.push_back(TimeRow("render", name, c,
                         "process_* from /proc vs constant; delta/scrape=" +
                             FormatDuration(c.candidate.median_ns - c.baseline.median_ns)));
}

void RunScrape(const Options& o, Fixture& f, bool vs_render, std::vector<Row>& rows) {
  const std::string name = f.name() + (vs_render ? "_vs_render" : "");
  if (!Selected(o, "scrape", name)) {
    return;
  }
  const int port = f.StartServer();
  HttpGetter get("http://127.0.0.1:" + std::to_string(port) + "/metrics");
  const std::size_t bytes = get.Get();
  if (CountSampleLines(get.body()) != f.series()) {
    Fail("scrape of " + f.name() + " returned " + std::to_string(CountSampleLines(get.body())) +
         " series, expected " + std::to_string(f.series()));
  }
  const exporter::WebApp& app = f.app();
  const exporter::MetricSet& flat = f.flat();
  Comparison c;
  if (vs_render) {
    c = Compare([&get] { return get.Get(); }, [&app] { return app.RenderMetrics().size(); },
                o.harness);
  } else {
    c = Compare([&get] { return get.Get(); }, [&flat] { return Serialize(flat); }, o.harness);
  }
  rows.push_back(TimeRow("scrape", name, c,
                         SeriesNotes(f, c.candidate.median_ns, bytes) +
                             (vs_render ? " (HTTP cost: event server, loopback and curl, over RenderMetrics)" : "")));
}

// ---- parse -----------------------------------------------------------------------------------

std::string ThroughputNotes(std::size_t bytes, const Comparison& c, const std::string& extra) {
  auto mbps = [bytes](double ns) { return static_cast<double>(bytes) / (ns / 1e9) / 1e6; };
  return "body=" + std::to_string(bytes) + "B " + extra +
         " MB/s=" + Fixed(mbps(c.candidate.median_ns), 0) + " (json::parse " +
         Fixed(mbps(c.baseline.median_ns), 0) + ")";
}

void RunParse(const Options& o, std::vector<Row>& rows) {
  if (Selected(o, "parse", "show_databases_50x20") || Selected(o, "parse", "tx_commit_50x20")) {
    std::size_t expected_rows = 0;
    const std::string body = ShowDatabasesTxCommitBody(50, 20, &expected_rows);
    auto json_parse = [&body] { return nlohmann::json::parse(body).size(); };
    if (Selected(o, "parse", "show_databases_50x20")) {
      auto candidate = [&body, expected_rows] {
        auto rows_or = neo4j::ToDatabaseRows(neo4j::ParseTxCommit(body).value());
        if (!rows_or.ok() || rows_or->size() != expected_rows) {
          Fail("ToDatabaseRows(ParseTxCommit(...)) did not return every row");
        }
        return rows_or->size();
      };
      if (!neo4j::ParseTxCommit(body).ok()) {
        Fail("ParseTxCommit rejected the generated body");
      }
      const Comparison c = Compare(candidate, json_parse, o.harness);
      rows.push_back(
          TimeRow("parse", "show_databases_50x20", c,
                  ThroughputNotes(body.size(), c, "rows=" + std::to_string(expected_rows))));
    }
    if (Selected(o, "parse", "tx_commit_50x20")) {
      auto candidate = [&body] {
        auto r = neo4j::ParseTxCommit(body);
        if (!r.ok()) {
          Fail("ParseTxCommit rejected the generated body");
        }
        return r->rows.size();
      };
      const Comparison c = Compare(candidate, json_parse, o.harness);
      rows.push_back(
          TimeRow("parse", "tx_commit_50x20", c,
                  ThroughputNotes(body.size(), c, "(ParseTxCommit alone, no row mapping)")));
    }
  }
  if (Selected(o, "parse", "dbms_cluster_status_20db")) {
    const std::string body = DbmsClusterStatusBody(20, 5);
    auto candidate = [&body] {
      auto r = neo4j::ParseDbmsClusterStatus(body);
      if (!r.ok() || r->size() != 20) {
        Fail("ParseDbmsClusterStatus did not return 20 databases");
      }
      return r->size();
    };
    auto json_parse = [&body] { return nlohmann::json::parse(body).size(); };
    const Comparison c = Compare(candidate, json_parse, o.harness);
    rows.push_back(TimeRow("parse", "dbms_cluster_status_20db", c,
                           ThroughputNotes(body.size(), c, "databases=20 voters=5")));
  }
}

// ---- main ------------------------------------------------------------------------------------

// The local rule evaluation over one topology: feeding the history with the collectors'
// snapshots, and one evaluation of the shipped rules, both against serialising the same families
// (what one scrape costs); and the history's memory after the rules' full retention of 5-second
// snapshots against the size of one scrape's text.
void RunRules(const Options& o, const TopologySpec& spec, SystemTime now, std::vector<Row>& rows) {
  const bool ingest = Selected(o, "rules", "ingest_" + spec.name);
  const bool eval = Selected(o, "rules", "eval_shipped_" + spec.name);
  const bool memory = Selected(o, "memory", "rule_history_" + spec.name);
  if (!ingest && !eval && !memory) {
    return;
  }
  Workload w = BuildWorkload(spec, now);
  const exporter::MetricSet flat = FlattenFamilies(w.snapshots);
  ManualClock clock;
  auto created = alerts::RuleManager::Create({}, clock);  // the shipped rules
  if (!created.ok()) {
    Fail("cannot load the shipped rules: " + created.error().message);
  }
  alerts::RuleManager& m = **created;
  SystemTime t = now;
  auto feed = [&] {
    t += std::chrono::seconds(5);
    for (const auto& snap : w.snapshots) {
      m.Ingest(snap.collector, t, snap.metrics);
    }
    return m.history().SeriesCount();
  };
  const int64_t retention_steps = m.history().retention_ms() / 5000;
  for (int64_t i = 0; i < retention_steps; ++i) {
    feed();
  }
  const std::size_t text_bytes = Serialize(flat);
  if (memory) {
    Row r;
    r.group = "memory";
    r.name = "rule_history_" + spec.name;
    r.unit = "bytes";
    r.candidate_median = static_cast<double>(m.history().MemoryBytes());
    r.baseline_median = static_cast<double>(text_bytes);
    r.ratio = r.candidate_median / r.baseline_median;
    r.notes = std::to_string(m.history().SeriesCount()) + " series x " +
              std::to_string(retention_steps) + " samples, " +
              Fixed(r.candidate_median / static_cast<double>(m.history().SampleCount()), 1) +
              " B/sample";
    rows.push_back(r);
  }
  if (ingest) {
    const Comparison c = Compare(
        feed, [&flat] { return Serialize(flat); }, o.harness);
    rows.push_back(
        TimeRow("rules", "ingest_" + spec.name, c, "series=" + std::to_string(w.collector_series)));
  }
  if (eval) {
    const int64_t ts =
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    const Comparison c = Compare(
        [&m, ts] {
          m.EvaluateAt(ts);
          return m.Groups().size();
        },
        [&flat] { return Serialize(flat); }, o.harness);
    std::size_t rule_count = 0;
    for (const auto& g : m.Groups()) rule_count += g->def().rules.size();
    rows.push_back(TimeRow("rules", "eval_shipped_" + spec.name, c,
                           std::to_string(rule_count) + " rules over " +
                               std::to_string(m.history().SeriesCount()) + " series"));
  }
}

void PrintUsage() {
  std::printf(
      "usage: nca_bench [--quick] [--reps N] [--min-batch-ms MS] [--filter SUBSTRING]\n"
      "  --quick          fewer repetitions and shorter batches (smoke run, noisier)\n"
      "  --reps N         timed repetitions per side (default 31)\n"
      "  --min-batch-ms   minimum duration of one timed batch (default 20)\n"
      "  --filter S       only rows whose group/name contains S (e.g. render/, parse/, 10k)\n");
}

std::string ReadFirstLine(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

int Run(int argc, char** argv) {
  Options o;
  o.harness.repetitions = 31;
  o.harness.min_batch_seconds = 0.020;
  o.harness.warmup_seconds = 0.05;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        PrintUsage();
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--quick") {
      o.harness.repetitions = 7;
      o.harness.min_batch_seconds = 0.005;
      o.harness.warmup_seconds = 0.01;
    } else if (arg == "--reps") {
      o.harness.repetitions = std::max(1, std::atoi(next().c_str()));
    } else if (arg == "--min-batch-ms") {
      o.harness.min_batch_seconds = std::max(0.1, std::atof(next().c_str())) / 1000.0;
    } else if (arg == "--filter") {
      o.filter = next();
    } else if (arg == "-h" || arg == "--help") {
      PrintUsage();
      return 0;
    } else {
      PrintUsage();
      return 2;
    }
  }

  InitLogging(spdlog::level::warn, LogFormat::kLogfmt);
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    Fail("curl_global_init");
  }
  const auto started = std::chrono::steady_clock::now();
  const SystemTime now = RealClock().Now();

  const TopologySpec agent{"3x8x4", 3, 8, 4, 3};
  const TopologySpec one_k{"1k", 1, 9, 7, 3};
  const TopologySpec ten_k{"10k", 4, 12, 14, 3};

  std::printf(
      "nca_bench: %ld online CPUs, loadavg %s, %d repetitions per side, batches >= %.0f ms\n",
      sysconf(_SC_NPROCESSORS_ONLN), ReadFirstLine("/proc/loadavg").c_str(), o.harness.repetitions,
      o.harness.min_batch_seconds * 1000);
  std::printf(
      "ratio = candidate median / baseline median (lower is better for the candidate); "
      "paired p10-p90 = spread of per-repetition ratios\n");
  std::fflush(stdout);

  std::vector<Row> rows;
  // First, while the process is small: VmHWM deltas are only meaningful before other benchmarks
  // have raised the peak (and where /proc/self/clear_refs cannot reset it).
  if (Selected(o, "memory", "hold_snapshots_" + ten_k.name) ||
      Selected(o, "memory", "render_peak_" + ten_k.name)) {
    RunMemory(ten_k, now, rows);
  }

  std::vector<std::unique_ptr<Fixture>> fixtures;
  for (const TopologySpec& spec : {agent, one_k, ten_k}) {
    const bool needed = Selected(o, "render", spec.name) || Selected(o, "scrape", spec.name) ||
                        Selected(o, "publish", spec.name) ||
                        Selected(o, "render", spec.name + "_procfs") ||
                        Selected(o, "scrape", spec.name + "_vs_render");
    fixtures.push_back(needed ? std::make_unique<Fixture>(spec, now, false) : nullptr);
  }
  for (auto& f : fixtures) {
    if (f != nullptr) {
      RunPublish(o, *f, rows);
      RunRender(o, *f, rows);
    }
  }
  if (fixtures[0] != nullptr && Selected(o, "render", agent.name + "_procfs")) {
    Fixture fixed(agent, now, true);
    RunProcfsCost(o, *fixtures[0], fixed, rows);
  }
  for (auto& f : fixtures) {
    if (f != nullptr) {
      RunScrape(o, *f, false, rows);
    }
  }
  if (fixtures[0] != nullptr) {
    RunScrape(o, *fixtures[0], true, rows);
  }
  RunParse(o, rows);
  for (const TopologySpec& spec : {agent, ten_k}) {
    RunRules(o, spec, now, rows);
  }

  std::printf("\n");
  PrintTable(rows);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("\n%zu rows in %.1f s\n", rows.size(), seconds);
  fixtures.clear();
  curl_global_cleanup();
  return 0;
}

}  // namespace
}  // namespace nca::bench

int main(int argc, char** argv) { return nca::bench::Run(argc, argv); }
