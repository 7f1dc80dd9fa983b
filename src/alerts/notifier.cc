// The notifier proper: Notifier and its Impl, which give every configured Alertmanager its own
// bounded lock-free queue and sending thread (batching, retries with back-off, drain on Stop(),
// per-Alertmanager counters), plus URL and options validation and the notifier's metrics. The
// JSON encoding of alerts is in notifier_json.cc.
#include "alerts/notifier.h"

#include <concurrentqueue/concurrentqueue.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <cstdint>
#include <iterator>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>

#include "alerts/notifier_internal.h"
#include "common/build_version.h"
#include "common/logging.h"

namespace nca::alerts {
namespace {

constexpr std::string_view kPushPath = "/api/v2/alerts";
// Alertmanager answers with an empty body or a short error message; anything bigger is not
// Alertmanager.
constexpr std::size_t kMaxResponseBytes = 64u << 10;
// How much of an error answer goes into a debug log line.
constexpr std::size_t kLoggedBodyBytes = 200;

bool IsAsciiDigits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// "http://am:9093/" -> "http://am:9093/api/v2/alerts"; "http://h/prefix" -> ".../prefix/api/...".
std::string PostUrl(const std::string& base) {
  std::string url = base;
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url + std::string(kPushPath);
}

std::string Truncated(std::string_view s, std::size_t n) {
  return s.size() <= n ? std::string(s) : std::string(s.substr(0, n)) + "...";
}

}  // namespace

// ---------------------------------------------------------------------------------------------

namespace {

// One alert handed to Send(), shared by the queues of every Alertmanager (never copied per
// Alertmanager). Each Alertmanager settles its copy once: it accepted it, or gave it up (queue
// overflow, failed or rejected batch, shutdown). `pending` counts the Alertmanagers that have not
// settled it yet; the one that settles it last counts it as dropped when none accepted it.
struct Tracked {
  Tracked(NotifyAlert a, std::size_t alertmanagers) : alert(std::move(a)), pending(alertmanagers) {}
  const NotifyAlert alert;
  std::atomic<std::size_t> pending;
  std::atomic<bool> accepted{false};
};
using Entry = std::shared_ptr<Tracked>;

std::string EncodeEntries(const std::vector<Entry>& entries) {
  std::string out = "[";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    internal::AppendAlert(out, entries[i]->alert);
  }
  out += ']';
  return out;
}

// The state of one Alertmanager's sending thread that other threads touch: Send(), Stop(),
// WaitUntilIdle() and HTTP completion callbacks, which may outlive the notifier (requests
// abandoned at Stop()). Everything is guarded by `mu`.
struct Channel {
  std::mutex mu;
  std::condition_variable cv;       // the sending thread waits on it
  std::condition_variable idle_cv;  // WaitUntilIdle waits on it
  bool more = false;                // Send() queued alerts since the thread last looked
  bool stop = false;
  bool busy = false;  // the sending thread is delivering batches
  MonoTime drain_deadline;
  std::uint64_t request_id = 0;  // the request awaited; answers to other requests are ignored
  std::optional<Result<neo4j::HttpResult>> answer;  // the answer to `request_id`
};

}  // namespace

struct Notifier::Impl {
  // One configured Alertmanager: its own queue, sending thread and counters. Nothing here is
  // shared with the other Alertmanagers except the alerts themselves (Tracked).
  struct Target {
    std::string post_url;  // with userinfo (sent)
    std::string label;     // redacted (metrics and logs)
    moodycamel::ConcurrentQueue<Entry> queue;
    // Alerts queued: incremented before enqueueing and decremented after dequeueing, so never
    // below the number of alerts actually in the queue.
    std::atomic<std::int64_t> queued{0};
    const std::shared_ptr<Channel> channel = std::make_shared<Channel>();
    std::thread thread;  // owning thread only
    // Guarded by Impl::metrics_mu.
    double sent = 0;
    double errors = 0;
    double abandoned = 0;
    std::optional<double> last_latency_seconds;
  };

