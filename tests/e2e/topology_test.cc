// Issue 3 end to end: the real agent binary against the simulator's zones, regions, emulated
// Kubernetes API and cross-cluster links. One test per row of seed 004's "Failure Scenarios and
// Protection" table (single pod, single zone, multiple zones, entire region), asserting the
// metrics that reveal each, plus cross-cluster latency accuracy and a cut link.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <string>

#include "harness.h"

namespace nca::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr auto kConverge = seconds(40);

AgentOptions Topology(std::string source = "") {
  AgentOptions o;
  o.topology = true;
  o.cross_cluster_source = std::move(source);
  return o;
}

std::optional<double> Value(const std::vector<Sample>& s, const std::string& name,
                            const std::map<std::string, std::string>& labels) {
  return ValueOf(s, name, labels);
}

bool Is(const std::vector<Sample>& s, const std::string& name,
        const std::map<std::string, std::string>& labels, double want) {
  std::optional<double> v = ValueOf(s, name, labels);
  return v && *v == want;
}

bool HasLeader(const std::vector<Sample>& s, const std::string& cluster) {
  return !LeaderOf(s, cluster, "neo4j").empty();
}

std::map<std::string, std::string> Pair(const std::string& from, const std::string& to) {
  return {{"source_cluster", from}, {"target_cluster", to}};
}

std::map<std::string, std::string> Phase(const std::string& from, const std::string& to,
                                         const std::string& phase) {
  auto labels = Pair(from, to);
  labels["phase"] = phase;
  return labels;
}

// Healthy embedded topology: zones come from the Kubernetes API and every cluster is spread one
// primary per zone, so distribution health is 1 and losing any zone keeps quorum.
TEST(TopologyTest, HealthyTopologyFromTheKubernetesApi) {
  SimAndAgent env(std::string(sim::DefaultTopologyYaml()), Topology());
  ASSERT_TRUE(env.Ok());
  std::vector<Sample> s;
  const std::map<std::string, std::string> east = {{"neo4j_cluster", "prod-east"}};
  bool ok = env.WaitUntil(
      [&](const std::vector<Sample>& x) {
        return Is(x, "neo4j_zone_source_info",
                  {{"neo4j_cluster", "prod-east"}, {"source", "kubernetes"}}, 1) &&
               Is(x, "neo4j_zone_distribution_health", east, 1) &&
               Is(x, "neo4j_zone_loss_survivable", east, 1) &&
               Is(x, "neo4j_cross_cluster_probe_success",
                  Phase("prod-east", "dr-west", "bolt_handshake"), 1);
      },
      kConverge, &s);
  ASSERT_TRUE(ok) << "zone and latency metrics never settled";
  EXPECT_EQ(Value(s, "neo4j_zone_eligible_zones", east), 3);
  EXPECT_EQ(Value(s, "neo4j_zone_skew", {{"neo4j_cluster", "prod-east"}, {"role", "primary"}}), 0);
  EXPECT_EQ(Value(s, "neo4j_zones_without_primary", east), 0);
  EXPECT_EQ(
      Value(s, "neo4j_zone_members",
            {{"neo4j_cluster", "prod-east"}, {"neo4j_zone", "us-east-1a"}, {"role", "secondary"}}),
      1);
  // Every peer cluster is probed from prod-east, never prod-east itself.
  EXPECT_TRUE(ValueOf(s, "neo4j_cross_cluster_latency_seconds", Pair("prod-east", "legacy-44")));
  EXPECT_FALSE(ValueOf(s, "neo4j_cross_cluster_latency_seconds", Pair("prod-east", "prod-east")));
  double latency =
      Value(s, "neo4j_cross_cluster_latency_seconds", Pair("prod-east", "dr-west")).value_or(-1);
  EXPECT_GE(latency, 0);
  EXPECT_LT(latency, 0.5);
}

