#include "neo4j/http_engine.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "net/http_server.h"
#include "support/real_servers.h"
#include "support/test_pki.h"

namespace nca::neo4j {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A loopback stub Neo4j shared by the tests of a suite (one server per suite; the handler is
// swapped per test). Handlers must not capture test locals unless they finish before the test.
class SharedStub {
 public:
  SharedStub()
      : server_({}, [this](const net::HttpRequest& req, net::HttpExchange& ex) {
          net::HttpHandler handler;
          {
            std::lock_guard lock(mu_);
            seen_.push_back(req);
            handler = handler_;
          }
          if (handler) {
            handler(req, ex);
          } else {
            ex.Send({});
          }
        }) {}

  bool Start() { return server_.Start().ok(); }
  void Stop() { server_.Stop(); }
  void Reset(net::HttpHandler handler) {
    std::lock_guard lock(mu_);
    handler_ = std::move(handler);
    seen_.clear();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_.Port()) + path;
  }
  std::vector<net::HttpRequest> Seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  std::mutex mu_;
  net::HttpHandler handler_;
  std::vector<net::HttpRequest> seen_;
  net::HttpServer server_;
};

// A loopback port that was just bound (port 0) and released, so nothing listens on it.
int ClosedPort() {
  net::HttpServer gone({}, [](const net::HttpRequest&, net::HttpExchange& ex) { ex.Send({}); });
  if (!gone.Start().ok()) {
    return 0;
  }
  int port = gone.Port();
  gone.Stop();
  return port;
}

HttpRequestSpec Get(const std::string& url) {
  HttpRequestSpec spec;
  spec.url = url;
  spec.headers = {"Accept: application/json"};
  spec.connect_timeout = milliseconds(1000);
  spec.total_timeout = milliseconds(3000);
  return spec;
}

Result<HttpResult> Wait(std::future<Result<HttpResult>>& f) {
  if (f.wait_for(seconds(10)) != std::future_status::ready) {
    return MakeError(ErrorKind::kInternal, "test: no completion within 10 s");
  }
  return f.get();
}

class HttpEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stub_ = new SharedStub();
    started_ = stub_->Start();
  }
  static void TearDownTestSuite() {
    stub_->Stop();
    delete stub_;
    stub_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(started_) << "stub server did not start";
    stub_->Reset(nullptr);
  }
  void Serve(net::HttpHandler handler) { stub_->Reset(std::move(handler)); }
  static std::string Url(const std::string& path) { return stub_->Url(path); }
  static std::vector<net::HttpRequest> Seen() { return stub_->Seen(); }

  static SharedStub* stub_;
  static bool started_;
  RealClock clock_;
};

SharedStub* HttpEngineTest::stub_ = nullptr;
bool HttpEngineTest::started_ = false;

TEST_F(HttpEngineTest, GetReturnsStatusBodyAndHeaders) {
  Serve([](const net::HttpRequest&, net::HttpExchange& ex) {
    net::HttpResponse r;
    r.status = 503;
    r.content_type = "text/plain";
    r.headers = {{"Retry-After", "60"}};
    r.body = "Database neo4j is initial";
    ex.Send(r);
  });
  HttpEngine engine(clock_);
  auto f = engine.Fetch(Get(Url("/db/neo4j/cluster/available")));
  auto r = Wait(f);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "Database neo4j is initial");
  EXPECT_EQ(r->retry_after, "60");
  EXPECT_EQ(r->content_type, "text/plain");
  EXPECT_GE(r->total_seconds, 0.0);
  auto seen = Seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].path, "/db/neo4j/cluster/available");
  EXPECT_EQ(seen[0].Header("accept"), "application/json");
  EXPECT_EQ(seen[0].Header("authorization"), "");
  EXPECT_EQ(engine.InFlight(), 0u);
}