  Impl(NotifierOptions o, neo4j::HttpEngine& h, const Clock& c)
      : options(std::move(o)), http(h), clock(c), logger(GetLogger("notifier")) {
    for (const auto& base : options.alertmanager_urls) {
      auto t = std::make_unique<Target>();
      t->post_url = PostUrl(base);
      t->label = neo4j::RedactUrl(t->post_url);
      targets.push_back(std::move(t));
    }
  }

  void Enqueue(std::vector<NotifyAlert> alerts);
  // The sending thread of `t`.
  void Run(Target& t);
  // Takes up to max_batch alerts off t's queue and delivers them; false if the queue was empty.
  bool SendOneBatch(Target& t);
  // Sends `body` to t (with retries); true if it accepted it.
  bool Deliver(Target& t, const std::string& body, std::size_t count);
  void Submit(Target& t, std::uint64_t request, const std::string& body);
  // t is done with `entries`: it accepted them or gave them up. Counts t's abandoned alerts and
  // the alerts that no Alertmanager accepted (dropped).
  void Settle(Target& t, const std::vector<Entry>& entries, bool accepted);
  // Empties t's queue, giving up its alerts; returns how many.
  std::size_t DropQueued(Target& t);
  // Alerts refused by Send() (stopped, larger than the queue): given up for every Alertmanager.
  void RefuseAtSend(std::size_t n);
  std::chrono::milliseconds Backoff(int failed_attempts, const neo4j::HttpResult* answer) const;

  const NotifierOptions options;
  neo4j::HttpEngine& http;
  const Clock& clock;
  const std::shared_ptr<spdlog::logger> logger;
  std::vector<std::unique_ptr<Target>> targets;  // per Alertmanager, in configuration order

  std::atomic<bool> accepting{true};

  mutable std::mutex metrics_mu;
  double dropped = 0;  // guarded by metrics_mu

  bool started = false;  // owning thread only
  bool stopped = false;  // owning thread only
};

void Notifier::Impl::RefuseAtSend(std::size_t n) {
  std::lock_guard lock(metrics_mu);
  dropped += static_cast<double>(n);
  for (auto& t : targets) {
    t->abandoned += static_cast<double>(n);
  }
}

void Notifier::Impl::Settle(Target& t, const std::vector<Entry>& entries, bool accepted) {
  std::size_t dropped_now = 0;
  for (const auto& e : entries) {
    if (accepted) {
      e->accepted.store(true);
    }
    // The last Alertmanager to settle an alert sees every other one's `accepted` store: each
    // store happens before that Alertmanager's decrement, and the decrements form one chain.
    if (e->pending.fetch_sub(1) == 1 && !e->accepted.load()) {
      ++dropped_now;
    }
  }
  {
    std::lock_guard lock(metrics_mu);
    if (!accepted) {
      t.abandoned += static_cast<double>(entries.size());
    }
    dropped += static_cast<double>(dropped_now);
  }
  if (dropped_now > 0) {
    logger->warn("msg=\"no Alertmanager accepted the alerts, dropping them\" count={}",
                 dropped_now);
  }
}

