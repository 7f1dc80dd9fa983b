// Private to the configuration loader (loader.cc, loader_clusters.cc): the parsers of the
// `clusters:` entries and of the cluster-level override blocks (credentials/tls/http) that
// loader.cc's root parser calls for `defaults:` and every cluster. Not part of the public API;
// include only from src/config/loader*.cc.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

#include "config/loader.h"
#include "config/yaml_walker.h"

namespace nca::config::internal {

// Cluster-level overrides (credentials block + tls/http patch) of one section (`defaults:` or
// a cluster).
struct SectionOverrides {
  std::optional<CredentialsConfig> credentials;
  DefaultsOverrides patch;  // tls/http fields only (credentials handled above)
};

SectionOverrides ParseSectionOverrides(const walk::Walker& w, const walk::Fields& f);

ClusterDefaults ApplySection(ClusterDefaults base, const SectionOverrides& s);

ClusterConfig ParseCluster(const walk::Walker& w, const YAML::Node& node, const std::string& path,
                           const ClusterDefaults& defaults);

}  // namespace nca::config::internal
