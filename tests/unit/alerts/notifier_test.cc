#include "alerts/notifier.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "neo4j/http_engine.h"
#include "net/http_server.h"

namespace nca::alerts {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// ---------------------------------------------------------------------------------------------
// Pure encoding.

TEST(FormatRfc3339Test, MillisecondsInUtc) {
  const SystemTime t{seconds(1700000000)};
  EXPECT_EQ(FormatRfc3339(t), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(FormatRfc3339(t + std::chrono::nanoseconds(123456789)), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(FormatRfc3339(t + std::chrono::nanoseconds(999999)), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(FormatRfc3339(SystemTime{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(SystemTime{} - milliseconds(1)), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(SystemTime{seconds(951782400)}), "2000-02-29T00:00:00.000Z");
}

TEST(EncodeAlertsTest, ExactBodyInPrometheusFieldOrder) {
  NotifyAlert firing;
  firing.labels = {{"alertname", "Neo4jNoLeader"}, {"neo4j_cluster", "prod"}};
  firing.annotations = {{"summary", "no leader"}};
  firing.starts_at = SystemTime{seconds(1700000000)};
  firing.ends_at = SystemTime{seconds(1700000240) + milliseconds(5)};
  firing.generator_url = "http://agent:9474/graph?g0.expr=up";
  NotifyAlert bare;
  bare.labels = {{"alertname", "Bare"}};
  bare.starts_at = SystemTime{seconds(1700000001)};

  EXPECT_EQ(EncodeAlerts({firing, bare}),
            R"([{"annotations":{"summary":"no leader"},"endsAt":"2023-11-14T22:17:20.005Z",)"
            R"("startsAt":"2023-11-14T22:13:20.000Z",)"
            R"("generatorURL":"http://agent:9474/graph?g0.expr=up",)"
            R"("labels":{"alertname":"Neo4jNoLeader","neo4j_cluster":"prod"}},)"
            R"({"startsAt":"2023-11-14T22:13:21.000Z","labels":{"alertname":"Bare"}}])");
  EXPECT_EQ(EncodeAlerts({}), "[]");
}

TEST(EncodeAlertsTest, EscapesStringsLikeGo) {
  NotifyAlert a;
  a.labels = {{"alertname", "x"}};
  a.annotations = {
      {"html", "<a href=\"x\">&</a>"},
      {"ctl", "tab\there\nnl\r\x01\x1f\\"},
      {"utf8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
      {"bad",
       "a\xff"
       "b\xc3"
       "c\xed\xa0\x80"},  // stray byte, truncated, surrogate
      {"sep", "\xe2\x80\xa8\xe2\x80\xa9"},
  };
  a.starts_at = SystemTime{};
  const std::string body = EncodeAlerts({a});
  EXPECT_NE(body.find(R"("html":"\u003ca href=\"x\"\u003e\u0026\u003c/a\u003e")"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("ctl":"tab\there\nnl\r\u0001\u001f\\")"), std::string::npos) << body;
  EXPECT_NE(body.find("\"utf8\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""), std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("bad":"a\ufffdb\ufffdc\ufffd\ufffd\ufffd")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("sep":"\u2028\u2029")"), std::string::npos) << body;
  // Whatever the input bytes, the body is valid JSON.
  auto parsed = nlohmann::json::parse(body);
  EXPECT_EQ(parsed[0]["annotations"]["html"], "<a href=\"x\">&</a>");
  EXPECT_EQ(parsed[0]["annotations"]["sep"], "\xe2\x80\xa8\xe2\x80\xa9");
}

// ---------------------------------------------------------------------------------------------
// Validation.

TEST(NotifierValidateTest, AcceptsHttpAndHttpsBaseUrls) {
  for (const char* url : {"http://127.0.0.1:9093", "https://am.example.com/prefix/",
                          "http://user:pw@am:9093", "http://[::1]:9093", "HTTP://am"}) {
    EXPECT_TRUE(Notifier::ValidateUrl(url).ok()) << url;
  }
}

TEST(NotifierValidateTest, RejectsBadUrlsWithoutShowingCredentials) {
  for (const char* url : {"", "ftp://am:21", "am:9093", "http://", "http://:9093",
                          "http://am:99999", "http://am:", "http://am:x1", "http://am:9093/?a=b",
                          "http://am:9093/#top", "http://am /", "http://[::1"}) {
    Status st = Notifier::ValidateUrl(url);
    ASSERT_FALSE(st.ok()) << url;
    EXPECT_EQ(st.error().kind, ErrorKind::kInvalidArgument);
  }
  Status st = Notifier::ValidateUrl("http://user:s3cret@:9093");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message.find("s3cret"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("no host"), std::string::npos) << st.error().message;
}

TEST(NotifierValidateTest, RejectsDuplicatesAndBadSizes) {
  NotifierOptions o;
  o.alertmanager_urls = {"http://am:9093", "http://am:9093/"};
  EXPECT_FALSE(Notifier::Validate(o).ok());
  o.alertmanager_urls = {"http://am:9093"};
  EXPECT_TRUE(Notifier::Validate(o).ok());
  NotifierOptions zero = o;
  zero.queue_capacity = 0;
  EXPECT_FALSE(Notifier::Validate(zero).ok());
  NotifierOptions batch = o;
  batch.max_batch = 0;
  EXPECT_FALSE(Notifier::Validate(batch).ok());
  NotifierOptions attempts = o;
  attempts.max_attempts = 0;
  EXPECT_FALSE(Notifier::Validate(attempts).ok());
  NotifierOptions backoff = o;
  backoff.backoff_max = milliseconds(1);
  EXPECT_FALSE(Notifier::Validate(backoff).ok());

  RealClock clock;
  neo4j::HttpEngine http(clock);
  NotifierOptions bad;
  bad.alertmanager_urls = {"gopher://am"};
  EXPECT_THROW(Notifier(bad, http, clock), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Against fake Alertmanagers on loopback.

// A loopback Alertmanager stand-in. `respond(i, req, ex)` answers the i-th request (0-based);
// the default answers 200. Records every request.
class FakeAlertmanager {
 public:
  using Responder = std::function<void(int, const net::HttpRequest&, net::HttpExchange&)>;

  explicit FakeAlertmanager(Responder respond = nullptr)
      : respond_(std::move(respond)),
        server_({}, [this](const net::HttpRequest& req, net::HttpExchange& ex) {
          int index = 0;
          {
            std::lock_guard lock(mu_);
            index = static_cast<int>(requests_.size());
            requests_.push_back(req);
          }
          cv_.notify_all();
          if (respond_) {
            respond_(index, req, ex);
          } else {
            ex.Send({});
          }
        }) {
    started_ = server_.Start().ok();
  }
  ~FakeAlertmanager() { server_.Stop(); }

  bool started() const { return started_; }
  std::string BaseUrl() const { return "http://127.0.0.1:" + std::to_string(server_.Port()); }
  std::string PostUrl() const { return BaseUrl() + "/api/v2/alerts"; }
  void Stop() { server_.Stop(); }

  std::vector<net::HttpRequest> Requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  bool WaitForRequests(std::size_t n, milliseconds timeout) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }
  // Waits until the requests received so far carry `n` alerts in all.
  bool WaitForAlerts(std::size_t n, milliseconds timeout) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      std::size_t alerts = 0;
      for (const auto& r : requests_) {
        alerts += nlohmann::json::parse(r.body).size();
      }
      return alerts >= n;
    });
  }

 private:
  Responder respond_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<net::HttpRequest> requests_;
  net::HttpServer server_;
  bool started_ = false;
};

void Answer(net::HttpExchange& ex, int status) {
  net::HttpResponse r;
  r.status = status;
  r.body = status / 100 == 2 ? "" : "simulated failure";
  ex.Send(r);
}

// A loopback port that was bound and released: nothing listens there.
int ClosedPort() {
  net::HttpServer gone({}, [](const net::HttpRequest&, net::HttpExchange& ex) { ex.Send({}); });
  if (!gone.Start().ok()) {
    return 0;
  }
  const int port = gone.Port();
  gone.Stop();
  return port;
}

std::vector<NotifyAlert> Alerts(int first, int count) {
  std::vector<NotifyAlert> out;
  for (int i = first; i < first + count; ++i) {
    NotifyAlert a;
    a.labels = {{"alertname", "A" + std::to_string(i)}};
    a.starts_at = SystemTime{seconds(1700000000)};
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<std::string> AlertNames(const net::HttpRequest& req) {
  std::vector<std::string> names;
  for (const auto& a : nlohmann::json::parse(req.body)) {
    names.push_back(a["labels"]["alertname"].get<std::string>());
  }
  return names;
}

// Every alert name an Alertmanager received, in the order received.
std::vector<std::string> Delivered(const FakeAlertmanager& am) {
  std::vector<std::string> all;
  for (const auto& r : am.Requests()) {
    auto names = AlertNames(r);
    all.insert(all.end(), names.begin(), names.end());
  }
  return all;
}

// Holds a stub Alertmanager's requests until the test opens it (or the stub stops): an
// Alertmanager that hangs until released. Must outlive the stubs that use it.
class Gate {
 public:
  void Open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  // In a responder: returns once the gate is open or the stub is stopping (which has no
  // notification of its own, hence the bounded waits).
  void Pass(const net::HttpExchange& ex) {
    std::unique_lock lock(mu_);
    while (!open_ && !ex.Stopping()) {
      cv_.wait_for(lock, milliseconds(50));
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Polls `condition` until it holds; false after `timeout`. A condition poll, not a timing bound.
bool Eventually(const std::function<bool()>& condition, milliseconds timeout = seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

std::vector<std::string> Names(int first, int count) {
  std::vector<std::string> out;
  for (int i = first; i < first + count; ++i) {
    out.push_back("A" + std::to_string(i));
  }
  return out;
}

// A sample of the notifier's metrics: nullopt when the series is absent.
std::optional<double> Value(const exporter::MetricSet& set, const std::string& name,
                            const std::string& alertmanager = "") {
  for (const auto& f : set) {
    if (f.name != name) {
      continue;
    }
    for (const auto& m : f.metric) {
      const bool labelled = !m.label.empty();
      if (labelled != !alertmanager.empty()) {
        continue;
      }
      if (labelled && (m.label.size() != 1 || m.label[0].name != "alertmanager" ||
                       m.label[0].value != alertmanager)) {
        continue;
      }
      return f.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
  }
  return std::nullopt;
}

NotifierOptions FastOptions(std::vector<std::string> urls) {
  NotifierOptions o;
  o.alertmanager_urls = std::move(urls);
  o.timeout = milliseconds(5000);
  o.backoff_initial = milliseconds(2);
  o.backoff_max = milliseconds(20);
  o.drain_timeout = milliseconds(2000);
  return o;
}

class NotifierTest : public ::testing::Test {
 protected:
  RealClock clock_;
  neo4j::HttpEngine http_{clock_};
};

TEST_F(NotifierTest, SendsBatchesOfAtMostMaxBatchInOrder) {
  FakeAlertmanager am;
  ASSERT_TRUE(am.started());
  NotifierOptions o = FastOptions({am.BaseUrl() + "/"});
  o.max_batch = 3;
  Notifier n(o, http_, clock_);
  n.Send(Alerts(0, 7));  // queued before Start: delivered once started
  n.Start();
  ASSERT_TRUE(n.WaitUntilIdle(seconds(20)));

  auto reqs = am.Requests();
  ASSERT_EQ(reqs.size(), 3u);
  std::vector<std::string> all;
  for (const auto& r : reqs) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.path, "/api/v2/alerts");
    EXPECT_EQ(r.Header("Content-Type"), "application/json");
    auto names = AlertNames(r);
    EXPECT_LE(names.size(), 3u);
    all.insert(all.end(), names.begin(), names.end());
  }
  EXPECT_EQ(all, Names(0, 7));
  auto m = n.Metrics();
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_sent_total", am.PostUrl()), 7);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_errors_total", am.PostUrl()), 0);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_dropped_total"), 0);
  EXPECT_EQ(Value(m, "neo4j_agent_notification_queue_length", am.PostUrl()), 0);
}

TEST_F(NotifierTest, AddsExternalLabelsWithoutOverriding) {
  FakeAlertmanager am;
  ASSERT_TRUE(am.started());
  NotifierOptions o = FastOptions({am.BaseUrl()});
  o.external_labels = {{"site", "east"}, {"severity", "warning"}, {"owner", "dba"}};
  Notifier n(o, http_, clock_);
  n.Start();
  NotifyAlert a;
  a.labels = {{"alertname", "X"}, {"severity", "critical"}, {"owner", ""}};
  a.annotations = {{"summary", "s"}};
  a.starts_at = SystemTime{seconds(1700000000)};
  a.generator_url = "http://agent/x";
  n.Send({a});
  ASSERT_TRUE(n.WaitUntilIdle(seconds(20)));
  auto reqs = am.Requests();
  ASSERT_EQ(reqs.size(), 1u);
  auto body = nlohmann::json::parse(reqs[0].body);
  ASSERT_EQ(body.size(), 1u);
  EXPECT_EQ(
      body[0]["labels"],
      nlohmann::json(
          {{"alertname", "X"}, {"severity", "critical"}, {"site", "east"}, {"owner", "dba"}}));
  EXPECT_EQ(body[0]["annotations"], nlohmann::json({{"summary", "s"}}));
  EXPECT_EQ(body[0]["startsAt"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(body[0]["generatorURL"], "http://agent/x");
  EXPECT_FALSE(body[0].contains("endsAt"));
}

TEST_F(NotifierTest, RetriesAServerErrorAndCountsBothAttempts) {
  FakeAlertmanager am([](int i, const net::HttpRequest&, net::HttpExchange& ex) {
    Answer(ex, i == 0 ? 500 : 200);
  });
  ASSERT_TRUE(am.started());
  Notifier n(FastOptions({am.BaseUrl()}), http_, clock_);
  n.Start();
  n.Send(Alerts(0, 4));
  ASSERT_TRUE(n.WaitUntilIdle(seconds(20)));
  auto reqs = am.Requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].body, reqs[1].body);
  auto m = n.Metrics();
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_errors_total", am.PostUrl()), 4);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_sent_total", am.PostUrl()), 4);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_dropped_total"), 0);
  auto latency = Value(m, "neo4j_agent_notification_latency_seconds", am.PostUrl());
  ASSERT_TRUE(latency.has_value());
  EXPECT_GE(*latency, 0);
}

TEST_F(NotifierTest, RetriesTooManyRequests) {
  FakeAlertmanager am([](int i, const net::HttpRequest&, net::HttpExchange& ex) {
    if (i == 0) {
      net::HttpResponse r;
      r.status = 429;
      r.headers = {{"Retry-After", "1"}};  // capped by backoff_max
      ex.Send(r);
    } else {
      Answer(ex, 200);
    }
  });
  ASSERT_TRUE(am.started());
  Notifier n(FastOptions({am.BaseUrl()}), http_, clock_);
  n.Start();
  n.Send(Alerts(0, 1));
  ASSERT_TRUE(n.WaitUntilIdle(seconds(20)));
  EXPECT_EQ(am.Requests().size(), 2u);
  EXPECT_EQ(Value(n.Metrics(), "neo4j_agent_notifications_sent_total", am.PostUrl()), 1);
}

TEST_F(NotifierTest, ClientErrorIsNotRetriedAndTheBatchIsDropped) {
  FakeAlertmanager am([](int, const net::HttpRequest&, net::HttpExchange& ex) { Answer(ex, 400); });
  ASSERT_TRUE(am.started());
  Notifier n(FastOptions({am.BaseUrl()}), http_, clock_);
  n.Start();
  n.Send(Alerts(0, 3));
  ASSERT_TRUE(n.WaitUntilIdle(seconds(20)));
  EXPECT_EQ(am.Requests().size(), 1u);
  auto m = n.Metrics();
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_errors_total", am.PostUrl()), 3);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_sent_total", am.PostUrl()), 0);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_abandoned_total", am.PostUrl()), 3);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_dropped_total"), 3);
}

TEST_F(NotifierTest, RefusedConnectionIsRetriedThenDropped) {
  const int port = ClosedPort();
  ASSERT_NE(port, 0);
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  Notifier n(FastOptions({base}), http_, clock_);
  n.Start();
  n.Send(Alerts(0, 2));
  ASSERT_TRUE(n.WaitUntilIdle(seconds(20)));
  auto m = n.Metrics();
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_errors_total", base + "/api/v2/alerts"), 2 * 3);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_sent_total", base + "/api/v2/alerts"), 0);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_dropped_total"), 2);
}