TEST_F(HttpEngineTest, PostSendsBodyAndHeadersWithoutExpectContinue) {
  Serve([](const net::HttpRequest& req, net::HttpExchange& ex) {
    net::HttpResponse r;
    r.content_type = "application/json";
    r.body = req.body;
    ex.Send(r);
  });
  HttpEngine engine(clock_);
  HttpRequestSpec spec = Get(Url("/db/system/tx/commit"));
  spec.method = "POST";
  spec.headers = {"Accept: application/json;charset=UTF-8", "Content-Type: application/json"};
  spec.body = std::string(4000, 'x');  // large enough for curl to consider Expect: 100-continue
  auto f = engine.Fetch(spec);
  auto r = Wait(f);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, spec.body);
  auto seen = Seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].Header("content-type"), "application/json");
  EXPECT_EQ(seen[0].Header("accept"), "application/json;charset=UTF-8");
  EXPECT_EQ(seen[0].Header("expect"), "");
}

TEST_F(HttpEngineTest, ConnectionRefused) {
  int port = ClosedPort();
  ASSERT_GT(port, 0);
  HttpEngine engine(clock_);
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  auto f = engine.Fetch(Get(url));
  auto r = Wait(f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kConnectionRefused) << r.error().ToString();
  EXPECT_NE(r.error().message.find(url), std::string::npos) << r.error().message;
}

TEST_F(HttpEngineTest, RejectsNonHttpUrls) {
  HttpEngine engine(clock_);
  auto f = engine.Fetch(Get("ftp://127.0.0.1/"));
  auto r = Wait(f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument) << r.error().ToString();
}

TEST_F(HttpEngineTest, HungPeerTimesOutWithoutDelayingOthers) {
  Serve([](const net::HttpRequest& req, net::HttpExchange& ex) {
    if (req.path == "/hang") {
      ex.SleepFor(seconds(30));  // ends early when the suite's server stops
      return;
    }
    net::HttpResponse r;
    r.body = "true";
    ex.Send(r);
  });
  HttpEngine engine(clock_);

  std::mutex mu;
  std::vector<std::string> order;
  auto record = [&](const std::string& name) {
    std::lock_guard lock(mu);
    order.push_back(name);
  };
  std::promise<Result<HttpResult>> hung_done;
  std::promise<Result<HttpResult>> fast_done;
  HttpRequestSpec slow_spec = Get(Url("/hang"));
  slow_spec.total_timeout = milliseconds(500);
  auto start = std::chrono::steady_clock::now();
  engine.Submit(slow_spec, [&](Result<HttpResult> r) {
    record("hung");
    hung_done.set_value(std::move(r));
  });
  // The fast request is submitted after the hung one and must still complete first.
  engine.Submit(Get(Url("/fast")), [&](Result<HttpResult> r) {
    record("fast");
    fast_done.set_value(std::move(r));
  });
  auto fast_future = fast_done.get_future();
  auto hung_future = hung_done.get_future();
  ASSERT_EQ(fast_future.wait_for(seconds(10)), std::future_status::ready);
  auto fr = fast_future.get();
  ASSERT_TRUE(fr.ok()) << fr.error().ToString();
  EXPECT_EQ(fr->body, "true");

  ASSERT_EQ(hung_future.wait_for(seconds(10)), std::future_status::ready);
  auto elapsed = std::chrono::steady_clock::now() - start;
  auto hr = hung_future.get();
  ASSERT_FALSE(hr.ok());
  EXPECT_EQ(hr.error().kind, ErrorKind::kTimeout) << hr.error().ToString();
  EXPECT_GE(elapsed, milliseconds(450));
  EXPECT_LT(elapsed, seconds(5));  // generous: the hang lasts 30 s
  std::lock_guard lock(mu);
  EXPECT_EQ(order, (std::vector<std::string>{"fast", "hung"}));
}

