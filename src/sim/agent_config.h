// The neo4j-cluster-agent configuration (docs/configuration.md) that monitors a running
// simulator: what `neo4j-cluster-sim --agent-config FILE` writes. Pure; thread-safe.
//
// Per simulated cluster: name, region, placement.availability_zones (the zones the cluster
// uses), kubernetes.namespace (its pods' namespace), bolt_endpoint / http_endpoint (the
// cross-cluster link FROM the source cluster TO that cluster; none for the source itself) and
// its members (name, url, zone and, when the cluster's Neo4j metrics endpoint is enabled,
// metrics_url). Top level: cross_cluster.source = the source cluster and, when the emulated
// Kubernetes API runs, kubernetes {mode: explicit, api_url}. Credentials are not written: they
// come from the agent's environment (NEO4J_USERNAME / NEO4J_PASSWORD).
//
// The source is `source` when it names a simulated cluster, else the first cluster (what the
// binary writes): an agent "running in" that cluster's region probes the others through the
// links from there.
#pragma once

#include <string>
#include <string_view>

#include "sim/simulator.h"

namespace nca::sim {

std::string AgentConfigYaml(const SimState& state, std::string_view source = "");

}  // namespace nca::sim
