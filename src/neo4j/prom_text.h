// A pure parser of the Prometheus text exposition format (version 0.0.4, as served by Neo4j's
// `server.metrics.prometheus.endpoint` / `metrics.prometheus.endpoint`), strict enough to reject
// what is not Prometheus text and lenient where real exporters are: the trailing `,` inside label
// sets that Neo4j's Dropwizard bridge writes (`{quantile="0.5",}`), Java doubles (`2.7036229E8`),
// `+Inf`/`-Inf`/`NaN`, summaries without `_sum`, optional timestamps, blank lines and comments.
// Reference: Prometheus "Exposition formats" (text format details: escaping in HELP is `\\` and
// `\n`, in label values `\\`, `\"` and `\n`). No I/O; thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace nca::neo4j {

enum class PromType { kUntyped, kCounter, kGauge, kSummary, kHistogram };

// "counter", "gauge", "summary", "histogram", "untyped".
std::string_view PromTypeName(PromType type);

struct PromSample {
  std::string name;  // as written, with its suffix (`_total`, `_count`, `_sum`, `_bucket`)
  std::vector<std::pair<std::string, std::string>> labels;  // in order, values unescaped
  double value = 0;
  std::optional<std::int64_t> timestamp_ms;
};

// One family: a `# TYPE` line (or a run of untyped samples of one name) and its samples. Samples
// of a summary `x` are `x{quantile=...}`, `x_sum`, `x_count`; of a histogram `x_bucket{le=...}`,
// `x_sum`, `x_count`. A sample is attached to the family whose TYPE/HELP precedes it when its
// name is the family's name or one of its suffixed names: (counter) `x_total`, as OpenMetrics
// writes it under `# TYPE x counter`; (summary, histogram) the names above. Otherwise it starts an
// untyped family of its own name.
struct PromFamily {
  std::string name;
  std::string help;  // unescaped; "" when there is no HELP line
  PromType type = PromType::kUntyped;
  std::vector<PromSample> samples;
};

struct PromParseLimits {
  std::size_t max_bytes = 16 * 1024 * 1024;  // the whole text
  std::size_t max_samples = 200000;
  std::size_t max_line_bytes = 64 * 1024;
  std::size_t max_labels_per_sample = 64;
};

// The families in the order of their first appearance. Errors (ErrorKind::kMalformed, or
// kTooLarge for a limit) name the 1-based line and what was expected, e.g.
// "line 12: expected '=' after label name \"quantile\"". A second TYPE or HELP line for a family,
// a TYPE after its samples, an invalid metric or label name, a duplicate label name in one sample,
// an unparseable value or timestamp, and a non-UTF-8 or NUL byte are errors. Input that contains
// no sample and no comment line (e.g. an HTML page) is an error too.
Result<std::vector<PromFamily>> ParsePromText(std::string_view text,
                                              const PromParseLimits& limits = {});

}  // namespace nca::neo4j
