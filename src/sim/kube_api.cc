#include "sim/kube_api.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <tuple>
#include <utility>

#include "common/logging.h"
#include "common/strings.h"
#include "sim/config.h"

namespace nca::sim {
namespace {

using nlohmann::json;
using Labels = std::map<std::string, std::string>;

constexpr char kResourceVersion[] = "12345";
constexpr char kContinuePrefix[] = "offset-";

std::vector<std::string> Split(std::string_view s, char sep, bool skip_empty) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find(sep, start);
    if (end == std::string_view::npos) {
      end = s.size();
    }
    if (end > start || !skip_empty) {
      out.emplace_back(s.substr(start, end - start));
    }
    start = end + 1;
  }
  return out;
}

std::string_view ReasonFor(int code) {
  switch (code) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 409:
      return "Conflict";
    case 410:
      return "Expired";
    case 429:
      return "TooManyRequests";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "Timeout";
    default:
      return "InternalError";
  }
}

net::HttpResponse JsonResponse(int status, const json& body) {
  net::HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump();
  return r;
}

net::HttpResponse StatusResponse(int code, std::string_view message) {
  return JsonResponse(code, KubeStatusBody(code, message));
}

// Parses one requirement; `allow_exists` for label selectors.
Result<SelectorRequirement> ParseRequirement(const std::string& part, bool allow_exists) {
  using Op = SelectorRequirement::Op;
  SelectorRequirement r;
  if (auto p = part.find("!="); p != std::string::npos) {
    r = {std::string(TrimSpace(part.substr(0, p))), Op::kNotEquals,
         std::string(TrimSpace(part.substr(p + 2)))};
  } else if (auto q = part.find("=="); q != std::string::npos) {
    r = {std::string(TrimSpace(part.substr(0, q))), Op::kEquals,
         std::string(TrimSpace(part.substr(q + 2)))};
  } else if (auto e = part.find('='); e != std::string::npos) {
    r = {std::string(TrimSpace(part.substr(0, e))), Op::kEquals,
         std::string(TrimSpace(part.substr(e + 1)))};
  } else if (!allow_exists) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "invalid field selector: '" + part + "': expected an operator");
  } else if (!part.empty() && part[0] == '!') {
    r = {std::string(TrimSpace(part.substr(1))), Op::kNotExists, ""};
  } else {
    r = {std::string(TrimSpace(part)), Op::kExists, ""};
  }
  if (r.key.empty()) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "unable to parse requirement: '" + part + "': key must not be empty");
  }
  return r;
}

Result<std::vector<SelectorRequirement>> ParseSelector(std::string_view selector,
                                                       bool allow_exists) {
  std::vector<SelectorRequirement> out;
  for (const std::string& raw : Split(selector, ',', /*skip_empty=*/false)) {
    std::string part = std::string(TrimSpace(raw));
    if (part.empty()) {
      if (std::string(TrimSpace(selector)).empty()) {
        continue;
      }
      return MakeError(ErrorKind::kInvalidArgument, "unable to parse requirement: empty term");
    }
    auto r = ParseRequirement(part, allow_exists);
    if (!r) {
      return r.error();
    }
    out.push_back(std::move(*r));
  }
  return out;
}

// Field selectors may only name the fields the resource supports.
std::optional<std::string> UnsupportedField(const std::vector<SelectorRequirement>& fields,
                                            const std::vector<std::string>& supported) {
  for (const auto& f : fields) {
    if (std::find(supported.begin(), supported.end(), f.key) == supported.end()) {
      return f.key;
    }
  }
  return std::nullopt;
}

Labels LabelsOfJson(const json& object) {
  Labels labels;
  auto md = object.find("metadata");
  if (md == object.end() || !md->is_object()) {
    return labels;
  }
  auto l = md->find("labels");
  if (l == md->end() || !l->is_object()) {
    return labels;
  }
  for (const auto& [k, v] : l->items()) {
    if (v.is_string()) {
      labels[k] = v.get<std::string>();
    }
  }
  return labels;
}