// The injected link delay is what the agent reports, within +-5 ms, at 0, 50 and 200 ms.
TEST(TopologyTest, LatencyFollowsTheInjectedDelay) {
  SimAndAgent env(std::string(sim::DefaultTopologyYaml()), Topology());
  ASSERT_TRUE(env.Ok());
  for (int delay_ms : {0, 50, 200}) {
    env.Fault(R"({"action": "link_slow", "from": "prod-east", "to": "dr-west", "delay": ")" +
              std::to_string(delay_ms) + R"(ms"})");
    const double want = delay_ms / 1000.0;
    // Five fresh probes after the change (the first one seen may predate it); their median is
    // the delay plus the probe's own cost: never less than the delay, and at most 25 ms more
    // (connect, handshake and scheduling on a loaded 2-core machine under ASan; one slow probe
    // does not decide).
    std::vector<double> values;
    double last_stamp = -1;
    bool first = true;
    bool ok = env.WaitUntil(
        [&](const std::vector<Sample>& x) {
          auto stamp = ValueOf(x, "neo4j_cross_cluster_last_success_timestamp_seconds",
                               Pair("prod-east", "dr-west"));
          auto v = ValueOf(x, "neo4j_cross_cluster_latency_seconds", Pair("prod-east", "dr-west"));
          if (!stamp || !v || *stamp == last_stamp) {
            return false;
          }
          last_stamp = *stamp;
          if (!first) {
            values.push_back(*v);
          }
          first = false;
          return values.size() >= 5;
        },
        kConverge);
    ASSERT_TRUE(ok) << "delay " << delay_ms << " ms: not enough successful probes";
    std::sort(values.begin(), values.end());
    EXPECT_GE(values[2], want) << "delay " << delay_ms << " ms";
    EXPECT_LE(values[2], want + 0.025) << "delay " << delay_ms << " ms";
  }
}

// A cut link shows as failing probes (latency +Inf, success 0) in the first run after the cut,
// never as the last good latency; healing brings it back.
TEST(TopologyTest, CutLinkFailsWithinOneProbeInterval) {
  SimAndAgent env(std::string(sim::DefaultTopologyYaml()), Topology());
  ASSERT_TRUE(env.Ok());
  ASSERT_TRUE(env.WaitUntil(
      [&](const std::vector<Sample>& x) {
        return Is(x, "neo4j_cross_cluster_probe_success",
                  Phase("prod-east", "dr-west", "bolt_handshake"), 1);
      },
      kConverge));
  auto run_stamp = [](const std::vector<Sample>& x) {
    return ValueOf(x, "neo4j_agent_collector_last_success_timestamp_seconds",
                   {{"collector", "cross_cluster_latency"}})
        .value_or(0);
  };
  env.Fault(R"({"action": "link_cut", "from": "prod-east", "to": "dr-west"})");
  // The run in progress may have probed before the cut; the one after it must show the cut.
  const double at_cut = run_stamp(env.Scrape());
  int runs = 0;
  double prev = at_cut;
  std::vector<Sample> s;
  ASSERT_TRUE(env.WaitUntil(
      [&](const std::vector<Sample>& x) {
        double now = run_stamp(x);
        if (now > prev) {
          prev = now;
          ++runs;
        }
        return runs >= 2;
      },
      seconds(10), &s))
      << "the collector stopped running";
  EXPECT_EQ(Value(s, "neo4j_cross_cluster_probe_success",
                  Phase("prod-east", "dr-west", "bolt_handshake")),
            0);
  EXPECT_TRUE(std::isinf(
      Value(s, "neo4j_cross_cluster_latency_seconds", Pair("prod-east", "dr-west")).value_or(0)));
  EXPECT_GE(Value(s, "neo4j_cross_cluster_probe_consecutive_failures", Pair("prod-east", "dr-west"))
                .value_or(0),
            1);
  // The other peer is unaffected.
  EXPECT_EQ(Value(s, "neo4j_cross_cluster_probe_success",
                  Phase("prod-east", "legacy-44", "bolt_handshake")),
            1);
  env.Fault(R"({"action": "link_heal"})");
  EXPECT_TRUE(env.WaitUntil(
      [&](const std::vector<Sample>& x) {
        return Is(x, "neo4j_cross_cluster_probe_success",
                  Phase("prod-east", "dr-west", "bolt_handshake"), 1) &&
               Is(x, "neo4j_cross_cluster_probe_consecutive_failures", Pair("prod-east", "dr-west"),
                  0);
      },
      kConverge));
}

