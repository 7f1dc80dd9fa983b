// Zone skew: pure functions that compute how Neo4j members are spread over topology domains
// (zones) exactly as kube-scheduler's PodTopologySpread plugin computes a
// `topologySpreadConstraint`, plus the quorum and distribution-health reasoning built on top.
//
// Scheduler semantics reproduced (see docs/zone-skew.md and MONITORING-ANCHORS §7.1):
//   * eligible domains = distinct values of `topology_key` over nodes that carry the key and pass
//     the node-inclusion policy (nodeAffinityPolicy Honor: the node matches `node_selector`;
//     nodeTaintsPolicy is Ignore, the scheduler default, so taints never exclude a node). A domain
//     with nodes but no matching pods is a domain with count 0.
//   * count(domain) = pods in `constraint.namespace_name` matching `match_labels`, not terminating
//     (deletionTimestamp unset), whose node is eligible and in that domain. The pod phase is not
//     consulted (the scheduler's countPodsMatchSelector does not either).
//   * global minimum = 0 if #eligible domains < min_domains, else min(count); skew = max(count) -
//     global minimum (0 when there is no eligible domain); violated = skew > max_skew.
//   * as in the scheduler, an empty `match_labels` selects no pod.
// Not modelled: matchLabelKeys, nodeTaintsPolicy Honor, nodeAffinity expressions beyond a
// nodeSelector map.
//
// Everything here is a pure function over plain values: no I/O, no logging, no clock. All
// functions are thread-safe (they share no state); the structs are plain values, not thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace nca::topology {

using LabelMap = std::map<std::string, std::string>;

// A node taint. Carried for completeness; ignored by the default nodeTaintsPolicy (Ignore).
struct Taint {
  std::string key;
  std::string value;
  std::string effect;  // NoSchedule, PreferNoSchedule, NoExecute
};

struct Node {
  std::string name;
  LabelMap labels;
  std::vector<Taint> taints;
};

// The Neo4j role of the member a pod runs. kUnknown pods count only in the overall view.
enum class MemberRole { kUnknown, kPrimary, kSecondary };

struct Pod {
  std::string name;
  std::string namespace_name;
  LabelMap labels;
  std::string node_name;                // spec.nodeName; empty when not scheduled yet
  bool deletion_timestamp_set = false;  // metadata.deletionTimestamp != nil (terminating)
  std::string phase;                    // status.phase; informational, not used by the skew math
  MemberRole role = MemberRole::kUnknown;
};

enum class WhenUnsatisfiable { kDoNotSchedule, kScheduleAnyway };

// How a pod's nodeSelector restricts the nodes taken into account (KEP-3094).
enum class NodeAffinityPolicy { kHonor, kIgnore };

struct SpreadConstraint {
  std::string topology_key = "topology.kubernetes.io/zone";
  int max_skew = 1;
  int min_domains = 1;  // values < 1 are treated as 1 (the API default)
  WhenUnsatisfiable when_unsatisfiable = WhenUnsatisfiable::kDoNotSchedule;
  LabelMap match_labels;  // labelSelector.matchLabels; empty selects nothing (scheduler rule)
  std::string namespace_name;
  NodeAffinityPolicy node_affinity_policy = NodeAffinityPolicy::kHonor;
  LabelMap node_selector;  // with kHonor, nodes lacking any of these labels are not eligible
};

// The skew of one set of pods (one role, or all) under one constraint.
struct SkewResult {
  // Matching pods per eligible domain, every eligible domain present (zero counts included).
  std::map<std::string, int> counts;
  int skew = 0;              // max(count) - global_minimum; 0 with no eligible domain
  int global_minimum = 0;    // 0 when eligible_domains < min_domains, else min(count)
  int max_skew = 1;          // copied from the constraint
  int eligible_domains = 0;  // == counts.size()
  int min_domains = 1;       // effective minDomains (>= 1)
  bool violated = false;     // skew > max_skew
  // Eligible domains with count 0, sorted.
  std::vector<std::string> empty_domains;
  // Matching, non-terminating pods of the namespace that are not on an eligible node (node
  // without the topology key, node failing the node selector, unknown node, or not scheduled).
  int excluded_pods = 0;
  // Matching pods of the namespace skipped because they are terminating.
  int terminating_pods = 0;

