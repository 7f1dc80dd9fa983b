#include "sim/bolt_listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "common/logging.h"

namespace nca::sim {
namespace {

constexpr std::array<uint8_t, 4> kMagic = {0x60, 0x60, 0xB0, 0x17};
constexpr std::size_t kHandshakeSize = 20;
constexpr Millis kPendingPoll{20};  // how often a hung connection's answer is re-checked

struct Conn {
  int fd = -1;
  std::array<uint8_t, kHandshakeSize> buf{};
  std::size_t got = 0;
  bool pending = false;  // handshake read, answer not sent yet
  bool answered = false;
  MonoTime ready_at{};
};

std::string ErrnoText(int err) {
  char buf[128];
  return std::string(strerror_r(err, buf, sizeof(buf)));
}

void AddRange(std::vector<BoltVersion>& v, int major, int high, int low) {
  for (int m = high; m >= low; --m) {
    v.push_back({major, m});
  }
}

}  // namespace

std::vector<BoltVersion> BoltVersionsFor(std::string_view neo4j_version) {
  std::vector<BoltVersion> v;
  auto numbers = ParseVersionNumbers(neo4j_version);
  const int major = numbers ? numbers->first : 5;
  const int minor = numbers ? numbers->second : 26;
  if (major == 4) {
    AddRange(v, 4, std::min(minor, 4), 0);
    v.push_back({3, 0});
    return v;
  }
  if (major >= 2025) {
    if (std::make_pair(major, minor) >= std::make_pair(2025, 10)) {
      v.push_back({6, 0});
    }
    AddRange(v, 5, 8, 6);
    AddRange(v, 5, 4, 0);
  } else if (major != 5 || minor >= 26) {
    AddRange(v, 5, 8, 6);
    AddRange(v, 5, 4, 0);
  } else if (minor >= 23) {
    v.push_back({5, 6});
    AddRange(v, 5, 4, 0);
  } else if (minor >= 13) {
    AddRange(v, 5, 4, 0);
  } else if (minor >= 9) {
    AddRange(v, 5, 3, 0);
  } else if (minor >= 7) {
    AddRange(v, 5, 2, 0);
  } else if (minor >= 5) {
    AddRange(v, 5, 1, 0);
  } else {
    v.push_back({5, 0});
  }
  v.push_back({4, 4});
  return v;
}

std::array<uint8_t, 4> NegotiateBolt(const std::vector<BoltVersion>& supported,
                                     const std::array<uint8_t, 16>& offer) {
  for (std::size_t w = 0; w < 4; ++w) {
    const int back = offer[w * 4 + 1];
    const int minor = offer[w * 4 + 2];
    const int major = offer[w * 4 + 3];
    if (major == 0 && minor == 0) {
      continue;  // placeholder
    }
    const int low = std::max(0, minor - back);
    for (const BoltVersion& s : supported) {  // highest first
      if (s.major == major && s.minor <= minor && s.minor >= low) {
        return {0, 0, static_cast<uint8_t>(s.minor), static_cast<uint8_t>(s.major)};
      }
    }
  }
  return {0, 0, 0, 0};
}

BoltListener::BoltListener(std::vector<BoltVersion> supported, BehaviorFn behavior)
    : supported_(std::move(supported)), behavior_(std::move(behavior)) {}

BoltListener::~BoltListener() { Stop(); }

Status BoltListener::Start(const std::string& host, int port, bool* address_in_use) {
  if (address_in_use != nullptr) {
    *address_in_use = false;
  }
  if (thread_.joinable()) {
    return OkStatus();
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) {
    return MakeError(ErrorKind::kInvalidArgument, "bolt listener: not an IPv4 address: " + host);
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return MakeError(ErrorKind::kNetwork, "bolt listener: socket: " + ErrnoText(errno));
  }
  int one = 1;
  (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 || listen(fd, 64) != 0) {
    const int err = errno;
    close(fd);
    if (address_in_use != nullptr) {
      *address_in_use = err == EADDRINUSE;
    }
    return MakeError(ErrorKind::kNetwork, "bolt listener: bind " + host + ":" +
                                              std::to_string(port) + ": " + ErrnoText(err));
  }
  socklen_t len = sizeof(sa);
  (void)getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    const int err = errno;
    close(fd);
    return MakeError(ErrorKind::kNetwork, "bolt listener: pipe: " + ErrnoText(err));
  }
  listen_fd_ = fd;
  wake_read_ = pipe_fds[0];
  wake_write_ = pipe_fds[1];
  port_ = ntohs(sa.sin_port);
  thread_ = std::thread([this] { Loop(); });
  return OkStatus();
}

