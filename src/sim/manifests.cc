#include "sim/manifests.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <utility>

namespace nca::sim {
namespace {

using json = nlohmann::json;

constexpr int kDefaultPrimaries = 3;
constexpr int kDefaultSecondaries = 0;

// Reads digits at `pos`; nullopt when there are none (or too many).
std::optional<int> Digits(std::string_view s, std::size_t& pos) {
  const std::size_t start = pos;
  int value = 0;
  while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])) != 0) {
    if (pos - start >= 6) {
      return std::nullopt;
    }
    value = value * 10 + (s[pos] - '0');
    ++pos;
  }
  if (pos == start) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<std::string> VersionFromImageTag(std::string_view tag) {
  std::size_t pos = 0;
  auto major = Digits(tag, pos);
  if (!major || pos >= tag.size() || tag[pos] != '.') {
    return std::nullopt;
  }
  ++pos;
  auto minor = Digits(tag, pos);
  if (!minor) {
    return std::nullopt;
  }
  int patch = 0;
  if (pos < tag.size() && tag[pos] == '.') {
    ++pos;
    auto p = Digits(tag, pos);
    if (!p) {
      return std::nullopt;
    }
    patch = *p;
  }
  if (pos < tag.size() && tag[pos] != '-') {
    return std::nullopt;  // e.g. "5.15x"
  }
  std::string version =
      std::to_string(*major) + "." + std::to_string(*minor) + "." + std::to_string(patch);
  if (*major >= 2025 && *minor < 10) {
    // Calendar versions are written with two-digit months ("2025.06.0").
    version = std::to_string(*major) + ".0" + std::to_string(*minor) + "." + std::to_string(patch);
  }
  if (!FamilyOf(version).ok()) {
    return std::nullopt;
  }
  return version;
}

json ClusterSpecDocJson(const config::ClusterSpecDoc& doc) {
  json metadata{{"name", doc.name}};
  if (!doc.namespace_name.empty()) {
    metadata["namespace"] = doc.namespace_name;
  }
  if (!doc.labels.empty()) {
    metadata["labels"] = doc.labels;
  }
  json spec = json::object();
  const config::MultiClusterSpec& mc = doc.multi_cluster;
  if (mc.enabled || !mc.clusters.empty()) {
    json clusters = json::array();
    for (const auto& c : mc.clusters) {
      json cj{{"name", c.name}};
      if (!c.region.empty()) {
        cj["region"] = c.region;
      }
      if (!c.endpoint.empty()) {
        cj["endpoint"] = c.endpoint;
      }
      json alloc = json::object();
      if (c.node_allocation.primaries) {
        alloc["primaries"] = *c.node_allocation.primaries;
      }
      if (c.node_allocation.secondaries) {
        alloc["secondaries"] = *c.node_allocation.secondaries;
      }
      if (!alloc.empty()) {
        cj["nodeAllocation"] = alloc;
      }
      clusters.push_back(std::move(cj));
    }
    json topology{{"clusters", clusters}};
    if (!mc.primary_cluster.empty()) {
      topology["primaryCluster"] = mc.primary_cluster;
    }
    if (!mc.strategy.empty()) {
      topology["strategy"] = mc.strategy;
    }
    spec["multiCluster"] = json{{"enabled", mc.enabled}, {"topology", topology}};
  }
  const config::TopologySpec& t = doc.topology;
  json topology = json::object();
  if (t.primaries) {
    topology["primaries"] = *t.primaries;
  }
  if (t.secondaries) {
    topology["secondaries"] = *t.secondaries;
  }
  topology["enforceDistribution"] = t.enforce_distribution;
  if (!t.availability_zones.empty()) {
    topology["availabilityZones"] = t.availability_zones;
  }
  json placement = json::object();
  if (t.placement.topology_spread) {
    const auto& ts = *t.placement.topology_spread;
    json tsj{{"enabled", ts.enabled},
             {"topologyKey", ts.topology_key},
             {"maxSkew", ts.max_skew},
             {"whenUnsatisfiable", ts.when_unsatisfiable}};
    if (ts.min_domains) {
      tsj["minDomains"] = *ts.min_domains;
    }
    placement["topologySpread"] = tsj;
  }
  if (t.placement.anti_affinity) {
    const auto& aa = *t.placement.anti_affinity;
    json aaj{{"enabled", aa.enabled}};
    if (!aa.type.empty()) {
      aaj["type"] = aa.type;
    }
    if (!aa.topology_key.empty()) {
      aaj["topologyKey"] = aa.topology_key;
    }
    placement["antiAffinity"] = aaj;
  }
  if (!t.placement.node_selector.empty()) {
    placement["nodeSelector"] = t.placement.node_selector;
  }
  if (!placement.empty()) {
    topology["placement"] = placement;
  }
  spec["topology"] = topology;
  if (!doc.image_tag.empty()) {
    spec["image"] = json{{"tag", doc.image_tag}};
  }
  if (!doc.monitoring.metrics.empty() || !doc.monitoring.alerts.empty()) {
    json metrics = json::array();
    for (const auto& m : doc.monitoring.metrics) {
      json mj{{"name", m.name}, {"query", m.query}};
      if (m.threshold) {
        mj["threshold"] = *m.threshold;
      }
      metrics.push_back(std::move(mj));
    }
    json alerts = json::array();
    for (const auto& a : doc.monitoring.alerts) {
      json aj{{"name", a.name}, {"condition", a.condition}};
      if (!a.severity.empty()) {
        aj["severity"] = a.severity;
      }
      alerts.push_back(std::move(aj));
    }
    spec["monitoring"] = json{{"metrics", metrics}, {"alerts", alerts}};
  }
  return json{{"apiVersion", doc.api_version},
              {"kind", std::string(config::kClusterSpecKind)},
              {"metadata", metadata},
              {"spec", spec}};
}

