#include "kube/member_join.h"

#include <gtest/gtest.h>

#include <vector>

namespace nca::kube {
namespace {

Pod MakePod(const std::string& name, const std::string& ip, int http = 7474, int bolt = 7687) {
  Pod p;
  p.name = name;
  p.pod_ip = ip;
  p.container_ports = {{"http", http}, {"bolt", bolt}};
  return p;
}

const std::vector<Pod> kPods = {MakePod("graph-eu-0", "10.4.0.11"),
                                MakePod("graph-eu-1", "10.4.1.12"),
                                MakePod("graph-eu-2", "fd00::13")};

TEST(MemberJoinTest, HostPortPieces) {
  EXPECT_EQ(HostPortOf("http://user@h.example:7474/db"), "h.example:7474");
  EXPECT_EQ(HostOf("http://[fd00::1]:7474"), "fd00::1");
  EXPECT_EQ(HostOf("10.0.0.1:7687"), "10.0.0.1");
  EXPECT_EQ(HostOf("graph-0.svc"), "graph-0.svc");
  EXPECT_EQ(PortOf("bolt://[fd00::1]:7687"), 7687);
  EXPECT_EQ(PortOf("graph-0.svc"), std::nullopt);
  EXPECT_EQ(PortOf("h:99999"), std::nullopt);
  EXPECT_EQ(JoinHostPort("fd00::1", 7474), "[fd00::1]:7474");
  EXPECT_EQ(FirstDnsLabel("graph-eu-0.graph-eu-headless.neo4j.svc.cluster.local"), "graph-eu-0");
  EXPECT_EQ(FirstDnsLabel("10.4.0.11"), std::nullopt);
  EXPECT_EQ(FirstDnsLabel("fd00::13"), std::nullopt);
}

// Each of the four keys joins on its own.
TEST(MemberJoinTest, PodNameEqualsMemberName) {
  ServerIdentity s{.name = "graph-eu-1", .url = "http://lb.example:7474", .advertised = {}};
  EXPECT_EQ(JoinPod(kPods[1], s, kPods), JoinKey::kPodName);
  EXPECT_EQ(FindPod(kPods, s), &kPods[1]);
}

TEST(MemberJoinTest, PodIpEqualsMemberHost) {
  ServerIdentity s{.name = "eu-a", .url = "http://10.4.0.11:7474", .advertised = {}};
  EXPECT_EQ(JoinPod(kPods[0], s, kPods), JoinKey::kPodIp);
  ServerIdentity v6{.name = "eu-c", .url = "https://[fd00::13]:7473", .advertised = {}};
  EXPECT_EQ(FindPod(kPods, v6), &kPods[2]);
}

TEST(MemberJoinTest, FirstDnsLabelOfTheUrlEqualsPodName) {
  ServerIdentity s{.name = "eu-a",
                   .url = "http://graph-eu-0.graph-eu-headless.neo4j.svc.cluster.local:7474",
                   .advertised = {}};
  EXPECT_EQ(JoinPod(kPods[0], s, kPods), JoinKey::kUrlDnsLabel);
  EXPECT_FALSE(JoinPod(kPods[1], s, kPods));
}

TEST(MemberJoinTest, AdvertisedAddressInNeo4jEqualsPod) {
  ServerIdentity s{.name = "eu-b",
                   .url = "http://neo4j-lb.example:7474",
                   .advertised = {"graph-eu-1.graph-eu-headless.neo4j.svc.cluster.local:7687"}};
  EXPECT_EQ(JoinPod(kPods[1], s, kPods), JoinKey::kAdvertisedAddress);
  EXPECT_EQ(FindPod(kPods, s), &kPods[1]);
  ServerIdentity by_ip{.name = "x", .url = "", .advertised = {"10.4.1.12:7687"}};
  EXPECT_EQ(FindPod(kPods, by_ip), &kPods[1]);
}

TEST(MemberJoinTest, NothingAgreesNoJoin) {
  ServerIdentity s{.name = "eu-z",
                   .url = "http://neo4j-lb.example:7474",
                   .advertised = {"other-0.svc:7687", "10.9.9.9:7687"}};
  EXPECT_EQ(FindPod(kPods, s), nullptr);
}

// Pods that share an IP (every simulated pod is 127.0.0.1) are told apart by their ports.
TEST(MemberJoinTest, SharedPodIpNeedsTheContainerPort) {
  const std::vector<Pod> pods = {MakePod("a", "127.0.0.1", 17474, 17687),
                                 MakePod("b", "127.0.0.1", 17475, 17688)};
  ServerIdentity s{.name = "", .url = "http://127.0.0.1:17475", .advertised = {}};
  EXPECT_EQ(FindPod(pods, s), &pods[1]);
  ServerIdentity bolt{.name = "", .url = "", .advertised = {"127.0.0.1:17687"}};
  EXPECT_EQ(FindPod(pods, bolt), &pods[0]);
  ServerIdentity neither{.name = "", .url = "http://127.0.0.1:9999", .advertised = {}};
  EXPECT_EQ(FindPod(pods, neither), nullptr);
}

}  // namespace
}  // namespace nca::kube
