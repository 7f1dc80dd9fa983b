#include "web_app_fixtures.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace nca::exporter::web_app_fixtures {

using std::chrono::seconds;

// --- HTTP client (loopback only) ---

// `request_headers` are sent as given ("Name: value"); curl does not decode what comes back.
Fetched Fetch(int port, const std::string& method, const std::string& path,
              const std::vector<std::string>& request_headers) {
  nca::testing::HttpRequest request;
  request.method = method;
  request.url = "http://127.0.0.1:" + std::to_string(port) + path;
  request.headers = request_headers;
  if (method == "POST") {
    request.body = "x=1";
  }
  nca::testing::HttpReply reply = nca::testing::HttpSend(request);
  Fetched out;
  out.ok = reply.curl_code == 0;
  out.status = reply.status;
  out.headers = std::move(reply.headers);
  out.body = std::move(reply.body);
  return out;
}

// --- exposition text helpers ---

// Sample lines: "name{labels}" -> value text.
std::map<std::string, std::string> Samples(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    auto sp = line.rfind(' ');
    out[line.substr(0, sp)] = line.substr(sp + 1);
  }
  return out;
}

// Family names in the order of their "# TYPE" lines.
std::vector<std::string> TypeOrder(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      out.push_back(line.substr(7, line.find(' ', 7) - 7));
    }
  }
  return out;
}

std::string LineStartingWith(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) {
      return line;
    }
  }
  return "";
}

// Sample lines of one family, in output order.
std::vector<std::string> SeriesOf(const std::string& text, const std::string& family) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(family + "{", 0) == 0 || line.rfind(family + " ", 0) == 0) {
      out.push_back(line);
    }
  }
  return out;
}

// --- fixtures ---

CollectorSnapshot Snap(const std::string& collector, MetricSet metrics, bool success,
                       double duration, int64_t finished_unix) {
  CollectorSnapshot s;
  s.collector = collector;
  s.metrics = std::move(metrics);
  s.success = success;
  s.duration_seconds = duration;
  s.finished_at = SystemTime(seconds(finished_unix));
  if (!success) {
    s.error = MakeError(ErrorKind::kTimeout, "no answer before the collection deadline");
  }
  return s;
}

ProcessStats FixedProcessStats() {
  ProcessStats p;
  p.cpu_seconds_total = 1.5;
  p.resident_memory_bytes = 1048576;
  p.virtual_memory_bytes = 4194304;
  p.start_time_seconds = 1699999000;
  p.open_fds = 12;
  p.max_fds = 1024;
  return p;
}

std::vector<MemberStatus> TwoMembers() {
  MemberStatus m1;
  m1.cluster = "prod";
  m1.member = "m1";
  m1.url = "http://10.0.0.1:7474";
  m1.up = true;
  m1.version = "5.26.0";
  m1.edition = "enterprise";
  m1.dialect = "5";
  m1.transport = "query_api";
  m1.errors_by_reason = {{"timeout", 3}, {"unauthorized", 1}};
  m1.last_success = SystemTime(seconds(1700000100));
  MemberStatus m2;
  m2.cluster = "prod";
  m2.member = "m2";
  m2.url = "http://10.0.0.2:7474";
  m2.up = false;
  return {m1, m2};
}

WebAppOptions BaseOptions() {
  WebAppOptions o;
  o.listen_address = "127.0.0.1:0";
  o.collectors = {{"failover", 5}, {"quorum", 5}, {"role", 5}};
  o.process_stats = [] { return FixedProcessStats(); };
  o.member_status = [] { return TwoMembers(); };
  o.volatile_max_age = std::chrono::milliseconds(0);  // deterministic: rendered at every scrape
  return o;
}

void PublishRepresentative(SnapshotStore& store) {
  MetricSetBuilder role;
  role.Gauge("neo4j_database_role", "Role of a database on a member (1 for the current role).")
      .Add({{"neo4j_cluster", "prod"}, {"member", "m2"}, {"database", "neo4j"}, {"role", "leader"}},
           1)
      .Add({{"neo4j_cluster", "prod"},
            {"member", "m1"},
            {"database", "neo4j"},
            {"role", "follower"}},
           1);
  store.Publish(Snap("role", std::move(role).Build(), true, 0.25, 1700000000));
  MetricSetBuilder quorum;
  quorum.Gauge("neo4j_quorum_voting_members", "Voting members seen.")
      .Add({{"neo4j_cluster", "prod"}, {"database", "neo4j"}}, 3);
  store.Publish(Snap("quorum", std::move(quorum).Build(), false, 4, 1700000005));
}

// The lint sample: a third collector with special values, escapes and a merged family.
void PublishLintSample(SnapshotStore& store) {
  MetricSetBuilder b;
  b.Counter("neo4j_cluster_leader_changes_total", "Leader changes seen by the agent.")
      .Add({{"neo4j_cluster", "prod"}, {"database", "neo4j"}}, 2);
  b.Gauge("neo4j_replication_lag_transactions",
          "Transactions a member is behind the leader.\n"
          "Second line with a \\ backslash.")
      .Add({{"neo4j_cluster", "prod"}, {"member", "m1"}, {"database", "neo4j"}}, 0)
      .Add({{"neo4j_cluster", "prod"}, {"member", "m2"}, {"database", "neo4j"}},
           std::numeric_limits<double>::quiet_NaN())
      .Add({{"neo4j_cluster", "prod"}, {"member", "m3\"x\\y\nz"}, {"database", "neo4j"}},
           std::numeric_limits<double>::infinity());
  // Same family as the role collector's: must come out merged.
  b.Gauge("neo4j_database_role", "Role of a database on a member (1 for the current role).")
      .Add({{"neo4j_cluster", "prod"}, {"member", "m3"}, {"database", "system"}, {"role", "x"}}, 1);
  store.Publish(Snap("failover", std::move(b).Build(), true, 0.001, 1700000010));
}

}  // namespace nca::exporter::web_app_fixtures
