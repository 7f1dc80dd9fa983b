// The fault matrix end to end (docs/fault-matrix.md, rows 3, 5, 7 and 9-16): the real agent
// binary against the simulator, with every fault active at once in one shared set-up. Starting
// an agent and letting it converge is what an e2e test costs, and ctest runs every TEST in a
// process of its own (gtest_discover_tests), so a suite fixture would not share anything: the
// faults share one TEST instead, each on its own member, cluster, Kubernetes phase or
// Alertmanager so that none masks another, each checked by its own function below.
//
// For every fault the test asserts (a) what the agent reports (the `reason` series, neo4j_up,
// collector success, the log line), (b) that every scrape made while it was active answered in
// under kScrapeBound (the agent never waits on the member; the bound is generous for the
// sanitizer build), and (c) that the other members kept being collected (their applied index
// keeps growing on /metrics).
//
// Faults: member slow, within the collector timeout and between the collector timeout (900 ms)
// and the request timeout (2 s); 429 (answer_mode http429); 503 + Retry-After (http503);
// truncated body (answer_mode truncated); a 100 MiB body at the default 8 MiB cap, with the
// agent's peak RSS; https:// to a plain-HTTP member; a member host name that cannot be resolved;
// the Kubernetes service-account token rotated (kube_token); the Kubernetes API down
// (kube_api_down); one Alertmanager refusing connections and one answering after
// --alertmanager.timeout.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "net/http_server.h"
#include "support/http_fetch.h"
#include "support/process.h"

namespace nca::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;
using Labels = std::map<std::string, std::string>;

constexpr auto kConverge = seconds(40);
// Every scrape made while a fault is active must answer within this (the agent serves snapshots;
// a scrape that waited on a member would take the request timeout, 2 s).
constexpr double kScrapeBound = 1.0;

// Collector timeout 900 ms and request timeout 2 s (harness.cc): slow-1 answers both stages well
// within the collector timeout; slow-2 after the collector gave up on a request it issued (load
// only makes that later) and 800 ms before the request would time out.
constexpr char kSlowInTime[] = "200ms";
constexpr char kSlowInWindow[] = "1200ms";

// neo4j_metrics is off (the faults are on the HTTP API) and so are the cross-cluster links.
// `found` is configured nowhere: the agent finds found-1 by node-local discovery.
constexpr char kTopology[] = R"(
simulator: {seed: 13, links: false, member_threads: 16, kube_token: faults-token-1}
clusters:
  - name: steady
    version: 5.26.0
    credentials: {username: neo4j, password: faults-e2e}
    election_timeout: 1s
    apply_lag: 0ms
    tx_rate: 20
    zones: [zone-a, zone-b, zone-c]
    neo4j_metrics: {enabled: false}
    members: [steady-1, steady-2, steady-3]
  - name: slow
    version: 4.4.26
    credentials: {username: neo4j, password: faults-e2e}
    election_timeout: 1s
    apply_lag: 0ms
    tx_rate: 20
    neo4j_metrics: {enabled: false}
    members: [slow-1, slow-2, slow-3]
  - name: faulty
    version: 5.26.0
    credentials: {username: neo4j, password: faults-e2e}
    election_timeout: 1s
    neo4j_metrics: {enabled: false}
    members:
      - {name: rate-limited, mode: primary}
      - {name: unavailable, mode: primary}
      - {name: truncated, mode: primary}
      - {name: huge, mode: secondary}
      - {name: tls-mismatch, mode: secondary}
      - {name: dns-failure, mode: secondary}
  - name: found
    version: 2025.10.1
    credentials: {username: neo4j, password: faults-e2e}
    election_timeout: 1s
    apply_lag: 0ms
    tx_rate: 20
    neo4j_metrics: {enabled: false}
    members: [found-1]
)";

