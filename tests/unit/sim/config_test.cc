#include "sim/config.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace nca::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(SimDurationTest, AcceptsUnitsAndBareSeconds) {
  EXPECT_EQ(*ParseDuration("10s"), seconds(10));
  EXPECT_EQ(*ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(*ParseDuration("1.5s"), milliseconds(1500));
  EXPECT_EQ(*ParseDuration("2m"), seconds(120));
  EXPECT_EQ(*ParseDuration("1h"), seconds(3600));
  EXPECT_EQ(*ParseDuration("250us"), std::chrono::microseconds(250));
  EXPECT_EQ(*ParseDuration("3"), seconds(3));
  EXPECT_EQ(*ParseDuration(" 4 s "), seconds(4));
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_FALSE(ParseDuration("s").ok());
  EXPECT_FALSE(ParseDuration("10 parsecs").ok());
  EXPECT_FALSE(ParseDuration("1.2.3s").ok());
  EXPECT_FALSE(ParseDuration("-1s").ok());
  EXPECT_EQ(FormatDuration(seconds(10)), "10s");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1500ms");
}

TEST(SimVersionTest, FamiliesAndQueryApiDefaults) {
  EXPECT_EQ(ParseVersionNumbers("4.4.26"), std::make_pair(4, 4));
  EXPECT_EQ(ParseVersionNumbers("2025.10.1"), std::make_pair(2025, 10));
  EXPECT_EQ(ParseVersionNumbers("2026.03"), std::make_pair(2026, 3));
  EXPECT_FALSE(ParseVersionNumbers("five").has_value());
  EXPECT_EQ(*FamilyOf("4.4.26"), VersionFamily::kV4);
  EXPECT_EQ(*FamilyOf("5.26.0"), VersionFamily::kV5);
  EXPECT_EQ(*FamilyOf("2025.10.1"), VersionFamily::kCalendar);
  EXPECT_FALSE(FamilyOf("3.5.3").ok());

  ClusterSpec c;
  c.version = "5.24.0";
  EXPECT_FALSE(QueryApiEnabled(c));
  c.version = "5.25.1";
  EXPECT_TRUE(QueryApiEnabled(c));
  c.version = "2025.01.0";
  EXPECT_TRUE(QueryApiEnabled(c));
  c.query_api = false;
  EXPECT_FALSE(QueryApiEnabled(c));
  c.version = "4.4.26";
  c.query_api.reset();
  EXPECT_FALSE(QueryApiEnabled(c));
  EXPECT_TRUE(EmitsDiscoveryHealthy(c));
  c.version = "5.26.0";
  EXPECT_FALSE(EmitsDiscoveryHealthy(c));
  c.discovery_healthy = true;
  EXPECT_TRUE(EmitsDiscoveryHealthy(c));
}

TEST(SimDefaultTopologyTest, HasTheThreeDemoClusters) {
  SimConfig config = DefaultTopology();
  ASSERT_EQ(config.clusters.size(), 3u);
  struct Expect {
    const char* name;
    const char* version;
    int primaries;
    int secondaries;
  };
  const Expect expected[] = {
      {"prod-east", "5.26.0", 3, 2}, {"legacy-44", "4.4.26", 3, 1}, {"dr-west", "2025.10.1", 3, 1}};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& c = config.clusters[i];
    EXPECT_EQ(c.name, expected[i].name);
    EXPECT_EQ(c.version, expected[i].version);
    EXPECT_EQ(c.username, "neo4j");
    EXPECT_EQ(c.password, "demo-password-not-secret");
    EXPECT_TRUE(c.auth_enabled);
    EXPECT_EQ(c.kubernetes_labels, KubernetesLabels::kOperator);
    int p = 0;
    int s = 0;
    for (const auto& m : c.members) {
      (m.mode == MemberMode::kPrimary ? p : s)++;
      EXPECT_EQ(m.http_port, 0);
      EXPECT_FALSE(m.zone.empty());
    }
    EXPECT_EQ(p, expected[i].primaries) << c.name;
    EXPECT_EQ(s, expected[i].secondaries) << c.name;
  }
  EXPECT_EQ(config.clusters[0].members[1].name, "prod-east-2");
  EXPECT_TRUE(QueryApiEnabled(config.clusters[0]));
  EXPECT_FALSE(QueryApiEnabled(config.clusters[1]));
  EXPECT_TRUE(QueryApiEnabled(config.clusters[2]));
}

