#include "neo4j/probes.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "common/logging.h"

namespace nca::neo4j {
namespace {

enum class Phase { kConnecting, kWriting, kReading, kDone };

struct ProbeState {
  int fd = -1;
  Phase phase = Phase::kDone;
  MonoTime start{};
  MonoTime deadline{};
  MonoTime connected_at{};
  std::size_t written = 0;
  std::array<uint8_t, 4> answer{};
  std::size_t read = 0;
  ProbeResult result;
};

std::string ErrnoText(int err) {
  char buf[128];
  // GNU strerror_r returns the message pointer.
  return std::string(strerror_r(err, buf, sizeof(buf)));
}

ProbeError ClassifyErrno(int err) {
  switch (err) {
    case ECONNREFUSED:
      return ProbeError::kRefused;
    case ETIMEDOUT:
      return ProbeError::kTimeout;
    default:
      return ProbeError::kNetwork;
  }
}

void Fail(ProbeState& s, ProbeError error, std::string detail) {
  s.result.success = false;
  s.result.error = error;
  s.result.detail = std::move(detail);
  s.phase = Phase::kDone;
}

// Builds the socket address; false when the host is not a numeric address.
bool MakeAddress(const ProbeTarget& t, sockaddr_storage& ss, socklen_t& len) {
  std::memset(&ss, 0, sizeof(ss));
  if (t.port <= 0 || t.port > 65535) {
    return false;
  }
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  if (inet_pton(AF_INET, t.host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(t.port));
    len = sizeof(sockaddr_in);
    return true;
  }
  std::string host = t.host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(t.port));
    len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

void OnConnected(ProbeState& s, const ProbeTarget& t, MonoTime now) {
  s.connected_at = now;
  s.result.connect_seconds = ToSeconds(now - s.start);
  if (t.kind == ProbeKind::kTcpConnect) {
    s.result.success = true;
    s.phase = Phase::kDone;
    return;
  }
  s.phase = Phase::kWriting;
}

void Begin(ProbeState& s, const ProbeTarget& t, MonoTime now) {
  s.start = now;
  s.deadline = now + t.timeout;
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (!MakeAddress(t, ss, len)) {
    Fail(s, ProbeError::kInvalidTarget,
         "not a numeric address and port: " + t.host + ":" + std::to_string(t.port));
    return;
  }
  s.fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s.fd < 0) {
    Fail(s, ProbeError::kNetwork, "socket: " + ErrnoText(errno));
    return;
  }
  if (connect(s.fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) {
    OnConnected(s, t, now);
    return;
  }
  const int err = errno;
  if (err == EINPROGRESS) {
    s.phase = Phase::kConnecting;
    return;
  }
  Fail(s, ClassifyErrno(err), "connect: " + ErrnoText(err));
}

// Advances one probe after poll reported `revents` on its socket.
void Step(ProbeState& s, const ProbeTarget& t, short revents, const Clock& clock) {
  if (s.phase == Phase::kConnecting) {
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
      err = errno;
    }
    if (err != 0) {
      Fail(s, ClassifyErrno(err), "connect: " + ErrnoText(err));
      return;
    }
    if ((revents & POLLOUT) == 0) {
      return;
    }
    OnConnected(s, t, clock.Monotonic());
    if (s.phase == Phase::kDone) {
      return;
    }
  }
  if (s.phase == Phase::kWriting) {
    while (s.written < kBoltHandshake.size()) {
      ssize_t n = send(s.fd, kBoltHandshake.data() + s.written, kBoltHandshake.size() - s.written,
                       MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          return;
        }
        if (errno == EINTR) {
          continue;
        }
        Fail(s, ProbeError::kNetwork, "send: " + ErrnoText(errno));
        return;
      }
      s.written += static_cast<std::size_t>(n);
    }
    s.phase = Phase::kReading;
    return;  // read when poll says so
  }
  if (s.phase == Phase::kReading) {
    while (s.read < s.answer.size()) {
      ssize_t n = recv(s.fd, s.answer.data() + s.read, s.answer.size() - s.read, 0);
      if (n == 0) {
        Fail(s, ProbeError::kShortRead,
             "connection closed after " + std::to_string(s.read) + " of 4 answer bytes");
        return;
      }
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          return;
        }
        if (errno == EINTR) {
          continue;
        }
        if (errno == ECONNRESET && s.read < s.answer.size()) {
          Fail(s, ProbeError::kShortRead,
               "connection reset after " + std::to_string(s.read) + " of 4 answer bytes");
          return;
        }
        Fail(s, ProbeError::kNetwork, "recv: " + ErrnoText(errno));
        return;
      }
      s.read += static_cast<std::size_t>(n);
    }
    const MonoTime now = clock.Monotonic();
    const double connect_seconds = s.result.connect_seconds;
    s.result = InterpretBoltAnswer(s.answer);
    s.result.connect_seconds = connect_seconds;
    s.result.handshake_seconds = ToSeconds(now - s.connected_at);
    s.phase = Phase::kDone;
  }
}

