// The agent's HTTP/1.1 server (net/event_server.h) over loopback sockets: keep-alive and
// pipelining, HEAD, refusals and their statuses, the client-controlled bounds (connections,
// request time, idle time), large responses to a slow reader, many connections on one thread.
#include "net/event_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace nca::net {
namespace {

using Ms = std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// A blocking loopback client with deadlines on every read.
class Client {
 public:
  explicit Client(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
  }
  ~Client() { close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  void Send(const std::string& bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t n = send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) {
        return;
      }
      off += static_cast<std::size_t>(n);
    }
  }
  // Reads until `pred(buffer)` holds, the peer closes, or the deadline passes.
  template <typename Pred>
  bool ReadUntil(Pred pred, Ms timeout = Ms(5000)) {
    const auto deadline = SteadyClock::now() + timeout;
    while (!pred(in_)) {
      const auto left = std::chrono::duration_cast<Ms>(deadline - SteadyClock::now()).count();
      if (left <= 0) {
        return false;
      }
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) {
        continue;
      }
      char buf[65536];
      const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) {
        closed_ = true;
        return pred(in_);
      }
      in_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }
  // One complete response (head + Content-Length body), removed from the buffer; "" if none.
  std::string Response(Ms timeout = Ms(5000)) {
    std::size_t total = 0;
    auto complete = [&total](const std::string& s) {
      const auto end = s.find("\r\n\r\n");
      if (end == std::string::npos) {
        return false;
      }
      const auto cl = s.find("Content-Length: ");
      if (cl == std::string::npos || cl > end) {
        return false;
      }
      total = end + 4 + std::stoul(s.substr(cl + 16));
      return s.size() >= total;
    };
    if (!ReadUntil(complete, timeout)) {
      return "";
    }
    std::string r = in_.substr(0, total);
    in_.erase(0, total);
    return r;
  }
  // Whether the server closed the connection (EOF) within the timeout.
  bool WaitClosed(Ms timeout = Ms(5000)) {
    ReadUntil([this](const std::string&) { return closed_; }, timeout);
    return closed_;
  }
  int fd() const { return fd_; }
  const std::string& buffer() const { return in_; }
  void Clear() { in_.clear(); }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string in_;
};

