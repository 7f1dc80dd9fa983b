#include "net/event_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "common/logging.h"
#include "net/tls.h"
#include "net/wakeable_epoll.h"

namespace nca::net {

using Clock = std::chrono::steady_clock;

struct EventServer::Conn {
  int fd = -1;
  std::string peer;
  std::string in;  // received, not yet consumed
  // Output: the response head, then the body pieces; written in order.
  std::string out_head;
  std::vector<BodyPiece> out_body;
  std::size_t out_index = 0;   // 0: in out_head; k>0: in out_body[k-1]
  std::size_t out_offset = 0;  // within the current piece
  bool writing = false;
  bool close_after = false;  // close once the output is flushed
  bool peer_eof = false;     // the client shut down its side
  bool continue_sent = false;
  bool want_write = false;              // current epoll interest
  Clock::time_point request_started{};  // first byte of the request in progress
  Clock::time_point last_progress{};    // last read or write
  Clock::time_point accepted{};
  uint64_t serial = 0;
  // TLS: the session, and ciphertext waiting for the socket.
  std::unique_ptr<TlsSession> tls;
  std::string tls_out;
  std::size_t tls_out_offset = 0;
  // Waiting for the gate's decision on this request.
  bool gated = false;
  HttpRequest gated_request;
  bool gated_keep_alive = true;
};

// Gate decisions made on other threads, for the loop (shared with the `done` callbacks, which may
// outlive the server).
struct EventServer::Mailbox {
  struct Letter {
    int fd;
    uint64_t serial;
    GateDecision decision;
  };
  std::mutex mu;
  int event_fd = -1;  // guarded by mu; -1 once the server stopped
  std::vector<Letter> letters;

  void Post(Letter letter) {
    std::lock_guard lock(mu);
    if (event_fd < 0) {
      return;
    }
    letters.push_back(std::move(letter));
    const uint64_t one = 1;
    (void)!write(event_fd, &one, sizeof(one));
  }
};

namespace {

constexpr std::size_t kReadChunk = 16384;
constexpr int kMaxEvents = 64;

std::string ErrnoText(int err) { return std::strerror(err); }

std::string PeerName(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    port = ntohs(a->sin6_port);
    // An IPv4 client on a dual-stack socket: show it as IPv4.
    if (std::strncmp(host, "::ffff:", 7) == 0 && std::strchr(host + 7, ':') == nullptr) {
      return std::string(host + 7) + ":" + std::to_string(port);
    }
    std::string out = "[";  // (appends: GCC 12's -Wrestrict misfires on "[" + std::string)
    out += host;
    out += "]:";
    out += std::to_string(port);
    return out;
  }
  return std::string(host) + ":" + std::to_string(port);
}

}  // namespace

ServerResponse ServerResponse::Text(int status, std::string body) {
  ServerResponse r;
  r.status = status;
  r.body.push_back(BodyPiece::Of(std::make_shared<const std::string>(std::move(body))));
  return r;
}

std::size_t ServerResponse::BodySize() const {
  std::size_t n = 0;
  for (const auto& p : body) {
    n += p.bytes.size();
  }
  return n;
}

Result<std::pair<int, int>> ListenTcp(const std::string& address, int backlog) {
  std::string host;
  std::string port;
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    port = address;
  } else {
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }) ||
      std::stoi(port) > 65535) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "listen address \"" + address + "\" must be host:port, :port or port");
  }
  // Candidates: the host's addresses, or for an empty host the IPv6 wildcard (dual-stack) and
  // then the IPv4 one.
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  hints.ai_family = host.empty() ? AF_INET6 : AF_UNSPEC;
  addrinfo* res = nullptr;
  int gai = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res);
  if (gai != 0 && host.empty()) {
    hints.ai_family = AF_INET;
    gai = getaddrinfo(nullptr, port.c_str(), &hints, &res);
  }
  if (gai != 0) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "listen address \"" + address + "\": " + gai_strerror(gai));
  }
  std::string last_error = "no address";
  int fd = -1;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_error = ErrnoText(errno);
      continue;
    }
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ai->ai_family == AF_INET6 && host.empty()) {
      int zero = 0;
      (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
    }
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, backlog) == 0) {
      break;
    }
    last_error = ErrnoText(errno);
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0 && host.empty() && hints.ai_family == AF_INET6) {
    // No IPv6 on this host (e.g. disabled in the pod): every IPv4 address instead.
    return ListenTcp("0.0.0.0:" + port, backlog);
  }
  if (fd < 0) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "cannot listen on " + address + ": " + last_error);
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  (void)getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  const int bound = ss.ss_family == AF_INET6
                        ? ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port)
                        : ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
  return std::pair<int, int>{fd, bound};
}

