// Alertmanager HA end to end: two real Alertmanagers (Debian's prometheus-alertmanager) in one
// gossip cluster on loopback, a webhook receiver in this process that records every
// notification, and the real agent on the simulator, sending every alert to BOTH Alertmanagers
// (--alertmanager.url twice), as a Prometheus in front of an HA pair does.
//
// Scenario: two of the three primaries stop, the database loses its leader and Neo4jNoLeader
// fires (a copy of the shipped rule with `for: 0s`); once the receiver has the firing
// notification, the Alertmanager that sent it is SIGKILLed; the incident goes on for more group
// intervals; then the primaries come back and the alert resolves.
//
// How Alertmanager HA delivers (docs/high_availability.md of prometheus/alertmanager, v0.25's
// notify/notify.go): every peer receives the alert from the agent and flushes the alert's group
// itself (group_wait, then every group_interval). Before notifying, a peer waits
// position x --cluster.peer-timeout (position: its rank among the peers' names sorted), then asks
// the notification log (nflog), which the peers replicate by gossip, whether the receiver was
// already told: it notifies only if the set of firing alerts changed, the set of resolved ones
// changed (send_resolved), or repeat_interval passed. So position 0 notifies and logs it, and
// position 1, peer_timeout later, finds that log entry and stays quiet. Alertmanager promises
// at-least-once ("fail open": peers that cannot gossip both notify), so exactly once is what a
// healthy cluster gives, and what this test demands.
//
// Why "exactly once" is not trivially true here:
// - Both Alertmanagers hold the alert (checked in their APIs: the agent sent it to both), so
//   each would notify by itself; the second peer's own flush (it ran: its
//   alertmanager_nflog_queries_total counts the dedup passes) found the first peer's nflog entry.
// - The peer killed is the one that notified (position 0). The survivor, once it sees itself
//   alone (alertmanager_cluster_members 1, position 0, no wait), runs at least two more dedup
//   passes while the alert keeps firing and the agent keeps re-sending it (--rules.resend-delay
//   2s); without the replicated entry each pass would notify again.
// - After the resolved notification the survivor runs at least two more passes (the agent
//   re-sends resolved alerts every resend delay) that must not notify again. repeat_interval is
//   1 h so that no repeat is legitimate during the test; each of those passes is a point where a
//   peer without the log entry would have sent.
//
// The agent side: sends to the killed Alertmanager fail (neo4j_agent_notifications_errors_total
// grows, its sent_total stays), while the survivor keeps accepting (its sent_total grows, no
// errors) and nothing is dropped (a batch counts as delivered when one Alertmanager accepted it).
//
// Timing: group_wait 1s, group_interval 2s, --cluster.peer-timeout 3s (the nflog entry needs a
// gossip round, 50 ms, to reach the other peer), pushpull 1s, probe interval 500 ms (the survivor
// declares the dead peer failed within seconds); the agent re-sends firing alerts every 2 s with
// endsAt 8 s ahead. Every wait polls a named condition. Ports are picked by the kernel: the first
// peer's gossip port is read from its /api/v2/status and the second peer joins it with
// --cluster.peer (membership is symmetric once joined). About 22 s in all.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "e2e/harness.h"
#include "net/http_server.h"
#include "support/http_fetch.h"
#include "support/metrics_text.h"
#include "support/process.h"
#include "support/real_servers.h"

namespace nca::testing {
namespace {

using std::chrono::seconds;

constexpr char kCluster[] = R"(
simulator: {seed: 7}
clusters:
  - name: east
    version: 5.26.0
    credentials: {username: neo4j, password: e2e-password}
    election_timeout: 1s
    apply_lag: 0ms
    tx_rate: 5
    members:
      - {name: east-1, mode: primary}
      - {name: east-2, mode: primary}
      - {name: east-3, mode: primary}
)";

// The shipped Neo4jNoLeader for one database (one alert, one Alertmanager group), firing at once.
// keep_firing_for rides out a single collector run that misses the verdict on a loaded machine,
// which would otherwise resolve and re-fire the alert (two legitimate firing notifications).
constexpr char kRules[] = R"(groups:
- name: alertmanager-ha
  rules:
  - alert: Neo4jNoLeader
    expr: max by (neo4j_cluster, database) (neo4j_quorum_leaders_seen{database="neo4j"}) == 0
    keep_firing_for: 3s
    labels:
      severity: critical
    annotations:
      summary: Neo4j database has no Raft leader.
)";

constexpr char kNotificationsTotal[] = "alertmanager_notifications_total";
constexpr char kNflogQueries[] = "alertmanager_nflog_queries_total";
constexpr char kClusterMembers[] = "alertmanager_cluster_members";

