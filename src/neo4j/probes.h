// Driver-less reachability probes for the cross-cluster latency collector: a TCP connect probe
// and a Bolt handshake probe (the 20-byte version negotiation of INTERFACES.md §5, nothing
// after it: no HELLO, no credentials).
//
// Concurrency model: a ProbeRunner runs every probe of one Run() call in parallel on the
// calling thread, with non-blocking sockets and one poll(2) over all of them; a slow or hung
// target therefore never delays another target of the same batch beyond its own timeout.
// Nothing blocks longer than the largest probe timeout (plus scheduling noise).
//
// Hosts must be numeric IPv4 / IPv6 addresses: name resolution (getaddrinfo) can block for
// seconds, so it is the caller's job (a non-numeric host fails with kInvalidTarget).
//
// Time: intervals are measured with the injected clock's Monotonic(). Deadlines are enforced
// against the same clock and, additionally, by poll(2)'s own real-time timeout, so a probe
// also times out under a ManualClock that nobody advances (its measured seconds are then 0).
//
// Thread-safety: ProbeRunner is immutable after construction; Run() may be called
// concurrently from several threads. The free functions are pure and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace nca::neo4j {

enum class ProbeKind {
  kTcpConnect,     // connect, then close
  kBoltHandshake,  // connect, write the 20-byte handshake, read the 4-byte answer, close
};

// Why a probe failed; stable lowercase names (ProbeErrorName) suit a `reason` label.
enum class ProbeError {
  kNone,
  kRefused,        // connection refused (nothing listening)
  kTimeout,        // connect or handshake did not finish within the timeout
  kNoVersion,      // protocol: the server answered version 0 (no common version)
  kHttpAnswer,     // protocol: the server answered the bytes "HTTP" (an HTTP port)
  kShortRead,      // protocol: the connection closed before 4 answer bytes arrived
  kNetwork,        // other socket error (unreachable, reset, ...)
  kInvalidTarget,  // host is not a numeric IP address, or the port is out of range
};

std::string_view ProbeErrorName(ProbeError error);  // "refused", "timeout", "no_version", ...
// True for kNoVersion, kHttpAnswer and kShortRead.
bool IsProtocolError(ProbeError error);

struct ProbeTarget {
  std::string host;  // numeric IPv4 or IPv6 address
  int port = 0;
  ProbeKind kind = ProbeKind::kBoltHandshake;
  // Budget for the whole probe (connect and, for Bolt, the handshake), counted from Run().
  Duration timeout = std::chrono::seconds(2);
};

struct ProbeResult {
  bool success = false;
  ProbeError error = ProbeError::kNone;
  std::string detail;          // human-readable cause (errno text, answer bytes); no secrets
  double connect_seconds = 0;  // start -> TCP connection established (when it was)
  // Bolt: connection established -> 4 answer bytes read (when they were).
  double handshake_seconds = 0;
  int bolt_major = 0;  // negotiated version (Bolt success only)
  int bolt_minor = 0;
};

// The 20 bytes the probe writes: magic 60 60 B0 17, then the official Go driver's offer
// 5.7 (back 7), 4.4 (back 2), 4.1, 3.0.
inline constexpr std::array<uint8_t, 20> kBoltHandshake = {0x60, 0x60, 0xB0, 0x17, 0x00, 0x07, 0x07,
                                                           0x05, 0x00, 0x02, 0x04, 0x04, 0x00, 0x00,
                                                           0x01, 0x04, 0x00, 0x00, 0x00, 0x03};

// Interprets the server's 4-byte answer: `00 00 <minor> <major>` -> success with the version,
// zero -> kNoVersion, "HTTP" -> kHttpAnswer.
ProbeResult InterpretBoltAnswer(const std::array<uint8_t, 4>& answer);

class ProbeRunner {
 public:
  // `clock` must outlive the runner.
  explicit ProbeRunner(const Clock& clock) : clock_(clock) {}

  // Runs every probe concurrently; results are in the order of `targets`.
  std::vector<ProbeResult> Run(const std::vector<ProbeTarget>& targets) const;
  // Convenience for a single probe.
  ProbeResult RunOne(const ProbeTarget& target) const;

 private:
  const Clock& clock_;
};

}  // namespace nca::neo4j
