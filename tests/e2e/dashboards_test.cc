// The shipped Grafana dashboards (dashboards/grafana/*.json) against a real Prometheus 2.42
// scraping the real agent on the simulator's default topology (three clusters, zones from the
// Kubernetes API, cross-cluster links, local rules): every variable query and every panel target,
// with the variables substituted as Grafana substitutes them, must be valid PromQL and return
// data in the steady state, except the panels about faults, which must return data after the
// matching fault. Every metric name a dashboard uses must exist in what Prometheus scraped.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "harness.h"
#include "sim/config.h"
#include "support/http_fetch.h"
#include "support/real_servers.h"

namespace nca::testing {
namespace {

using Json = nlohmann::json;
using std::chrono::seconds;

struct Query {
  std::string dashboard;  // uid
  std::string panel;      // title ("variable <name>" for variable queries)
  std::string expr;       // as written in the dashboard
};

std::vector<Json> LoadDashboards() {
  std::vector<Json> out;
  const std::filesystem::path dir = std::filesystem::path(NCA_SOURCE_DIR) / "dashboards/grafana";
  if (!std::filesystem::exists(dir)) return out;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    out.push_back(Json::parse(in, nullptr, false));
  }
  return out;
}

void CollectPanels(const Json& panels, const std::string& uid, std::vector<Query>& out) {
  if (!panels.is_array()) return;
  for (const Json& p : panels) {
    CollectPanels(p.value("panels", Json::array()), uid, out);  // rows
    for (const Json& t : p.value("targets", Json::array())) {
      const std::string expr = t.value("expr", "");
      if (!expr.empty() && !t.value("hide", false)) {
        out.push_back({uid, p.value("title", ""), expr});
      }
    }
  }
}

// Grafana's variable query forms: label_values(selector, label), label_values(label),
// query_result(expr), or a plain expression.
std::string VariableQuery(const Json& v) {
  if (v["query"].is_string()) return v["query"].get<std::string>();
  if (v["query"].is_object()) return v["query"].value("query", "");
  return "";
}

// Grafana's substitution of a multi-value or All variable in a regex matcher: (a|b|c), with
// regex metacharacters escaped; a single value as it is.
std::string RegexValue(const std::vector<std::string>& values) {
  auto escape = [](const std::string& s) {
    static const std::regex meta(R"([.^$|()\[\]{}*+?\\])");
    return std::regex_replace(s, meta, R"(\\$&)");
  };
  if (values.size() == 1) return escape(values[0]);
  std::string out = "(";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? "|" : "") + escape(values[i]);
  return out + ")";
}

// Built-in variables at a 1 s scrape interval and a 15 min view.
const std::map<std::string, std::string> kBuiltins = {
    {"__rate_interval", "1m"}, {"__interval", "15s"},    {"__range", "15m"},
    {"__range_s", "900"},      {"__range_ms", "900000"}, {"__interval_ms", "15000"}};

std::string Substitute(std::string expr, const std::map<std::string, std::string>& vars) {
  std::map<std::string, std::string> all = kBuiltins;
  all.insert(vars.begin(), vars.end());
  static const std::regex ref(
      R"(\$\{([A-Za-z0-9_]+)(?::[a-z]+)?\}|\[\[([A-Za-z0-9_]+)\]\]|\$([A-Za-z0-9_]+))");
  std::string out;
  std::sregex_iterator it(expr.begin(), expr.end(), ref), end;
  std::size_t last = 0;
  for (; it != end; ++it) {
    const std::smatch& m = *it;
    const std::string name = m[1].matched ? m[1].str() : m[2].matched ? m[2].str() : m[3].str();
    out += expr.substr(last, static_cast<std::size_t>(m.position(0)) - last);
    auto v = all.find(name);
    out += v != all.end() ? v->second : m.str(0);
    last = static_cast<std::size_t>(m.position(0) + m.length(0));
  }
  return out + expr.substr(last);
}

