// KubeApi: an emulation of the few Kubernetes API endpoints the agent uses, served over plain
// HTTP on loopback. The simulator serves the simulated placement through it (one node per member
// plus spare nodes, one pod per member, the Neo4jEnterpriseCluster manifests as custom objects);
// the kube client's unit tests use it with hand-made objects.
//
// Served (GET only): /api/v1/nodes[/{name}], /api/v1/pods, /api/v1/namespaces/{ns}/pods[/{name}]
// and custom objects /apis/{group}/{version}[/namespaces/{ns}]/{plural}[/{name}], with
//   - labelSelector: a=b, a==b, a!=b, a, !a; a comma means AND;
//   - fieldSelector: metadata.name, metadata.namespace (pods and custom objects), spec.nodeName,
//     status.phase (pods) with =, ==, !=; other fields are a 400 as on a real API server;
//   - limit/continue pagination (continue tokens "offset-<n>", remainingItemCount);
//   - errors as Kubernetes `Status` bodies (404 NotFound, 405 MethodNotAllowed, 400 BadRequest,
//     401 Unauthorized, 410 Expired, and injected ones).
// Failures can be injected (a status N times or forever, 401 unless the expected bearer token is
// presented, 410 on the next requests that carry a continue token) and every request is
// recorded.
//
// Objects come from two places: objects added with Add*() and, when a source callback is set,
// whatever it returns at each request (the simulator derives nodes and pods from its model).
//
// Thread-safety: every method but Start/Stop/Listening is thread-safe (those from the owning
// thread, or serialised by the owner: the Simulator restarts it under its server lock);
// requests are handled on civetweb worker threads. The source callback is called on those
// threads without any KubeApi lock held. The free functions are pure and thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "kube/objects.h"
#include "net/http_server.h"
#include "sim/model.h"

namespace nca::sim {

// One request as the emulated API server received it.
struct KubeRequestRecord {
  std::string method;
  std::string path;
  std::string query;                          // raw
  std::map<std::string, std::string> params;  // decoded query parameters
  std::string authorization;                  // Authorization header value
};

struct KubeNodeObject {
  kube::Node node;
  bool ready = true;  // status.conditions Ready True / False (False adds a not-ready taint)
};

struct KubePodObject {
  kube::Pod pod;  // pod_ip -> status.podIP, container_ports -> spec.containers[0].ports
  std::string image = "neo4j:5";
};

struct KubeCustomObject {
  std::string group;
  std::string version;
  std::string namespace_name;  // "" for a cluster-scoped object
  std::string plural;
  std::string name;
  std::string json;  // the whole object
};

struct KubeObjects {
  std::vector<KubeNodeObject> nodes;
  std::vector<KubePodObject> pods;
  std::vector<KubeCustomObject> custom;
};

// One selector requirement.
struct SelectorRequirement {
  enum class Op { kEquals, kNotEquals, kExists, kNotExists };
  std::string key;
  Op op = Op::kEquals;
  std::string value;
};

// "a=b,c!=d,e,!f" -> requirements. Empty keys -> kInvalidArgument.
Result<std::vector<SelectorRequirement>> ParseLabelSelector(std::string_view selector);
// "spec.nodeName=n1,status.phase!=Failed": only =, == and != (existence tests are errors).
Result<std::vector<SelectorRequirement>> ParseFieldSelector(std::string_view selector);
// Every requirement holds for `values` (a != requirement holds for a missing key).
bool SelectorMatches(const std::vector<SelectorRequirement>& requirements,
                     const std::map<std::string, std::string>& values);

// JSON of the served objects (the fields kube::ParseNodeList / ParsePodList read, plus a few
// realistic ones: uid, status.conditions, hostIP, container name and image).
nlohmann::json NodeToJson(const KubeNodeObject& node);
nlohmann::json PodToJson(const KubePodObject& pod);
// A Kubernetes Status body ({"kind":"Status","status":"Failure","reason",...,"code"}).
nlohmann::json KubeStatusBody(int code, std::string_view message);

// Pure routing: the API server's answer to `request` over `objects` (selectors, pagination,
// Status errors). Token checks and injected failures are KubeApi's business.
net::HttpResponse ServeKubeRequest(const KubeObjects& objects, const KubeRequestRecord& request);

// The simulated placement as Kubernetes objects: per cluster its nodes (labels
// topology.kubernetes.io/zone, topology.kubernetes.io/region, kubernetes.io/hostname,
// kubernetes.io/arch=amd64, node-type=database; Ready unless its zone or region is down) and one
// pod per member (namespace = the cluster's namespace; labels by the cluster's
// kubernetes_labels: operator app.kubernetes.io/{name=neo4j,instance=<cluster>,
// component=database}, neo4j.com/cluster, neo4j.com/clustering=true,
// neo4j.com/role=primary|secondary; helm app=<cluster>, helm.neo4j.com/neo4j.name=<cluster>,
// helm.neo4j.com/clustering=true (4.4: helm.neo4j.com/dbms.mode=CORE|READ_REPLICA instead);
// spec.nodeName = its node; container ports
// "http" and "bolt" = the member's real ports; podIP 127.0.0.1; phase Running, Unknown while its
// node is not ready). Pure.
KubeObjects KubeObjectsFromModel(const Model& model);

class KubeApi {
 public:
  using Source = std::function<KubeObjects()>;

  // `listen_address`: host:port (port 0: any free port). `source` may be empty.
  explicit KubeApi(std::string listen_address = "127.0.0.1:0", Source source = {});
  ~KubeApi();
  KubeApi(const KubeApi&) = delete;
  KubeApi& operator=(const KubeApi&) = delete;

  // Binds and serves. After Stop(), Start() listens again on the port it bound first (the API
  // server coming back: clients keep their URL).
  Status Start();
  void Stop();  // idempotent; connections are refused until the next Start()
  bool Listening() const { return server_ != nullptr && server_->Running(); }
  int Port() const { return port_.load(); }  // the bound port, kept while stopped
  std::string BaseUrl() const;               // "http://127.0.0.1:<port>"

  void AddNode(kube::Node node, bool ready = true);
  void AddPod(kube::Pod pod, std::string image = "neo4j:5");
  // A custom object (JSON text of the whole object); "" namespace: cluster-scoped.
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

  std::vector<KubeRequestRecord> Requests() const;
  void ClearRequests();

 private:
  void Handle(const net::HttpRequest& req, net::HttpExchange& ex);
  // Token check and injected failures; nullopt: serve normally.
  std::optional<net::HttpResponse> Intercept(const KubeRequestRecord& req);

  const std::string listen_address_;
  const Source source_;
  mutable std::mutex mu_;
  KubeObjects objects_;                      // guarded by mu_
  std::string token_;                        // guarded by mu_
  int fail_status_ = 0;                      // guarded by mu_
  int fail_times_ = 0;                       // guarded by mu_
  std::string fail_message_;                 // guarded by mu_
  std::string fail_retry_after_;             // guarded by mu_
  int expire_continue_ = 0;                  // guarded by mu_
  std::vector<KubeRequestRecord> requests_;  // guarded by mu_
  std::atomic<int> port_{0};                 // the first bound port
  std::unique_ptr<net::HttpServer> server_;  // touched by Start/Stop only
};

}  // namespace nca::sim