// A host name no resolver can look up, without a DNS query leaving the machine: `.invalid` is
// reserved (RFC 6761), but glibc's resolver (nsswitch `files dns`) would still send
// `x.invalid` to the configured name server. A label longer than 63 octets (RFC 1035 2.3.4)
// cannot be encoded in a DNS query at all, so glibc fails the lookup locally after
// /etc/hosts (checked with strace: no socket to port 53 is opened). libcurl reports
// CURLE_COULDNT_RESOLVE_HOST, as for any name that does not resolve.
std::string UnresolvableHost() { return std::string(64, 'x') + ".invalid"; }

// Rule file: one alert, always firing, so the notifier has a batch to deliver at once.
constexpr char kRules[] = R"(groups:
  - name: faults-e2e
    rules:
      - alert: FaultsE2EAlways
        expr: vector(1)
)";

// A loopback port that refuses connections and stays ours: bound, never listening (the kernel
// answers a SYN with RST), so no other process can take it during the test.
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
    }
  }
  ~RefusingPort() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// An Alertmanager that takes `delay` to answer (more than --alertmanager.timeout).
class SlowAlertmanager {
 public:
  explicit SlowAlertmanager(milliseconds delay)
      : server_(net::HttpServerOptions{"127.0.0.1:0", 8, 1u << 20},
                [delay](const net::HttpRequest&, net::HttpExchange& ex) {
                  if (!ex.SleepFor(delay)) {
                    return;  // stopping
                  }
                  net::HttpResponse r;
                  r.body = "";
                  ex.Send(r);
                }) {
    ok_ = server_.Start().ok();
  }
  bool ok() const { return ok_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.Port()); }

 private:
  net::HttpServer server_;
  bool ok_ = false;
};

// Replaces a file's content the way the kubelet rotates a projected token: write, then rename.
void ReplaceFile(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp, std::ios::trunc) << content;
  std::filesystem::rename(tmp, path);
}

// The agent's peak resident set (VmHWM), in bytes; 0 if unknown.
double PeakRssBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      double kib = 0;
      fields >> kib;
      return kib * 1024;
    }
  }
  return 0;
}

// Some line of `log` (from `offset` on) contains every one of `parts`.
bool LogHas(const std::string& log, const std::vector<std::string>& parts, std::size_t offset = 0) {
  std::istringstream in(log.substr(std::min(offset, log.size())));
  std::string line;
  while (std::getline(in, line)) {
    bool all = true;
    for (const auto& p : parts) {
      all = all && line.find(p) != std::string::npos;
    }
    if (all) {
      return true;
    }
  }
  return false;
}

Labels Member(const std::string& cluster, const std::string& member) {
  return {{"neo4j_cluster", cluster}, {"member", member}};
}

std::optional<double> Up(const std::vector<Sample>& s, const std::string& cluster,
                         const std::string& member) {
  return ValueOf(s, "neo4j_up", Member(cluster, member));
}

double Errors(const std::vector<Sample>& s, const std::string& cluster, const std::string& member,
              const std::string& reason) {
  Labels l = Member(cluster, member);
  l["reason"] = reason;
  return ValueOf(s, "neo4j_member_request_errors_total", l).value_or(0);
}

// Failed requests of a member, all reasons together.
double AllErrors(const std::vector<Sample>& s, const std::string& cluster,
                 const std::string& member) {
  double sum = 0;
  for (const Sample& x : Select(s, "neo4j_member_request_errors_total", Member(cluster, member))) {
    sum += x.value;
  }
  return sum;
}

// "reason=count ..." of a member's failed requests, for failure messages.
std::string ErrorsByReason(const std::vector<Sample>& s, const std::string& cluster,
                           const std::string& member) {
  std::string out;
  for (const Sample& x : Select(s, "neo4j_member_request_errors_total", Member(cluster, member))) {
    auto reason = x.labels.find("reason");
    out += (reason == x.labels.end() ? std::string("?") : reason->second) + "=" +
           std::to_string(static_cast<long long>(x.value)) + " ";
  }
  return out;
}