// Metric names an expression reads (identifiers that are not functions, keywords, label names,
// durations or strings).
std::set<std::string> MetricNames(const std::string& expr) {
  std::string s = std::regex_replace(expr, std::regex(R"("(\\.|[^"\\])*")"), "\"\"");
  s = std::regex_replace(s, std::regex(R"(\{[^}]*\})"), " ");
  s = std::regex_replace(s, std::regex(R"(\[[^\]]*\])"), " ");
  s = std::regex_replace(
      s, std::regex(R"(\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\))"), " ");
  static const std::set<std::string> keywords = {
      "by",     "without",    "on",          "ignoring", "bool", "and", "or",  "unless",
      "offset", "group_left", "group_right", "inf",      "nan",  "Inf", "NaN", "e"};
  std::set<std::string> out;
  static const std::regex ident(R"(([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?)");
  for (std::sregex_iterator it(s.begin(), s.end(), ident), end; it != end; ++it) {
    const std::smatch& m = *it;
    if (m[2].matched) continue;  // a function or aggregation
    const std::size_t pos = static_cast<std::size_t>(m.position(0));
    if (pos > 0 && (std::isdigit(static_cast<unsigned char>(s[pos - 1])) || s[pos - 1] == '.')) {
      continue;  // part of a number such as 1e3
    }
    if (keywords.count(m[1].str()) == 0) out.insert(m[1].str());
  }
  return out;
}

class DashboardsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    am_ = new RealServer(StartAlertmanager());
    ASSERT_TRUE(am_->ok()) << am_->error;
    // The shipped rules with `for: 5s`, in the agent and in Prometheus, so that the alert panels
    // and annotations see firing alerts within the test.
    const std::string rules = ShippedRulesWithFor("5s");
    AgentOptions o;
    o.topology = true;
    o.extra_args = {"--rules.file=" + WriteTempFile("neo4j-cluster.rules.yml", rules),
                    "--rules.evaluation-interval=1s", "--alertmanager.url=" + am_->base_url};
    env_ = new SimAndAgent(std::string(sim::DefaultTopologyYaml()), o);
    ASSERT_TRUE(env_->Ok());
    const std::string target = env_->AgentUrl("").substr(std::string("http://").size());
    prom_ =
        new RealServer(StartPrometheus("global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                                       "rule_files: [neo4j-cluster.rules.yml]\n"
                                       "scrape_configs:\n"
                                       "  - job_name: neo4j-cluster-agent\n"
                                       "    static_configs:\n"
                                       "      - targets: ['" +
                                           target + "']\n        labels: {cluster: e2e}\n",
                                       {{"neo4j-cluster.rules.yml", rules}}));
    ASSERT_TRUE(prom_->ok()) << prom_->error;
  }
  static void TearDownTestSuite() {
    delete prom_;
    delete env_;
    delete am_;
    prom_ = nullptr;
    env_ = nullptr;
    am_ = nullptr;
  }

  static Json Instant(const std::string& q) {
    return GetJson(prom_->base_url + "/api/v1/query?query=" + UrlEncodeQuery(q), seconds(10));
  }

  // The values of a variable query (label_values / query_result / expression).
  static std::vector<std::string> VariableValues(const std::string& raw, const std::string& label,
                                                 const std::map<std::string, std::string>& vars) {
    const std::string in = Substitute(raw, vars);
    std::string q = in;
    std::string want = label;
    std::smatch m;
    if (std::regex_match(in, m,
                         std::regex(R"(\s*label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\)\s*)"))) {
      q = "group by (" + m[2].str() + ") (" + m[1].str() + ")";
      want = m[2].str();
    } else if (std::regex_match(
                   in, m, std::regex(R"(\s*label_values\(\s*([A-Za-z_][A-Za-z0-9_]*)\)\s*)"))) {
      q = "group by (" + m[1].str() + ") ({" + m[1].str() + "!=\"\"})";
      want = m[1].str();
    } else if (std::regex_match(in, m, std::regex(R"(\s*query_result\((.*)\)\s*)"))) {
      q = m[1].str();
    }
    std::set<std::string> values;
    Json j = Instant(q);
    if (j.is_object() && j["status"] == "success") {
      for (const Json& r : j["data"]["result"]) {
        const std::string v = r["metric"].value(want, "");
        if (!v.empty()) values.insert(v);
      }
    }
    return {values.begin(), values.end()};
  }

  static SimAndAgent* env_;
  static RealServer* prom_;
  static RealServer* am_;
};
SimAndAgent* DashboardsTest::env_ = nullptr;
RealServer* DashboardsTest::prom_ = nullptr;
RealServer* DashboardsTest::am_ = nullptr;

