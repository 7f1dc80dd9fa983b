#include "collectors/neo4j_metrics_mapping.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <iterator>
#include <memory>
#include <set>
#include <string_view>
#include <system_error>
#include <unordered_map>

namespace nca::collectors {
namespace {

using neo4j::PromFamily;
using neo4j::PromSample;
using neo4j::PromType;

// ---------------------------------------------------------------------------------------------
// Metric groups: the first word(s) of Neo4j's metric names after the prefix and the database or
// `dbms` segment, in Prometheus form. They tell a 4.x namespaces-off database metric
// (`neo4j_<db>_transaction_...`) from a global metric whose first word equals a database name
// (`neo4j_vm_heap_used` with a database named `vm`). Source: neo4j/docs-operations
// `modules/ROOT/pages/monitoring/metrics/reference.adoc` (commit 017f06ed; "By default, global
// metrics include: Bolt, Page cache, GC, Thread, Database operation, Web Server, JVM metrics";
// "database metrics include: Transaction, Checkpoint, Log rotation, Database data, Cypher,
// Clustering metrics") and ../shared/reference/neo4j/INTERFACES.md §4.2-4.3.

constexpr std::array<std::string_view, 9> kGlobalGroups = {
    "bolt",    "page_cache", "vm", "server", "dbms", "db_operation", "db_state", "routing",
    "network",  // 3.4 HA-era neo4j.network.* (payloads/prometheus-standalone-3.4.0-*.txt)
};

constexpr std::array<std::string_view, 12> kDatabaseGroups = {
    "transaction", "check_point", "log",   "ids_in_use",        "cypher",  "db_query",
    "store",       "pool",        "index", "causal_clustering", "cluster", "count",
};

// ---------------------------------------------------------------------------------------------
// Neo4j's millisecond metrics (metric name after the database/`dbms` segment, Prometheus form,
// without a counter's `_total`). `prefix` entries match any name starting with `stem`.
struct MillisEntry {
  std::string_view stem;
  bool prefix;
  std::string_view source;  // where the unit is documented
};

constexpr std::string_view kTxQueryTable =
    "../shared/reference/neo4j/tables/metrics-transaction-query-reference-2025x-docs.adoc.txt";
constexpr std::string_view kReferenceAdoc =
    "neo4j/docs-operations@017f06ed modules/ROOT/pages/monitoring/metrics/reference.adoc";

constexpr std::array<MillisEntry, 17> kMillisMetrics = {{
    // "Execution time in milliseconds of queries executed successfully. (histogram)"
    {"db_query_execution_latency_millis", false, kTxQueryTable},
    {"db_query_execution_parallel_latency_millis", false, kTxQueryTable},
    {"db_query_execution_pipelined_latency_millis", false, kTxQueryTable},
    {"db_query_execution_slotted_latency_millis", false, kTxQueryTable},
    // "The total time, in milliseconds, spent in rotating transaction logs so far. (counter)"
    {"log_rotation_total_time", false, kTxQueryTable},
    // "The duration, in milliseconds, of the last log rotation event. (gauge)"
    {"log_rotation_duration", false, kTxQueryTable},
    // "The time elapsed since the last message from a leader in milliseconds." (gauge)
    {"cluster_raft_last_leader_message", false,
     "../shared/reference/neo4j/tables/metrics-clustering-reference-2025x-docs.adoc.txt"},
    {"cluster_core_last_leader_message", false,
     "../shared/reference/neo4j/tables/metrics-clustering-reference-5.0-docs.adoc.txt"},
    {"causal_clustering_core_last_leader_message", false,
     "../shared/reference/neo4j/tables/metrics-clustering-reference-4.4-docs.adoc.txt"},
    // "The total time, in milliseconds, spent in checkpointing so far. (counter)"
    {"check_point_total_time", false, kReferenceAdoc},
    // "The duration, in milliseconds, of the last checkpoint event. (gauge)"
    {"check_point_duration", false, kReferenceAdoc},
    // "Number of millisecond checkpoint was paused by io limiter. (gauge)"
    {"check_point_limit_millis", false, kReferenceAdoc},
    // vm.gc.time.<gc>: "Accumulated garbage collection time in milliseconds. (counter)"
    {"vm_gc_time_", true, kReferenceAdoc},
    // "the total time in milliseconds that a Bolt message waits in the processing queue"
    {"bolt_accumulated_queue_time", false, kReferenceAdoc},
    // "The total amount of time in milliseconds that worker threads have been processing"
    {"bolt_accumulated_processing_time", false, kReferenceAdoc},
    // "The amount of time in milliseconds that worker threads spent bound to a given connection."
    {"bolt_worker_thread_bound_time", false, kReferenceAdoc},
    // "The total number of millis page cache flush IO limiter was throttled" (counter)
    {"page_cache_throttled_millis", false, kReferenceAdoc},
}};
// Not converted, on purpose: cypher.replan_wait_time ("The total number of seconds waited
// between query replans", reference.adoc), vm.pause_time and *.message_processing_delay (no unit
// documented), and Dropwizard Timers such as message_processing_timer (the Prometheus Dropwizard
// bridge already exports timers in seconds).

// ---------------------------------------------------------------------------------------------
// The agent's own names (docs/metrics.md and src/collectors/*.cc): exact names, and prefixes
// for families the agent owns as a whole. `neo4j_cluster_` is NOT an owned prefix: Neo4j 5.x's
// neo4j_cluster_raft_* relay as they are; only the agent's four neo4j_cluster_* names conflict.
constexpr std::array<std::string_view, 5> kAgentExactNames = {
    "neo4j_up",
    "neo4j_cluster_core_is_leader",
    "neo4j_cluster_leader_info",
    "neo4j_cluster_member_available",
    "neo4j_cluster_servers",
};

constexpr std::array<std::string_view, 10> kAgentPrefixes = {
    "neo4j_agent_",      "neo4j_member_",  "neo4j_quorum_", "neo4j_replication_lag_",
    "neo4j_failover_",   "neo4j_zone_",    "neo4j_zones_",  "neo4j_cross_cluster_",
    "neo4j_kubernetes_", "neo4j_metrics_",
};

// Labels the collector adds itself; a Neo4j label of that name is kept as `exported_<name>`.
constexpr std::array<std::string_view, 3> kReservedLabels = {"neo4j_cluster", "member", "database"};

bool StartsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(0, p.size()) == p;
}

bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Every character outside [a-zA-Z0-9_:] becomes `_` (Neo4j's Prometheus name sanitising).
std::string SanitizeName(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == ':';
    if (!ok) {
      c = '_';
    }
  }
  return out;
}

// `neo4j.database.neo4j.transaction.committed` from Neo4j's HELP text
// "Generated from Dropwizard metric import (metric=<dotted>, type=<class>)".
std::string DottedNameFromHelp(std::string_view help) {
  const std::size_t start = help.find("metric=");
  if (start == std::string_view::npos) {
    return "";
  }
  const std::size_t from = start + 7;
  std::size_t end = help.find(", type=", from);
  if (end == std::string_view::npos) {
    end = help.rfind(')');
    if (end == std::string_view::npos || end < from) {
      return "";
    }
  }
  return std::string(help.substr(from, end - from));
}

struct Database {
  std::string raw;        // as Neo4j reports it, e.g. foo.bar
  std::string sanitized;  // as it appears in Prometheus names, e.g. foo_bar
};

// A Prometheus family name, optionally aligned with Neo4j's dotted name from the HELP text
// (sanitising maps one character to one, so offsets agree). Where the dotted name is known, only
// its dots are word boundaries: `page_cache` is one word, `foo.bar` tells `foo_bar` apart.
class NameView {
 public:
  NameView(std::string_view prom, std::string dotted) : prom_(prom), dotted_(std::move(dotted)) {
    const std::string sanitized = SanitizeName(dotted_);
    if (!(sanitized == prom_ || sanitized + "_total" == prom_)) {
      dotted_.clear();  // absent or not this family's name: decide from the Prometheus name
    }
  }

