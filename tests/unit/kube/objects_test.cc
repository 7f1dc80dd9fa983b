#include "kube/objects.h"

#include <gtest/gtest.h>

#include <string>

namespace nca::kube {
namespace {

TEST(KubeObjectsTest, ParsesPodListFields) {
  const std::string body = R"({
    "kind": "PodList", "apiVersion": "v1",
    "metadata": {"resourceVersion": "99", "continue": "abc"},
    "items": [
      {"metadata": {"name": "core-0", "namespace": "neo4j",
                    "labels": {"app": "neo4j", "role": "primary"},
                    "deletionTimestamp": "2026-01-02T03:04:05Z"},
       "spec": {"nodeName": "node-a", "containers": []},
       "status": {"phase": "Running", "podIP": "10.0.0.5"}},
      {"metadata": {"name": "core-1", "namespace": "neo4j"},
       "spec": {},
       "status": {"phase": "Pending"}}
    ]})";
  auto page = ParsePodList(body);
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  EXPECT_EQ(page->continue_token, "abc");
  ASSERT_EQ(page->items.size(), 2u);
  const Pod& p0 = page->items[0];
  EXPECT_EQ(p0.name, "core-0");
  EXPECT_EQ(p0.namespace_name, "neo4j");
  EXPECT_EQ(p0.labels, (Labels{{"app", "neo4j"}, {"role", "primary"}}));
  EXPECT_EQ(p0.node_name, "node-a");
  EXPECT_EQ(p0.phase, "Running");
  EXPECT_EQ(p0.deletion_timestamp, "2026-01-02T03:04:05Z");
  EXPECT_TRUE(p0.Terminating());
  const Pod& p1 = page->items[1];
  EXPECT_EQ(p1.name, "core-1");
  EXPECT_TRUE(p1.labels.empty());
  EXPECT_EQ(p1.node_name, "");
  EXPECT_EQ(p1.phase, "Pending");
  EXPECT_FALSE(p1.Terminating());
}

TEST(KubeObjectsTest, ParsesNodeListFields) {
  const std::string body = R"({
    "kind": "NodeList", "metadata": {},
    "items": [
      {"metadata": {"name": "n1", "labels": {"topology.kubernetes.io/zone": "eu-1a"}},
       "spec": {"unschedulable": true,
                "taints": [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"},
                           {"key": "dedicated", "value": "neo4j", "effect": "NoExecute"}]}},
      {"metadata": {"name": "n2"}}
    ]})";
  auto page = ParseNodeList(body);
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  EXPECT_EQ(page->continue_token, "");
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].labels.at("topology.kubernetes.io/zone"), "eu-1a");
  EXPECT_TRUE(page->items[0].unschedulable);
  ASSERT_EQ(page->items[0].taints.size(), 2u);
  EXPECT_EQ(page->items[0].taints[0],
            (Taint{"node.kubernetes.io/unschedulable", "", "NoSchedule"}));
  EXPECT_EQ(page->items[0].taints[1], (Taint{"dedicated", "neo4j", "NoExecute"}));
  EXPECT_FALSE(page->items[1].unschedulable);
  EXPECT_TRUE(page->items[1].taints.empty());
}

TEST(KubeObjectsTest, NullItemsIsAnEmptyList) {
  auto page = ParsePodList(R"({"kind":"PodList","metadata":{},"items":null})");
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());
}

TEST(KubeObjectsTest, RejectsMalformedAnswers) {
  EXPECT_EQ(ParsePodList("not json").error().kind, ErrorKind::kMalformed);
  EXPECT_EQ(ParsePodList("[]").error().kind, ErrorKind::kMalformed);
  EXPECT_EQ(ParseNodeList(R"({"items": {}})").error().kind, ErrorKind::kMalformed);
  EXPECT_EQ(ParseNodeList(R"({"items": [{"metadata": {}}]})").error().kind, ErrorKind::kMalformed);
}

TEST(KubeObjectsTest, RawListKeepsItemsAsJson) {
  auto page = ParseRawList(R"({"metadata":{"continue":"x"},"items":[{"a":1},{"b":[2]}]})");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->continue_token, "x");
  EXPECT_EQ(page->items, (std::vector<std::string>{R"({"a":1})", R"({"b":[2]})"}));
}

TEST(KubeObjectsTest, StatusMessage) {
  EXPECT_EQ(StatusMessage(R"({"kind":"Status","status":"Failure","message":"nope","code":403})"),
            "nope");
  EXPECT_EQ(StatusMessage(R"({"kind":"Pod","message":"nope"})"), "");
  EXPECT_EQ(StatusMessage("<html>"), "");
}

// Lists nested deeper than kMaxJsonDepth are rejected before parsing: serialising a raw item
// recursed once per level and overflowed the stack (found by tests/fuzz, kube_objects target).
TEST(KubeObjectsTest, DeeplyNestedAnswersAreMalformed) {
  const std::string nested = std::string(10000, '[') + std::string(10000, ']');
  const std::string body = R"({"kind":"List","items":[)" + nested + "]}";
  auto raw = ParseRawList(body);
  ASSERT_FALSE(raw.ok());
  EXPECT_EQ(raw.error().kind, ErrorKind::kMalformed);
  EXPECT_EQ(raw.error().message, "list answer is nested too deeply");
  EXPECT_EQ(ParsePodList(body).error().message, "PodList answer is nested too deeply");
  EXPECT_EQ(StatusMessage(R"({"kind":"Status","message":"m","details":)" + nested + "}"), "");
  // 1000 levels (the limit) are fine.
  auto ok = ParseRawList(R"({"items":[)" + std::string(998, '[') + std::string(998, ']') + "]}");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->items.size(), 1u);
}

}  // namespace
}  // namespace nca::kube
