#include "kube/kube_config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

#include "common/strings.h"

namespace nca::kube {
namespace {

bool Readable(const std::string& path) {
  std::ifstream in(path);
  return in.good();
}

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): read-only use
    if (v == nullptr) {
      return std::nullopt;
    }
    return std::string(v);
  };
}

Result<KubeConfig> InClusterConfig(const EnvLookup& env, const std::string& service_account_dir) {
  auto host = env("KUBERNETES_SERVICE_HOST");
  auto port = env("KUBERNETES_SERVICE_PORT");
  if (!host || !port || host->empty() || port->empty()) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "not running in a Kubernetes cluster: KUBERNETES_SERVICE_HOST and "
                     "KUBERNETES_SERVICE_PORT must be set");
  }
  KubeConfig config;
  std::string h = *host;
  if (h.find(':') != std::string::npos && h.front() != '[') {
    h = "[" + h + "]";  // IPv6 literal
  }
  config.api_url = "https://" + h + ":" + *port;
  config.token_file = service_account_dir + "/token";
  if (!Readable(config.token_file)) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "service-account token file " + config.token_file + " is not readable");
  }
  std::string ca = service_account_dir + "/ca.crt";
  if (Readable(ca)) {
    config.ca_file = ca;
  }
  config.namespace_name = "default";
  std::ifstream ns_in(service_account_dir + "/namespace");
  if (ns_in.good()) {
    std::stringstream ss;
    ss << ns_in.rdbuf();
    std::string ns = std::string(TrimSpace(ss.str()));
    if (!ns.empty()) {
      config.namespace_name = ns;
    }
  }
  return config;
}

Result<KubeConfig> ExplicitConfig(std::string api_url, std::string ca_file, std::string token_file,
                                  std::string namespace_name) {
  if (!StartsWith(api_url, "https://") && !StartsWith(api_url, "http://")) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "Kubernetes API URL \"" + api_url + "\" must start with https:// or http://");
  }
  while (!api_url.empty() && api_url.back() == '/') {
    api_url.pop_back();
  }
  if (!ca_file.empty() && !Readable(ca_file)) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "Kubernetes CA file " + ca_file + " is not readable");
  }
  if (!token_file.empty() && !Readable(token_file)) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "Kubernetes token file " + token_file + " is not readable");
  }
  KubeConfig config;
  config.api_url = std::move(api_url);
  config.ca_file = std::move(ca_file);
  config.token_file = std::move(token_file);
  config.namespace_name = namespace_name.empty() ? "default" : std::move(namespace_name);
  return config;
}

}  // namespace nca::kube
