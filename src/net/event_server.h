// EventServer: the agent's HTTP/1.1 server. One thread runs an epoll loop over non-blocking
// sockets: persistent connections (keep-alive) and pipelined requests, response bodies written
// from shared immutable buffers without copying (a cached /metrics rendering goes to the socket as
// it is), and bounds on everything a client controls (connections, head and body size, time to
// send a request, time idle between requests, time to take a response). Request syntax and the
// error statuses are those of net/http1.h.
//
// Why not civetweb (which the simulator and test stubs keep using): civetweb 1.15 gives each
// connection a worker thread for as long as it stays open, so N keep-alive scrapers need N
// threads, and it answers every /metrics with a full copy of the body.
//
// Handlers run on the loop thread: they must be fast and must not block (the agent's handlers
// read prepared snapshots; nothing on the request path waits on Neo4j or a collector).
//
// TLS (options.tls) runs over the same non-blocking sockets through net::TlsSession's memory BIOs.
// A request gate (options.gate, e.g. basic auth) may decide at once or later from another thread
// (a bcrypt comparison must not stall the loop): the connection waits, the others go on.
//
// Thread-safety: Start/Stop/destructor from one owning thread; Port() from any thread after Start.
// The handler, the gate and the TLS provider are only called on the loop thread, one at a time; a
// gate's `done` may be called from any thread, also after Stop (it is then ignored).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/result.h"
#include "net/http_server.h"

namespace nca::net {

class WakeableEpoll;

// One piece of a response body: bytes kept alive by `owner` (shared, immutable).
struct BodyPiece {
  std::shared_ptr<const std::string> owner;
  std::string_view bytes;  // within *owner

  static BodyPiece Of(std::shared_ptr<const std::string> s) {
    std::string_view v = *s;
    return BodyPiece{std::move(s), v};
  }
};

struct ServerResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // extra header fields
  std::vector<BodyPiece> body;  // written one after another; Content-Length is their sum
  bool close = false;           // close the connection after this response

  // A response whose body is one string.
  static ServerResponse Text(int status, std::string body);
  std::size_t BodySize() const;
};

using ServerHandler = std::function<ServerResponse(const HttpRequest&)>;

class ServerTls;

// What a request gate decided: send `response` instead of calling the handler, or (no response)
// call the handler; either way, add `headers` to what is sent.
struct GateDecision {
  std::optional<ServerResponse> response;
  std::vector<std::pair<std::string, std::string>> headers;
};
using GateDone = std::function<void(GateDecision)>;
// Returns the decision now, or nullopt when it will call `done` (exactly once, any thread) later.
using RequestGate = std::function<std::optional<GateDecision>(const HttpRequest&, GateDone done)>;

struct EventServerOptions {
  std::string listen_address = "127.0.0.1:0";  // host:port, :port or port; port 0 = any
  std::size_t max_connections = 1024;          // more are accepted and closed at once
  std::size_t max_head_bytes = 8192;
  std::size_t max_request_body = 64u << 10;
  // From the first byte of a request to its last (a slow client cannot hold a connection).
  std::chrono::milliseconds request_timeout{10000};
  // A keep-alive connection with no request in progress (Go's IdleTimeout is of this kind).
  std::chrono::milliseconds idle_timeout{120000};
  // Without any progress while writing a response (the client does not read).
  std::chrono::milliseconds write_timeout{30000};
  std::string logger_name = "net.server";
  // Empty: plain HTTP. Else called for every accepted connection, which then speaks TLS with what
  // it returns, or is closed at once when it returns nullptr (the provider logs why).
  std::function<std::shared_ptr<const ServerTls>()> tls;
  // Empty: every request goes to the handler.
  RequestGate gate;
};

class EventServer {
 public:
  EventServer(EventServerOptions options, ServerHandler handler);
  ~EventServer();  // Stop()
  EventServer(const EventServer&) = delete;
  EventServer& operator=(const EventServer&) = delete;

  // Binds and listens (errors such as address in use are returned), then starts the loop.
  Status Start();
  // Closes the listener and every connection (responses in progress are cut) and joins the
  // loop. Idempotent.
  void Stop();
  int Port() const { return port_.load(); }

  // Connections open now (for tests and self-metrics). Any thread.
  std::size_t OpenConnections() const { return open_.load(); }

 private:
  struct Conn;
  struct Mailbox;
  void Loop();
  void OnMail();
  // Answers one parsed request (after the gate, when there is one).
  void Answer(Conn& c, HttpRequest& req, bool keep_alive, std::optional<GateDecision> decision);
  ServerResponse CallHandler(const HttpRequest& req);
  bool FlushTls(Conn& c);
  // The response in progress is written (or was never started): next request, or close.
  bool Finish(Conn& c);
  void Accept();
  void OnReadable(Conn& c);
  void OnWritable(Conn& c);
  // Parses and answers the buffered requests of `c` while its output is flushed.
  void Process(Conn& c);
  void Queue(Conn& c, ServerResponse response, bool head_only);
  bool Flush(Conn& c);  // false: the connection failed (closed)
  void SetInterest(Conn& c, bool want_write);
  void CloseConn(int fd);
  void Sweep();

  const EventServerOptions options_;
  const ServerHandler handler_;
  int listen_fd_ = -1;
  std::unique_ptr<WakeableEpoll> loop_;  // connections, listener, mailbox; Stop() wakes it
  std::shared_ptr<Mailbox> mailbox_;     // gate decisions made elsewhere
  std::atomic<int> port_{0};
  std::atomic<std::size_t> open_{0};
  std::thread thread_;
  // Loop-thread state.
  std::vector<std::unique_ptr<Conn>> conns_;  // by fd
  uint64_t next_serial_ = 0;                  // tells apart connections that reuse an fd
  std::string date_;                          // Date header value, refreshed each second
  long long date_second_ = -1;
};

// Binds a listening, non-blocking TCP socket: "host:port", ":port" (every address: IPv6
// dual-stack when available, else IPv4) or "port". Hosts may be IP literals ([v6] in brackets) or
// names (the first address they resolve to). Returns the fd and the bound port.
Result<std::pair<int, int>> ListenTcp(const std::string& address, int backlog);

}  // namespace nca::net
