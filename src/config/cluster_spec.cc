#include "config/cluster_spec.h"

#include <spdlog/fmt/fmt.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <utility>

#include "common/files.h"
#include "config/loader.h"
#include "config/yaml_util.h"

namespace nca::config {
namespace {

// Errors inside this file are thrown as SpecFailure and caught at the API boundary
// (ParseClusterSpec); nothing escapes.
struct SpecFailure {
  std::string message;
};

// A node with its path in the document ("spec.topology.primaries").
struct At {
  YAML::Node node;
  std::string path;
};

bool Present(const YAML::Node& node) { return node.IsDefined() && !node.IsNull(); }

// Formats positioned errors and warnings for one parse. One per call; not shared between threads.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  std::string Where(const YAML::Node& node, const std::string& path) const {
    std::string where = source_;
    const YAML::Mark mark = node.Mark();
    if (!mark.is_null()) {
      where = fmt::format("{}:{}:{}", source_, mark.line + 1, mark.column + 1);
    }
    if (path.empty()) {
      return where;
    }
    return fmt::format("{}: {}", where, path);
  }

  [[noreturn]] void Fail(const YAML::Node& node, const std::string& path,
                         std::string_view message) const {
    throw SpecFailure{fmt::format("{}: {}", Where(node, path), message)};
  }

  std::string Warning(const YAML::Node& node, const std::string& path,
                      std::string_view message) const {
    return fmt::format("{}: {}", Where(node, path), message);
  }

  // `parent` must be a mapping (or null: an empty mapping). Returns the child `key` (null node
  // when absent); unknown keys are ignored.
  At Child(const At& parent, std::string_view key) const {
    At out{YAML::Node(),
           parent.path.empty() ? std::string(key) : fmt::format("{}.{}", parent.path, key)};
    if (!Present(parent.node)) {
      return out;
    }
    if (!parent.node.IsMap()) {
      Fail(parent.node, parent.path,
           fmt::format("want a mapping, got {}", YamlKindName(parent.node)));
    }
    for (auto it = parent.node.begin(); it != parent.node.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) {
        out.node = it->second;
        break;
      }
    }
    return out;
  }

  // The child, which must be present; the error points at the parent mapping.
  At Required(const At& parent, std::string_view key) const {
    At child = Child(parent, key);
    if (!Present(child.node)) {
      Fail(parent.node, child.path, "missing required field");
    }
    return child;
  }

  std::string String(const At& at) const {
    if (!at.node.IsScalar()) {
      Fail(at.node, at.path, fmt::format("want a string, got {}", YamlKindName(at.node)));
    }
    return at.node.Scalar();
  }

  std::string NonEmptyString(const At& at) const {
    std::string s = String(at);
    if (s.empty()) {
      Fail(at.node, at.path, "must not be empty");
    }
    return s;
  }

  int Int(const At& at, int min) const {
    int value = 0;
    if (!at.node.IsScalar() || !YAML::convert<int>::decode(at.node, value)) {
      Fail(at.node, at.path,
           at.node.IsScalar() ? fmt::format("want an integer, got \"{}\"", at.node.Scalar())
                              : fmt::format("want an integer, got {}", YamlKindName(at.node)));
    }
    if (value < min) {
      Fail(at.node, at.path, fmt::format("must be >= {}, got {}", min, value));
    }
    return value;
  }

  double Double(const At& at) const {
    double value = 0;
    if (!at.node.IsScalar() || !YAML::convert<double>::decode(at.node, value)) {
      Fail(at.node, at.path,
           at.node.IsScalar() ? fmt::format("want a number, got \"{}\"", at.node.Scalar())
                              : fmt::format("want a number, got {}", YamlKindName(at.node)));
    }
    return value;
  }

  bool Bool(const At& at) const {
    bool value = false;
    if (!at.node.IsScalar() || !YAML::convert<bool>::decode(at.node, value)) {
      Fail(at.node, at.path,
           at.node.IsScalar() ? fmt::format("want true or false, got \"{}\"", at.node.Scalar())
                              : fmt::format("want true or false, got {}", YamlKindName(at.node)));
    }
    return value;
  }

  // Optional field helpers: leave `out` untouched when absent.
  void OptString(const At& parent, std::string_view key, std::string& out) const {
    At c = Child(parent, key);
    if (Present(c.node)) {
      out = String(c);
    }
  }
  void OptBool(const At& parent, std::string_view key, bool& out) const {
    At c = Child(parent, key);
    if (Present(c.node)) {
      out = Bool(c);
    }
  }
  void OptInt(const At& parent, std::string_view key, int min, std::optional<int>& out) const {
    At c = Child(parent, key);
    if (Present(c.node)) {
      out = Int(c, min);
    }
  }

  // The items of a list field (empty when absent).
  std::vector<At> Items(const At& list) const {
    std::vector<At> out;
    if (!Present(list.node)) {
      return out;
    }
    if (!list.node.IsSequence()) {
      Fail(list.node, list.path, fmt::format("want a list, got {}", YamlKindName(list.node)));
    }
    std::size_t i = 0;
    for (auto it = list.node.begin(); it != list.node.end(); ++it, ++i) {
      out.push_back(At{*it, fmt::format("{}[{}]", list.path, i)});
    }
    return out;
  }

  // A string-to-string mapping (scalar values), e.g. labels or nodeSelector.
  std::map<std::string, std::string> StringMap(const At& at) const {
    std::map<std::string, std::string> out;
    if (!Present(at.node)) {
      return out;
    }
    if (!at.node.IsMap()) {
      Fail(at.node, at.path, fmt::format("want a mapping, got {}", YamlKindName(at.node)));
    }
    for (auto it = at.node.begin(); it != at.node.end(); ++it) {
      if (!it->first.IsScalar()) {
        Fail(it->first, at.path,
             fmt::format("keys must be strings, got {}", YamlKindName(it->first)));
      }
      std::string key = it->first.Scalar();
      out[key] = String(At{it->second, fmt::format("{}.{}", at.path, key)});
    }
    return out;
  }

  const std::string& source() const { return source_; }

 private:
  std::string source_;
};