// Panels (and annotations) that are empty while nothing is wrong, by title: each must return
// data once the faults below are applied (a member stopped, a leader change, a cross-cluster link
// cut). Anything else empty in the steady state is a broken panel.
const std::set<std::string> kFaultPanels = {
    "Member request errors by reason",  // neo4j_member_request_errors_total: only after errors
    "Alerts by state",                  // neo4j_agent_alerts: only while alerts are active
    "Notifications",                    // sent/errors/dropped: after the first alert is sent
    "Failed probes by reason",          // neo4j_cross_cluster_probe_failures_total
    "annotation Firing alerts (Prometheus)",
    "annotation Firing alerts (agents)",
    "annotation Leader changes",
};

TEST(DashboardQueryTest, SubstitutionAndMetricNames) {
  EXPECT_EQ(
      Substitute("rate(x{a=~\"$a\",b=\"${b}\"}[$__rate_interval])", {{"a", "(p|q)"}, {"b", "v"}}),
      "rate(x{a=~\"(p|q)\",b=\"v\"}[1m])");
  EXPECT_EQ(Substitute("[[a]] $undefined", {{"a", "1"}}), "1 $undefined");
  EXPECT_EQ(RegexValue({"a.b", "c"}), "(a\\\\.b|c)");
  EXPECT_EQ(MetricNames("sum by (database) (rate(neo4j_x_total{y=\"z\"}[5m])) / on(a) "
                        "max(neo4j_y) > 1e3 or vector(0)"),
            (std::set<std::string>{"neo4j_x_total", "neo4j_y"}));
}

