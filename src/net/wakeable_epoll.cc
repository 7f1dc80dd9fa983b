#include "net/wakeable_epoll.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace nca::net {
namespace {

Error SystemError(const char* call, int err) {
  return MakeError(ErrorKind::kInternal, std::string(call) + ": " + std::strerror(err));
}

int Ctl(int epoll_fd, int op, int fd, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  return epoll_ctl(epoll_fd, op, fd, &ev) == 0 ? 0 : errno;
}

}  // namespace

Result<std::unique_ptr<WakeableEpoll>> WakeableEpoll::Create() {
  const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) {
    return SystemError("epoll_create1", errno);
  }
  const int wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    const int err = errno;
    close(epoll_fd);
    return SystemError("eventfd", err);
  }
  if (const int err = Ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, EPOLLIN); err != 0) {
    close(wake_fd);
    close(epoll_fd);
    return SystemError("epoll_ctl", err);
  }
  return std::unique_ptr<WakeableEpoll>(new WakeableEpoll(epoll_fd, wake_fd));
}

WakeableEpoll::~WakeableEpoll() {
  close(wake_fd_);
  close(epoll_fd_);
}

void WakeableEpoll::Wake() const {
  const uint64_t one = 1;
  const ssize_t written = write(wake_fd_, &one, sizeof one);
  (void)written;  // EAGAIN only when the counter is full, which is a wake-up pending anyway
}

int WakeableEpoll::Wait(epoll_event* events, int max_events, int timeout_ms) const {
  return epoll_wait(epoll_fd_, events, max_events, timeout_ms);
}

bool WakeableEpoll::ConsumeIfWake(const epoll_event& event) const {
  if (event.data.fd != wake_fd_) {
    return false;
  }
  uint64_t count = 0;
  const ssize_t got = read(wake_fd_, &count, sizeof count);
  (void)got;  // EAGAIN: read already (the event was level-triggered by an earlier write)
  return true;
}

int WakeableEpoll::Add(int fd, uint32_t events) const {
  return Ctl(epoll_fd_, EPOLL_CTL_ADD, fd, events);
}

int WakeableEpoll::Modify(int fd, uint32_t events) const {
  return Ctl(epoll_fd_, EPOLL_CTL_MOD, fd, events);
}

void WakeableEpoll::Remove(int fd) const {
  // ENOENT or EBADF when the descriptor was closed first: the kernel dropped it from the set.
  (void)epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

}  // namespace nca::net