void ReadMultiCluster(const Reader& r, const At& mc, ClusterSpecDoc& doc) {
  MultiClusterSpec& out = doc.multi_cluster;
  r.OptBool(mc, "enabled", out.enabled);
  // Also accepted directly under multiCluster; the seed's place (topology) wins.
  r.OptString(mc, "primaryCluster", out.primary_cluster);
  r.OptString(mc, "strategy", out.strategy);
  At primary_at = r.Child(mc, "primaryCluster");

  At topo = r.Child(mc, "topology");
  At clusters = r.Child(topo, "clusters");
  std::set<std::string> names;
  for (const At& item : r.Items(clusters)) {
    SpecCluster c;
    At name = r.Required(item, "name");
    c.name = r.NonEmptyString(name);
    if (!IsValidClusterName(c.name)) {
      r.Fail(name.node, name.path,
             fmt::format("invalid cluster name \"{}\" (want [a-zA-Z0-9_.:-]+)", c.name));
    }
    if (!names.insert(c.name).second) {
      r.Fail(name.node, name.path, fmt::format("duplicate cluster name \"{}\"", c.name));
    }
    r.OptString(item, "region", c.region);
    r.OptString(item, "endpoint", c.endpoint);
    At alloc = r.Child(item, "nodeAllocation");
    r.OptInt(alloc, "primaries", 0, c.node_allocation.primaries);
    r.OptInt(alloc, "secondaries", 0, c.node_allocation.secondaries);
    out.clusters.push_back(std::move(c));
  }
  if (out.enabled && out.clusters.empty()) {
    r.Fail(Present(topo.node) ? topo.node : mc.node, clusters.path,
           "missing required field (multiCluster.enabled is true)");
  }

  At topo_primary = r.Child(topo, "primaryCluster");
  if (Present(topo_primary.node)) {
    primary_at = topo_primary;
    out.primary_cluster = r.String(topo_primary);
  }
  r.OptString(topo, "strategy", out.strategy);

  if (Present(primary_at.node)) {
    if (!IsValidClusterName(out.primary_cluster)) {
      r.Fail(
          primary_at.node, primary_at.path,
          fmt::format("invalid cluster name \"{}\" (want [a-zA-Z0-9_.:-]+)", out.primary_cluster));
    }
    if (names.count(out.primary_cluster) == 0) {
      std::string listed;
      for (const auto& c : out.clusters) {
        listed += listed.empty() ? c.name : ", " + c.name;
      }
      doc.warnings.push_back(r.Warning(
          primary_at.node, primary_at.path,
          fmt::format("\"{}\" is not one of the listed clusters ({}); assumed to be described by "
                      "another manifest",
                      out.primary_cluster, listed)));
    }
  }
}