EventServer::EventServer(EventServerOptions options, ServerHandler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {}

EventServer::~EventServer() { Stop(); }

Status EventServer::Start() {
  if (thread_.joinable()) {
    return OkStatus();
  }
  auto listened = ListenTcp(options_.listen_address, 512);
  if (!listened) {
    return listened.error();
  }
  listen_fd_ = listened->first;
  port_ = listened->second;
  auto loop = WakeableEpoll::Create();
  if (!loop.ok()) {
    Stop();
    return MakeError(ErrorKind::kInternal, "epoll: " + loop.error().message);
  }
  loop_ = std::move(loop).value();
  mailbox_ = std::make_shared<Mailbox>();
  mailbox_->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  int err = mailbox_->event_fd < 0 ? errno : 0;
  if (err == 0) {
    err = loop_->Add(listen_fd_, EPOLLIN);
  }
  if (err == 0) {
    err = loop_->Add(mailbox_->event_fd, EPOLLIN);
  }
  if (err != 0) {
    Stop();
    return MakeError(ErrorKind::kInternal, "epoll: " + ErrnoText(err));
  }
  thread_ = std::thread([this] { Loop(); });
  return OkStatus();
}

void EventServer::Stop() {
  if (thread_.joinable()) {
    loop_->Wake();
    thread_.join();
  }
  if (mailbox_ != nullptr) {
    std::lock_guard lock(mailbox_->mu);
    if (mailbox_->event_fd >= 0) {
      close(mailbox_->event_fd);
      mailbox_->event_fd = -1;
    }
    mailbox_->letters.clear();
  }
  for (auto& c : conns_) {
    if (c) {
      close(c->fd);
      c.reset();
    }
  }
  open_ = 0;
  loop_.reset();
  if (listen_fd_ >= 0) {
    close(listen_fd_);
    listen_fd_ = -1;
  }
}

void EventServer::Loop() {
  auto logger = GetLogger(options_.logger_name);
  epoll_event events[kMaxEvents];
  auto next_sweep = Clock::now() + std::chrono::seconds(1);
  const int mail_fd = mailbox_->event_fd;
  for (;;) {
    const int n = loop_->Wait(events, kMaxEvents, 1000);
    if (n < 0 && errno != EINTR) {
      logger->error("msg=\"epoll_wait failed\" err={}", LogQuote(ErrnoText(errno)));
      return;
    }
    for (int i = 0; i < n; ++i) {
      if (loop_->ConsumeIfWake(events[i])) {
        return;  // Stop()
      }
      const int fd = events[i].data.fd;
      if (fd == listen_fd_) {
        Accept();
        continue;
      }
      if (fd == mail_fd) {
        OnMail();
        continue;
      }
      if (static_cast<std::size_t>(fd) >= conns_.size() || !conns_[static_cast<std::size_t>(fd)]) {
        continue;
      }
      Conn& c = *conns_[static_cast<std::size_t>(fd)];
      if (events[i].events & (EPOLLERR | EPOLLHUP)) {
        CloseConn(fd);
        continue;
      }
      if (events[i].events & EPOLLOUT) {
        OnWritable(c);
      } else if (events[i].events & (EPOLLIN | EPOLLRDHUP)) {
        OnReadable(c);
      }
    }
    if (Clock::now() >= next_sweep) {
      Sweep();
      next_sweep = Clock::now() + std::chrono::seconds(1);
    }
  }
}

void EventServer::Accept() {
  auto logger = GetLogger(options_.logger_name);
  for (;;) {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    const int fd =
        accept4(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) {
        continue;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        // EMFILE and friends: log and retry at the next readiness (the backlog keeps them).
        logger->warn("msg=\"accept failed\" err={}", LogQuote(ErrnoText(errno)));
      }
      return;
    }
    if (open_.load() >= options_.max_connections) {
      logger->warn("msg=\"too many connections; closing a new one\" limit={}",
                   options_.max_connections);
      close(fd);
      continue;
    }
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto conn = std::make_unique<Conn>();
    conn->fd = fd;
    conn->peer = PeerName(ss);
    conn->accepted = conn->last_progress = Clock::now();
    conn->serial = ++next_serial_;
    if (options_.tls) {
      std::shared_ptr<const ServerTls> tls = options_.tls();
      if (tls == nullptr) {
        close(fd);  // the TLS configuration is broken; the provider said why
        continue;
      }
      conn->tls = std::make_unique<TlsSession>(std::move(tls));
    }
    if (static_cast<std::size_t>(fd) >= conns_.size()) {
      conns_.resize(static_cast<std::size_t>(fd) + 1);
    }
    if (loop_->Add(fd, EPOLLIN | EPOLLRDHUP) != 0) {
      close(fd);
      continue;
    }
    conns_[static_cast<std::size_t>(fd)] = std::move(conn);
    ++open_;
  }
}