void Notifier::Impl::Enqueue(std::vector<NotifyAlert> alerts) {
  if (alerts.empty()) {
    return;
  }
  if (!accepting.load()) {
    RefuseAtSend(alerts.size());
    logger->warn("msg=\"notifier stopped, dropping alerts\" count={}", alerts.size());
    return;
  }
  for (auto& a : alerts) {
    for (const auto& [name, value] : options.external_labels) {
      auto it = a.labels.find(name);
      if (it == a.labels.end()) {
        a.labels.emplace(name, value);
      } else if (it->second.empty()) {
        it->second = value;
      }
    }
  }
  const std::size_t capacity = options.queue_capacity;
  std::size_t skip = 0;
  if (alerts.size() > capacity) {
    skip = alerts.size() - capacity;
    RefuseAtSend(skip);
    logger->warn(
        "msg=\"alert batch larger than the notification queue, dropping alerts\" "
        "num_dropped={}",
        skip);
  }
  if (targets.empty()) {
    return;  // nowhere to send to: like Prometheus, neither delivered nor dropped
  }
  const std::size_t n = alerts.size() - skip;
  std::vector<Entry> entries;
  entries.reserve(n);
  for (std::size_t i = skip; i < alerts.size(); ++i) {
    entries.push_back(std::make_shared<Tracked>(std::move(alerts[i]), targets.size()));
  }
  // Fan out: every Alertmanager's queue gets every alert, and overflows on its own.
  for (auto& tp : targets) {
    Target& t = *tp;
    t.queued.fetch_add(static_cast<std::int64_t>(n));
    if (!t.queue.enqueue_bulk(entries.cbegin(), n)) {
      t.queued.fetch_sub(static_cast<std::int64_t>(n));
      logger->error(
          "msg=\"cannot allocate notification queue memory, dropping alerts\" alertmanager={} "
          "count={}",
          t.label, n);
      Settle(t, entries, false);
      continue;
    }
    // Full: drop this Alertmanager's oldest alerts in favour of the new ones.
    std::vector<Entry> overflow;
    Entry old;
    while (t.queued.load() > static_cast<std::int64_t>(capacity) && t.queue.try_dequeue(old)) {
      t.queued.fetch_sub(1);
      overflow.push_back(std::move(old));
    }
    if (!overflow.empty()) {
      logger->warn(
          "msg=\"notification queue full, dropping oldest alerts\" alertmanager={} "
          "num_dropped={}",
          t.label, overflow.size());
      Settle(t, overflow, false);
    }
    {
      std::lock_guard lock(t.channel->mu);
      t.channel->more = true;
    }
    t.channel->cv.notify_all();
  }
}

std::size_t Notifier::Impl::DropQueued(Target& t) {
  std::size_t n = 0;
  std::vector<Entry> buf(options.max_batch);
  while (std::size_t got = t.queue.try_dequeue_bulk(buf.begin(), buf.size())) {
    t.queued.fetch_sub(static_cast<std::int64_t>(got));
    n += got;
    Settle(t, std::vector<Entry>(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(got)),
           false);
  }
  return n;
}

void Notifier::Impl::Run(Target& t) {
  Channel& ch = *t.channel;
  std::unique_lock lock(ch.mu);
  while (true) {
    ch.cv.wait(lock, [&ch] { return ch.more || ch.stop; });
    if (ch.stop) {
      break;
    }
    ch.more = false;
    ch.busy = true;
    lock.unlock();
    bool stopping = false;
    while (!stopping && SendOneBatch(t)) {
      std::lock_guard check(ch.mu);
      stopping = ch.stop;
    }
    lock.lock();
    ch.busy = false;
    ch.idle_cv.notify_all();
  }
  // Drain: keep delivering until the deadline Stop() set, then give up what is left.
  const MonoTime deadline = ch.drain_deadline;
  ch.busy = true;
  lock.unlock();
  const std::int64_t at_stop = std::max<std::int64_t>(t.queued.load(), 0);
  if (at_stop > 0) {
    logger->info("msg=\"draining notification queue\" alertmanager={} count={}", t.label, at_stop);
  }
  while (clock.Monotonic() < deadline && SendOneBatch(t)) {
  }
  const std::size_t left = DropQueued(t);
  if (left > 0) {
    logger->warn(
        "msg=\"notification queue not drained before the deadline, dropping alerts\" "
        "alertmanager={} count={}",
        t.label, left);
  }
  lock.lock();
  ch.busy = false;
  ch.idle_cv.notify_all();
}