TEST_F(NotifierTest, OneAlertmanagerUpIsEnough) {
  FakeAlertmanager up;
  ASSERT_TRUE(up.started());
  const int port = ClosedPort();
  ASSERT_NE(port, 0);
  const std::string down = "http://127.0.0.1:" + std::to_string(port);
  Notifier n(FastOptions({down, up.BaseUrl()}), http_, clock_);
  n.Start();
  n.Send(Alerts(0, 5));
  ASSERT_TRUE(n.WaitUntilIdle(seconds(20)));
  ASSERT_EQ(up.Requests().size(), 1u);
  EXPECT_EQ(AlertNames(up.Requests()[0]), Names(0, 5));
  auto m = n.Metrics();
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_sent_total", up.PostUrl()), 5);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_errors_total", up.PostUrl()), 0);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_sent_total", down + "/api/v2/alerts"), 0);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_errors_total", down + "/api/v2/alerts"), 5 * 3);
  // Given up for the one that is down, but delivered through the other: not dropped.
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_abandoned_total", down + "/api/v2/alerts"), 5);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_abandoned_total", up.PostUrl()), 0);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_dropped_total"), 0);
}

TEST_F(NotifierTest, FullQueueDropsTheOldestAlerts) {
  FakeAlertmanager am;
  ASSERT_TRUE(am.started());
  NotifierOptions o = FastOptions({am.BaseUrl()});
  o.queue_capacity = 5;
  Notifier n(o, http_, clock_);
  n.Send(Alerts(0, 3));
  n.Send(Alerts(3, 4));  // 7 > 5: A0 and A1 go
  auto m = n.Metrics();
  EXPECT_EQ(Value(m, "neo4j_agent_notification_queue_length", am.PostUrl()), 5);
  EXPECT_EQ(Value(m, "neo4j_agent_notification_queue_capacity"), 5);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_abandoned_total", am.PostUrl()), 2);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_dropped_total"), 2);
  n.Send(Alerts(7, 8));  // a batch larger than the queue: A7..A9 and everything queued go
  m = n.Metrics();
  EXPECT_EQ(Value(m, "neo4j_agent_notification_queue_length", am.PostUrl()), 5);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_abandoned_total", am.PostUrl()), 2 + 3 + 5);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_dropped_total"), 2 + 3 + 5);

  n.Start();
  ASSERT_TRUE(n.WaitUntilIdle(seconds(20)));
  std::vector<std::string> delivered;
  for (const auto& r : am.Requests()) {
    auto names = AlertNames(r);
    delivered.insert(delivered.end(), names.begin(), names.end());
  }
  EXPECT_EQ(delivered, Names(10, 5));
  EXPECT_EQ(Value(n.Metrics(), "neo4j_agent_notifications_sent_total", am.PostUrl()), 5);
}