// Pagination and the list envelope.
net::HttpResponse ListResponse(std::vector<json> items, const std::string& kind,
                               const std::string& api_version, const KubeRequestRecord& req) {
  auto param = [&req](const std::string& k) {
    auto it = req.params.find(k);
    return it == req.params.end() ? std::string() : it->second;
  };
  auto number = [](const std::string& s) -> std::optional<std::size_t> {
    if (s.empty() || s.size() > 9 ||
        !std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
      return std::nullopt;
    }
    return static_cast<std::size_t>(std::stoul(s));
  };
  std::size_t offset = 0;
  if (const std::string cont = param("continue"); !cont.empty()) {
    std::optional<std::size_t> n;
    if (cont.rfind(kContinuePrefix, 0) == 0) {
      n = number(cont.substr(std::string_view(kContinuePrefix).size()));
    }
    if (!n) {
      return StatusResponse(400, "continue key is not valid: " + cont);
    }
    offset = std::min(*n, items.size());
  }
  std::size_t limit = items.size();
  if (const std::string l = param("limit"); !l.empty()) {
    auto n = number(l);
    if (!n) {
      return StatusResponse(400, "limit: invalid value \"" + l + "\"");
    }
    if (*n > 0) {
      limit = *n;
    }
  }
  json page = json::array();
  for (std::size_t i = offset; i < items.size() && i - offset < limit; ++i) {
    page.push_back(std::move(items[i]));
  }
  json metadata{{"resourceVersion", kResourceVersion}};
  if (offset + limit < items.size()) {
    metadata["continue"] = kContinuePrefix + std::to_string(offset + limit);
    metadata["remainingItemCount"] = items.size() - offset - limit;
  }
  return JsonResponse(
      200,
      json{{"kind", kind}, {"apiVersion", api_version}, {"metadata", metadata}, {"items", page}});
}

net::HttpResponse ServeNodes(const KubeObjects& objects, const KubeRequestRecord& req,
                             const std::vector<SelectorRequirement>& labels,
                             const std::vector<SelectorRequirement>& fields,
                             const std::string* name) {
  if (auto bad = UnsupportedField(fields, {"metadata.name", "spec.unschedulable"})) {
    return StatusResponse(400, "field label not supported: " + *bad);
  }
  std::vector<const KubeNodeObject*> sorted;
  for (const auto& n : objects.nodes) {
    sorted.push_back(&n);
  }
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto* a, const auto* b) { return a->node.name < b->node.name; });
  if (name != nullptr) {
    for (const auto* n : sorted) {
      if (n->node.name == *name) {
        return JsonResponse(200, NodeToJson(*n));
      }
    }
    return StatusResponse(404, "nodes \"" + *name + "\" not found");
  }
  std::vector<json> items;
  for (const auto* n : sorted) {
    const Labels f{{"metadata.name", n->node.name},
                   {"spec.unschedulable", n->node.unschedulable ? "true" : "false"}};
    if (SelectorMatches(labels, n->node.labels) && SelectorMatches(fields, f)) {
      items.push_back(NodeToJson(*n));
    }
  }
  return ListResponse(std::move(items), "NodeList", "v1", req);
}

net::HttpResponse ServePods(const KubeObjects& objects, const KubeRequestRecord& req,
                            const std::vector<SelectorRequirement>& labels,
                            const std::vector<SelectorRequirement>& fields,
                            const std::optional<std::string>& ns, const std::string* name) {
  if (auto bad = UnsupportedField(
          fields, {"metadata.name", "metadata.namespace", "spec.nodeName", "status.phase"})) {
    return StatusResponse(400, "field label not supported: " + *bad);
  }
  std::vector<const KubePodObject*> sorted;
  for (const auto& p : objects.pods) {
    if (!ns || p.pod.namespace_name == *ns) {
      sorted.push_back(&p);
    }
  }
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return std::tie(a->pod.namespace_name, a->pod.name) <
           std::tie(b->pod.namespace_name, b->pod.name);
  });
  if (name != nullptr) {
    for (const auto* p : sorted) {
      if (p->pod.name == *name) {
        return JsonResponse(200, PodToJson(*p));
      }
    }
    return StatusResponse(404, "pods \"" + *name + "\" not found");
  }
  std::vector<json> items;
  for (const auto* p : sorted) {
    const Labels f{{"metadata.name", p->pod.name},
                   {"metadata.namespace", p->pod.namespace_name},
                   {"spec.nodeName", p->pod.node_name},
                   {"status.phase", p->pod.phase}};
    if (SelectorMatches(labels, p->pod.labels) && SelectorMatches(fields, f)) {
      items.push_back(PodToJson(*p));
    }
  }
  return ListResponse(std::move(items), "PodList", "v1", req);
}

