#include "agent/kube_view.h"

namespace nca::agent {

Result<std::vector<kube::Node>> KubeClientView::Nodes(MonoTime deadline) {
  return client_.ListNodes("", deadline);
}

Result<std::vector<kube::Pod>> KubeClientView::Pods(const std::string& namespace_name,
                                                    const std::string& label_selector,
                                                    MonoTime deadline) {
  return client_.ListPods(namespace_name.empty() ? DefaultNamespace() : namespace_name,
                          label_selector, "", deadline);
}

std::string KubeClientView::DefaultNamespace() const {
  return client_.config().namespace_name.empty() ? "default" : client_.config().namespace_name;
}

}  // namespace nca::agent