bool Notifier::Impl::SendOneBatch(Target& t) {
  std::vector<Entry> batch(options.max_batch);
  const std::size_t got = t.queue.try_dequeue_bulk(batch.begin(), batch.size());
  if (got == 0) {
    return false;
  }
  t.queued.fetch_sub(static_cast<std::int64_t>(got));
  batch.resize(got);
  const bool accepted = Deliver(t, EncodeEntries(batch), got);
  if (!accepted) {
    logger->warn("msg=\"giving up alerts for Alertmanager\" alertmanager={} count={}", t.label,
                 got);
  }
  Settle(t, batch, accepted);
  return true;
}

std::chrono::milliseconds Notifier::Impl::Backoff(int failed_attempts,
                                                  const neo4j::HttpResult* answer) const {
  auto delay = options.backoff_initial;
  for (int i = 1; i < failed_attempts && delay < options.backoff_max; ++i) {
    delay *= 2;
  }
  if (answer != nullptr && answer->status == 429 && IsAsciiDigits(answer->retry_after) &&
      answer->retry_after.size() <= 6) {
    delay = std::max(delay, std::chrono::milliseconds(std::stoll(answer->retry_after) * 1000));
  }
  return std::min(delay, options.backoff_max);
}

void Notifier::Impl::Submit(Target& t, std::uint64_t request, const std::string& body) {
  neo4j::HttpRequestSpec spec;
  spec.method = "POST";
  spec.url = t.post_url;
  spec.headers = {"Content-Type: application/json", "Accept: application/json",
                  std::string("User-Agent: neo4j-cluster-agent/") + kBuildVersion};
  spec.body = body;
  spec.connect_timeout = options.timeout;
  spec.total_timeout = options.timeout;
  spec.max_response_bytes = kMaxResponseBytes;
  // The callback only touches the Channel (through a weak_ptr: once the notifier is gone, late
  // answers of abandoned requests are ignored) and is cheap, as HttpEngine requires. It may run
  // on this thread (engine not running), so no Channel lock is held here.
  std::weak_ptr<Channel> weak = t.channel;
  http.Submit(std::move(spec), [weak, request](Result<neo4j::HttpResult> r) {
    std::shared_ptr<Channel> ch = weak.lock();
    if (ch == nullptr) {
      return;
    }
    {
      std::lock_guard lock(ch->mu);
      if (ch->request_id != request) {
        return;  // an answer to a request given up at shutdown
      }
      ch->answer.emplace(std::move(r));
    }
    ch->cv.notify_all();
  });
}

