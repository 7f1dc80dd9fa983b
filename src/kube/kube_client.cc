#include "kube/kube_client.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>
#include <utility>

#include "common/strings.h"

namespace nca::kube {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// How much longer than a request's own timeout its result may take to reach the caller.
constexpr milliseconds kCompletionGrace{1000};

// Retry-After in seconds (the delta-seconds form only; dates are ignored).
std::optional<int> ParseRetryAfter(const std::string& value) {
  if (value.empty() || value.size() > 6 ||
      !std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return std::nullopt;
  }
  return std::stoi(value);
}

Error HttpError(ErrorKind kind, int status, const std::string& what, const std::string& body) {
  std::string msg = what + ": HTTP " + std::to_string(status);
  std::string status_message = StatusMessage(body);
  if (!status_message.empty()) {
    msg += ": " + status_message;
  }
  Error e = MakeError(kind, std::move(msg));
  e.http_status = status;
  return e;
}

}  // namespace

std::string UrlEncode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

Error ForbiddenError(const std::string& verb, const std::string& api_group,
                     const std::string& resource, const std::string& namespace_name,
                     const std::string& status_body) {
  std::string msg = "forbidden: the service account needs \"" + verb + "\" on \"" + resource + "\"";
  msg += namespace_name.empty() ? " cluster-wide" : " in namespace \"" + namespace_name + "\"";
  msg += " (ClusterRole rule: apiGroups [\"" + api_group + "\"], resources [\"" + resource +
         "\"], verbs [\"" + verb + "\"])";
  std::string status_message = StatusMessage(status_body);
  if (!status_message.empty()) {
    msg += ": " + status_message;
  }
  Error e = MakeError(ErrorKind::kForbidden, std::move(msg));
  e.http_status = 403;
  return e;
}

Sleeper RealSleeper() {
  return [](Duration d) { std::this_thread::sleep_for(d); };
}

TokenSource::TokenSource(std::string path, const Clock& clock, Duration refresh)
    : path_(std::move(path)), clock_(clock), refresh_(refresh) {}

Result<std::string> TokenSource::Get() {
  std::lock_guard lock(mu_);
  MonoTime now = clock_.Monotonic();
  if (!read_at_.has_value() || now - *read_at_ >= refresh_) {
    std::ifstream in(path_);
    std::stringstream ss;
    if (in.good()) {
      ss << in.rdbuf();
    }
    std::string fresh = std::string(TrimSpace(ss.str()));
    if (!fresh.empty()) {
      token_ = std::move(fresh);
      read_at_ = now;
    } else if (!token_.empty()) {
      read_at_ = now;  // keep the previous token; try again after the next refresh interval
      GetLogger("kube.token")
          ->warn("msg=\"cannot re-read token file, keeping previous token\" file={}",
                 LogQuote(path_));
    }
  }
  if (token_.empty()) {
    return MakeError(ErrorKind::kUnauthorized,
                     "bearer token file " + path_ + " is missing, unreadable or empty");
  }
  return token_;
}

void TokenSource::Invalidate() {
  std::lock_guard lock(mu_);
  read_at_.reset();
}

KubeClient::KubeClient(KubeConfig config, neo4j::HttpEngine& engine, const Clock& clock,
                       Sleeper sleeper, ClientOptions options)
    : config_(std::move(config)),
      engine_(engine),
      clock_(clock),
      sleeper_(std::move(sleeper)),
      options_(options),
      token_(config_.token_file, clock, options.token_refresh),
      logger_(GetLogger("kube.client")) {}