TEST_F(HttpEngineTest, TransfersRunConcurrently) {
  // Each handler waits until all four requests have arrived; a serialising client would never
  // get them there and every answer would say "alone".
  constexpr int kRequests = 4;
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  Serve([&](const net::HttpRequest&, net::HttpExchange& ex) {
    bool together;
    {
      std::unique_lock lock(mu);
      ++arrived;
      cv.notify_all();
      together = cv.wait_for(lock, seconds(3), [&] { return arrived >= kRequests; });
    }
    net::HttpResponse r;
    r.body = together ? "together" : "alone";
    ex.Send(r);
  });
  HttpEngine engine(clock_);
  std::vector<std::future<Result<HttpResult>>> futures;
  for (int i = 0; i < kRequests; ++i) {
    futures.push_back(engine.Fetch(Get(Url("/r" + std::to_string(i)))));
  }
  for (auto& f : futures) {
    auto r = Wait(f);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->body, "together");
  }
}

// Submissions in bursts from several threads at once, as collectors make them: the I/O thread is
// woken once per burst, not once per submission, and still takes every transfer (each is
// answered, once, with its own body).
TEST_F(HttpEngineTest, BurstsOfSubmissionsFromManyThreadsAllComplete) {
  Serve([](const net::HttpRequest& req, net::HttpExchange& ex) {
    net::HttpResponse r;
    r.body = req.path;
    ex.Send(r);
  });
  HttpEngine engine(clock_);
  constexpr int kThreads = 6;
  constexpr int kBursts = 4;
  constexpr int kPerBurst = 10;
  std::atomic<int> wrong{0};
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBursts; ++b) {
        std::vector<std::pair<std::string, std::future<Result<HttpResult>>>> burst;
        for (int i = 0; i < kPerBurst; ++i) {
          std::string path =
              "/t" + std::to_string(t) + "/b" + std::to_string(b) + "/" + std::to_string(i);
          burst.emplace_back(path, engine.Fetch(Get(Url(path))));
        }
        for (auto& [path, f] : burst) {
          auto r = Wait(f);
          if (!r.ok() || r->status != 200 || r->body != path) {
            ++wrong;
          }
          ++done;
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(done.load(), kThreads * kBursts * kPerBurst);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(engine.InFlight(), 0u);
  std::set<std::string> paths;
  for (const auto& req : Seen()) {
    paths.insert(req.path);
  }
  EXPECT_EQ(paths.size(), static_cast<std::size_t>(kThreads * kBursts * kPerBurst));
}

// Holds the stub's handlers of the paths it gates until released; shared with the handlers by
// a shared_ptr, as they may outlive a failed test.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  int inside = 0;
  int max_inside = 0;
  bool open = false;

  void Pass() {
    std::unique_lock lock(mu);
    ++arrived;
    max_inside = std::max(max_inside, ++inside);
    cv.notify_all();
    cv.wait_for(lock, seconds(10), [this] { return open; });
    --inside;
  }
  void Open() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
  int Arrived() {
    std::lock_guard lock(mu);
    return arrived;
  }
};

// Requests submitted together start at most max_starting at a time; the rest wait in order and
// start as the first ones finish.
TEST_F(HttpEngineTest, AtMostMaxStartingTransfersStartAtOnce) {
  auto gate = std::make_shared<Gate>();
  Serve([gate](const net::HttpRequest& req, net::HttpExchange& ex) {
    gate->Pass();
    net::HttpResponse r;
    r.body = req.path;
    ex.Send(r);
  });
  HttpEngineOptions options;
  options.max_starting = 4;
  options.starting_window = seconds(30);  // none stops counting during the test
  HttpEngine engine(clock_, options);
  std::vector<std::future<Result<HttpResult>>> futures;
  for (int i = 0; i < 12; ++i) {
    futures.push_back(engine.Fetch(Get(Url("/r" + std::to_string(i)))));
  }
  ASSERT_TRUE(nca::testing::PollUntil([&] { return gate->Arrived() == 4 && engine.Waiting() == 8; },
                                      seconds(10), milliseconds(1)))
      << "arrived " << gate->Arrived() << ", waiting " << engine.Waiting();
  gate->Open();
  for (int i = 0; i < 12; ++i) {
    auto r = Wait(futures[i]);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->body, "/r" + std::to_string(i));
  }
  EXPECT_EQ(gate->Arrived(), 12);
  EXPECT_LE(gate->max_inside, 4);
  EXPECT_EQ(engine.Waiting(), 0u);
  // Started in the order submitted: the first four arrived first.
  auto seen = Seen();
  ASSERT_EQ(seen.size(), 12u);
  std::set<std::string> first_four;
  for (std::size_t i = 0; i < 4; ++i) {
    first_four.insert(seen[i].path);
  }
  EXPECT_EQ(first_four, (std::set<std::string>{"/r0", "/r1", "/r2", "/r3"}));
}