bool Notifier::Impl::Deliver(Target& t, const std::string& body, std::size_t count) {
  Channel& ch = *t.channel;
  const double alerts = static_cast<double>(count);
  int attempts = 0;
  while (true) {
    std::uint64_t request = 0;
    {
      std::lock_guard lock(ch.mu);
      request = ++ch.request_id;
      ch.answer.reset();
    }
    const MonoTime attempt_start = clock.Monotonic();
    ++attempts;
    Submit(t, request, body);

    // Wait for the answer; once stopping, not beyond the drain deadline.
    std::optional<Result<neo4j::HttpResult>> result;
    {
      std::unique_lock lock(ch.mu);
      while (!ch.answer.has_value()) {
        if (!ch.stop) {
          ch.cv.wait(lock);
          continue;
        }
        const auto remaining = ch.drain_deadline - clock.Monotonic();
        if (remaining <= Duration::zero()) {
          break;
        }
        ch.cv.wait_for(lock, remaining);
      }
      if (!ch.answer.has_value()) {
        ++ch.request_id;  // its late answer will be ignored
      } else {
        result.swap(ch.answer);
      }
    }
    if (!result.has_value()) {
      {
        std::lock_guard lock(metrics_mu);
        t.errors += alerts;
      }
      logger->warn("msg=\"abandoning a send to Alertmanager at shutdown\" alertmanager={} count={}",
                   t.label, count);
      return false;
    }

    // Answers are picked up as soon as they arrive (the callback wakes this thread), so the time
    // they are read is their completion time; the callback itself never reads the clock.
    const MonoTime finished = clock.Monotonic();
    const double seconds = ToSeconds(finished - attempt_start);
    const neo4j::HttpResult* answer = result->ok() ? &result->value() : nullptr;
    const bool ok = answer != nullptr && answer->status / 100 == 2;
    {
      std::lock_guard lock(metrics_mu);
      t.last_latency_seconds = seconds;
      (ok ? t.sent : t.errors) += alerts;
    }
    if (ok) {
      return true;
    }
    const bool retriable = answer == nullptr || answer->status == 429 || answer->status / 100 != 4;
    const bool again = retriable && attempts < options.max_attempts;
    const std::string why = answer != nullptr ? "status=" + std::to_string(answer->status)
                                              : "err=" + LogQuote(result->error().ToString());
    if (answer != nullptr && !answer->body.empty()) {
      logger->debug("msg=\"Alertmanager error answer\" alertmanager={} body={}", t.label,
                    LogQuote(Truncated(answer->body, kLoggedBodyBytes)));
    }
    if (!again) {
      logger->error(
          "msg=\"error sending alerts to Alertmanager\" alertmanager={} count={} {} "
          "attempt={} max_attempts={} retriable={} duration_seconds={:.3f}",
          t.label, count, why, attempts, options.max_attempts, retriable, seconds);
      return false;
    }
    const auto delay = Backoff(attempts, answer);
    logger->warn(
        "msg=\"error sending alerts to Alertmanager, will retry\" alertmanager={} "
        "count={} {} attempt={} max_attempts={} retry_in_seconds={:.3f} "
        "duration_seconds={:.3f}",
        t.label, count, why, attempts, options.max_attempts, ToSeconds(delay), seconds);

    // Back off until the retry is due; once stopping, not beyond the drain deadline.
    const MonoTime due = finished + delay;
    std::unique_lock lock(ch.mu);
    while (true) {
      const MonoTime wake = ch.stop ? std::min(due, ch.drain_deadline) : due;
      const auto remaining = wake - clock.Monotonic();
      if (remaining <= Duration::zero()) {
        break;
      }
      const bool was_stopping = ch.stop;
      ch.cv.wait_for(lock, remaining, [&ch, was_stopping] { return ch.stop != was_stopping; });
    }
    if (ch.stop && clock.Monotonic() >= ch.drain_deadline) {
      return false;  // the retry would start after the drain deadline
    }
  }
}

// ---------------------------------------------------------------------------------------------

Notifier::Notifier(NotifierOptions options, neo4j::HttpEngine& http, const Clock& clock) {
  if (Status st = Validate(options); !st.ok()) {
    throw std::invalid_argument(st.error().message);
  }
  impl_ = std::make_unique<Impl>(std::move(options), http, clock);
}

Notifier::~Notifier() { Stop(); }

Status Notifier::ValidateUrl(const std::string& url) {
  const std::string shown = neo4j::RedactUrl(url);
  auto bad = [&shown](const std::string& why) -> Status {
    return MakeError(ErrorKind::kInvalidArgument,
                     "invalid Alertmanager URL \"" + shown + "\": " + why);
  };
  if (url.empty()) {
    return MakeError(ErrorKind::kInvalidArgument, "invalid Alertmanager URL: empty");
  }
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7F) {
      return bad("contains whitespace or control characters");
    }
  }
  const auto scheme_end = url.find("://");
  std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme != "http" && scheme != "https") {
    return bad("the scheme must be http:// or https://");
  }
  const std::size_t authority = scheme_end + 3;
  const std::size_t authority_end = std::min(url.find_first_of("/?#", authority), url.size());
  if (url.find_first_of("?#", authority) != std::string::npos) {
    return bad("a query or fragment is not allowed");
  }
  std::string_view hostport(url.data() + authority, authority_end - authority);
  if (auto at = hostport.rfind('@'); at != std::string_view::npos) {
    hostport.remove_prefix(at + 1);
  }
  std::string_view host = hostport;
  std::string_view port;
  bool has_port = false;
  if (!hostport.empty() && hostport.front() == '[') {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) {
      return bad("unterminated IPv6 address");
    }
    host = hostport.substr(1, close - 1);
    std::string_view rest = hostport.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return bad("unexpected characters after the IPv6 address");
      }
      has_port = true;
      port = rest.substr(1);
    }
  } else if (auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
    has_port = true;
  }
  if (host.empty()) {
    return bad("no host");
  }
  if (has_port) {
    int value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (!IsAsciiDigits(port) || ec != std::errc() || end != port.data() + port.size() ||
        value < 1 || value > 65535) {
      return bad("the port must be a number from 1 to 65535");
    }
  }
  return OkStatus();
}

