#include "config/merge.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

namespace nca::config {
namespace {

bool IsDefaultPlacement(const PlacementConfig& p) {
  const PlacementConfig d;
  return p.availability_zones.empty() && p.topology_key == d.topology_key &&
         p.max_skew == d.max_skew && p.min_domains == d.min_domains &&
         p.do_not_schedule == d.do_not_schedule && p.anti_affinity.empty() &&
         p.node_selector.empty();
}

void FillEmpty(std::string& into, const std::string& from) {
  if (into.empty()) {
    into = from;
  }
}

void FillExpected(ExpectedTopology& into, const ExpectedTopology& from) {
  if (!into.primaries) {
    into.primaries = from.primaries;
  }
  if (!into.secondaries) {
    into.secondaries = from.secondaries;
  }
}

void AppendSources(ClusterConfig& into, const ClusterConfig& from) {
  for (const std::string& s : from.spec_sources) {
    if (std::find(into.spec_sources.begin(), into.spec_sources.end(), s) ==
        into.spec_sources.end()) {
      into.spec_sources.push_back(s);
    }
  }
}

std::string Origin(const ClusterConfig& c, const Config& config) {
  if (!c.spec_sources.empty()) {
    return fmt::format(" (described in {})", fmt::join(c.spec_sources, ", "));
  }
  if (!config.source.empty()) {
    return fmt::format(" (defined in {})", config.source);
  }
  return "";
}

}  // namespace

void MergeClusterSpecs(const std::vector<ClusterSpecDoc>& docs, const ClusterDefaults& defaults,
                       Config& config, std::vector<std::string>& notes) {
  // 1. The manifests among themselves.
  struct Entry {
    ClusterConfig cluster;
    bool from_own_manifest = false;
  };
  std::vector<Entry> merged;
  std::map<std::string, std::size_t> index;
  for (const ClusterSpecDoc& doc : docs) {
    notes.insert(notes.end(), doc.warnings.begin(), doc.warnings.end());
    std::vector<ClusterConfig> clusters = ToClusterConfigs(doc);
    std::optional<std::size_t> local = LocalClusterIndex(doc);
    const bool single = doc.multi_cluster.clusters.empty();
    for (std::size_t i = 0; i < clusters.size(); ++i) {
      ClusterConfig& c = clusters[i];
      const bool own = single || (local && *local == i);
      auto it = index.find(c.name);
      if (it == index.end()) {
        index.emplace(c.name, merged.size());
        merged.push_back({std::move(c), own});
        continue;
      }
      Entry& e = merged[it->second];
      if (own && !e.from_own_manifest) {
        // The deploying manifest wins for what it alone knows; keep earlier non-empty fields.
        ClusterConfig earlier = std::move(e.cluster);
        e.cluster = std::move(c);
        e.from_own_manifest = true;
        FillEmpty(e.cluster.region, earlier.region);
        FillEmpty(e.cluster.bolt_endpoint, earlier.bolt_endpoint);
        FillExpected(e.cluster.expected, earlier.expected);
        AppendSources(e.cluster, earlier);
      } else {
        FillEmpty(e.cluster.region, c.region);
        FillEmpty(e.cluster.bolt_endpoint, c.bolt_endpoint);
        FillExpected(e.cluster.expected, c.expected);
        if (IsDefaultPlacement(e.cluster.placement)) {
          e.cluster.placement = c.placement;
        }
        FillEmpty(e.cluster.kubernetes.namespace_name, c.kubernetes.namespace_name);
        AppendSources(e.cluster, c);
      }
    }
  }

  // 2. Into the configuration.
  for (Entry& e : merged) {
    ClusterConfig& spec = e.cluster;
    auto it = std::find_if(config.clusters.begin(), config.clusters.end(),
                           [&](const ClusterConfig& c) { return c.name == spec.name; });
    if (it == config.clusters.end()) {
      spec.credentials = defaults.credentials;
      spec.tls = defaults.tls;
      spec.http = defaults.http;
      config.clusters.push_back(std::move(spec));
      continue;
    }
    ClusterConfig& c = *it;
    if (!c.region.empty() && !spec.region.empty() && c.region != spec.region) {
      notes.push_back(
          fmt::format("cluster \"{}\": region \"{}\" from the configuration kept; {} says \"{}\"",
                      c.name, c.region, fmt::join(spec.spec_sources, ", "), spec.region));
    }
    FillEmpty(c.region, spec.region);
    FillEmpty(c.bolt_endpoint, spec.bolt_endpoint);
    FillExpected(c.expected, spec.expected);
    if (IsDefaultPlacement(c.placement)) {
      c.placement = spec.placement;
    }
    FillEmpty(c.kubernetes.namespace_name, spec.kubernetes.namespace_name);
    AppendSources(c, spec);
  }
}

Status ValidateMergedConfig(const Config& config) {
  const bool node_discovery = !config.kubernetes.node_name.empty() &&
                              config.kubernetes.mode != KubernetesConfig::Mode::kOff;
  if (config.clusters.empty() && !node_discovery) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "no clusters configured: use --cluster NAME=URL, --cluster-spec FILE or "
                     "--config FILE");
  }
  for (const ClusterConfig& c : config.clusters) {
    if (c.members.empty() && c.bolt_endpoint.empty() && c.http_endpoint.empty() &&
        !node_discovery) {
      return MakeError(
          ErrorKind::kInvalidArgument,
          fmt::format("cluster \"{}\"{} has nothing to monitor: give it members (config file "
                      "`members:` or --cluster), an endpoint to probe, or enable Kubernetes "
                      "node-local discovery (--kubernetes.node-name or NODE_NAME)",
                      c.name, Origin(c, config)));
    }
  }
  if (!config.cross_cluster.source.empty()) {
    bool found =
        std::any_of(config.clusters.begin(), config.clusters.end(),
                    [&](const ClusterConfig& c) { return c.name == config.cross_cluster.source; });
    if (!found) {
      return MakeError(ErrorKind::kInvalidArgument,
                       fmt::format("cross_cluster.source: no cluster named \"{}\"",
                                   config.cross_cluster.source));
    }
  }
  return OkStatus();
}

}  // namespace nca::config
