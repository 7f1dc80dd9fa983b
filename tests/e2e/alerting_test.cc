// Local alert evaluation end to end: the agent binary against the simulator, evaluating the
// shipped rules next to a real Prometheus that scrapes the agent and loads the very same file
// (both must fire the same alerts), pushing to a real Alertmanager, reloading on SIGHUP and
// POST /-/reload, and turning a manifest's spec.monitoring into alerts.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "e2e/harness.h"
#include "support/http_fetch.h"
#include "support/process.h"
#include "support/real_servers.h"

namespace nca::testing {
namespace {

using std::chrono::seconds;

constexpr char kCluster[] = R"(
simulator: {seed: 11}
clusters:
  - name: east
    version: 5.26.0
    credentials: {username: neo4j, password: e2e-password}
    election_timeout: 1s
    apply_lag: 0ms
    tx_rate: 20
    members:
      - {name: east-1, mode: primary}
      - {name: east-2, mode: primary}
      - {name: east-3, mode: primary}
      - {name: east-4, mode: secondary}
)";

// Firing alerts of a Prometheus-style /api/v1/alerts answer, as canonical label strings without
// the target labels Prometheus adds (job, instance).
std::set<std::string> FiringAlerts(const nlohmann::json& answer) {
  std::set<std::string> out;
  if (!answer.is_object() || !answer.contains("data")) return out;
  for (const auto& a : answer["data"]["alerts"]) {
    if (a.value("state", "") != "firing") continue;
    std::string key;
    for (const auto& [k, v] : a["labels"].items()) {
      if (k == "job" || k == "instance") continue;
      key += k + "=" + v.get<std::string>() + ",";
    }
    out.insert(key);
  }
  return out;
}

bool Contains(const std::set<std::string>& alerts, const std::string& needle) {
  for (const auto& a : alerts) {
    if (a.find(needle) != std::string::npos) return true;
  }
  return false;
}

// The shape of a Prometheus API answer: every object's key set, by JSON path with array indices
// dropped ("data.groups[].rules[].alerts[]"), e.g. "data.groups[].rules[]: alerts,annotations,...".
// Recording and alerting rules differ in keys, so rule objects are told apart by "type".
void Shape(const nlohmann::json& j, const std::string& path, std::set<std::string>& out) {
  if (j.is_object()) {
    std::string keys;
    for (const auto& [k, v] : j.items()) keys += k + ",";
    const std::string where = j.contains("type") ? path + "(" + j.value("type", "") + ")" : path;
    // Label and annotation maps hold data, not schema.
    auto ends_with = [&path](std::string_view suffix) {
      return path.size() >= suffix.size() &&
             path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (!ends_with(".labels") && !ends_with(".annotations")) {
      out.insert(where + ": " + keys);
      for (const auto& [k, v] : j.items()) Shape(v, path + "." + k, out);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) Shape(v, path + "[]", out);
  } else {
    out.insert(path + ": " + std::string(j.type_name()));
  }
}

std::set<std::string> ShapeOf(const nlohmann::json& j) {
  std::set<std::string> out;
  Shape(j, "", out);
  return out;
}

std::string Join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += "  " + x + "\n";
  return out;
}

// The agent and a real Prometheus evaluate the same rule file over the same series and agree on
// the firing alerts; the agent's alerts reach a real Alertmanager.
TEST(AlertingTest, AgentAndPrometheusFireTheSameAlertsAndAlertmanagerGetsThem) {
  RealServer am = StartAlertmanager();
  ASSERT_TRUE(am.ok()) << am.error;
  const std::string rules = ShippedRulesWithFor("0s");
  const std::string rules_path = WriteTempFile("neo4j-cluster.rules.yml", rules);

  AgentOptions o;
  o.extra_args = {"--rules.file=" + rules_path, "--rules.evaluation-interval=1s",
                  "--alertmanager.url=" + am.base_url, "--rules.external-label=site=e2e"};
  SimAndAgent env(kCluster, o);
  ASSERT_TRUE(env.Ok());

  const std::string target = env.AgentUrl("").substr(std::string("http://").size());
  RealServer prom = StartPrometheus(
      "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
      "rule_files: [neo4j-cluster.rules.yml]\n"
      "scrape_configs:\n"
      "  - job_name: neo4j-cluster-agent\n"
      "    static_configs:\n"
      "      - targets: ['" +
          target + "']\n",
      {{"neo4j-cluster.rules.yml", rules}});
  ASSERT_TRUE(prom.ok()) << prom.error;

  // Healthy cluster first: a leader, and no member down in the agent's or Prometheus' view
  // (before the first collection every member counts as down).
  ASSERT_TRUE(env.WaitUntil(
      [](const std::vector<Sample>& s) { return !LeaderOf(s, "east", "neo4j").empty(); },
      seconds(60)));
  ASSERT_TRUE(PollUntil(
      [&] {
        return !Contains(FiringAlerts(GetJson(env.AgentUrl("/api/v1/alerts"))),
                         "alertname=Neo4jMemberDown,") &&
               !Contains(FiringAlerts(GetJson(prom.base_url + "/api/v1/alerts")),
                         "alertname=Neo4jMemberDown,");
      },
      seconds(60)));

  env.Fault(R"({"action":"stop_member","member":"east-4"})");
  std::set<std::string> agent_alerts;
  std::set<std::string> prom_alerts;
  const bool agree = PollUntil(
      [&] {
        agent_alerts = FiringAlerts(GetJson(env.AgentUrl("/api/v1/alerts")));
        prom_alerts = FiringAlerts(GetJson(prom.base_url + "/api/v1/alerts"));
        return Contains(agent_alerts, "alertname=Neo4jMemberDown,member=east-4,") &&
               agent_alerts == prom_alerts;
      },
      seconds(120), std::chrono::milliseconds(250));
  EXPECT_TRUE(agree) << "agent:\n"
                     << Join(agent_alerts) << "prometheus:\n"
                     << Join(prom_alerts) << env.Agent().Stderr();

  // The transition is in the agent's log.
  EXPECT_TRUE(env.Agent()
                  .WaitForOutput("msg=\"alert firing\" alertname=\"Neo4jMemberDown\"", seconds(10))
                  .has_value());

  // /api/v1/rules and /api/v1/alerts have the shape of the real Prometheus' answers for the
  // same rules (keys of every object, types of every value).
  const auto agent_rules = ShapeOf(GetJson(env.AgentUrl("/api/v1/rules")));
  const auto prom_rules = ShapeOf(GetJson(prom.base_url + "/api/v1/rules"));
  EXPECT_EQ(agent_rules, prom_rules) << "agent:\n"
                                     << Join(agent_rules) << "prometheus:\n"
                                     << Join(prom_rules);
  const auto agent_alert_shape = ShapeOf(GetJson(env.AgentUrl("/api/v1/alerts")));
  const auto prom_alert_shape = ShapeOf(GetJson(prom.base_url + "/api/v1/alerts"));
  EXPECT_EQ(agent_alert_shape, prom_alert_shape);

  // The same alert on the agent's /metrics, under its own name (not ALERTS).
  const std::string text = env.ScrapeText();
  EXPECT_NE(text.find("neo4j_agent_alerts{alertname=\"Neo4jMemberDown\""), std::string::npos);
  EXPECT_EQ(text.find("\nALERTS{"), std::string::npos);
  // With alerts and rule meta-metrics in it, the exposition still passes promtool's linter.
  CommandResult lint = RunCommand({"promtool", "check", "metrics"}, text);
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
  EXPECT_EQ(lint.output, "") << "promtool lint findings:\n" << lint.output;

  // Alertmanager received it, with the external label, the annotations and the generator URL.
  nlohmann::json received;
  const bool delivered = PollUntil(
      [&] {
        FetchResult r = HttpGet(am.base_url + "/api/v2/alerts", seconds(5));
        auto list = nlohmann::json::parse(r.body, nullptr, false);
        if (!list.is_array()) return false;
        for (const auto& a : list) {
          if (a["labels"].value("alertname", "") == "Neo4jMemberDown" &&
              a["labels"].value("member", "") == "east-4") {
            received = a;
            return true;
          }
        }
        return false;
      },
      seconds(60));
  ASSERT_TRUE(delivered) << env.Agent().Stderr();
  EXPECT_EQ(received["labels"].value("site", ""), "e2e");
  EXPECT_EQ(received["labels"].value("severity", ""), "warning");
  EXPECT_NE(received["annotations"].value("summary", ""), "");
  EXPECT_NE(received["annotations"].value("runbook_url", "").find("Neo4jMemberDown"),
            std::string::npos);
  EXPECT_NE(received.value("generatorURL", "").find("/graph?g0.expr="), std::string::npos);
  EXPECT_EQ(received["status"].value("state", ""), "active");

  // The member comes back: the alert resolves on the agent and in Alertmanager.
  env.Fault(R"({"action":"start_member","member":"east-4"})");
  EXPECT_TRUE(PollUntil(
      [&] {
        return !Contains(FiringAlerts(GetJson(env.AgentUrl("/api/v1/alerts"))),
                         "alertname=Neo4jMemberDown,member=east-4,");
      },
      seconds(60)));
  EXPECT_TRUE(PollUntil(
      [&] {
        FetchResult r = HttpGet(am.base_url + "/api/v2/alerts?active=true", seconds(5));
        return r.status == 200 && r.body.find("\"member\":\"east-4\"") == std::string::npos;
      },
      seconds(60)))
      << env.Agent().Stderr();

  EXPECT_TRUE(
      env.Agent()
          .WaitForOutput("msg=\"alert resolved\" alertname=\"Neo4jMemberDown\"", seconds(10))
          .has_value());

  // Notifier and rule meta-metrics are exported.
  const std::string after = env.ScrapeText();
  EXPECT_NE(after.find("neo4j_agent_notifications_sent_total{alertmanager=\"" + am.base_url +
                       "/api/v2/alerts\"}"),
            std::string::npos);
  EXPECT_NE(after.find("neo4j_agent_rule_history_memory_bytes "), std::string::npos);
}

constexpr char kRulesA[] = R"(groups:
- name: first
  rules:
  - record: e2e:members_up
    expr: sum(neo4j_up)
)";