Result<neo4j::HttpResult> KubeClient::Request(const std::string& path_and_query,
                                              const Access& access, MonoTime deadline) {
  const std::string what = "GET " + path_and_query;
  bool reauthenticated = false;
  int attempt = 0;
  Error last = MakeError(ErrorKind::kTimeout, what + ": deadline exceeded before the first try");
  while (true) {
    MonoTime now = clock_.Monotonic();
    if (now >= deadline) {
      Error e = last;
      e.kind = ErrorKind::kTimeout;
      e.message = what + ": deadline exceeded (last error: " + last.message + ")";
      return e;
    }
    ++attempt;
    neo4j::HttpRequestSpec spec;
    spec.url = config_.api_url + path_and_query;
    spec.headers.push_back("Accept: application/json");
    if (!config_.token_file.empty()) {
      auto token = token_.Get();
      if (!token) {
        return token.error();
      }
      spec.headers.push_back("Authorization: Bearer " + *token);
    }
    auto remaining = duration_cast<milliseconds>(deadline - now);
    spec.connect_timeout = std::max(milliseconds(1), std::min(options_.connect_timeout, remaining));
    spec.total_timeout = std::max(milliseconds(1), std::min(options_.request_timeout, remaining));
    spec.max_response_bytes = options_.max_response_bytes;
    spec.tls.ca_file = config_.ca_file;
    spec.tls.insecure_skip_verify = config_.insecure_skip_verify;

    // The transfer ends by its own timeout, but its result reaches us through the engine's one
    // completion thread, which another request's callback may hold (a large answer being
    // parsed): the wait is bounded as well, and the request fails rather than stalls the caller.
    const milliseconds wait = spec.total_timeout + kCompletionGrace;
    std::future<Result<neo4j::HttpResult>> pending = engine_.Fetch(std::move(spec));
    if (pending.wait_for(wait) != std::future_status::ready) {
      return MakeError(ErrorKind::kTimeout,
                       what + ": no result within " + std::to_string(wait.count()) +
                           " ms (the HTTP engine's completion thread is busy)");
    }
    Result<neo4j::HttpResult> r = pending.get();
    std::optional<int> retry_after;
    if (r.ok()) {
      int status = r->status;
      if (status >= 200 && status < 300) {
        return r;
      }
      if (status == 401) {
        if (!reauthenticated && !config_.token_file.empty()) {
          // The token may have been rotated since we last read it: re-read and repeat once.
          reauthenticated = true;
          token_.Invalidate();
          --attempt;
          logger_->info("msg=\"API server answered 401, re-reading token\" request={}",
                        LogQuote(what));
          continue;
        }
        return HttpError(ErrorKind::kUnauthorized, status, what, r->body);
      }
      if (status == 403) {
        return ForbiddenError(access.verb, access.api_group, access.resource, access.namespace_name,
                              r->body);
      }
      if (status == 404) {
        return HttpError(ErrorKind::kNotFound, status, what, r->body);
      }
      if (status == 429 || status >= 500) {
        ErrorKind kind = status == 429   ? ErrorKind::kRateLimited
                         : status == 503 ? ErrorKind::kUnavailable
                                         : ErrorKind::kServerError;
        last = HttpError(kind, status, what, r->body);
        retry_after = ParseRetryAfter(r->retry_after);
        last.retry_after_seconds = retry_after;
      } else {
        return HttpError(ErrorKind::kHttpStatus, status, what, r->body);  // incl. 410 Gone
      }
    } else {
      ErrorKind kind = r.error().kind;
      if (kind == ErrorKind::kInvalidArgument || kind == ErrorKind::kTls ||
          kind == ErrorKind::kTooLarge || kind == ErrorKind::kInternal) {
        return r.error();  // not transient
      }
      last = r.error();
    }
    if (attempt >= options_.max_attempts) {
      last.message += " (gave up after " + std::to_string(attempt) + " attempts)";
      return last;
    }
    Duration backoff = options_.initial_backoff;
    for (int i = 1; i < attempt && backoff < options_.max_backoff; ++i) {
      backoff *= 2;
    }
    if (retry_after.has_value()) {
      backoff = std::max<Duration>(backoff, std::chrono::seconds(*retry_after));
    }
    backoff = std::min<Duration>(backoff, options_.max_backoff);
    if (clock_.Monotonic() + backoff >= deadline) {
      // The failure is what the API answered (refused, 503, ...), not a timeout of ours: its
      // kind stays, so that a refused API server reads connection_refused in logs and metrics.
      last.message += " (no time left to retry before the deadline, after " +
                      std::to_string(attempt) + (attempt == 1 ? " attempt)" : " attempts)");
      return last;
    }
    logger_->debug(
        "msg=\"retrying Kubernetes API request\" request={} attempt={} backoff_ms={} "
        "reason={}",
        LogQuote(what), attempt, duration_cast<milliseconds>(backoff).count(),
        ErrorKindName(last.kind));
    sleeper_(backoff);
  }
}

