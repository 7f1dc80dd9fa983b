// Node-local discovery: which Neo4j members run on this agent's node, from the pods the
// Kubernetes API lists with `fieldSelector=spec.nodeName=<node>` (plus a label selector only in
// the "custom" convention). Pure: the listing itself is done by the agent through
// kube::KubeClient.
//
// Label conventions. A Kubernetes label selector cannot say "this label or that one", so with no
// `kubernetes.pod_selector` / `kubernetes.cluster_label` configured the agent lists every pod of
// its node and classifies each one here:
//   * operator: the Neo4j Kubernetes operator (`Neo4jEnterpriseCluster`) labels its server pods
//     `neo4j.com/cluster=<cluster>`, `neo4j.com/clustering=true`, `app.kubernetes.io/name=neo4j`,
//     `app.kubernetes.io/instance=<cluster>`, `app.kubernetes.io/component=database`
//     (neo4j-partners/neo4j-kubernetes-operator, internal/resources/cluster.go,
//     getLabelsForEnterpriseServer). Its backup pods carry `neo4j.com/cluster` too, with
//     `neo4j.com/component=backup`: they are skipped.
//   * helm: the Neo4j Helm chart (neo4j/helm-charts, neo4j/templates/neo4j-statefulset.yaml)
//     labels its pods `helm.neo4j.com/neo4j.name=<cluster>`, `app=<cluster>`,
//     `helm.neo4j.com/clustering=true`; the 4.4 charts (branch 4.4,
//     neo4j-standalone/templates/neo4j-statefulset.yaml) label `helm.neo4j.com/dbms.mode=
//     CORE|READ_REPLICA` instead of `clustering` -- the label the chart's own
//     `neo4j.checkIfClusterIsPresent` helper reads.
//   * custom: `kubernetes.pod_selector` and/or `kubernetes.cluster_label` set by the user: list
//     with that selector and take the cluster from that label, nothing else.
//
// Thread-safety: pure functions over plain values.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "kube/objects.h"

namespace nca::kube {

// The labels of the two known conventions.
inline constexpr char kOperatorClusterLabel[] = "neo4j.com/cluster";
inline constexpr char kOperatorComponentLabel[] = "neo4j.com/component";  // "backup" pods
inline constexpr char kHelmClusterLabel[] = "helm.neo4j.com/neo4j.name";
inline constexpr char kHelmModeLabel[] = "helm.neo4j.com/dbms.mode";  // 4.4: CORE, READ_REPLICA
// Defaults of the custom convention for the key the user did not set (the agent's defaults
// before the conventions were recognised).
inline constexpr char kCustomDefaultPodSelector[] = "app.kubernetes.io/name=neo4j";
inline constexpr char kCustomDefaultClusterLabel[] = "neo4j.com/cluster";

// Which convention a discovered pod matched.
enum class LabelConvention { kOperator, kHelm, kCustom };
// "operator", "helm", "custom" (the `convention` label of neo4j_kubernetes_discovered_members).
std::string_view ConventionName(LabelConvention convention);

// One member found on this node.
struct DiscoveredMember {
  std::string cluster;  // value of the cluster label
  std::string name;     // pod name (the member name)
  std::string url;      // scheme://podIP:port (IPv6 in brackets)
  std::string role;     // "primary"/"secondary" (Helm 4.4 dbms.mode), else the role label, else ""
  std::string namespace_name;
  LabelConvention convention = LabelConvention::kOperator;
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

// Whether `settings` asks for the custom convention (pod_selector or cluster_label set).
bool UsesCustomConvention(const config::KubernetesConfig& settings);

// The label selector for listing this node's pods: "" (the field selector alone) with the known
// conventions, the configured (or default) selector of the custom convention otherwise.
std::string NodePodSelector(const config::KubernetesConfig& settings);

// Label selectors to list the pods of `cluster` in its namespace with, in order of preference:
// the cluster's own `kubernetes.pod_selector` when set; "<cluster_label>=<name>" in the custom
// convention; else "neo4j.com/cluster=<name>" then "helm.neo4j.com/neo4j.name=<name>" (the
// caller tries the next one when a listing returns no pod).
std::vector<std::string> ClusterPodSelectors(const config::KubernetesConfig& settings,
                                             const config::ClusterConfig& cluster);

// Turns the pods listed for this node into members:
//   * pods being deleted (deletionTimestamp set), without an IP yet, or in phase Succeeded/Failed
//     are skipped;
//   * the cluster name and the convention come from the pod's labels as described above (pods
//     matching no convention, operator backup pods, or with a value that is not a valid cluster
//     name, are skipped);
//   * the URL uses `settings.http_scheme`, the pod IP and the container port named "http" (or
//     "https" for https), else `settings.http_port`.
// Pods of another node (if the caller's field selector was ignored) are skipped too.
DiscoveryResult DiscoverNodeMembers(const std::vector<Pod>& pods,
                                    const config::KubernetesConfig& settings);

// One sentence on how the pods of `settings.node_name` are recognised, for the landing page.
std::string DescribeDiscovery(const config::KubernetesConfig& settings);

// Number of members per (convention name, cluster), for neo4j_kubernetes_discovered_members.
std::map<std::pair<std::string, std::string>, int> CountByConvention(
    const std::vector<DiscoveredMember>& members);

// The field selector for the pods of `node`: "spec.nodeName=<node>".
std::string NodeFieldSelector(const std::string& node);

}  // namespace nca::kube