TEST_F(NotifierTest, HungAlertmanagerBlocksNeitherSendNorStop) {
  FakeAlertmanager am([](int, const net::HttpRequest&, net::HttpExchange& ex) {
    ex.SleepFor(milliseconds(120000));  // ends when the fake stops
    Answer(ex, 200);
  });
  ASSERT_TRUE(am.started());
  NotifierOptions o = FastOptions({am.BaseUrl()});
  o.timeout = milliseconds(60000);
  o.drain_timeout = milliseconds(200);
  o.max_batch = 2;
  auto n = std::make_unique<Notifier>(o, http_, clock_);
  n->Start();
  n->Send(Alerts(0, 2));
  ASSERT_TRUE(am.WaitForRequests(1, seconds(20)));

  // The sending thread is stuck waiting for the answer; Send only queues.
  const auto send_start = std::chrono::steady_clock::now();
  n->Send(Alerts(2, 3));
  EXPECT_LT(std::chrono::steady_clock::now() - send_start, seconds(1));
  EXPECT_EQ(Value(n->Metrics(), "neo4j_agent_notification_queue_length", am.PostUrl()), 3);
  EXPECT_FALSE(n->WaitUntilIdle(milliseconds(10)));

  // Stop gives up at the drain deadline, far below the request timeout.
  const auto stop_start = std::chrono::steady_clock::now();
  n->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_start, seconds(30));
  auto m = n->Metrics();
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_sent_total", am.PostUrl()), 0);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_errors_total", am.PostUrl()), 2);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_abandoned_total", am.PostUrl()), 5);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_dropped_total"), 5);
  EXPECT_EQ(Value(m, "neo4j_agent_notification_queue_length", am.PostUrl()), 0);
  n.reset();  // the abandoned request may still answer later: nothing must touch the notifier
  am.Stop();
}