std::string Body(const std::string& response) {
  const auto end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

class EventServerTest : public ::testing::Test {
 protected:
  void StartServer(EventServerOptions o = {}) {
    server_ = std::make_unique<EventServer>(std::move(o), [this](const HttpRequest& r) {
      ++requests_;
      if (r.path == "/big") {
        return ServerResponse::Text(200, big_);
      }
      if (r.path == "/pieces") {
        ServerResponse resp;
        resp.body.push_back(BodyPiece::Of(std::make_shared<const std::string>("one,")));
        resp.body.push_back(BodyPiece::Of(std::make_shared<const std::string>("")));
        resp.body.push_back(BodyPiece::Of(std::make_shared<const std::string>("two")));
        return resp;
      }
      if (r.path == "/throw") {
        throw std::runtime_error("boom");
      }
      return ServerResponse::Text(
          200, r.method + " " + r.path + " q=" + r.query + " body=" + r.body +
                   " peer=" + (r.remote_addr.rfind("127.0.0.1:", 0) == 0 ? "lo" : r.remote_addr));
    });
    auto st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.error().message;
    ASSERT_GT(server_->Port(), 0);
  }
  bool WaitOpen(std::size_t n) {
    const auto deadline = SteadyClock::now() + Ms(5000);
    while (server_->OpenConnections() != n && SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(Ms(5));  // polling a condition, not synchronising on time
    }
    return server_->OpenConnections() == n;
  }

  // More than loopback's socket buffers hold: the server must wait for EPOLLOUT between writes.
  std::string big_ = std::string(16u << 20, 'x');
  std::atomic<int> requests_{0};
  std::unique_ptr<EventServer> server_;
};

TEST_F(EventServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  StartServer();
  Client c(server_->Port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 3; ++i) {
    c.Send("GET /x?i=" + std::to_string(i) + " HTTP/1.1\r\nHost: a\r\n\r\n");
    const std::string r = c.Response();
    ASSERT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
    EXPECT_EQ(r.find("Connection: close"), std::string::npos);
    EXPECT_NE(r.find("\r\nDate: "), std::string::npos);
    EXPECT_EQ(Body(r), "GET /x q=i=" + std::to_string(i) + " body= peer=lo");
  }
  EXPECT_EQ(server_->OpenConnections(), 1u);
}

TEST_F(EventServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  Client c(server_->Port());
  c.Send(
      "GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyzGET /c "
      "HTTP/1.1\r\n\r\n");
  EXPECT_EQ(Body(c.Response()), "GET /a q= body= peer=lo");
  EXPECT_EQ(Body(c.Response()), "POST /b q= body=xyz peer=lo");
  EXPECT_EQ(Body(c.Response()), "GET /c q= body= peer=lo");
}

TEST_F(EventServerTest, ABodyArrivingInPiecesIsWaitedFor) {
  StartServer();
  Client c(server_->Port());
  c.Send("POST /p HTTP/1.1\r\nContent-Length: 6\r\nExpect: 100-continue\r\n\r\nab");
  ASSERT_TRUE(c.ReadUntil(
      [](const std::string& s) { return s.find("HTTP/1.1 100 Continue\r\n\r\n") == 0; }));
  c.Clear();  // the interim response
  c.Send("cdef");
  const std::string r = c.Response();
  EXPECT_NE(r.find("body=abcdef"), std::string::npos) << r;
}

TEST_F(EventServerTest, Http10AndConnectionCloseAreClosedAfterTheResponse) {
  StartServer();
  {
    Client c(server_->Port());
    c.Send("GET / HTTP/1.0\r\n\r\n");
    EXPECT_NE(c.Response().find("Connection: close"), std::string::npos);
    EXPECT_TRUE(c.WaitClosed());
  }
  {
    Client c(server_->Port());
    c.Send("GET / HTTP/1.1\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\n\r\n");
    EXPECT_NE(c.Response().find("Connection: close"), std::string::npos);
    EXPECT_TRUE(c.WaitClosed());
  }
  EXPECT_EQ(requests_.load(), 2);  // the request after "close" was not served
}

TEST_F(EventServerTest, HeadSendsTheHeadOnly) {
  StartServer();
  Client c(server_->Port());
  c.Send("HEAD /pieces HTTP/1.1\r\n\r\nGET /pieces HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(
      c.ReadUntil([](const std::string& s) { return s.find("one,two") != std::string::npos; }));
  // The HEAD answer carries the GET's Content-Length and no body: the GET's answer follows it
  // directly.
  const std::string& all = c.buffer();
  const auto first_end = all.find("\r\n\r\n");
  ASSERT_NE(first_end, std::string::npos);
  EXPECT_NE(all.substr(0, first_end).find("Content-Length: 7"), std::string::npos) << all;
  EXPECT_EQ(all.find("HTTP/1.1 200 OK\r\n", first_end), first_end + 4) << all;
}

TEST_F(EventServerTest, BodyPiecesAreSentInOrder) {
  StartServer();
  Client c(server_->Port());
  c.Send("GET /pieces HTTP/1.1\r\n\r\n");
  const std::string r = c.Response();
  EXPECT_NE(r.find("Content-Length: 7\r\n"), std::string::npos);
  EXPECT_EQ(Body(r), "one,two");
}

TEST_F(EventServerTest, BadRequestsGetTheirStatusAndAreClosed) {
  StartServer();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"garbage\r\n\r\n", "400 Bad Request"},
      {"GET / HTTP/2.0\r\n\r\n", "505 HTTP Version Not Supported"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", "501 Not Implemented"},
      {"POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", "413 Content Too Large"},
      {"GET / HTTP/1.1\r\nX: " + std::string(10000, 'a') + "\r\n\r\n",
       "431 Request Header Fields Too Large"},
  };
  for (const auto& [request, status] : cases) {
    Client c(server_->Port());
    c.Send(request);
    const std::string r = c.Response();
    EXPECT_EQ(r.rfind("HTTP/1.1 " + status + "\r\n", 0), 0u) << r;
    EXPECT_NE(r.find("Connection: close"), std::string::npos);
    EXPECT_TRUE(c.WaitClosed());
  }
  EXPECT_EQ(requests_.load(), 0);
}