// Seed 004, "Single Pod": with topology, automatic failover. The pod keeps its place in the
// zone counts (it is still scheduled there); the member is down and a new leader is elected.
TEST(TopologyTest, SeedFailureSinglePod) {
  SimAndAgent env(std::string(sim::DefaultTopologyYaml()), Topology());
  ASSERT_TRUE(env.Ok());
  std::vector<Sample> s;
  ASSERT_TRUE(
      env.WaitUntil([&](const auto& x) { return HasLeader(x, "prod-east"); }, kConverge, &s));
  const std::string old_leader = LeaderOf(s, "prod-east", "neo4j");
  env.Fault(R"({"action": "stop_member", "member": ")" + old_leader + R"("})");
  bool ok = env.WaitUntil(
      [&](const std::vector<Sample>& x) {
        std::string leader = LeaderOf(x, "prod-east", "neo4j");
        return !leader.empty() && leader != old_leader &&
               Is(x, "neo4j_up", {{"neo4j_cluster", "prod-east"}, {"member", old_leader}}, 0) &&
               Is(x, "neo4j_quorum_ok", {{"neo4j_cluster", "prod-east"}, {"database", "neo4j"}}, 1);
      },
      kConverge, &s);
  ASSERT_TRUE(ok) << "no failover observed";
  const std::map<std::string, std::string> east = {{"neo4j_cluster", "prod-east"}};
  EXPECT_EQ(Value(s, "neo4j_zone_distribution_health", east), 1);
  EXPECT_EQ(Value(s, "neo4j_zone_loss_survivable", east), 1);
  EXPECT_GE(Value(s, "neo4j_failover_events_total",
                  {{"neo4j_cluster", "prod-east"}, {"database", "neo4j"}})
                .value_or(0),
            1);
}

// Seed 004, "Single Zone": with topology, the cluster continues running on two of three zones.
TEST(TopologyTest, SeedFailureSingleZone) {
  SimAndAgent env(std::string(sim::DefaultTopologyYaml()), Topology());
  ASSERT_TRUE(env.Ok());
  ASSERT_TRUE(env.WaitUntil([&](const auto& x) { return HasLeader(x, "prod-east"); }, kConverge));
  env.Fault(R"({"action": "zone_down", "zone": "us-east-1a"})");
  std::vector<Sample> s;
  bool ok = env.WaitUntil(
      [&](const std::vector<Sample>& x) {
        // Members keep naming a lost leader for an election timeout: wait for the new one.
        std::string leader = LeaderOf(x, "prod-east", "neo4j");
        return !leader.empty() && leader != "prod-east-1" && leader != "prod-east-4" &&
               Is(x, "neo4j_up", {{"neo4j_cluster", "prod-east"}, {"member", "prod-east-1"}}, 0) &&
               Is(x, "neo4j_up", {{"neo4j_cluster", "prod-east"}, {"member", "prod-east-4"}}, 0) &&
               Is(x, "neo4j_quorum_ok", {{"neo4j_cluster", "prod-east"}, {"database", "neo4j"}},
                  1) &&
               Is(x, "neo4j_quorum_voting_members_available",
                  {{"neo4j_cluster", "prod-east"}, {"database", "neo4j"}}, 2);
      },
      kConverge, &s);
  EXPECT_TRUE(ok) << "prod-east did not keep running on two zones";
  // Other clusters are untouched.
  EXPECT_TRUE(HasLeader(s, "dr-west"));
}

// Seed 004, "Multiple Zones": topology alone is not enough (quorum lost), but the DR cluster in
// another region is healthy and reachable: failing over to it is possible.
TEST(TopologyTest, SeedFailureMultipleZones) {
  SimAndAgent env(std::string(sim::DefaultTopologyYaml()), Topology());
  ASSERT_TRUE(env.Ok());
  ASSERT_TRUE(env.WaitUntil([&](const auto& x) { return HasLeader(x, "prod-east"); }, kConverge));
  env.Fault(R"({"action": "zone_down", "zones": ["us-east-1a", "us-east-1b"]})");
  std::vector<Sample> s;
  bool ok = env.WaitUntil(
      [&](const std::vector<Sample>& x) {
        return !HasLeader(x, "prod-east") &&
               Is(x, "neo4j_quorum_ok", {{"neo4j_cluster", "prod-east"}, {"database", "neo4j"}},
                  0) &&
               HasLeader(x, "dr-west") &&
               Is(x, "neo4j_quorum_ok", {{"neo4j_cluster", "dr-west"}, {"database", "neo4j"}}, 1) &&
               Is(x, "neo4j_cross_cluster_probe_success",
                  Phase("prod-east", "dr-west", "bolt_handshake"), 1);
      },
      kConverge, &s);
  EXPECT_TRUE(ok) << "expected prod-east without quorum and dr-west healthy and reachable";
}

