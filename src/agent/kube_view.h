// KubeClientView: the collectors' read-only view of the Kubernetes API (collectors::KubeView)
// over kube::KubeClient. Thread-safe (KubeClient is).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "collectors/collector.h"
#include "kube/kube_client.h"

namespace nca::agent {

class KubeClientView final : public collectors::KubeView {
 public:
  // `client` must outlive the view.
  explicit KubeClientView(kube::KubeClient& client) : client_(client) {}

  Result<std::vector<kube::Node>> Nodes(MonoTime deadline) override;
  Result<std::vector<kube::Pod>> Pods(const std::string& namespace_name,
                                      const std::string& label_selector,
                                      MonoTime deadline) override;
  std::string DefaultNamespace() const override;

 private:
  kube::KubeClient& client_;
};

}  // namespace nca::agent
