#include "kube/kube_client.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "neo4j/http_engine.h"
#include "sim/kube_api.h"

namespace nca::kube {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using FakeKubeApi = sim::KubeApi;  // the simulator's Kubernetes API emulation

Pod MakePod(std::string name, std::string ns, Labels labels, std::string node,
            std::string phase = "Running", std::string deletion = "") {
  return Pod{std::move(name),
             std::move(ns),
             std::move(labels),
             std::move(node),
             std::move(phase),
             std::move(deletion),
             "",
             {}};
}

class KubeClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "nca-kube-client-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    WriteToken("tok-1");
    ASSERT_TRUE(api_.Start().ok());
    options_.page_size = 500;
    options_.max_attempts = 4;
    options_.initial_backoff = milliseconds(200);
    options_.max_backoff = milliseconds(5000);
    options_.request_timeout = milliseconds(2000);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void WriteToken(const std::string& token) { std::ofstream(dir_ / "token") << token << "\n"; }

  KubeClient& Client() {
    if (client_ == nullptr) {
      auto config = ExplicitConfig(api_.BaseUrl(), "", (dir_ / "token").string(), "neo4j");
      EXPECT_TRUE(config.ok());
      client_ = std::make_unique<KubeClient>(
          *config, engine_, clock_,
          [this](Duration d) {
            {
              std::lock_guard lock(sleeps_mu_);
              sleeps_.push_back(std::chrono::duration_cast<milliseconds>(d));
            }
            clock_.Advance(d);
          },
          options_);
    }
    return *client_;
  }
  MonoTime Deadline() { return clock_.Monotonic() + seconds(30); }
  std::vector<milliseconds> Sleeps() {
    std::lock_guard lock(sleeps_mu_);
    return sleeps_;
  }

  fs::path dir_;
  ManualClock clock_;
  neo4j::HttpEngine engine_{clock_};
  FakeKubeApi api_;
  ClientOptions options_;
  std::mutex sleeps_mu_;
  std::vector<milliseconds> sleeps_;
  std::unique_ptr<KubeClient> client_;
};

TEST(KubeUrlEncodeTest, EncodesReservedCharacters) {
  EXPECT_EQ(UrlEncode("app=neo4j,role!=x"), "app%3Dneo4j%2Crole%21%3Dx");
  EXPECT_EQ(UrlEncode("a b/c&d?e#f+g"), "a%20b%2Fc%26d%3Fe%23f%2Bg");
  EXPECT_EQ(UrlEncode("topology.kubernetes.io/zone"), "topology.kubernetes.io%2Fzone");
  EXPECT_EQ(UrlEncode("Az09-._~"), "Az09-._~");
  EXPECT_EQ(UrlEncode("\xC3\xA9"), "%C3%A9");
}

TEST_F(KubeClientTest, ListPodsPaginatesAcrossThreePages) {
  for (int i = 0; i < 7; ++i) {
    api_.AddPod(MakePod("core-" + std::to_string(i), "neo4j", {{"app", "neo4j"}},
                        "node-" + std::to_string(i % 3)));
  }
  api_.AddPod(MakePod("other", "kube-system", {{"app", "neo4j"}}, "node-0"));
  api_.AddPod(
      MakePod("dying", "neo4j", {{"app", "neo4j"}}, "node-1", "Running", "2026-11-22T08:00:00Z"));
  options_.page_size = 3;
  auto pods = Client().ListPods("neo4j", "", "", Deadline());
  ASSERT_TRUE(pods.ok()) << pods.error().ToString();
  ASSERT_EQ(pods->size(), 8u);
  std::vector<std::string> names;
  for (const auto& p : *pods) {
    names.push_back(p.name);
    EXPECT_EQ(p.namespace_name, "neo4j");
  }
  EXPECT_EQ(names, (std::vector<std::string>{"core-0", "core-1", "core-2", "core-3", "core-4",
                                             "core-5", "core-6", "dying"}));
  EXPECT_EQ((*pods)[4].node_name, "node-1");
  EXPECT_EQ((*pods)[4].phase, "Running");
  EXPECT_EQ((*pods)[7].deletion_timestamp, "2026-11-22T08:00:00Z");

  auto reqs = api_.Requests();
  ASSERT_EQ(reqs.size(), 3u);
  for (const auto& r : reqs) {
    EXPECT_EQ(r.path, "/api/v1/namespaces/neo4j/pods");
    EXPECT_EQ(r.params.at("limit"), "3");
  }
  EXPECT_EQ(reqs[0].params.count("continue"), 0u);
  EXPECT_EQ(reqs[1].params.at("continue"), "offset-3");
  EXPECT_EQ(reqs[2].params.at("continue"), "offset-6");
}

