#include "alerts/notifier.h"

#include <concurrentqueue/concurrentqueue.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>

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

// Appends `s` as a JSON string the way Go's encoding/json writes it (HTML-safe escaping, invalid
// UTF-8 replaced by U+FFFD byte by byte, U+2028/U+2029 escaped).
void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto unicode_escape = [&out](unsigned value) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) {
      out += kHex[(value >> static_cast<unsigned>(shift)) & 0xFu];
    }
  };
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      switch (b) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '<':
        case '>':
        case '&':
          unicode_escape(b);
          break;
        default:
          if (b < 0x20) {
            unicode_escape(b);
          } else {
            out += static_cast<char>(b);
          }
      }
      ++i;
      continue;
    }
    // Multi-byte sequence: validate as Unicode's table of well-formed UTF-8 byte sequences.
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      lo = b == 0xE0 ? 0xA0 : 0x80;
      hi = b == 0xED ? 0x9F : 0xBF;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      lo = b == 0xF0 ? 0x90 : 0x80;
      hi = b == 0xF4 ? 0x8F : 0xBF;
    }
    bool valid = len != 0 && i + len <= s.size();
    for (std::size_t k = 1; valid && k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      valid = k == 1 ? (c >= lo && c <= hi) : (c >= 0x80 && c <= 0xBF);
    }
    if (!valid) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    // U+2028 and U+2029 are E2 80 A8 / E2 80 A9.
    if (len == 3 && b == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) & 0xFEu) == 0xA8) {
      unicode_escape(static_cast<unsigned char>(s[i + 2]) == 0xA8 ? 0x2028u : 0x2029u);
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out += '"';
}

void AppendJsonObject(std::string& out, const std::map<std::string, std::string>& m) {
  out += '{';
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) {
      out += ',';
    }
    first = false;
    AppendJsonString(out, k);
    out += ':';
    AppendJsonString(out, v);
  }
  out += '}';
}

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

std::string FormatRfc3339(SystemTime t) {
  using std::chrono::days;
  using std::chrono::milliseconds;
  const auto ms = std::chrono::floor<milliseconds>(t.time_since_epoch());
  const auto day = std::chrono::floor<days>(ms);
  const std::chrono::year_month_day ymd{std::chrono::sys_days(day)};
  const std::chrono::hh_mm_ss<milliseconds> hms(ms - day);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf;
}

std::string EncodeAlerts(const std::vector<NotifyAlert>& alerts) {
  std::string out = "[";
  bool first = true;
  for (const auto& a : alerts) {
    if (!first) {
      out += ',';
    }
    first = false;
    out += '{';
    if (!a.annotations.empty()) {
      out += "\"annotations\":";
      AppendJsonObject(out, a.annotations);
      out += ',';
    }
    if (a.ends_at.has_value()) {
      out += "\"endsAt\":";
      AppendJsonString(out, FormatRfc3339(*a.ends_at));
      out += ',';
    }
    out += "\"startsAt\":";
    AppendJsonString(out, FormatRfc3339(a.starts_at));
    out += ',';
    if (!a.generator_url.empty()) {
      out += "\"generatorURL\":";
      AppendJsonString(out, a.generator_url);
      out += ',';
    }
    out += "\"labels\":";
    AppendJsonObject(out, a.labels);
    out += '}';
  }
  out += ']';
  return out;
}

// ---------------------------------------------------------------------------------------------

namespace {

// State shared with HTTP completion callbacks, which may outlive the notifier (requests abandoned
// at Stop()). Everything is guarded by `mu`.
struct Shared {
  struct Completion {
    std::size_t target = 0;
    Result<neo4j::HttpResult> result;
  };

  std::mutex mu;
  std::condition_variable cv;               // the sending thread waits on it
  mutable std::condition_variable idle_cv;  // WaitUntilIdle waits on it
  bool more = false;                        // Send() queued alerts since the thread last looked
  bool stop = false;
  bool busy = false;  // the sending thread is delivering batches
  MonoTime drain_deadline;
  std::uint64_t batch_id = 0;  // completions of other batches are ignored
  std::vector<Completion> completions;
};

// Per-Alertmanager counters, guarded by Impl::metrics_mu.
struct TargetStats {
  double sent = 0;
  double errors = 0;
  std::optional<double> last_latency_seconds;
};

}  // namespace

