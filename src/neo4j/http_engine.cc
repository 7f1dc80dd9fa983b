#include "neo4j/http_engine.h"

#include <concurrentqueue/concurrentqueue.h>
#include <curl/curl.h>
#include <sys/epoll.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "common/logging.h"
#include "common/strings.h"
#include "net/wakeable_epoll.h"

namespace nca::neo4j {
namespace {

// libcurl's global state is initialised once per process and never torn down (other libraries
// in the process may use it too). Function-local static: thread-safe and not a registration.
bool EnsureCurlGlobalInit() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ok;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

ErrorKind KindForCurlCode(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
      return ErrorKind::kConnectionRefused;
    case CURLE_OPERATION_TIMEDOUT:
      return ErrorKind::kTimeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return ErrorKind::kTls;
    case CURLE_FILESIZE_EXCEEDED:
      return ErrorKind::kTooLarge;
    case CURLE_URL_MALFORMAT:
      return ErrorKind::kInvalidArgument;
    default:
      return ErrorKind::kNetwork;
  }
}

}  // namespace

std::string RedactUrl(const std::string& url) {
  auto scheme_end = url.find("://");
  std::size_t authority = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  auto authority_end = url.find_first_of("/?#", authority);
  auto at = url.rfind('@', authority_end == std::string::npos ? url.size() : authority_end);
  if (at == std::string::npos || at < authority) {
    return url;
  }
  return url.substr(0, authority) + url.substr(at + 1);
}

namespace {

// One transfer, owned by the I/O thread from the moment it is dequeued.
struct Transfer {
  HttpRequestSpec spec;
  HttpCallback on_done;
  MonoTime begun;  // the engine's Clock when it started, for total_seconds
  std::chrono::steady_clock::time_point started;  // when it left the queue (real time)
  std::string display;  // "GET http://host:port/path" (redacted), for messages
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  curl_slist* connect_to = nullptr;
  HttpResult result;
  bool too_large = false;
  char errbuf[CURL_ERROR_SIZE] = {};

  Transfer(HttpRequestSpec s, HttpCallback cb, MonoTime t)
      : spec(std::move(s)), on_done(std::move(cb)), begun(t) {
    display = spec.method + " " + RedactUrl(spec.url);
  }
  ~Transfer() {
    if (easy != nullptr) {
      curl_easy_cleanup(easy);
    }
    if (headers != nullptr) {
      curl_slist_free_all(headers);
    }
    if (connect_to != nullptr) {
      curl_slist_free_all(connect_to);
    }
  }
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
};

struct Submission {
  HttpRequestSpec spec;
  HttpCallback on_done;
  std::chrono::steady_clock::time_point queued_at;  // real time, as libcurl's timeouts
};

// Bodies larger than this still grow as they arrive (a large Content-Length is only a claim).
constexpr std::size_t kMaxBodyReserve = 4u << 20;

size_t WriteCallback(char* data, size_t size, size_t nmemb, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  std::size_t n = size * nmemb;
  if (t->result.body.size() + n > t->spec.max_response_bytes) {
    t->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->result.body.append(data, n);
  return n;
}

size_t HeaderCallback(char* data, size_t size, size_t nmemb, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  std::size_t n = size * nmemb;
  std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response starts (e.g. after "100 Continue"): forget earlier headers.
    t->result.retry_after.clear();
    t->result.content_type.clear();
    return n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) {
    return n;
  }
  std::string_view name = TrimSpace(line.substr(0, colon));
  std::string_view value = TrimSpace(line.substr(colon + 1));
  if (EqualsIgnoreCase(name, "Retry-After")) {
    t->result.retry_after = std::string(value);
  } else if (EqualsIgnoreCase(name, "Content-Type")) {
    t->result.content_type = std::string(value);
  } else if (EqualsIgnoreCase(name, "Content-Length") && t->spec.method != "HEAD") {
    // The body in one allocation of the announced size, instead of grown by doubling from
    // libcurl's 16 KiB pieces (a 34 KB Neo4j /metrics answer otherwise ends in a 64 KiB buffer
    // after two copies). A length over the cap is refused by CURLOPT_MAXFILESIZE before any byte
    // is written, so the reservation is bounded by max_response_bytes and by kMaxBodyReserve.
    std::size_t length = 0;
    const char* end = value.data() + value.size();
    if (auto [p, ec] = std::from_chars(value.data(), end, length);
        ec == std::errc() && p == end && length <= t->spec.max_response_bytes) {
      t->result.body.reserve(std::min(length, kMaxBodyReserve));
    }
  }
  return n;
}

}  // namespace

