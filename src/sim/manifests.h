// Instantiating simulated clusters from Neo4jEnterpriseCluster manifests (the Neo4j operator's
// custom resource, read by config/cluster_spec.h): what `neo4j-cluster-sim --cluster-spec FILE`
// runs. Pure functions; thread-safe.
//
// One simulated cluster per spec.multiCluster.topology.clusters entry (or, without a
// multi-cluster list, one cluster named metadata.name), merged by name over the manifests:
//   - the FIRST manifest describing a cluster gives its members and region: primaries /
//     secondaries from the entry's nodeAllocation, else spec.topology, else 3 / 0; members are
//     named <cluster>-1.. (primaries first); later manifests only add clusters not seen yet;
//   - where the cluster runs comes from the manifest that deploys it (its "local" cluster, as
//     config::LocalClusterIndex decides: spec.topology describes that cluster only): zones =
//     spec.topology.availabilityZones (members placed round-robin, see ResolvePlacement),
//     namespace = metadata.namespace (default "neo4j"), version from spec.image.tag when it
//     parses ("5.15-enterprise" -> "5.15.0", else 5.26.0). A cluster no manifest deploys has no
//     zones, and the namespace and version of the first manifest describing it;
//   - credentials neo4j / kDemoPassword, as the embedded topology.
// Every manifest is kept (SimManifest) so that the emulated Kubernetes API serves it as a
// custom object.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/cluster_spec.h"
#include "sim/config.h"

namespace nca::sim {

inline constexpr char kDefaultManifestVersion[] = "5.26.0";
inline constexpr char kClusterSpecPlural[] = "neo4jenterpriseclusters";

// "5.15-enterprise" -> "5.15.0", "2025.10.1" -> "2025.10.1", "4.4" -> "4.4.0"; nullopt when
// the tag does not start with a simulated version (major.minor[.patch]).
std::optional<std::string> VersionFromImageTag(std::string_view tag);

// The manifest as a Kubernetes object (JSON), with every field the manifest reader interprets;
// ParseClusterSpec reads it back to an equivalent document.
nlohmann::json ClusterSpecDocJson(const config::ClusterSpecDoc& doc);

// The simulation described by the manifests (validated). No manifests, or clusters without
// primaries -> kInvalidArgument.
Result<SimConfig> SimConfigFromClusterSpecs(const std::vector<config::ClusterSpecDoc>& docs);

}  // namespace nca::sim
