// Notifier: delivers alerts to Alertmanager the way Prometheus 2.42 does (notifier/notifier.go):
// every alert goes, as part of a JSON array, to every configured Alertmanager with
// `POST <base>/api/v2/alerts`; a bounded queue drops its oldest alerts when full; batches hold at
// most `max_batch` alerts. External labels are added to an alert unless it already has that
// label with a non-empty value.
//
// Unlike Prometheus 2.42, whose single queue sends each batch to all Alertmanagers and waits for
// all of them, every Alertmanager is independent: it has its own queue (of `queue_capacity`
// alerts) and its own sending thread, and Send() puts each alert in every Alertmanager's queue. A
// failing, slow or hung Alertmanager only holds up (and, when its queue overflows, drops from) its
// own queue; the others keep delivering at their own pace. An alert is delivered when at least one
// Alertmanager accepted it (2xx); it is dropped (neo4j_agent_notifications_dropped_total) when
// every Alertmanager gave it up. Each Alertmanager's give-ups are counted per Alertmanager
// (neo4j_agent_notifications_abandoned_total{alertmanager}). The alerts are shared by the queues,
// not copied per Alertmanager; batches may group alerts differently per Alertmanager, but each
// Alertmanager gets them in the order they were sent.
//
// Additions to Prometheus' behaviour:
// - Retries: a failed send (transport error or non-2xx answer) to one Alertmanager is retried up
//   to `max_attempts` times in all, `backoff_initial` doubling up to `backoff_max` between
//   attempts (a 429's Retry-After is honoured up to `backoff_max`). A 4xx answer other than 429
//   is not retried: the Alertmanager rejected the alerts themselves. While an Alertmanager
//   retries a batch, its next batches wait in its own queue only. A batch it did not accept
//   after all its attempts is given up for that Alertmanager.
// - Stop() drains every queue in parallel like Prometheus does on shutdown, but only until
//   `drain_timeout` after Stop() was called: a hung Alertmanager never holds up the agent's
//   shutdown longer. Requests still running then are abandoned (their late answers are ignored).
//
// The queues are lock-free moodycamel::ConcurrentQueues bounded by atomic counters: Send() never
// waits for the network nor for a sending thread, so it is safe to call from rule evaluation.
// With several threads calling Send() concurrently, "oldest" (for overflow) is per sending thread.
//
// Timing (back-off, drain deadline) follows the injected Clock's Monotonic(); waits happen on a
// condition variable for the clock's remaining time, so use a real clock (and small delays in
// tests): with a ManualClock a back-off wait only ends once the clock has been advanced.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "exporter/metric_set.h"
#include "neo4j/http_engine.h"

namespace nca::alerts {

// One alert as Alertmanager's API v2 expects it (models.PostableAlert).
struct NotifyAlert {
  std::map<std::string, std::string> labels;  // must include "alertname"
  std::map<std::string, std::string> annotations;
  SystemTime starts_at;
  std::optional<SystemTime> ends_at;  // omitted from the JSON when unset
  std::string generator_url;          // omitted from the JSON when empty
};

// RFC 3339 in UTC with exactly three fractional digits ("2023-11-14T22:13:20.000Z"), truncated
// to the millisecond: the form Prometheus puts on the wire (go-openapi strfmt.DateTime). Pure.
std::string FormatRfc3339(SystemTime t);

// The JSON body of `POST /api/v2/alerts`: an array with, per alert and in this order,
// "annotations" (omitted when empty), "endsAt" (omitted when unset), "startsAt", "generatorURL"
// (omitted when empty) and "labels". Strings are escaped as Go's encoding/json does (including
// <, > and & as \u003c, \u003e, \u0026; invalid UTF-8 becomes U+FFFD). Pure.
std::string EncodeAlerts(const std::vector<NotifyAlert>& alerts);

struct NotifierOptions {
  // Base URLs ("http://am:9093", or with a path prefix "http://host/am"); "/api/v2/alerts" is
  // appended. http:// or https:// only, no query or fragment.
  std::vector<std::string> alertmanager_urls;
  // Added to every alert that lacks the label (or has it with an empty value).
  std::map<std::string, std::string> external_labels;
  std::size_t queue_capacity = 10000;  // per Alertmanager
  std::size_t max_batch = 64;
  std::chrono::milliseconds timeout{10000};  // per request (connect + answer)
  int max_attempts = 3;                      // per batch and Alertmanager, first attempt included
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{5000};
  std::chrono::milliseconds drain_timeout{5000};  // how long Stop() keeps delivering
};

// Thread-safety: Start, Stop and the destructor must be called from one owning thread. Send,
// Metrics and WaitUntilIdle may be called from any thread at any time, concurrently. The notifier
// runs one sending thread per Alertmanager; each one owns its Alertmanager's batch and retries,
// and shares only that Alertmanager's queue, counters and wake-up state with the other threads.
// All state is owned by the notifier; HTTP completions only touch the per-Alertmanager wake-up
// state, shared through a shared_ptr, so requests abandoned at Stop() may complete after the
// notifier is gone. `http` and `clock` must outlive the notifier.
class Notifier {
 public:
  // `options` must pass Validate(); otherwise throws std::invalid_argument (a programming error:
  // configuration is validated before the notifier is built).
  Notifier(NotifierOptions options, neo4j::HttpEngine& http, const Clock& clock);
  ~Notifier();  // Stop()
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // A base URL as accepted in `alertmanager_urls`: http/https scheme, a host, an optional numeric
  // port, no query or fragment. The message names the URL without any userinfo part.
  static Status ValidateUrl(const std::string& url);
  // Every URL (and no URL twice), and sane sizes and durations.
  static Status Validate(const NotifierOptions& options);

  // Starts the sending threads (one per Alertmanager). Alerts sent before Start() wait in the
  // queues. Idempotent.
  void Start();
  // Stops accepting alerts, delivers what is queued (every Alertmanager in parallel) until
  // `drain_timeout` has passed, gives up (and counts) the rest, and joins the sending threads.
  // Idempotent; the notifier cannot be restarted.
  void Stop();

  // Queues alerts for delivery to every Alertmanager; never blocks on the network or on a
  // sending thread. After Stop() the alerts are dropped (and counted).
  void Send(std::vector<NotifyAlert> alerts);

  // The neo4j_agent_notification* and neo4j_agent_alertmanagers families. Cheap (scrape path).
  exporter::MetricSet Metrics() const;

  // Waits until every queue is empty and no batch is being delivered to any Alertmanager
  // (retries included); false on timeout. For tests.
  bool WaitUntilIdle(std::chrono::milliseconds timeout) const;

  // The POST URL of every Alertmanager, in configuration order, without userinfo: the values of
  // the `alertmanager` label.
  std::vector<std::string> AlertmanagerLabels() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nca::alerts
