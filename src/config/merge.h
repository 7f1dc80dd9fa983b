// Merging the clusters described by Neo4jEnterpriseCluster manifests (--cluster-spec, the config
// file's `cluster_specs:`, or custom resources read from the Kubernetes API) into the agent's
// configuration, and the checks that only make sense once every source is merged.
//
// Pure functions over plain values; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "config/cluster_spec.h"
#include "config/config.h"
#include "config/loader.h"

namespace nca::config {

// Merges `docs` (in order) into `config.clusters`:
//   * Among the manifests, a cluster described by several of them (the seed's primary and DR
//     manifests both list us-west-dr) takes its placement, namespace and expected sizes from the
//     manifest that deploys it (config::LocalClusterIndex), other fields from the first manifest
//     that gives them.
//   * A manifest cluster with the name of a configured cluster fills only what the configuration
//     leaves empty (region, bolt_endpoint, expected sizes, namespace, and the placement when the
//     configuration has none); members, credentials and TLS always come from the configuration.
//     A differing region is kept as configured and reported in `notes`.
//   * Other manifest clusters are appended with `defaults` (credentials, TLS, HTTP settings).
// `notes` receives one line per accepted oddity (the manifests' own warnings included).
void MergeClusterSpecs(const std::vector<ClusterSpecDoc>& docs, const ClusterDefaults& defaults,
                       Config& config, std::vector<std::string>& notes);

// Checks that need the merged configuration:
//   * at least one cluster, unless Kubernetes node-local discovery may find some (a DaemonSet
//     agent needs no cluster list: it monitors whatever Neo4j pods run on its node);
//   * every cluster has members, or a bolt/http endpoint to probe, or Kubernetes node-local
//     discovery may find its members (kubernetes.node_name set and kubernetes not off);
//   * cross_cluster.source, when set, names a cluster.
// kInvalidArgument errors name the cluster and where it came from.
Status ValidateMergedConfig(const Config& config);

}  // namespace nca::config
