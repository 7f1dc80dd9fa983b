#include "topology/skew.h"

#include <algorithm>
#include <cstddef>
#include <optional>

namespace nca::topology {
namespace {

// True when every (key, value) of `selector` is in `labels`. An empty selector matches anything.
bool LabelsContain(const LabelMap& labels, const LabelMap& selector) {
  for (const auto& [key, value] : selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) {
      return false;
    }
  }
  return true;
}

// The scheduler's countPodsMatchSelector returns 0 for an empty selector.
bool PodSelected(const Pod& pod, const LabelMap& match_labels) {
  return !match_labels.empty() && LabelsContain(pod.labels, match_labels);
}

// Node name -> domain for every eligible node.
std::map<std::string, std::string> EligibleNodeDomains(const std::vector<Node>& nodes,
                                                       const SpreadConstraint& constraint) {
  std::map<std::string, std::string> domains;
  for (const auto& node : nodes) {
    auto it = node.labels.find(constraint.topology_key);
    if (it == node.labels.end()) {
      continue;
    }
    if (constraint.node_affinity_policy == NodeAffinityPolicy::kHonor &&
        !LabelsContain(node.labels, constraint.node_selector)) {
      continue;
    }
    domains[node.name] = it->second;
  }
  return domains;
}

SkewResult Compute(const std::vector<Node>& nodes, const std::vector<Pod>& pods,
                   const SpreadConstraint& constraint, std::optional<MemberRole> role) {
  SkewResult result;
  result.max_skew = constraint.max_skew;
  result.min_domains = std::max(constraint.min_domains, 1);

  const auto node_domains = EligibleNodeDomains(nodes, constraint);
  for (const auto& [node_name, domain] : node_domains) {
    result.counts.emplace(domain, 0);
  }
  for (const auto& pod : pods) {
    if (pod.namespace_name != constraint.namespace_name ||
        !PodSelected(pod, constraint.match_labels)) {
      continue;
    }
    if (role.has_value() && pod.role != *role) {
      continue;
    }
    if (pod.deletion_timestamp_set) {
      ++result.terminating_pods;
      continue;
    }
    auto it = node_domains.find(pod.node_name);
    if (pod.node_name.empty() || it == node_domains.end()) {
      ++result.excluded_pods;
      continue;
    }
    ++result.counts[it->second];
  }

  result.eligible_domains = static_cast<int>(result.counts.size());
  if (!result.counts.empty()) {
    int max_count = 0;
    int min_count = result.counts.begin()->second;
    for (const auto& [domain, count] : result.counts) {
      max_count = std::max(max_count, count);
      min_count = std::min(min_count, count);
      if (count == 0) {
        result.empty_domains.push_back(domain);
      }
    }
    result.global_minimum = result.eligible_domains < result.min_domains ? 0 : min_count;
    result.skew = max_count - result.global_minimum;
  }
  result.violated = result.skew > result.max_skew;
  return result;
}

struct Spread {
  int total = 0;
  int max_in_zone = 0;
};

Spread Summarise(const std::map<std::string, int>& per_zone) {
  Spread s;
  for (const auto& [zone, count] : per_zone) {
    if (count > 0) {
      s.total += count;
      s.max_in_zone = std::max(s.max_in_zone, count);
    }
  }
  return s;
}

double SpreadScore(const Spread& s, int zones) {
  if (s.total <= 0) {
    return 1.0;
  }
  const int ideal_max = (s.total + zones - 1) / zones;  // ceil(n / Z)
  if (s.total == ideal_max) {
    return 1.0;
  }
  const double score =
      static_cast<double>(s.total - s.max_in_zone) / static_cast<double>(s.total - ideal_max);
  return std::clamp(score, 0.0, 1.0);
}

double QuorumScore(const Spread& primaries) {
  if (primaries.total <= 0) {
    return 1.0;
  }
  const int quorum = primaries.total / 2 + 1;
  const int survivors = primaries.total - primaries.max_in_zone;
  if (survivors >= quorum) {
    return 1.0;
  }
  if (quorum == 1) {
    return 0.0;
  }
  return 0.75 * static_cast<double>(survivors) / static_cast<double>(quorum - 1);
}

int ZonesFor(int zones_considered, std::size_t a, std::size_t b, std::size_t c) {
  const auto most = std::max({a, b, c, static_cast<std::size_t>(1)});
  return std::max(zones_considered, static_cast<int>(most));
}

double Health(const std::map<std::string, int>& primaries,
              const std::map<std::string, int>& secondaries,
              const std::map<std::string, int>& overall, int zones_considered) {
  const int zones =
      ZonesFor(zones_considered, primaries.size(), secondaries.size(), overall.size());
  const Spread p = Summarise(primaries);
  const Spread s = Summarise(secondaries);
  const Spread o = Summarise(overall);
  return std::min(
      {SpreadScore(p, zones), QuorumScore(p), SpreadScore(s, zones), SpreadScore(o, zones)});
}

}  // namespace