std::optional<double> AppliedIndex(const std::vector<Sample>& s, const std::string& cluster,
                                   const std::string& member) {
  Labels l = Member(cluster, member);
  l["database"] = "neo4j";
  return ValueOf(s, "neo4j_member_database_raft_applied_index", l);
}

std::string ZoneSource(const std::vector<Sample>& s, const std::string& cluster) {
  for (const Sample& x : Select(s, "neo4j_zone_source_info", {{"neo4j_cluster", cluster}})) {
    if (x.value == 1) {
      return x.labels.at("source");
    }
  }
  return "";
}

std::map<std::string, double> CollectorStamps(const std::vector<Sample>& s) {
  std::map<std::string, double> out;
  for (const Sample& x : Select(s, "neo4j_agent_collector_last_success_timestamp_seconds")) {
    out[x.labels.at("collector")] = x.value;
  }
  return out;
}

// The members that never have a fault, with where they are (c: "the others are unaffected").
constexpr std::array<std::pair<const char*, const char*>, 5> kHealthy = {{
    {"steady", "steady-1"},
    {"steady", "steady-2"},
    {"steady", "steady-3"},
    {"slow", "slow-3"},
    {"found", "found-1"},
}};

// One shared agent: timed scrapes, phase by phase.
class FaultRun {
 public:
  explicit FaultRun(SimAndAgent& env) : env_(env) {}

  // A timed scrape; its latency counts for the current phase.
  std::vector<Sample> Scrape() {
    FetchResult r = HttpGet(env_.AgentUrl(), seconds(10));
    EXPECT_EQ(r.status, 200) << r.error;
    ++scrapes_;
    max_seconds_ = std::max(max_seconds_, r.seconds);
    return ParseExposition(r.body);
  }

  // Polls every 100 ms until `pred` holds (true) or `timeout` passes (false).
  bool Poll(const std::function<bool(const std::vector<Sample>&)>& pred, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
      auto s = Scrape();
      if (pred(s)) {
        return true;
      }
      if (Clock::now() > deadline) {
        return false;
      }
      std::this_thread::sleep_for(milliseconds(100));  // polling interval, not synchronisation
    }
  }

  // Starts a phase: the healthy members' applied indexes now, and a fresh latency record.
  void BeginPhase(const std::string& name) {
    phase_ = name;
    scrapes_ = 0;
    max_seconds_ = 0;
    healthy_at_start_.clear();
    auto s = Scrape();
    for (const auto& [cluster, member] : kHealthy) {
      healthy_at_start_[member] = AppliedIndex(s, cluster, member).value_or(-1);
    }
  }

  // Ends a phase: /metrics stayed fast (b), and the healthy members kept being collected (c).
  void EndPhase() {
    SCOPED_TRACE("phase " + phase_);
    // Every healthy member's applied index moves on while the faults are active (the leader
    // commits 20 transactions/s; the others apply at once).
    std::vector<Sample> s;
    bool updated = Poll(
        [&](const std::vector<Sample>& x) {
          s = x;
          for (const auto& [cluster, member] : kHealthy) {
            if (Up(x, cluster, member) != 1.0 ||
                AppliedIndex(x, cluster, member).value_or(-1) <= healthy_at_start_[member]) {
              return false;
            }
          }
          return true;
        },
        kConverge);
    EXPECT_TRUE(updated) << "a member without a fault stopped being collected";
    for (const auto& [cluster, member] : kHealthy) {
      EXPECT_EQ(AllErrors(s, cluster, member), 0) << member;
    }
    EXPECT_GE(scrapes_, 3);
    EXPECT_LT(max_seconds_, kScrapeBound)
        << "the slowest of " << scrapes_ << " scrapes took " << max_seconds_ << " s";
  }

  SimAndAgent& env() { return env_; }

 private:
  SimAndAgent& env_;
  std::string phase_;
  int scrapes_ = 0;
  double max_seconds_ = 0;
  std::map<std::string, double> healthy_at_start_;  // by member
};

