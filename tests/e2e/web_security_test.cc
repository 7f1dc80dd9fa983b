// --web.config.file end to end: the real agent serving TLS with basic auth, scraped by a real
// Prometheus configured as a user would (scheme https, tls_config.ca_file, basic_auth with a
// password_file); a second scrape job without credentials is refused with 401. A broken web
// config stops the agent before it binds, naming file, line and key.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "harness.h"
#include "support/http_fetch.h"
#include "support/process.h"
#include "support/real_servers.h"
#include "support/test_pki.h"

namespace nca::testing {
namespace {

using std::chrono::seconds;

constexpr char kCluster[] = R"(
simulator: {seed: 5}
clusters:
  - name: east
    version: 5.26.0
    credentials: {username: neo4j, password: e2e-password}
    members:
      - {name: east-1, mode: primary}
      - {name: east-2, mode: primary}
      - {name: east-3, mode: primary}
)";

// bcrypt("scrape-secret") at cost 4.
constexpr char kHash[] = "$2y$04$Aq3vL8dZnE1vJ0bTgFQpUuace/WqAmp3jpGoQQ4G8uy.vSBBtycOC";

// The value of a one-sample instant query, or nullopt.
std::optional<double> Query(const std::string& prom, const std::string& expr) {
  auto j = GetJson(prom + "/api/v1/query?query=" + UrlEncodeQuery(expr));
  if (!j.is_object() || j.value("status", "") != "success") {
    return std::nullopt;
  }
  const auto& result = j["data"]["result"];
  if (!result.is_array() || result.size() != 1) {
    return std::nullopt;
  }
  return std::stod(result[0]["value"][1].get<std::string>());
}

TEST(WebSecurityE2eTest, PrometheusScrapesOverTlsWithBasicAuth) {
  TestPki pki;
  if (!pki.ok()) {
    GTEST_SKIP() << pki.error;
  }
  const std::string web =
      WriteTempFile("web.yml", "tls_server_config:\n  cert_file: " + pki.server_cert +
                                   "\n  key_file: " + pki.server_key +
                                   "\nbasic_auth_users:\n  prometheus: " + kHash + "\n");
  AgentOptions o;
  o.extra_args = {"--web.config.file=" + web};
  SimAndAgent env(kCluster, o);
  ASSERT_TRUE(env.Ok());
  const std::string target = env.AgentUrl("").substr(std::string("http://").size());

  // Plain HTTP is not served any more.
  EXPECT_EQ(HttpGet(env.AgentUrl(), seconds(5)).status, 0);

  RealServer prom = StartPrometheus(
      "global: {scrape_interval: 1s}\n"
      "scrape_configs:\n"
      "  - job_name: agent\n"
      "    scheme: https\n"
      "    tls_config: {ca_file: ca.crt}\n"
      "    basic_auth: {username: prometheus, password_file: scrape-password}\n"
      "    static_configs: [{targets: ['" +
          target +
          "']}]\n"
          "  - job_name: agent-without-credentials\n"
          "    scheme: https\n"
          "    tls_config: {ca_file: ca.crt}\n"
          "    static_configs: [{targets: ['" +
          target + "']}]\n",
      {{"ca.crt",
        [&] {
          auto r = RunCommand({"cat", pki.ca_cert});
          return r.output;
        }()},
       {"scrape-password", "scrape-secret\n"}});
  ASSERT_TRUE(prom.ok()) << prom.error;

  // Scraped, with the agent's series (and a collected one), over TLS with credentials.
  EXPECT_TRUE(PollUntil(
      [&] {
        return Query(prom.base_url, "up{job=\"agent\"}") == 1.0 &&
               Query(prom.base_url, "neo4j_agent_web_config_last_reload_successful") == 1.0 &&
               Query(prom.base_url, "count(neo4j_up{job=\"agent\"} == 1)") == 3.0;
      },
      seconds(60)))
      << env.Agent().Stderr();
  // Without credentials: down, for the reason Prometheus gives.
  std::string last_error;
  EXPECT_TRUE(PollUntil(
      [&] {
        auto targets = GetJson(prom.base_url + "/api/v1/targets");
        if (!targets.is_object()) {
          return false;
        }
        for (const auto& t : targets["data"]["activeTargets"]) {
          if (t["labels"].value("job", "") == "agent-without-credentials") {
            last_error = t.value("lastError", "");
            return t.value("health", "") == "down" &&
                   last_error.find("401 Unauthorized") != std::string::npos;
          }
        }
        return false;
      },
      seconds(30)))
      << last_error;
}

TEST(WebSecurityE2eTest, BadWebConfigStopsTheAgentBeforeItBinds) {
  const std::string web = WriteTempFile("web.yml",
                                        "tls_server_config:\n"
                                        "  cert_file: server.crt\n"
                                        "  key_file: server.key\n"
                                        "  client_auth_type: Sometimes\n");
  const std::string config = WriteTempFile("agent.yml",
                                           "clusters:\n  - name: east\n    members:\n      - {url: "
                                           "\"http://127.0.0.1:1\"}\n");
  Process agent({NCA_AGENT_BIN, "--config=" + config, "--web.listen-address=127.0.0.1:0",
                 "--web.config.file=" + web});
  auto rc = agent.WaitForExit(seconds(20));
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 2);
  const std::string out = agent.Stderr() + agent.Stdout();
  EXPECT_NE(out.find(web + ":4:21: tls_server_config.client_auth_type: invalid ClientAuth: "
                           "Sometimes"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("msg=\"listening\""), std::string::npos) << out;
}

}  // namespace
}  // namespace nca::testing
