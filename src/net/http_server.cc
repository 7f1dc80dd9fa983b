#include "net/http_server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <thread>

#include "common/logging.h"

namespace nca::net {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// civetweb is initialised once per process; mg_init_library is reference counted.
// civetweb 1.15's accept loop only notices a stop request every 2 s, unless a connection
// arrives: connect to our own port once so that mg_stop returns at once.
void PokeListener(const std::string& listen_address, int port) {
  if (port <= 0) {
    return;
  }
  // Connect to the bound IPv4 host, or to loopback for wildcard and non-IPv4 listen addresses.
  in_addr host{};
  host.s_addr = htonl(INADDR_LOOPBACK);
  auto colon = listen_address.rfind(':');
  if (colon != std::string::npos && colon > 0) {
    std::string h = listen_address.substr(0, colon);
    in_addr parsed{};
    if (h != "0.0.0.0" && inet_pton(AF_INET, h.c_str(), &parsed) == 1) {
      host = parsed;
    }
  }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr = host;
  (void)connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  close(fd);
}

struct LibraryGuard {
  LibraryGuard() { mg_init_library(0); }
  ~LibraryGuard() { mg_exit_library(); }
};

}  // namespace

std::string HttpRequest::Header(std::string_view name) const {
  auto it = headers.find(Lower(name));
  return it == headers.end() ? std::string() : it->second;
}

void HttpExchange::Send(const HttpResponse& response) {
  std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " +
                     std::string(ReasonPhrase(response.status)) + "\r\n";
  if (!response.content_type.empty()) {
    head += "Content-Type: " + response.content_type + "\r\n";
  }
  for (const auto& [k, v] : response.headers) {
    head += k + ": " + v + "\r\n";
  }
  head += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  if (!keep_alive_) {
    head += "Connection: close\r\n";
    CloseAfterResponse();
  }
  head += "\r\n";
  SendRaw(head);
  SendRaw(response.body);
}

void HttpExchange::CloseAfterResponse() {
  keep_alive_ = false;
  // civetweb 1.15 has no call for "close after this answer" on a connection whose answer the
  // handler wrote itself: after the handler returns it keeps the connection when
  // should_keep_alive() says so, and that reads the request's HTTP version and Connection
  // header (src/civetweb.c, should_keep_alive and process_new_connection). The request record
  // is ours to read and is not used again for this request, so it is made to say HTTP/1.0
  // without keep-alive. HttpServerTest.CloseAfterResponseClosesAKeptAliveConnection pins this.
  auto* info = const_cast<mg_request_info*>(mg_get_request_info(conn_));
  info->http_version = "1.0";
  for (int i = 0; i < info->num_headers; ++i) {
    if (Lower(info->http_headers[i].name) == "connection") {
      info->http_headers[i].value = "close";
    }
  }
}

void HttpExchange::SendRaw(std::string_view bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    int n = mg_write(conn_, bytes.data() + off, bytes.size() - off);
    if (n <= 0) {
      return;  // peer went away; nothing else to do
    }
    off += static_cast<std::size_t>(n);
  }
}

bool HttpExchange::SleepFor(std::chrono::milliseconds d) {
  std::unique_lock lock(*mu_);
  return !cv_->wait_for(lock, d, [this] { return stopping_->load(); });
}

