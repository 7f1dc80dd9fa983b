// HttpServer: a small owner of one civetweb context serving a single catch-all handler. Used by
// the exporter's web endpoints, by the simulator's members and control API, and by test stubs.
//
// Thread-safety: Start/Stop must be called from one owning thread. The handler is called
// concurrently from civetweb worker threads and must be thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "net/http1.h"

struct mg_context;
struct mg_connection;

namespace nca::net {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // decoded local URI without the query string
  std::string query;                           // raw query string (no '?')
  std::map<std::string, std::string> headers;  // keys lower-cased
  std::string body;
  std::string remote_addr;
  int remote_port = 0;  // the client's port: one per TCP connection

  // Header value or "" (name is matched case-insensitively).
  std::string Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;
};

// The connection handed to a handler. Exactly one of Send/SendRaw should be used.
class HttpExchange {
 public:
  HttpExchange(mg_connection* conn, const std::atomic<bool>* stopping, std::mutex* mu,
               std::condition_variable* cv, bool keep_alive)
      : conn_(conn), stopping_(stopping), mu_(mu), cv_(cv), keep_alive_(keep_alive) {}

  // Writes a complete response with Content-Length. The connection stays open for the next
  // request when the server has keep-alive on and the request allows it (HTTP/1.1 without
  // "Connection: close"; no Connection header is sent then, as Jetty does); otherwise the head
  // says "Connection: close" and the connection is closed after the handler returns.
  void Send(const HttpResponse& response);
  // Writes bytes as they are (the handler builds status line and headers itself). A handler
  // whose head says "Connection: close", or whose body is not what its head announces, must
  // call CloseAfterResponse.
  void SendRaw(std::string_view bytes);
  // The connection is closed once the handler returns, whatever keep-alive says.
  void CloseAfterResponse();
  // Whether the connection stays open after this exchange.
  bool KeepAlive() const { return keep_alive_; }
  // Sleeps up to `d`, returning early (false) if the server is stopping. For simulated slowness
  // and hangs: a hang is SleepFor(a very long time) that ends when the server stops.
  bool SleepFor(std::chrono::milliseconds d);
  bool Stopping() const { return stopping_->load(); }

 private:
  mg_connection* conn_;
  const std::atomic<bool>* stopping_;
  std::mutex* mu_;
  std::condition_variable* cv_;
  bool keep_alive_;
};

using HttpHandler = std::function<void(const HttpRequest&, HttpExchange&)>;

struct HttpServerOptions {
  std::string listen_address = "127.0.0.1:0";  // host:port, ":port" or port; port 0 = any
  int num_threads = 8;
  std::size_t max_request_body = 1u << 20;
  // 0: every answer closes its connection. > 0: HTTP/1.1 keep-alive, an idle connection is
  // closed after this long (civetweb holds one worker thread per open connection meanwhile).
  std::chrono::milliseconds keep_alive_timeout{0};
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving. Errors (e.g. address in use) are returned, not thrown.
  Status Start();
  // Wakes handlers sleeping in SleepFor, then stops civetweb (joins its threads). Idempotent.
  void Stop();
  bool Running() const { return ctx_ != nullptr; }
  // The bound port (after Start), e.g. when listening on port 0.
  int Port() const { return port_; }

 private:
  static int HandleThunk(mg_connection* conn, void* cbdata);
  void Handle(mg_connection* conn);

  HttpServerOptions options_;
  HttpHandler handler_;
  mg_context* ctx_ = nullptr;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
};

// Converts "host:port", ":port" or "port" into civetweb's listening_ports syntax.
Result<std::string> ToCivetListen(const std::string& address);

}  // namespace nca::net
