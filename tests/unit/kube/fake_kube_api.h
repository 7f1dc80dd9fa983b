// FakeKubeApi: an in-process emulation of the few Kubernetes API endpoints the agent uses, served
// over plain HTTP on 127.0.0.1 (port chosen at run time), for unit tests of kube::KubeClient.
//
// Serves GET /api/v1/nodes, /api/v1/pods, /api/v1/namespaces/{ns}/pods and custom objects under
// /apis/{group}/{version}[/namespaces/{ns}]/{plural}[/{name}], with labelSelector (a=b, a==b,
// a!=b, a, !a; comma = AND) and fieldSelector (metadata.name, metadata.namespace, spec.nodeName,
// status.phase with = / == / !=) filtering and limit/continue pagination. Failures can be injected
// (a status N times or forever, 401 unless the expected token is presented, 410 on the next
// continued request) and every request is recorded.
//
// Thread-safety: every method is thread-safe; the handler runs on civetweb worker threads.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "kube/objects.h"
#include "net/http_server.h"

namespace nca::kube::testing {

struct RecordedRequest {
  std::string method;
  std::string path;
  std::string query;                           // raw
  std::map<std::string, std::string> params;   // decoded query parameters
  std::string authorization;                   // Authorization header value
};

class FakeKubeApi {
 public:
  FakeKubeApi();
  ~FakeKubeApi();
  FakeKubeApi(const FakeKubeApi&) = delete;
  FakeKubeApi& operator=(const FakeKubeApi&) = delete;

  Status Start();
  std::string BaseUrl() const;  // "http://127.0.0.1:<port>"

  void AddNode(Node node);
  void AddPod(Pod pod);
  // A custom object (JSON text of the whole object; metadata.name/namespace are taken from args).
  void AddCustomObject(const std::string& group, const std::string& version,
                       const std::string& namespace_name, const std::string& plural,
                       const std::string& name, const std::string& json);

  // Requests must carry "Authorization: Bearer <token>" (else 401 with a Status body).
  // "" disables the check.
  void RequireToken(const std::string& token);
  // The next `times` requests (-1 = all) answer `status` with a Status body carrying `message`
  // and, when non-empty, a Retry-After header.
  void FailNext(int status, int times, const std::string& message,
                const std::string& retry_after = "");
  // The next `times` requests that carry a continue token get 410 Gone.
  void ExpireContinue(int times = 1);

  std::vector<RecordedRequest> Requests() const;
  void ClearRequests();

 private:
  void Handle(const net::HttpRequest& req, net::HttpExchange& ex);
  net::HttpResponse Route(const RecordedRequest& req);

  mutable std::mutex mu_;
  std::vector<Node> nodes_;                       // guarded by mu_
  std::vector<Pod> pods_;                         // guarded by mu_
  // key: "/apis/g/v/namespaces/ns/plural" (or without namespaces/ns) -> name -> json
  std::map<std::string, std::map<std::string, std::string>> custom_;  // guarded by mu_
  std::string token_;                             // guarded by mu_
  int fail_status_ = 0;                           // guarded by mu_
  int fail_times_ = 0;                            // guarded by mu_
  std::string fail_message_;                      // guarded by mu_
  std::string fail_retry_after_;                  // guarded by mu_
  int expire_continue_ = 0;                       // guarded by mu_
  std::vector<RecordedRequest> requests_;         // guarded by mu_
  net::HttpServer server_;
};

// Percent-decodes a query component ('+' stays '+', as Kubernetes does not use form encoding).
std::string PercentDecode(const std::string& s);

}  // namespace nca::kube::testing