// Seed 004, "Entire Region": seen from the DR region's agent, the primary region is unreachable
// (failing probes, +Inf latency, every member down) while the DR cluster keeps its quorum.
TEST(TopologyTest, SeedFailureEntireRegion) {
  SimAndAgent env(std::string(sim::DefaultTopologyYaml()), Topology("dr-west"));
  ASSERT_TRUE(env.Ok());
  ASSERT_TRUE(env.WaitUntil(
      [&](const auto& x) {
        return Is(x, "neo4j_cross_cluster_probe_success",
                  Phase("dr-west", "prod-east", "bolt_handshake"), 1);
      },
      kConverge));
  env.Fault(R"({"action": "region_down", "region": "us-east-1"})");
  std::vector<Sample> s;
  bool ok = env.WaitUntil(
      [&](const std::vector<Sample>& x) {
        bool all_down = true;
        for (int i = 1; i <= 5; ++i) {
          all_down =
              all_down &&
              Is(x, "neo4j_up",
                 {{"neo4j_cluster", "prod-east"}, {"member", "prod-east-" + std::to_string(i)}}, 0);
        }
        return all_down &&
               Is(x, "neo4j_cross_cluster_probe_success",
                  Phase("dr-west", "prod-east", "bolt_handshake"), 0) &&
               HasLeader(x, "dr-west") &&
               Is(x, "neo4j_quorum_ok", {{"neo4j_cluster", "dr-west"}, {"database", "neo4j"}}, 1);
      },
      kConverge, &s);
  ASSERT_TRUE(ok) << "expected the primary region unreachable and the DR cluster healthy";
  EXPECT_TRUE(std::isinf(
      Value(s, "neo4j_cross_cluster_latency_seconds", Pair("dr-west", "prod-east")).value_or(0)));
  // The other region (legacy-44, eu-central-1) is still reachable from the DR region.
  EXPECT_EQ(Value(s, "neo4j_cross_cluster_probe_success",
                  Phase("dr-west", "legacy-44", "bolt_handshake")),
            1);
}

// Seed 004, the "Without Topology" column: two of three primaries packed into one zone. The
// metrics reveal the risk before anything fails (health below the seed's 0.8 threshold, the
// cluster does not survive losing that zone), and losing that zone indeed loses quorum.
constexpr char kPacked[] = R"(
simulator: {seed: 3}
clusters:
  - name: packed
    version: 5.26.0
    region: us-east-1
    zones: [us-east-1a, us-east-1b, us-east-1c]
    credentials: {username: neo4j, password: demo-password-not-secret}
    election_timeout: 1s
    members:
      - {name: packed-1, zone: us-east-1a}
      - {name: packed-2, zone: us-east-1a}
      - {name: packed-3, zone: us-east-1b}
  - name: packed-dr
    version: 2025.10.1
    region: us-west-2
    zones: [us-west-2a, us-west-2b, us-west-2c]
    credentials: {username: neo4j, password: demo-password-not-secret}
    members: [packed-dr-1, packed-dr-2, packed-dr-3]
)";

