// libFuzzer harness for the Kubernetes API answer parsers (src/kube/objects.h): every input is
// read as a PodList, a NodeList, a raw list (how the agent reads Neo4jEnterpriseCluster custom
// resources) and a Status body; parsed pods then go through node-local discovery
// (kube/discovery.h) and their labels through the zone/role helpers of topology/placement.h, and
// the input as a whole through SelectorEqualities (label selectors come from the configuration).
// Run with tests/fuzz/run-fuzzer.sh kube_objects SECONDS.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "config/config.h"
#include "config/loader.h"
#include "fuzz_check.h"
#include "kube/discovery.h"
#include "kube/objects.h"
#include "topology/placement.h"

namespace {

using nca::ErrorKind;
using nca::Result;
using nca::fuzz::StartsWith;
using nca::kube::ListPage;
using nca::kube::Node;
using nca::kube::Pod;

bool SamePod(const Pod& a, const Pod& b) {
  return a.name == b.name && a.namespace_name == b.namespace_name && a.labels == b.labels &&
         a.node_name == b.node_name && a.phase == b.phase &&
         a.deletion_timestamp == b.deletion_timestamp && a.pod_ip == b.pod_ip &&
         a.container_ports == b.container_ports;
}

bool SameNode(const Node& a, const Node& b) {
  return a.name == b.name && a.labels == b.labels && a.unschedulable == b.unschedulable &&
         a.taints == b.taints;
}

template <typename T>
void CheckListError(const Result<ListPage<T>>& r) {
  FUZZ_CHECK(r.error().kind == ErrorKind::kMalformed);
  FUZZ_CHECK(!r.error().message.empty());
}

// The raw items re-assembled into a list: what the typed parsers see of the input.
std::string Relist(const ListPage<std::string>& raw) {
  std::string out = "{\"items\":[";
  for (std::size_t i = 0; i < raw.items.size(); ++i) {
    if (i > 0) out += ',';
    out += raw.items[i];
  }
  out += "]}";
  return out;
}

void CheckDiscovery(const std::vector<Pod>& pods, const nca::config::KubernetesConfig& settings) {
  const auto result = nca::kube::DiscoverNodeMembers(pods, settings);
  // Every pod is either a member or skipped (with a reason).
  FUZZ_CHECK(result.members.size() + result.skipped.size() == pods.size());
  for (const auto& s : result.skipped) FUZZ_CHECK(!s.reason.empty());
  FUZZ_CHECK(std::is_sorted(result.members.begin(), result.members.end(),
                            [](const auto& a, const auto& b) {
                              return std::tie(a.cluster, a.name) < std::tie(b.cluster, b.name);
                            }));
  for (const auto& m : result.members) {
    FUZZ_CHECK(nca::config::IsValidClusterName(m.cluster));
    FUZZ_CHECK(!m.name.empty());
    FUZZ_CHECK(StartsWith(m.url, settings.http_scheme + "://"));
  }
  int counted = 0;
  for (const auto& [key, n] : nca::kube::CountByConvention(result.members)) counted += n;
  FUZZ_CHECK(counted == static_cast<int>(result.members.size()));
}

void CheckPods(std::string_view body, const Result<ListPage<std::string>>& raw) {
  const auto pods = nca::kube::ParsePodList(body);
  if (!pods.ok()) {
    CheckListError(pods);
    return;
  }
  // Typed parsing accepts a subset of what raw parsing accepts, item for item.
  FUZZ_CHECK(raw.ok());
  FUZZ_CHECK(pods->items.size() == raw->items.size());
  FUZZ_CHECK(pods->continue_token == raw->continue_token);
  for (const Pod& pod : pods->items) FUZZ_CHECK(!pod.name.empty());

  // Parsing the re-serialised items gives the same pods.
  const auto again = nca::kube::ParsePodList(Relist(*raw));
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->items.size() == pods->items.size());
  for (std::size_t i = 0; i < pods->items.size(); ++i) {
    FUZZ_CHECK(SamePod(again->items[i], pods->items[i]));
  }

  nca::config::KubernetesConfig conventions;  // operator and Helm labels
  CheckDiscovery(pods->items, conventions);
  nca::config::KubernetesConfig custom;
  custom.cluster_label = "app";
  custom.http_scheme = "https";
  CheckDiscovery(pods->items, custom);

  // Zone and role helpers over label values read from the API.
  std::vector<std::string> known_zones;
  for (const Pod& pod : pods->items) {
    std::vector<std::string> tags;
    for (const auto& [key, value] : pod.labels) {
      tags.push_back(key + "=" + value);
      tags.push_back(value);
      const auto role = nca::topology::RoleFromLabel(value);
      FUZZ_CHECK(role == nca::topology::MemberRole::kPrimary ||
                 role == nca::topology::MemberRole::kSecondary ||
                 role == nca::topology::MemberRole::kUnknown);
    }
    known_zones.push_back(pod.node_name);
    if (const auto zone = nca::topology::ZoneFromTags(tags, known_zones)) {
      FUZZ_CHECK(!zone->empty());
    }
  }
}

void CheckNodes(std::string_view body, const Result<ListPage<std::string>>& raw) {
  const auto nodes = nca::kube::ParseNodeList(body);
  if (!nodes.ok()) {
    CheckListError(nodes);
    return;
  }
  FUZZ_CHECK(raw.ok());
  FUZZ_CHECK(nodes->items.size() == raw->items.size());
  FUZZ_CHECK(nodes->continue_token == raw->continue_token);
  for (const Node& node : nodes->items) FUZZ_CHECK(!node.name.empty());
  const auto again = nca::kube::ParseNodeList(Relist(*raw));
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->items.size() == nodes->items.size());
  for (std::size_t i = 0; i < nodes->items.size(); ++i) {
    FUZZ_CHECK(SameNode(again->items[i], nodes->items[i]));
  }
}

void CheckRaw(const Result<ListPage<std::string>>& raw) {
  if (!raw.ok()) {
    CheckListError(raw);
    return;
  }
  // Each item is the compact JSON text of one value: it parses, and prints back identically.
  for (const std::string& item : raw->items) {
    const auto doc = nlohmann::json::parse(item, nullptr, false);
    FUZZ_CHECK(!doc.is_discarded());
    FUZZ_CHECK(doc.dump() == item);
  }
  const auto again = nca::kube::ParseRawList(Relist(*raw));
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->items == raw->items);
}

void CheckSelector(std::string_view text) {
  for (const auto& [key, value] : nca::topology::SelectorEqualities(text)) {
    // Keys are non-empty, trimmed, without spaces or parentheses; values have no '=', '(', ')'
    // or space (set-based and malformed terms are skipped, not half-read).
    FUZZ_CHECK(!key.empty());
    FUZZ_CHECK(key.find_first_of(" ()") == std::string::npos);
    FUZZ_CHECK(value.find_first_of("=() ") == std::string::npos);
    FUZZ_CHECK(key.find('=') == std::string::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto raw = nca::kube::ParseRawList(body);
  CheckRaw(raw);
  CheckPods(body, raw);
  CheckNodes(body, raw);
  // A Status message is one string of the body, or "" for anything else.
  const std::string message = nca::kube::StatusMessage(body);
  FUZZ_CHECK(message.size() <= size);
  CheckSelector(body.substr(0, 4096));
  return 0;
}
