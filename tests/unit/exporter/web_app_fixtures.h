// Shared by the WebApp tests (web_app_test.cc, web_app_cache_test.cc): a loopback HTTP client,
// helpers that read the exposition text, and the snapshots and options the suites start from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "exporter/metric_set.h"
#include "exporter/process_metrics.h"
#include "exporter/snapshot_store.h"
#include "exporter/web_app.h"
#include "support/http_fetch.h"

namespace nca::exporter::web_app_fixtures {

struct Fetched {
  bool ok = false;
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
};

// libcurl callbacks for the tests that drive an easy handle themselves (tests/support).
using nca::testing::AppendToString;
using nca::testing::RecordHeader;

// `request_headers` are sent as given ("Name: value"); curl does not decode what comes back.
Fetched Fetch(int port, const std::string& method, const std::string& path,
              const std::vector<std::string>& request_headers = {});

// Sample lines: "name{labels}" -> value text.
std::map<std::string, std::string> Samples(const std::string& text);

// Family names in the order of their "# TYPE" lines.
std::vector<std::string> TypeOrder(const std::string& text);

// The first line that starts with `prefix` ("" if none).
std::string LineStartingWith(const std::string& text, const std::string& prefix);

// Sample lines of one family, in output order.
std::vector<std::string> SeriesOf(const std::string& text, const std::string& family);

// A published collector run (a failed one carries a timeout error).
CollectorSnapshot Snap(const std::string& collector, MetricSet metrics, bool success,
                       double duration, int64_t finished_unix);

// Fixed process_* values, so that the output does not depend on this process.
ProcessStats FixedProcessStats();

// One member up (with errors and a last success) and one down, of cluster "prod".
std::vector<MemberStatus> TwoMembers();

// Loopback on a free port, three collectors, the two fixtures above, volatile families
// rendered at every scrape.
WebAppOptions BaseOptions();

// The role (successful) and quorum (failed) collectors' runs.
void PublishRepresentative(SnapshotStore& store);

// The lint sample: a third collector with special values, escapes and a merged family.
void PublishLintSample(SnapshotStore& store);

}  // namespace nca::exporter::web_app_fixtures
