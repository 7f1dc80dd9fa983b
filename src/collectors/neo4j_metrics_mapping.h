// The pure mapping from Neo4j's own Prometheus names, which bake the database into the metric
// name, to stable names with the database as a label (docs/metrics.md, "Neo4j's own metrics").
//
// Neo4j's naming (../shared/reference/neo4j/INTERFACES.md §4.2; `metrics.prefix` /
// `server.metrics.prefix`, default `neo4j`):
//   5.x / 2025.x (always namespaced), 4.x with metrics.namespaces.enabled=true:
//     <prefix>_database_<db>_<metric>   and  <prefix>_dbms_<metric>
//   4.x with namespaces off (the 4.x default):
//     <prefix>_<db>_<metric>            and  <prefix>_<metric>
// where <db> is the database name with every character outside [a-zA-Z0-9_:] written as `_`.
// The mapped name is `neo4j_<metric>` (database metrics with a `database` label, global ones
// without), whatever the version, namespaces setting or prefix. The database is resolved against
// the database names the agent knows from Neo4j (SHOW DATABASES), longest match first, never by
// splitting at the first `_` (names may contain `_`, `.` and `-`). The dotted Dropwizard name in
// the HELP text (`metric=neo4j.database.<db>.transaction.committed`) is used where it decides
// what the Prometheus name cannot.
//
// Units: Neo4j's millisecond metrics become seconds (values / 1000; `..._latency_millis` summaries
// become `..._latency_seconds`, other millisecond metrics gain `_seconds`, before `_total` for
// counters). Counters keep `_total`; types are kept (a summary stays a summary; Neo4j writes no
// `_sum`, so the relayed summary has none either: `has_sum` is false).
//
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "neo4j/prom_text.h"

namespace nca::collectors {

struct Neo4jMetricsMappingOptions {
  std::string prefix = "neo4j";        // Neo4j's metrics.prefix / server.metrics.prefix
  std::vector<std::string> databases;  // database names as Neo4j reports them (unsanitized)
};

// One relayed series (labels exclude neo4j_cluster/member, which the collector adds).
struct RelayedSample {
  std::vector<std::pair<std::string, std::string>> labels;  // `database` first when present,
                                                            // then Neo4j's own (e.g. quantile)
  double value = 0;
};

// A relayed summary series: its quantiles and count (Neo4j's summaries have no `_sum`).
struct RelayedSummary {
  std::vector<std::pair<std::string, std::string>> labels;  // as RelayedSample, no quantile
  std::vector<std::pair<double, double>> quantiles;         // (quantile, value), ascending
  std::optional<double> count;
  std::optional<double> sum;  // only when Neo4j wrote one
};

struct RelayedFamily {
  std::string name;  // e.g. neo4j_transaction_committed_total
  std::string help;  // says what it is and where it comes from (Neo4j's name)
  neo4j::PromType type = neo4j::PromType::kUntyped;
  std::vector<RelayedSample> samples;     // counter, gauge, untyped
  std::vector<RelayedSummary> summaries;  // summary
  // Histograms: Neo4j writes none; a histogram family is relayed as its samples (bucket, sum,
  // count series with their own names) in `samples` of untyped families.
};

// Why a Neo4j family was not relayed.
enum class NotRelayedReason {
  kUnknownDatabase,  // namespaced database metric of a database the agent does not know
  kConflict,         // the mapped name is one of the agent's own series (see AgentOwnNames)
  kDuplicate,        // two Neo4j families map to one name and label set
};

struct MappingResult {
  std::vector<RelayedFamily> families;                  // in name order
  std::map<NotRelayedReason, std::size_t> not_relayed;  // series counts by reason
};

// Maps one scrape of a member. Pure: the same families and options give the same result.
MappingResult MapNeo4jMetrics(const std::vector<neo4j::PromFamily>& families,
                              const Neo4jMetricsMappingOptions& options);

// MapNeo4jMetrics that remembers, per set of options, how each Neo4j family maps (its relayed
// name, HELP, database and unit), so that every later scrape of a member, and of the other members
// with the same databases, maps only the samples: the names and HELP texts are the same on every
// scrape. The result equals MapNeo4jMetrics's. Bounded: at most kMaxOptionSets sets of options
// (the oldest is forgotten) and kMaxPlans families per set (all are forgotten when a new one would
// pass it).
//
// Not thread-safe: one collector run uses it at a time.
class Neo4jMetricsMapper {
 public:
  static constexpr std::size_t kMaxOptionSets = 8;
  static constexpr std::size_t kMaxPlans = 4096;

  Neo4jMetricsMapper();
  ~Neo4jMetricsMapper();
  Neo4jMetricsMapper(const Neo4jMetricsMapper&) = delete;
  Neo4jMetricsMapper& operator=(const Neo4jMetricsMapper&) = delete;

  MappingResult Map(const std::vector<neo4j::PromFamily>& families,
                    const Neo4jMetricsMappingOptions& options);

  // Families planned, over every set of options kept.
  std::size_t CachedPlans() const;

 private:
  struct OptionsCache;
  std::vector<std::unique_ptr<OptionsCache>> caches_;  // oldest first
};

// The names the agent exports itself (exact names, or prefixes ending in `_` for families such
// as neo4j_agent_*): a relayed family with such a name is dropped (kConflict), e.g. Neo4j 5.0's
// cluster.core.is_leader would map onto the agent's own neo4j_cluster_core_is_leader.
bool IsAgentOwnName(const std::string& name);

}  // namespace nca::collectors