void BoltListener::Stop() {
  if (!thread_.joinable()) {
    return;
  }
  const char byte = 's';
  (void)write(wake_write_, &byte, 1);
  thread_.join();
  close(listen_fd_);
  close(wake_read_);
  close(wake_write_);
  listen_fd_ = wake_read_ = wake_write_ = -1;
  port_ = 0;
}

void BoltListener::Loop() {
  auto logger = GetLogger("sim.bolt");
  std::vector<Conn> conns;
  std::vector<pollfd> fds;
  for (;;) {
    // Parked answers first: they may become due without any socket event.
    const MonoTime now = real_clock_.Monotonic();
    std::optional<Duration> wait;  // until a parked answer must be looked at again
    auto wait_at_most = [&wait](Duration d) {
      if (!wait || d < *wait) {
        wait = d;
      }
    };
    std::optional<BoltBehavior> behavior;
    for (Conn& c : conns) {
      if (!c.pending) {
        continue;
      }
      if (!behavior) {
        behavior = behavior_();
      }
      if (behavior->hung) {
        wait_at_most(kPendingPoll);  // re-check whether it was unhung
        continue;
      }
      if (now < c.ready_at) {
        wait_at_most(c.ready_at - now);  // a delayed answer: wake exactly when it is due
        continue;
      }
      std::array<uint8_t, 16> offer{};
      std::copy(c.buf.begin() + 4, c.buf.end(), offer.begin());
      const std::array<uint8_t, 4> answer = NegotiateBolt(supported_, offer);
      (void)send(c.fd, answer.data(), answer.size(), MSG_NOSIGNAL);
      c.pending = false;
      c.answered = true;
      if (answer == std::array<uint8_t, 4>{0, 0, 0, 0}) {
        close(c.fd);
        c.fd = -1;
      }
    }
    conns.erase(std::remove_if(conns.begin(), conns.end(), [](const Conn& c) { return c.fd < 0; }),
                conns.end());

    fds.clear();
    fds.push_back(pollfd{wake_read_, POLLIN, 0});
    fds.push_back(pollfd{listen_fd_, POLLIN, 0});
    for (const Conn& c : conns) {
      fds.push_back(pollfd{c.fd, POLLIN, 0});
    }
    // ppoll: nanosecond timeouts, so a delayed answer is not rounded to poll's milliseconds.
    timespec timeout{};
    const timespec* timeout_ptr = nullptr;
    if (wait) {
      const auto ns =
          std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::nanoseconds>(*wait).count());
      timeout.tv_sec = static_cast<time_t>(ns / 1000000000);
      timeout.tv_nsec = static_cast<long>(ns % 1000000000);
      timeout_ptr = &timeout;
    }
    const int n = ppoll(fds.data(), fds.size(), timeout_ptr, nullptr);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      logger->error("msg=\"bolt poll failed\" port={} err={}", port_.load(),
                    LogQuote(ErrnoText(errno)));
      break;
    }
    if (fds[0].revents != 0) {
      break;  // Stop()
    }
    // Connections (indices 2..) before accepting, so that fds and conns stay aligned.
    for (std::size_t k = 2; k < fds.size(); ++k) {
      if (fds[k].revents == 0) {
        continue;
      }
      Conn& c = conns[k - 2];
      uint8_t scratch[512];
      uint8_t* dst = c.answered || c.pending ? scratch : c.buf.data() + c.got;
      const std::size_t room = c.answered || c.pending ? sizeof(scratch) : kHandshakeSize - c.got;
      const ssize_t r = recv(c.fd, dst, room, 0);
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        close(c.fd);
        c.fd = -1;
        continue;
      }
      if (r < 0 || c.answered || c.pending) {
        continue;
      }
      c.got += static_cast<std::size_t>(r);
      if (c.got >= kMagic.size() && !std::equal(kMagic.begin(), kMagic.end(), c.buf.begin())) {
        close(c.fd);  // not Bolt
        c.fd = -1;
        continue;
      }
      if (c.got == kHandshakeSize) {
        c.pending = true;
        c.ready_at = real_clock_.Monotonic() + behavior_().slow;
      }
    }
    conns.erase(std::remove_if(conns.begin(), conns.end(), [](const Conn& c) { return c.fd < 0; }),
                conns.end());
    if ((fds[1].revents & POLLIN) != 0) {
      for (;;) {
        const int cfd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
          break;
        }
        Conn c;
        c.fd = cfd;
        conns.push_back(c);
      }
    }
  }
  for (Conn& c : conns) {
    close(c.fd);
  }
}

}  // namespace nca::sim
