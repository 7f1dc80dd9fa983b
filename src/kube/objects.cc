#include "kube/objects.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "common/json_depth.h"

namespace nca::kube {
namespace {

using nlohmann::json;

std::string StringAt(const json& obj, const char* key) {
  if (!obj.is_object()) {
    return "";
  }
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) {
    return "";
  }
  return it->get<std::string>();
}

const json& ObjectAt(const json& obj, const char* key) {
  static const json kEmpty = json::object();  // immutable
  if (!obj.is_object()) {
    return kEmpty;
  }
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_object()) {
    return kEmpty;
  }
  return *it;
}

Labels LabelsOf(const json& metadata) {
  Labels labels;
  for (const auto& [k, v] : ObjectAt(metadata, "labels").items()) {
    if (v.is_string()) {
      labels[k] = v.get<std::string>();
    }
  }
  return labels;
}

// Parses the envelope; fills `items` with the items array and `cont` with metadata.continue.
Result<const json*> ParseEnvelope(const json& doc, std::string* cont) {
  if (!doc.is_object()) {
    return MakeError(ErrorKind::kMalformed, "Kubernetes list answer is not a JSON object");
  }
  *cont = StringAt(ObjectAt(doc, "metadata"), "continue");
  auto it = doc.find("items");
  if (it == doc.end() || it->is_null()) {
    static const json kNoItems = json::array();  // immutable
    return &kNoItems;
  }
  if (!it->is_array()) {
    return MakeError(ErrorKind::kMalformed, "Kubernetes list answer: \"items\" is not an array");
  }
  return &*it;
}

template <typename T, typename F>
Result<ListPage<T>> ParseList(std::string_view body, const char* what, F parse_item) {
  if (!JsonDepthWithin(body)) {
    return MakeError(ErrorKind::kMalformed, std::string(what) + " answer is nested too deeply");
  }
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return MakeError(ErrorKind::kMalformed, std::string(what) + " answer is not valid JSON");
  }
  ListPage<T> page;
  auto items = ParseEnvelope(doc, &page.continue_token);
  if (!items) {
    return items.error();
  }
  for (const json& item : **items) {
    auto parsed = parse_item(item);
    if (!parsed) {
      return parsed.error();
    }
    page.items.push_back(std::move(*parsed));
  }
  return page;
}

}  // namespace

Result<ListPage<Pod>> ParsePodList(std::string_view body) {
  return ParseList<Pod>(body, "PodList", [](const json& item) -> Result<Pod> {
    const json& metadata = ObjectAt(item, "metadata");
    Pod pod;
    pod.name = StringAt(metadata, "name");
    if (pod.name.empty()) {
      return MakeError(ErrorKind::kMalformed, "PodList item without metadata.name");
    }
    pod.namespace_name = StringAt(metadata, "namespace");
    pod.labels = LabelsOf(metadata);
    pod.deletion_timestamp = StringAt(metadata, "deletionTimestamp");
    pod.node_name = StringAt(ObjectAt(item, "spec"), "nodeName");
    pod.phase = StringAt(ObjectAt(item, "status"), "phase");
    pod.pod_ip = StringAt(ObjectAt(item, "status"), "podIP");
    const json& spec = ObjectAt(item, "spec");
    if (auto it = spec.find("containers"); it != spec.end() && it->is_array()) {
      for (const json& container : *it) {
        if (!container.is_object()) {
          continue;
        }
        auto ports = container.find("ports");
        if (ports == container.end() || !ports->is_array()) {
          continue;
        }
        for (const json& port : *ports) {
          if (!port.is_object()) {
            continue;
          }
          auto number = port.find("containerPort");
          std::string name = StringAt(port, "name");
          if (!name.empty() && number != port.end() && number->is_number_integer() &&
              !pod.container_ports.contains(name)) {
            pod.container_ports[name] = number->get<int>();
          }
        }
      }
    }
    return pod;
  });
}

Result<ListPage<Node>> ParseNodeList(std::string_view body) {
  return ParseList<Node>(body, "NodeList", [](const json& item) -> Result<Node> {
    const json& metadata = ObjectAt(item, "metadata");
    Node node;
    node.name = StringAt(metadata, "name");
    if (node.name.empty()) {
      return MakeError(ErrorKind::kMalformed, "NodeList item without metadata.name");
    }
    node.labels = LabelsOf(metadata);
    const json& spec = ObjectAt(item, "spec");
    auto unsched = spec.find("unschedulable");
    node.unschedulable = unsched != spec.end() && unsched->is_boolean() && unsched->get<bool>();
    auto taints = spec.find("taints");
    if (taints != spec.end() && taints->is_array()) {
      for (const json& t : *taints) {
        node.taints.push_back(
            Taint{StringAt(t, "key"), StringAt(t, "value"), StringAt(t, "effect")});
      }
    }
    return node;
  });
}

Result<ListPage<std::string>> ParseRawList(std::string_view body) {
  return ParseList<std::string>(
      body, "list", [](const json& item) -> Result<std::string> { return item.dump(); });
}

std::string StatusMessage(std::string_view body) {
  if (!JsonDepthWithin(body)) {
    return "";
  }
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || StringAt(doc, "kind") != "Status") {
    return "";
  }
  return StringAt(doc, "message");
}

}  // namespace nca::kube