void ReadPlacement(const Reader& r, const At& placement, PlacementSpec& out) {
  At spread = r.Child(placement, "topologySpread");
  if (Present(spread.node)) {
    TopologySpreadSpec ts;
    r.OptBool(spread, "enabled", ts.enabled);
    if (ts.enabled) {
      ts.topology_key = r.NonEmptyString(r.Required(spread, "topologyKey"));
      ts.max_skew = r.Int(r.Required(spread, "maxSkew"), 1);
    } else {
      r.OptString(spread, "topologyKey", ts.topology_key);
      std::optional<int> skew;
      r.OptInt(spread, "maxSkew", 1, skew);
      ts.max_skew = skew.value_or(1);
    }
    At when = r.Child(spread, "whenUnsatisfiable");
    if (Present(when.node)) {
      ts.when_unsatisfiable = r.String(when);
      if (ts.when_unsatisfiable != "DoNotSchedule" && ts.when_unsatisfiable != "ScheduleAnyway") {
        r.Fail(
            when.node, when.path,
            fmt::format("want DoNotSchedule or ScheduleAnyway, got \"{}\"", ts.when_unsatisfiable));
      }
    }
    At min_domains = r.Child(spread, "minDomains");
    if (Present(min_domains.node)) {
      ts.min_domains = r.Int(min_domains, 1);
      if (ts.when_unsatisfiable != "DoNotSchedule") {
        r.Fail(min_domains.node, min_domains.path,
               "only allowed with whenUnsatisfiable: DoNotSchedule");
      }
    }
    out.topology_spread = std::move(ts);
  }

  At anti = r.Child(placement, "antiAffinity");
  if (Present(anti.node)) {
    AntiAffinitySpec aa;
    r.OptBool(anti, "enabled", aa.enabled);
    At type = r.Child(anti, "type");
    if (Present(type.node)) {
      aa.type = r.String(type);
      if (aa.type != "required" && aa.type != "preferred") {
        r.Fail(type.node, type.path,
               fmt::format("want required or preferred, got \"{}\"", aa.type));
      }
    }
    r.OptString(anti, "topologyKey", aa.topology_key);
    out.anti_affinity = std::move(aa);
  }

  out.node_selector = r.StringMap(r.Child(placement, "nodeSelector"));
}

void ReadTopology(const Reader& r, const At& topo, TopologySpec& out) {
  r.OptInt(topo, "primaries", 1, out.primaries);
  r.OptInt(topo, "secondaries", 0, out.secondaries);
  r.OptBool(topo, "enforceDistribution", out.enforce_distribution);
  std::set<std::string> seen;
  for (const At& zone : r.Items(r.Child(topo, "availabilityZones"))) {
    std::string z = r.NonEmptyString(zone);
    if (!seen.insert(z).second) {
      r.Fail(zone.node, zone.path, fmt::format("duplicate zone \"{}\"", z));
    }
    out.availability_zones.push_back(std::move(z));
  }
  ReadPlacement(r, r.Child(topo, "placement"), out.placement);
}

