#include "kube/discovery.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <variant>

#include "config/loader.h"

namespace nca::kube {
namespace {

// Value of `label` on `pod`, nullopt when absent or empty.
std::optional<std::string> LabelOf(const Pod& pod, const std::string& label) {
  auto it = pod.labels.find(label);
  if (it == pod.labels.end() || it->second.empty()) {
    return std::nullopt;
  }
  return it->second;
}

// The role a Helm 4.4 pod's dbms.mode names ("" for SINGLE and unknown modes).
std::string RoleOfHelmMode(const std::string& mode) {
  if (mode == "CORE") {
    return "primary";
  }
  if (mode == "READ_REPLICA") {
    return "secondary";
  }
  return "";
}

struct Classified {
  LabelConvention convention = LabelConvention::kOperator;
  std::string cluster;
  std::string role;
};

// Which convention `pod` follows and the cluster it names; an error reason when none.
std::variant<Classified, std::string> Classify(const Pod& pod,
                                               const config::KubernetesConfig& settings) {
  Classified c;
  std::optional<std::string> role_label = LabelOf(pod, settings.role_label);
  if (UsesCustomConvention(settings)) {
    const std::string label =
        settings.cluster_label.empty() ? kCustomDefaultClusterLabel : settings.cluster_label;
    std::optional<std::string> cluster = LabelOf(pod, label);
    if (!cluster) {
      return "no " + label + " label";
    }
    c.convention = LabelConvention::kCustom;
    c.cluster = *cluster;
    c.role = role_label.value_or("");
    return c;
  }
  if (std::optional<std::string> cluster = LabelOf(pod, kOperatorClusterLabel)) {
    if (std::optional<std::string> component = LabelOf(pod, kOperatorComponentLabel);
        component && *component != "database") {
      return std::string("not a Neo4j server (") + kOperatorComponentLabel + "=" + *component + ")";
    }
    c.convention = LabelConvention::kOperator;
    c.cluster = *cluster;
    c.role = role_label.value_or("");
    return c;
  }
  if (std::optional<std::string> cluster = LabelOf(pod, kHelmClusterLabel)) {
    c.convention = LabelConvention::kHelm;
    c.cluster = *cluster;
    std::optional<std::string> mode = LabelOf(pod, kHelmModeLabel);
    c.role = mode ? RoleOfHelmMode(*mode) : std::string();
    if (c.role.empty()) {
      c.role = role_label.value_or("");
    }
    return c;
  }
  return std::string("no ") + kOperatorClusterLabel + " (Neo4j operator) or " + kHelmClusterLabel +
         " (Neo4j Helm chart) label";
}

}  // namespace

std::string_view ConventionName(LabelConvention convention) {
  switch (convention) {
    case LabelConvention::kOperator:
      return "operator";
    case LabelConvention::kHelm:
      return "helm";
    case LabelConvention::kCustom:
      return "custom";
  }
  return "custom";
}

bool UsesCustomConvention(const config::KubernetesConfig& settings) {
  return !settings.pod_selector.empty() || !settings.cluster_label.empty();
}

std::string NodePodSelector(const config::KubernetesConfig& settings) {
  if (!UsesCustomConvention(settings)) {
    return "";
  }
  return settings.pod_selector.empty() ? kCustomDefaultPodSelector : settings.pod_selector;
}

std::vector<std::string> ClusterPodSelectors(const config::KubernetesConfig& settings,
                                             const config::ClusterConfig& cluster) {
  if (!cluster.kubernetes.pod_selector.empty()) {
    return {cluster.kubernetes.pod_selector};
  }
  if (UsesCustomConvention(settings)) {
    const std::string label =
        settings.cluster_label.empty() ? kCustomDefaultClusterLabel : settings.cluster_label;
    return {label + "=" + cluster.name};
  }
  // The operator's backup pods carry the cluster label too: not members, not in the spread.
  return {std::string(kOperatorClusterLabel) + "=" + cluster.name + "," + kOperatorComponentLabel +
              "!=backup",
          std::string(kHelmClusterLabel) + "=" + cluster.name};
}

std::string NodeFieldSelector(const std::string& node) { return "spec.nodeName=" + node; }

std::string DescribeDiscovery(const config::KubernetesConfig& settings) {
  const std::string pods = "Pods on node " + settings.node_name;
  if (UsesCustomConvention(settings)) {
    const std::string label =
        settings.cluster_label.empty() ? kCustomDefaultClusterLabel : settings.cluster_label;
    return pods + " matching \"" + NodePodSelector(settings) + "\", cluster from the label " +
           label + " (custom convention).";
  }
  return pods + " labelled " + kOperatorClusterLabel + " (Neo4j Kubernetes operator) or " +
         kHelmClusterLabel + " (Neo4j Helm chart), cluster from that label.";
}

DiscoveryResult DiscoverNodeMembers(const std::vector<Pod>& pods,
                                    const config::KubernetesConfig& settings) {
  DiscoveryResult out;
  for (const Pod& pod : pods) {
    auto skip = [&](std::string reason) { out.skipped.push_back({pod.name, std::move(reason)}); };
    if (!settings.node_name.empty() && pod.node_name != settings.node_name) {
      skip("scheduled on node \"" + pod.node_name + "\"");
      continue;
    }
    if (pod.Terminating()) {
      skip("terminating");
      continue;
    }
    if (pod.phase == "Succeeded" || pod.phase == "Failed") {
      skip("phase " + pod.phase);
      continue;
    }
    if (pod.pod_ip.empty()) {
      skip("no pod IP yet");
      continue;
    }
    auto classified = Classify(pod, settings);
    if (const std::string* reason = std::get_if<std::string>(&classified)) {
      skip(*reason);
      continue;
    }
    Classified& c = std::get<Classified>(classified);
    if (!config::IsValidClusterName(c.cluster)) {
      skip("cluster label value is not a valid cluster name");
      continue;
    }
    int port = settings.http_port;
    const std::string port_name = settings.http_scheme == "https" ? "https" : "http";
    if (auto it = pod.container_ports.find(port_name); it != pod.container_ports.end()) {
      port = it->second;
    }
    const bool v6 = pod.pod_ip.find(':') != std::string::npos;
    DiscoveredMember m;
    m.cluster = std::move(c.cluster);
    m.name = pod.name;
    m.url = settings.http_scheme + "://" + (v6 ? "[" + pod.pod_ip + "]" : pod.pod_ip) + ":" +
            std::to_string(port);
    m.role = std::move(c.role);
    m.namespace_name = pod.namespace_name;
    m.convention = c.convention;
    out.members.push_back(std::move(m));
  }
  std::sort(out.members.begin(), out.members.end(),
            [](const DiscoveredMember& a, const DiscoveredMember& b) {
              return std::tie(a.cluster, a.name) < std::tie(b.cluster, b.name);
            });
  return out;
}

std::map<std::pair<std::string, std::string>, int> CountByConvention(
    const std::vector<DiscoveredMember>& members) {
  std::map<std::pair<std::string, std::string>, int> out;
  for (const DiscoveredMember& m : members) {
    ++out[{std::string(ConventionName(m.convention)), m.cluster}];
  }
  return out;
}

}  // namespace nca::kube
