// ZoneSkewCollector ("zone_skew"): how each cluster's members are spread over availability
// zones, evaluated exactly as kube-scheduler evaluates the cluster's topologySpreadConstraint
// (topology/skew.h), per role (primaries, secondaries) and overall, plus anti-affinity, zones
// without a primary, quorum on the loss of the most loaded zone and the distribution health.
//
// Zone sources, per cluster, the first that works (metrics and rules: docs/metrics.md,
// docs/zone-skew.md):
//   1. Kubernetes API (CollectServices::kube): nodes' `placement.topology_key` labels and the
//      cluster's pods (their spec.nodeName). Works when both lists succeed and select a pod.
//   2. Neo4j server tags: 5.x SHOW SERVERS `tags`, 4.4 dbms.cluster.overview `groups`
//      ("zone:<z>", "zone=<z>" or a listed availability zone). Works when a member gets a zone.
//   3. Static configuration (MemberConfig::zone). Works when a member has one.
// A failing source (e.g. a 403 from the API server) is logged and the next one is tried; the run
// fails only when a cluster with placement rules configured has no working source.
//
// Roles come from Neo4j: a member whose /dbms/cluster/status reports the role database ("neo4j",
// or the first configured database) as core is a primary, otherwise a secondary. The last known
// role of each member is remembered, so a member that is down (its pod still occupies its zone)
// keeps counting in its role; a member that answers without the role database keeps its last
// role too (secondary when it never had one).
#pragma once

#include <map>
#include <string>
#include <utility>

#include "collectors/collector.h"
#include "topology/skew.h"

namespace nca::collectors {

// Thread-compatible: keeps state between runs without locking; the Scheduler never runs it
// concurrently with itself.
class ZoneSkewCollector final : public Collector {
 public:
  CollectOutcome Collect(const CollectContext& ctx) override;

 private:
  // Last known role per (cluster, member), learned from Neo4j.
  std::map<std::pair<std::string, std::string>, topology::MemberRole> roles_;
  // Last zone-source failure logged per (cluster, source), to warn once per new message.
  std::map<std::pair<std::string, std::string>, std::string> logged_failures_;
  // Source in use per cluster in the previous run, to log changes.
  std::map<std::string, std::string> sources_;
};

}  // namespace nca::collectors