short WantedEvents(Phase phase) {
  switch (phase) {
    case Phase::kConnecting:
    case Phase::kWriting:
      return POLLOUT;
    case Phase::kReading:
      return POLLIN;
    case Phase::kDone:
      return 0;
  }
  return 0;
}

void Timeout(ProbeState& s) {
  Fail(s, ProbeError::kTimeout,
       s.phase == Phase::kConnecting ? "connect timed out" : "handshake timed out");
}

}  // namespace

std::string_view ProbeErrorName(ProbeError error) {
  switch (error) {
    case ProbeError::kNone:
      return "none";
    case ProbeError::kRefused:
      return "refused";
    case ProbeError::kTimeout:
      return "timeout";
    case ProbeError::kNoVersion:
      return "no_version";
    case ProbeError::kHttpAnswer:
      return "http_answer";
    case ProbeError::kShortRead:
      return "short_read";
    case ProbeError::kNetwork:
      return "network";
    case ProbeError::kInvalidTarget:
      return "invalid_target";
  }
  return "network";
}

bool IsProtocolError(ProbeError error) {
  return error == ProbeError::kNoVersion || error == ProbeError::kHttpAnswer ||
         error == ProbeError::kShortRead;
}

ProbeResult InterpretBoltAnswer(const std::array<uint8_t, 4>& answer) {
  ProbeResult r;
  if (answer[0] == 'H' && answer[1] == 'T' && answer[2] == 'T' && answer[3] == 'P') {
    r.error = ProbeError::kHttpAnswer;
    r.detail = "the server answered HTTP (not a Bolt port)";
    return r;
  }
  if (answer == std::array<uint8_t, 4>{0, 0, 0, 0}) {
    r.error = ProbeError::kNoVersion;
    r.detail = "no common Bolt version";
    return r;
  }
  r.success = true;
  r.bolt_major = answer[3];
  r.bolt_minor = answer[2];
  return r;
}

ProbeResult ProbeRunner::RunOne(const ProbeTarget& target) const { return Run({target}).front(); }

std::vector<ProbeResult> ProbeRunner::Run(const std::vector<ProbeTarget>& targets) const {
  std::vector<ProbeState> states(targets.size());
  const MonoTime start = clock_.Monotonic();
  for (std::size_t i = 0; i < targets.size(); ++i) {
    Begin(states[i], targets[i], start);
  }
  std::vector<pollfd> fds;
  std::vector<std::size_t> owner;
  for (;;) {
    fds.clear();
    owner.clear();
    const MonoTime now = clock_.Monotonic();
    Duration wait = Duration::max();
    for (std::size_t i = 0; i < states.size(); ++i) {
      ProbeState& s = states[i];
      if (s.phase == Phase::kDone) {
        continue;
      }
      if (now >= s.deadline) {
        Timeout(s);
        continue;
      }
      wait = std::min<Duration>(wait, s.deadline - now);
      fds.push_back(pollfd{s.fd, WantedEvents(s.phase), 0});
      owner.push_back(i);
    }
    if (fds.empty()) {
      break;
    }
    // Round up so that a sub-millisecond remainder does not become a busy loop.
    const auto wait_ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
    const int timeout_ms =
        static_cast<int>(std::min<int64_t>(wait_ms, std::numeric_limits<int>::max()));
    const int n = poll(fds.data(), fds.size(), timeout_ms);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      const std::string text = ErrnoText(errno);
      for (std::size_t i : owner) {
        Fail(states[i], ProbeError::kNetwork, "poll: " + text);
      }
      break;
    }
    if (n == 0) {
      // poll slept the shortest remaining budget in real time: those probes are over even if
      // the injected clock did not move (ManualClock).
      for (std::size_t i : owner) {
        if (states[i].deadline - now <= wait) {
          Timeout(states[i]);
        }
      }
      continue;
    }
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents != 0) {
        Step(states[owner[k]], targets[owner[k]], fds[k].revents, clock_);
      }
    }
  }
  std::vector<ProbeResult> results;
  results.reserve(states.size());
  auto logger = GetLogger("neo4j.probes");
  for (std::size_t i = 0; i < states.size(); ++i) {
    if (states[i].fd >= 0) {
      close(states[i].fd);
    }
    if (!states[i].result.success && logger->should_log(spdlog::level::debug)) {
      logger->debug("msg=\"probe failed\" host={} port={} reason={} detail={}", targets[i].host,
                    targets[i].port, ProbeErrorName(states[i].result.error),
                    LogQuote(states[i].result.detail));
    }
    results.push_back(std::move(states[i].result));
  }
  return results;
}

}  // namespace nca::neo4j