void EventServer::CloseConn(int fd) {
  auto& slot = conns_[static_cast<std::size_t>(fd)];
  if (!slot) {
    return;
  }
  loop_->Remove(fd);
  close(fd);
  slot.reset();
  --open_;
}

void EventServer::SetInterest(Conn& c, bool want_write) {
  if (c.want_write == want_write) {
    return;
  }
  (void)loop_->Modify(c.fd, want_write ? EPOLLOUT : (EPOLLIN | EPOLLRDHUP));
  c.want_write = want_write;
}

void EventServer::OnReadable(Conn& c) {
  const int fd = c.fd;
  const std::size_t cap = options_.max_head_bytes + options_.max_request_body + kReadChunk;
  char raw[kReadChunk];
  for (;;) {
    if (c.in.size() >= cap) {
      break;  // Process() answers 431/413 or consumes; do not buffer without bound
    }
    const std::size_t old = c.in.size();
    ssize_t r = 0;
    if (c.tls) {
      r = recv(fd, raw, sizeof(raw), 0);
    } else {
      c.in.resize(old + kReadChunk);
      r = recv(fd, c.in.data() + old, kReadChunk, 0);
      c.in.resize(old + static_cast<std::size_t>(std::max<ssize_t>(r, 0)));
    }
    if (r > 0) {
      if (c.tls) {
        c.tls->Feed(raw, static_cast<std::size_t>(r));
        const TlsSession::State st = c.tls->Read(c.in);
        if (st == TlsSession::State::kError) {
          GetLogger(options_.logger_name)
              ->debug("msg=\"TLS handshake or record failed\" peer={} err={}", c.peer,
                      LogQuote(c.tls->Error()));
          // Tell the client why (the alert), best effort, then close.
          std::string alert;
          c.tls->Drain(alert);
          (void)send(fd, alert.data(), alert.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
          CloseConn(fd);
          return;
        }
        if (st == TlsSession::State::kClosed) {
          c.peer_eof = true;
        }
      }
      if (old == 0 && !c.in.empty()) {
        c.request_started = Clock::now();
      }
      c.last_progress = Clock::now();
      if (c.peer_eof) {
        break;
      }
      continue;
    }
    if (r == 0) {
      c.peer_eof = true;
      break;
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      break;
    }
    CloseConn(fd);
    return;
  }
  if (c.tls) {
    c.tls->Drain(c.tls_out);  // handshake messages
    if (!Flush(c)) {
      return;
    }
  }
  Process(c);
  // Process may have closed the connection.
  if (conns_[static_cast<std::size_t>(fd)] && c.peer_eof && !c.writing && !c.gated) {
    CloseConn(fd);
  }
}

void EventServer::Process(Conn& c) {
  const int fd = c.fd;
  HeadLimits limits;
  limits.max_head_bytes = options_.max_head_bytes;
  limits.max_body_bytes = options_.max_request_body;
  while (!c.writing && !c.gated && !c.in.empty()) {
    HeadParse p = ParseRequestHead(c.in, limits);
    if (p.status == HeadStatus::kIncomplete) {
      return;
    }
    if (p.status == HeadStatus::kError) {
      GetLogger(options_.logger_name)
          ->debug("msg=\"bad request\" peer={} status={} err={}", c.peer, p.error_status,
                  LogQuote(p.error));
      ServerResponse r = ServerResponse::Text(p.error_status, p.error + "\n");
      r.close = true;
      c.in.clear();
      Queue(c, std::move(r), false);
      break;
    }
    RequestHead& h = p.head;
    const std::size_t total = p.consumed + h.content_length;
    if (c.in.size() < total) {
      auto expect = h.headers.find("expect");
      if (!c.continue_sent && expect != h.headers.end() && h.content_length > 0) {
        static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
        if (c.tls) {
          (void)c.tls->Write(std::string_view(kContinue, sizeof(kContinue) - 1));
          c.tls->Drain(c.tls_out);
          if (!Flush(c)) {
            return;
          }
        } else {
          (void)send(fd, kContinue, sizeof(kContinue) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        c.continue_sent = true;
      }
      return;  // the body is still coming
    }
    HttpRequest req;
    req.method = std::move(h.method);
    req.path = std::move(h.path);
    req.query = std::move(h.query);
    req.headers = std::move(h.headers);
    req.body = c.in.substr(p.consumed, h.content_length);
    req.remote_addr = c.peer;
    c.in.erase(0, total);
    c.continue_sent = false;
    c.request_started = Clock::now();
    if (options_.gate) {
      std::weak_ptr<Mailbox> mailbox = mailbox_;
      GateDone done = [mailbox, fd, serial = c.serial](GateDecision d) {
        if (auto m = mailbox.lock()) {
          m->Post(Mailbox::Letter{fd, serial, std::move(d)});
        }
      };
      std::optional<GateDecision> decision = options_.gate(req, std::move(done));
      if (!decision) {
        c.gated = true;  // OnMail answers it
        c.gated_request = std::move(req);
        c.gated_keep_alive = h.keep_alive;
        return;
      }
      Answer(c, req, h.keep_alive, std::move(decision));
    } else {
      Answer(c, req, h.keep_alive, std::nullopt);
    }
    if (!conns_[static_cast<std::size_t>(fd)]) {
      return;
    }
  }
}

ServerResponse EventServer::CallHandler(const HttpRequest& req) {
  try {
    return handler_(req);
  } catch (const std::exception& e) {
    GetLogger(options_.logger_name)
        ->error("msg=\"handler failed\" path={} err={}", LogQuote(req.path), LogQuote(e.what()));
  } catch (...) {
    GetLogger(options_.logger_name)->error("msg=\"handler failed\" path={}", LogQuote(req.path));
  }
  return ServerResponse::Text(500, "Internal Server Error\n");
}

void EventServer::Answer(Conn& c, HttpRequest& req, bool keep_alive,
                         std::optional<GateDecision> decision) {
  ServerResponse response;
  if (decision && decision->response) {
    response = std::move(*decision->response);
  } else {
    response = CallHandler(req);
  }
  if (decision) {
    for (auto& header : decision->headers) {
      response.headers.push_back(std::move(header));
    }
  }
  if (!keep_alive) {
    response.close = true;
  }
  Queue(c, std::move(response), req.method == "HEAD");
}

void EventServer::OnMail() {
  std::vector<Mailbox::Letter> letters;
  {
    std::lock_guard lock(mailbox_->mu);
    uint64_t count = 0;
    (void)!read(mailbox_->event_fd, &count, sizeof(count));
    letters.swap(mailbox_->letters);
  }
  for (auto& letter : letters) {
    const auto index = static_cast<std::size_t>(letter.fd);
    if (index >= conns_.size() || !conns_[index] || conns_[index]->serial != letter.serial ||
        !conns_[index]->gated) {
      continue;  // the connection went away meanwhile
    }
    Conn& c = *conns_[index];
    c.gated = false;
    HttpRequest req = std::move(c.gated_request);
    Answer(c, req, c.gated_keep_alive, std::move(letter.decision));
    if (!conns_[index]) {
      continue;
    }
    if (!c.writing) {
      Process(c);  // pipelined requests already buffered
    }
    if (conns_[index] && c.peer_eof && !c.writing && !c.gated) {
      CloseConn(letter.fd);
    }
  }
}

void EventServer::Queue(Conn& c, ServerResponse response, bool head_only) {
  const long long now_s = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  if (now_s != date_second_) {
    date_ = FormatHttpDate(now_s);
    date_second_ = now_s;
  }
  c.close_after = response.close;
  c.out_head = FormatResponseHead(response.status, response.content_type, response.headers,
                                  response.BodySize(), !response.close, date_);
  c.out_body = head_only ? std::vector<BodyPiece>{} : std::move(response.body);
  c.out_index = 0;
  c.out_offset = 0;
  c.writing = true;
  c.last_progress = Clock::now();
  (void)Flush(c);
}

bool EventServer::Flush(Conn& c) {
  if (c.tls) {
    return FlushTls(c);
  }
  const int fd = c.fd;
  for (;;) {
    iovec iov[8];
    int n = 0;
    std::size_t index = c.out_index;
    std::size_t offset = c.out_offset;
    while (n < 8 && index <= c.out_body.size()) {
      const std::string_view piece =
          index == 0 ? std::string_view(c.out_head) : c.out_body[index - 1].bytes;
      if (offset < piece.size()) {
        iov[n].iov_base = const_cast<char*>(piece.data() + offset);
        iov[n].iov_len = piece.size() - offset;
        ++n;
      }
      ++index;
      offset = 0;
    }
    if (n == 0) {
      break;  // everything written
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<std::size_t>(n);
    const ssize_t w = sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        SetInterest(c, true);  // wait for EPOLLOUT
        return true;
      }
      CloseConn(fd);
      return false;
    }
    c.last_progress = Clock::now();
    // Advance past what was written.
    auto left = static_cast<std::size_t>(w);
    while (left > 0) {
      const std::size_t size =
          c.out_index == 0 ? c.out_head.size() : c.out_body[c.out_index - 1].bytes.size();
      const std::size_t rest = size - c.out_offset;
      if (left < rest) {
        c.out_offset += left;
        left = 0;
      } else {
        left -= rest;
        ++c.out_index;
        c.out_offset = 0;
      }
    }
  }
  return Finish(c);
}

bool EventServer::FlushTls(Conn& c) {
  // A response is encrypted 64 KiB at a time, as the socket takes the previous ciphertext, so a
  // large body is never held twice.
  constexpr std::size_t kPlainBatch = 64u << 10;
  const int fd = c.fd;
  for (;;) {
    while (c.tls_out_offset < c.tls_out.size()) {
      const ssize_t w = send(fd, c.tls_out.data() + c.tls_out_offset,
                             c.tls_out.size() - c.tls_out_offset, MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EINTR) {
          continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          SetInterest(c, true);
          return true;
        }
        CloseConn(fd);
        return false;
      }
      c.tls_out_offset += static_cast<std::size_t>(w);
      c.last_progress = Clock::now();
    }
    c.tls_out.clear();
    c.tls_out_offset = 0;
    if (!c.writing) {
      SetInterest(c, false);
      return true;
    }
    std::size_t budget = kPlainBatch;
    while (budget > 0 && c.out_index <= c.out_body.size()) {
      const std::string_view piece =
          c.out_index == 0 ? std::string_view(c.out_head) : c.out_body[c.out_index - 1].bytes;
      const std::size_t take = std::min(budget, piece.size() - c.out_offset);
      if (take > 0 && c.tls->Write(piece.substr(c.out_offset, take)) != TlsSession::State::kOk) {
        CloseConn(fd);
        return false;
      }
      budget -= take;
      c.out_offset += take;
      if (c.out_offset == piece.size()) {
        ++c.out_index;
        c.out_offset = 0;
      }
    }
    c.tls->Drain(c.tls_out);
    if (c.tls_out.empty()) {
      break;  // everything encrypted and sent
    }
  }
  return Finish(c);
}

bool EventServer::Finish(Conn& c) {
  const int fd = c.fd;
  c.writing = false;
  c.out_head.clear();
  c.out_body.clear();
  if (c.close_after) {
    // Let the client read the response before the FIN: half-close, then close.
    (void)shutdown(fd, SHUT_WR);
    CloseConn(fd);
    return false;
  }
  c.request_started = Clock::now();
  SetInterest(c, false);
  return true;
}

void EventServer::OnWritable(Conn& c) {
  const int fd = c.fd;
  if (!Flush(c)) {
    return;
  }
  if (!c.writing && !c.want_write) {
    Process(c);  // pipelined requests already buffered
    if (conns_[static_cast<std::size_t>(fd)] && c.peer_eof && !c.writing && !c.gated) {
      CloseConn(fd);
    }
  }
}

void EventServer::Sweep() {
  const auto now = Clock::now();
  auto logger = GetLogger(options_.logger_name);
  for (auto& slot : conns_) {
    if (!slot) {
      continue;
    }
    Conn& c = *slot;
    const char* why = nullptr;
    if (c.gated) {
      continue;  // waiting on the gate, not on the client
    }
    if (c.tls && !c.tls->HandshakeDone()) {
      if (now - c.accepted > options_.request_timeout) {
        why = "TLS handshake timeout";
      }
    } else if (c.writing) {
      if (now - c.last_progress > options_.write_timeout) {
        why = "write timeout";
      }
    } else if (c.in.empty()) {
      if (now - c.last_progress > options_.idle_timeout) {
        why = "idle timeout";
      }
    } else if (now - c.request_started > options_.request_timeout) {
      why = "request timeout";
    }
    if (why != nullptr) {
      logger->debug("msg=\"closing connection\" peer={} reason={}", c.peer, LogQuote(why));
      CloseConn(c.fd);
    }
  }
}

}  // namespace nca::net