// ---- rows 15 and 16: Alertmanager refusing connections, Alertmanager slower than the timeout.
// Active from the agent's first rule evaluation until the batch is dropped (3 attempts each).
void CheckAlertmanagers(FaultRun& run, const std::string& refused, const std::string& slow) {
  SCOPED_TRACE("Alertmanager down and slow");
  const Labels refused_am = {{"alertmanager", refused + "/api/v2/alerts"}};
  const Labels slow_am = {{"alertmanager", slow + "/api/v2/alerts"}};
  // While the notifier retries (both Alertmanagers failed at least once, nothing dropped yet),
  // collection goes on: every collector publishes again before the batch is given up.
  std::map<std::string, double> stamps_during;
  ASSERT_TRUE(run.Poll(
      [&](const std::vector<Sample>& s) {
        if (stamps_during.empty() &&
            ValueOf(s, "neo4j_agent_notifications_errors_total", refused_am).value_or(0) > 0 &&
            ValueOf(s, "neo4j_agent_notifications_errors_total", slow_am).value_or(0) > 0 &&
            ValueOf(s, "neo4j_agent_notifications_dropped_total").value_or(0) == 0) {
          stamps_during = CollectorStamps(s);
        }
        return ValueOf(s, "neo4j_agent_notifications_dropped_total").value_or(0) >= 1;
      },
      kConverge))
      << "the alert was never dropped";
  auto s = run.Scrape();
  // Three attempts each, one alert per batch: errors count alerts per failed attempt.
  EXPECT_EQ(ValueOf(s, "neo4j_agent_notifications_errors_total", refused_am), 3);
  EXPECT_EQ(ValueOf(s, "neo4j_agent_notifications_errors_total", slow_am), 3);
  EXPECT_EQ(ValueOf(s, "neo4j_agent_notifications_sent_total", refused_am).value_or(0), 0);
  EXPECT_EQ(ValueOf(s, "neo4j_agent_notifications_sent_total", slow_am).value_or(0), 0);
  // The latest attempt to the slow one lasted the timeout (500 ms), not its 2 s answer.
  const double latency =
      ValueOf(s, "neo4j_agent_notification_latency_seconds", slow_am).value_or(-1);
  EXPECT_GE(latency, 0.45);
  EXPECT_LT(latency, 1.5);
  // The alert itself stays visible locally.
  EXPECT_EQ(ValueOf(s, "neo4j_agent_alerts",
                    {{"alertname", "FaultsE2EAlways"}, {"alertstate", "firing"}}),
            1);
  if (!stamps_during.empty()) {
    // Collection went on while the notifier was waiting on the slow Alertmanager.
    ASSERT_TRUE(run.Poll(
        [&](const std::vector<Sample>& x) {
          auto now = CollectorStamps(x);
          for (const char* c : {"role", "quorum", "replication_lag", "failover"}) {
            if (now[c] <= stamps_during[c]) {
              return false;
            }
          }
          return true;
        },
        kConverge));
  } else {
    ADD_FAILURE() << "never saw both Alertmanagers failing before the batch was dropped";
  }
  const std::string log = run.env().Agent().Stderr();
  EXPECT_TRUE(LogHas(log, {"msg=\"error sending alerts to Alertmanager, will retry\"",
                           refused + "/api/v2/alerts", "connection_refused: POST", "attempt=1"}))
      << log;
  EXPECT_TRUE(LogHas(log, {"msg=\"error sending alerts to Alertmanager, will retry\"",
                           slow + "/api/v2/alerts", "timeout: POST", "attempt=1"}));
  EXPECT_TRUE(
      LogHas(log, {"msg=\"no Alertmanager accepted the alerts, dropping them\"", "count=1"}));
}

// ---- row 3: member slow. slow-1 answers both stages in time: nothing but a longer run.
// slow-2 answers after the collector gave up and before the request times out: its series are
// missing in some runs while neo4j_up stays 1 and no error is counted.
struct SlowWindowWatch {
  bool up_always = true;
  bool never_counted = true;
  bool series_missing_once = false;
  void See(const std::vector<Sample>& s) {
    up_always = up_always && Up(s, "slow", "slow-2") == 1.0;
    never_counted = never_counted && AllErrors(s, "slow", "slow-2") == 0;
    series_missing_once =
        series_missing_once ||
        Select(s, "neo4j_member_database_role",
               {{"neo4j_cluster", "slow"}, {"member", "slow-2"}, {"database", "neo4j"}})
            .empty();
  }
};

