// Pure helpers that turn the zone sources of the zone-skew collector into skew inputs
// (topology/skew.h): label-selector equality terms, zones from Neo4j server tags, roles from pod
// labels, and the synthetic nodes/pods used when zones do not come from the Kubernetes API.
//
// No I/O, no logging, no clock: every function is thread-safe; the structs are plain values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "topology/skew.h"

namespace nca::topology {

// The equality terms of a Kubernetes label selector: "a=b", "a==b" -> {a: b}. Set-based and
// existence terms ("a!=b", "a in (x,y)", "a notin (x)", "a", "!a") are skipped (commas inside
// parentheses do not split terms). Whitespace around keys and values is ignored.
LabelMap SelectorEqualities(std::string_view selector);

// The zone a Neo4j server advertises in its tags (5.x SHOW SERVERS `tags`, 4.4 server `groups`):
// the value of the first tag "zone:<z>" or "zone=<z>" (key in any letter case, non-empty value),
// else the first tag equal to one of `known_zones`; nullopt when neither exists.
std::optional<std::string> ZoneFromTags(const std::vector<std::string>& tags,
                                        const std::vector<std::string>& known_zones);

// A role label value, in any letter case: primary, core, leader, follower -> kPrimary;
// secondary, read_replica, read-replica, replica -> kSecondary; anything else -> kUnknown.
MemberRole RoleFromLabel(std::string_view value);

// "required" -> kRequired, "preferred" -> kPreferred, anything else -> kNone.
AntiAffinityType AntiAffinityFromString(std::string_view value);

// One member whose zone is known (or not) from Neo4j tags or static configuration.
struct ZonedMember {
  std::string name;
  std::optional<std::string> zone;  // nullopt: no zone known (excluded from the counts)
  MemberRole role = MemberRole::kUnknown;
};

// Skew inputs without a Kubernetes API.
struct SyntheticTopology {
  std::vector<Node> nodes;
  std::vector<Pod> pods;
  SpreadConstraint constraint;
};

// Builds one node per zone (the members' zones plus `listed_zones`, which count as eligible
// domains even without members) labelled `base.topology_key`, and one pod per member on its
// zone's node (unscheduled when its zone is unknown, so it is excluded as the scheduler excludes
// pods on nodes without the key). The constraint is `base` with a selector that matches exactly
// these pods, no node selector and no namespace, so ComputeRoleSkew applies the scheduler's
// arithmetic (eligible empty zones, minDomains) unchanged.
SyntheticTopology BuildSyntheticTopology(const std::vector<ZonedMember>& members,
                                         const std::vector<std::string>& listed_zones,
                                         const SpreadConstraint& base);

}  // namespace nca::topology