TEST(SimTopologyTest, ReadsEveryOption) {
  auto config = ParseTopologyYaml(R"(
simulator:
  seed: 7
  tick: 20ms
  control_address: 127.0.0.1:0
  keep_alive_timeout: 30s
clusters:
  - name: a
    version: 5.19.0
    kubernetes_labels: helm
    databases: [orders, neo4j]
    credentials: {username: admin, password: secret}
    auth: true
    status_auth: false
    auth_max_failed_attempts: 3
    auth_lock_time: 1s
    query_api: true
    query_api_values: flat
    status_health_key: isHealthy
    discovery_healthy: true
    raft_commands_per_second: false
    election_timeout: 500ms
    tx_rate: 20
    system_tx_rate: 0
    apply_lag: 100ms
    catchup_rate: 50
    members:
      - {name: a1, mode: core, http_port: 17474, bolt_port: 27687, zone: z1, region: r1}
      - {name: a2, mode: read_replica, server_id: 11111111-2222-4333-8444-555555555555}
      - a3
)");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->seed, 7u);
  EXPECT_EQ(config->tick_interval, milliseconds(20));
  EXPECT_EQ(config->keep_alive_timeout, seconds(30));
  const ClusterSpec& c = config->clusters[0];
  EXPECT_EQ(c.username, "admin");
  EXPECT_EQ(c.password, "secret");
  EXPECT_EQ(c.kubernetes_labels, KubernetesLabels::kHelm);
  EXPECT_FALSE(c.status_auth);
  EXPECT_EQ(c.auth_max_failed_attempts, 3);
  EXPECT_EQ(c.auth_lock_time, seconds(1));
  EXPECT_TRUE(QueryApiEnabled(c));
  EXPECT_EQ(c.query_values, QueryValuesShape::kFlat);
  EXPECT_EQ(c.health_key, HealthKey::kIsHealthy);
  EXPECT_TRUE(EmitsDiscoveryHealthy(c));
  EXPECT_FALSE(c.raft_commands_per_second);
  EXPECT_EQ(c.election_timeout, milliseconds(500));
  EXPECT_EQ(c.tx_rate, 20);
  EXPECT_EQ(c.system_tx_rate, 0);
  EXPECT_EQ(c.apply_lag, milliseconds(100));
  EXPECT_EQ(c.catchup_rate, 50);
  ASSERT_EQ(c.members.size(), 3u);
  EXPECT_EQ(c.members[0].http_port, 17474);
  EXPECT_EQ(c.members[0].bolt_port, 27687);
  EXPECT_EQ(c.members[0].zone, "z1");
  EXPECT_EQ(c.members[0].region, "r1");
  EXPECT_EQ(c.members[1].mode, MemberMode::kSecondary);
  EXPECT_EQ(c.members[1].server_id, "11111111-2222-4333-8444-555555555555");
  EXPECT_EQ(c.members[2].name, "a3");
  EXPECT_EQ(c.members[2].mode, MemberMode::kPrimary);
  EXPECT_EQ(DatabaseNames(c), (std::vector<std::string>{"neo4j", "system", "orders"}));
}

TEST(SimTopologyTest, RejectsMistakes) {
  const char* bad[] = {
      "clusters: []",
      "clusters: [{name: a, members: [x]}]\nunknown: 1",
      "clusters: [{name: a, credentials: {password: p}, members: [x], colour: red}]",
      "clusters: [{name: a, credentials: {password: p}, members: [{name: x, mode: boss}]}]",
      "clusters: [{name: a, credentials: {password: p}, members: [x, x]}]",
      "clusters: [{name: a, credentials: {password: p}, members: [{name: x, mode: secondary}]}]",
      "clusters: [{name: a, version: 4.4.26, query_api: true, credentials: {password: p}, "
      "members: [x]}]",
      "clusters: [{name: a, version: 3.5.1, credentials: {password: p}, members: [x]}]",
      "clusters: [{name: a, members: [x]}]",  // auth on, no password
      "clusters: [{name: a, credentials: {password: p}, election_timeout: soon, members: [x]}]",
      "clusters: [{name: a, credentials: {password: p}, kubernetes_labels: kustomize, "
      "members: [x]}]",
      "clusters: [{name: a, credentials: {password: p}, databases: ['bad name'], members: [x]}]",
      "clusters: [{name: a, credentials: {password: p}, members: [{name: x, http_port: 70000}]}]",
      "clusters: [{name: a, credentials: {password: p}, members: [x]}, "
      "{name: a, credentials: {password: p}, members: [y]}]",
      "clusters: [{name: a, credentials: {password: p}, members: [x]}, "
      "{name: b, credentials: {password: p}, members: [x]}]",
      "simulator: {keep_alive_timeout: 11m}\nclusters: [{name: a, credentials: {password: p}, "
      "members: [x]}]",
      "simulator: {keep_alive_timeout: often}\nclusters: [{name: a, credentials: {password: p}, "
      "members: [x]}]",
      "{{{",
  };
  for (const char* yaml : bad) {
    auto config = ParseTopologyYaml(yaml);
    EXPECT_FALSE(config.ok()) << yaml;
    if (!config.ok()) {
      EXPECT_EQ(config.error().kind, ErrorKind::kInvalidArgument);
      EXPECT_FALSE(config.error().message.empty());
    }
  }
  auto typo = ParseTopologyYaml(
      "clusters:\n  - name: a\n    credentials: {password: p}\n    member: [x]\n");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message.find("\"member\""), std::string::npos) << typo.error().message;
  EXPECT_NE(typo.error().message.find("line 4, column 5"), std::string::npos)
      << typo.error().message;
  auto missing = LoadTopologyFile("/nonexistent/topology.yaml");
  EXPECT_FALSE(missing.ok());
}

TEST(SimIdTest, UuidShapeAndStability) {
  const std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    std::string id = DeterministicUuid("member-" + std::to_string(i));
    EXPECT_TRUE(std::regex_match(id, uuid)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 50u);
  EXPECT_EQ(DeterministicUuid("x"), DeterministicUuid("x"));
  std::string hex = DeterministicHexId("db");
  EXPECT_TRUE(std::regex_match(hex, std::regex("^[0-9A-F]{64}$"))) << hex;
}

}  // namespace
}  // namespace nca::sim
