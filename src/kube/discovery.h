// Node-local discovery: which Neo4j members run on this agent's node, from the pods the
// Kubernetes API lists with `fieldSelector=spec.nodeName=<node>` and the configured label
// selector. Pure: the listing itself is done by the agent through kube::KubeClient.
//
// Thread-safety: pure functions over plain values.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "kube/objects.h"

namespace nca::kube {

// One member found on this node.
struct DiscoveredMember {
  std::string cluster;    // value of the cluster label
  std::string name;       // pod name (the member name)
  std::string url;        // scheme://podIP:port (IPv6 in brackets)
  std::string role;       // value of the role label ("" when absent)
  std::string namespace_name;
};

// Why a listed pod was not turned into a member (for debug logs and tests).
struct SkippedPod {
  std::string name;
  std::string reason;
};

struct DiscoveryResult {
  std::vector<DiscoveredMember> members;  // sorted by cluster, then name
  std::vector<SkippedPod> skipped;
};

// Turns the pods listed for this node into members:
//   * pods being deleted (deletionTimestamp set), without an IP yet, or in phase Succeeded/Failed
//     are skipped;
//   * the cluster name is the pod's `settings.cluster_label` label (pods without it, or with a
//     value that is not a valid cluster name, are skipped);
//   * the URL uses `settings.http_scheme`, the pod IP and the container port named "http" (or
//     "https" for https), else `settings.http_port`.
// Pods of another node (if the caller's field selector was ignored) are skipped too.
DiscoveryResult DiscoverNodeMembers(const std::vector<Pod>& pods,
                                    const config::KubernetesConfig& settings);

// The field selector for the pods of `node`: "spec.nodeName=<node>".
std::string NodeFieldSelector(const std::string& node);

}  // namespace nca::kube
