#include "collectors/zone_skew_collector.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/cluster_view.h"
#include "collectors/zone_skew_sources.h"
#include "common/logging.h"
#include "kube/discovery.h"
#include "kube/member_join.h"
#include "topology/placement.h"

namespace nca::collectors {
namespace {

using topology::MemberRole;

constexpr char kZoneLabel[] = "neo4j_zone";

constexpr char kSourceKubernetes[] = "kubernetes";
constexpr char kSourceTags[] = "neo4j_tags";
constexpr char kSourceStatic[] = "static";
constexpr char kSourceNone[] = "none";

using zone_skew::FirstTagAnswer;
using zone_skew::IssueRoleRequest;
using zone_skew::IssueTagRequest;
using zone_skew::KubeCluster;
using zone_skew::KubeLists;
using zone_skew::KubeListsPods;
using zone_skew::ListKube;
using zone_skew::MemberZoneFromTags;
using zone_skew::RoleDatabase;
using zone_skew::RoleRequest;
using zone_skew::TagRequest;
using zone_skew::TagRows;

// Whether the placement differs from the defaults (rules were configured for the cluster).
bool PlacementConfigured(const config::PlacementConfig& p) {
  const config::PlacementConfig d;
  return !p.availability_zones.empty() || p.topology_key != d.topology_key ||
         p.max_skew != d.max_skew || p.min_domains != d.min_domains ||
         p.do_not_schedule != d.do_not_schedule || !p.anti_affinity.empty() ||
         !p.node_selector.empty();
}

topology::SpreadConstraint BaseConstraint(const config::PlacementConfig& p) {
  topology::SpreadConstraint c;
  c.topology_key = p.topology_key;
  c.max_skew = p.max_skew;
  c.min_domains = p.min_domains;
  c.when_unsatisfiable = p.do_not_schedule ? topology::WhenUnsatisfiable::kDoNotSchedule
                                           : topology::WhenUnsatisfiable::kScheduleAnyway;
  c.node_affinity_policy = topology::NodeAffinityPolicy::kHonor;
  c.node_selector = p.node_selector;
  return c;
}

// ---- Evaluation --------------------------------------------------------------------------------

// Where one of the agent's members runs, as the zone source says.
struct MemberPlacement {
  std::string member;
  std::string zone;
  std::string node;  // Kubernetes only
  std::string pod;   // Kubernetes only
};

struct Evaluation {
  std::string source = kSourceNone;
  topology::RoleSkew skew;
  bool roles_known = false;  // some member or pod has a known role
  std::vector<MemberPlacement> members;
};

bool AnyRoleKnown(const std::vector<topology::Pod>& pods) {
  return std::any_of(pods.begin(), pods.end(),
                     [](const topology::Pod& p) { return p.role != MemberRole::kUnknown; });
}

// The metrics of one cluster with a working zone source.
struct Families {
  exporter::MetricSetBuilder::Family members;
  exporter::MetricSetBuilder::Family skew;
  exporter::MetricSetBuilder::Family max_skew;
  exporter::MetricSetBuilder::Family violated;
  exporter::MetricSetBuilder::Family eligible;
  exporter::MetricSetBuilder::Family min_domains;
  exporter::MetricSetBuilder::Family without_primary;
  exporter::MetricSetBuilder::Family anti_affinity;
  exporter::MetricSetBuilder::Family health;
  exporter::MetricSetBuilder::Family survivable;
  exporter::MetricSetBuilder::Family excluded;
  exporter::MetricSetBuilder::Family source;
  exporter::MetricSetBuilder::Family member;
};

Families DeclareFamilies(exporter::MetricSetBuilder& b) {
  return Families{
      b.Gauge("neo4j_zone_members",
              "Members of the cluster per zone and role, counted as kube-scheduler counts pods "
              "for the topology spread constraint; eligible zones without members report 0. "
              "role is primary, secondary or unknown (neither Neo4j nor a pod label tells)."),
      b.Gauge("neo4j_zone_skew",
              "Skew of the topology spread constraint: members in the most loaded eligible zone "
              "minus the global minimum (which is 0 when there are fewer eligible zones than "
              "minDomains), for role primary, secondary or all."),
      b.Gauge("neo4j_zone_max_skew",
              "The maxSkew allowed by the cluster's topology spread "
              "constraint."),
      b.Gauge("neo4j_zone_skew_violated",
              "Whether the skew of the role exceeds maxSkew (1) or not (0)."),
      b.Gauge("neo4j_zone_eligible_zones",
              "Number of eligible zones (topology domains) of the constraint, zones without "
              "members included."),
      b.Gauge("neo4j_zone_min_domains", "The minDomains the constraint requires (1 when not set)."),
      b.Gauge("neo4j_zones_without_primary", "Number of eligible zones hosting no primary."),
      b.Gauge("neo4j_zone_anti_affinity_violations",
              "Number of zones hosting more than one primary when zone anti-affinity is "
              "required (0 when it is preferred or not configured)."),
      b.Gauge("neo4j_zone_distribution_health",
              "Zone distribution health from 0 to 1: the share of members that survive the loss "
              "of the worst zone relative to the best placement the zones allow, at most 0.75 "
              "when that loss would break primary quorum (formula in docs/zone-skew.md); below "
              "0.8 means a real imbalance."),
      b.Gauge("neo4j_zone_loss_survivable",
              "Whether the primaries keep a majority when the zone hosting the most primaries "
              "is lost (1) or not (0); primaries without a known zone are assumed to be in "
              "that zone."),
      b.Gauge("neo4j_zone_excluded_members",
              "Members left out of the zone counts, by reason: terminating (pod being deleted) "
              "or no_zone (node without the zone label, outside the node selector, not "
              "scheduled, or no zone known)."),
      b.Gauge("neo4j_zone_source_info",
              "Where the zones of the cluster's members come from (value 1): kubernetes, "
              "neo4j_tags, static, or none (no zone information: no other zone series)."),
      b.Gauge("neo4j_zone_member_info",
              "Where each of this agent's members runs (value 1): its zone, and with the "
              "Kubernetes source its node and pod (empty otherwise)."),
  };
}

exporter::Labels With(const exporter::Labels& base, const char* name, std::string_view value) {
  exporter::Labels l = base;
  l.emplace_back(name, std::string(value));
  return l;
}

void Emit(Families& f, const std::string& cluster, const config::PlacementConfig& placement,
          const Evaluation& e) {
  const exporter::Labels base = {{kClusterLabel, cluster}};
  f.source.Add(With(base, "source", e.source), 1);
  if (e.source == kSourceNone) {
    return;
  }
  for (const MemberPlacement& m : e.members) {
    f.member.Add({{kClusterLabel, cluster},
                  {kMemberLabel, m.member},
                  {kZoneLabel, m.zone},
                  {"node", m.node},
                  {"pod", m.pod}},
                 1);
  }
  const topology::RoleSkew& s = e.skew;
  for (const auto& [zone, total] : s.overall.counts) {
    const exporter::Labels zl = With(base, kZoneLabel, zone);
    int known = 0;
    if (e.roles_known) {
      const int p = s.primaries.counts.at(zone);
      const int sec = s.secondaries.counts.at(zone);
      known = p + sec;
      f.members.Add(With(zl, "role", "primary"), p);
      f.members.Add(With(zl, "role", "secondary"), sec);
    }
    f.members.Add(With(zl, "role", "unknown"), total - known);
  }
  auto per_role = [&](std::string_view role, const topology::SkewResult& r) {
    f.skew.Add(With(base, "role", role), r.skew);
    f.violated.Add(With(base, "role", role), r.violated ? 1 : 0);
  };
  per_role("all", s.overall);
  f.max_skew.Add(base, s.overall.max_skew);
  f.eligible.Add(base, s.overall.eligible_domains);
  f.min_domains.Add(base, s.overall.min_domains);
  f.excluded.Add(With(base, "reason", "terminating"), s.overall.terminating_pods);
  f.excluded.Add(With(base, "reason", "no_zone"), s.overall.excluded_pods);
  if (!e.roles_known) {
    return;  // without any role, primary-based series would report a lost cluster
  }
  per_role("primary", s.primaries);
  per_role("secondary", s.secondaries);
  f.without_primary.Add(base, static_cast<double>(s.primaries.empty_domains.size()));
  f.anti_affinity.Add(
      base, topology::AntiAffinityViolations(
                s.primaries.counts, topology::AntiAffinityFromString(placement.anti_affinity)));
  f.health.Add(base, topology::DistributionHealth(s));
  // Worst case for primaries without a zone: they are in the most loaded zone.
  std::map<std::string, int> primaries = s.primaries.counts;
  auto most = std::max_element(primaries.begin(), primaries.end(),
                               [](const auto& a, const auto& b) { return a.second < b.second; });
  if (most != primaries.end()) {
    most->second += s.primaries.excluded_pods;
  } else {
    primaries[""] = s.primaries.excluded_pods;
  }
  const int total_primaries = s.primaries.TotalCounted() + s.primaries.excluded_pods;
  f.survivable.Add(base,
                   topology::SurvivesLossOfMostLoadedZone(primaries, total_primaries) ? 1 : 0);
}

}  // namespace

CollectOutcome ZoneSkewCollector::Collect(const CollectContext& ctx) {
  auto logger = GetLogger("collector.zone_skew");
  CollectOutcome out;
  exporter::MetricSetBuilder b;
  Families families = DeclareFamilies(b);
  if (ctx.clusters == nullptr || ctx.clusters->empty()) {
    // A DaemonSet agent on a node without a Neo4j pod has nothing to judge: not a failure.
    out.metrics = std::move(b).Build();
    return out;
  }
  const std::vector<ClusterHandle>& handles = *ctx.clusters;
  const config::KubernetesConfig kube_config =
      ctx.services.config != nullptr ? ctx.services.config->kubernetes : config::KubernetesConfig{};

  // Kubernetes lists run on their own thread while the members are asked for their status.
  std::future<KubeLists> kube_lists;
  if (ctx.services.kube != nullptr && !handles.empty()) {
    kube_lists = std::async(std::launch::async, ListKube, std::ref(*ctx.services.kube),
                            std::cref(kube_config), std::cref(handles), ctx.deadline);
  }
  const bool have_kube = kube_lists.valid();
  // Neo4j's server tags are the next source. A cluster needs them at once when there is no
  // Kubernetes, or as soon as its lists are known to have failed: asked then, for the members
  // that have answered and for each one still to answer, so that a slow member elsewhere does
  // not leave the fallback without time before the deadline.
  std::vector<char> tags_wanted(handles.size(), have_kube ? 0 : 1);
  std::vector<std::vector<TagRequest>> tag_requests(handles.size());
  std::optional<KubeLists> kube_done;
  GatherOptions gather;  // discovery too
  gather.on_wait = [&](const std::vector<ClusterView>& views) {
    // Once taken, the future is no longer valid: this runs its body at most once.
    if (!kube_lists.valid() ||
        kube_lists.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      return;
    }
    kube_done = kube_lists.get();
    for (std::size_t ci = 0; ci < views.size(); ++ci) {
      if (!tags_wanted[ci] && handles[ci].config != nullptr && !KubeListsPods(*kube_done, ci)) {
        tags_wanted[ci] = 1;
        for (const MemberView& member : views[ci].members) {
          IssueTagRequest(member, tag_requests[ci]);  // skips members not answered yet
        }
      }
    }
  };
  std::vector<ClusterView> clusters =
      GatherClusters(ctx, gather, [&](const ClusterView&, MemberView& member) {
        if (tags_wanted[member.cluster_index]) {
          IssueTagRequest(member, tag_requests[member.cluster_index]);
        }
      });

  // Roles from Neo4j, remembered across runs.
  std::set<std::pair<std::string, std::string>> present;
  for (const ClusterView& cluster : clusters) {
    const config::ClusterConfig* cfg = cluster.handle->config;
    const std::string role_db = RoleDatabase(cfg);
    for (const MemberView& member : cluster.members) {
      auto key = std::make_pair(cluster.name, member.name);
      present.insert(key);
      if (!member.Answered()) {
        continue;
      }
      if (const neo4j::DatabaseClusterStatus* s = member.StatusFor(role_db)) {
        roles_[key] = s->core ? MemberRole::kPrimary : MemberRole::kSecondary;
      } else {
        roles_.try_emplace(key, MemberRole::kSecondary);
      }
    }
  }
  std::erase_if(roles_, [&](const auto& kv) { return !present.contains(kv.first); });
  auto role_of = [&](const ClusterView& cluster, const MemberView& member) {
    auto it = roles_.find({cluster.name, member.name});
    return it == roles_.end() ? MemberRole::kUnknown : it->second;
  };

  // Roles of the servers no member of ours is (a DaemonSet agent monitors only its node's pod):
  // Neo4j's own cluster view, asked of one member per cluster, joined to pods by address.
  std::vector<std::optional<RoleRequest>> role_requests(clusters.size());
  if (have_kube) {
    for (std::size_t ci = 0; ci < clusters.size(); ++ci) {
      role_requests[ci] = IssueRoleRequest(clusters[ci]);
    }
  }

  KubeLists kube;
  if (kube_done) {
    kube = std::move(*kube_done);
  } else if (kube_lists.valid()) {
    kube = kube_lists.get();
  }

  std::vector<std::optional<Evaluation>> evaluations(clusters.size());
  std::vector<std::vector<std::string>> failures(clusters.size());  // why sources did not work
  auto note_failure = [&](std::size_t ci, const char* source, const std::string& why, bool warn) {
    failures[ci].push_back(std::string(source) + ": " + why);
    auto key = std::make_pair(clusters[ci].name, std::string(source));
    auto it = logged_failures_.find(key);
    const bool is_new = it == logged_failures_.end() || it->second != why;
    logged_failures_[key] = why;
    const auto level = warn && is_new ? spdlog::level::warn : spdlog::level::debug;
    logger->log(level,
                "msg=\"zone source not usable, trying the next one\" neo4j_cluster={} "
                "source={} err={}",
                LogQuote(clusters[ci].name), source, LogQuote(why));
  };
  auto forget_failure = [&](std::size_t ci, const char* source) {
    logged_failures_.erase({clusters[ci].name, std::string(source)});
  };

  // 1. Kubernetes.
  for (std::size_t ci = 0; ci < clusters.size() && kube.nodes; ++ci) {
    const ClusterView& cluster = clusters[ci];
    const config::ClusterConfig* cfg = cluster.handle->config;
    if (cfg == nullptr) {
      continue;
    }
    if (!kube.nodes->ok()) {
      note_failure(ci, kSourceKubernetes, "listing nodes: " + kube.nodes->error().ToString(), true);
      continue;
    }
    const KubeCluster& kc = kube.clusters[ci];
    if (!kc.pods || !kc.pods->ok()) {
      note_failure(ci, kSourceKubernetes,
                   "listing pods: " + (kc.pods ? kc.pods->error().ToString() : "not listed"), true);
      continue;
    }
    topology::SpreadConstraint constraint = BaseConstraint(cfg->placement);
    constraint.namespace_name = kc.namespace_name;
    constraint.match_labels = topology::SelectorEqualities(kc.selector);
    // The listed pods match the whole selector; with no equality term to match on, mark them.
    const bool mark = constraint.match_labels.empty();
    if (mark) {
      constraint.match_labels = {{"nca.topology/selected", "true"}};
    }
    // Listed availability zones confine the cluster as a node affinity `topology_key In (zones)`
    // would (nodeAffinityPolicy Honor): nodes of other zones are not eligible, so the zones of
    // other clusters sharing the Kubernetes cluster are no empty domains of this one.
    const std::vector<std::string>& listed = cfg->placement.availability_zones;
    std::vector<topology::Node> nodes;
    for (const kube::Node& n : **kube.nodes) {
      auto zone = n.labels.find(constraint.topology_key);
      if (!listed.empty() && (zone == n.labels.end() || std::find(listed.begin(), listed.end(),
                                                                  zone->second) == listed.end())) {
        continue;
      }
      topology::Node node{n.name, n.labels, {}};
      for (const kube::Taint& t : n.taints) {
        node.taints.push_back({t.key, t.value, t.effect});
      }
      nodes.push_back(std::move(node));
    }
    std::vector<topology::Pod> pods;
    std::vector<MemberPlacement> joined;  // the agent's members among the pods
    for (const kube::Pod& p : **kc.pods) {
      topology::Pod pod;
      pod.name = p.name;
      pod.namespace_name = p.namespace_name.empty() ? kc.namespace_name : p.namespace_name;
      pod.labels = p.labels;
      if (mark) {
        pod.labels.insert_or_assign("nca.topology/selected", "true");
      }
      pod.node_name = p.node_name;
      pod.deletion_timestamp_set = p.Terminating();
      pod.phase = p.phase;
      // Pods joined to members (kube/member_join.h: name, IP, URL's DNS label, advertised
      // address), then to the servers of Neo4j's cluster view, then the role label.
      for (const MemberView& member : cluster.members) {
        kube::ServerIdentity id;
        id.name = member.name;
        if (member.api != nullptr) {
          id.url = member.api->Ref().url;
        }
        if (auto bolt = member.BoltAddress()) {
          id.advertised.push_back(*bolt);
        }
        if (kube::JoinPod(p, id, **kc.pods)) {
          pod.role = role_of(cluster, member);
          joined.push_back({member.name, "", p.node_name, p.name});
          break;
        }
      }
      if (pod.role == MemberRole::kUnknown && role_requests[ci]) {
        pod.role = role_requests[ci]->RoleOf(p, **kc.pods, ctx.deadline, RoleDatabase(cfg));
      }
      if (pod.role == MemberRole::kUnknown) {
        auto label = p.labels.find(kube_config.role_label);
        if (label != p.labels.end()) {
          pod.role = topology::RoleFromLabel(label->second);
        }
      }
      pods.push_back(std::move(pod));
    }
    Evaluation e;
    e.skew = topology::ComputeRoleSkew(nodes, pods, constraint);
    if (e.skew.overall.TotalCounted() == 0) {
      note_failure(ci, kSourceKubernetes,
                   "no pod matching \"" + kc.selector + "\" in namespace " + kc.namespace_name +
                       " runs on a node labelled " + constraint.topology_key,
                   false);
      continue;
    }
    forget_failure(ci, kSourceKubernetes);
    e.source = kSourceKubernetes;
    e.roles_known = AnyRoleKnown(pods);
    for (MemberPlacement& m : joined) {
      for (const kube::Node& n : **kube.nodes) {
        if (n.name == m.node) {
          auto zone = n.labels.find(constraint.topology_key);
          if (zone != n.labels.end()) m.zone = zone->second;
        }
      }
      if (!m.zone.empty()) e.members.push_back(std::move(m));
    }
    evaluations[ci] = std::move(e);
  }

  // 2. Neo4j server tags: ask now for the clusters Kubernetes did not cover and that have not
  // been asked yet.
  for (std::size_t ci = 0; ci < clusters.size(); ++ci) {
    if (!evaluations[ci] && !tags_wanted[ci]) {
      for (const MemberView& member : clusters[ci].members) {
        IssueTagRequest(member, tag_requests[ci]);
      }
    }
  }
  std::vector<std::string> without_source;
  for (std::size_t ci = 0; ci < clusters.size(); ++ci) {
    const ClusterView& cluster = clusters[ci];
    const config::ClusterConfig* cfg = cluster.handle->config;
    if (evaluations[ci] || cfg == nullptr) {
      continue;
    }
    const topology::SpreadConstraint base = BaseConstraint(cfg->placement);
    auto evaluate = [&](const char* source, const std::vector<topology::ZonedMember>& members) {
      const bool any_zone = std::any_of(members.begin(), members.end(),
                                        [](const auto& m) { return m.zone.has_value(); });
      if (!any_zone) {
        return false;
      }
      const topology::SyntheticTopology t =
          topology::BuildSyntheticTopology(members, cfg->placement.availability_zones, base);
      Evaluation e;
      e.source = source;
      e.skew = topology::ComputeRoleSkew(t.nodes, t.pods, t.constraint);
      e.roles_known = AnyRoleKnown(t.pods);
      for (const topology::ZonedMember& m : members) {
        if (m.zone) e.members.push_back({m.name, *m.zone, "", ""});
      }
      evaluations[ci] = std::move(e);
      return true;
    };

    Result<TagRows> rows = FirstTagAnswer(tag_requests[ci], ctx.deadline);
    if (rows.ok()) {
      std::vector<topology::ZonedMember> members;
      for (const MemberView& member : cluster.members) {
        members.push_back({member.name,
                           MemberZoneFromTags(member, *rows, cfg->placement.availability_zones),
                           role_of(cluster, member)});
      }
      if (evaluate(kSourceTags, members)) {
        forget_failure(ci, kSourceTags);
      } else {
        note_failure(ci, kSourceTags, "no server has a zone tag", false);
      }
    } else {
      note_failure(ci, kSourceTags, rows.error().ToString(), false);
    }

    // 3. Static zones.
    if (!evaluations[ci]) {
      std::vector<topology::ZonedMember> members;
      for (const MemberView& member : cluster.members) {
        std::optional<std::string> zone;
        for (const config::MemberConfig& mc : cfg->members) {
          if (mc.name == member.name && !mc.zone.empty()) {
            zone = mc.zone;
          }
        }
        members.push_back({member.name, zone, role_of(cluster, member)});
      }
      if (!evaluate(kSourceStatic, members)) {
        note_failure(ci, kSourceStatic, "no member has a configured zone", false);
      }
    }
    if (!evaluations[ci] && PlacementConfigured(cfg->placement)) {
      std::string reasons;
      for (const std::string& f : failures[ci]) {
        reasons += (reasons.empty() ? "" : "; ") + f;
      }
      without_source.push_back(cluster.name + " (" + reasons + ")");
    }
  }

  for (std::size_t ci = 0; ci < clusters.size(); ++ci) {
    const config::ClusterConfig* cfg = clusters[ci].handle->config;
    if (cfg == nullptr) {
      continue;
    }
    const Evaluation e = evaluations[ci].value_or(Evaluation{});
    auto [it, inserted] = sources_.try_emplace(clusters[ci].name, e.source);
    if (inserted || it->second != e.source) {
      logger->info("msg=\"zone source\" neo4j_cluster={} source={}", LogQuote(clusters[ci].name),
                   e.source);
      it->second = e.source;
    }
    Emit(families, clusters[ci].name, cfg->placement, e);
  }
  std::erase_if(sources_, [&](const auto& kv) {
    return std::none_of(clusters.begin(), clusters.end(),
                        [&](const ClusterView& c) { return c.name == kv.first; });
  });
  std::erase_if(logged_failures_, [&](const auto& kv) {
    return std::none_of(clusters.begin(), clusters.end(),
                        [&](const ClusterView& c) { return c.name == kv.first.first; });
  });

  out.metrics = std::move(b).Build();
  if (!without_source.empty()) {
    std::string message = "no zone source worked for";
    for (std::size_t i = 0; i < without_source.size(); ++i) {
      message += (i == 0 ? " " : ", ") + without_source[i];
    }
    out.error = MakeError(ErrorKind::kUnavailable, std::move(message));
  }
  return out;
}

}  // namespace nca::collectors