TEST_F(NotifierTest, StopDeliversWhatIsQueuedAndSendAfterStopIsDropped) {
  FakeAlertmanager am;
  ASSERT_TRUE(am.started());
  NotifierOptions o = FastOptions({am.BaseUrl()});
  o.max_batch = 2;
  Notifier n(o, http_, clock_);
  n.Send(Alerts(0, 5));
  n.Start();
  n.Stop();
  std::size_t delivered = 0;
  for (const auto& r : am.Requests()) {
    delivered += AlertNames(r).size();
  }
  EXPECT_EQ(delivered, 5u);
  n.Send(Alerts(5, 2));
  auto m = n.Metrics();
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_sent_total", am.PostUrl()), 5);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_dropped_total"), 2);
  EXPECT_EQ(am.Requests().size(), 3u);
}

// ---------------------------------------------------------------------------------------------
// Every Alertmanager is independent: one that fails, hangs or overflows delays nobody else.

TEST_F(NotifierTest, HungAlertmanagerDoesNotDelayTheOthers) {
  Gate gate;  // outlives the stubs
  FakeAlertmanager hung([&gate](int, const net::HttpRequest&, net::HttpExchange& ex) {
    gate.Pass(ex);
    Answer(ex, 200);
  });
  FakeAlertmanager healthy;
  ASSERT_TRUE(hung.started());
  ASSERT_TRUE(healthy.started());
  NotifierOptions o = FastOptions({hung.BaseUrl(), healthy.BaseUrl()});
  o.timeout = milliseconds(120000);  // the hung request does not time out during the test
  o.max_batch = 2;
  Notifier n(o, http_, clock_);
  n.Start();
  n.Send(Alerts(0, 2));
  ASSERT_TRUE(hung.WaitForRequests(1, seconds(20)));

  // While the hung Alertmanager holds the first batch, the next ones reach the healthy one.
  n.Send(Alerts(2, 2));
  n.Send(Alerts(4, 1));
  EXPECT_TRUE(healthy.WaitForAlerts(5, seconds(20)))
      << "the healthy Alertmanager waited for the hung one";
  EXPECT_EQ(Delivered(healthy), Names(0, 5));
  EXPECT_EQ(hung.Requests().size(), 1u);
  auto m = n.Metrics();
  EXPECT_EQ(Value(m, "neo4j_agent_notification_queue_length", hung.PostUrl()), 3);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_sent_total", hung.PostUrl()), 0);
  EXPECT_FALSE(n.WaitUntilIdle(milliseconds(10)));

  // Released, the hung one gets everything too, in order, and nothing was given up.
  gate.Open();
  ASSERT_TRUE(n.WaitUntilIdle(seconds(20)));
  EXPECT_EQ(Delivered(hung), Names(0, 5));
  EXPECT_EQ(Delivered(healthy), Names(0, 5));
  m = n.Metrics();
  for (const auto& url : {hung.PostUrl(), healthy.PostUrl()}) {
    EXPECT_EQ(Value(m, "neo4j_agent_notifications_sent_total", url), 5) << url;
    EXPECT_EQ(Value(m, "neo4j_agent_notifications_errors_total", url), 0) << url;
    EXPECT_EQ(Value(m, "neo4j_agent_notifications_abandoned_total", url), 0) << url;
    EXPECT_EQ(Value(m, "neo4j_agent_notification_queue_length", url), 0) << url;
  }
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_dropped_total"), 0);
}

