#include "neo4j/resolver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

namespace nca::neo4j {
namespace {

using Addresses = std::vector<std::string>;
using Answer = std::shared_future<Result<Addresses>>;

std::string_view StripBrackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host.remove_prefix(1);
    host.remove_suffix(1);
  }
  return host;
}

// "x.invalid" or "x.invalid." in any letter case (RFC 6761 §6.4: resolvers answer negatively
// at once).
bool UnderInvalidTld(std::string_view host) {
  if (!host.empty() && host.back() == '.') {
    host.remove_suffix(1);
  }
  constexpr std::string_view kTld = "invalid";
  if (host.size() < kTld.size()) {
    return false;
  }
  std::string_view tail = host.substr(host.size() - kTld.size());
  const bool equal = std::equal(tail.begin(), tail.end(), kTld.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
  return equal && (host.size() == kTld.size() || host[host.size() - kTld.size() - 1] == '.');
}

Error LookupError(int code, const std::string& host) {
  std::string message = "cannot resolve \"" + host + "\": " + gai_strerror(code);
  switch (code) {
    case EAI_NONAME:
#ifdef EAI_NODATA
    case EAI_NODATA:
#endif
      return MakeError(ErrorKind::kNotFound, std::move(message));
    case EAI_AGAIN:
      return MakeError(ErrorKind::kUnavailable, std::move(message));
    default:
      return MakeError(ErrorKind::kNetwork, std::move(message));
  }
}

// The blocking lookup, run on a worker thread.
Result<Addresses> Lookup(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  // No AI_ADDRCONFIG: it ignores loopback and would fail "localhost" on a host whose only
  // interface is loopback.
  addrinfo* list = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &list);
  if (rc != 0) {
    return LookupError(rc, host);
  }
  Addresses out;
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {};
    const char* text = nullptr;
    if (ai->ai_family == AF_INET) {
      text = inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr, buf,
                       sizeof(buf));
    } else if (ai->ai_family == AF_INET6) {
      text = inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_addr,
                       buf, sizeof(buf));
    }
    if (text != nullptr && std::find(out.begin(), out.end(), text) == out.end()) {
      out.emplace_back(text);
    }
  }
  freeaddrinfo(list);
  if (out.empty()) {
    return MakeError(ErrorKind::kNotFound, "no IPv4 or IPv6 address for \"" + host + "\"");
  }
  return out;
}

// Lookups in flight, shared by every copy of one resolver function and by its workers.
class ResolverState : public std::enable_shared_from_this<ResolverState> {
 public:
  Result<Addresses> Resolve(const std::string& host, MonoTime deadline) {
    // ctx deadlines are steady-clock time points (see neo4j::AwaitUntil).
    if (std::chrono::steady_clock::now() >= deadline) {
      return MakeError(ErrorKind::kTimeout, "no time left to resolve \"" + host + "\"");
    }
    Answer answer;
    {
      std::lock_guard lock(mu_);
      auto it = in_flight_.find(host);
      if (it != in_flight_.end()) {
        answer = it->second;
      } else {
        if (in_flight_.size() >= kMaxLookupsInFlight) {
          return MakeError(ErrorKind::kUnavailable,
                           "cannot resolve \"" + host + "\": too many lookups in flight");
        }
        auto promise = std::make_shared<std::promise<Result<Addresses>>>();
        answer = promise->get_future().share();
        in_flight_.emplace(host, answer);
        try {
          std::thread([self = shared_from_this(), host, promise] {
            promise->set_value(Lookup(host));
            std::lock_guard worker_lock(self->mu_);
            self->in_flight_.erase(host);
          }).detach();
        } catch (const std::system_error& e) {
          in_flight_.erase(host);
          return MakeError(ErrorKind::kInternal,
                           "cannot resolve \"" + host + "\": no worker thread: " + e.what());
        }
      }
    }
    if (answer.wait_until(deadline) != std::future_status::ready) {
      return MakeError(ErrorKind::kTimeout,
                       "resolving \"" + host + "\" did not finish before the deadline");
    }
    return answer.get();
  }

 private:
  std::mutex mu_;
  std::map<std::string, Answer> in_flight_;  // guarded by mu_
};

}  // namespace

bool IsNumericHost(std::string_view host) {
  const std::string bare(StripBrackets(host));
  in6_addr v6{};
  in_addr v4{};
  if (bare.size() != host.size()) {  // brackets: IPv6 only
    return inet_pton(AF_INET6, bare.c_str(), &v6) == 1;
  }
  return inet_pton(AF_INET, bare.c_str(), &v4) == 1 || inet_pton(AF_INET6, bare.c_str(), &v6) == 1;
}

ResolveFunction MakeSystemResolver() {
  auto state = std::make_shared<ResolverState>();
  return [state](const std::string& host, MonoTime deadline) -> Result<Addresses> {
    if (host.empty()) {
      return MakeError(ErrorKind::kInvalidArgument, "empty host name");
    }
    if (IsNumericHost(host)) {
      return Addresses{std::string(StripBrackets(host))};
    }
    if (UnderInvalidTld(host)) {
      return MakeError(ErrorKind::kNotFound,
                       "cannot resolve \"" + host + "\": special-use name (RFC 6761)");
    }
    return state->Resolve(host, deadline);
  };
}

}  // namespace nca::neo4j