TEST(TopologyTest, PackedPrimariesAreRevealedBeforeTheZoneFails) {
  SimAndAgent env(kPacked, Topology());
  ASSERT_TRUE(env.Ok());
  const std::map<std::string, std::string> packed = {{"neo4j_cluster", "packed"}};
  std::vector<Sample> s;
  bool ok = env.WaitUntil(
      [&](const std::vector<Sample>& x) {
        return HasLeader(x, "packed") && ValueOf(x, "neo4j_zone_distribution_health", packed) &&
               Is(x, "neo4j_zone_source_info",
                  {{"neo4j_cluster", "packed"}, {"source", "kubernetes"}}, 1);
      },
      kConverge, &s);
  ASSERT_TRUE(ok);
  EXPECT_LT(Value(s, "neo4j_zone_distribution_health", packed).value_or(1), 0.8);
  EXPECT_EQ(Value(s, "neo4j_zone_loss_survivable", packed), 0);
  EXPECT_EQ(Value(s, "neo4j_zones_without_primary", packed), 1);
  EXPECT_EQ(Value(s, "neo4j_zone_skew", {{"neo4j_cluster", "packed"}, {"role", "primary"}}), 2);
  EXPECT_EQ(Value(s, "neo4j_zone_distribution_health", {{"neo4j_cluster", "packed-dr"}}), 1);

  env.Fault(R"({"action": "zone_down", "zone": "us-east-1a"})");
  EXPECT_TRUE(env.WaitUntil(
      [&](const std::vector<Sample>& x) {
        return !HasLeader(x, "packed") &&
               Is(x, "neo4j_quorum_ok", {{"neo4j_cluster", "packed"}, {"database", "neo4j"}}, 0);
      },
      kConverge))
      << "losing the packed zone should lose quorum";
}

// A member rescheduled into another zone moves in the zone counts.
TEST(TopologyTest, RescheduledMemberMovesZones) {
  SimAndAgent env(std::string(sim::DefaultTopologyYaml()), Topology());
  ASSERT_TRUE(env.Ok());
  const std::map<std::string, std::string> b_primaries = {
      {"neo4j_cluster", "prod-east"}, {"neo4j_zone", "us-east-1b"}, {"role", "primary"}};
  ASSERT_TRUE(env.WaitUntil(
      [&](const auto& x) { return Is(x, "neo4j_zone_members", b_primaries, 1); }, kConverge));
  env.Fault(R"({"action": "reschedule_member", "member": "prod-east-1", "zone": "us-east-1b"})");
  std::vector<Sample> s;
  bool ok = env.WaitUntil(
      [&](const auto& x) {
        return Is(x, "neo4j_zone_members", b_primaries, 2) &&
               Is(x, "neo4j_zones_without_primary", {{"neo4j_cluster", "prod-east"}}, 1);
      },
      kConverge, &s);
  EXPECT_TRUE(ok);
  EXPECT_EQ(Value(s, "neo4j_zone_loss_survivable", {{"neo4j_cluster", "prod-east"}}), 0);
  EXPECT_LT(
      Value(s, "neo4j_zone_distribution_health", {{"neo4j_cluster", "prod-east"}}).value_or(1),
      0.8);
}

// A DaemonSet agent with no cluster list: NODE_NAME from the downward API, the Kubernetes API
// URL, nothing else. It monitors exactly the Neo4j pod on its node, named after the pod, in the
// cluster its label names, and takes zones from the nodes.
TEST(TopologyTest, NodeLocalDiscoveryMonitorsThisNodesPods) {
  AgentOptions o;
  o.configure_members = false;
  o.env["NODE_NAME"] = "prod-east-2-node";
  o.late_args = [](sim::Simulator& sim) {
    return std::vector<std::string>{"--kubernetes.api-url=" + sim.KubeUrl()};
  };
  SimAndAgent env(std::string(sim::DefaultTopologyYaml()), o);
  ASSERT_TRUE(env.Ok());
  std::vector<Sample> s;
  bool ok = env.WaitUntil(
      [&](const std::vector<Sample>& x) {
        return Is(x, "neo4j_up", {{"neo4j_cluster", "prod-east"}, {"member", "prod-east-2"}}, 1) &&
               Is(x, "neo4j_zone_source_info",
                  {{"neo4j_cluster", "prod-east"}, {"source", "kubernetes"}}, 1);
      },
      kConverge, &s);
  ASSERT_TRUE(ok) << "the pod on prod-east-2-node was not discovered";
  EXPECT_EQ(Select(s, "neo4j_up").size(), 1u) << "only this node's pod is a member";
  EXPECT_EQ(
      Value(s, "neo4j_zone_members",
            {{"neo4j_cluster", "prod-east"}, {"neo4j_zone", "us-east-1b"}, {"role", "primary"}}),
      1);
  EXPECT_NE(env.Agent().Stderr().find("msg=\"node-local members changed\" node=prod-east-2-node"),
            std::string::npos);
}

}  // namespace
}  // namespace nca::testing
