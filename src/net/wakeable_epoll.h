// WakeableEpoll: an epoll set that holds an eventfd, so that any thread can wake the thread that
// waits on the set. The core of the agent's two event loops: net::EventServer (the web endpoints)
// and neo4j::HttpEngine (libcurl's event interface).
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <memory>

#include "common/result.h"

namespace nca::net {

// Owns both descriptors; the destructor closes them (after the loop's thread is joined).
// Thread-safety: Wake() may be called from any thread at any time; the other methods are meant
// for the loop's thread (epoll_ctl and epoll_wait are themselves thread-safe; the class keeps no
// other state).
class WakeableEpoll {
 public:
  // The epoll set with the eventfd registered for EPOLLIN. An error (kInternal) names the call
  // that failed and errno.
  static Result<std::unique_ptr<WakeableEpoll>> Create();
  ~WakeableEpoll();
  WakeableEpoll(const WakeableEpoll&) = delete;
  WakeableEpoll& operator=(const WakeableEpoll&) = delete;

  // Makes the current or next Wait() return with the wake-up event. Wake-ups before the loop
  // reads them coalesce into one.
  void Wake() const;

  // epoll_wait on the set: the number of events (0 on timeout, -1 with errno set).
  int Wait(epoll_event* events, int max_events, int timeout_ms) const;

  // Whether `event` (from Wait) is the wake-up; if so it is consumed (the eventfd is read), so
  // that the next Wait blocks again.
  bool ConsumeIfWake(const epoll_event& event) const;

  // epoll_ctl for `fd` with `events` (data.fd = fd): 0, or the errno of the failure.
  int Add(int fd, uint32_t events) const;
  int Modify(int fd, uint32_t events) const;
  // Removes `fd` from the set; a socket closed already (gone from the set) is not an error.
  void Remove(int fd) const;

 private:
  WakeableEpoll(int epoll_fd, int wake_fd) : epoll_fd_(epoll_fd), wake_fd_(wake_fd) {}
  const int epoll_fd_;
  const int wake_fd_;
};

}  // namespace nca::net