Result<SimConfig> SimConfigFromClusterSpecs(const std::vector<config::ClusterSpecDoc>& docs) {
  if (docs.empty()) {
    return MakeError(ErrorKind::kInvalidArgument, "no Neo4jEnterpriseCluster manifests");
  }
  SimConfig config;
  std::set<std::pair<std::string, std::string>> seen_manifests;
  // Per cluster: whether its deployment facts came from the manifest that deploys it.
  std::map<std::string, bool> from_local;
  auto find = [&config](const std::string& name) -> ClusterSpec* {
    for (auto& c : config.clusters) {
      if (c.name == name) {
        return &c;
      }
    }
    return nullptr;
  };
  for (const auto& doc : docs) {
    const std::string ns = doc.namespace_name.empty() ? "neo4j" : doc.namespace_name;
    if (seen_manifests.insert({ns, doc.name}).second) {
      SimManifest manifest;
      manifest.api_version = doc.api_version;
      manifest.namespace_name = ns;
      manifest.name = doc.name;
      manifest.json = ClusterSpecDocJson(doc).dump();
      config.manifests.push_back(std::move(manifest));
    }
    const std::string version =
        VersionFromImageTag(doc.image_tag).value_or(kDefaultManifestVersion);
    // (name, region, primaries, secondaries) of every cluster the manifest describes; `local`:
    // the one it deploys, which spec.topology (zones), the namespace and the image describe.
    struct Described {
      std::string name;
      std::string region;
      int primaries;
      int secondaries;
      bool local;
    };
    std::vector<Described> described;
    const int topo_primaries = doc.topology.primaries.value_or(kDefaultPrimaries);
    const int topo_secondaries = doc.topology.secondaries.value_or(kDefaultSecondaries);
    if (doc.multi_cluster.clusters.empty()) {
      described.push_back({doc.name, "", topo_primaries, topo_secondaries, true});
    } else {
      const std::optional<std::size_t> local = config::LocalClusterIndex(doc);
      for (std::size_t i = 0; i < doc.multi_cluster.clusters.size(); ++i) {
        const auto& sc = doc.multi_cluster.clusters[i];
        described.push_back(
            {sc.name, sc.region, sc.node_allocation.primaries.value_or(topo_primaries),
             sc.node_allocation.secondaries.value_or(topo_secondaries), local && *local == i});
      }
    }
    for (const auto& d : described) {
      ClusterSpec* existing = find(d.name);
      if (existing == nullptr) {
        // The first manifest describing a cluster gives its members and region.
        ClusterSpec c;
        c.name = d.name;
        c.region = d.region;
        c.version = version;
        c.namespace_name = ns;
        if (d.local) {
          c.zones = doc.topology.availability_zones;
        }
        c.username = "neo4j";
        c.password = kDemoPassword;
        int n = 0;
        for (int i = 0; i < d.primaries + d.secondaries; ++i) {
          MemberSpec m;
          m.name = d.name + "-" + std::to_string(++n);
          m.mode = i < d.primaries ? MemberMode::kPrimary : MemberMode::kSecondary;
          c.members.push_back(std::move(m));
        }
        from_local[d.name] = d.local;
        config.clusters.push_back(std::move(c));
      } else if (d.local && !from_local[d.name]) {
        // A later manifest that deploys the cluster still tells where it runs.
        existing->zones = doc.topology.availability_zones;
        existing->namespace_name = ns;
        existing->version = version;
        from_local[d.name] = true;
      }
    }
  }
  for (auto& c : config.clusters) {
    ResolvePlacement(c);
  }
  auto valid = Validate(config);
  if (!valid) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "manifests do not describe a valid simulation: " + valid.error().message);
  }
  return config;
}

}  // namespace nca::sim