Status Notifier::Validate(const NotifierOptions& options) {
  std::set<std::string> seen;
  for (const auto& url : options.alertmanager_urls) {
    if (Status st = ValidateUrl(url); !st.ok()) {
      return st;
    }
    if (!seen.insert(PostUrl(url)).second) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "Alertmanager URL \"" + neo4j::RedactUrl(url) + "\" is listed twice");
    }
  }
  auto bad = [](const std::string& why) -> Status {
    return MakeError(ErrorKind::kInvalidArgument, "invalid notifier options: " + why);
  };
  if (options.queue_capacity == 0) {
    return bad("the queue capacity must be at least 1");
  }
  if (options.max_batch == 0) {
    return bad("the batch size must be at least 1");
  }
  if (options.timeout <= std::chrono::milliseconds::zero()) {
    return bad("the timeout must be positive");
  }
  if (options.max_attempts < 1) {
    return bad("the number of attempts must be at least 1");
  }
  if (options.backoff_initial < std::chrono::milliseconds::zero() ||
      options.backoff_max < options.backoff_initial) {
    return bad("back-off delays must satisfy 0 <= initial <= max");
  }
  if (options.drain_timeout < std::chrono::milliseconds::zero()) {
    return bad("the drain timeout must not be negative");
  }
  return OkStatus();
}

void Notifier::Start() {
  if (impl_->started || impl_->stopped) {
    return;
  }
  impl_->started = true;
  impl_->logger->info(
      "msg=\"notifier started\" alertmanagers={} queue_capacity_per_alertmanager={} "
      "max_batch={}",
      impl_->targets.size(), impl_->options.queue_capacity, impl_->options.max_batch);
  Impl* impl = impl_.get();
  for (auto& t : impl_->targets) {
    Impl::Target* target = t.get();
    t->thread = std::thread([impl, target] { impl->Run(*target); });
  }
}

void Notifier::Stop() {
  if (impl_ == nullptr || impl_->stopped) {
    return;
  }
  impl_->stopped = true;
  impl_->accepting.store(false);
  // One deadline for all: the Alertmanagers drain in parallel, so Stop() takes at most about
  // `drain_timeout` whatever their number.
  const MonoTime deadline = impl_->clock.Monotonic() + impl_->options.drain_timeout;
  for (auto& t : impl_->targets) {
    {
      std::lock_guard lock(t->channel->mu);
      t->channel->stop = true;
      t->channel->drain_deadline = deadline;
    }
    t->channel->cv.notify_all();
  }
  for (auto& t : impl_->targets) {
    if (t->thread.joinable()) {
      t->thread.join();
    }
  }
  // Alerts queued but never sent (not started, or sent by a racing Send()) are given up.
  for (auto& t : impl_->targets) {
    if (std::size_t left = impl_->DropQueued(*t); left > 0) {
      impl_->logger->warn(
          "msg=\"notifier stopped with queued alerts, dropping them\" alertmanager={} count={}",
          t->label, left);
    }
  }
  if (impl_->started) {
    impl_->logger->info("msg=\"notifier stopped\"");
  }
}

void Notifier::Send(std::vector<NotifyAlert> alerts) { impl_->Enqueue(std::move(alerts)); }

