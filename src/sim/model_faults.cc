// The simulated clusters' fault injection: Model::Apply and the helpers behind it that change
// members, partitions, leaders, database states, cross-cluster links, zones, regions, node
// placement and the emulated Kubernetes API, and ResetFaults, which undoes them all. The model's
// construction, queries and Raft stepping are in model.cc.
#include <algorithm>
#include <set>

#include "sim/model.h"

namespace nca::sim {
namespace {

Error Invalid(std::string message) {
  return MakeError(ErrorKind::kInvalidArgument, std::move(message));
}

}  // namespace

Status Model::ApplyLinkFault(const FaultAction& a) {
  std::optional<int> from;
  std::optional<int> to;
  if (!a.from.empty()) {
    from = FindCluster(a.from);
    if (!from) {
      return Invalid("unknown cluster \"" + a.from + "\"");
    }
  }
  if (!a.to.empty()) {
    to = FindCluster(a.to);
    if (!to) {
      return Invalid("unknown cluster \"" + a.to + "\"");
    }
  }
  if (a.kind != FaultKind::kLinkHeal && (!from || !to)) {
    return Invalid("action \"" + std::string(FaultKindName(a.kind)) +
                   "\" needs \"from\" and \"to\"");
  }
  if (links_.empty() && a.kind != FaultKind::kLinkHeal) {
    return Invalid("cross-cluster links are off (simulator.links: false)");
  }
  auto matches = [](const SimLink& l, std::optional<int> f, std::optional<int> t) {
    return (!f || l.from == *f) && (!t || l.to == *t);
  };
  for (SimLink& l : links_) {
    if (!matches(l, from, to) && (a.one_way || !matches(l, to, from))) {
      continue;
    }
    switch (a.kind) {
      case FaultKind::kLinkSlow:
        l.delay = a.delay;
        break;
      case FaultKind::kLinkCut:
        l.cut = true;
        break;
      default:  // kLinkHeal
        l.delay = Millis(0);
        l.cut = false;
        break;
    }
  }
  return OkStatus();
}

Status Model::ApplyZoneFault(const FaultAction& a, std::vector<ServerChange>* changes) {
  std::vector<int> scope;
  if (!a.cluster.empty()) {
    auto ci = FindCluster(a.cluster);
    if (!ci) {
      return Invalid("unknown cluster \"" + a.cluster + "\"");
    }
    scope.push_back(*ci);
  } else {
    for (std::size_t ci = 0; ci < clusters_.size(); ++ci) {
      scope.push_back(static_cast<int>(ci));
    }
  }
  for (const auto& zone : a.zones) {
    const bool known =
        std::any_of(scope.begin(), scope.end(), [&](int ci) { return KnowsZone(ci, zone); });
    if (!known) {
      return Invalid("unknown zone \"" + zone + "\"" +
                     (a.cluster.empty() ? std::string() : " in cluster \"" + a.cluster + "\""));
    }
  }
  for (int ci : scope) {
    auto& down = clusters_[static_cast<std::size_t>(ci)].zones_down;
    for (const auto& zone : a.zones) {
      if (a.kind == FaultKind::kZoneDown) {
        down.insert(zone);
      } else {
        down.erase(zone);
      }
    }
  }
  Reconcile(changes);
  return OkStatus();
}

Status Model::Reschedule(MemberIndex mi, const std::string& zone,
                         std::vector<ServerChange>* changes) {
  SimCluster& c = clusters_[static_cast<std::size_t>(mi.cluster)];
  SimMember& m = c.members[static_cast<std::size_t>(mi.member)];
  if (m.zone != zone) {
    auto occupied = [&](const SimNode& n) {
      return std::any_of(c.members.begin(), c.members.end(),
                         [&](const SimMember& other) { return other.node == n.name; });
    };
    const SimNode* chosen = nullptr;
    // The member's own empty nodes in that zone first, then spare nodes.
    for (const std::string& owner : {m.spec.name, std::string()}) {
      for (const SimNode& n : c.nodes) {
        if (chosen == nullptr && n.zone == zone && n.owner == owner && !occupied(n)) {
          chosen = &n;
        }
      }
    }
    if (chosen == nullptr) {
      std::string region = m.region;
      for (const auto& other : clusters_) {
        for (const auto& n : other.nodes) {
          if (n.zone == zone && !n.region.empty()) {
            region = n.region;
          }
        }
      }
      c.nodes.push_back(SimNode{m.spec.name + "-node-" + zone, zone, region, m.spec.name, true});
      chosen = &c.nodes.back();
    }
    m.node = chosen->name;
    m.zone = chosen->zone;
    m.region = chosen->region.empty() ? m.region : chosen->region;
  }
  // The pod is recreated on its new node: a brief restart, as restart_member.
  if (m.up && WantsUp(mi.cluster, m)) {
    StopMember(mi);
    RestartMember(mi);
    if (changes != nullptr) {
      changes->push_back({mi, false});
      changes->push_back({mi, true});
    }
  }
  Reconcile(changes);
  return OkStatus();
}

void Model::ResetFaults(std::vector<ServerChange>* changes) {
  for (SimCluster& c : clusters_) {
    for (SimMember& m : c.members) {
      m.hung = false;
      m.stalled = false;
      m.slow = Millis(0);
      m.answer_mode = AnswerMode::kOk;
      m.answer_path_prefix.clear();
      m.oversized_bytes = kDefaultOversizedBytes;
      m.metrics_mode = MetricsMode::kOk;
      m.metrics_delay = Millis(0);
      m.metrics_size_bytes = kDefaultMetricsHugeBytes;
      m.partition_group = 0;
      m.auth_failures.clear();
      m.stopped = false;
      m.zone = m.spec.zone;
      m.region = m.spec.region;
      m.node = m.spec.name + "-node";
      for (auto& md : m.dbs) {
        if (md.state != DbState::kOnline) {
          md.state = DbState::kOnline;
          md.known_leader.reset();
          md.last_leader_contact = now_;
        }
      }
    }
    c.zones_down.clear();
    c.nodes.erase(
        std::remove_if(c.nodes.begin(), c.nodes.end(), [](const SimNode& n) { return n.created; }),
        c.nodes.end());
  }
  regions_down_.clear();
  for (auto& l : links_) {
    l.delay = Millis(0);
    l.cut = false;
  }
  kube_api_down_ = false;
  kube_token_ = config_.kube_token;
  Reconcile(changes);
}

Status Model::Apply(const FaultAction& a, std::vector<ServerChange>* changes) {
  auto need_member = [&](const std::string& name) -> Result<MemberIndex> {
    auto m = FindMember(name);
    if (!m) {
      return Invalid("unknown member \"" + name + "\"");
    }
    return *m;
  };
  switch (a.kind) {
    case FaultKind::kStopMember:
    case FaultKind::kRestartMember:
    case FaultKind::kHangMember:
    case FaultKind::kUnhangMember:
    case FaultKind::kSlowMember:
    case FaultKind::kUnslowMember:
    case FaultKind::kStallReplication:
    case FaultKind::kResumeReplication:
    case FaultKind::kAnswerMode:
    case FaultKind::kMetricsFault: {
      auto mi = need_member(a.member);
      if (!mi) {
        return mi.error();
      }
      SimMember& m = mutable_member(*mi);
      switch (a.kind) {
        case FaultKind::kStopMember:
          m.stopped = true;
          Reconcile(changes);
          break;
        case FaultKind::kRestartMember:
          // A member in a zone or region that is down stays down.
          m.stopped = false;
          Reconcile(changes);
          break;
        case FaultKind::kHangMember:
          m.hung = true;
          break;
        case FaultKind::kUnhangMember:
          m.hung = false;
          break;
        case FaultKind::kSlowMember:
          m.slow = a.delay;
          break;
        case FaultKind::kUnslowMember:
          m.slow = Millis(0);
          break;
        case FaultKind::kStallReplication:
          m.stalled = true;
          break;
        case FaultKind::kResumeReplication:
          m.stalled = false;
          break;
        case FaultKind::kAnswerMode:
          m.answer_mode = a.mode;
          m.oversized_bytes = a.size_bytes;
          m.answer_path_prefix = a.path_prefix;
          break;
        case FaultKind::kMetricsFault:
          m.metrics_mode = a.metrics_mode;
          m.metrics_delay = a.delay;
          m.metrics_size_bytes = a.size_bytes;
          break;
        default:
          break;
      }
      return OkStatus();
    }
    case FaultKind::kPartition: {
      std::vector<std::pair<MemberIndex, int>> assignment;
      std::set<int> touched;
      for (std::size_t g = 0; g < a.groups.size(); ++g) {
        for (const auto& name : a.groups[g]) {
          auto mi = need_member(name);
          if (!mi) {
            return mi.error();
          }
          assignment.emplace_back(*mi, static_cast<int>(g) + 1);
          touched.insert(mi->cluster);
        }
      }
      for (int ci : touched) {
        for (auto& m : clusters_[static_cast<std::size_t>(ci)].members) {
          m.partition_group = 0;
        }
      }
      for (const auto& [mi, group] : assignment) {
        mutable_member(mi).partition_group = group;
      }
      return OkStatus();
    }
    case FaultKind::kHeal: {
      std::optional<int> only;
      if (!a.cluster.empty()) {
        only = FindCluster(a.cluster);
        if (!only) {
          return Invalid("unknown cluster \"" + a.cluster + "\"");
        }
      }
      for (std::size_t ci = 0; ci < clusters_.size(); ++ci) {
        if (only && *only != static_cast<int>(ci)) {
          continue;
        }
        for (auto& m : clusters_[ci].members) {
          m.partition_group = 0;
        }
      }
      return OkStatus();
    }
    case FaultKind::kForceLeaderChange: {
      std::optional<int> ci;
      std::optional<int> prefer;
      if (!a.cluster.empty()) {
        ci = FindCluster(a.cluster);
        if (!ci) {
          return Invalid("unknown cluster \"" + a.cluster + "\"");
        }
      }
      if (!a.to.empty()) {
        auto mi = need_member(a.to);
        if (!mi) {
          return mi.error();
        }
        if (ci && *ci != mi->cluster) {
          return Invalid("member \"" + a.to + "\" is not in cluster \"" + a.cluster + "\"");
        }
        if (member(*mi).spec.mode != MemberMode::kPrimary) {
          return Invalid("member \"" + a.to + "\" is not a primary");
        }
        ci = mi->cluster;
        prefer = mi->member;
      }
      SimCluster& c = clusters_[static_cast<std::size_t>(*ci)];
      std::vector<int> dbs;
      if (a.database.empty()) {
        for (std::size_t d = 0; d < c.dbs.size(); ++d) {
          dbs.push_back(static_cast<int>(d));
        }
      } else {
        auto d = FindDatabase(*ci, a.database);
        if (!d) {
          return Invalid("unknown database \"" + a.database + "\" in cluster \"" + c.spec.name +
                         "\"");
        }
        dbs.push_back(*d);
      }
      for (int di : dbs) {
        SimDatabase& d = c.dbs[static_cast<std::size_t>(di)];
        std::optional<int> old = d.leader;
        if (old) {
          MemberDb& od =
              c.members[static_cast<std::size_t>(*old)].dbs[static_cast<std::size_t>(di)];
          od.known_leader.reset();
          od.last_leader_contact = now_;
          d.leader.reset();
          d.leader_isolated_since.reset();
        }
        Elect(c, *ci, di, old, prefer);
      }
      return OkStatus();
    }
    case FaultKind::kSetDatabaseState: {
      std::vector<MemberIndex> targets;
      std::optional<int> ci;
      if (!a.cluster.empty()) {
        ci = FindCluster(a.cluster);
        if (!ci) {
          return Invalid("unknown cluster \"" + a.cluster + "\"");
        }
      }
      if (!a.member.empty()) {
        auto mi = need_member(a.member);
        if (!mi) {
          return mi.error();
        }
        if (ci && *ci != mi->cluster) {
          return Invalid("member \"" + a.member + "\" is not in cluster \"" + a.cluster + "\"");
        }
        ci = mi->cluster;
        targets.push_back(*mi);
      } else {
        for (std::size_t m = 0; m < clusters_[static_cast<std::size_t>(*ci)].members.size(); ++m) {
          targets.push_back({*ci, static_cast<int>(m)});
        }
      }
      auto di = FindDatabase(*ci, a.database);
      if (!di) {
        return Invalid("unknown database \"" + a.database + "\"");
      }
      SimCluster& c = clusters_[static_cast<std::size_t>(*ci)];
      SimDatabase& d = c.dbs[static_cast<std::size_t>(*di)];
      for (const auto& t : targets) {
        MemberDb& md = mutable_member(t).dbs[static_cast<std::size_t>(*di)];
        if (md.state == a.state) {
          continue;
        }
        md.state = a.state;
        md.known_leader.reset();
        md.last_leader_contact = now_;
        if (a.state != DbState::kOnline && d.leader && *d.leader == t.member) {
          d.leader.reset();
          d.leader_isolated_since.reset();
        }
      }
      return OkStatus();
    }
    case FaultKind::kReset:
      ResetFaults(changes);
      return OkStatus();
    case FaultKind::kLinkSlow:
    case FaultKind::kLinkCut:
    case FaultKind::kLinkHeal:
      return ApplyLinkFault(a);
    case FaultKind::kZoneDown:
    case FaultKind::kZoneUp:
      return ApplyZoneFault(a, changes);
    case FaultKind::kRegionDown:
    case FaultKind::kRegionUp:
      if (!KnowsRegion(a.region)) {
        return Invalid("unknown region \"" + a.region + "\"");
      }
      if (a.kind == FaultKind::kRegionDown) {
        regions_down_.insert(a.region);
      } else {
        regions_down_.erase(a.region);
      }
      Reconcile(changes);
      return OkStatus();
    case FaultKind::kRescheduleMember: {
      auto mi = need_member(a.member);
      if (!mi) {
        return mi.error();
      }
      return Reschedule(*mi, a.zone, changes);
    }
    case FaultKind::kKubeApiDown:
    case FaultKind::kKubeApiUp:
    case FaultKind::kKubeToken:
      if (config_.kube_address.empty()) {
        return Invalid("action \"" + std::string(FaultKindName(a.kind)) +
                       "\": the emulated Kubernetes API is off (simulator.kube_address is \"\")");
      }
      if (a.kind == FaultKind::kKubeToken) {
        kube_token_ = a.token;
      } else {
        kube_api_down_ = a.kind == FaultKind::kKubeApiDown;
      }
      return OkStatus();
  }
  return Invalid("unhandled action");
}

}  // namespace nca::sim