void CheckSlowMembers(const std::vector<Sample>& s, const SlowWindowWatch& watch) {
  SCOPED_TRACE("member slow");
  EXPECT_EQ(Up(s, "slow", "slow-1"), 1);
  EXPECT_EQ(AllErrors(s, "slow", "slow-1"), 0);
  EXPECT_TRUE(ValueOf(s, "neo4j_member_database_writable",
                      {{"neo4j_cluster", "slow"}, {"member", "slow-1"}, {"database", "neo4j"}})
                  .has_value())
      << "slow-1 answers both stages within the collector timeout";
  // Two stages of 200 ms each: a longer run is all there is to see.
  EXPECT_GE(
      ValueOf(s, "neo4j_agent_collector_duration_seconds", {{"collector", "role"}}).value_or(0),
      0.4);
  EXPECT_TRUE(watch.up_always) << "neo4j_up of slow-2 dropped to 0";
  EXPECT_TRUE(watch.never_counted) << "a late answer of slow-2 was counted as an error";
  EXPECT_TRUE(watch.series_missing_once) << "slow-2's series were never missing";
}

// ---- rows 5, 7, 9, 10, 11, 12: one member each, in cluster `faulty`.
void CheckMemberFault(const std::vector<Sample>& s, const std::string& log,
                      const std::string& member, const std::string& reason) {
  SCOPED_TRACE(member + " -> " + reason);
  EXPECT_GT(Errors(s, "faulty", member, reason), 0);
  EXPECT_EQ(Up(s, "faulty", member), 0);
  EXPECT_EQ(AllErrors(s, "faulty", member), Errors(s, "faulty", member, reason))
      << "every failure of " << member << " has reason " << reason << ": "
      << ErrorsByReason(s, "faulty", member);
  // The first failure of the streak is logged at warn with the reason.
  EXPECT_TRUE(LogHas(log, {"level=warning", "msg=\"member request failed\"", "cluster=\"faulty\"",
                           "member=\"" + member + "\"", "reason=" + reason + " "}))
      << "no warn line for " << member;
}