constexpr long kMaxIdleConnections = 512;

struct HttpEngine::Impl {
  Impl(const Clock& c, HttpEngineOptions o)
      : clock(c), options(o), logger(GetLogger("neo4j.http")) {
    if (!EnsureCurlGlobalInit()) {
      logger->error("msg=\"curl_global_init failed\"");
      return;
    }
    // libcurl's event interface: the I/O thread waits on an epoll set of the transfers' sockets
    // (kept up to date by SocketCallback) and on an eventfd that Submit writes, and hands libcurl
    // only the sockets that are ready. curl_multi_perform would instead step every transfer on
    // every wake-up (each with a poll of its socket): quadratic in the transfers at once, which
    // at the start of a round are a few per member.
    auto created = net::WakeableEpoll::Create();
    if (!created.ok()) {
      logger->error("msg=\"cannot create the HTTP engine's epoll set\" err={}",
                    LogQuote(created.error().message));
      return;
    }
    loop = std::move(created).value();
    multi = curl_multi_init();
    if (multi == nullptr) {
      logger->error("msg=\"curl_multi_init failed\"");
      return;
    }
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &SocketCallback);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &TimerCallback);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
    // Idle connections kept for reuse (HTTP keep-alive; Neo4j's Jetty connector keeps them 30 s).
    // libcurl's default is four per easy handle in the multi at the time a transfer ends, which
    // with one-transfer-at-a-time collectors means about four for every member together: each
    // request would connect again. An agent talks to tens of members on two ports each, a few
    // transfers at once per member; connections idle for more than CURLOPT_MAXAGE_CONN (118 s)
    // are closed by libcurl, ones the server closed are noticed before reuse.
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, kMaxIdleConnections);
    completion_thread = std::thread([this] { RunCompletions(); });
    thread = std::thread([this] { Run(); });
  }

  ~Impl() {
    stopping.store(true);
    Wake();
    if (thread.joinable()) {
      thread.join();
    }
    // Submissions that raced with shutdown: fail them here, on the destroying thread.
    FailQueued();
    {
      std::lock_guard lock(completion_mu);
      completions_stop = true;
    }
    completion_cv.notify_all();
    if (completion_thread.joinable()) {
      completion_thread.join();  // after running every completion queued so far
    }
    if (multi != nullptr) {
      curl_multi_cleanup(multi);  // may still call SocketCallback: the epoll set is closed after
    }
    loop.reset();
  }

  void Wake() const {
    if (loop != nullptr) {
      loop->Wake();
    }
  }

  // libcurl asks for `s` to be watched for `what` (or no longer watched). Called on the I/O
  // thread from within libcurl.
  static int SocketCallback(CURL* /*easy*/, curl_socket_t s, int what, void* userp, void* socketp) {
    auto* self = static_cast<Impl*>(userp);
    if (what == CURL_POLL_REMOVE) {
      // libcurl forgets the socket's curl_multi_assign pointer with it.
      self->loop->Remove(s);
      return 0;
    }
    const uint32_t events =
        ((what & CURL_POLL_IN) != 0 ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) != 0 ? EPOLLOUT : 0u);
    // A socket in the set carries a non-null curl_multi_assign pointer, so that a kept-alive
    // connection's next transfer costs one epoll_ctl (ADD), not a failed MOD first.
    const net::WakeableEpoll& loop = *self->loop;
    const bool watched = socketp != nullptr;
    int err = watched ? loop.Modify(s, events) : loop.Add(s, events);
    if (err == (watched ? ENOENT : EEXIST)) {
      err = watched ? loop.Add(s, events) : loop.Modify(s, events);
    }
    if (err != 0) {
      // The transfer cannot make progress; its own timeout (the timer) still ends it.
      self->logger->warn("msg=\"cannot watch a socket\" err={}", LogQuote(std::strerror(err)));
      return 0;
    }
    if (!watched) {
      curl_multi_assign(self->multi, s, self);
    }
    return 0;
  }

  // libcurl wants CURL_SOCKET_TIMEOUT in `timeout_ms` (-1: no timer). I/O thread, from libcurl.
  static int TimerCallback(CURLM* /*multi*/, long timeout_ms, void* userp) {
    auto* self = static_cast<Impl*>(userp);
    if (timeout_ms < 0) {
      self->timer_due.reset();
    } else {
      self->timer_due = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    }
    return 0;
  }

  void Submit(HttpRequestSpec spec, HttpCallback on_done) {
    if (multi == nullptr || stopping.load()) {
      RunCallback(on_done, MakeError(ErrorKind::kInternal, "HTTP engine is not running"));
      return;
    }
    in_flight.fetch_add(1);
    queue.enqueue(
        Submission{std::move(spec), std::move(on_done), std::chrono::steady_clock::now()});
    // One wake-up for a burst of submissions (a collector asks every member at once): only the
    // first since the I/O thread last looked at the queue writes to the eventfd. The exchange
    // orders the enqueue before the I/O thread's clearing exchange, which precedes its dequeue.
    if (!wake_requested.exchange(true)) {
      Wake();
    }
  }

  // Hands the result to the completion thread (or, when it is not running, runs the callback
  // here). The transfer stops counting as in flight before its callback runs, so a caller woken
  // by the callback sees InFlight() without it.
  // With `notify` false the caller notifies completion_cv itself once it has handed over a batch
  // (ReapCompleted: one wake-up of the completion thread per I/O pass, not one per transfer).
  void Complete(HttpCallback cb, Result<HttpResult> result, bool notify = true) {
    in_flight.fetch_sub(1);
    if (!completion_thread.joinable()) {
      RunCallback(cb, std::move(result));
      return;
    }
    {
      std::lock_guard lock(completion_mu);
      completions.push_back(Completion{std::move(cb), std::move(result)});
    }
    if (notify) {
      completion_cv.notify_one();
    }
  }

  void RunCompletions() {
    std::unique_lock lock(completion_mu);
    while (true) {
      completion_cv.wait(lock, [this] { return completions_stop || !completions.empty(); });
      if (completions.empty()) {
        return;  // stopping, and nothing left to run
      }
      Completion c = std::move(completions.front());
      completions.pop_front();
      lock.unlock();
      RunCallback(c.cb, std::move(c.result));
      lock.lock();
    }
  }

  // Runs the callback, shielding the calling thread from exceptions it might throw.
  void RunCallback(const HttpCallback& cb, Result<HttpResult> result) {
    try {
      if (cb) {
        cb(std::move(result));
      }
    } catch (const std::exception& e) {
      logger->error("msg=\"HTTP completion callback threw\" err={}", LogQuote(e.what()));
    } catch (...) {
      logger->error("msg=\"HTTP completion callback threw\"");
    }
  }

  void Run() {
    std::array<epoll_event, 64> events{};
    int running = 0;
    while (!stopping.load()) {
      wake_requested.exchange(false);  // before the dequeue: a later Submit wakes us again
      // Adding a transfer sets the timer to 0: it starts below. While some wait for a start,
      // wake up when the oldest young transfer stops counting.
      const std::optional<std::chrono::steady_clock::time_point> next_start = StartQueued();
      std::optional<std::chrono::steady_clock::time_point> due = timer_due;
      if (next_start && (!due || *next_start < *due)) {
        due = next_start;
      }
      int wait_ms = 1000;
      if (due) {
        const auto left = *due - std::chrono::steady_clock::now();
        // Rounded up, so that a timer due in 0.3 ms is not polled for in a busy loop.
        wait_ms = static_cast<int>(std::clamp<int64_t>(
            std::chrono::ceil<std::chrono::milliseconds>(left).count(), 0, 1000));
      }
      const int n = loop->Wait(events.data(), static_cast<int>(events.size()), wait_ms);
      for (int i = 0; i < n; ++i) {
        if (loop->ConsumeIfWake(events[i])) {
          continue;
        }
        const int fd = events[i].data.fd;
        const uint32_t e = events[i].events;
        const int mask = ((e & EPOLLIN) != 0 ? CURL_CSELECT_IN : 0) |
                         ((e & EPOLLOUT) != 0 ? CURL_CSELECT_OUT : 0) |
                         ((e & EPOLLERR) != 0 ? CURL_CSELECT_ERR : 0);
        curl_multi_socket_action(multi, fd, mask, &running);
      }
      if (timer_due && std::chrono::steady_clock::now() >= *timer_due) {
        timer_due.reset();  // libcurl sets the next one from within the call
        curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
      }
      ReapCompleted();
    }
    // Shutdown: fail everything still running, then whatever is queued.
    auto pending = std::move(transfers);
    transfers.clear();
    for (auto& [easy, t] : pending) {
      curl_multi_remove_handle(multi, easy);
      Complete(
          std::move(t->on_done),
          MakeError(ErrorKind::kInternal, t->display + ": HTTP engine stopped before completion"));
    }
    FailQueued();
  }

  void FailQueued() {
    Submission queued;
    while (queue.try_dequeue(queued)) {
      waiting.push_back(std::move(queued));
    }
    std::deque<Submission> failing = std::move(waiting);
    waiting.clear();
    waiting_count.store(0);
    for (Submission& s : failing) {
      Complete(
          std::move(s.on_done),
          MakeError(ErrorKind::kInternal, s.spec.method + " " + RedactUrl(s.spec.url) +
                                              ": HTTP engine stopped before the request was sent"));
    }
  }

  // Starts queued submissions, oldest first, while fewer than options.max_starting transfers are
  // young. Returns when the next one may start if some are left waiting (else nullopt).
  std::optional<std::chrono::steady_clock::time_point> StartQueued() {
    Submission s;
    while (queue.try_dequeue(s)) {
      waiting.push_back(std::move(s));
    }
    const auto now = std::chrono::steady_clock::now();
    std::size_t young = 0;
    std::optional<std::chrono::steady_clock::time_point> first_ages;
    if (options.max_starting > 0 && !waiting.empty()) {
      for (const auto& [easy, t] : transfers) {
        const auto ages = t->started + options.starting_window;
        if (ages > now) {
          ++young;
          first_ages = first_ages ? std::min(*first_ages, ages) : ages;
        }
      }
    }
    while (!waiting.empty() && (options.max_starting == 0 || young < options.max_starting)) {
      s = std::move(waiting.front());
      waiting.pop_front();
      const auto queued = std::chrono::duration_cast<std::chrono::milliseconds>(now - s.queued_at);
      if (queued >= s.spec.total_timeout) {
        // Its whole time went by in the queue (slow peers kept every start slot): never sent.
        Complete(std::move(s.on_done),
                 MakeError(ErrorKind::kTimeout,
                           s.spec.method + " " + RedactUrl(s.spec.url) + ": no start within " +
                               std::to_string(s.spec.total_timeout.count()) + " ms"));
        continue;
      }
      ++young;
      if (!first_ages) {
        first_ages = now + options.starting_window;
      }
      auto t =
          std::make_unique<Transfer>(std::move(s.spec), std::move(s.on_done), clock.Monotonic());
      t->started = now;
      if (auto st = Configure(*t, queued); !st.ok()) {
        Complete(std::move(t->on_done), st.error());
        continue;
      }
      CURLMcode mc = curl_multi_add_handle(multi, t->easy);
      if (mc != CURLM_OK) {
        Complete(std::move(t->on_done),
                 MakeError(ErrorKind::kInternal, t->display + ": " + curl_multi_strerror(mc)));
        continue;
      }
      CURL* easy = t->easy;
      transfers.emplace(easy, std::move(t));
    }
    waiting_count.store(waiting.size());
    if (waiting.empty()) {
      return std::nullopt;
    }
    return first_ages;
  }

  // `queued`: how long the submission waited for a start, taken off its timeouts.
  Status Configure(Transfer& t, std::chrono::milliseconds queued) {
    const HttpRequestSpec& spec = t.spec;
    t.easy = curl_easy_init();
    if (t.easy == nullptr) {
      return MakeError(ErrorKind::kInternal, t.display + ": curl_easy_init failed");
    }
    CURL* e = t.easy;
    std::string url = spec.url;
    std::string scheme = url.substr(0, url.find("://"));
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (url.find("://") == std::string::npos || (scheme != "http" && scheme != "https")) {
      return MakeError(ErrorKind::kInvalidArgument,
                       t.display + ": only http:// and https:// URLs are supported");
    }
    bool https = scheme == "https";
    if (https && !spec.tls.server_name.empty()) {
      // Address the request to server_name (SNI + certificate name check) while connecting to the
      // URL's real host and port.
      CURLU* u = curl_url();
      char* host = nullptr;
      char* port = nullptr;
      bool ok = curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
                curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
                curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
                curl_url_set(u, CURLUPART_HOST, spec.tls.server_name.c_str(), 0) == CURLUE_OK;
      char* rewritten = nullptr;
      if (ok && curl_url_get(u, CURLUPART_URL, &rewritten, 0) == CURLUE_OK) {
        url = rewritten;
        t.connect_to = curl_slist_append(
            nullptr, (spec.tls.server_name + ":" + port + ":" + host + ":" + port).c_str());
      } else {
        ok = false;
      }
      curl_free(rewritten);
      curl_free(host);
      curl_free(port);
      curl_url_cleanup(u);
      if (!ok) {
        return MakeError(ErrorKind::kInvalidArgument,
                         t.display + ": cannot apply TLS server name override");
      }
      curl_easy_setopt(e, CURLOPT_CONNECT_TO, t.connect_to);
    }
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    // Members are addressed directly: never through a proxy from http_proxy/HTTPS_PROXY.
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.errbuf);
    // The timeouts count from the submission: the time spent waiting for a start is used up.
    const int64_t total_left = std::max<int64_t>(1, (spec.total_timeout - queued).count());
    curl_easy_setopt(
        e, CURLOPT_CONNECTTIMEOUT_MS,
        static_cast<long>(std::clamp<int64_t>(spec.connect_timeout.count(), 1, total_left)));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(total_left));
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(spec.max_response_bytes));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &WriteCallback);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &HeaderCallback);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);

    if (spec.method == "GET") {
      curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (spec.method == "HEAD") {
      curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
      if (spec.method != "POST") {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, spec.method.c_str());
      }
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(spec.body.size()));
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, spec.body.data());
    }

    for (const auto& h : spec.headers) {
      t.headers = curl_slist_append(t.headers, h.c_str());
    }
    // No "Expect: 100-continue" round trip for request bodies.
    t.headers = curl_slist_append(t.headers, "Expect:");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);

    if (spec.auth.has_value()) {
      curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
      curl_easy_setopt(e, CURLOPT_USERNAME, spec.auth->username.c_str());
      curl_easy_setopt(e, CURLOPT_PASSWORD, spec.auth->password.c_str());
    }

    if (!spec.tls.ca_file.empty()) {
      curl_easy_setopt(e, CURLOPT_CAINFO, spec.tls.ca_file.c_str());
    }
    if (!spec.tls.cert_file.empty()) {
      curl_easy_setopt(e, CURLOPT_SSLCERT, spec.tls.cert_file.c_str());
    }
    if (!spec.tls.key_file.empty()) {
      curl_easy_setopt(e, CURLOPT_SSLKEY, spec.tls.key_file.c_str());
    }
    if (spec.tls.insecure_skip_verify) {
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    } else {
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    }
    return OkStatus();
  }

  void ReapCompleted() {
    int left = 0;
    bool finished = false;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) {
        continue;
      }
      CURL* easy = msg->easy_handle;
      CURLcode code = msg->data.result;
      auto it = transfers.find(easy);
      if (it == transfers.end()) {
        continue;  // not ours; cannot happen
      }
      std::unique_ptr<Transfer> t = std::move(it->second);
      transfers.erase(it);
      curl_multi_remove_handle(multi, easy);
      Finish(*t, code, /*notify=*/false);
      finished = true;
    }
    if (finished) {
      completion_cv.notify_one();
    }
  }

  void Finish(Transfer& t, CURLcode code, bool notify) {
    t.result.total_seconds = ToSeconds(clock.Monotonic() - t.begun);
    if (code == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
      t.result.status = static_cast<int>(status);
      Complete(std::move(t.on_done), std::move(t.result), notify);
      return;
    }
    Error err;
    if (t.too_large || code == CURLE_FILESIZE_EXCEEDED) {
      err =
          MakeError(ErrorKind::kTooLarge, t.display + ": response exceeded " +
                                              std::to_string(t.spec.max_response_bytes) + " bytes");
    } else {
      std::string detail = t.errbuf[0] != '\0' ? std::string(t.errbuf) : curl_easy_strerror(code);
      err = MakeError(KindForCurlCode(code), t.display + ": " + detail);
    }
    logger->debug("msg=\"HTTP transfer failed\" request={} reason={} err={}", LogQuote(t.display),
                  ErrorKindName(err.kind), LogQuote(err.message));
    Complete(std::move(t.on_done), std::move(err), notify);
  }

  const Clock& clock;
  const HttpEngineOptions options;
  std::shared_ptr<spdlog::logger> logger;
  CURLM* multi = nullptr;
  // The transfers' sockets, and the wake-up that Submit and the destructor use; null when it
  // could not be created (then Run fails every submission).
  std::unique_ptr<net::WakeableEpoll> loop;
  // When libcurl wants CURL_SOCKET_TIMEOUT (TimerCallback); I/O thread only.
  std::optional<std::chrono::steady_clock::time_point> timer_due;
  std::atomic<bool> stopping{false};
  // Set by the first Submit after the I/O thread last took the queue; see Submit.
  std::atomic<bool> wake_requested{false};
  std::atomic<std::size_t> in_flight{0};
  moodycamel::ConcurrentQueue<Submission> queue;
  std::deque<Submission> waiting;             // taken from `queue`, not started yet; I/O thread
  std::atomic<std::size_t> waiting_count{0};  // waiting.size(), for Waiting()
  std::map<CURL*, std::unique_ptr<Transfer>> transfers;  // I/O thread only
  std::thread thread;

  struct Completion {
    HttpCallback cb;
    Result<HttpResult> result;
  };
  std::mutex completion_mu;
  std::condition_variable completion_cv;
  std::deque<Completion> completions;  // guarded by completion_mu
  bool completions_stop = false;       // guarded by completion_mu
  std::thread completion_thread;
};

HttpEngine::HttpEngine(const Clock& clock, HttpEngineOptions options)
    : impl_(std::make_unique<Impl>(clock, options)) {}

HttpEngine::~HttpEngine() = default;

void HttpEngine::Submit(HttpRequestSpec spec, HttpCallback on_done) {
  impl_->Submit(std::move(spec), std::move(on_done));
}

std::future<Result<HttpResult>> HttpEngine::Fetch(HttpRequestSpec spec) {
  // std::function needs a copyable callable, so the promise is held by a shared_ptr.
  auto promise = std::make_shared<std::promise<Result<HttpResult>>>();
  auto future = promise->get_future();
  Submit(std::move(spec), [promise](Result<HttpResult> r) { promise->set_value(std::move(r)); });
  return future;
}

std::size_t HttpEngine::InFlight() const { return impl_->in_flight.load(); }

std::size_t HttpEngine::Waiting() const { return impl_->waiting_count.load(); }

}  // namespace nca::neo4j
