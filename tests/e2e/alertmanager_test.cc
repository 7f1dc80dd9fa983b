// The notifier against the real Alertmanager (Debian's prometheus-alertmanager): a firing alert
// sent through alerts::Notifier shows up in Alertmanager's API with its labels (external labels
// included), annotations, startsAt and generatorURL; sent again resolved, it stops being listed.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "alerts/notifier.h"
#include "common/clock.h"
#include "neo4j/http_engine.h"
#include "support/http_fetch.h"
#include "support/process.h"
#include "support/real_servers.h"

namespace nca::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// The alert named `alertname` in Alertmanager's GET /api/v2/alerts answer (active alerts only,
// Alertmanager's default filter), or nullopt.
std::optional<nlohmann::json> FindAlert(const std::string& base, const std::string& alertname) {
  FetchResult r = HttpGet(base + "/api/v2/alerts", seconds(5));
  if (r.status != 200) {
    return std::nullopt;
  }
  auto alerts = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (!alerts.is_array()) {
    return std::nullopt;
  }
  for (const auto& a : alerts) {
    if (a.contains("labels") && a["labels"].value("alertname", "") == alertname) {
      return a;
    }
  }
  return std::nullopt;
}

TEST(AlertmanagerTest, FiringThenResolvedAlertThroughTheRealAlertmanager) {
  RealServer am = StartAlertmanager();
  if (FindBinary("prometheus-alertmanager").empty()) {
    GTEST_SKIP() << "prometheus-alertmanager is not installed (Debian package "
                    "prometheus-alertmanager)";
  }
  ASSERT_TRUE(am.ok()) << am.error;
  const std::string base = am.base_url;

  RealClock clock;
  neo4j::HttpEngine http(clock);
  alerts::NotifierOptions options;
  options.alertmanager_urls = {base};
  options.external_labels = {{"agent_site", "e2e-site"}, {"severity", "ignored"}};
  options.timeout = milliseconds(5000);
  options.backoff_initial = milliseconds(50);
  options.backoff_max = milliseconds(500);
  alerts::Notifier notifier(options, http, clock);
  notifier.Start();

  const SystemTime now = std::chrono::floor<milliseconds>(clock.Now());
  alerts::NotifyAlert alert;
  alert.labels = {{"alertname", "NotifierEndToEnd"}, {"severity", "critical"}};
  alert.annotations = {{"summary", "the notifier reached Alertmanager"},
                       {"runbook_url", "https://example.com/runbook?a=1&b=<2>"}};
  alert.starts_at = now - seconds(60);
  alert.ends_at = now + seconds(600);  // like Prometheus' ValidUntil: resent before it passes
  alert.generator_url = "http://agent.example:9474/alerts?expr=up%3D%3D0";
  notifier.Send({alert});

  std::optional<nlohmann::json> got;
  ASSERT_TRUE(PollUntil(
      [&] {
        got = FindAlert(base, "NotifierEndToEnd");
        return got.has_value();
      },
      seconds(30)))
      << am.process->Stderr();
  EXPECT_EQ((*got)["labels"], nlohmann::json({{"alertname", "NotifierEndToEnd"},
                                              {"severity", "critical"},
                                              {"agent_site", "e2e-site"}}));
  EXPECT_EQ((*got)["annotations"],
            nlohmann::json({{"summary", "the notifier reached Alertmanager"},
                            {"runbook_url", "https://example.com/runbook?a=1&b=<2>"}}));
  EXPECT_EQ((*got)["startsAt"], alerts::FormatRfc3339(alert.starts_at));
  EXPECT_EQ((*got)["endsAt"], alerts::FormatRfc3339(*alert.ends_at));
  EXPECT_EQ((*got)["generatorURL"], alert.generator_url);
  EXPECT_EQ((*got)["status"]["state"], "active");

  // Resolved: endsAt in the past. Alertmanager stops listing it among its (active) alerts.
  alert.ends_at = std::chrono::floor<milliseconds>(clock.Now()) - seconds(1);
  notifier.Send({alert});
  EXPECT_TRUE(
      PollUntil([&] { return !FindAlert(base, "NotifierEndToEnd").has_value(); }, seconds(30)))
      << FindAlert(base, "NotifierEndToEnd").value_or(nlohmann::json()).dump();

  ASSERT_TRUE(notifier.WaitUntilIdle(seconds(10)));
  notifier.Stop();
  double sent = -1;
  double errors = -1;
  for (const auto& f : notifier.Metrics()) {
    for (const auto& m : f.metric) {
      if (f.name == "neo4j_agent_notifications_sent_total") {
        sent = m.counter.value;
      } else if (f.name == "neo4j_agent_notifications_errors_total") {
        errors = m.counter.value;
      }
    }
  }
  EXPECT_EQ(sent, 2);
  EXPECT_EQ(errors, 0);
}

}  // namespace
}  // namespace nca::testing