// Holds "/hang" at `gate` until it opens; answers every other path at once.
net::HttpHandler HangUntilOpened(const std::shared_ptr<Gate>& gate) {
  return [gate](const net::HttpRequest& req, net::HttpExchange& ex) {
    if (req.path == "/hang") {
      gate->Pass();
    }
    ex.Send({});
  };
}

// Engine options: one young transfer at a time, young for `window`.
HttpEngineOptions OneAtATime(milliseconds window) {
  HttpEngineOptions options;
  options.max_starting = 1;
  options.starting_window = window;
  return options;
}

// A transfer that outlives the starting window (a hung peer) stops counting: the next request
// starts and completes while the hung one is still waiting for its answer.
TEST_F(HttpEngineTest, AHungTransferStopsCountingAfterTheStartingWindow) {
  auto gate = std::make_shared<Gate>();
  Serve(HangUntilOpened(gate));
  HttpEngine engine(clock_, OneAtATime(milliseconds(100)));
  auto hung = engine.Fetch(Get(Url("/hang")));
  auto fast = engine.Fetch(Get(Url("/fast")));
  auto r = Wait(fast);  // without the window, only after the gate opens: never
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(hung.wait_for(seconds(0)), std::future_status::timeout);
  gate->Open();
  auto h = Wait(hung);
  EXPECT_TRUE(h.ok()) << h.error().ToString();
}

// The time spent waiting for a start counts against the request's total timeout; a request whose
// whole time went by in the queue fails with kTimeout and is never sent.
TEST_F(HttpEngineTest, ARequestThatWaitedItsWholeTimeoutIsNeverSent) {
  auto gate = std::make_shared<Gate>();
  Serve(HangUntilOpened(gate));
  HttpEngine engine(clock_, OneAtATime(seconds(30)));
  HttpRequestSpec hang = Get(Url("/hang"));
  hang.total_timeout = milliseconds(600);
  HttpRequestSpec late = Get(Url("/late"));
  late.total_timeout = milliseconds(300);
  auto hung = engine.Fetch(hang);
  auto queued = engine.Fetch(late);
  auto q = Wait(queued);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().kind, ErrorKind::kTimeout) << q.error().ToString();
  EXPECT_NE(q.error().message.find("no start within 300 ms"), std::string::npos)
      << q.error().message;
  auto h = Wait(hung);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().kind, ErrorKind::kTimeout) << h.error().ToString();
  gate->Open();
  for (const auto& req : Seen()) {
    EXPECT_NE(req.path, "/late");
  }
}

// A completion callback that takes long (parsing a large body a user allowed with
// --neo4j.max-response-bytes) must not hold up other transfers: their answers are read and their
// timeouts measured meanwhile. With callbacks on the I/O thread, B's answer (after 300 ms) would
// sit unread until A's callback returned at 3 s, past B's 2 s timeout.
TEST_F(HttpEngineTest, ASlowCallbackDelaysNoOtherTransfer) {
  Serve([](const net::HttpRequest& req, net::HttpExchange& ex) {
    if (req.path == "/answers-after-300ms") {
      ex.SleepFor(milliseconds(300));
    }
    ex.Send({});
  });
  HttpEngine engine(clock_);
  HttpRequestSpec b = Get(Url("/answers-after-300ms"));
  b.total_timeout = milliseconds(2000);
  auto fb = engine.Fetch(b);
  std::promise<void> a_done;
  engine.Submit(Get(Url("/at-once")), [&a_done](Result<HttpResult> r) {
    EXPECT_TRUE(r.ok());
    std::this_thread::sleep_for(milliseconds(3000));  // the slow work under test, not a wait
    a_done.set_value();
  });
  auto rb = Wait(fb);
  ASSERT_TRUE(rb.ok()) << rb.error().ToString();
  EXPECT_EQ(rb->status, 200);
  EXPECT_LT(rb->total_seconds, 2.5);  // measured when the answer arrived, not when delivered
  a_done.get_future().wait();
}