int SkewResult::TotalCounted() const {
  int total = 0;
  for (const auto& [domain, count] : counts) {
    total += count;
  }
  return total;
}

SkewResult ComputeSkew(const std::vector<Node>& nodes, const std::vector<Pod>& pods,
                       const SpreadConstraint& constraint) {
  return Compute(nodes, pods, constraint, std::nullopt);
}

SkewResult ComputeSkewForRole(const std::vector<Node>& nodes, const std::vector<Pod>& pods,
                              const SpreadConstraint& constraint, MemberRole role) {
  return Compute(nodes, pods, constraint, role);
}

RoleSkew ComputeRoleSkew(const std::vector<Node>& nodes, const std::vector<Pod>& pods,
                         const SpreadConstraint& constraint) {
  RoleSkew result;
  result.primaries = Compute(nodes, pods, constraint, MemberRole::kPrimary);
  result.secondaries = Compute(nodes, pods, constraint, MemberRole::kSecondary);
  result.overall = Compute(nodes, pods, constraint, std::nullopt);
  return result;
}

int AntiAffinityViolations(const std::map<std::string, int>& primaries_per_zone,
                           AntiAffinityType type) {
  if (type != AntiAffinityType::kRequired) {
    return 0;
  }
  int violations = 0;
  for (const auto& [zone, count] : primaries_per_zone) {
    if (count > 1) {
      ++violations;
    }
  }
  return violations;
}

bool SurvivesLossOfMostLoadedZone(const std::map<std::string, int>& primaries_per_zone,
                                  int total_primaries) {
  if (total_primaries <= 0) {
    return false;
  }
  int most = 0;
  for (const auto& [zone, count] : primaries_per_zone) {
    most = std::max(most, count);
  }
  const int survivors = total_primaries - std::min(most, total_primaries);
  return 2 * survivors > total_primaries;
}

std::map<std::string, bool> QuorumKeptOnZoneLoss(
    const std::map<std::string, int>& primaries_per_zone, int total_primaries) {
  std::map<std::string, bool> kept;
  for (const auto& [zone, count] : primaries_per_zone) {
    const int lost = std::clamp(count, 0, std::max(total_primaries, 0));
    const int survivors = total_primaries - lost;
    kept[zone] = total_primaries > 0 && 2 * survivors > total_primaries;
  }
  return kept;
}

double DistributionHealth(const std::map<std::string, int>& primaries_per_zone,
                          const std::map<std::string, int>& secondaries_per_zone,
                          int zones_considered) {
  std::map<std::string, int> overall = primaries_per_zone;
  for (const auto& [zone, count] : secondaries_per_zone) {
    overall[zone] += count;
  }
  return Health(primaries_per_zone, secondaries_per_zone, overall, zones_considered);
}

double DistributionHealth(const RoleSkew& skew) {
  const int zones = std::max(skew.overall.eligible_domains, skew.overall.min_domains);
  return Health(skew.primaries.counts, skew.secondaries.counts, skew.overall.counts, zones);
}

}  // namespace nca::topology