TEST(FaultsTest, EveryFaultAtOnce) {
  const std::string token_file = WriteTempFile("token", "faults-token-1\n");
  const std::string rules_file = WriteTempFile("faults.rules.yml", kRules);
  RefusingPort refusing;
  ASSERT_GT(refusing.port(), 0);
  SlowAlertmanager slow_am(seconds(2));
  ASSERT_TRUE(slow_am.ok());
  const std::string refused_url = "http://127.0.0.1:" + std::to_string(refusing.port());

  AgentOptions o;
  o.configure_members = false;  // the configuration below, with the misconfigured URLs
  // Under AddressSanitizer, freed memory stays resident in its quarantine (up to 256 MiB by
  // default), so the agent's peak RSS would grow by tens of MiB per phase whatever the fault.
  // A small quarantine keeps use-after-free detection for recent frees and lets the peak RSS
  // show what the agent itself holds (no effect on an uninstrumented agent).
  const char* asan = std::getenv("ASAN_OPTIONS");
  o.env["ASAN_OPTIONS"] =
      std::string(asan != nullptr && *asan != '\0' ? std::string(asan) + ":" : "") +
      "quarantine_size_mb=16";
  o.extra_args = {"--rules.file=" + rules_file, "--rules.evaluation-interval=1s",
                  "--alertmanager.url=" + refused_url, "--alertmanager.url=" + slow_am.url(),
                  "--alertmanager.timeout=500ms",
                  // Neo4j's metrics endpoints are not simulated here (their faults are
                  // Neo4jMetricsTest's): no requests to the default port 2004.
                  "--no-collector.neo4j_metrics"};
  o.late_args = [&](sim::Simulator& sim) {
    std::string yaml = "kubernetes:\n  mode: explicit\n  api_url: \"" + sim.KubeUrl() +
                       "\"\n  token_file: \"" + token_file +
                       "\"\n  node_name: found-1-node\n  discovery_interval: 1s\n"
                       "clusters:\n";
    for (const sim::SimCluster& c : sim.State().clusters) {
      if (c.spec.name == "found") {
        continue;  // discovered on found-1-node
      }
      yaml += "  - name: " + c.spec.name + "\n";
      yaml += "    kubernetes: {namespace: " + c.spec.namespace_name + "}\n";
      if (c.spec.name == "steady") {
        yaml += "    placement: {availability_zones: [zone-a, zone-b, zone-c]}\n";
      }
      if (c.spec.name == "faulty") {
        // libcurl counts the TLS handshake in the connect timeout (500 ms in the harness). The
        // handshake with tls-mismatch needs the simulator to answer, which a loaded 2-core machine
        // delays past 500 ms while it also writes the 100 MiB body; the reason is then `timeout`
        // (CI saw 7 of 10). The kernel completes plain TCP connects, so no other member needs it.
        yaml += "    http: {connect_timeout: 2s}\n";
      }
      yaml += "    members:\n";
      for (const sim::SimMember& m : c.members) {
        const std::string port = std::to_string(m.http_port);
        std::string url = "http://127.0.0.1:" + port;
        if (m.spec.name == "tls-mismatch") {
          url = "https://127.0.0.1:" + port;  // TLS to a plain-HTTP port
        } else if (m.spec.name == "dns-failure") {
          url = "http://" + UnresolvableHost() + ":" + port;
        }
        // No static zones: when Kubernetes fails, Neo4j's server tags are the only fallback.
        yaml += "      - {name: " + m.spec.name + ", url: \"" + url + "\"}\n";
      }
    }
    return std::vector<std::string>{"--config=" + WriteTempFile("agent.yml", yaml)};
  };
  SimAndAgent env(kTopology, o);
  ASSERT_TRUE(env.Ok());
  FaultRun run(env);

  // ---- Steady state (the Alertmanager faults and the two misconfigured URLs are there from the
  // start): every simulated member answers, zones come from Kubernetes, found-1 is discovered.
  run.BeginPhase("start-up");
  std::vector<Sample> s;
  ASSERT_TRUE(run.Poll(
      [&](const std::vector<Sample>& x) {
        s = x;
        for (const char* m : {"steady-1", "steady-2", "steady-3"}) {
          if (Up(x, "steady", m) != 1.0) return false;
        }
        for (const char* m : {"slow-1", "slow-2", "slow-3"}) {
          if (Up(x, "slow", m) != 1.0) return false;
        }
        for (const char* m : {"rate-limited", "unavailable", "truncated", "huge"}) {
          if (Up(x, "faulty", m) != 1.0) return false;
        }
        return Up(x, "found", "found-1") == 1.0 && ZoneSource(x, "steady") == "kubernetes" &&
               Errors(x, "faulty", "tls-mismatch", "tls") > 0 &&
               Errors(x, "faulty", "dns-failure", "network") > 0;
      },
      kConverge))
      << env.ScrapeText();
  const Labels found_by_operator = {{"convention", "operator"}, {"neo4j_cluster", "found"}};
  const double discovered =
      ValueOf(s, "neo4j_kubernetes_discovered_members", found_by_operator).value_or(-1);
  EXPECT_EQ(discovered, 1);
  CheckAlertmanagers(run, refused_url, slow_am.url());
  run.EndPhase();
  const double rss_before = PeakRssBytes(env.Agent().Pid());
  ASSERT_GT(rss_before, 0);

  // ---- Member faults, all at once.
  run.BeginPhase("member faults");
  env.Fault(std::string(R"({"action":"slow_member","member":"slow-1","delay":")") + kSlowInTime +
            "\"}");
  env.Fault(std::string(R"({"action":"slow_member","member":"slow-2","delay":")") + kSlowInWindow +
            "\"}");
  env.Fault(R"({"action":"answer_mode","member":"rate-limited","mode":"http429"})");
  env.Fault(R"({"action":"answer_mode","member":"unavailable","mode":"http503"})");
  env.Fault(R"({"action":"answer_mode","member":"truncated","mode":"truncated"})");
  env.Fault(R"({"action":"answer_mode","member":"huge","mode":"oversized","size_mib":100})");
  const auto applied = Clock::now();

  SlowWindowWatch watch;
  // 503 + Retry-After: 5: the agent asks again at its next interval regardless. `before` is the
  // last scrape before the first counted 503, so the answer came after `before_at`.
  double first_503 = 0;
  std::optional<Clock::time_point> before_at;
  Clock::time_point last_at = Clock::now();
  std::optional<double> asked_again_after;  // seconds from before_at to the next count
  ASSERT_TRUE(run.Poll(
      [&](const std::vector<Sample>& x) {
        s = x;
        const auto now = Clock::now();
        if (now - applied > milliseconds(100)) {
          watch.See(x);
        }
        const double u = Errors(x, "faulty", "unavailable", "unavailable");
        if (!before_at && u > 0) {
          before_at = last_at;
          first_503 = u;
        } else if (before_at && !asked_again_after && u > first_503) {
          asked_again_after = std::chrono::duration<double>(now - *before_at).count();
        }
        last_at = now;
        return watch.series_missing_once && asked_again_after &&
               Errors(x, "faulty", "rate-limited", "rate_limited") > 0 &&
               Errors(x, "faulty", "truncated", "network") > 0 &&
               Errors(x, "faulty", "huge", "response_too_large") >= 2 &&
               Up(x, "faulty", "rate-limited") == 0 && Up(x, "faulty", "unavailable") == 0 &&
               Up(x, "faulty", "truncated") == 0 && Up(x, "faulty", "huge") == 0;
      },
      kConverge))
      << env.ScrapeText();
  const std::string log = env.Agent().Stderr();
  CheckSlowMembers(s, watch);
  CheckMemberFault(s, log, "rate-limited", "rate_limited");
  CheckMemberFault(s, log, "unavailable", "unavailable");
  CheckMemberFault(s, log, "truncated", "network");
  CheckMemberFault(s, log, "huge", "response_too_large");
  CheckMemberFault(s, log, "tls-mismatch", "tls");
  CheckMemberFault(s, log, "dns-failure", "network");
  {
    SCOPED_TRACE("503 + Retry-After");
    ASSERT_TRUE(asked_again_after.has_value());
    EXPECT_LT(*asked_again_after, 5.0) << "the agent waited out Retry-After: 5";
    // ... and the log says what the member asked for.
    EXPECT_TRUE(LogHas(log, {"msg=\"member request failed\"", "member=\"unavailable\"",
                             "(HTTP 503, Retry-After: 5)"}));
  }
  {
    SCOPED_TRACE("100 MiB body");
    EXPECT_TRUE(LogHas(
        log, {"member=\"huge\"", "reason=response_too_large", "response exceeded 8388608 bytes"}));
    const double grown = PeakRssBytes(env.Agent().Pid()) - rss_before;
    EXPECT_LT(grown, 32.0 * (1 << 20)) << "peak RSS grew by " << grown / (1 << 20) << " MiB";
  }
  // Outages and the agent's own trouble alike: other clusters answer, so no collector failed.
  for (const char* c : {"role", "quorum", "replication_lag", "failover", "zone_skew"}) {
    EXPECT_EQ(ValueOf(s, "neo4j_agent_collector_success", {{"collector", c}}), 1) << c;
  }
  run.EndPhase();
  {
    // Still so after the healthy members moved on.
    s = run.Scrape();
    watch.See(s);
    CheckSlowMembers(s, watch);
  }

  // ---- Kubernetes: the service-account token is rotated. First the kubelet has not written the
  // new token yet (the file is empty): the agent keeps its previous token, which the API server
  // refuses; then the new token is there and the agent re-reads it on the next 401.
  run.BeginPhase("token rotation");
  std::size_t mark = env.Agent().Stderr().size();
  ReplaceFile(token_file, "");
  env.Fault(R"({"action":"kube_token","token":"faults-token-2"})");
  EXPECT_TRUE(run.Poll(
      [&](const std::vector<Sample>& x) {
        s = x;
        const std::string l = env.Agent().Stderr();
        return ZoneSource(x, "steady") == "neo4j_tags" &&
               LogHas(l, {"msg=\"API server answered 401, re-reading token\""}, mark) &&
               LogHas(l, {"msg=\"cannot re-read token file, keeping previous token\""}, mark) &&
               LogHas(l, {"msg=\"cannot list this node's pods; keeping the previous members\""},
                      mark);
      },
      kConverge))
      << env.Agent().Stderr().substr(mark);
  EXPECT_EQ(ValueOf(s, "neo4j_agent_collector_success", {{"collector", "zone_skew"}}), 1);
  EXPECT_EQ(Up(s, "found", "found-1"), 1) << "the discovered member was dropped";
  mark = env.Agent().Stderr().size();
  ReplaceFile(token_file, "faults-token-2\n");
  EXPECT_TRUE(run.Poll(
      [&](const std::vector<Sample>& x) { return ZoneSource(x, "steady") == "kubernetes"; },
      kConverge))
      << "the new token was not picked up";
  EXPECT_TRUE(
      LogHas(env.Agent().Stderr(), {"msg=\"API server answered 401, re-reading token\""}, mark));
  bool new_token_used = false;
  for (const auto& r : env.Sim().kube_api()->Requests()) {
    new_token_used = new_token_used || r.authorization == "Bearer faults-token-2";
  }
  EXPECT_TRUE(new_token_used);
  run.EndPhase();

  // ---- Kubernetes API down: refused. Zones fall back to Neo4j's server tags, discovery keeps
  // found-1, nothing fails; back to Kubernetes when it is up again. The tags are asked for as
  // soon as the lists have failed, while slow-2 (in its window, another cluster) is still
  // awaited: before, they were asked only after the deadline had passed and came too late.
  run.BeginPhase("Kubernetes API down");
  mark = env.Agent().Stderr().size();
  env.Fault(R"({"action":"kube_api_down"})");
  EXPECT_TRUE(run.Poll(
      [&](const std::vector<Sample>& x) {
        s = x;
        const std::string l = env.Agent().Stderr();
        return ZoneSource(x, "steady") == "neo4j_tags" &&
               LogHas(l,
                      {"msg=\"cannot list this node's pods; keeping the previous members\"",
                       "reason=connection_refused", "Couldn't connect to server"},
                      mark) &&
               LogHas(l,
                      {"msg=\"zone source not usable, trying the next one\"",
                       "neo4j_cluster=\"steady\"", "source=kubernetes"},
                      mark);
      },
      kConverge))
      << env.Agent().Stderr().substr(mark);
  EXPECT_EQ(ValueOf(s, "neo4j_agent_collector_success", {{"collector", "zone_skew"}}), 1);
  EXPECT_EQ(ValueOf(s, "neo4j_kubernetes_discovered_members", found_by_operator).value_or(-1),
            discovered);
  // The zone metrics are still there, from the fallback source.
  EXPECT_EQ(ValueOf(s, "neo4j_zone_eligible_zones", {{"neo4j_cluster", "steady"}}), 3);
  run.EndPhase();  // found-1 (discovered) is among the members that keep being collected
  env.Fault(R"({"action":"kube_api_up"})");
  EXPECT_TRUE(run.Poll(
      [&](const std::vector<Sample>& x) { return ZoneSource(x, "steady") == "kubernetes"; },
      kConverge));
}

}  // namespace
}  // namespace nca::testing
