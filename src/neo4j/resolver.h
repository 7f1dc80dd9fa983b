// Deadline-bounded host name resolution for the probes (neo4j/probes.h needs numeric hosts).
//
// getaddrinfo(3) can block for many seconds (unreachable DNS servers, retries), so the resolver
// runs it on a worker thread and the caller waits only until its deadline: a lookup that has not
// finished by then is abandoned (it completes later on its own thread and its answer is
// discarded). Lookups of the same host that overlap share one worker (single flight), and at most
// kMaxLookupsInFlight workers exist at a time, so a dead DNS server cannot pile up threads.
//
// Numeric IPv4 / IPv6 input ("10.0.0.1", "::1", "[::1]") is returned as is (brackets removed)
// without any lookup. Names under the special-use TLD "invalid" (RFC 6761 §6.4) fail at once.
//
// Thread-safety: the returned function may be called concurrently from any thread; the state it
// shares with its workers is guarded by a mutex and kept alive by the workers themselves.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace nca::neo4j {

// Same signature as collectors::HostResolver: numeric addresses of `host`, or an error, never
// blocking past `deadline` (a steady-clock time point). Errors: kTimeout (deadline passed),
// kNotFound (the name does not exist), kUnavailable (temporary DNS failure, or too many lookups
// in flight), kInvalidArgument (empty host), kNetwork (other getaddrinfo failures).
using ResolveFunction =
    std::function<Result<std::vector<std::string>>(const std::string& host, MonoTime deadline)>;

inline constexpr std::size_t kMaxLookupsInFlight = 16;

// True for a numeric IPv4 or IPv6 address (IPv6 optionally in brackets).
bool IsNumericHost(std::string_view host);

// A resolver backed by the system's getaddrinfo (AF_UNSPEC, SOCK_STREAM): /etc/hosts, DNS, ...
// per nsswitch.conf. Addresses are returned in getaddrinfo's order without duplicates.
ResolveFunction MakeSystemResolver();

}  // namespace nca::neo4j
