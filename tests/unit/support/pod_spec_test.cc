// The kubelet emulation the DaemonSet test starts its agents with (tests/support/pod_spec.h): if
// it resolved a reference wrongly, the DaemonSet test would start agents the shipped manifests
// would not.
#include "support/pod_spec.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/process.h"

namespace nca::testing {
namespace {

TEST(ExpandKubeVarsTest, FollowsKubernetesExpansion) {
  const std::map<std::string, std::string> env = {{"A", "x"}, {"EMPTY", ""}};
  EXPECT_EQ(ExpandKubeVars("--a=$(A)", env), "--a=x");
  EXPECT_EQ(ExpandKubeVars("$(A)$(A)", env), "xx");
  EXPECT_EQ(ExpandKubeVars("--e=$(EMPTY)", env), "--e=");
  EXPECT_EQ(ExpandKubeVars("--u=$(UNDEFINED)", env), "--u=$(UNDEFINED)");
  EXPECT_EQ(ExpandKubeVars("--esc=$$(A)", env), "--esc=$(A)");
  EXPECT_EQ(ExpandKubeVars("cost $5 $", env), "cost $5 $");
  EXPECT_EQ(ExpandKubeVars("$(A", env), "$(A");
}

TEST(AccessOfRequestTest, MapsPathsToVerbsAndResources) {
  auto a = AccessOfRequest("GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1");
  ASSERT_TRUE(a);
  EXPECT_EQ(ToString(*a), "list core/pods");
  EXPECT_EQ(ToString(*AccessOfRequest("GET", "/api/v1/namespaces/neo4j/pods")), "list core/pods");
  EXPECT_EQ(ToString(*AccessOfRequest("GET", "/api/v1/nodes")), "list core/nodes");
  EXPECT_EQ(ToString(*AccessOfRequest("GET", "/api/v1/nodes/n1")), "get core/nodes");
  EXPECT_EQ(
      ToString(*AccessOfRequest(
          "GET", "/apis/neo4j.neo4j.com/v1alpha1/namespaces/neo4j/neo4jenterpriseclusters/x")),
      "get neo4j.neo4j.com/neo4jenterpriseclusters");
  EXPECT_EQ(ToString(*AccessOfRequest("GET", "/apis/g/v1/things")), "list g/things");
  EXPECT_FALSE(AccessOfRequest("GET", "/version"));
  EXPECT_FALSE(AccessOfRequest("POST", "/api/v1/pods"));
  EXPECT_FALSE(AccessOfRequest("GET", "/api/v1/namespaces/neo4j/pods/p/log"));
}

constexpr char kRendered[] = R"yaml(apiVersion: v1
kind: ConfigMap
metadata: {name: settings-h4sh}
data: {URL: "http://am:9093", LABEL: east}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules:
  - {apiGroups: [""], resources: [pods, nodes], verbs: [list]}
  - {apiGroups: [g], resources: [things], verbs: [get]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds}
spec:
  template:
    spec:
      securityContext: {fsGroup: 65534}
      containers:
        - name: agent
          args:
            - --url=$(URL)
            - --label=cluster=$(LABEL)
            - --node=$(NODE_NAME)
            - --password-file=/etc/creds/password
          env:
            - {name: NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
            - {name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
            - {name: URL, valueFrom: {configMapKeyRef: {name: settings-h4sh, key: URL}}}
            - {name: LABEL, valueFrom: {configMapKeyRef: {name: settings-h4sh, key: LABEL}}}
            - {name: BOTH, value: "$(NS)/$(LABEL)"
}
          volumeMounts:
            - {name: creds, mountPath: /etc/creds, readOnly: true}
      volumes:
        - name: creds
          secret: {secretName: credentials, defaultMode: 288}
)yaml";

TEST(ResolveContainerTest, ResolvesEnvArgsAndVolumesLikeTheKubelet) {
  Rendered r = ParseRendered(kRendered);
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.objects.size(), 3u);
  PodContext ctx;
  ctx.node_name = "n1";
  ctx.namespace_name = "neo4j";
  ctx.secrets["credentials"] = {{"password", "s3cret"}};
  const std::string file = WriteTempFile("x", "");
  const std::string root = file.substr(0, file.rfind('/')) + "/volumes";
  ContainerLaunch l = ResolveContainer(r, "DaemonSet", "ds", "agent", ctx, root);
  ASSERT_TRUE(l.error.empty()) << l.error;
  EXPECT_EQ(l.args, (std::vector<std::string>{"--url=http://am:9093", "--label=cluster=east",
                                              "--node=n1", "--password-file=/etc/creds/password"}));
  EXPECT_EQ(l.env.at("BOTH"), "neo4j/east");
  ASSERT_EQ(l.mounts.size(), 1u);
  const std::string mapped = MapContainerPath(l.args[3], l.mounts);
  EXPECT_EQ(mapped, "--password-file=" + root + "/creds/password");
  std::ifstream in(root + "/creds/password");
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_EQ(content.str(), "s3cret");
  EXPECT_EQ(std::filesystem::status(root + "/creds/password").permissions(),
            std::filesystem::perms::owner_read | std::filesystem::perms::group_read)
      << "defaultMode 0440 (288)";

  // A Secret the test does not provide is an error, not an empty file.
  ctx.secrets.clear();
  EXPECT_NE(ResolveContainer(r, "DaemonSet", "ds", "agent", ctx, root).error.find("credentials"),
            std::string::npos);
  EXPECT_FALSE(ResolveContainer(r, "DaemonSet", "ds", "nope", ctx, root).error.empty());
}

TEST(RbacGrantsTest, AllowsOnlyWhatIsGranted) {
  Rendered r = ParseRendered(kRendered);
  const RenderedObject* role = r.Find("ClusterRole");
  ASSERT_NE(role, nullptr);
  auto grants = RbacGrants(*role);
  EXPECT_EQ(grants.size(), 3u);
  EXPECT_TRUE(Allows(grants, {"list", "", "pods"}));
  EXPECT_TRUE(Allows(grants, {"list", "", "nodes"}));
  EXPECT_FALSE(Allows(grants, {"get", "", "pods"}));
  EXPECT_FALSE(Allows(grants, {"watch", "", "pods"}));
  EXPECT_TRUE(Allows(grants, {"get", "g", "things"}));
  EXPECT_FALSE(Allows(grants, {"get", "", "things"}));
  EXPECT_TRUE(Allows({{"*", "", "*"}}, {"get", "", "secrets"}));
}

}  // namespace
}  // namespace nca::testing
