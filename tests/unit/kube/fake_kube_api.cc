#include "unit/kube/fake_kube_api.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <optional>
#include <sstream>
#include <tuple>
#include <utility>

namespace nca::kube::testing {
namespace {

using nlohmann::json;

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) {
    out.push_back(cur);
  }
  return out;
}

json StatusBody(int code, const std::string& reason, const std::string& message) {
  return json{{"kind", "Status"},   {"apiVersion", "v1"}, {"metadata", json::object()},
              {"status", "Failure"}, {"message", message}, {"reason", reason},
              {"code", code}};
}

net::HttpResponse JsonResponse(int status, const json& body) {
  net::HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump();
  return r;
}

// One selector requirement: key op value, op in {"=", "!=", "exists", "!exists"}.
struct Requirement {
  std::string key;
  std::string op;
  std::string value;
};

std::vector<Requirement> ParseSelector(const std::string& selector) {
  std::vector<Requirement> reqs;
  for (const std::string& part : Split(selector, ',')) {
    if (part.empty()) {
      continue;
    }
    Requirement r;
    if (auto p = part.find("!="); p != std::string::npos) {
      r = {part.substr(0, p), "!=", part.substr(p + 2)};
    } else if (auto q = part.find("=="); q != std::string::npos) {
      r = {part.substr(0, q), "=", part.substr(q + 2)};
    } else if (auto e = part.find('='); e != std::string::npos) {
      r = {part.substr(0, e), "=", part.substr(e + 1)};
    } else if (part[0] == '!') {
      r = {part.substr(1), "!exists", ""};
    } else {
      r = {part, "exists", ""};
    }
    reqs.push_back(r);
  }
  return reqs;
}

bool Matches(const std::vector<Requirement>& reqs,
             const std::map<std::string, std::string>& fields) {
  for (const auto& r : reqs) {
    auto it = fields.find(r.key);
    bool has = it != fields.end();
    if (r.op == "exists" && !has) {
      return false;
    }
    if (r.op == "!exists" && has) {
      return false;
    }
    if (r.op == "=" && (!has || it->second != r.value)) {
      return false;
    }
    if (r.op == "!=" && has && it->second == r.value) {
      return false;
    }
  }
  return true;
}

json PodJson(const Pod& p) {
  json metadata{{"name", p.name}, {"namespace", p.namespace_name}, {"labels", p.labels},
                {"uid", "uid-" + p.name}};
  if (!p.deletion_timestamp.empty()) {
    metadata["deletionTimestamp"] = p.deletion_timestamp;
  }
  json spec{{"containers", json::array({json{{"name", "neo4j"}, {"image", "neo4j:5"}}})}};
  if (!p.node_name.empty()) {
    spec["nodeName"] = p.node_name;
  }
  return json{{"metadata", metadata}, {"spec", spec}, {"status", {{"phase", p.phase}}}};
}

json NodeJson(const Node& n) {
  json spec = json::object();
  if (n.unschedulable) {
    spec["unschedulable"] = true;
  }
  if (!n.taints.empty()) {
    json taints = json::array();
    for (const auto& t : n.taints) {
      json tj{{"key", t.key}, {"effect", t.effect}};
      if (!t.value.empty()) {
        tj["value"] = t.value;
      }
      taints.push_back(tj);
    }
    spec["taints"] = taints;
  }
  return json{{"metadata", {{"name", n.name}, {"labels", n.labels}}},
              {"spec", spec},
              {"status", {{"conditions", json::array()}}}};
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

FakeKubeApi::FakeKubeApi()
    : server_(net::HttpServerOptions{"127.0.0.1:0", 4, 1u << 20},
              [this](const net::HttpRequest& req, net::HttpExchange& ex) { Handle(req, ex); }) {}

FakeKubeApi::~FakeKubeApi() { server_.Stop(); }

Status FakeKubeApi::Start() { return server_.Start(); }

std::string FakeKubeApi::BaseUrl() const {
  return "http://127.0.0.1:" + std::to_string(server_.Port());
}

void FakeKubeApi::AddNode(Node node) {
  std::lock_guard lock(mu_);
  nodes_.push_back(std::move(node));
}

void FakeKubeApi::AddPod(Pod pod) {
  std::lock_guard lock(mu_);
  pods_.push_back(std::move(pod));
}

void FakeKubeApi::AddCustomObject(const std::string& group, const std::string& version,
                                  const std::string& namespace_name, const std::string& plural,
                                  const std::string& name, const std::string& json_text) {
  std::string key = "/apis/" + group + "/" + version;
  if (!namespace_name.empty()) {
    key += "/namespaces/" + namespace_name;
  }
  key += "/" + plural;
  std::lock_guard lock(mu_);
  custom_[key][name] = json_text;
}

void FakeKubeApi::RequireToken(const std::string& token) {
  std::lock_guard lock(mu_);
  token_ = token;
}

void FakeKubeApi::FailNext(int status, int times, const std::string& message,
                           const std::string& retry_after) {
  std::lock_guard lock(mu_);
  fail_status_ = status;
  fail_times_ = times;
  fail_message_ = message;
  fail_retry_after_ = retry_after;
}

void FakeKubeApi::ExpireContinue(int times) {
  std::lock_guard lock(mu_);
  expire_continue_ = times;
}

std::vector<RecordedRequest> FakeKubeApi::Requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

void FakeKubeApi::ClearRequests() {
  std::lock_guard lock(mu_);
  requests_.clear();
}

void FakeKubeApi::Handle(const net::HttpRequest& req, net::HttpExchange& ex) {
  RecordedRequest rec;
  rec.method = req.method;
  rec.path = req.path;
  rec.query = req.query;
  rec.authorization = req.Header("Authorization");
  for (const std::string& kv : Split(req.query, '&')) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) {
      rec.params[PercentDecode(kv)] = "";
    } else {
      rec.params[PercentDecode(kv.substr(0, eq))] = PercentDecode(kv.substr(eq + 1));
    }
  }
  {
    std::lock_guard lock(mu_);
    requests_.push_back(rec);
  }
  ex.Send(Route(rec));
}

