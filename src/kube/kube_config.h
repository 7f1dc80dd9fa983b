// Where and how to reach the Kubernetes API server: from the in-cluster environment (service
// host/port variables plus the mounted service-account directory) or given explicitly.
//
// Only file *paths* are kept here: the bearer token is read (and re-read, since projected tokens
// rotate) by TokenSource, so KubeConfig holds no secret and may be logged.
//
// Thread-safety: KubeConfig is a plain value; the functions are thread-safe given a thread-safe
// EnvLookup.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/result.h"

namespace nca::kube {

inline constexpr char kServiceAccountDir[] = "/var/run/secrets/kubernetes.io/serviceaccount";

// Environment lookup, injected so tests need not touch the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Reads the process environment (std::getenv).
EnvLookup ProcessEnv();

struct KubeConfig {
  std::string api_url;         // "https://10.96.0.1:443" (no trailing slash)
  std::string ca_file;         // PEM bundle for the API server ("" = system store)
  std::string token_file;      // bearer token file ("" = no Authorization header)
  std::string namespace_name;  // the agent's own namespace ("default" when unknown)
  bool insecure_skip_verify = false;
};

// In-cluster configuration, as client-go's rest.InClusterConfig: KUBERNETES_SERVICE_HOST and
// KUBERNETES_SERVICE_PORT must both be set (else kInvalidArgument, "not running in a cluster");
// `service_account_dir`/token must exist; ca.crt is used when present; the namespace comes from
// `service_account_dir`/namespace (trimmed), else "default".
Result<KubeConfig> InClusterConfig(const EnvLookup& env,
                                   const std::string& service_account_dir = kServiceAccountDir);

// Explicit configuration. `api_url` must be http:// or https:// (a trailing slash is removed);
// files, when given, must be readable (checked now so configuration errors surface at start-up).
Result<KubeConfig> ExplicitConfig(std::string api_url, std::string ca_file, std::string token_file,
                                  std::string namespace_name);

}  // namespace nca::kube
