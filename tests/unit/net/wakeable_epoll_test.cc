// WakeableEpoll (net/wakeable_epoll.h): a wake-up from another thread ends a wait and is consumed,
// wake-ups coalesce, and registered descriptors report their events.
#include "net/wakeable_epoll.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace nca::net {
namespace {

std::unique_ptr<WakeableEpoll> MakeLoop() {
  auto loop = WakeableEpoll::Create();
  EXPECT_TRUE(loop.ok()) << loop.error().ToString();
  return std::move(loop).value();
}

TEST(WakeableEpollTest, NothingPendingTimesOut) {
  auto loop = MakeLoop();
  epoll_event events[4];
  EXPECT_EQ(loop->Wait(events, 4, 0), 0);
}

TEST(WakeableEpollTest, AWakeFromAnotherThreadEndsABlockedWaitAndIsConsumed) {
  auto loop = MakeLoop();
  std::thread waker([&] { loop->Wake(); });
  epoll_event events[4];
  // Blocks until the other thread's wake-up (the timeout is only a guard against a hang).
  const int n = loop->Wait(events, 4, 30000);
  waker.join();
  ASSERT_EQ(n, 1);
  EXPECT_TRUE(loop->ConsumeIfWake(events[0]));
  EXPECT_EQ(loop->Wait(events, 4, 0), 0) << "the wake-up was not consumed";
}

TEST(WakeableEpollTest, WakeUpsBeforeTheWaitCoalesce) {
  auto loop = MakeLoop();
  loop->Wake();
  loop->Wake();
  loop->Wake();
  epoll_event events[4];
  ASSERT_EQ(loop->Wait(events, 4, 0), 1);
  EXPECT_TRUE(loop->ConsumeIfWake(events[0]));
  EXPECT_EQ(loop->Wait(events, 4, 0), 0);
}

TEST(WakeableEpollTest, RegisteredDescriptorsReportTheirEventsAndAreNotTheWakeUp) {
  auto loop = MakeLoop();
  int pair[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  EXPECT_EQ(loop->Add(pair[0], EPOLLIN), 0);
  EXPECT_EQ(loop->Add(pair[0], EPOLLIN), EEXIST);
  EXPECT_EQ(loop->Modify(pair[1], EPOLLIN), ENOENT);
  ASSERT_EQ(write(pair[1], "x", 1), 1);
  epoll_event events[4];
  ASSERT_EQ(loop->Wait(events, 4, 0), 1);
  EXPECT_FALSE(loop->ConsumeIfWake(events[0]));
  EXPECT_EQ(events[0].data.fd, pair[0]);
  EXPECT_NE(events[0].events & EPOLLIN, 0u);
  // Watching for output instead: a connected socket is writable at once.
  EXPECT_EQ(loop->Modify(pair[0], EPOLLOUT), 0);
  ASSERT_EQ(loop->Wait(events, 4, 0), 1);
  EXPECT_NE(events[0].events & EPOLLOUT, 0u);
  loop->Remove(pair[0]);
  EXPECT_EQ(loop->Wait(events, 4, 0), 0);
  close(pair[0]);
  loop->Remove(pair[0]);  // closed already: not an error
  close(pair[1]);
}

}  // namespace
}  // namespace nca::net