constexpr char kRulesB[] = R"(groups:
- name: second
  rules:
  - alert: E2EMembersUp
    expr: sum(neo4j_up) > 0
)";

std::set<std::string> GroupNames(const nlohmann::json& rules) {
  std::set<std::string> out;
  if (!rules.is_object() || !rules.contains("data")) return out;
  for (const auto& g : rules["data"]["groups"]) out.insert(g.value("name", ""));
  return out;
}

TEST(AlertingTest, ReloadsOnSighupAndPostAndKeepsOldRulesWhenBroken) {
  const std::string path = WriteTempFile("reload.rules.yml", kRulesA);
  AgentOptions o;
  o.extra_args = {"--rules.file=" + path, "--rules.evaluation-interval=1s"};
  SimAndAgent env(kCluster, o);
  ASSERT_TRUE(env.Ok());
  EXPECT_EQ(GroupNames(GetJson(env.AgentUrl("/api/v1/rules"))), std::set<std::string>{"first"});

  std::ofstream(path) << kRulesB;
  env.Agent().Signal(SIGHUP);
  EXPECT_TRUE(PollUntil(
      [&] {
        return GroupNames(GetJson(env.AgentUrl("/api/v1/rules"))) ==
               std::set<std::string>{"second"};
      },
      seconds(30)))
      << env.Agent().Stderr();
  // The new alert fires (sum(neo4j_up) > 0 once a member answers).
  EXPECT_TRUE(PollUntil(
      [&] {
        return Contains(FiringAlerts(GetJson(env.AgentUrl("/api/v1/alerts"))),
                        "alertname=E2EMembersUp,");
      },
      seconds(60)));

  // A broken file: POST /-/reload answers 500 naming the file, the old rules stay.
  std::ofstream(path) << "groups:\n- name: third\n  rules:\n  - alert: Broken\n    expr: sum(\n";
  FetchResult r = HttpPost(env.AgentUrl("/-/reload"), "", "text/plain", seconds(10));
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("reload.rules.yml"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("could not parse expression"), std::string::npos) << r.body;
  EXPECT_EQ(GroupNames(GetJson(env.AgentUrl("/api/v1/rules"))), std::set<std::string>{"second"});
  EXPECT_NE(env.ScrapeText().find("neo4j_agent_rules_last_reload_successful 0"), std::string::npos);
  EXPECT_TRUE(env.Agent().WaitForOutput("reload failed", seconds(10)).has_value());

  // Fixed again: POST succeeds.
  std::ofstream(path) << kRulesA;
  r = HttpPost(env.AgentUrl("/-/reload"), "", "text/plain", seconds(10));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(GroupNames(GetJson(env.AgentUrl("/api/v1/rules"))), std::set<std::string>{"first"});
  EXPECT_NE(env.ScrapeText().find("neo4j_agent_rules_last_reload_successful 1"), std::string::npos);
}

