// Reading `Neo4jEnterpriseCluster` manifests (the Neo4j operator's custom resource, as in seed
// 004: primary-cluster.yaml, dr-cluster.yaml, production-resilient-cluster.yaml) as topology
// configuration for the agent (`--cluster-spec FILE`).
//
// Kubernetes-style reading: fields the agent does not use (networking, coordination, storage,
// backups, security, ...) and unknown fields are IGNORED. Fields the agent uses are type-checked,
// and missing required ones or invalid values are errors, reported as ONE message
//   <file>:<line>:<column>: <path.in.document>: <what is wrong>
// with 1-based line and column, and list indexes 0-based like the config loader, e.g.
//   dr.yaml:14:9: spec.multiCluster.topology.clusters[1].name: missing required field
// Broken YAML is reported as `<file>:<line>:<column>: invalid YAML: <parser message>`.
//
// What is required / checked:
//   - apiVersion `neo4j.neo4j.com/<version>`, kind `Neo4jEnterpriseCluster`, metadata.name, spec.
//   - spec.multiCluster.topology.clusters[*].name (a valid cluster label value, unique);
//     nodeAllocation.primaries/secondaries integers >= 0. When multiCluster.enabled is true the
//     clusters list must not be empty.
//   - spec.multiCluster.topology.primaryCluster, when given, must be a valid cluster name. When it
//     is not one of the listed clusters the manifest is still ACCEPTED, with a warning in
//     ClusterSpecDoc::warnings: the seed's dr-cluster.yaml does exactly that (a DR cluster's
//     manifest lists only itself and points at the primary described by another manifest).
//   - spec.topology.primaries >= 1, secondaries >= 0; availabilityZones non-empty, unique.
//   - placement.topologySpread (when enabled): topologyKey and maxSkew required, maxSkew >= 1,
//     whenUnsatisfiable DoNotSchedule (default) or ScheduleAnyway, minDomains >= 1 and only with
//     DoNotSchedule (the Kubernetes validation rules).
//   - placement.antiAffinity.type, when given: required or preferred.
//   - spec.monitoring.metrics[*]: name and query required, threshold a number when given;
//     alerts[*]: name and condition required.
//
// Every function here is pure except LoadClusterSpecFile, which reads the file; all are safe to
// call concurrently (no shared state).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/config.h"