void ReadMonitoring(const Reader& r, const At& mon, MonitoringSpec& out) {
  for (const At& item : r.Items(r.Child(mon, "metrics"))) {
    MonitoringMetric m;
    m.name = r.NonEmptyString(r.Required(item, "name"));
    m.query = r.NonEmptyString(r.Required(item, "query"));
    At threshold = r.Child(item, "threshold");
    if (Present(threshold.node)) {
      m.threshold = r.Double(threshold);
    }
    out.metrics.push_back(std::move(m));
  }
  for (const At& item : r.Items(r.Child(mon, "alerts"))) {
    MonitoringAlert a;
    a.name = r.NonEmptyString(r.Required(item, "name"));
    a.condition = r.NonEmptyString(r.Required(item, "condition"));
    r.OptString(item, "severity", a.severity);
    out.alerts.push_back(std::move(a));
  }
}

void ReadRoot(const Reader& r, const YAML::Node& root_node, ClusterSpecDoc& doc) {
  if (!Present(root_node)) {
    throw SpecFailure{
        fmt::format("{}: empty document (want a {} manifest)", r.source(), kClusterSpecKind)};
  }
  const At root{root_node, ""};
  if (!root_node.IsMap()) {
    r.Fail(root_node, "", fmt::format("want a mapping, got {}", YamlKindName(root_node)));
  }

  At api = r.Required(root, "apiVersion");
  doc.api_version = r.String(api);
  const std::string group_prefix = fmt::format("{}/", kClusterSpecGroup);
  if (doc.api_version.rfind(group_prefix, 0) != 0 ||
      doc.api_version.size() == group_prefix.size()) {
    r.Fail(api.node, api.path,
           fmt::format("want {}<version>, got \"{}\"", group_prefix, doc.api_version));
  }
  At kind = r.Required(root, "kind");
  if (r.String(kind) != kClusterSpecKind) {
    r.Fail(kind.node, kind.path,
           fmt::format("want {}, got \"{}\"", kClusterSpecKind, kind.node.Scalar()));
  }

  At meta = r.Required(root, "metadata");
  doc.name = r.NonEmptyString(r.Required(meta, "name"));
  r.OptString(meta, "namespace", doc.namespace_name);
  doc.labels = r.StringMap(r.Child(meta, "labels"));

  At spec = r.Required(root, "spec");
  if (!spec.node.IsMap()) {
    r.Fail(spec.node, spec.path, fmt::format("want a mapping, got {}", YamlKindName(spec.node)));
  }
  ReadMultiCluster(r, r.Child(spec, "multiCluster"), doc);
  ReadTopology(r, r.Child(spec, "topology"), doc.topology);
  ReadMonitoring(r, r.Child(spec, "monitoring"), doc.monitoring);
  r.OptString(r.Child(spec, "image"), "tag", doc.image_tag);
}

}  // namespace

Result<ClusterSpecDoc> ParseClusterSpec(std::string_view yaml, const std::string& source) {
  std::vector<YAML::Node> docs;
  try {
    docs = LoadAllDocuments(std::string(yaml));
  } catch (const YAML::Exception& e) {
    std::string where = source;
    if (!e.mark.is_null()) {
      where = fmt::format("{}:{}:{}", source, e.mark.line + 1, e.mark.column + 1);
    }
    return MakeError(ErrorKind::kInvalidArgument,
                     fmt::format("{}: invalid YAML: {}", where, e.msg));
  }
  const Reader r(source);
  ClusterSpecDoc doc;
  doc.source = source;
  try {
    if (docs.size() > 1) {
      r.Fail(docs[1], "", "multiple YAML documents are not supported (one manifest per file)");
    }
    ReadRoot(r, docs.empty() ? YAML::Node() : docs[0], doc);
  } catch (const SpecFailure& e) {
    return MakeError(ErrorKind::kInvalidArgument, e.message);
  } catch (const YAML::Exception& e) {
    // Not expected (every access is checked first); reported rather than thrown.
    return MakeError(ErrorKind::kInvalidArgument, fmt::format("{}: {}", source, e.what()));
  }
  return doc;
}

