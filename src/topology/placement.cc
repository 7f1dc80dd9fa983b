#include "topology/placement.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "common/strings.h"

namespace nca::topology {
namespace {

constexpr char kSyntheticLabel[] = "nca.topology/member";
constexpr char kSyntheticNodePrefix[] = "zone/";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Splits on commas outside parentheses.
std::vector<std::string_view> SplitTerms(std::string_view selector) {
  std::vector<std::string_view> terms;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= selector.size(); ++i) {
    if (i == selector.size() || (selector[i] == ',' && depth == 0)) {
      terms.push_back(selector.substr(start, i - start));
      start = i + 1;
    } else if (selector[i] == '(') {
      ++depth;
    } else if (selector[i] == ')' && depth > 0) {
      --depth;
    }
  }
  return terms;
}

}  // namespace

LabelMap SelectorEqualities(std::string_view selector) {
  LabelMap out;
  for (std::string_view term : SplitTerms(selector)) {
    term = TrimSpace(term);
    const std::size_t eq = term.find('=');
    if (eq == std::string_view::npos || eq == 0 || term[eq - 1] == '!') {
      continue;  // existence, set-based or "!=" term
    }
    std::string_view key = TrimSpace(term.substr(0, eq));
    std::string_view value = term.substr(eq + 1);
    if (!value.empty() && value.front() == '=') {
      value.remove_prefix(1);  // "=="
    }
    value = TrimSpace(value);
    if (key.empty() || key.find_first_of(" ()") != std::string_view::npos ||
        value.find_first_of("=() ") != std::string_view::npos) {
      continue;
    }
    out[std::string(key)] = std::string(value);
  }
  return out;
}

std::optional<std::string> ZoneFromTags(const std::vector<std::string>& tags,
                                        const std::vector<std::string>& known_zones) {
  for (const std::string& tag : tags) {
    std::string_view t = TrimSpace(tag);
    if (t.size() > 5 && Lower(t.substr(0, 4)) == "zone" && (t[4] == ':' || t[4] == '=')) {
      std::string_view value = TrimSpace(t.substr(5));
      if (!value.empty()) {
        return std::string(value);
      }
    }
  }
  for (const std::string& tag : tags) {
    std::string_view t = TrimSpace(tag);
    if (std::find(known_zones.begin(), known_zones.end(), t) != known_zones.end()) {
      return std::string(t);
    }
  }
  return std::nullopt;
}

MemberRole RoleFromLabel(std::string_view value) {
  const std::string v = Lower(TrimSpace(value));
  if (v == "primary" || v == "core" || v == "leader" || v == "follower") {
    return MemberRole::kPrimary;
  }
  if (v == "secondary" || v == "read_replica" || v == "read-replica" || v == "replica") {
    return MemberRole::kSecondary;
  }
  return MemberRole::kUnknown;
}

AntiAffinityType AntiAffinityFromString(std::string_view value) {
  const std::string v = Lower(TrimSpace(value));
  if (v == "required") {
    return AntiAffinityType::kRequired;
  }
  if (v == "preferred") {
    return AntiAffinityType::kPreferred;
  }
  return AntiAffinityType::kNone;
}

SyntheticTopology BuildSyntheticTopology(const std::vector<ZonedMember>& members,
                                         const std::vector<std::string>& listed_zones,
                                         const SpreadConstraint& base) {
  SyntheticTopology out;
  out.constraint = base;
  out.constraint.match_labels = {{kSyntheticLabel, "true"}};
  out.constraint.namespace_name.clear();
  out.constraint.node_selector.clear();

  std::set<std::string> zones(listed_zones.begin(), listed_zones.end());
  for (const ZonedMember& m : members) {
    if (m.zone) {
      zones.insert(*m.zone);
    }
  }
  for (const std::string& zone : zones) {
    Node node;
    node.name = kSyntheticNodePrefix + zone;
    node.labels[base.topology_key] = zone;
    out.nodes.push_back(std::move(node));
  }
  for (const ZonedMember& m : members) {
    Pod pod;
    pod.name = m.name;
    pod.labels[kSyntheticLabel] = "true";
    pod.node_name = m.zone ? kSyntheticNodePrefix + *m.zone : std::string();
    pod.role = m.role;
    out.pods.push_back(std::move(pod));
  }
  return out;
}

}  // namespace nca::topology