// spec.monitoring of a --cluster-spec manifest becomes an alert over the manifest's metric.
TEST(AlertingTest, ManifestMonitoringAlertFires) {
  const std::string manifest =
      WriteTempFile("east.yaml", R"yaml(apiVersion: neo4j.neo4j.com/v1alpha1
kind: Neo4jEnterpriseCluster
metadata:
  name: east
  namespace: neo4j
spec:
  topology:
    primaries: 3
    secondaries: 1
  monitoring:
    metrics:
    - name: members_up
      query: "sum by (neo4j_cluster) (neo4j_up)"
    alerts:
    - name: east-degraded
      condition: "members_up < 4"
      severity: critical
)yaml");
  AgentOptions o;
  o.extra_args = {"--cluster-spec=" + manifest, "--rules.evaluation-interval=1s"};
  SimAndAgent env(kCluster, o);
  ASSERT_TRUE(env.Ok());
  auto rules = GetJson(env.AgentUrl("/api/v1/rules"));
  EXPECT_EQ(GroupNames(rules).count("manifest/neo4j/east"), 1u) << rules.dump();
  const std::string alert =
      "alertname=east-degraded,manifest=neo4j/east,neo4j_cluster=east,severity=critical,";
  // All four members answer first (before the first collection they count as down).
  ASSERT_TRUE(PollUntil(
      [&] {
        return env.ScrapeText().find("neo4j_agent_rule_group_last_evaluation_timestamp_seconds") !=
                   std::string::npos &&
               !Contains(FiringAlerts(GetJson(env.AgentUrl("/api/v1/alerts"))), alert) &&
               env.WaitUntil(
                   [](const std::vector<Sample>& s) {
                     const auto up = Select(s, "neo4j_up", {{"neo4j_cluster", "east"}});
                     double sum = 0;
                     for (const auto& x : up) sum += x.value;
                     return up.size() == 4 && sum == 4;
                   },
                   seconds(1));
      },
      seconds(60)));

  env.Fault(R"({"action":"stop_member","member":"east-3"})");
  EXPECT_TRUE(PollUntil(
      [&] { return Contains(FiringAlerts(GetJson(env.AgentUrl("/api/v1/alerts"))), alert); },
      seconds(60)))
      << GetJson(env.AgentUrl("/api/v1/alerts")).dump() << env.Agent().Stderr();
}