struct Notifier::Impl {
  Impl(NotifierOptions o, neo4j::HttpEngine& h, const Clock& c)
      : options(std::move(o)),
        http(h),
        clock(c),
        logger(GetLogger("notifier")),
        shared(std::make_shared<Shared>()) {
    for (const auto& base : options.alertmanager_urls) {
      post_urls.push_back(PostUrl(base));
      labels.push_back(neo4j::RedactUrl(post_urls.back()));
    }
    stats.resize(post_urls.size());
  }

  void Enqueue(std::vector<NotifyAlert> alerts);
  void Run();
  // Takes up to max_batch alerts off the queue and delivers them; false if the queue was empty.
  bool SendOneBatch();
  // Sends `body` to every Alertmanager (with retries); true if at least one accepted it.
  bool Deliver(const std::string& body, std::size_t count);
  void Submit(std::size_t target, std::uint64_t batch, const std::string& body);
  // Empties the queue, counting its alerts as dropped; returns how many.
  std::size_t DropQueued();
  void AddDropped(std::size_t n) {
    std::lock_guard lock(metrics_mu);
    dropped += static_cast<double>(n);
  }
  std::chrono::milliseconds Backoff(int failed_attempts, const neo4j::HttpResult* answer) const;

  const NotifierOptions options;
  neo4j::HttpEngine& http;
  const Clock& clock;
  const std::shared_ptr<spdlog::logger> logger;
  std::vector<std::string> post_urls;  // per Alertmanager, with userinfo (sent)
  std::vector<std::string> labels;     // per Alertmanager, redacted (metrics and logs)

  moodycamel::ConcurrentQueue<NotifyAlert> queue;
  // Alerts queued: incremented before enqueueing and decremented after dequeueing, so never
  // below the number of alerts actually in the queue.
  std::atomic<std::int64_t> queued{0};
  std::atomic<bool> accepting{true};

  const std::shared_ptr<Shared> shared;

  mutable std::mutex metrics_mu;
  std::vector<TargetStats> stats;  // guarded by metrics_mu
  double dropped = 0;              // guarded by metrics_mu

  bool started = false;  // owning thread only
  bool stopped = false;  // owning thread only
  std::thread thread;    // owning thread only
};

void Notifier::Impl::Enqueue(std::vector<NotifyAlert> alerts) {
  if (alerts.empty()) {
    return;
  }
  if (!accepting.load()) {
    AddDropped(alerts.size());
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
    AddDropped(skip);
    logger->warn(
        "msg=\"alert batch larger than the notification queue, dropping alerts\" "
        "num_dropped={}",
        skip);
  }
  const std::size_t n = alerts.size() - skip;
  queued.fetch_add(static_cast<std::int64_t>(n));
  if (!queue.enqueue_bulk(
          std::make_move_iterator(alerts.begin() + static_cast<std::ptrdiff_t>(skip)), n)) {
    queued.fetch_sub(static_cast<std::int64_t>(n));
    AddDropped(n);
    logger->error("msg=\"cannot allocate notification queue memory, dropping alerts\" count={}", n);
    return;
  }
  // Full: drop the oldest alerts in favour of the new ones.
  std::size_t overflow = 0;
  NotifyAlert old;
  while (queued.load() > static_cast<std::int64_t>(capacity) && queue.try_dequeue(old)) {
    queued.fetch_sub(1);
    ++overflow;
  }
  if (overflow > 0) {
    AddDropped(overflow);
    logger->warn("msg=\"notification queue full, dropping oldest alerts\" num_dropped={}",
                 overflow);
  }
  {
    std::lock_guard lock(shared->mu);
    shared->more = true;
  }
  shared->cv.notify_all();
}

std::size_t Notifier::Impl::DropQueued() {
  std::size_t n = 0;
  std::vector<NotifyAlert> buf(std::max<std::size_t>(options.max_batch, 1));
  while (std::size_t got = queue.try_dequeue_bulk(buf.begin(), buf.size())) {
    queued.fetch_sub(static_cast<std::int64_t>(got));
    n += got;
  }
  if (n > 0) {
    AddDropped(n);
  }
  return n;
}