TEST_F(NotifierTest, RetryingAlertmanagerDoesNotDelayTheOthersAndStopGivesUpOnIt) {
  FakeAlertmanager failing(
      [](int, const net::HttpRequest&, net::HttpExchange& ex) { Answer(ex, 503); });
  FakeAlertmanager healthy;
  ASSERT_TRUE(failing.started());
  ASSERT_TRUE(healthy.started());
  NotifierOptions o = FastOptions({failing.BaseUrl(), healthy.BaseUrl()});
  o.backoff_initial = milliseconds(600000);  // its retry is due long after the test
  o.backoff_max = milliseconds(600000);
  o.drain_timeout = milliseconds(200);
  o.max_batch = 2;
  Notifier n(o, http_, clock_);
  n.Start();
  n.Send(Alerts(0, 2));
  const std::string failed = failing.PostUrl();
  // The first attempt failed: the failing Alertmanager now backs off before its retry.
  ASSERT_TRUE(Eventually(
      [&] { return Value(n.Metrics(), "neo4j_agent_notifications_errors_total", failed) == 2; }));

  n.Send(Alerts(2, 2));
  EXPECT_TRUE(healthy.WaitForAlerts(4, seconds(20)))
      << "the healthy Alertmanager waited for the other one's back-off";
  EXPECT_EQ(Delivered(healthy), Names(0, 4));
  EXPECT_TRUE(Eventually([&] {
    return Value(n.Metrics(), "neo4j_agent_notifications_sent_total", healthy.PostUrl()) == 4;
  }));
  EXPECT_EQ(failing.Requests().size(), 1u);

  // Stop does not wait for the retry: the drain deadline comes first.
  const auto stop_start = std::chrono::steady_clock::now();
  n.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_start, seconds(30));
  EXPECT_EQ(failing.Requests().size(), 1u);
  auto m = n.Metrics();
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_errors_total", failed), 2);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_sent_total", failed), 0);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_abandoned_total", failed), 4);
  EXPECT_EQ(Value(m, "neo4j_agent_notification_queue_length", failed), 0);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_abandoned_total", healthy.PostUrl()), 0);
  // Every alert reached the healthy Alertmanager: none was dropped.
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_dropped_total"), 0);
}

