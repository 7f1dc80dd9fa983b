// The zone-source helpers of topology/placement.h: selector equality terms, zones from Neo4j
// server tags, role labels, and the synthetic topology that lets tag and static zones go through
// the scheduler's arithmetic unchanged (same results as the equivalent Kubernetes layout).
#include "topology/placement.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "topology/skew.h"

namespace nca::topology {
namespace {

TEST(ZonePlacementTest, SelectorEqualities) {
  EXPECT_EQ(SelectorEqualities("neo4j.com/cluster=prod"),
            (LabelMap{{"neo4j.com/cluster", "prod"}}));
  EXPECT_EQ(SelectorEqualities(" app == neo4j , tier=db"),
            (LabelMap{{"app", "neo4j"}, {"tier", "db"}}));
  // Set-based, inequality and existence terms are not equalities; commas inside parentheses do
  // not split terms.
  EXPECT_EQ(SelectorEqualities("app in (neo4j,graph),env!=dev,!canary,release,role=primary"),
            (LabelMap{{"role", "primary"}}));
  EXPECT_EQ(SelectorEqualities("env notin (a=b)"), LabelMap{});
  EXPECT_EQ(SelectorEqualities(""), LabelMap{});
  EXPECT_EQ(SelectorEqualities("empty="), (LabelMap{{"empty", ""}}));
}

TEST(ZonePlacementTest, ZoneFromTags) {
  const std::vector<std::string> zones = {"us-east-1a", "us-east-1b"};
  EXPECT_EQ(ZoneFromTags({"zone:eu-1"}, zones), "eu-1");
  EXPECT_EQ(ZoneFromTags({"ssd", "ZONE=eu-2"}, zones), "eu-2");
  EXPECT_EQ(ZoneFromTags({"us-east-1b"}, zones), "us-east-1b");
  // An explicit zone tag wins over a listed zone name.
  EXPECT_EQ(ZoneFromTags({"us-east-1a", "zone:us-east-1b"}, zones), "us-east-1b");
  EXPECT_EQ(ZoneFromTags({"zone:", "zones:x", "us-west-2a"}, zones), std::nullopt);
  EXPECT_EQ(ZoneFromTags({}, zones), std::nullopt);
}

TEST(ZonePlacementTest, RolesAndAntiAffinity) {
  EXPECT_EQ(RoleFromLabel("primary"), MemberRole::kPrimary);
  EXPECT_EQ(RoleFromLabel("CORE"), MemberRole::kPrimary);
  EXPECT_EQ(RoleFromLabel("secondary"), MemberRole::kSecondary);
  EXPECT_EQ(RoleFromLabel("READ_REPLICA"), MemberRole::kSecondary);
  EXPECT_EQ(RoleFromLabel("arbiter"), MemberRole::kUnknown);
  EXPECT_EQ(RoleFromLabel(""), MemberRole::kUnknown);
  EXPECT_EQ(AntiAffinityFromString("required"), AntiAffinityType::kRequired);
  EXPECT_EQ(AntiAffinityFromString("preferred"), AntiAffinityType::kPreferred);
  EXPECT_EQ(AntiAffinityFromString(""), AntiAffinityType::kNone);
}

SpreadConstraint Base(int min_domains) {
  SpreadConstraint c;
  c.topology_key = "topology.kubernetes.io/zone";
  c.max_skew = 1;
  c.min_domains = min_domains;
  c.node_selector = {{"node-type", "database"}};  // ignored: synthetic nodes have no labels
  c.namespace_name = "neo4j";
  return c;
}

TEST(ZonePlacementTest, SyntheticTopologyCountsListedZonesAsEmptyDomains) {
  const std::vector<ZonedMember> members = {
      {"m1", "a", MemberRole::kPrimary}, {"m2", "a", MemberRole::kPrimary},
      {"m3", "b", MemberRole::kPrimary}, {"m4", std::nullopt, MemberRole::kSecondary},
      {"m5", "b", MemberRole::kUnknown},
  };
  SyntheticTopology t = BuildSyntheticTopology(members, {"a", "b", "c"}, Base(1));
  EXPECT_EQ(t.nodes.size(), 3u);
  EXPECT_EQ(t.pods.size(), 5u);
  RoleSkew s = ComputeRoleSkew(t.nodes, t.pods, t.constraint);
  EXPECT_EQ(s.primaries.counts, (std::map<std::string, int>{{"a", 2}, {"b", 1}, {"c", 0}}));
  EXPECT_EQ(s.primaries.skew, 2);  // zone c is an eligible empty domain
  EXPECT_TRUE(s.primaries.violated);
  EXPECT_EQ(s.primaries.empty_domains, std::vector<std::string>{"c"});
  EXPECT_EQ(s.overall.counts, (std::map<std::string, int>{{"a", 2}, {"b", 2}, {"c", 0}}));
  EXPECT_EQ(s.secondaries.excluded_pods, 1);  // m4 has no zone
  EXPECT_EQ(s.overall.excluded_pods, 1);
  EXPECT_EQ(s.overall.eligible_domains, 3);
}

TEST(ZonePlacementTest, SyntheticTopologyHonoursMinDomains) {
  const std::vector<ZonedMember> members = {{"m1", "a", MemberRole::kPrimary},
                                            {"m2", "a", MemberRole::kPrimary},
                                            {"m3", "b", MemberRole::kPrimary},
                                            {"m4", "b", MemberRole::kPrimary}};
  // Two zones, minDomains 3: the global minimum is 0, skew 2.
  RoleSkew three = [&] {
    SyntheticTopology t = BuildSyntheticTopology(members, {}, Base(3));
    return ComputeRoleSkew(t.nodes, t.pods, t.constraint);
  }();
  EXPECT_EQ(three.overall.global_minimum, 0);
  EXPECT_EQ(three.overall.skew, 2);
  EXPECT_EQ(three.overall.min_domains, 3);
  RoleSkew two = [&] {
    SyntheticTopology t = BuildSyntheticTopology(members, {}, Base(2));
    return ComputeRoleSkew(t.nodes, t.pods, t.constraint);
  }();
  EXPECT_EQ(two.overall.global_minimum, 2);
  EXPECT_EQ(two.overall.skew, 0);
}

// The synthetic layout gives the same numbers as the equivalent Kubernetes layout.
TEST(ZonePlacementTest, SyntheticMatchesTheKubernetesEquivalent) {
  std::vector<Node> nodes;
  for (const char* z : {"a", "b", "c"}) {
    Node n;
    n.name = std::string("node-") + z;
    n.labels = {{"topology.kubernetes.io/zone", z}, {"node-type", "database"}};
    nodes.push_back(n);
  }
  std::vector<Pod> pods;
  std::vector<ZonedMember> members;
  const std::vector<std::pair<std::string, MemberRole>> layout = {
      {"a", MemberRole::kPrimary},   {"b", MemberRole::kPrimary},   {"b", MemberRole::kPrimary},
      {"c", MemberRole::kSecondary}, {"c", MemberRole::kSecondary}, {"a", MemberRole::kSecondary}};
  for (std::size_t i = 0; i < layout.size(); ++i) {
    Pod p;
    p.name = "m" + std::to_string(i);
    p.namespace_name = "neo4j";
    p.labels = {{"app", "neo4j"}};
    p.node_name = "node-" + layout[i].first;
    p.role = layout[i].second;
    pods.push_back(p);
    members.push_back({p.name, layout[i].first, layout[i].second});
  }
  SpreadConstraint kc = Base(3);
  kc.match_labels = {{"app", "neo4j"}};
  const RoleSkew k = ComputeRoleSkew(nodes, pods, kc);
  SyntheticTopology t = BuildSyntheticTopology(members, {}, Base(3));
  const RoleSkew s = ComputeRoleSkew(t.nodes, t.pods, t.constraint);
  EXPECT_EQ(k.primaries.counts, s.primaries.counts);
  EXPECT_EQ(k.secondaries.counts, s.secondaries.counts);
  EXPECT_EQ(k.overall.skew, s.overall.skew);
  EXPECT_EQ(k.primaries.skew, s.primaries.skew);
  EXPECT_DOUBLE_EQ(DistributionHealth(k), DistributionHealth(s));
}

}  // namespace
}  // namespace nca::topology