TEST_F(KubeClientTest, SelectorsAreEncodedAndApplied) {
  api_.AddPod(MakePod("a", "neo4j", {{"app", "neo4j"}, {"role", "primary"}}, "node-a"));
  api_.AddPod(MakePod("b", "neo4j", {{"app", "neo4j"}, {"role", "secondary"}}, "node-a"));
  api_.AddPod(MakePod("c", "neo4j", {{"app", "neo4j"}, {"role", "primary"}}, "node-b"));
  auto pods =
      Client().ListPods("neo4j", "app=neo4j,role=primary", "spec.nodeName=node-a", Deadline());
  ASSERT_TRUE(pods.ok()) << pods.error().ToString();
  ASSERT_EQ(pods->size(), 1u);
  EXPECT_EQ((*pods)[0].name, "a");
  auto reqs = api_.Requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_NE(reqs[0].query.find("labelSelector=app%3Dneo4j%2Crole%3Dprimary"), std::string::npos)
      << reqs[0].query;
  EXPECT_NE(reqs[0].query.find("fieldSelector=spec.nodeName%3Dnode-a"), std::string::npos)
      << reqs[0].query;
  EXPECT_EQ(reqs[0].params.at("labelSelector"), "app=neo4j,role=primary");
}

TEST_F(KubeClientTest, ListNodesParsesZonesAndTaints) {
  api_.AddNode(Node{"n1", {{"topology.kubernetes.io/zone", "z1"}}, false, {}});
  api_.AddNode(Node{"n2",
                    {{"topology.kubernetes.io/zone", "z2"}},
                    true,
                    {Taint{"node.kubernetes.io/unschedulable", "", "NoSchedule"}}});
  api_.AddNode(Node{"n3", {{"other", "x"}}, false, {}});
  auto nodes = Client().ListNodes("topology.kubernetes.io/zone", Deadline());
  ASSERT_TRUE(nodes.ok()) << nodes.error().ToString();
  ASSERT_EQ(nodes->size(), 2u);
  EXPECT_EQ((*nodes)[0].name, "n1");
  EXPECT_EQ((*nodes)[1].labels.at("topology.kubernetes.io/zone"), "z2");
  EXPECT_TRUE((*nodes)[1].unschedulable);
  ASSERT_EQ((*nodes)[1].taints.size(), 1u);
  EXPECT_EQ((*nodes)[1].taints[0].effect, "NoSchedule");
  EXPECT_EQ(api_.Requests().at(0).path, "/api/v1/nodes");
}

TEST_F(KubeClientTest, TokenIsReReadAfterRefreshInterval) {
  api_.RequireToken("tok-1");
  ASSERT_TRUE(Client().ListNodes("", Deadline()).ok());
  WriteToken("tok-2");
  clock_.Advance(seconds(10));  // within the refresh interval: cached token still used
  ASSERT_TRUE(Client().ListNodes("", Deadline()).ok());
  api_.RequireToken("tok-2");
  clock_.Advance(seconds(51));  // 61 s after the first read
  ASSERT_TRUE(Client().ListNodes("", Deadline()).ok());
  auto reqs = api_.Requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].authorization, "Bearer tok-1");
  EXPECT_EQ(reqs[1].authorization, "Bearer tok-1");
  EXPECT_EQ(reqs[2].authorization, "Bearer tok-2");
}

TEST_F(KubeClientTest, UnauthorizedTriggersImmediateTokenReRead) {
  api_.RequireToken("tok-1");
  ASSERT_TRUE(Client().ListNodes("", Deadline()).ok());
  WriteToken("tok-2");
  api_.RequireToken("tok-2");
  auto nodes = Client().ListNodes("", Deadline());  // no clock advance
  ASSERT_TRUE(nodes.ok()) << nodes.error().ToString();
  auto reqs = api_.Requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[1].authorization, "Bearer tok-1");
  EXPECT_EQ(reqs[2].authorization, "Bearer tok-2");
  EXPECT_TRUE(Sleeps().empty());
}

TEST_F(KubeClientTest, PersistentUnauthorizedIsAnErrorWithoutTheToken) {
  api_.RequireToken("something-else");
  auto nodes = Client().ListNodes("", Deadline());
  ASSERT_FALSE(nodes.ok());
  EXPECT_EQ(nodes.error().kind, ErrorKind::kUnauthorized);
  EXPECT_EQ(nodes.error().http_status, 401);
  EXPECT_EQ(nodes.error().message.find("tok-1"), std::string::npos);
  EXPECT_EQ(api_.Requests().size(), 2u);  // original + one retry after re-reading the token
}

