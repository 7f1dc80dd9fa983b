// KubeClient: a minimal, synchronous Kubernetes API client over neo4j::HttpEngine (libcurl).
// Lists pods and nodes (parsed into kube/objects.h), and gets/lists custom objects as raw JSON.
//
// Behaviour shared by every call:
//  * Lists are paginated (`limit` = ClientOptions::page_size, then `continue`); a 410 Gone on a
//    continued page restarts the whole list once.
//  * 5xx, 429 and transport errors are retried with exponential back-off (initial_backoff,
//    doubling, capped at max_backoff; a Retry-After header is honoured up to max_backoff), at
//    most max_attempts attempts per request, and never past the caller's deadline.
//  * 401 forces the token to be re-read from its file and the request to be repeated once.
//  * 403 becomes kForbidden whose message names the missing RBAC rule and carries the API
//    server's Status message.
//  * Selectors and path segments are percent-encoded.
// The bearer token is never logged and never appears in an Error.
//
// Thread-safety: TokenSource and KubeClient are thread-safe; calls block the calling thread (use
// collector threads) and must not be made from an HttpEngine completion callback.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/logging.h"
#include "common/result.h"
#include "kube/kube_config.h"
#include "kube/objects.h"
#include "neo4j/http_engine.h"

namespace nca::kube {

// Reads a bearer token from a file and re-reads it when older than `refresh` or after
// Invalidate() (projected service-account tokens are rotated by the kubelet). When a re-read
// fails, the previous token keeps being used. Thread-safe.
class TokenSource {
 public:
  TokenSource(std::string path, const Clock& clock, Duration refresh);

  // The current token (surrounding whitespace removed), or kUnauthorized when the file has never
  // been readable or is empty.
  Result<std::string> Get();
  // Forces a re-read on the next Get().
  void Invalidate();

 private:
  const std::string path_;
  const Clock& clock_;
  const Duration refresh_;
  std::mutex mu_;
  std::string token_;                // guarded by mu_
  std::optional<MonoTime> read_at_;  // guarded by mu_; nullopt = read on next Get
};

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{10000};  // per HTTP request, also bounded by deadline
  int page_size = 500;
  int max_attempts = 4;  // per request, including the first
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{5000};
  std::chrono::seconds token_refresh{60};
  std::size_t max_response_bytes = 32u << 20;
  int max_pages = 1000;  // guard against a server that never ends a list
};

// Blocks the calling thread for `d` (tests inject one that records and advances a ManualClock).
using Sleeper = std::function<void(Duration d)>;
Sleeper RealSleeper();

class KubeClient {
 public:
  // `engine` and `clock` must outlive the client.
  KubeClient(KubeConfig config, neo4j::HttpEngine& engine, const Clock& clock, Sleeper sleeper,
             ClientOptions options = {});

  // GET /api/v1/namespaces/{ns}/pods (all namespaces when `namespace_name` is "").
  Result<std::vector<Pod>> ListPods(const std::string& namespace_name,
                                    const std::string& label_selector,
                                    const std::string& field_selector, MonoTime deadline);
  // GET /api/v1/nodes.
  Result<std::vector<Node>> ListNodes(const std::string& label_selector, MonoTime deadline);

  // GET /apis/{group}/{version}/namespaces/{ns}/{plural}/{name}: the object's JSON text.
  Result<std::string> GetCustomObject(const std::string& group, const std::string& version,
                                      const std::string& namespace_name, const std::string& plural,
                                      const std::string& name, MonoTime deadline);
  // GET /apis/{group}/{version}[/namespaces/{ns}]/{plural}, every page: a JSON array of the items.
  Result<std::string> ListCustomObjects(const std::string& group, const std::string& version,
                                        const std::string& namespace_name,
                                        const std::string& plural, MonoTime deadline);

  const KubeConfig& config() const { return config_; }

 private:
  // What a request is for, to explain a 403.
  struct Access {
    std::string verb;            // "list", "get"
    std::string api_group;       // "" for core
    std::string resource;        // "pods"
    std::string namespace_name;  // "" = cluster-wide / cluster-scoped
  };
  Result<neo4j::HttpResult> Request(const std::string& path_and_query, const Access& access,
                                    MonoTime deadline);
  // Fetches every page of a list. `consume_page` parses one page body, keeps its items and
  // returns its continue token; `reset` drops the items kept so far (410 Gone restart).
  Status ListPages(const std::string& path, const std::string& label_selector,
                   const std::string& field_selector, const Access& access, MonoTime deadline,
                   const std::function<Result<std::string>(const std::string& body)>& consume_page,
                   const std::function<void()>& reset);

  const KubeConfig config_;
  neo4j::HttpEngine& engine_;
  const Clock& clock_;
  const Sleeper sleeper_;
  const ClientOptions options_;
  TokenSource token_;
  std::shared_ptr<spdlog::logger> logger_;
};

// Percent-encodes everything except RFC 3986 unreserved characters.
std::string UrlEncode(const std::string& s);

// The kForbidden error for a 403 answer (exposed for tests): names the verb, resource and scope
// and the ClusterRole rule that grants it, followed by the API server's Status message.
Error ForbiddenError(const std::string& verb, const std::string& api_group,
                     const std::string& resource, const std::string& namespace_name,
                     const std::string& status_body);

}  // namespace nca::kube