Status KubeClient::ListPages(
    const std::string& path, const std::string& label_selector, const std::string& field_selector,
    const Access& access, MonoTime deadline,
    const std::function<Result<std::string>(const std::string& body)>& consume_page,
    const std::function<void()>& reset) {
  bool restarted = false;
  std::string cont;
  int pages = 0;
  while (true) {
    std::string query = "?limit=" + std::to_string(options_.page_size);
    if (!label_selector.empty()) {
      query += "&labelSelector=" + UrlEncode(label_selector);
    }
    if (!field_selector.empty()) {
      query += "&fieldSelector=" + UrlEncode(field_selector);
    }
    if (!cont.empty()) {
      query += "&continue=" + UrlEncode(cont);
    }
    auto r = Request(path + query, access, deadline);
    if (!r) {
      if (r.error().http_status == 410 && !cont.empty() && !restarted) {
        // The continue token expired (etcd compaction): start the list again, once.
        logger_->info("msg=\"list continue token expired, restarting list\" path={}",
                      LogQuote(path));
        restarted = true;
        cont.clear();
        pages = 0;
        reset();
        continue;
      }
      return r.error();
    }
    auto next = consume_page(r->body);
    if (!next) {
      return next.error();
    }
    if (next->empty()) {
      return OkStatus();
    }
    if (++pages >= options_.max_pages) {
      return MakeError(ErrorKind::kMalformed, "GET " + path + ": list did not end after " +
                                                  std::to_string(pages) + " pages");
    }
    cont = std::move(*next);
  }
}

Result<std::vector<Pod>> KubeClient::ListPods(const std::string& namespace_name,
                                              const std::string& label_selector,
                                              const std::string& field_selector,
                                              MonoTime deadline) {
  std::string path = namespace_name.empty()
                         ? "/api/v1/pods"
                         : "/api/v1/namespaces/" + UrlEncode(namespace_name) + "/pods";
  std::vector<Pod> pods;
  auto st = ListPages(
      path, label_selector, field_selector, Access{"list", "", "pods", namespace_name}, deadline,
      [&pods](const std::string& body) -> Result<std::string> {
        auto page = ParsePodList(body);
        if (!page) {
          return page.error();
        }
        for (auto& p : page->items) {
          pods.push_back(std::move(p));
        }
        return std::move(page->continue_token);
      },
      [&pods] { pods.clear(); });
  if (!st) {
    return st.error();
  }
  return pods;
}

Result<std::vector<Node>> KubeClient::ListNodes(const std::string& label_selector,
                                                MonoTime deadline) {
  std::vector<Node> nodes;
  auto st = ListPages(
      "/api/v1/nodes", label_selector, "", Access{"list", "", "nodes", ""}, deadline,
      [&nodes](const std::string& body) -> Result<std::string> {
        auto page = ParseNodeList(body);
        if (!page) {
          return page.error();
        }
        for (auto& n : page->items) {
          nodes.push_back(std::move(n));
        }
        return std::move(page->continue_token);
      },
      [&nodes] { nodes.clear(); });
  if (!st) {
    return st.error();
  }
  return nodes;
}

Result<std::string> KubeClient::GetCustomObject(const std::string& group,
                                                const std::string& version,
                                                const std::string& namespace_name,
                                                const std::string& plural, const std::string& name,
                                                MonoTime deadline) {
  std::string path = "/apis/" + UrlEncode(group) + "/" + UrlEncode(version);
  if (!namespace_name.empty()) {
    path += "/namespaces/" + UrlEncode(namespace_name);
  }
  // Appends (GCC 12's -Wrestrict misfires on "/" + std::string at -O3).
  path += '/';
  path += UrlEncode(plural);
  path += '/';
  path += UrlEncode(name);
  auto r = Request(path, Access{"get", group, plural, namespace_name}, deadline);
  if (!r) {
    return r.error();
  }
  return std::move(r->body);
}

Result<std::string> KubeClient::ListCustomObjects(const std::string& group,
                                                  const std::string& version,
                                                  const std::string& namespace_name,
                                                  const std::string& plural, MonoTime deadline) {
  std::string path = "/apis/" + UrlEncode(group) + "/" + UrlEncode(version);
  if (!namespace_name.empty()) {
    path += "/namespaces/" + UrlEncode(namespace_name);
  }
  path += '/';  // (appends: GCC 12's -Wrestrict misfires on "/" + std::string at -O3)
  path += UrlEncode(plural);
  std::vector<std::string> items;
  auto st = ListPages(
      path, "", "", Access{"list", group, plural, namespace_name}, deadline,
      [&items](const std::string& body) -> Result<std::string> {
        auto page = ParseRawList(body);
        if (!page) {
          return page.error();
        }
        for (auto& i : page->items) {
          items.push_back(std::move(i));
        }
        return std::move(page->continue_token);
      },
      [&items] { items.clear(); });
  if (!st) {
    return st.error();
  }
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) {
      out += ",";
    }
    out += items[i];
  }
  out += "]";
  return out;
}

}  // namespace nca::kube
