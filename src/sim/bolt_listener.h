// The Bolt port of one simulated member: a TCP listener that performs the Bolt version
// negotiation (magic 60 60 B0 17 + four version words -> one 4-byte answer, INTERFACES.md §5)
// and nothing else. After a successful answer the connection stays open (the server would now
// wait for HELLO) and whatever the client sends is discarded; after a zero answer (no common
// version) or a wrong magic the connection is closed.
//
// Faults come from a behaviour callback sampled while an answer is due: `hung` accepts and
// reads but never answers (until unhung), `slow` delays the answer (real time, counted from the
// moment the whole handshake was read, with a nanosecond-resolution wait so that a probe measures
// the delay within a millisecond). A stopped member simply has no listener (connection refused).
// The simulator's cross-cluster links use the same listener (cut = hung, delay = slow).
//
// One thread per listener runs a poll(2) loop over the listening socket, a wake-up pipe and the
// connections. Thread-safety: Start() and Stop() must be called from one owning thread; Port()
// is thread-safe. The behaviour callback is called from the listener thread (it must not call
// back into the listener). The free functions are pure and thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "sim/config.h"

namespace nca::sim {

struct BoltVersion {
  int major = 0;
  int minor = 0;
  bool operator==(const BoltVersion&) const = default;
};

// The Bolt versions a Neo4j version serves, highest first (bolt-compatibility.adoc): 4.4 ->
// 4.4..4.0, 3.0; 5.26+ / calendar -> 5.8, 5.7, 5.6, 5.4..5.0, 4.4; 2025.10+ adds 6.0; older 5.x
// minors serve fewer 5.x versions. Unparseable versions serve the 5.26 set.
std::vector<BoltVersion> BoltVersionsFor(std::string_view neo4j_version);

// The server's answer to the 16 offer bytes (four big-endian words `00 <back> <minor> <major>`):
// for the first offered word that matches, the highest supported version in its range, as
// `00 00 <minor> <major>`; all zero when nothing matches.
std::array<uint8_t, 4> NegotiateBolt(const std::vector<BoltVersion>& supported,
                                     const std::array<uint8_t, 16>& offer);

struct BoltBehavior {
  bool hung = false;
  Millis slow{0};
};

class BoltListener {
 public:
  using BehaviorFn = std::function<BoltBehavior()>;

  BoltListener(std::vector<BoltVersion> supported, BehaviorFn behavior);
  ~BoltListener();
  BoltListener(const BoltListener&) = delete;
  BoltListener& operator=(const BoltListener&) = delete;

  // Binds host:port (0: any free port) with SO_REUSEADDR and starts the loop thread.
  // kInvalidArgument for a bad host; kNetwork (message with the errno text) when binding fails;
  // `address_in_use` tells EADDRINUSE apart (may be null).
  Status Start(const std::string& host, int port, bool* address_in_use = nullptr);
  // Closes the listening socket and every connection and joins the thread. Idempotent.
  void Stop();
  int Port() const { return port_.load(); }

 private:
  void Loop();

  const std::vector<BoltVersion> supported_;
  const BehaviorFn behavior_;
  const RealClock real_clock_;  // slow answers are real-time waits
  int listen_fd_ = -1;
  int wake_read_ = -1;
  int wake_write_ = -1;
  std::atomic<int> port_{0};
  std::thread thread_;
};

}  // namespace nca::sim