Result<ClusterSpecDoc> LoadClusterSpecFile(const std::string& path) {
  auto text = ReadWholeFile(path, "cluster spec");
  if (!text.ok()) {
    return text.error();
  }
  return ParseClusterSpec(*text, path);
}

std::optional<std::size_t> LocalClusterIndex(const ClusterSpecDoc& doc) {
  const auto& clusters = doc.multi_cluster.clusters;
  if (clusters.empty()) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < clusters.size(); ++i) {
    if (clusters[i].name == doc.name) {
      return i;
    }
  }
  if (clusters.size() == 1) {
    return 0;
  }
  // The cluster whose region prefixes every listed availability zone (us-east-1 / us-east-1a).
  const auto& zones = doc.topology.availability_zones;
  if (!zones.empty()) {
    std::optional<std::size_t> match;
    int matches = 0;
    for (std::size_t i = 0; i < clusters.size(); ++i) {
      const std::string& region = clusters[i].region;
      if (region.empty()) {
        continue;
      }
      bool all = std::all_of(zones.begin(), zones.end(), [&](const std::string& z) {
        return z.size() > region.size() && z.compare(0, region.size(), region) == 0;
      });
      if (all) {
        match = i;
        ++matches;
      }
    }
    if (matches == 1) {
      return match;
    }
  }
  for (std::size_t i = 0; i < clusters.size(); ++i) {
    if (clusters[i].name == doc.multi_cluster.primary_cluster) {
      return i;
    }
  }
  return std::nullopt;
}

PlacementConfig PlacementOf(const ClusterSpecDoc& doc) {
  PlacementConfig p;
  p.availability_zones = doc.topology.availability_zones;
  const PlacementSpec& spec = doc.topology.placement;
  if (spec.topology_spread && spec.topology_spread->enabled) {
    const TopologySpreadSpec& ts = *spec.topology_spread;
    p.topology_key = ts.topology_key;
    p.max_skew = ts.max_skew;
    p.min_domains = ts.min_domains.value_or(1);
    p.do_not_schedule = ts.when_unsatisfiable != "ScheduleAnyway";
  }
  if (spec.anti_affinity && spec.anti_affinity->enabled) {
    p.anti_affinity = spec.anti_affinity->type;
  }
  p.node_selector = spec.node_selector;
  return p;
}

std::vector<ClusterConfig> ToClusterConfigs(const ClusterSpecDoc& doc) {
  std::vector<ClusterConfig> out;
  if (doc.multi_cluster.clusters.empty()) {
    ClusterConfig c;
    c.name = doc.name;
    c.expected.primaries = doc.topology.primaries;
    c.expected.secondaries = doc.topology.secondaries;
    c.placement = PlacementOf(doc);
    c.kubernetes.namespace_name = doc.namespace_name;
    c.spec_sources.push_back(doc.source);
    out.push_back(std::move(c));
    return out;
  }
  const std::optional<std::size_t> local = LocalClusterIndex(doc);
  for (std::size_t i = 0; i < doc.multi_cluster.clusters.size(); ++i) {
    const SpecCluster& sc = doc.multi_cluster.clusters[i];
    ClusterConfig c;
    c.name = sc.name;
    c.region = sc.region;
    c.bolt_endpoint = sc.endpoint;
    c.expected.primaries = sc.node_allocation.primaries;
    c.expected.secondaries = sc.node_allocation.secondaries;
    c.spec_sources.push_back(doc.source);
    if (local && *local == i) {
      c.placement = PlacementOf(doc);
      c.kubernetes.namespace_name = doc.namespace_name;
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace nca::config