TEST_F(HttpEngineTest, BodyOverCapIsTooLargeWithContentLength) {
  Serve([](const net::HttpRequest&, net::HttpExchange& ex) {
    net::HttpResponse r;
    r.body = std::string(10000, 'a');
    ex.Send(r);
  });
  HttpEngine engine(clock_);
  HttpRequestSpec spec = Get(Url("/big"));
  spec.max_response_bytes = 1000;
  auto f = engine.Fetch(spec);
  auto r = Wait(f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTooLarge);
  EXPECT_NE(r.error().message.find("response exceeded 1000 bytes"), std::string::npos)
      << r.error().message;
}

TEST_F(HttpEngineTest, BodyOverCapIsTooLargeWithoutContentLength) {
  Serve([](const net::HttpRequest&, net::HttpExchange& ex) {
    ex.SendRaw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n");
    for (int i = 0; i < 20; ++i) {
      ex.SendRaw(std::string(1000, 'b'));
    }
  });
  HttpEngine engine(clock_);
  HttpRequestSpec spec = Get(Url("/stream"));
  spec.max_response_bytes = 5000;
  auto f = engine.Fetch(spec);
  auto r = Wait(f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTooLarge) << r.error().ToString();
  EXPECT_NE(r.error().message.find("response exceeded 5000 bytes"), std::string::npos);
}

TEST_F(HttpEngineTest, BodyAtCapIsAccepted) {
  Serve([](const net::HttpRequest&, net::HttpExchange& ex) {
    net::HttpResponse r;
    r.body = std::string(1000, 'c');
    ex.Send(r);
  });
  HttpEngine engine(clock_);
  HttpRequestSpec spec = Get(Url("/exact"));
  spec.max_response_bytes = 1000;
  auto f = engine.Fetch(spec);
  auto r = Wait(f);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->body.size(), 1000u);
}

TEST_F(HttpEngineTest, BodyWithContentLengthIsAllocatedOnceAtItsSize) {
  Serve([](const net::HttpRequest&, net::HttpExchange& ex) {
    net::HttpResponse r;
    r.body = std::string(100000, 'd');  // arrives in several of libcurl's 16 KiB pieces
    ex.Send(r);
  });
  HttpEngine engine(clock_);
  auto f = engine.Fetch(Get(Url("/sized")));
  auto r = Wait(f);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->body, std::string(100000, 'd'));
  // Grown piece by piece it would end in a buffer of the next power of two (131072).
  EXPECT_EQ(r->body.capacity(), r->body.size());
}

TEST_F(HttpEngineTest, GarbageAnswerIsANetworkError) {
  Serve([](const net::HttpRequest&, net::HttpExchange& ex) {
    ex.SendRaw("this is not HTTP at all\r\n\r\n");
  });
  HttpEngine engine(clock_);
  auto f = engine.Fetch(Get(Url("/")));
  auto r = Wait(f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kNetwork) << r.error().ToString();
}

TEST_F(HttpEngineTest, TruncatedAnswerIsAnError) {
  Serve([](const net::HttpRequest&, net::HttpExchange& ex) {
    ex.SendRaw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"partial\":");
  });
  HttpEngine engine(clock_);
  auto f = engine.Fetch(Get(Url("/")));
  auto r = Wait(f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kNetwork) << r.error().ToString();
}