  std::string_view prom() const { return prom_; }
  const std::string& dotted() const { return dotted_; }

  bool IsBoundary(std::size_t pos) const {
    if (pos >= prom_.size() || prom_[pos] != '_') {
      return false;
    }
    return dotted_.empty() || pos >= dotted_.size() || dotted_[pos] == '.';
  }

  // `sanitized` (raw form `raw` in the dotted name) at `pos`, followed by a boundary and more.
  bool WordAt(std::size_t pos, std::string_view sanitized, std::string_view raw) const {
    if (sanitized.empty() || prom_.substr(pos, sanitized.size()) != sanitized ||
        !IsBoundary(pos + sanitized.size()) || pos + sanitized.size() + 1 >= prom_.size()) {
      return false;
    }
    if (!dotted_.empty() && pos + raw.size() <= dotted_.size() &&
        dotted_.substr(pos, raw.size()) != raw) {
      return false;
    }
    return true;
  }

  // Whether the word(s) at `pos` are one of `groups` (followed by a boundary or the end).
  template <std::size_t N>
  bool GroupAt(std::size_t pos, const std::array<std::string_view, N>& groups) const {
    for (std::string_view g : groups) {
      if (prom_.substr(pos, g.size()) == g &&
          (pos + g.size() == prom_.size() || IsBoundary(pos + g.size()))) {
        return true;
      }
    }
    return false;
  }