exporter::MetricSet Notifier::Metrics() const {
  const auto& targets = impl_->targets;
  exporter::MetricSetBuilder b;
  b.Gauge("neo4j_agent_alertmanagers",
          "Number of Alertmanagers the agent sends its alerts to (configured).")
      .Add({}, static_cast<double>(targets.size()));
  b.Gauge("neo4j_agent_notification_queue_capacity",
          "Capacity of each Alertmanager's queue of alerts waiting to be sent to it; when one is "
          "full, its oldest alerts are given up for that Alertmanager only.")
      .Add({}, static_cast<double>(impl_->options.queue_capacity));
  if (!targets.empty()) {
    auto length = b.Gauge("neo4j_agent_notification_queue_length",
                          "Number of alerts waiting in the queue of an Alertmanager to be sent "
                          "to it (every Alertmanager has its own queue and sending thread).");
    for (const auto& t : targets) {
      const std::int64_t queued = std::clamp<std::int64_t>(
          t->queued.load(), 0, static_cast<std::int64_t>(impl_->options.queue_capacity));
      length.Add({{"alertmanager", t->label}}, static_cast<double>(queued));
    }
  }

  std::lock_guard lock(impl_->metrics_mu);
  b.Counter("neo4j_agent_notifications_dropped_total",
            "Total number of alerts that reached no Alertmanager: every Alertmanager gave them "
            "up (see neo4j_agent_notifications_abandoned_total), or they were refused on arrival "
            "(the agent was stopping, or more alerts at once than a queue holds).")
      .Add({}, impl_->dropped);
  if (!targets.empty()) {
    auto sent = b.Counter("neo4j_agent_notifications_sent_total",
                          "Total number of alerts that an Alertmanager accepted (2xx answer).");
    auto errors = b.Counter(
        "neo4j_agent_notifications_errors_total",
        "Total number of alerts in send attempts to an Alertmanager that failed (transport "
        "error or non-2xx answer); every failed attempt of a batch counts its alerts again.");
    auto abandoned = b.Counter(
        "neo4j_agent_notifications_abandoned_total",
        "Total number of alerts given up for an Alertmanager without it accepting them: its "
        "queue was full (oldest first), every attempt of their batch failed or was rejected, or "
        "the agent was stopping. Other Alertmanagers may still have received them.");
    for (const auto& t : targets) {
      const exporter::Labels l{{"alertmanager", t->label}};
      sent.Add(l, t->sent);
      errors.Add(l, t->errors);
      abandoned.Add(l, t->abandoned);
    }
    const bool any_latency = std::any_of(targets.begin(), targets.end(), [](const auto& t) {
      return t->last_latency_seconds.has_value();
    });
    if (any_latency) {
      auto latency =
          b.Gauge("neo4j_agent_notification_latency_seconds",
                  "Duration of the latest completed attempt to send a batch of alerts to an "
                  "Alertmanager, successful or not.");
      for (const auto& t : targets) {
        if (t->last_latency_seconds) {
          latency.Add({{"alertmanager", t->label}}, *t->last_latency_seconds);
        }
      }
    }
  }
  return std::move(b).Build();
}

bool Notifier::WaitUntilIdle(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Idle means every Alertmanager idle at once: repeat until a pass finds all of them idle
  // without having to wait for any.
  while (true) {
    bool waited = false;
    for (const auto& t : impl_->targets) {
      Channel& ch = *t->channel;
      std::unique_lock lock(ch.mu);
      auto idle = [&ch, &t] { return !ch.busy && !ch.more && t->queued.load() <= 0; };
      if (idle()) {
        continue;
      }
      waited = true;
      if (!ch.idle_cv.wait_until(lock, deadline, idle)) {
        return false;
      }
    }
    if (!waited) {
      return true;
    }
  }
}

std::vector<std::string> Notifier::AlertmanagerLabels() const {
  std::vector<std::string> labels;
  for (const auto& t : impl_->targets) {
    labels.push_back(t->label);
  }
  return labels;
}

}  // namespace nca::alerts