TEST_F(HttpEngineTest, SendsBasicAuthAndNeverReportsThePassword) {
  Serve([](const net::HttpRequest&, net::HttpExchange& ex) {
    net::HttpResponse r;
    r.status = 401;
    r.body = R"({"errors":[{"code":"Neo.ClientError.Security.Unauthorized","message":"x"}]})";
    ex.Send(r);
  });
  HttpEngine engine(clock_);
  HttpRequestSpec spec = Get(Url("/dbms/cluster/status"));
  spec.auth = BasicAuth{"neo4j", "s3cret"};
  auto f = engine.Fetch(spec);
  auto r = Wait(f);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 401);
  auto seen = Seen();
  ASSERT_EQ(seen.size(), 1u);
  // base64("neo4j:s3cret"), computed independently with `printf 'neo4j:s3cret' | base64`.
  EXPECT_EQ(seen[0].Header("authorization"), "Basic bmVvNGo6czNjcmV0");

  // A transport failure with credentials: no secret in the message.
  spec.url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/dbms/cluster/status";
  auto f2 = engine.Fetch(spec);
  auto r2 = Wait(f2);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().message.find("s3cret"), std::string::npos) << r2.error().message;
  EXPECT_EQ(r2.error().ToString().find("s3cret"), std::string::npos);
}

TEST_F(HttpEngineTest, IgnoresProxyEnvironment) {
  Serve([](const net::HttpRequest&, net::HttpExchange& ex) {
    net::HttpResponse r;
    r.body = "direct";
    ex.Send(r);
  });
  // A proxy that refuses connections: the request only succeeds if it bypasses the proxy.
  std::string proxy = "http://127.0.0.1:" + std::to_string(ClosedPort());
  setenv("http_proxy", proxy.c_str(), 1);
  HttpEngine engine(clock_);
  auto f = engine.Fetch(Get(Url("/")));
  auto r = Wait(f);
  unsetenv("http_proxy");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->body, "direct");
}

// Neo4j's HTTP connector (Jetty) keeps connections alive; an agent polls tens of members one
// request at a time per collector. Each member must keep its connection between rounds instead
// of connecting again (libcurl's default cache holds about four connections in that pattern).
TEST(HttpEngineReuseTest, KeepsAConnectionPerMemberAcrossRounds) {
  constexpr int kMembers = 12;
  std::mutex mu;
  std::vector<std::set<int>> client_ports(kMembers);  // one client port per TCP connection
  std::vector<std::unique_ptr<net::HttpServer>> members;
  net::HttpServerOptions options;
  options.num_threads = 2;
  options.keep_alive_timeout = seconds(30);
  for (int i = 0; i < kMembers; ++i) {
    members.push_back(std::make_unique<net::HttpServer>(
        options, [&mu, &client_ports, i](const net::HttpRequest& req, net::HttpExchange& ex) {
          {
            std::lock_guard lock(mu);
            client_ports[i].insert(req.remote_port);
          }
          ex.Send({});
        }));
    ASSERT_TRUE(members.back()->Start().ok());
  }
  RealClock clock;
  HttpEngine engine(clock);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kMembers; ++i) {
      auto f = engine.Fetch(Get("http://127.0.0.1:" + std::to_string(members[i]->Port()) +
                                "/db/neo4j/cluster/available"));
      auto r = Wait(f);
      ASSERT_TRUE(r.ok()) << r.error().message;
      EXPECT_EQ(r->status, 200);
    }
  }
  std::lock_guard lock(mu);
  for (int i = 0; i < kMembers; ++i) {
    EXPECT_EQ(client_ports[i].size(), 1u)
        << "member " << i << " saw " << client_ports[i].size() << " connections for 3 requests";
  }
}

TEST(RedactUrlTest, RemovesUserinfoOnly) {
  EXPECT_EQ(RedactUrl("http://u:p4ss@127.0.0.1:7474/db"), "http://127.0.0.1:7474/db");
  EXPECT_EQ(RedactUrl("http://127.0.0.1:7474/a@b"), "http://127.0.0.1:7474/a@b");
  EXPECT_EQ(RedactUrl("https://host"), "https://host");
}

