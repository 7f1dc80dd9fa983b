// Kubernetes object subsets the agent needs (pods and nodes), and pure parsers for the API
// server's list answers. Only the fields used by discovery and the zone-skew computation are
// kept; everything else in the JSON is ignored.
//
// Thread-safety: plain value types; the parsers are pure functions (no I/O, never throw) and may
// be called from any thread.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nca::kube {

using Labels = std::map<std::string, std::string>;

struct Taint {
  std::string key;
  std::string value;
  std::string effect;  // "NoSchedule", "PreferNoSchedule", "NoExecute"

  friend bool operator==(const Taint&, const Taint&) = default;
};

struct Pod {
  std::string name;
  std::string namespace_name;
  Labels labels;
  std::string node_name;           // spec.nodeName, "" while unscheduled
  std::string phase;               // status.phase: Pending, Running, Succeeded, Failed, Unknown
  std::string deletion_timestamp;  // metadata.deletionTimestamp, "" unless terminating
  std::string pod_ip;              // status.podIP, "" until assigned
  // Named container ports (spec.containers[*].ports[*] name -> containerPort; the first wins),
  // e.g. "http" -> 7474, "bolt" -> 7687 as the Neo4j Helm chart names them.
  std::map<std::string, int> container_ports;

  bool Terminating() const { return !deletion_timestamp.empty(); }
};

struct Node {
  std::string name;
  Labels labels;
  bool unschedulable = false;  // spec.unschedulable
  std::vector<Taint> taints;   // spec.taints
};

// One page of a list answer: its items and metadata.continue ("" on the last page).
template <typename T>
struct ListPage {
  std::vector<T> items;
  std::string continue_token;
};

// PodList / NodeList JSON -> page. Not JSON, not an object or items not an array -> kMalformed;
// individual items lacking optional fields get defaults; an item without metadata.name ->
// kMalformed.
Result<ListPage<Pod>> ParsePodList(std::string_view body);
Result<ListPage<Node>> ParseNodeList(std::string_view body);

// For raw (custom-object) lists: the items as JSON texts plus metadata.continue.
Result<ListPage<std::string>> ParseRawList(std::string_view body);

// The "message" of a Kubernetes Status body ({"kind":"Status","message":...}), or "" when the body
// is not a Status.
std::string StatusMessage(std::string_view body);

}  // namespace nca::kube