net::HttpResponse FakeKubeApi::Route(const RecordedRequest& req) {
  std::lock_guard lock(mu_);
  if (!token_.empty() && req.authorization != "Bearer " + token_) {
    return JsonResponse(401, StatusBody(401, "Unauthorized", "Unauthorized"));
  }
  if (fail_times_ != 0) {
    if (fail_times_ > 0) {
      --fail_times_;
    }
    net::HttpResponse r = JsonResponse(
        fail_status_, StatusBody(fail_status_, fail_status_ == 403 ? "Forbidden" : "InternalError",
                                 fail_message_));
    if (!fail_retry_after_.empty()) {
      r.headers.emplace_back("Retry-After", fail_retry_after_);
    }
    return r;
  }
  if (req.method != "GET") {
    return JsonResponse(405, StatusBody(405, "MethodNotAllowed", "only GET is emulated"));
  }
  auto param = [&req](const std::string& k) {
    auto it = req.params.find(k);
    return it == req.params.end() ? std::string() : it->second;
  };
  std::string cont = param("continue");
  if (!cont.empty() && expire_continue_ > 0) {
    --expire_continue_;
    return JsonResponse(
        410, StatusBody(410, "Expired",
                        "The provided continue parameter is too old to display a consistent list "
                        "result. You can start a new list without the continue parameter."));
  }
  auto labels = ParseSelector(param("labelSelector"));
  auto fields = ParseSelector(param("fieldSelector"));

  // Collect the matching items as JSON, in a stable order.
  std::vector<json> items;
  std::string kind;
  std::vector<std::string> seg = Split(req.path, '/');  // "", "api", "v1", ...
  if (req.path == "/api/v1/nodes") {
    kind = "NodeList";
    std::vector<Node> sorted = nodes_;
    std::sort(sorted.begin(), sorted.end(),
              [](const Node& a, const Node& b) { return a.name < b.name; });
    for (const Node& n : sorted) {
      if (Matches(labels, n.labels) && Matches(fields, {{"metadata.name", n.name}})) {
        items.push_back(NodeJson(n));
      }
    }
  } else if (req.path == "/api/v1/pods" ||
             (seg.size() == 6 && seg[1] == "api" && seg[2] == "v1" && seg[3] == "namespaces" &&
              seg[5] == "pods")) {
    kind = "PodList";
    std::optional<std::string> ns;
    if (seg.size() == 6) {
      ns = seg[4];
    }
    std::vector<Pod> sorted = pods_;
    std::sort(sorted.begin(), sorted.end(), [](const Pod& a, const Pod& b) {
      return std::tie(a.namespace_name, a.name) < std::tie(b.namespace_name, b.name);
    });
    for (const Pod& p : sorted) {
      if (ns.has_value() && p.namespace_name != *ns) {
        continue;
      }
      std::map<std::string, std::string> f{{"metadata.name", p.name},
                                           {"metadata.namespace", p.namespace_name},
                                           {"spec.nodeName", p.node_name},
                                           {"status.phase", p.phase}};
      if (Matches(labels, p.labels) && Matches(fields, f)) {
        items.push_back(PodJson(p));
      }
    }
  } else if (seg.size() >= 2 && seg[1] == "apis") {
    if (auto it = custom_.find(req.path); it != custom_.end()) {
      kind = "List";
      for (const auto& [name, text] : it->second) {
        items.push_back(json::parse(text));
      }
    } else {
      auto slash = req.path.rfind('/');
      auto coll = custom_.find(req.path.substr(0, slash));
      if (coll != custom_.end()) {
        auto obj = coll->second.find(req.path.substr(slash + 1));
        if (obj != coll->second.end()) {
          net::HttpResponse r;
          r.content_type = "application/json";
          r.body = obj->second;
          return r;
        }
      }
      return JsonResponse(404, StatusBody(404, "NotFound", "the server could not find the "
                                                           "requested resource"));
    }
  } else {
    return JsonResponse(404, StatusBody(404, "NotFound", "no such path " + req.path));
  }

  // Pagination: continue tokens are "offset-<n>".
  std::size_t offset = 0;
  if (!cont.empty()) {
    if (cont.rfind("offset-", 0) != 0) {
      return JsonResponse(400, StatusBody(400, "BadRequest", "invalid continue token"));
    }
    offset = std::stoul(cont.substr(7));
  }
  std::size_t limit = items.size();
  if (std::string l = param("limit"); !l.empty() && std::stoul(l) > 0) {
    limit = std::stoul(l);
  }
  json page_items = json::array();
  for (std::size_t i = offset; i < items.size() && i < offset + limit; ++i) {
    page_items.push_back(items[i]);
  }
  json metadata{{"resourceVersion", "12345"}};
  if (offset + limit < items.size()) {
    metadata["continue"] = "offset-" + std::to_string(offset + limit);
    metadata["remainingItemCount"] = items.size() - offset - limit;
  }
  return JsonResponse(200, json{{"kind", kind},
                                {"apiVersion", "v1"},
                                {"metadata", metadata},
                                {"items", page_items}});
}

}  // namespace nca::kube::testing