TEST_F(HttpEngineTest, CallbacksMaySubmitFollowUps) {
  Serve([](const net::HttpRequest& req, net::HttpExchange& ex) {
    net::HttpResponse r;
    r.body = req.path;
    ex.Send(r);
  });
  HttpEngine engine(clock_);
  std::promise<std::string> second;
  engine.Submit(Get(Url("/first")), [&](Result<HttpResult> r) {
    if (!r.ok()) {
      second.set_value("first failed: " + r.error().ToString());
      return;
    }
    engine.Submit(Get(Url("/second")), [&, first = r->body](Result<HttpResult> r2) {
      second.set_value(first + "," + (r2.ok() ? r2->body : r2.error().ToString()));
    });
  });
  auto f = second.get_future();
  ASSERT_EQ(f.wait_for(seconds(10)), std::future_status::ready);
  EXPECT_EQ(f.get(), "/first,/second");
}

TEST_F(HttpEngineTest, DestructorFailsUnfinishedTransfers) {
  Serve([](const net::HttpRequest&, net::HttpExchange& ex) { ex.SleepFor(seconds(30)); });
  std::future<Result<HttpResult>> f;
  auto start = std::chrono::steady_clock::now();
  {
    HttpEngine engine(clock_);
    HttpRequestSpec spec = Get(Url("/hang"));
    spec.total_timeout = seconds(20);
    f = engine.Fetch(spec);
    // Wait (bounded) until the stub has the request, so the transfer is really in progress.
    auto deadline = std::chrono::steady_clock::now() + seconds(5);
    while (Seen().empty() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    ASSERT_EQ(Seen().size(), 1u);
  }
  ASSERT_EQ(f.wait_for(seconds(0)), std::future_status::ready);
  auto r = f.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kInternal);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(10));
}

TEST_F(HttpEngineTest, MeasuresTotalSecondsWithTheInjectedClock) {
  ManualClock manual;
  Serve([&manual](const net::HttpRequest&, net::HttpExchange& ex) {
    manual.Advance(seconds(3));  // "time passes" while the request is being served
    ex.Send({});
  });
  HttpEngine engine(manual);
  auto f = engine.Fetch(Get(Url("/")));
  auto r = Wait(f);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_DOUBLE_EQ(r->total_seconds, 3.0);
}

// total_seconds is the exchange's own time: a request's wait for a start slot is not in it
// (latency probes report it as the peer's latency).
TEST_F(HttpEngineTest, TotalSecondsLeaveOutTheWaitForAStart) {
  auto manual = std::make_shared<ManualClock>();
  Serve([manual](const net::HttpRequest& req, net::HttpExchange& ex) {
    if (req.path == "/first") {
      manual->Advance(seconds(3));  // while the second request waits for the only slot
    }
    ex.Send({});
  });
  HttpEngineOptions options;
  options.max_starting = 1;
  options.starting_window = seconds(30);
  HttpEngine engine(*manual, options);
  auto first = engine.Fetch(Get(Url("/first")));
  auto second = engine.Fetch(Get(Url("/second")));
  auto f = Wait(first);
  auto r = Wait(second);
  ASSERT_TRUE(f.ok()) << f.error().ToString();
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_DOUBLE_EQ(f->total_seconds, 3.0);
  EXPECT_DOUBLE_EQ(r->total_seconds, 0.0);
}

// ---- TLS, against `openssl s_server -www` with the test PKI (tests/support/test_pki.h) ----

class HttpEngineTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new nca::testing::TestPki();
    if (!pki_->ok()) {
      skip_reason_ = pki_->error;
      return;
    }
    // The member's certificate names only its DNS name, not the 127.0.0.1 the tests connect to.
    if (!pki_->IssueServer("neo4j-core-0.example", pki_->dir + "/member.crt",
                           pki_->dir + "/member.key", "DNS:neo4j-core-0.example")) {
      skip_reason_ = pki_->error;
    }
  }

  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  void SetUp() override {
    if (!skip_reason_.empty()) {
      GTEST_SKIP() << skip_reason_;
    }
  }

  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (out_fd_ >= 0) {
      close(out_fd_);
      out_fd_ = -1;
    }
  }

  // Runs `openssl s_server -www` on 127.0.0.1, port chosen by the OS, and reads the port from
  // its "ACCEPT 127.0.0.1:<port>" line (bounded wait).
  void StartServer(const std::vector<std::string>& extra_args = {}) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    out_fd_ = fds[0];
    std::string cert = pki_->dir + "/member.crt";
    std::string key = pki_->dir + "/member.key";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::vector<std::string> args = {"openssl", "s_server", "-accept", "127.0.0.1:0", "-cert",
                                     cert,      "-key",     key,       "-www"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, "openssl", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    ASSERT_EQ(rc, 0) << "posix_spawnp(openssl) failed";
    pid_ = pid;
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_fd_, POLLIN, 0};
      if (poll(&p, 1, 100) > 0) {
        char buf[256];
        ssize_t n = read(out_fd_, buf, sizeof(buf));
        if (n <= 0) {
          break;
        }
        out.append(buf, static_cast<size_t>(n));
        auto pos = out.find("ACCEPT 127.0.0.1:");
        if (pos != std::string::npos) {
          auto eol = out.find('\n', pos);
          if (eol != std::string::npos) {
            port_ = std::stoi(out.substr(pos + 17, eol - pos - 17));
            return;
          }
        }
      }
    }
    FAIL() << "openssl s_server did not start: " << out;
  }

  HttpRequestSpec Spec() const {
    HttpRequestSpec spec;
    spec.url = "https://127.0.0.1:" + std::to_string(port_) + "/";
    spec.headers = {"Accept: */*"};
    spec.connect_timeout = milliseconds(2000);
    spec.total_timeout = milliseconds(5000);
    return spec;
  }

  Result<HttpResult> Run(const HttpRequestSpec& spec) {
    RealClock clock;
    HttpEngine engine(clock);
    auto f = engine.Fetch(spec);
    return Wait(f);
  }

  static nca::testing::TestPki* pki_;
  static std::string skip_reason_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int port_ = 0;
};

nca::testing::TestPki* HttpEngineTlsTest::pki_ = nullptr;
std::string HttpEngineTlsTest::skip_reason_;

TEST_F(HttpEngineTlsTest, VerifiesAgainstCaFileAndServerNameOverride) {
  StartServer();
  HttpRequestSpec spec = Spec();
  spec.tls.ca_file = pki_->ca_cert;
  spec.tls.server_name = "neo4j-core-0.example";
  auto r = Run(spec);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpEngineTlsTest, HostNameMismatchIsATlsError) {
  StartServer();
  HttpRequestSpec spec = Spec();
  spec.tls.ca_file = pki_->ca_cert;  // trusted CA, but the cert is not for 127.0.0.1
  auto r = Run(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTls) << r.error().ToString();
}

TEST_F(HttpEngineTlsTest, UnknownCaIsATlsError) {
  StartServer();
  HttpRequestSpec spec = Spec();
  spec.tls.server_name = "neo4j-core-0.example";  // name matches, CA not trusted
  auto r = Run(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTls) << r.error().ToString();
}

TEST_F(HttpEngineTlsTest, InsecureSkipVerifyConnects) {
  StartServer();
  HttpRequestSpec spec = Spec();
  spec.tls.insecure_skip_verify = true;
  auto r = Run(spec);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpEngineTlsTest, PresentsClientCertificateWhenRequired) {
  StartServer({"-Verify", "1", "-CAfile", pki_->ca_cert});
  HttpRequestSpec spec = Spec();
  spec.tls.ca_file = pki_->ca_cert;
  spec.tls.server_name = "neo4j-core-0.example";
  auto without = Run(spec);
  EXPECT_FALSE(without.ok()) << "server requires a client certificate";

  spec.tls.cert_file = pki_->client_cert;
  spec.tls.key_file = pki_->client_key;
  auto with = Run(spec);
  ASSERT_TRUE(with.ok()) << with.error().ToString();
  EXPECT_EQ(with->status, 200);
}

}  // namespace
}  // namespace nca::neo4j