void Notifier::Impl::Run() {
  std::unique_lock lock(shared->mu);
  while (true) {
    shared->cv.wait(lock, [this] { return shared->more || shared->stop; });
    if (shared->stop) {
      break;
    }
    shared->more = false;
    shared->busy = true;
    lock.unlock();
    bool stopping = false;
    while (!stopping && SendOneBatch()) {
      std::lock_guard check(shared->mu);
      stopping = shared->stop;
    }
    lock.lock();
    shared->busy = false;
    shared->idle_cv.notify_all();
  }
  // Drain: keep delivering until the deadline Stop() set, then drop what is left.
  const MonoTime deadline = shared->drain_deadline;
  shared->busy = true;
  lock.unlock();
  const std::int64_t at_stop = std::max<std::int64_t>(queued.load(), 0);
  if (at_stop > 0) {
    logger->info("msg=\"draining notification queue\" count={}", at_stop);
  }
  while (clock.Monotonic() < deadline && SendOneBatch()) {
  }
  const std::size_t left = DropQueued();
  if (left > 0) {
    logger->warn(
        "msg=\"notification queue not drained before the deadline, dropping alerts\" "
        "count={}",
        left);
  }
  lock.lock();
  shared->busy = false;
  shared->idle_cv.notify_all();
}

bool Notifier::Impl::SendOneBatch() {
  std::vector<NotifyAlert> batch(options.max_batch);
  const std::size_t got = queue.try_dequeue_bulk(batch.begin(), batch.size());
  if (got == 0) {
    return false;
  }
  queued.fetch_sub(static_cast<std::int64_t>(got));
  batch.resize(got);
  if (post_urls.empty()) {
    return true;  // nowhere to send to: like Prometheus, neither delivered nor dropped
  }
  if (!Deliver(EncodeAlerts(batch), got)) {
    AddDropped(got);
    logger->warn("msg=\"no Alertmanager accepted the alerts, dropping them\" count={}", got);
  }
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

void Notifier::Impl::Submit(std::size_t target, std::uint64_t batch, const std::string& body) {
  neo4j::HttpRequestSpec spec;
  spec.method = "POST";
  spec.url = post_urls[target];
  spec.headers = {"Content-Type: application/json", "Accept: application/json",
                  std::string("User-Agent: neo4j-cluster-agent/") + kBuildVersion};
  spec.body = body;
  spec.connect_timeout = options.timeout;
  spec.total_timeout = options.timeout;
  spec.max_response_bytes = kMaxResponseBytes;
  // The callback only touches `Shared` (through a weak_ptr: once the notifier is gone, late
  // answers of abandoned requests are ignored) and is cheap, as HttpEngine requires.
  std::weak_ptr<Shared> weak = shared;
  http.Submit(std::move(spec), [weak, target, batch](Result<neo4j::HttpResult> r) {
    std::shared_ptr<Shared> s = weak.lock();
    if (s == nullptr) {
      return;
    }
    {
      std::lock_guard lock(s->mu);
      if (s->batch_id != batch) {
        return;  // an answer for a batch given up at shutdown
      }
      s->completions.push_back({target, std::move(r)});
    }
    s->cv.notify_all();
  });
}

bool Notifier::Impl::Deliver(const std::string& body, std::size_t count) {
  struct State {
    int attempts = 0;
    bool in_flight = false;
    bool finished = false;
    MonoTime started;
    MonoTime next_due;
  };
  const std::size_t n = post_urls.size();
  std::vector<State> states(n);
  std::uint64_t batch = 0;
  {
    std::lock_guard lock(shared->mu);
    batch = ++shared->batch_id;
    shared->completions.clear();
  }
  const MonoTime begin = clock.Monotonic();
  for (auto& s : states) {
    s.next_due = begin;
  }
  bool accepted = false;
  const double alerts = static_cast<double>(count);

  while (true) {
    MonoTime now = clock.Monotonic();
    bool past_drain = false;
    MonoTime drain_deadline;
    {
      std::lock_guard lock(shared->mu);
      past_drain = shared->stop && now >= shared->drain_deadline;
      drain_deadline = shared->drain_deadline;
    }
    // Past the drain deadline: give up on everything still pending.
    if (past_drain) {
      for (std::size_t i = 0; i < n; ++i) {
        if (states[i].finished) {
          continue;
        }
        states[i].finished = true;
        if (states[i].in_flight) {
          {
            std::lock_guard lock(metrics_mu);
            stats[i].errors += alerts;
          }
          logger->warn(
              "msg=\"abandoning a send to Alertmanager at shutdown\" alertmanager={} "
              "count={}",
              labels[i], count);
        }
      }
      break;
    }
    // Start the attempts that are due.
    for (std::size_t i = 0; i < n; ++i) {
      State& s = states[i];
      if (!s.finished && !s.in_flight && s.next_due <= now) {
        s.in_flight = true;
        s.started = now;
        ++s.attempts;
        Submit(i, batch, body);
      }
    }
    if (std::all_of(states.begin(), states.end(), [](const State& s) { return s.finished; })) {
      break;
    }
    // Wait for an answer, the next due retry, Stop(), or the drain deadline.
    std::vector<Shared::Completion> done;
    {
      std::unique_lock lock(shared->mu);
      std::optional<MonoTime> wake;
      for (const auto& s : states) {
        if (!s.finished && !s.in_flight && (!wake || s.next_due < *wake)) {
          wake = s.next_due;
        }
      }
      const bool was_stopping = shared->stop;
      auto ready = [&] { return !shared->completions.empty() || shared->stop != was_stopping; };
      if (shared->stop && (!wake || drain_deadline < *wake)) {
        wake = drain_deadline;
      }
      if (wake) {
        const auto remaining = *wake - clock.Monotonic();
        if (remaining > Duration::zero()) {
          shared->cv.wait_for(lock, remaining, ready);
        }
      } else {
        shared->cv.wait(lock, ready);
      }
      done.swap(shared->completions);
    }
    // Answers are picked up as soon as they arrive (the callback wakes this thread), so the time
    // they are read is their completion time; the callback itself never reads the clock.
    const MonoTime finished = clock.Monotonic();
    for (auto& c : done) {
      State& s = states[c.target];
      s.in_flight = false;
      const double seconds = ToSeconds(finished - s.started);
      const neo4j::HttpResult* answer = c.result.ok() ? &c.result.value() : nullptr;
      const bool ok = answer != nullptr && answer->status / 100 == 2;
      {
        std::lock_guard lock(metrics_mu);
        stats[c.target].last_latency_seconds = seconds;
        (ok ? stats[c.target].sent : stats[c.target].errors) += alerts;
      }
      if (ok) {
        s.finished = true;
        accepted = true;
        continue;
      }
      const bool retriable =
          answer == nullptr || answer->status == 429 || answer->status / 100 != 4;
      const bool again = retriable && s.attempts < options.max_attempts;
      std::string why = answer != nullptr ? "status=" + std::to_string(answer->status)
                                          : "err=" + LogQuote(c.result.error().ToString());
      if (again) {
        const auto delay = Backoff(s.attempts, answer);
        s.next_due = finished + delay;
        logger->warn(
            "msg=\"error sending alerts to Alertmanager, will retry\" alertmanager={} "
            "count={} {} attempt={} max_attempts={} retry_in_seconds={:.3f} "
            "duration_seconds={:.3f}",
            labels[c.target], count, why, s.attempts, options.max_attempts, ToSeconds(delay),
            seconds);
      } else {
        s.finished = true;
        logger->error(
            "msg=\"error sending alerts to Alertmanager\" alertmanager={} count={} {} "
            "attempt={} max_attempts={} retriable={} duration_seconds={:.3f}",
            labels[c.target], count, why, s.attempts, options.max_attempts, retriable, seconds);
      }
      if (answer != nullptr && !answer->body.empty()) {
        logger->debug("msg=\"Alertmanager error answer\" alertmanager={} body={}", labels[c.target],
                      LogQuote(Truncated(answer->body, kLoggedBodyBytes)));
      }
    }
  }
  return accepted;
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
  impl_->logger->info("msg=\"notifier started\" alertmanagers={} queue_capacity={} max_batch={}",
                      impl_->labels.size(), impl_->options.queue_capacity,
                      impl_->options.max_batch);
  impl_->thread = std::thread([this] { impl_->Run(); });
}

void Notifier::Stop() {
  if (impl_ == nullptr || impl_->stopped) {
    return;
  }
  impl_->stopped = true;
  impl_->accepting.store(false);
  {
    std::lock_guard lock(impl_->shared->mu);
    impl_->shared->stop = true;
    impl_->shared->drain_deadline = impl_->clock.Monotonic() + impl_->options.drain_timeout;
  }
  impl_->shared->cv.notify_all();
  if (impl_->thread.joinable()) {
    impl_->thread.join();
  }
  // Alerts queued but never sent (not started, or sent by a racing Send()) are dropped.
  if (std::size_t left = impl_->DropQueued(); left > 0) {
    impl_->logger->warn("msg=\"notifier stopped with queued alerts, dropping them\" count={}",
                        left);
  }
  if (impl_->started) {
    impl_->logger->info("msg=\"notifier stopped\"");
  }
}

void Notifier::Send(std::vector<NotifyAlert> alerts) { impl_->Enqueue(std::move(alerts)); }

exporter::MetricSet Notifier::Metrics() const {
  exporter::MetricSetBuilder b;
  b.Gauge("neo4j_agent_alertmanagers",
          "Number of Alertmanagers the agent sends its alerts to (configured).")
      .Add({}, static_cast<double>(impl_->labels.size()));
  b.Gauge("neo4j_agent_notification_queue_capacity",
          "Capacity of the queue of alerts waiting to be sent to Alertmanager; when it is full "
          "the oldest alerts are dropped.")
      .Add({}, static_cast<double>(impl_->options.queue_capacity));
  const std::int64_t queued = std::clamp<std::int64_t>(
      impl_->queued.load(), 0, static_cast<std::int64_t>(impl_->options.queue_capacity));
  b.Gauge("neo4j_agent_notification_queue_length",
          "Number of alerts waiting in the queue to be sent to Alertmanager.")
      .Add({}, static_cast<double>(queued));

  std::lock_guard lock(impl_->metrics_mu);
  b.Counter("neo4j_agent_notifications_dropped_total",
            "Total number of alerts dropped without reaching any Alertmanager: the queue was "
            "full, no Alertmanager accepted their batch after all retries, or the agent was "
            "stopping.")
      .Add({}, impl_->dropped);
  if (!impl_->labels.empty()) {
    auto sent = b.Counter("neo4j_agent_notifications_sent_total",
                          "Total number of alerts that an Alertmanager accepted (2xx answer).");
    auto errors = b.Counter(
        "neo4j_agent_notifications_errors_total",
        "Total number of alerts in send attempts to an Alertmanager that failed (transport "
        "error or non-2xx answer); every failed attempt of a batch counts its alerts again.");
    for (std::size_t i = 0; i < impl_->labels.size(); ++i) {
      const exporter::Labels l{{"alertmanager", impl_->labels[i]}};
      sent.Add(l, impl_->stats[i].sent);
      errors.Add(l, impl_->stats[i].errors);
    }
    bool any_latency = false;
    for (const auto& s : impl_->stats) {
      any_latency = any_latency || s.last_latency_seconds.has_value();
    }
    if (any_latency) {
      auto latency =
          b.Gauge("neo4j_agent_notification_latency_seconds",
                  "Duration of the latest completed attempt to send a batch of alerts to an "
                  "Alertmanager, successful or not.");
      for (std::size_t i = 0; i < impl_->labels.size(); ++i) {
        if (impl_->stats[i].last_latency_seconds) {
          latency.Add({{"alertmanager", impl_->labels[i]}}, *impl_->stats[i].last_latency_seconds);
        }
      }
    }
  }
  return std::move(b).Build();
}

bool Notifier::WaitUntilIdle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->shared->mu);
  return impl_->shared->idle_cv.wait_for(lock, timeout, [this] {
    return !impl_->shared->busy && !impl_->shared->more && impl_->queued.load() <= 0;
  });
}

std::vector<std::string> Notifier::AlertmanagerLabels() const { return impl_->labels; }

}  // namespace nca::alerts