TEST_F(NotifierTest, FullQueueOfOneAlertmanagerDropsNothingForTheOthers) {
  Gate gate;  // outlives the stubs
  FakeAlertmanager hung([&gate](int, const net::HttpRequest&, net::HttpExchange& ex) {
    gate.Pass(ex);
    Answer(ex, 200);
  });
  FakeAlertmanager healthy;
  ASSERT_TRUE(hung.started());
  ASSERT_TRUE(healthy.started());
  NotifierOptions o = FastOptions({hung.BaseUrl(), healthy.BaseUrl()});
  o.timeout = milliseconds(120000);
  o.queue_capacity = 4;
  o.max_batch = 2;
  Notifier n(o, http_, clock_);
  n.Start();
  n.Send(Alerts(0, 2));  // the hung Alertmanager holds this batch
  ASSERT_TRUE(hung.WaitForRequests(1, seconds(20)));
  // The healthy one has taken its copy of the batch off its queue too: otherwise the next four
  // would overflow its queue as well (seen once on a loaded machine: A0 and A1 dropped for it).
  ASSERT_TRUE(healthy.WaitForAlerts(2, seconds(20)));
  n.Send(Alerts(2, 4));  // fills the hung one's queue
  ASSERT_TRUE(healthy.WaitForAlerts(6, seconds(20)))
      << "the healthy Alertmanager waited for the hung one";
  n.Send(Alerts(6, 2));  // overflows the hung one's queue only: A2 and A3 go, for it alone
  ASSERT_TRUE(healthy.WaitForAlerts(8, seconds(20)));
  EXPECT_EQ(Delivered(healthy), Names(0, 8));
  ASSERT_TRUE(Eventually([&] {
    return Value(n.Metrics(), "neo4j_agent_notifications_sent_total", healthy.PostUrl()) == 8;
  }));
  auto m = n.Metrics();
  EXPECT_EQ(Value(m, "neo4j_agent_notification_queue_length", hung.PostUrl()), 4);
  EXPECT_EQ(Value(m, "neo4j_agent_notification_queue_length", healthy.PostUrl()), 0);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_abandoned_total", hung.PostUrl()), 2);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_abandoned_total", healthy.PostUrl()), 0);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_dropped_total"), 0);

  gate.Open();
  ASSERT_TRUE(n.WaitUntilIdle(seconds(20)));
  EXPECT_EQ(Delivered(hung), (std::vector<std::string>{"A0", "A1", "A4", "A5", "A6", "A7"}));
  m = n.Metrics();
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_sent_total", hung.PostUrl()), 6);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_sent_total", healthy.PostUrl()), 8);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_dropped_total"), 0);
}

