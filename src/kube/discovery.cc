#include "kube/discovery.h"

#include <algorithm>
#include <tuple>

#include "config/loader.h"

namespace nca::kube {

std::string NodeFieldSelector(const std::string& node) { return "spec.nodeName=" + node; }

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
    auto label = pod.labels.find(settings.cluster_label);
    if (label == pod.labels.end() || label->second.empty()) {
      skip("no " + settings.cluster_label + " label");
      continue;
    }
    if (!config::IsValidClusterName(label->second)) {
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
    m.cluster = label->second;
    m.name = pod.name;
    m.url = settings.http_scheme + "://" + (v6 ? "[" + pod.pod_ip + "]" : pod.pod_ip) + ":" +
            std::to_string(port);
    if (auto role = pod.labels.find(settings.role_label); role != pod.labels.end()) {
      m.role = role->second;
    }
    m.namespace_name = pod.namespace_name;
    out.members.push_back(std::move(m));
  }
  std::sort(out.members.begin(), out.members.end(),
            [](const DiscoveredMember& a, const DiscoveredMember& b) {
              return std::tie(a.cluster, a.name) < std::tie(b.cluster, b.name);
            });
  return out;
}

}  // namespace nca::kube