net::HttpResponse ServeCustom(const KubeObjects& objects, const KubeRequestRecord& req,
                              const std::vector<SelectorRequirement>& labels,
                              const std::vector<SelectorRequirement>& fields,
                              const std::string& group, const std::string& version,
                              const std::optional<std::string>& ns, const std::string& plural,
                              const std::string* name) {
  if (auto bad = UnsupportedField(fields, {"metadata.name", "metadata.namespace"})) {
    return StatusResponse(400, "field label not supported: " + *bad);
  }
  bool known = false;
  std::vector<const KubeCustomObject*> sorted;
  for (const auto& o : objects.custom) {
    if (o.group != group || o.version != version || o.plural != plural) {
      continue;
    }
    known = true;
    // A namespaced path selects its namespace; a path without namespace lists every namespace
    // but gets only cluster-scoped objects by name.
    if ((ns && o.namespace_name != *ns) || (!ns && name != nullptr && !o.namespace_name.empty())) {
      continue;
    }
    sorted.push_back(&o);
  }
  if (!known) {
    return StatusResponse(404, "the server could not find the requested resource");
  }
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return std::tie(a->namespace_name, a->name) < std::tie(b->namespace_name, b->name);
  });
  if (name != nullptr) {
    for (const auto* o : sorted) {
      if (o->name == *name) {
        net::HttpResponse r;
        r.content_type = "application/json";
        r.body = o->json;
        return r;
      }
    }
    return StatusResponse(404, plural + "." + group + " \"" + *name + "\" not found");
  }
  std::vector<json> items;
  std::string kind;
  for (const auto* o : sorted) {
    json obj = json::parse(o->json, nullptr, /*allow_exceptions=*/false);
    if (obj.is_discarded()) {
      continue;
    }
    const Labels f{{"metadata.name", o->name}, {"metadata.namespace", o->namespace_name}};
    if (!SelectorMatches(labels, LabelsOfJson(obj)) || !SelectorMatches(fields, f)) {
      continue;
    }
    if (kind.empty() && obj.is_object() && obj.contains("kind") && obj["kind"].is_string()) {
      kind = obj["kind"].get<std::string>() + "List";
    }
    items.push_back(std::move(obj));
  }
  return ListResponse(std::move(items), kind.empty() ? "List" : kind, group + "/" + version, req);
}

}  // namespace

Result<std::vector<SelectorRequirement>> ParseLabelSelector(std::string_view selector) {
  return ParseSelector(selector, /*allow_exists=*/true);
}

Result<std::vector<SelectorRequirement>> ParseFieldSelector(std::string_view selector) {
  return ParseSelector(selector, /*allow_exists=*/false);
}

bool SelectorMatches(const std::vector<SelectorRequirement>& requirements,
                     const std::map<std::string, std::string>& values) {
  using Op = SelectorRequirement::Op;
  for (const auto& r : requirements) {
    auto it = values.find(r.key);
    const bool has = it != values.end();
    switch (r.op) {
      case Op::kExists:
        if (!has) {
          return false;
        }
        break;
      case Op::kNotExists:
        if (has) {
          return false;
        }
        break;
      case Op::kEquals:
        if (!has || it->second != r.value) {
          return false;
        }
        break;
      case Op::kNotEquals:
        if (has && it->second == r.value) {
          return false;
        }
        break;
    }
  }
  return true;
}

