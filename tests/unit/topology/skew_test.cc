#include "topology/skew.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace nca::topology {
namespace {

constexpr char kZoneKey[] = "topology.kubernetes.io/zone";
constexpr char kNamespace[] = "neo4j";

Node MakeNode(const std::string& name, const std::string& zone, LabelMap extra = {}) {
  Node node;
  node.name = name;
  node.labels = std::move(extra);
  if (!zone.empty()) {
    node.labels[kZoneKey] = zone;
  }
  return node;
}

Pod MakePod(const std::string& name, const std::string& node_name,
            MemberRole role = MemberRole::kPrimary) {
  Pod pod;
  pod.name = name;
  pod.namespace_name = kNamespace;
  pod.labels = {{"app", "neo4j"}, {"cluster", "prod"}};
  pod.node_name = node_name;
  pod.phase = "Running";
  pod.role = role;
  return pod;
}

Pod Terminating(Pod pod) {
  pod.deletion_timestamp_set = true;
  return pod;
}

SpreadConstraint MakeConstraint(int max_skew = 1, int min_domains = 1) {
  SpreadConstraint c;
  c.topology_key = kZoneKey;
  c.max_skew = max_skew;
  c.min_domains = min_domains;
  c.match_labels = {{"app", "neo4j"}};
  c.namespace_name = kNamespace;
  return c;
}

// Three zones with one node each: a1 in zone-a, b1 in zone-b, c1 in zone-c.
std::vector<Node> ThreeZones() {
  return {MakeNode("a1", "zone-a"), MakeNode("b1", "zone-b"), MakeNode("c1", "zone-c")};
}

struct SkewCase {
  std::string name;
  std::vector<Node> nodes;
  std::vector<Pod> pods;
  SpreadConstraint constraint;
  std::map<std::string, int> want_counts;
  int want_global_minimum;
  int want_skew;
  bool want_violated;
  std::vector<std::string> want_empty;
  int want_excluded;
  int want_terminating;
};

std::vector<SkewCase> SchedulerExamples() {
  std::vector<SkewCase> cases;
  // KEP-895: 1/1/0 -> skew 1 (the empty zone is a domain: global minimum 0).
  cases.push_back({"kep895_1_1_0",
                   ThreeZones(),
                   {MakePod("p0", "a1"), MakePod("p1", "b1")},
                   MakeConstraint(),
                   {{"zone-a", 1}, {"zone-b", 1}, {"zone-c", 0}},
                   0,
                   1,
                   false,
                   {"zone-c"},
                   0,
                   0});
  // KEP-895: 3/2/1 -> skew 2, above maxSkew 1.
  cases.push_back({"kep895_3_2_1",
                   ThreeZones(),
                   {MakePod("p0", "a1"), MakePod("p1", "a1"), MakePod("p2", "a1"),
                    MakePod("p3", "b1"), MakePod("p4", "b1"), MakePod("p5", "c1")},
                   MakeConstraint(),
                   {{"zone-a", 3}, {"zone-b", 2}, {"zone-c", 1}},
                   1,
                   2,
                   true,
                   {},
                   0,
                   0});
  // Empty eligible zones: zone-b and zone-c have nodes but no pod; 2/0/0 -> skew 2.
  cases.push_back({"empty_eligible_zones",
                   ThreeZones(),
                   {MakePod("p0", "a1"), MakePod("p1", "a1")},
                   MakeConstraint(),
                   {{"zone-a", 2}, {"zone-b", 0}, {"zone-c", 0}},
                   0,
                   2,
                   true,
                   {"zone-b", "zone-c"},
                   0,
                   0});
  // minDomains 3 but only two zones exist: global minimum forced to 0, so 2/2 has skew 2.
  cases.push_back(
      {"min_domains_above_zone_count",
       {MakeNode("a1", "zone-a"), MakeNode("b1", "zone-b")},
       {MakePod("p0", "a1"), MakePod("p1", "a1"), MakePod("p2", "b1"), MakePod("p3", "b1")},
       MakeConstraint(1, 3),
       {{"zone-a", 2}, {"zone-b", 2}},
       0,
       2,
       true,
       {},
       0,
       0});
  // Same pods with minDomains 2 (reached): global minimum is the real minimum, skew 0.
  cases.push_back(
      {"min_domains_reached",
       {MakeNode("a1", "zone-a"), MakeNode("b1", "zone-b")},
       {MakePod("p0", "a1"), MakePod("p1", "a1"), MakePod("p2", "b1"), MakePod("p3", "b1")},
       MakeConstraint(1, 2),
       {{"zone-a", 2}, {"zone-b", 2}},
       2,
       0,
       false,
       {},
       0,
       0});
  // The only pod of zone-c is terminating: it does not count, 1/1/0 -> skew 1.
  cases.push_back({"terminating_pod_excluded",
                   ThreeZones(),
                   {MakePod("p0", "a1"), MakePod("p1", "b1"), Terminating(MakePod("p2", "c1"))},
                   MakeConstraint(),
                   {{"zone-a", 1}, {"zone-b", 1}, {"zone-c", 0}},
                   0,
                   1,
                   false,
                   {"zone-c"},
                   0,
                   1});
  // A node without the zone label is no domain; its pods are excluded (counted apart).
  cases.push_back(
      {"node_without_label_excluded",
       {MakeNode("a1", "zone-a"), MakeNode("b1", "zone-b"), MakeNode("x1", "")},
       {MakePod("p0", "a1"), MakePod("p1", "b1"), MakePod("p2", "x1"), MakePod("p3", "x1")},
       MakeConstraint(),
       {{"zone-a", 1}, {"zone-b", 1}},
       1,
       0,
       false,
       {},
       2,
       0});
  // Pods of another namespace are ignored entirely (not even excluded).
  {
    Pod other = MakePod("q0", "a1");
    other.namespace_name = "other";
    Pod other2 = MakePod("q1", "a1");
    other2.namespace_name = "other";
    cases.push_back({"other_namespace_ignored",
                     ThreeZones(),
                     {MakePod("p0", "a1"), MakePod("p1", "b1"), MakePod("p2", "c1"), other, other2},
                     MakeConstraint(),
                     {{"zone-a", 1}, {"zone-b", 1}, {"zone-c", 1}},
                     1,
                     0,
                     false,
                     {},
                     0,
                     0});
  }
  // Pods whose labels do not match the selector are ignored.
  {
    Pod other_app = MakePod("q0", "a1");
    other_app.labels = {{"app", "postgres"}};
    cases.push_back({"label_selector_mismatch_ignored",
                     ThreeZones(),
                     {MakePod("p0", "b1"), other_app},
                     MakeConstraint(),
                     {{"zone-a", 0}, {"zone-b", 1}, {"zone-c", 0}},
                     0,
                     1,
                     false,
                     {"zone-a", "zone-c"},
                     0,
                     0});
  }
  // Several nodes per zone add up; an unscheduled pod and a pod on an unknown node are excluded.
  cases.push_back({"nodes_aggregate_unscheduled_excluded",
                   {MakeNode("a1", "zone-a"), MakeNode("a2", "zone-a"), MakeNode("b1", "zone-b")},
                   {MakePod("p0", "a1"), MakePod("p1", "a2"), MakePod("p2", "b1"),
                    MakePod("p3", ""), MakePod("p4", "gone")},
                   MakeConstraint(),
                   {{"zone-a", 2}, {"zone-b", 1}},
                   1,
                   1,
                   false,
                   {},
                   2,
                   0});
  // nodeAffinityPolicy Honor: a node failing the nodeSelector is not eligible (no domain d).
  {
    SpreadConstraint honor = MakeConstraint();
    honor.node_selector = {{"node-type", "database"}};
    std::vector<Node> nodes = {MakeNode("a1", "zone-a", {{"node-type", "database"}}),
                               MakeNode("b1", "zone-b", {{"node-type", "database"}}),
                               MakeNode("d1", "zone-d", {{"node-type", "batch"}})};
    std::vector<Pod> pods = {MakePod("p0", "a1"), MakePod("p1", "b1"), MakePod("p2", "d1"),
                             MakePod("p3", "d1")};
    cases.push_back({"node_selector_honored",
                     nodes,
                     pods,
                     honor,
                     {{"zone-a", 1}, {"zone-b", 1}},
                     1,
                     0,
                     false,
                     {},
                     2,
                     0});
    SpreadConstraint ignore = honor;
    ignore.node_affinity_policy = NodeAffinityPolicy::kIgnore;
    cases.push_back({"node_selector_ignored",
                     nodes,
                     pods,
                     ignore,
                     {{"zone-a", 1}, {"zone-b", 1}, {"zone-d", 2}},
                     1,
                     1,
                     false,
                     {},
                     0,
                     0});
  }
  // Taints are ignored by the default nodeTaintsPolicy: a tainted node's zone is still eligible.
  {
    std::vector<Node> nodes = ThreeZones();
    nodes[2].taints.push_back({"dedicated", "neo4j", "NoSchedule"});
    cases.push_back({"taints_ignored",
                     nodes,
                     {MakePod("p0", "a1"), MakePod("p1", "b1")},
                     MakeConstraint(),
                     {{"zone-a", 1}, {"zone-b", 1}, {"zone-c", 0}},
                     0,
                     1,
                     false,
                     {"zone-c"},
                     0,
                     0});
  }
  // An empty labelSelector selects nothing (countPodsMatchSelector returns 0).
  {
    SpreadConstraint empty_selector = MakeConstraint();
    empty_selector.match_labels.clear();
    cases.push_back({"empty_selector_selects_nothing",
                     ThreeZones(),
                     {MakePod("p0", "a1"), MakePod("p1", "a1")},
                     empty_selector,
                     {{"zone-a", 0}, {"zone-b", 0}, {"zone-c", 0}},
                     0,
                     0,
                     false,
                     {"zone-a", "zone-b", "zone-c"},
                     0,
                     0});
  }
  // No eligible node at all: no domain, skew 0, even with minDomains 3.
  cases.push_back({"no_domains",
                   {MakeNode("x1", "")},
                   {MakePod("p0", "x1")},
                   MakeConstraint(1, 3),
                   {},
                   0,
                   0,
                   false,
                   {},
                   1,
                   0});
  // maxSkew 2 tolerates 3/2/1.
  cases.push_back({"max_skew_two_tolerates_3_2_1",
                   ThreeZones(),
                   {MakePod("p0", "a1"), MakePod("p1", "a1"), MakePod("p2", "a1"),
                    MakePod("p3", "b1"), MakePod("p4", "b1"), MakePod("p5", "c1")},
                   MakeConstraint(2),
                   {{"zone-a", 3}, {"zone-b", 2}, {"zone-c", 1}},
                   1,
                   2,
                   false,
                   {},
                   0,
                   0});
  return cases;
}

TEST(ZoneSkewTest, MatchesSchedulerWorkedExamples) {
  for (const auto& tc : SchedulerExamples()) {
    SCOPED_TRACE(tc.name);
    const SkewResult r = ComputeSkew(tc.nodes, tc.pods, tc.constraint);
    EXPECT_EQ(r.counts, tc.want_counts);
    EXPECT_EQ(r.global_minimum, tc.want_global_minimum);
    EXPECT_EQ(r.skew, tc.want_skew);
    EXPECT_EQ(r.violated, tc.want_violated);
    EXPECT_EQ(r.empty_domains, tc.want_empty);
    EXPECT_EQ(r.excluded_pods, tc.want_excluded);
    EXPECT_EQ(r.terminating_pods, tc.want_terminating);
    EXPECT_EQ(r.eligible_domains, static_cast<int>(tc.want_counts.size()));
    EXPECT_EQ(r.max_skew, tc.constraint.max_skew);
    EXPECT_EQ(r.min_domains, tc.constraint.min_domains);
  }
}

TEST(ZoneSkewTest, MinDomainsBelowOneIsTreatedAsOne) {
  const SkewResult r =
      ComputeSkew(ThreeZones(), {MakePod("p0", "a1"), MakePod("p1", "b1"), MakePod("p2", "c1")},
                  MakeConstraint(1, 0));
  EXPECT_EQ(r.min_domains, 1);
  EXPECT_EQ(r.global_minimum, 1);
  EXPECT_EQ(r.skew, 0);
  EXPECT_EQ(r.TotalCounted(), 3);
}

TEST(ZoneSkewTest, SkewPerRoleFiltersPodsByRole) {
  // Primaries 2/1/0, secondaries 0/1/1, plus one member of unknown role in zone-c.
  const std::vector<Pod> pods = {
      MakePod("p0", "a1", MemberRole::kPrimary),   MakePod("p1", "a1", MemberRole::kPrimary),
      MakePod("p2", "b1", MemberRole::kPrimary),   MakePod("s0", "b1", MemberRole::kSecondary),
      MakePod("s1", "c1", MemberRole::kSecondary), MakePod("u0", "c1", MemberRole::kUnknown),
  };
  const RoleSkew r = ComputeRoleSkew(ThreeZones(), pods, MakeConstraint());

  EXPECT_EQ(r.primaries.counts,
            (std::map<std::string, int>{{"zone-a", 2}, {"zone-b", 1}, {"zone-c", 0}}));
  EXPECT_EQ(r.primaries.skew, 2);
  EXPECT_TRUE(r.primaries.violated);
  EXPECT_EQ(r.primaries.empty_domains, std::vector<std::string>{"zone-c"});  // no primary there

  EXPECT_EQ(r.secondaries.counts,
            (std::map<std::string, int>{{"zone-a", 0}, {"zone-b", 1}, {"zone-c", 1}}));
  EXPECT_EQ(r.secondaries.skew, 1);
  EXPECT_FALSE(r.secondaries.violated);

  EXPECT_EQ(r.overall.counts,
            (std::map<std::string, int>{{"zone-a", 2}, {"zone-b", 2}, {"zone-c", 2}}));
  EXPECT_EQ(r.overall.skew, 0);

  const SkewResult secondaries_only =
      ComputeSkewForRole(ThreeZones(), pods, MakeConstraint(), MemberRole::kSecondary);
  EXPECT_EQ(secondaries_only.counts, r.secondaries.counts);
}

TEST(ZoneSkewTest, AntiAffinityViolationsCountZonesWithSeveralPrimaries) {
  const std::map<std::string, int> one_doubled = {{"a", 2}, {"b", 1}, {"c", 0}};
  const std::map<std::string, int> two_doubled = {{"a", 2}, {"b", 3}, {"c", 1}};
  const std::map<std::string, int> spread = {{"a", 1}, {"b", 1}, {"c", 1}};
  EXPECT_EQ(AntiAffinityViolations(one_doubled, AntiAffinityType::kRequired), 1);
  EXPECT_EQ(AntiAffinityViolations(two_doubled, AntiAffinityType::kRequired), 2);
  EXPECT_EQ(AntiAffinityViolations(spread, AntiAffinityType::kRequired), 0);
  EXPECT_EQ(AntiAffinityViolations(two_doubled, AntiAffinityType::kPreferred), 0);
  EXPECT_EQ(AntiAffinityViolations(two_doubled, AntiAffinityType::kNone), 0);
}

TEST(ZoneSkewTest, SurvivesLossOfMostLoadedZone) {
  EXPECT_TRUE(SurvivesLossOfMostLoadedZone({{"a", 1}, {"b", 1}, {"c", 1}}, 3));
  EXPECT_FALSE(SurvivesLossOfMostLoadedZone({{"a", 2}, {"b", 1}, {"c", 0}}, 3));
  EXPECT_FALSE(SurvivesLossOfMostLoadedZone({{"a", 3}}, 3));
  EXPECT_TRUE(SurvivesLossOfMostLoadedZone({{"a", 2}, {"b", 2}, {"c", 1}}, 5));
  // 4 primaries over 3 zones: losing the zone with 2 leaves 2 of 4, not a strict majority.
  EXPECT_FALSE(SurvivesLossOfMostLoadedZone({{"a", 2}, {"b", 1}, {"c", 1}}, 4));
  // Two primaries in unknown zones are assumed to survive: 4 of 5 left.
  EXPECT_TRUE(SurvivesLossOfMostLoadedZone({{"a", 1}, {"b", 1}, {"c", 1}}, 5));
  EXPECT_FALSE(SurvivesLossOfMostLoadedZone({}, 0));
  EXPECT_FALSE(SurvivesLossOfMostLoadedZone({{"a", 0}}, 0));
}

TEST(ZoneSkewTest, QuorumKeptOnZoneLossPerZone) {
  const auto kept = QuorumKeptOnZoneLoss({{"a", 2}, {"b", 1}, {"c", 0}}, 3);
  EXPECT_EQ(kept, (std::map<std::string, bool>{{"a", false}, {"b", true}, {"c", true}}));
  const auto none = QuorumKeptOnZoneLoss({{"a", 0}}, 0);
  EXPECT_EQ(none, (std::map<std::string, bool>{{"a", false}}));
}

TEST(ZoneSkewTest, DistributionHealthWorkedExamples) {
  using Counts = std::map<std::string, int>;
  // 3 primaries over 3 zones 1/1/1: perfect.
  EXPECT_DOUBLE_EQ(DistributionHealth(Counts{{"a", 1}, {"b", 1}, {"c", 1}}, {}, 3), 1.0);
  // 2/1/0: one survivor of the worst zone where 2 were possible -> 1/2; quorum lost.
  EXPECT_DOUBLE_EQ(DistributionHealth(Counts{{"a", 2}, {"b", 1}, {"c", 0}}, {}, 3), 0.5);
  // The missing zone-c is accounted for by zones_considered.
  EXPECT_DOUBLE_EQ(DistributionHealth(Counts{{"a", 2}, {"b", 1}}, {}, 3), 0.5);
  // 3/0/0: everything in one zone.
  EXPECT_DOUBLE_EQ(DistributionHealth(Counts{{"a", 3}}, {}, 3), 0.0);
  // 3 primaries 1/1/1 + 2 secondaries 1/1/0 (overall 2/2/1): the best possible spread.
  EXPECT_GE(DistributionHealth(Counts{{"a", 1}, {"b", 1}, {"c", 1}},
                               Counts{{"a", 1}, {"b", 1}, {"c", 0}}, 3),
            0.8);
  // ... but both secondaries in one zone is an imbalance: losing zone-a loses every secondary.
  EXPECT_DOUBLE_EQ(DistributionHealth(Counts{{"a", 1}, {"b", 1}, {"c", 1}}, Counts{{"a", 2}}, 3),
                   0.0);
  // 9 secondaries 4/3/2 (ideal 3/3/3): 5 of 6 possible survivors; overall 5/4/3 gives 7/8.
  EXPECT_NEAR(DistributionHealth(Counts{{"a", 1}, {"b", 1}, {"c", 1}},
                                 Counts{{"a", 4}, {"b", 3}, {"c", 2}}, 3),
              5.0 / 6.0, 1e-12);
  // A single primary can never survive a zone loss.
  EXPECT_DOUBLE_EQ(DistributionHealth(Counts{{"a", 1}}, {}, 3), 0.0);
  // 4 primaries 2/1/1 is the best spread over 3 zones but loses quorum with zone-a: 0.75 * 2/2.
  EXPECT_DOUBLE_EQ(DistributionHealth(Counts{{"a", 2}, {"b", 1}, {"c", 1}}, {}, 3), 0.75);
  // Nothing to distribute.
  EXPECT_DOUBLE_EQ(DistributionHealth(Counts{}, Counts{}, 3), 1.0);
}

// "primaries a=2 b=1 c=0 secondaries ...", built only when an assertion fails.
std::string Placement(const std::map<std::string, int>& primaries,
                      const std::map<std::string, int>& secondaries) {
  std::string out = "primaries";
  for (const auto& [zone, count] : primaries) {
    out += " " + zone + "=" + std::to_string(count);
  }
  out += " secondaries";
  for (const auto& [zone, count] : secondaries) {
    out += " " + zone + "=" + std::to_string(count);
  }
  return out;
}

// Every placement of 1..6 primaries and 0..3 secondaries over 3 zones: health stays in [0, 1],
// is below the seed's 0.8 threshold whenever one zone loss would cost primary quorum, and is 1
// when every role and the total are spread as evenly as possible and quorum survives.
TEST(ZoneSkewTest, DistributionHealthPropertiesOverAllPlacements) {
  int checked = 0;
  for (int p = 1; p <= 6; ++p) {
    for (int pa = 0; pa <= p; ++pa) {
      for (int pb = 0; pb + pa <= p; ++pb) {
        const int pc = p - pa - pb;
        for (int s = 0; s <= 3; ++s) {
          for (int sa = 0; sa <= s; ++sa) {
            for (int sb = 0; sb + sa <= s; ++sb) {
              const int sc = s - sa - sb;
              const std::map<std::string, int> prim = {{"a", pa}, {"b", pb}, {"c", pc}};
              const std::map<std::string, int> sec = {{"a", sa}, {"b", sb}, {"c", sc}};
              const double h = DistributionHealth(prim, sec, 3);
              ASSERT_GE(h, 0.0) << Placement(prim, sec);
              ASSERT_LE(h, 1.0) << Placement(prim, sec);
              if (!SurvivesLossOfMostLoadedZone(prim, p)) {
                ASSERT_LT(h, 0.8) << Placement(prim, sec);
              }
              auto even = [](int x, int y, int z) {
                return std::max({x, y, z}) - std::min({x, y, z}) <= 1;
              };
              if (even(pa, pb, pc) && even(sa, sb, sc) && even(pa + sa, pb + sb, pc + sc) &&
                  SurvivesLossOfMostLoadedZone(prim, p)) {
                ASSERT_DOUBLE_EQ(h, 1.0) << Placement(prim, sec);
              }
              ++checked;
            }
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 1000);
}

TEST(ZoneSkewTest, DistributionHealthFromRoleSkewJudgesAgainstMinDomains) {
  // Only two zones exist but the constraint asks for three: 3 primaries 2/1 are judged over
  // three zones (the best would be 1/1/1): (3 - 2) / (3 - 1) = 0.5.
  const std::vector<Node> nodes = {MakeNode("a1", "zone-a"), MakeNode("b1", "zone-b")};
  const std::vector<Pod> pods = {MakePod("p0", "a1"), MakePod("p1", "a1"), MakePod("p2", "b1")};
  const RoleSkew with_min3 = ComputeRoleSkew(nodes, pods, MakeConstraint(1, 3));
  EXPECT_DOUBLE_EQ(DistributionHealth(with_min3), 0.5);
  // With minDomains 1, 2/1 is the best spread over two zones, yet quorum is lost with zone-a:
  // 0.75 * 1 / 1.
  const RoleSkew with_min1 = ComputeRoleSkew(nodes, pods, MakeConstraint(1, 1));
  EXPECT_DOUBLE_EQ(DistributionHealth(with_min1), 0.75);
  // Three zones, 1/1/1: healthy.
  const RoleSkew spread =
      ComputeRoleSkew(ThreeZones(), {MakePod("p0", "a1"), MakePod("p1", "b1"), MakePod("p2", "c1")},
                      MakeConstraint(1, 3));
  EXPECT_DOUBLE_EQ(DistributionHealth(spread), 1.0);
}

}  // namespace
}  // namespace nca::topology