TEST_F(NotifierTest, AnAlertIsDroppedOnlyWhenNoAlertmanagerAcceptedIt) {
  FakeAlertmanager rejecting(
      [](int, const net::HttpRequest&, net::HttpExchange& ex) { Answer(ex, 400); });
  FakeAlertmanager first_only([](int i, const net::HttpRequest&, net::HttpExchange& ex) {
    Answer(ex, i == 0 ? 200 : 400);
  });
  ASSERT_TRUE(rejecting.started());
  ASSERT_TRUE(first_only.started());
  NotifierOptions o = FastOptions({rejecting.BaseUrl(), first_only.BaseUrl()});
  o.max_batch = 2;
  Notifier n(o, http_, clock_);
  n.Start();
  n.Send(Alerts(0, 2));  // accepted by one of the two
  ASSERT_TRUE(n.WaitUntilIdle(seconds(20)));
  n.Send(Alerts(2, 3));  // accepted by neither
  ASSERT_TRUE(n.WaitUntilIdle(seconds(20)));
  auto m = n.Metrics();
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_sent_total", first_only.PostUrl()), 2);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_abandoned_total", first_only.PostUrl()), 3);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_abandoned_total", rejecting.PostUrl()), 5);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_errors_total", rejecting.PostUrl()), 5);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_dropped_total"), 3);
  // After Stop, alerts are refused for every Alertmanager, and dropped.
  n.Stop();
  n.Send(Alerts(5, 1));
  m = n.Metrics();
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_abandoned_total", first_only.PostUrl()), 4);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_abandoned_total", rejecting.PostUrl()), 6);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_dropped_total"), 4);
}