json KubeStatusBody(int code, std::string_view message) {
  return json{{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
              {"status", "Failure"}, {"message", message}, {"reason", ReasonFor(code)},
              {"code", code}};
}

json NodeToJson(const KubeNodeObject& n) {
  json spec = json::object();
  if (n.node.unschedulable) {
    spec["unschedulable"] = true;
  }
  std::vector<kube::Taint> taints = n.node.taints;
  const kube::Taint not_ready{"node.kubernetes.io/not-ready", "", "NoSchedule"};
  if (!n.ready && std::find(taints.begin(), taints.end(), not_ready) == taints.end()) {
    taints.push_back(not_ready);  // what the node lifecycle controller adds
  }
  if (!taints.empty()) {
    json tj = json::array();
    for (const auto& t : taints) {
      json one{{"key", t.key}, {"effect", t.effect}};
      if (!t.value.empty()) {
        one["value"] = t.value;
      }
      tj.push_back(one);
    }
    spec["taints"] = tj;
  }
  json ready{{"type", "Ready"},
             {"status", n.ready ? "True" : "False"},
             {"reason", n.ready ? "KubeletReady" : "KubeletNotReady"},
             {"message", n.ready ? "kubelet is posting ready status"
                                 : "node is unreachable: its zone or region is down"}};
  return json{{"metadata",
               {{"name", n.node.name},
                {"uid", DeterministicUuid("node/" + n.node.name)},
                {"labels", n.node.labels}}},
              {"spec", spec},
              {"status", {{"conditions", json::array({ready})}}}};
}

json PodToJson(const KubePodObject& p) {
  json metadata{{"name", p.pod.name},
                {"namespace", p.pod.namespace_name},
                {"uid", DeterministicUuid("pod/" + p.pod.namespace_name + "/" + p.pod.name)},
                {"labels", p.pod.labels}};
  if (!p.pod.deletion_timestamp.empty()) {
    metadata["deletionTimestamp"] = p.pod.deletion_timestamp;
  }
  json container{{"name", "neo4j"}, {"image", p.image}};
  if (!p.pod.container_ports.empty()) {
    json ports = json::array();
    for (const auto& [name, port] : p.pod.container_ports) {
      ports.push_back(json{{"name", name}, {"containerPort", port}, {"protocol", "TCP"}});
    }
    container["ports"] = ports;
  }
  json spec{{"containers", json::array({container})}};
  if (!p.pod.node_name.empty()) {
    spec["nodeName"] = p.pod.node_name;
  }
  json status{{"phase", p.pod.phase}};
  if (!p.pod.pod_ip.empty()) {
    status["podIP"] = p.pod.pod_ip;
    status["podIPs"] = json::array({json{{"ip", p.pod.pod_ip}}});
  }
  return json{{"metadata", metadata}, {"spec", spec}, {"status", status}};
}

net::HttpResponse ServeKubeRequest(const KubeObjects& objects, const KubeRequestRecord& req) {
  if (req.method != "GET") {
    return StatusResponse(405, "the emulated API server only serves GET");
  }
  auto param = [&req](const std::string& k) {
    auto it = req.params.find(k);
    return it == req.params.end() ? std::string() : it->second;
  };
  auto labels = ParseLabelSelector(param("labelSelector"));
  if (!labels) {
    return StatusResponse(400, "labelSelector: " + labels.error().message);
  }
  auto fields = ParseFieldSelector(param("fieldSelector"));
  if (!fields) {
    return StatusResponse(400, "fieldSelector: " + fields.error().message);
  }
  const std::vector<std::string> seg = Split(req.path, '/', /*skip_empty=*/true);
  const auto n = seg.size();
  if (n >= 3 && seg[0] == "api" && seg[1] == "v1") {
    if (seg[2] == "nodes" && n <= 4) {
      return ServeNodes(objects, req, *labels, *fields, n == 4 ? &seg[3] : nullptr);
    }
    if (seg[2] == "pods" && n == 3) {
      return ServePods(objects, req, *labels, *fields, std::nullopt, nullptr);
    }
    if (seg[2] == "namespaces" && (n == 5 || n == 6) && seg[4] == "pods") {
      return ServePods(objects, req, *labels, *fields, seg[3], n == 6 ? &seg[5] : nullptr);
    }
  } else if (n >= 4 && seg[0] == "apis") {
    if (seg[3] == "namespaces" && (n == 6 || n == 7)) {
      return ServeCustom(objects, req, *labels, *fields, seg[1], seg[2], seg[4], seg[5],
                         n == 7 ? &seg[6] : nullptr);
    }
    if (seg[3] != "namespaces" && n <= 5) {
      return ServeCustom(objects, req, *labels, *fields, seg[1], seg[2], std::nullopt, seg[3],
                         n == 5 ? &seg[4] : nullptr);
    }
  }
  return StatusResponse(404, "the server could not find the requested resource");
}

namespace {

// The labels the cluster's deployment puts on a member's pod. Operator: the server pods' labels
// of the Neo4j Kubernetes operator (neo4j-partners/neo4j-kubernetes-operator,
// internal/resources/cluster.go), plus neo4j.com/role (its earlier versions' role label, the
// agent's default kubernetes.role_label). Helm: the Neo4j Helm chart's pod template
// (neo4j/helm-charts neo4j/templates/neo4j-statefulset.yaml; branch 4.4:
// neo4j-standalone/templates/neo4j-statefulset.yaml, with dbms.mode instead of clustering).
kube::Labels PodLabels(const SimCluster& c, const SimMember& m) {
  const bool primary = m.spec.mode == MemberMode::kPrimary;
  if (c.spec.kubernetes_labels == KubernetesLabels::kHelm) {
    kube::Labels labels = {{"app", c.spec.name}, {"helm.neo4j.com/neo4j.name", c.spec.name}};
    if (c.family == VersionFamily::kV4) {
      labels["helm.neo4j.com/dbms.mode"] = primary ? "CORE" : "READ_REPLICA";
    } else {
      labels["helm.neo4j.com/clustering"] = "true";
    }
    return labels;
  }
  return {{"app.kubernetes.io/name", "neo4j"},
          {"app.kubernetes.io/instance", c.spec.name},
          {"app.kubernetes.io/component", "database"},
          {"neo4j.com/cluster", c.spec.name},
          {"neo4j.com/clustering", "true"},
          {"neo4j.com/role", primary ? "primary" : "secondary"}};
}

}  // namespace

KubeObjects KubeObjectsFromModel(const Model& model) {
  KubeObjects out;
  for (std::size_t ci = 0; ci < model.clusters().size(); ++ci) {
    const SimCluster& c = model.clusters()[ci];
    const int cluster = static_cast<int>(ci);
    std::map<std::string, bool> node_ready;
    for (const SimNode& sn : c.nodes) {
      kube::Node node;
      node.name = sn.name;
      node.labels = {{"kubernetes.io/hostname", sn.name},
                     {"kubernetes.io/os", "linux"},
                     {"kubernetes.io/arch", "amd64"},
                     {"node-type", "database"}};
      if (!sn.zone.empty()) {
        node.labels["topology.kubernetes.io/zone"] = sn.zone;
      }
      if (!sn.region.empty()) {
        node.labels["topology.kubernetes.io/region"] = sn.region;
      }
      const bool ready = model.NodeReady(cluster, sn);
      node_ready[sn.name] = ready;
      out.nodes.push_back(KubeNodeObject{std::move(node), ready});
    }
    const std::string image =
        "neo4j:" + c.spec.version + (c.spec.edition == "enterprise" ? "-enterprise" : "");
    for (const SimMember& m : c.members) {
      kube::Pod pod;
      pod.name = m.spec.name;
      pod.namespace_name = c.spec.namespace_name;
      pod.labels = PodLabels(c, m);
      pod.node_name = m.node;
      auto ready = node_ready.find(m.node);
      pod.phase = ready == node_ready.end() || ready->second ? "Running" : "Unknown";
      pod.pod_ip = "127.0.0.1";
      if (m.http_port > 0) {
        pod.container_ports["http"] = m.http_port;
      }
      if (m.bolt_port > 0) {
        pod.container_ports["bolt"] = m.bolt_port;
      }
      out.pods.push_back(KubePodObject{std::move(pod), image});
    }
  }
  return out;
}

KubeApi::KubeApi(std::string listen_address, Source source)
    : listen_address_(std::move(listen_address)), source_(std::move(source)) {}

KubeApi::~KubeApi() { Stop(); }

Status KubeApi::Start() {
  if (Listening()) {
    return OkStatus();
  }
  std::string address = listen_address_;
  if (const int bound = port_.load(); bound > 0) {
    // Back on the same port: keep the host part of the configured address.
    const auto colon = address.rfind(':');
    address = (colon == std::string::npos ? std::string() : address.substr(0, colon)) + ":" +
              std::to_string(bound);
  }
  auto server = std::make_unique<net::HttpServer>(
      net::HttpServerOptions{address, 4, 1u << 20},
      [this](const net::HttpRequest& req, net::HttpExchange& ex) { Handle(req, ex); });
  if (auto st = server->Start(); !st) {
    return st;
  }
  if (port_.load() == 0) {
    port_.store(server->Port());
  }
  server_ = std::move(server);
  return OkStatus();
}

void KubeApi::Stop() {
  if (server_) {
    server_->Stop();
    server_.reset();
  }
}

std::string KubeApi::BaseUrl() const { return "http://127.0.0.1:" + std::to_string(Port()); }

void KubeApi::AddNode(kube::Node node, bool ready) {
  std::lock_guard lock(mu_);
  objects_.nodes.push_back(KubeNodeObject{std::move(node), ready});
}

void KubeApi::AddPod(kube::Pod pod, std::string image) {
  std::lock_guard lock(mu_);
  objects_.pods.push_back(KubePodObject{std::move(pod), std::move(image)});
}

void KubeApi::AddCustomObject(const std::string& group, const std::string& version,
                              const std::string& namespace_name, const std::string& plural,
                              const std::string& name, const std::string& json_text) {
  std::lock_guard lock(mu_);
  auto& custom = objects_.custom;
  custom.erase(std::remove_if(custom.begin(), custom.end(),
                              [&](const KubeCustomObject& o) {
                                return o.group == group && o.version == version &&
                                       o.namespace_name == namespace_name && o.plural == plural &&
                                       o.name == name;
                              }),
               custom.end());
  custom.push_back(KubeCustomObject{group, version, namespace_name, plural, name, json_text});
}

void KubeApi::RequireToken(const std::string& token) {
  std::lock_guard lock(mu_);
  token_ = token;
}

void KubeApi::FailNext(int status, int times, const std::string& message,
                       const std::string& retry_after) {
  std::lock_guard lock(mu_);
  fail_status_ = status;
  fail_times_ = times;
  fail_message_ = message;
  fail_retry_after_ = retry_after;
}

void KubeApi::ExpireContinue(int times) {
  std::lock_guard lock(mu_);
  expire_continue_ = times;
}

std::vector<KubeRequestRecord> KubeApi::Requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

void KubeApi::ClearRequests() {
  std::lock_guard lock(mu_);
  requests_.clear();
}

std::optional<net::HttpResponse> KubeApi::Intercept(const KubeRequestRecord& req) {
  std::lock_guard lock(mu_);
  requests_.push_back(req);
  if (!token_.empty() && req.authorization != "Bearer " + token_) {
    return StatusResponse(401, "Unauthorized");
  }
  if (fail_times_ != 0) {
    if (fail_times_ > 0) {
      --fail_times_;
    }
    net::HttpResponse r = StatusResponse(fail_status_, fail_message_);
    if (!fail_retry_after_.empty()) {
      r.headers.emplace_back("Retry-After", fail_retry_after_);
    }
    return r;
  }
  auto cont = req.params.find("continue");
  if (req.method == "GET" && cont != req.params.end() && !cont->second.empty() &&
      expire_continue_ > 0) {
    --expire_continue_;
    return StatusResponse(
        410,
        "The provided continue parameter is too old to display a consistent list result. You "
        "can start a new list without the continue parameter.");
  }
  return std::nullopt;
}

void KubeApi::Handle(const net::HttpRequest& req, net::HttpExchange& ex) {
  KubeRequestRecord rec;
  rec.method = req.method;
  rec.path = req.path;
  rec.query = req.query;
  rec.authorization = req.Header("Authorization");
  rec.params = net::ParseQuery(req.query);
  std::optional<net::HttpResponse> early = Intercept(rec);
  net::HttpResponse response;
  if (early) {
    response = std::move(*early);
  } else {
    KubeObjects objects;
    {
      std::lock_guard lock(mu_);
      objects = objects_;
    }
    if (source_) {
      KubeObjects derived = source_();  // no KubeApi lock held
      objects.nodes.insert(objects.nodes.end(), derived.nodes.begin(), derived.nodes.end());
      objects.pods.insert(objects.pods.end(), derived.pods.begin(), derived.pods.end());
      objects.custom.insert(objects.custom.end(), derived.custom.begin(), derived.custom.end());
    }
    response = ServeKubeRequest(objects, rec);
  }
  auto logger = GetLogger("sim.kube");
  if (logger->should_log(spdlog::level::debug)) {
    logger->debug("msg=\"kube request\" method={} path={} query={} status={}", rec.method,
                  LogQuote(rec.path), LogQuote(rec.query), response.status);
  }
  ex.Send(response);
}

}  // namespace nca::sim