// Alertmanager's webhook receiver on 127.0.0.1 (port picked by the kernel): records the JSON body
// of every POST and answers 200. Thread-safe: civetweb calls the handler on its worker threads.
class WebhookReceiver {
 public:
  WebhookReceiver()
      : server_({}, [this](const net::HttpRequest& req, net::HttpExchange& ex) {
          nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
          if (body.is_discarded()) {
            body = req.body;  // kept as a string, so a failure message shows it
          }
          {
            std::lock_guard lock(mu_);
            notifications_.push_back(std::move(body));
          }
          ex.Send({});
        }) {}
  ~WebhookReceiver() { server_.Stop(); }
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  Status Start() { return server_.Start(); }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server_.Port()) + "/hook"; }
  std::vector<nlohmann::json> Notifications() const {
    std::lock_guard lock(mu_);
    return notifications_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<nlohmann::json> notifications_;
  net::HttpServer server_;  // last: stopped before the members its handler uses are destroyed
};

// Our alert in one notification: its status ("firing", "resolved") and the externalURL of the
// Alertmanager that sent it.
struct Delivery {
  std::string status;
  std::string from;
};

std::vector<Delivery> DeliveriesOf(const std::vector<nlohmann::json>& notifications) {
  std::vector<Delivery> out;
  for (const auto& n : notifications) {
    if (!n.is_object() || !n.contains("alerts") || !n["alerts"].is_array()) {
      continue;
    }
    for (const auto& a : n["alerts"]) {
      const nlohmann::json labels = a.value("labels", nlohmann::json::object());
      if (labels.value("alertname", "") == "Neo4jNoLeader" &&
          labels.value("neo4j_cluster", "") == "east" && labels.value("database", "") == "neo4j") {
        out.push_back({a.value("status", ""), n.value("externalURL", "")});
      }
    }
  }
  return out;
}

int Count(const std::vector<Delivery>& deliveries, const std::string& status) {
  return static_cast<int>(std::count_if(deliveries.begin(), deliveries.end(),
                                        [&](const Delivery& d) { return d.status == status; }));
}

std::string Dump(const std::vector<nlohmann::json>& notifications) {
  std::string out = "notifications received (" + std::to_string(notifications.size()) + "):\n";
  for (const auto& n : notifications) {
    out += "  " + n.dump() + "\n";
  }
  return out;
}

// One sample of an Alertmanager's own /metrics; nullopt when it does not answer or lacks it.
std::optional<double> AmMetric(const RealServer& am, const std::string& name,
                               const std::map<std::string, std::string>& labels = {}) {
  FetchResult r = HttpGet(am.base_url + "/metrics", seconds(5));
  if (r.status != 200) {
    return std::nullopt;
  }
  return ValueOf(ParseExposition(r.body), name, labels);
}

double WebhookNotifications(const RealServer& am) {
  return AmMetric(am, kNotificationsTotal, {{"integration", "webhook"}}).value_or(-1);
}

double DedupPasses(const RealServer& am) { return AmMetric(am, kNflogQueries).value_or(-1); }

// The gossip cluster as one Alertmanager sees it (GET /api/v2/status).
struct ClusterView {
  std::string self;
  std::string status;  // "ready" once gossip has settled
  std::vector<std::string> peers;
};

ClusterView ClusterOf(const RealServer& am) {
  ClusterView v;
  const nlohmann::json status = GetJson(am.base_url + "/api/v2/status");
  if (!status.is_object() || !status.contains("cluster") || !status["cluster"].is_object()) {
    return v;
  }
  const nlohmann::json& c = status["cluster"];
  v.self = c.value("name", "");
  v.status = c.value("status", "");
  for (const auto& p : c.value("peers", nlohmann::json::array())) {
    v.peers.push_back(p.value("name", ""));
  }
  return v;
}

// Whether the Alertmanager lists our alert as active (GET /api/v2/alerts).
bool HoldsAlert(const RealServer& am) {
  const nlohmann::json alerts = GetJson(am.base_url + "/api/v2/alerts");
  if (!alerts.is_array()) {
    return false;
  }
  return std::any_of(alerts.begin(), alerts.end(), [](const nlohmann::json& a) {
    return a.contains("labels") && a["labels"].value("alertname", "") == "Neo4jNoLeader" &&
           a["labels"].value("database", "") == "neo4j";
  });
}

// A notifier counter of the agent for one Alertmanager (-1 when absent).
double AgentCounter(const std::vector<Sample>& samples, const std::string& name,
                    const RealServer& am) {
  return ValueOf(samples, name, {{"alertmanager", am.base_url + "/api/v2/alerts"}}).value_or(-1);
}