TEST_F(KubeClientTest, ForbiddenExplainsMissingRbacRule) {
  const std::string status_message =
      "pods is forbidden: User \"system:serviceaccount:neo4j:agent\" cannot list resource "
      "\"pods\" in API group \"\" in the namespace \"neo4j\"";
  api_.FailNext(403, -1, status_message);
  auto pods = Client().ListPods("neo4j", "app=neo4j", "", Deadline());
  ASSERT_FALSE(pods.ok());
  EXPECT_EQ(pods.error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(pods.error().http_status, 403);
  const std::string& msg = pods.error().message;
  EXPECT_NE(msg.find("forbidden: the service account needs \"list\" on \"pods\" in namespace "
                     "\"neo4j\" (ClusterRole rule: apiGroups [\"\"], resources [\"pods\"], "
                     "verbs [\"list\"])"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find(status_message), std::string::npos) << msg;
  EXPECT_EQ(api_.Requests().size(), 1u);  // not retried
}

TEST_F(KubeClientTest, ForbiddenOnCustomResourceNamesItsGroup) {
  api_.FailNext(403, -1, "denied");
  auto obj = Client().GetCustomObject("neo4j.neo4j.com", "v1", "neo4j", "neo4jenterpriseclusters",
                                      "prod", Deadline());
  ASSERT_FALSE(obj.ok());
  EXPECT_NE(obj.error().message.find("needs \"get\" on \"neo4jenterpriseclusters\""),
            std::string::npos)
      << obj.error().message;
  EXPECT_NE(obj.error().message.find("apiGroups [\"neo4j.neo4j.com\"]"), std::string::npos);
  auto nodes = Client().ListNodes("", Deadline());
  ASSERT_FALSE(nodes.ok());
  EXPECT_NE(nodes.error().message.find("\"list\" on \"nodes\" cluster-wide"), std::string::npos)
      << nodes.error().message;
}

TEST_F(KubeClientTest, ServerErrorsAreRetriedThenSucceed) {
  api_.AddNode(Node{"n1", {}, false, {}});
  api_.FailNext(500, 2, "etcdserver: leader changed");
  auto nodes = Client().ListNodes("", Deadline());
  ASSERT_TRUE(nodes.ok()) << nodes.error().ToString();
  EXPECT_EQ(nodes->size(), 1u);
  EXPECT_EQ(api_.Requests().size(), 3u);
  EXPECT_EQ(Sleeps(), (std::vector<milliseconds>{milliseconds(200), milliseconds(400)}));
}

TEST_F(KubeClientTest, BackOffIsCappedAndAttemptsBounded) {
  options_.max_attempts = 5;
  options_.initial_backoff = milliseconds(100);
  options_.max_backoff = milliseconds(250);
  api_.FailNext(503, -1, "apiserver is shutting down");
  auto nodes = Client().ListNodes("", Deadline());
  ASSERT_FALSE(nodes.ok());
  EXPECT_EQ(nodes.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(nodes.error().message.find("apiserver is shutting down"), std::string::npos);
  EXPECT_NE(nodes.error().message.find("5 attempts"), std::string::npos);
  EXPECT_EQ(api_.Requests().size(), 5u);
  EXPECT_EQ(Sleeps(), (std::vector<milliseconds>{milliseconds(100), milliseconds(200),
                                                 milliseconds(250), milliseconds(250)}));
}

TEST_F(KubeClientTest, RetryAfterIsHonouredUpToTheCap) {
  options_.max_backoff = milliseconds(1500);
  api_.FailNext(429, 2, "too many requests", "1");
  ASSERT_TRUE(Client().ListNodes("", Deadline()).ok());
  EXPECT_EQ(Sleeps(), (std::vector<milliseconds>{milliseconds(1000), milliseconds(1000)}));
  api_.FailNext(429, 1, "too many requests", "30");
  ASSERT_TRUE(Client().ListNodes("", Deadline()).ok());
  EXPECT_EQ(Sleeps().back(), milliseconds(1500));
}

TEST_F(KubeClientTest, RetriesStopAtTheDeadline) {
  api_.FailNext(500, -1, "boom");
  options_.max_attempts = 10;
  auto nodes = Client().ListNodes("", clock_.Monotonic() + milliseconds(500));
  ASSERT_FALSE(nodes.ok());
  // The API's own failure, not a timeout: a refused or failing API server reads as such.
  EXPECT_EQ(nodes.error().kind, ErrorKind::kServerError);
  EXPECT_NE(nodes.error().message.find("boom"), std::string::npos) << nodes.error().message;
  EXPECT_NE(nodes.error().message.find("no time left to retry before the deadline, after 2 "
                                       "attempts"),
            std::string::npos)
      << nodes.error().message;
  // 200 ms fits before the deadline, 400 ms more would not.
  EXPECT_EQ(api_.Requests().size(), 2u);
  EXPECT_EQ(Sleeps(), (std::vector<milliseconds>{milliseconds(200)}));
}

TEST_F(KubeClientTest, TransportErrorsAreRetried) {
  int port = 0;
  {
    net::HttpServer closed(net::HttpServerOptions{},
                           [](const net::HttpRequest&, net::HttpExchange&) {});
    ASSERT_TRUE(closed.Start().ok());
    port = closed.Port();
  }
  options_.max_attempts = 3;
  auto config = ExplicitConfig("http://127.0.0.1:" + std::to_string(port), "", "", "neo4j");
  ASSERT_TRUE(config.ok());
  KubeClient client(
      *config, engine_, clock_, [this](Duration d) { clock_.Advance(d); }, options_);
  auto nodes = client.ListNodes("", Deadline());
  ASSERT_FALSE(nodes.ok());
  EXPECT_EQ(nodes.error().kind, ErrorKind::kConnectionRefused);
  EXPECT_NE(nodes.error().message.find("3 attempts"), std::string::npos) << nodes.error().message;
}

// The engine runs completion callbacks one at a time: while another request's callback holds it
// (a large answer being parsed), the client's result cannot arrive. The request fails as a
// timeout instead of blocking its caller until the callback ends.
TEST_F(KubeClientTest, ABusyCompletionThreadIsATimeoutNotAStall) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> holding;
  neo4j::HttpRequestSpec blocker;
  blocker.url = api_.BaseUrl() + "/api/v1/nodes";
  engine_.Submit(blocker, [released, &holding](Result<neo4j::HttpResult>) {
    holding.set_value();
    released.wait();
  });
  ASSERT_EQ(holding.get_future().wait_for(seconds(10)), std::future_status::ready);
  options_.request_timeout = milliseconds(200);
  auto listing =
      std::async(std::launch::async, [this] { return Client().ListNodes("", Deadline()); });
  const bool returned = listing.wait_for(seconds(20)) == std::future_status::ready;
  release.set_value();
  ASSERT_TRUE(returned) << "ListNodes stalled behind the busy completion thread";
  auto nodes = listing.get();
  ASSERT_FALSE(nodes.ok());
  EXPECT_EQ(nodes.error().kind, ErrorKind::kTimeout);
  EXPECT_NE(nodes.error().message.find("completion thread is busy"), std::string::npos)
      << nodes.error().message;
}

TEST_F(KubeClientTest, GoneOnContinueRestartsTheListOnce) {
  for (int i = 0; i < 5; ++i) {
    api_.AddPod(MakePod("p" + std::to_string(i), "neo4j", {}, "n"));
  }
  options_.page_size = 2;
  api_.ExpireContinue(1);
  auto pods = Client().ListPods("neo4j", "", "", Deadline());
  ASSERT_TRUE(pods.ok()) << pods.error().ToString();
  ASSERT_EQ(pods->size(), 5u);  // no duplicates from the abandoned first page
  auto reqs = api_.Requests();
  ASSERT_EQ(reqs.size(), 5u);  // p1, p2 (410), p1, p2, p3
  EXPECT_EQ(reqs[2].params.count("continue"), 0u);

  // A second 410 within the same list is an error (the list is restarted only once).
  api_.ClearRequests();
  api_.ExpireContinue(2);
  auto again = Client().ListPods("neo4j", "", "", Deadline());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().http_status, 410);
  EXPECT_EQ(api_.Requests().size(), 4u);  // p1, p2 (410), p1, p2 (410)
}

TEST_F(KubeClientTest, CustomObjectsAreReturnedAsRawJson) {
  const std::string group = "neo4j.neo4j.com";
  const std::string plural = "neo4jenterpriseclusters";
  api_.AddCustomObject(group, "v1", "neo4j", plural, "prod",
                       R"({"kind":"Neo4jEnterpriseCluster","metadata":{"name":"prod"},)"
                       R"("spec":{"primaries":3}})");
  api_.AddCustomObject(group, "v1", "neo4j", plural, "qa",
                       R"({"kind":"Neo4jEnterpriseCluster","metadata":{"name":"qa"}})");
  auto obj = Client().GetCustomObject(group, "v1", "neo4j", plural, "prod", Deadline());
  ASSERT_TRUE(obj.ok()) << obj.error().ToString();
  EXPECT_NE(obj->find("\"primaries\":3"), std::string::npos) << *obj;
  auto list = Client().ListCustomObjects(group, "v1", "neo4j", plural, Deadline());
  ASSERT_TRUE(list.ok()) << list.error().ToString();
  EXPECT_EQ(list->front(), '[');
  EXPECT_NE(list->find("\"name\":\"prod\""), std::string::npos) << *list;
  EXPECT_NE(list->find("\"name\":\"qa\""), std::string::npos) << *list;
  auto missing = Client().GetCustomObject(group, "v1", "neo4j", plural, "nope", Deadline());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
  auto reqs = api_.Requests();
  EXPECT_EQ(reqs.at(0).path,
            "/apis/neo4j.neo4j.com/v1/namespaces/neo4j/neo4jenterpriseclusters/prod");
}

}  // namespace
}  // namespace nca::kube