namespace nca::config {

inline constexpr std::string_view kClusterSpecKind = "Neo4jEnterpriseCluster";
inline constexpr std::string_view kClusterSpecGroup = "neo4j.neo4j.com";

// spec.multiCluster.topology.clusters[*].nodeAllocation.
struct NodeAllocation {
  std::optional<int> primaries;
  std::optional<int> secondaries;
};

// One cluster of spec.multiCluster.topology.clusters.
struct SpecCluster {
  std::string name;
  std::string region;    // "" when absent
  std::string endpoint;  // "host:port" as written (Bolt), "" when absent
  NodeAllocation node_allocation;
};

// spec.multiCluster. `primaryCluster` and `strategy` sit under `topology` in the seed; they are
// also accepted directly under multiCluster (topology wins when both are given).
struct MultiClusterSpec {
  bool enabled = false;
  std::vector<SpecCluster> clusters;
  std::string primary_cluster;  // "" when absent
  std::string strategy;         // as written, e.g. "active-passive"; "" when absent
};

// spec.topology.placement.topologySpread, with the semantics of a Kubernetes
// topologySpreadConstraint.
struct TopologySpreadSpec {
  bool enabled = false;
  std::string topology_key;                          // e.g. "topology.kubernetes.io/zone"
  int max_skew = 1;                                  // >= 1
  std::string when_unsatisfiable = "DoNotSchedule";  // or "ScheduleAnyway"
  std::optional<int> min_domains;                    // >= 1, DoNotSchedule only
};

// spec.topology.placement.antiAffinity.
struct AntiAffinitySpec {
  bool enabled = false;
  std::string type;          // "required", "preferred" or "" when absent
  std::string topology_key;  // "" when absent
};

struct PlacementSpec {
  std::optional<TopologySpreadSpec> topology_spread;  // absent section: nullopt
  std::optional<AntiAffinitySpec> anti_affinity;      // absent section: nullopt
  std::map<std::string, std::string> node_selector;
};

// spec.topology.
struct TopologySpec {
  std::optional<int> primaries;
  std::optional<int> secondaries;
  bool enforce_distribution = false;
  std::vector<std::string> availability_zones;
  PlacementSpec placement;
};

// spec.monitoring: kept as written for the local-alert-evaluation issue; not interpreted here.
struct MonitoringMetric {
  std::string name;
  std::string query;
  std::optional<double> threshold;
};

struct MonitoringAlert {
  std::string name;
  std::string condition;  // as written, e.g. "zone_distribution_health < 0.8"
  std::string severity;   // as written, "" when absent
};

struct MonitoringSpec {
  std::vector<MonitoringMetric> metrics;
  std::vector<MonitoringAlert> alerts;
};

// One parsed manifest. Plain value.
struct ClusterSpecDoc {
  std::string source;                         // file (or name) it was read from
  std::string api_version;                    // e.g. "neo4j.neo4j.com/v1alpha1"
  std::string name;                           // metadata.name
  std::string namespace_name;                 // metadata.namespace, "" when absent
  std::map<std::string, std::string> labels;  // metadata.labels
  MultiClusterSpec multi_cluster;
  TopologySpec topology;
  MonitoringSpec monitoring;
  std::string image_tag;  // spec.image.tag, "" when absent
  // Accepted oddities worth logging (e.g. primaryCluster not among the listed clusters), each
  // prefixed with `<file>:<line>:<column>: <path>: `.
  std::vector<std::string> warnings;
};

// Parses one manifest. `source` (usually the path) prefixes every error and warning and is kept
// in ClusterSpecDoc::source. Exactly one YAML document is accepted. Errors are kInvalidArgument.
Result<ClusterSpecDoc> ParseClusterSpec(std::string_view yaml, const std::string& source);

// Reads `path` and parses it as above. A missing or unreadable file names the file and the
// strerror text.
Result<ClusterSpecDoc> LoadClusterSpecFile(const std::string& path);

// The cluster a manifest deploys ("local"), as an index into multi_cluster.clusters: the entry
// named metadata.name, else the only entry, else the one entry whose region prefixes every
// availability zone (us-east-1 / us-east-1a), else the primaryCluster entry; nullopt when the
// manifest has no multi-cluster list or none of these rules decides. spec.topology describes the
// local cluster only. Pure.
std::optional<std::size_t> LocalClusterIndex(const ClusterSpecDoc& doc);

// spec.topology as agent placement rules (zones, spread constraint, anti-affinity, nodeSelector).
PlacementConfig PlacementOf(const ClusterSpecDoc& doc);

// The clusters a manifest describes, as agent cluster configurations:
//   - one ClusterConfig per spec.multiCluster.topology.clusters entry (in order), with name,
//     region, bolt_endpoint (`endpoint`) and `expected` from nodeAllocation; the local cluster
//     (LocalClusterIndex) also gets the placement rules and metadata.namespace;
//   - when the manifest has no multi-cluster list, one ClusterConfig named metadata.name with
//     `expected` from spec.topology.primaries/secondaries, the placement and the namespace.
// spec_sources holds doc.source. `members` is left EMPTY: a manifest does not say where the
// members' HTTP endpoints are (the Bolt `endpoint` is a Service, not a member). Members come from
// Kubernetes discovery or from a cluster with the same name and `members:` in the agent config
// file; merging is config::MergeClusterSpecs' job. Credentials, TLS and HTTP settings keep their
// defaults. Pure.
std::vector<ClusterConfig> ToClusterConfigs(const ClusterSpecDoc& doc);

}  // namespace nca::config