TEST(AlertmanagerHaTest, ClusteredAlertmanagersNotifyExactlyOnceAcrossAKilledPeer) {
  if (FindBinary("prometheus-alertmanager").empty()) {
    GTEST_SKIP() << "prometheus-alertmanager is not installed (Debian package "
                    "prometheus-alertmanager)";
  }
  WebhookReceiver hook;
  ASSERT_TRUE(hook.Start().ok());

  const std::string am_config =
      "route:\n"
      "  receiver: hook\n"
      "  group_by: [alertname, neo4j_cluster, database]\n"
      "  group_wait: 1s\n"
      "  group_interval: 2s\n"
      "  repeat_interval: 1h\n"
      "receivers:\n"
      "  - name: hook\n"
      "    webhook_configs:\n"
      "      - url: " +
      hook.Url() +
      "\n"
      "        send_resolved: true\n";
  // Each peer names itself in its notifications' externalURL, so the receiver knows the sender.
  const std::vector<std::string> names = {"alertmanager-a", "alertmanager-b"};
  auto options = [&](std::size_t i, std::vector<std::string> peers) {
    return AlertmanagerOptions{
        .config_yaml = am_config,
        .cluster = true,
        .peers = std::move(peers),
        .extra_args = {"--cluster.peer-timeout=3s", "--cluster.gossip-interval=50ms",
                       "--cluster.pushpull-interval=1s", "--cluster.probe-interval=500ms",
                       "--cluster.probe-timeout=300ms",
                       "--web.external-url=http://" + names[i] + ".invalid/"}};
  };
  std::vector<RealServer> ams;
  ams.push_back(StartAlertmanager(options(0, {})));
  ASSERT_TRUE(ams[0].ok()) << ams[0].error;
  std::string gossip_a;
  ASSERT_TRUE(PollUntil(
      [&] {
        gossip_a = AlertmanagerGossipAddress(ams[0]);
        return !gossip_a.empty();
      },
      seconds(30)));
  ams.push_back(StartAlertmanager(options(1, {gossip_a})));
  ASSERT_TRUE(ams[1].ok()) << ams[1].error;
  // One cluster of two, gossip settled on both (before that a peer holds its notifications).
  ASSERT_TRUE(PollUntil(
      [&] {
        return std::all_of(ams.begin(), ams.end(), [](const RealServer& am) {
          const ClusterView v = ClusterOf(am);
          return v.status == "ready" && v.peers.size() == 2;
        });
      },
      seconds(60)))
      << ams[0].process->Stderr() << ams[1].process->Stderr();

  AgentOptions o;
  o.extra_args = {"--rules.file=" + WriteTempFile("ha.rules.yml", kRules),
                  "--rules.evaluation-interval=1s",
                  "--rules.resend-delay=2s",
                  "--alertmanager.url=" + ams[0].base_url,
                  "--alertmanager.url=" + ams[1].base_url,
                  "--alertmanager.timeout=2s"};
  SimAndAgent env(kCluster, o);
  ASSERT_TRUE(env.Ok());
  ASSERT_TRUE(env.WaitUntil(
      [](const std::vector<Sample>& s) { return !LeaderOf(s, "east", "neo4j").empty(); },
      seconds(60)));

  // The fault: two of three primaries stop, no majority is left to elect a leader.
  env.Fault(R"({"action":"stop_member","member":"east-1"})");
  env.Fault(R"({"action":"stop_member","member":"east-2"})");

  std::vector<Delivery> got;
  ASSERT_TRUE(PollUntil(
      [&] {
        got = DeliveriesOf(hook.Notifications());
        return Count(got, "firing") >= 1;
      },
      seconds(60)))
      << Dump(hook.Notifications()) << env.Agent().Stderr();
  std::size_t sender = names.size();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (got[0].from.find("//" + names[i] + ".invalid") != std::string::npos) {
      sender = i;
    }
  }
  ASSERT_LT(sender, names.size()) << "unknown sender " << got[0].from;
  const std::size_t survivor = 1 - sender;
  RealServer& killed = ams[sender];
  RealServer& alive = ams[survivor];

  // Both peers hold the alert: the agent sent it to each of them.
  for (const RealServer& am : ams) {
    EXPECT_TRUE(PollUntil([&] { return HoldsAlert(am); }, seconds(30))) << am.base_url;
  }
  // The sender is position 0: the lowest peer name.
  const ClusterView view = ClusterOf(killed);
  ASSERT_EQ(view.peers.size(), 2u);
  EXPECT_EQ(view.self, *std::min_element(view.peers.begin(), view.peers.end()));
  // The other peer flushed the group too (after its position x peer_timeout wait) and found the
  // gossiped nflog entry: it ran a dedup pass and notified nobody.
  ASSERT_TRUE(PollUntil([&] { return DedupPasses(alive) >= 1; }, seconds(30)))
      << alive.process->Stderr();
  EXPECT_EQ(WebhookNotifications(killed), 1);
  EXPECT_EQ(WebhookNotifications(alive), 0);

  // Mid-incident, the Alertmanager that notified dies.
  killed.process->Signal(SIGKILL);
  ASSERT_TRUE(killed.process->WaitForExit(seconds(10)).has_value());
  const std::vector<Sample> at_kill = env.Scrape();
  const double sent_killed = AgentCounter(at_kill, "neo4j_agent_notifications_sent_total", killed);
  const double errors_killed =
      AgentCounter(at_kill, "neo4j_agent_notifications_errors_total", killed);
  const double sent_alive = AgentCounter(at_kill, "neo4j_agent_notifications_sent_total", alive);
  EXPECT_GT(sent_killed, 0);
  EXPECT_GT(sent_alive, 0);

  // The survivor notices it is alone (position 0 now, no wait before its dedup) and runs two
  // more passes over the still-firing alert, which the agent keeps re-sending to it.
  ASSERT_TRUE(PollUntil([&] { return AmMetric(alive, kClusterMembers) == 1.0; }, seconds(30)))
      << alive.process->Stderr();
  const double passes_alone = DedupPasses(alive);
  ASSERT_TRUE(PollUntil([&] { return DedupPasses(alive) >= passes_alone + 2; }, seconds(30)));
  // The agent: sends to the dead one fail, the survivor keeps accepting.
  EXPECT_TRUE(env.WaitUntil(
      [&](const std::vector<Sample>& s) {
        return AgentCounter(s, "neo4j_agent_notifications_errors_total", killed) > errors_killed &&
               AgentCounter(s, "neo4j_agent_notifications_sent_total", alive) > sent_alive;
      },
      seconds(30)));
  // Still the same incident: the alert never stopped firing in the agent.
  EXPECT_EQ(ValueOf(env.Scrape(), "neo4j_agent_alerts",
                    {{"alertname", "Neo4jNoLeader"}, {"alertstate", "firing"}}),
            1.0);
  EXPECT_EQ(Count(DeliveriesOf(hook.Notifications()), "firing"), 1) << Dump(hook.Notifications());

  // Heal: the primaries come back, elect a leader, the alert resolves.
  env.Fault(R"({"action":"restart_member","member":"east-1"})");
  env.Fault(R"({"action":"restart_member","member":"east-2"})");
  ASSERT_TRUE(PollUntil([&] { return Count(DeliveriesOf(hook.Notifications()), "resolved") >= 1; },
                        seconds(60)))
      << Dump(hook.Notifications()) << alive.process->Stderr();
  // Two more passes over the re-sent resolved alert, which must not notify again.
  const double passes_resolved = DedupPasses(alive);
  ASSERT_TRUE(PollUntil([&] { return DedupPasses(alive) >= passes_resolved + 2; }, seconds(30)));

  const std::vector<nlohmann::json> notifications = hook.Notifications();
  got = DeliveriesOf(notifications);
  EXPECT_EQ(Count(got, "firing"), 1) << Dump(notifications);
  EXPECT_EQ(Count(got, "resolved"), 1) << Dump(notifications);
  EXPECT_EQ(notifications.size(), 2u) << Dump(notifications);
  for (const Delivery& d : got) {
    const std::string& from = d.status == "firing" ? names[sender] : names[survivor];
    EXPECT_NE(d.from.find("//" + from + ".invalid"), std::string::npos)
        << d.status << " came from " << d.from;
  }
  EXPECT_EQ(WebhookNotifications(alive), 1);

  const std::vector<Sample> end = env.Scrape();
  EXPECT_GT(AgentCounter(end, "neo4j_agent_notifications_errors_total", killed), errors_killed);
  EXPECT_EQ(AgentCounter(end, "neo4j_agent_notifications_sent_total", killed), sent_killed);
  EXPECT_GT(AgentCounter(end, "neo4j_agent_notifications_sent_total", alive), sent_alive);
  EXPECT_EQ(AgentCounter(end, "neo4j_agent_notifications_errors_total", alive), 0);
  EXPECT_EQ(ValueOf(end, "neo4j_agent_notifications_dropped_total"), 0.0);
}

}  // namespace
}  // namespace nca::testing