 private:
  std::string_view prom_;
  std::string dotted_;
};

struct Resolved {
  bool unknown_database = false;
  const Database* database = nullptr;
  std::string metric;  // Prometheus form, after the prefix and database/dbms segment
  std::string origin;  // Neo4j's name for the help text, the database written as <db>
};

// The database whose name starts at `pos`, longest first; a match followed by a database metric
// group wins over one that is not. In namespaces-off form (`ns_off`), a match is skipped when
// what follows is no database metric but the whole remainder is a global metric.
const Database* MatchDatabase(const NameView& view, std::size_t pos,
                              const std::vector<Database>& databases, bool ns_off) {
  const Database* fallback = nullptr;
  for (const Database& db : databases) {
    if (!view.WordAt(pos, db.sanitized, db.raw)) {
      continue;
    }
    const std::size_t metric_pos = pos + db.sanitized.size() + 1;
    const bool database_metric = view.GroupAt(metric_pos, kDatabaseGroups);
    if (database_metric) {
      return &db;
    }
    if (ns_off && view.GroupAt(pos, kGlobalGroups)) {
      continue;
    }
    if (fallback == nullptr) {
      fallback = &db;
    }
  }
  return fallback;
}

// Replaces [pos, pos + len) of Neo4j's name (dotted when known) with `<db>`.
std::string OriginWithDbPlaceholder(const NameView& view, std::size_t pos, std::size_t len,
                                    std::size_t raw_len) {
  if (!view.dotted().empty()) {
    std::string out = view.dotted();
    return out.replace(pos, raw_len, "<db>");
  }
  std::string out(view.prom());
  return out.replace(pos, len, "<db>");
}

Resolved Resolve(const NameView& view, std::string_view prefix_raw,
                 std::string_view prefix_sanitized, const std::vector<Database>& databases) {
  Resolved r;
  const std::string_view prom = view.prom();
  std::string origin = view.dotted().empty() ? std::string(prom) : view.dotted();
  if (!view.WordAt(0, prefix_sanitized, prefix_raw)) {
    // No prefix: Neo4j 3.x JVM metrics (`vm_*`). Global.
    r.metric = std::string(prom);
    r.origin = origin;
    return r;
  }
  const std::size_t pos = prefix_sanitized.size() + 1;
  auto as_database = [&](const Database* db, std::size_t db_pos) {
    r.database = db;
    r.metric = std::string(prom.substr(db_pos + db->sanitized.size() + 1));
    r.origin = OriginWithDbPlaceholder(view, db_pos, db->sanitized.size(), db->raw.size());
  };
  // 5.x / 2025.x, and 4.x with metrics.namespaces.enabled: <prefix>_database_<db>_<metric>.
  const bool namespaced = view.WordAt(pos, "database", "database");
  if (namespaced) {
    if (const Database* db = MatchDatabase(view, pos + 9, databases, false)) {
      as_database(db, pos + 9);
      return r;
    }
  }
  // 4.x with namespaces off: <prefix>_<db>_<metric>.
  if (const Database* db = MatchDatabase(view, pos, databases, true)) {
    as_database(db, pos);
    return r;
  }
  if (namespaced) {
    r.unknown_database = true;
    return r;
  }
  // Global, namespaced: <prefix>_dbms_<metric> (4.4 writes neo4j.dbms.pool.* even with
  // namespaces off; both become pool_*).
  if (view.WordAt(pos, "dbms", "dbms")) {
    r.metric = std::string(prom.substr(pos + 5));
    r.origin = origin;
    return r;
  }
  // 4.x namespaces off, a database the agent does not know: an unrecognised first word followed
  // later by a database metric group (neo4j_newdb_transaction_committed_total).
  if (!view.GroupAt(pos, kGlobalGroups) && !view.GroupAt(pos, kDatabaseGroups)) {
    for (std::size_t q = pos + 1; q < prom.size(); ++q) {
      if (view.IsBoundary(q) && view.GroupAt(q + 1, kDatabaseGroups)) {
        r.unknown_database = true;
        return r;
      }
    }
  }
  r.metric = std::string(prom.substr(pos));
  r.origin = origin;
  return r;
}

// `neo4j.database.<db>.pool.transaction.neo4j.used_heap` -> `....pool.transaction.<db>.used_heap`
// (or the same in Prometheus form when there is no dotted name).
std::string PoolOriginWithDbPlaceholder(std::string origin, const Database& db) {
  for (const char sep : {'.', '_'}) {
    const std::string pool = std::string(1, sep) + "pool" + sep;
    const std::size_t at = origin.find(pool);
    if (at == std::string::npos) {
      continue;
    }
    const std::size_t word_end = origin.find(sep, at + pool.size());
    if (word_end == std::string::npos) {
      continue;
    }
    for (const std::string& name : {db.raw, db.sanitized}) {
      if (origin.compare(word_end + 1, name.size(), name) == 0 &&
          origin.size() > word_end + 1 + name.size() && origin[word_end + 1 + name.size()] == sep) {
        return origin.replace(word_end + 1, name.size(), "<db>");
      }
    }
  }
  return origin;
}

// Gauges whose Neo4j names end in a suffix Prometheus reserves (`_total` for counters, `_count`
// and `_sum` for summaries and histograms, `_bucket` for histograms): `promtool check metrics`
// rejects them, and PromQL users would take them for what the suffix promises. Known ones get a
// name that says what they are (meanings from Neo4j's metrics reference, reference.adoc: "The
// total size of the database and transaction logs" in bytes, "The current number of open file
// descriptors", "Estimated number of active threads in the current thread group", "The total
// number of live threads including daemon and non-daemon threads"); any other gets `_value`.
struct Rename {
  std::string_view from;
  std::string_view to;
};
constexpr Rename kGaugeRenames[] = {
    {"store_size_total", "store_size_total_bytes"},
    {"store_size_database", "store_size_database_bytes"},
    {"vm_file_descriptors_count", "vm_file_descriptors_open"},
    {"vm_thread_count", "vm_threads_active"},
    {"vm_thread_total", "vm_threads_live"},
};

// Renames `stem` in place when it needs it; whether it did.
bool RenameReservedSuffix(std::string& stem) {
  for (const Rename& r : kGaugeRenames) {
    if (stem == r.from) {
      stem = std::string(r.to);
      return true;
    }
  }
  for (std::string_view suffix : {"_total", "_count", "_sum", "_bucket"}) {
    if (EndsWith(stem, suffix)) {
      stem += "_value";
      return true;
    }
  }
  return false;
}

const MillisEntry* FindMillis(std::string_view stem) {
  for (const MillisEntry& e : kMillisMetrics) {
    if (e.prefix ? StartsWith(stem, e.stem) : stem == e.stem) {
      return &e;
    }
  }
  return nullptr;
}

std::optional<double> ParseDouble(std::string_view s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

std::string FormatBound(double v) {
  std::array<char, 64> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  if (ec != std::errc()) {
    return "NaN";
  }
  return std::string(buf.data(), end);
}

using Labels = std::vector<std::pair<std::string, std::string>>;

std::string LabelKey(const Labels& labels) {
  std::string key;
  for (const auto& [k, v] : labels) {
    key += k;
    key += '\x1f';
    key += v;
    key += '\x1e';
  }
  return key;
}

// The relayed labels of `sample`: `database` first, then Neo4j's own minus `skip`.
Labels RelayLabels(const Database* db, const PromSample& sample, std::string_view skip,
                   bool scale_le) {
  Labels out;
  if (db != nullptr) {
    out.emplace_back("database", db->raw);
  }
  for (const auto& [k, v] : sample.labels) {
    if (k == skip) {
      continue;
    }
    std::string name = k;
    if (std::find(kReservedLabels.begin(), kReservedLabels.end(), k) != kReservedLabels.end()) {
      name = "exported_" + k;
    }
    std::string value = v;
    if (scale_le && k == "le") {
      if (const auto bound = ParseDouble(v)) {
        value = FormatBound(*bound / 1000);
      }
    }
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

struct Builder {
  std::map<std::string, RelayedFamily> families;
  std::map<std::string, std::set<std::string>> keys;  // relayed label sets per family
  std::map<NotRelayedReason, std::size_t> not_relayed;

  void Count(NotRelayedReason reason, std::size_t n) {
    if (n > 0) {
      not_relayed[reason] += n;
    }
  }

  // The family `name`, created with `type` and `help`; nullptr when it exists with another type.
  RelayedFamily* Family(const std::string& name, PromType type, const std::string& help) {
    auto [it, inserted] = families.try_emplace(name);
    if (inserted) {
      it->second.name = name;
      it->second.type = type;
      it->second.help = help;
    } else if (it->second.type != type) {
      return nullptr;
    }
    return &it->second;
  }

  // Claims (family, labels); false when it is taken (a duplicate).
  bool Claim(const std::string& name, const Labels& labels) {
    return keys[name].insert(LabelKey(labels)).second;
  }
};

void RelaySummary(Builder& b, const PromFamily& family, const std::string& name,
                  const std::string& help, const Database* db, double scale) {
  if (IsAgentOwnName(name) || IsAgentOwnName(name + "_count") || IsAgentOwnName(name + "_sum")) {
    b.Count(NotRelayedReason::kConflict, family.samples.size());
    return;
  }
  RelayedFamily* target = b.Family(name, PromType::kSummary, help);
  if (target == nullptr) {
    b.Count(NotRelayedReason::kDuplicate, family.samples.size());
    return;
  }
  // Group by label set (without quantile), in order of appearance.
  std::vector<std::pair<RelayedSummary, std::size_t>> groups;  // summary, source series
  std::map<std::string, std::size_t> index;
  for (const PromSample& s : family.samples) {
    const bool is_count = s.name == family.name + "_count";
    const bool is_sum = s.name == family.name + "_sum";
    std::optional<double> quantile;
    if (!is_count && !is_sum) {
      for (const auto& [k, v] : s.labels) {
        if (k == "quantile") {
          quantile = ParseDouble(v);
        }
      }
      if (!quantile) {
        continue;  // not a summary series (no or unparseable quantile): nothing to relay
      }
    }
    Labels labels = RelayLabels(db, s, "quantile", false);
    const std::string key = LabelKey(labels);
    auto [it, inserted] = index.try_emplace(key, groups.size());
    if (inserted) {
      groups.emplace_back();
      groups.back().first.labels = std::move(labels);
    }
    auto& [summary, series] = groups[it->second];
    ++series;
    if (is_count) {
      summary.count = s.value;
    } else if (is_sum) {
      summary.sum = s.value / scale;
    } else {
      summary.quantiles.emplace_back(*quantile, s.value / scale);
    }
  }
  for (auto& [summary, series] : groups) {
    if (!b.Claim(name, summary.labels)) {
      b.Count(NotRelayedReason::kDuplicate, series);
      continue;
    }
    std::sort(summary.quantiles.begin(), summary.quantiles.end());
    target->summaries.push_back(std::move(summary));
  }
}

void RelaySamples(Builder& b, const PromFamily& family, const std::string& source_name,
                  const std::string& name, const std::string& help, const Database* db,
                  double scale) {
  const bool histogram = family.type == PromType::kHistogram;
  for (const PromSample& s : family.samples) {
    std::string series_name = name;
    PromType type = family.type;
    bool scale_value = scale != 1;
    if (histogram) {
      // Relayed as untyped families per suffix; only `_count` keeps its value.
      type = PromType::kUntyped;
      const std::string_view suffix = std::string_view(s.name).substr(source_name.size());
      series_name = name + std::string(suffix);
      scale_value = scale != 1 && suffix != "_count" && suffix != "_bucket";
    }
    if (IsAgentOwnName(series_name)) {
      b.Count(NotRelayedReason::kConflict, 1);
      continue;
    }
    RelayedFamily* target = b.Family(series_name, type, help);
    Labels labels = RelayLabels(db, s, "", histogram && scale != 1);
    if (target == nullptr || !b.Claim(series_name, labels)) {
      b.Count(NotRelayedReason::kDuplicate, 1);
      continue;
    }
    target->samples.push_back(
        RelayedSample{std::move(labels), scale_value ? s.value / scale : s.value});
  }
}

}  // namespace

bool IsAgentOwnName(const std::string& name) {
  for (std::string_view exact : kAgentExactNames) {
    if (name == exact) {
      return true;
    }
  }
  for (std::string_view prefix : kAgentPrefixes) {
    if (StartsWith(name, prefix)) {
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Neo4jMetricsMapper

namespace {

// How one Neo4j family is relayed, decided from its name, type, HELP and the first sample's name
// (a counter's `_total`) under one set of options; the samples are mapped with it on every scrape.
struct FamilyPlan {
  // What the plan was made for: a family of the same name with another type or HELP is planned
  // again.
  PromType type = PromType::kUntyped;
  std::string help_in;
  bool first_sample_total = false;

  bool unknown_database = false;
  std::string source_name;             // the family's name, or name + "_total" (see MakePlan)
  std::string name;                    // relayed name
  std::string help;                    // relayed HELP
  const Database* database = nullptr;  // into the OptionsCache's databases
  double scale = 1;                    // 1000 for milliseconds converted to seconds
};

bool FirstSampleIsTotal(const PromFamily& family) {
  return family.type == PromType::kCounter && !family.samples.empty() &&
         family.samples.front().name.size() == family.name.size() + 6 &&
         StartsWith(family.samples.front().name, family.name) &&
         EndsWith(family.samples.front().name, "_total");
}

}  // namespace

// Plans made under one set of options (prefix and databases).
struct Neo4jMetricsMapper::OptionsCache {
  std::string prefix_raw;
  std::vector<std::string> databases_in;  // the options' list, as given (the cache key)
  std::string prefix_sanitized;
  std::vector<Database> databases;                    // longest first; plans point into it
  std::unordered_map<std::string, FamilyPlan> plans;  // by Neo4j family name

  explicit OptionsCache(const Neo4jMetricsMappingOptions& options)
      : prefix_raw(options.prefix.empty() ? "neo4j" : options.prefix),
        databases_in(options.databases),
        prefix_sanitized(SanitizeName(prefix_raw)) {
    databases.reserve(options.databases.size());
    for (const std::string& raw : options.databases) {
      if (!raw.empty()) {
        databases.push_back(Database{raw, SanitizeName(raw)});
      }
    }
    // Longest first; ties in a fixed order so the result does not depend on the input order.
    std::sort(databases.begin(), databases.end(), [](const Database& a, const Database& c) {
      if (a.sanitized.size() != c.sanitized.size()) {
        return a.sanitized.size() > c.sanitized.size();
      }
      return a.raw < c.raw;
    });
  }

  bool Matches(const Neo4jMetricsMappingOptions& options) const {
    return prefix_raw == (options.prefix.empty() ? "neo4j" : options.prefix) &&
           databases_in == options.databases;
  }

  FamilyPlan MakePlan(const PromFamily& family, bool first_sample_total) const {
    FamilyPlan plan;
    plan.type = family.type;
    plan.help_in = family.help;
    plan.first_sample_total = first_sample_total;
    plan.source_name = family.name;
    if (family.type == PromType::kCounter && !EndsWith(plan.source_name, "_total") &&
        first_sample_total) {
      plan.source_name += "_total";  // `# TYPE x counter` followed by `x_total`
    }
    const NameView view(plan.source_name, DottedNameFromHelp(family.help));
    const Resolved r = Resolve(view, prefix_raw, prefix_sanitized, databases);
    if (r.unknown_database) {
      plan.unknown_database = true;
      return plan;
    }
    plan.database = r.database;
    std::string metric = r.metric;
    std::string origin = r.origin;
    if (r.database != nullptr && StartsWith(metric, "pool_")) {
      // Database memory pools repeat the database: pool.<pool>.<db>.<stat>
      // (reference.adoc "Database neo4j pools metrics"); drop the repetition.
      const std::size_t word_end = metric.find('_', 5);
      const std::string& s = r.database->sanitized;
      if (word_end != std::string::npos && metric.compare(word_end + 1, s.size(), s) == 0 &&
          metric.size() > word_end + 1 + s.size() && metric[word_end + 1 + s.size()] == '_') {
        metric.erase(word_end, s.size() + 1);
        origin = PoolOriginWithDbPlaceholder(origin, *r.database);
      }
    }
    const bool counter_total = family.type == PromType::kCounter && EndsWith(metric, "_total");
    std::string stem = counter_total ? metric.substr(0, metric.size() - 6) : metric;
    const MillisEntry* millis = FindMillis(stem);
    if (millis != nullptr) {
      if (EndsWith(stem, "_millis")) {
        stem.replace(stem.size() - 7, 7, "_seconds");
      } else {
        stem += "_seconds";
      }
    }
    bool renamed = false;
    if (family.type == PromType::kGauge) {  // Neo4j types every family it writes
      renamed = RenameReservedSuffix(stem);
    }
    plan.name = "neo4j_" + stem + (counter_total ? "_total" : "");
    plan.help = "Neo4j metric " + origin + " (" + std::string(neo4j::PromTypeName(family.type)) +
                "), relayed by neo4j-cluster-agent" +
                (r.database != nullptr ? " with the database as a label." : ".");
    if (millis != nullptr) {
      plan.help += " Converted from milliseconds to seconds.";
    }
    if (renamed) {
      plan.help +=
          " Renamed: Prometheus reserves its suffix for counters, summaries and histograms.";
    }
    plan.scale = millis != nullptr ? 1000.0 : 1.0;
    return plan;
  }

  // The family's plan, made now unless one made for the same type, HELP and first sample exists.
  const FamilyPlan& PlanFor(const PromFamily& family) {
    const bool first_sample_total = FirstSampleIsTotal(family);
    auto it = plans.find(family.name);
    if (it != plans.end() && it->second.type == family.type &&
        it->second.first_sample_total == first_sample_total && it->second.help_in == family.help) {
      return it->second;
    }
    if (it == plans.end() && plans.size() >= kMaxPlans) {
      plans.clear();  // a member writing ever new names: start over rather than grow
    }
    FamilyPlan plan = MakePlan(family, first_sample_total);
    return plans.insert_or_assign(family.name, std::move(plan)).first->second;
  }
};

Neo4jMetricsMapper::Neo4jMetricsMapper() = default;
Neo4jMetricsMapper::~Neo4jMetricsMapper() = default;

std::size_t Neo4jMetricsMapper::CachedPlans() const {
  std::size_t n = 0;
  for (const auto& c : caches_) {
    n += c->plans.size();
  }
  return n;
}

MappingResult Neo4jMetricsMapper::Map(const std::vector<neo4j::PromFamily>& families,
                                      const Neo4jMetricsMappingOptions& options) {
  auto cache = std::find_if(caches_.begin(), caches_.end(),
                            [&options](const auto& c) { return c->Matches(options); });
  if (cache == caches_.end()) {
    if (caches_.size() >= kMaxOptionSets) {
      caches_.erase(caches_.begin());  // the oldest set of options
    }
    caches_.push_back(std::make_unique<OptionsCache>(options));
    cache = std::prev(caches_.end());
  }
  OptionsCache& plans = **cache;

  Builder b;
  for (const PromFamily& family : families) {
    if (family.samples.empty()) {
      continue;
    }
    const FamilyPlan& plan = plans.PlanFor(family);
    if (plan.unknown_database) {
      b.Count(NotRelayedReason::kUnknownDatabase, family.samples.size());
      continue;
    }
    if (family.type == PromType::kSummary) {
      RelaySummary(b, family, plan.name, plan.help, plan.database, plan.scale);
    } else {
      RelaySamples(b, family, plan.source_name, plan.name, plan.help, plan.database, plan.scale);
    }
  }

  MappingResult result;
  result.families.reserve(b.families.size());
  for (auto& [name, family] : b.families) {
    if (family.samples.empty() && family.summaries.empty()) {
      continue;
    }
    std::sort(family.samples.begin(), family.samples.end(),
              [](const RelayedSample& x, const RelayedSample& y) { return x.labels < y.labels; });
    std::sort(family.summaries.begin(), family.summaries.end(),
              [](const RelayedSummary& x, const RelayedSummary& y) { return x.labels < y.labels; });
    result.families.push_back(std::move(family));
  }
  result.not_relayed = std::move(b.not_relayed);
  return result;
}

MappingResult MapNeo4jMetrics(const std::vector<neo4j::PromFamily>& families,
                              const Neo4jMetricsMappingOptions& options) {
  return Neo4jMetricsMapper().Map(families, options);
}

}  // namespace nca::collectors
