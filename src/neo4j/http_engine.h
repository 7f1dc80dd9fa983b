// HttpEngine: asynchronous HTTP(S) client on one I/O thread driving a libcurl multi handle
// through its event interface (curl_multi_socket_action over epoll: each wake-up steps only the
// transfers whose sockets are ready or whose timers are due). Any number of transfers run
// concurrently; a slow or hung peer only occupies its own transfer (bounded by its own timeouts)
// and delays the others by one short window at most (HttpEngineOptions: a burst of requests
// starts a few dozen at a time).
//
// Transport failures become nca::Error values (ErrorKind::kConnectionRefused, kTimeout, kTls,
// kTooLarge, kNetwork, ...). Every HTTP answer, whatever its status code, is a successful
// HttpResult: interpreting 4xx/5xx is the caller's business (see neo4j::ErrorFromHttp).
//
// Secrets: BasicAuth has no formatter and is never logged; error messages name the method and
// the URL (without any userinfo part), never headers or credentials.
//
// Requests go directly to the URL's host (proxy environment variables are ignored), redirects
// are not followed, and only http:// and https:// URLs are accepted.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace nca::neo4j {

struct TlsOptions {
  std::string ca_file;    // PEM bundle to verify the server against ("" = system store)
  std::string cert_file;  // client certificate (PEM), optional
  std::string key_file;   // client key (PEM), optional
  // Name to verify the server certificate against (and send as SNI) instead of the URL's host;
  // https:// only. Implemented with CURLOPT_CONNECT_TO: the request is addressed to this name
  // (so it is also the Host header) but connects to the URL's host and port.
  std::string server_name;
  bool insecure_skip_verify = false;  // disables peer and host verification
};

// Deliberately without operator<< / formatter: cannot be logged by accident.
struct BasicAuth {
  std::string username;
  std::string password;
};

struct HttpRequestSpec {
  std::string method = "GET";
  std::string url;                   // absolute http:// or https:// URL
  std::vector<std::string> headers;  // "Name: value"; include Accept (else curl sends */*)
  std::string body;                  // sent when non-empty (or when method is POST/PUT)
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds total_timeout{5000};
  std::size_t max_response_bytes = 8u << 20;
  TlsOptions tls;
  std::optional<BasicAuth> auth;  // preemptive Basic authentication
};

struct HttpResult {
  int status = 0;
  std::string body;
  std::string retry_after;   // Retry-After header value, "" if absent
  std::string content_type;  // Content-Type header value, "" if absent
  // From the transfer's start (not counting a wait for a start, see HttpEngineOptions) to its
  // completion, measured with the engine's Clock: the exchange itself, as latency probes need.
  double total_seconds = 0;
};

using HttpCallback = std::function<void(Result<HttpResult>)>;

// How many transfers start at once. A collector asks every member at once (about 200 requests a
// round at 45 members); started together, each holds a libcurl handle, its buffers and a
// connection of its own, a few MiB for the few milliseconds the round takes on a LAN, which the
// allocator then keeps or has to fault in again (bench/footprint.sh). So at most `max_starting`
// transfers are young at once, and the rest wait in the engine's queue, in order. A transfer is
// young for `starting_window` after it started: one that takes longer (a hung or slow peer) stops
// counting, so slow peers never hold up the others by more than one window. A queued request's
// timeouts count from its submission, as without the cap (one whose whole total_timeout went by
// in the queue fails with kTimeout unsent, noticed within a window); its total_seconds do not
// include the wait. The cap bounds how fast transfers start to max_starting per round trip (per
// window for slower peers): thousands of requests a round over a WAN would need a higher cap;
// an agent per node watches tens.
struct HttpEngineOptions {
  std::size_t max_starting = 32;  // 0 = no cap
  std::chrono::milliseconds starting_window{100};
};

// Thread-safety: Submit and Fetch may be called concurrently from any thread, including from
// inside a completion callback. Completion callbacks run on the engine's completion thread, in
// the order transfers finish, one at a time, never on the I/O thread: a slow callback (parsing
// a large body) delays the callbacks after it but no transfer, whose timeouts keep being
// measured by the I/O thread. Only when the engine is not running (libcurl failed to
// initialise, or shutting down) is a callback run at once on the submitting thread, with a
// kInternal error. The destructor stops the I/O thread, fails every unfinished transfer and
// runs every pending callback (callbacks still run exactly once); it must not be called from a
// callback, nor concurrently with Submit/Fetch.
class HttpEngine {
 public:
  explicit HttpEngine(const Clock& clock, HttpEngineOptions options = {});
  ~HttpEngine();
  HttpEngine(const HttpEngine&) = delete;
  HttpEngine& operator=(const HttpEngine&) = delete;

  // Starts a transfer; `on_done` is called exactly once with the answer or the transport error.
  void Submit(HttpRequestSpec spec, HttpCallback on_done);

  // Convenience wrapper around Submit.
  std::future<Result<HttpResult>> Fetch(HttpRequestSpec spec);

  // Number of transfers submitted but not yet completed (for tests and self-metrics).
  std::size_t InFlight() const;
  // Of those, the number waiting for a start (HttpEngineOptions::max_starting), for tests.
  std::size_t Waiting() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Removes a "user:password@" part from a URL, for messages and logs.
std::string RedactUrl(const std::string& url);

}  // namespace nca::neo4j