TEST_F(EventServerTest, AHandlerExceptionIs500AndTheServerGoesOn) {
  StartServer();
  Client c(server_->Port());
  c.Send("GET /throw HTTP/1.1\r\n\r\nGET /ok HTTP/1.1\r\n\r\n");
  EXPECT_EQ(c.Response().rfind("HTTP/1.1 500 ", 0), 0u);
  EXPECT_EQ(Body(c.Response()), "GET /ok q= body= peer=lo");
}

TEST_F(EventServerTest, SlowAndIdleClientsAreClosed) {
  EventServerOptions o;
  o.request_timeout = Ms(300);
  o.idle_timeout = Ms(300);
  StartServer(o);
  Client slow(server_->Port());
  slow.Send("GET / HTTP/1.1\r\nHost: a\r\n");  // never finishes the head
  Client idle(server_->Port());
  idle.Send("GET / HTTP/1.1\r\n\r\n");
  EXPECT_FALSE(idle.Response().empty());
  // The sweep runs each second: both are closed within a few.
  EXPECT_TRUE(slow.WaitClosed(Ms(5000)));
  EXPECT_TRUE(idle.WaitClosed(Ms(5000)));
  EXPECT_TRUE(WaitOpen(0));
}

TEST_F(EventServerTest, ConnectionsOverTheLimitAreClosedAtOnce) {
  EventServerOptions o;
  o.max_connections = 2;
  StartServer(o);
  Client a(server_->Port());
  Client b(server_->Port());
  ASSERT_TRUE(WaitOpen(2));
  Client extra(server_->Port());
  EXPECT_TRUE(extra.WaitClosed());
  a.Send("GET /a HTTP/1.1\r\n\r\n");
  EXPECT_FALSE(a.Response().empty());
}

TEST_F(EventServerTest, ALargeResponseReachesASlowReaderWhileOthersAreServed) {
  StartServer();
  Client slow(server_->Port());
  slow.Send("GET /big HTTP/1.1\r\n\r\n");
  // While the big body is stuck (the slow client does not read yet), another client is answered.
  Client fast(server_->Port());
  fast.Send("GET /x HTTP/1.1\r\n\r\n");
  EXPECT_EQ(Body(fast.Response()), "GET /x q= body= peer=lo");
  const std::string r = slow.Response(Ms(20000));
  ASSERT_EQ(Body(r).size(), big_.size());
  EXPECT_TRUE(Body(r) == big_);  // (not EXPECT_EQ: 16 MiB in a failure message)
}

TEST_F(EventServerTest, SixtyFourConnectionsAtOnce) {
  StartServer();
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 64; ++i) {
    clients.push_back(std::make_unique<Client>(server_->Port()));
    ASSERT_TRUE(clients.back()->connected());
  }
  for (int round = 0; round < 3; ++round) {
    for (auto& c : clients) {
      c->Send("GET /r HTTP/1.1\r\n\r\n");
    }
    for (auto& c : clients) {
      EXPECT_EQ(Body(c->Response()), "GET /r q= body= peer=lo");
    }
  }
  EXPECT_EQ(server_->OpenConnections(), 64u);
  EXPECT_EQ(requests_.load(), 192);
}

TEST_F(EventServerTest, StopClosesOpenConnections) {
  StartServer();
  Client c(server_->Port());
  ASSERT_TRUE(WaitOpen(1));
  server_->Stop();
  EXPECT_TRUE(c.WaitClosed());
  EXPECT_EQ(server_->OpenConnections(), 0u);
}

TEST(ListenTcpTest, AddressesAndErrors) {
  auto any = ListenTcp(":0", 16);
  ASSERT_TRUE(any.ok()) << any.error().message;
  EXPECT_GT(any->second, 0);
  close(any->first);
  auto lo = ListenTcp("127.0.0.1:0", 16);
  ASSERT_TRUE(lo.ok());
  auto taken = ListenTcp("127.0.0.1:" + std::to_string(lo->second), 16);
  ASSERT_FALSE(taken.ok());
  EXPECT_NE(taken.error().message.find("cannot listen on 127.0.0.1:"), std::string::npos)
      << taken.error().message;
  close(lo->first);
  for (const char* bad : {"", "127.0.0.1:", "127.0.0.1:x", "127.0.0.1:70000", ":123456"}) {
    auto r = ListenTcp(bad, 16);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("must be host:port"), std::string::npos) << bad;
  }
  EXPECT_FALSE(ListenTcp("not-an-address.invalid:0", 16).ok());
}

}  // namespace
}  // namespace nca::net