Result<std::string> ToCivetListen(const std::string& address) {
  std::string host;
  std::string port;
  auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    port = address;
  } else {
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
  }
  if (port.empty() ||
      !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "listen address \"" + address + "\" must be host:port, :port or port");
  }
  if (std::stol(port) > 65535) {
    return MakeError(ErrorKind::kInvalidArgument, "port out of range in \"" + address + "\"");
  }
  if (host.empty() || host == "0.0.0.0") {
    return port;
  }
  if (host.front() == '[' && host.back() == ']') {
    std::string out = "[";  // IPv6 literal (appends: GCC 12's -Wrestrict misfires on "[" + ...)
    out += host.substr(1, host.size() - 2);
    out += "]:";
    out += port;
    return out;
  }
  return host + ":" + port;
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  static LibraryGuard guard;  // process-wide civetweb initialisation (immutable after first use)
  if (ctx_ != nullptr) {
    return OkStatus();
  }
  auto listen = ToCivetListen(options_.listen_address);
  if (!listen) {
    return listen.error();
  }
  stopping_ = false;
  std::string threads = std::to_string(options_.num_threads);
  const bool keep_alive = options_.keep_alive_timeout.count() > 0;
  std::string keep_alive_ms = std::to_string(options_.keep_alive_timeout.count());
  const char* opts[] = {"listening_ports",
                        listen->c_str(),
                        "num_threads",
                        threads.c_str(),
                        "enable_keep_alive",
                        keep_alive ? "yes" : "no",
                        "keep_alive_timeout_ms",
                        keep_alive ? keep_alive_ms.c_str() : "500",
                        "request_timeout_ms",
                        "30000",
                        nullptr};
  mg_callbacks callbacks{};
  // civetweb logs bind errors through log_message; keep them quiet and report our own error.
  callbacks.log_message = [](const mg_connection*, const char*) { return 1; };
  ctx_ = mg_start(&callbacks, this, opts);
  if (ctx_ == nullptr) {
    return MakeError(ErrorKind::kInvalidArgument, "cannot listen on " + options_.listen_address +
                                                      " (address in use, or not a local address)");
  }
  mg_set_request_handler(ctx_, "/", &HttpServer::HandleThunk, this);
  mg_server_port ports[4];
  int n = mg_get_server_ports(ctx_, 4, ports);
  port_ = n > 0 ? ports[0].port : 0;
  return OkStatus();
}

void HttpServer::Stop() {
  if (ctx_ == nullptr) {
    return;
  }
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  // mg_stop blocks until civetweb's threads exit; poke the listener from a helper thread while
  // it waits, so that the accept loop wakes up and sees the stop flag.
  std::atomic<bool> stopped{false};
  std::thread poker([this, &stopped] {
    while (!stopped.load()) {
      PokeListener(options_.listen_address, port_);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // retry until mg_stop returns
    }
  });
  mg_stop(ctx_);
  stopped = true;
  poker.join();
  ctx_ = nullptr;
}

int HttpServer::HandleThunk(mg_connection* conn, void* cbdata) {
  static_cast<HttpServer*>(cbdata)->Handle(conn);
  return 200;  // handled; the handler wrote the response
}

void HttpServer::Handle(mg_connection* conn) {
  const mg_request_info* info = mg_get_request_info(conn);
  HttpRequest req;
  req.method = info->request_method ? info->request_method : "";
  req.path = info->local_uri ? info->local_uri : "";
  req.query = info->query_string ? info->query_string : "";
  req.remote_addr = info->remote_addr;
  req.remote_port = info->remote_port;
  for (int i = 0; i < info->num_headers; ++i) {
    req.headers[Lower(info->http_headers[i].name)] = info->http_headers[i].value;
  }
  char buf[8192];
  while (req.body.size() < options_.max_request_body) {
    int n = mg_read(conn, buf, sizeof(buf));
    if (n <= 0) {
      break;
    }
    req.body.append(buf, static_cast<std::size_t>(n));
  }
  // Only HTTP/1.1 connections are kept, unless the client says close (RFC 9112 section 9.3);
  // an HTTP/1.0 client gets Connection: close rather than the keep-alive extension.
  const bool http11 = info->http_version != nullptr && std::strcmp(info->http_version, "1.1") == 0;
  const bool keep_alive = options_.keep_alive_timeout.count() > 0 && http11 &&
                          Lower(req.Header("Connection")).find("close") == std::string::npos;
  HttpExchange ex(conn, &stopping_, &mu_, &cv_, keep_alive);
  handler_(req, ex);
}

}  // namespace nca::net