  int TotalCounted() const;  // sum of counts
};

// The same constraint evaluated for primaries, secondaries and all matching pods.
struct RoleSkew {
  SkewResult primaries;
  SkewResult secondaries;
  SkewResult overall;  // every matching pod, whatever its role (kUnknown included)
};

// Skew of all pods matching `constraint`.
SkewResult ComputeSkew(const std::vector<Node>& nodes, const std::vector<Pod>& pods,
                       const SpreadConstraint& constraint);

// Skew of the pods matching `constraint` and having `role`.
SkewResult ComputeSkewForRole(const std::vector<Node>& nodes, const std::vector<Pod>& pods,
                              const SpreadConstraint& constraint, MemberRole role);

// ComputeSkew per role and overall. Zones hosting no primary: `primaries.empty_domains`.
RoleSkew ComputeRoleSkew(const std::vector<Node>& nodes, const std::vector<Pod>& pods,
                         const SpreadConstraint& constraint);

// The seed's `placement.antiAffinity.type`.
enum class AntiAffinityType { kNone, kPreferred, kRequired };

// Number of zones holding more than one primary when anti-affinity is required; 0 otherwise
// (a preferred rule is allowed to co-locate).
int AntiAffinityViolations(const std::map<std::string, int>& primaries_per_zone,
                           AntiAffinityType type);

// Whether losing the zone with the most primaries still leaves a strict majority of
// `total_primaries` (2 * survivors > total). `total_primaries` may exceed the per-zone sum
// (primaries whose zone is unknown are assumed to survive). False when total_primaries <= 0.
bool SurvivesLossOfMostLoadedZone(const std::map<std::string, int>& primaries_per_zone,
                                  int total_primaries);

// For each zone of `primaries_per_zone`: whether losing that zone alone keeps a strict majority
// of `total_primaries`.
std::map<std::string, bool> QuorumKeptOnZoneLoss(
    const std::map<std::string, int>& primaries_per_zone, int total_primaries);

// DistributionHealth in [0, 1] (documented with worked examples in docs/zone-skew.md).
//
// Z = max(#zones given, zones_considered) (missing zones count 0 members). For a set of n > 0
// members whose most-loaded zone holds m:
//   spread(n, m) = 1                           if n == ceil(n / Z) (no better spread possible)
//                = (n - m) / (n - ceil(n / Z))  otherwise
// i.e. the members that survive the loss of the worst zone, relative to the most that any
// placement over Z zones could keep. For primaries (n = P, quorum q = floor(P / 2) + 1,
// survivors s = P - m):
//   quorum(P, m) = 1                      if s >= q (losing any one zone keeps quorum)
//                = 0.75 * s / (q - 1)     if s < q and q > 1
//                = 0                      if s < q and q == 1 (a single primary)
// health = min(spread(primaries), quorum(primaries), spread(secondaries), spread(overall)),
// sets with no member contributing 1 (health is 1 when there are no members at all).
// Consequences: perfect spreads give 1; any placement that loses primary quorum with one zone
// gives <= 0.75 (< 0.8, the seed's alert threshold); everything in one zone of several gives 0.
double DistributionHealth(const std::map<std::string, int>& primaries_per_zone,
                          const std::map<std::string, int>& secondaries_per_zone,
                          int zones_considered);

// DistributionHealth over a RoleSkew; zones_considered = max(eligible_domains, min_domains), so
// a deployment with fewer eligible zones than minDomains is judged against minDomains zones.
double DistributionHealth(const RoleSkew& skew);

}  // namespace nca::topology