TEST_F(NotifierTest, MetricsNameEveryAlertmanagerWithoutUserinfo) {
  FakeAlertmanager am;
  ASSERT_TRUE(am.started());
  const std::string port = std::to_string(ClosedPort());
  Notifier n(FastOptions({"http://user:s3cret@127.0.0.1:" + port + "/prefix/", am.BaseUrl()}),
             http_, clock_);
  const std::string first = "http://127.0.0.1:" + port + "/prefix/api/v2/alerts";
  EXPECT_EQ(n.AlertmanagerLabels(), (std::vector<std::string>{first, am.PostUrl()}));
  auto m = n.Metrics();
  EXPECT_EQ(Value(m, "neo4j_agent_alertmanagers"), 2);
  EXPECT_EQ(Value(m, "neo4j_agent_notification_queue_capacity"), 10000);
  EXPECT_EQ(Value(m, "neo4j_agent_notifications_dropped_total"), 0);
  for (const auto& url : {first, am.PostUrl()}) {
    EXPECT_EQ(Value(m, "neo4j_agent_notification_queue_length", url), 0) << url;
    EXPECT_EQ(Value(m, "neo4j_agent_notifications_sent_total", url), 0) << url;
    EXPECT_EQ(Value(m, "neo4j_agent_notifications_errors_total", url), 0) << url;
    EXPECT_EQ(Value(m, "neo4j_agent_notifications_abandoned_total", url), 0) << url;
  }
  // No latency before the first attempt.
  EXPECT_FALSE(Value(m, "neo4j_agent_notification_latency_seconds", am.PostUrl()).has_value());
  for (const auto& f : m) {
    EXPECT_FALSE(f.help.empty()) << f.name;
    for (const auto& s : f.metric) {
      for (const auto& l : s.label) {
        EXPECT_EQ(l.value.find("s3cret"), std::string::npos);
      }
    }
  }
}

}  // namespace
}  // namespace nca::alerts