// Every panel's queries, in the steady state and (for the fault panels) after the matching
// fault; variables take every value their queries return.
TEST_F(DashboardsTest, EveryPanelQueryReturnsData) {
  const std::vector<Json> dashboards = LoadDashboards();
  ASSERT_FALSE(dashboards.empty()) << "no dashboards/grafana/*.json";
  // Steady state first: every cluster with a leader and every collector through a round.
  ASSERT_TRUE(env_->WaitUntil(
      [](const std::vector<Sample>& s) {
        for (const char* c : {"prod-east", "legacy-44", "dr-west"}) {
          if (LeaderOf(s, c, "neo4j").empty()) return false;
        }
        return true;
      },
      seconds(60)));
  ASSERT_TRUE(
      PollUntil([] { return Instant("up == 1")["data"]["result"].size() == 1; }, seconds(30)));
  // Enough samples for rates over $__rate_interval (1m) to exist.
  ASSERT_TRUE(PollUntil(
      [] {
        Json j = Instant("count_over_time(neo4j_up[1m])");
        return j.is_object() && !j["data"]["result"].empty() &&
               std::stod(j["data"]["result"][0]["value"][1].get<std::string>()) >= 5;
      },
      seconds(60), std::chrono::milliseconds(500)));

  std::vector<Query> queries;
  std::map<std::string, std::map<std::string, std::string>> vars_of;  // by dashboard uid
  for (const Json& d : dashboards) {
    const std::string uid = d.value("uid", "");
    std::map<std::string, std::string> vars;
    for (const Json& v : d["templating"]["list"]) {
      const std::string name = v.value("name", "");
      if (v.value("type", "") == "datasource") continue;
      if (v.value("type", "") != "query") continue;
      const std::string raw = VariableQuery(v);
      const auto values = VariableValues(raw, name, vars);
      EXPECT_FALSE(values.empty()) << uid << ": variable " << name << ": " << raw;
      if (values.empty()) continue;
      const bool multi = v.value("multi", false) || v.value("includeAll", false);
      vars[name] = multi ? RegexValue(values) : values.front();
    }
    vars_of[uid] = vars;
    CollectPanels(d["panels"], uid, queries);
    for (const Json& a : d["annotations"]["list"]) {
      const std::string expr = a.value("expr", "");
      if (!expr.empty()) queries.push_back({uid, "annotation " + a.value("name", ""), expr});
    }
  }
  ASSERT_FALSE(queries.empty());

  std::vector<const Query*> empty;
  for (const Query& q : queries) {
    const std::string expr = Substitute(q.expr, vars_of[q.dashboard]);
    Json j = Instant(expr);
    ASSERT_TRUE(j.is_object()) << q.dashboard << " / " << q.panel << ": " << expr;
    EXPECT_EQ(j.value("status", ""), "success")
        << q.dashboard << " / " << q.panel << ": " << expr << ": " << j.dump();
    if (j["data"]["result"].empty()) empty.push_back(&q);
  }
  // The inventory names each member's zone and node (Kubernetes source in this topology).
  for (const Query& q : queries) {
    if (q.panel != "Inventory") continue;
    Json j = Instant(Substitute(q.expr, vars_of[q.dashboard]));
    int zoned = 0;
    for (const Json& r : j["data"]["result"]) {
      if (!r["metric"].value("neo4j_zone", "").empty() && !r["metric"].value("node", "").empty()) {
        ++zoned;
      }
    }
    EXPECT_GT(zoned, 0) << "no inventory row with a zone and a node: " << j.dump();
  }
  std::string report;
  for (const Query* q : empty) {
    if (kFaultPanels.count(q->panel) == 0) {
      report += "\n  " + q->dashboard + " / " + q->panel + ": " + q->expr;
    }
  }
  EXPECT_TRUE(report.empty()) << "panels without data in the steady state:" << report;

  // The faults the fault panels are about; every panel empty so far must now return data.
  env_->Fault(R"({"action":"stop_member","member":"prod-east-2"})");
  env_->Fault(R"({"action":"force_leader_change","cluster":"legacy-44"})");
  env_->Fault(R"({"action":"link_cut","from":"prod-east","to":"dr-west"})");
  std::vector<const Query*> still = empty;
  PollUntil(
      [&] {
        std::vector<const Query*> next;
        for (const Query* q : still) {
          Json j = Instant(Substitute(q->expr, vars_of[q->dashboard]));
          if (!j.is_object() || j["data"]["result"].empty()) next.push_back(q);
        }
        still = next;
        return still.empty();
      },
      seconds(90), std::chrono::seconds(1));
  report.clear();
  for (const Query* q : still) report += "\n  " + q->dashboard + " / " + q->panel + ": " + q->expr;
  EXPECT_TRUE(still.empty()) << "fault panels still without data after the faults:" << report;

  // Every metric name a dashboard reads exists in what Prometheus scraped (or is Prometheus' own
  // ALERTS), now that the fault-only series exist too.
  std::set<std::string> scraped;
  {
    Json names = GetJson(prom_->base_url + "/api/v1/label/__name__/values", seconds(10));
    for (const Json& n : names["data"]) scraped.insert(n.get<std::string>());
  }
  for (const Query& q : queries) {
    for (const std::string& name : MetricNames(Substitute(q.expr, vars_of[q.dashboard]))) {
      EXPECT_TRUE(scraped.count(name) == 1 || name == "ALERTS")
          << q.dashboard << " / " << q.panel << ": no metric " << name << " in the scrape";
    }
  }
  env_->Fault(R"({"action":"reset"})");
}

}  // namespace
}  // namespace nca::testing