// A broken rule file is a configuration error: exit 2 before listening, naming the file.
TEST(AlertingTest, BrokenRuleFileStopsTheAgentBeforeItListens) {
  const std::string path =
      WriteTempFile("bad.rules.yml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: (\n");
  Process agent({NCA_AGENT_BIN, "--web.listen-address=127.0.0.1:0", "--rules.file=" + path,
                 "--cluster=x=http://127.0.0.1:9"});
  auto rc = agent.WaitForExit(seconds(30));
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 2);
  const std::string err = agent.Stderr() + agent.Stdout();
  EXPECT_NE(err.find("bad.rules.yml"), std::string::npos) << err;
  EXPECT_NE(err.find("could not parse expression"), std::string::npos) << err;
  EXPECT_EQ(err.find("listening"), std::string::npos) << err;
}

// A manifest alert whose condition is not PromQL is a configuration error too: exit 2, naming the
// manifest and the alert, before listening.
TEST(AlertingTest, BrokenManifestConditionStopsTheAgentBeforeItListens) {
  const std::string manifest =
      WriteTempFile("bad-monitoring.yaml", R"yaml(apiVersion: neo4j.neo4j.com/v1alpha1
kind: Neo4jEnterpriseCluster
metadata:
  name: x
  namespace: neo4j
spec:
  monitoring:
    metrics:
    - name: health
      query: neo4j_zone_distribution_health
    alerts:
    - name: zone-imbalance
      condition: "health <"
      severity: warning
)yaml");
  Process agent({NCA_AGENT_BIN, "--web.listen-address=127.0.0.1:0", "--cluster-spec=" + manifest,
                 "--cluster=x=http://127.0.0.1:9"});
  auto rc = agent.WaitForExit(seconds(30));
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 2);
  const std::string err = agent.Stderr() + agent.Stdout();
  EXPECT_NE(err.find("bad-monitoring.yaml: spec.monitoring.alerts[0] (zone-imbalance)"),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find("listening"), std::string::npos) << err;
}

}  // namespace
}  // namespace nca::testing
