// The simulated clusters' state machine proper: Model::Create, lookups of members, clusters,
// databases and links, the Raft groups' elections and per-step progress (Advance), the per-member
// database views, starting and stopping members, and whether zones, regions and nodes are up.
// Fault injection (Model::Apply and its helpers) is in model_faults.cc.
#include "sim/model.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace nca::sim {
namespace {

constexpr char kSystemDatabaseUuid[] = "00000000-0000-0000-0000-000000000001";

double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

// Initial committed transaction ids (arbitrary, but distinct per kind of database).
int64_t InitialCommit(const std::string& db) {
  if (db == "system") {
    return 20;
  }
  return 100;
}

}  // namespace

std::vector<std::string> ServerTags(const SimMember& member) {
  std::vector<std::string> tags;
  if (!member.zone.empty()) {
    tags.push_back("zone:" + member.zone);
  }
  if (!member.region.empty()) {
    tags.push_back("region:" + member.region);
  }
  return tags;
}

std::string_view RaftRoleName(RaftRole role) {
  switch (role) {
    case RaftRole::kLeader:
      return "leader";
    case RaftRole::kFollower:
      return "follower";
    case RaftRole::kCandidate:
      return "candidate";
    case RaftRole::kSecondary:
      return "secondary";
  }
  return "unknown";
}

Result<Model> Model::Create(const SimConfig& config, MonoTime start) {
  auto valid = Validate(config);
  if (!valid) {
    return valid.error();
  }
  Model model(config);
  model.now_ = start;
  std::set<int> used_bolt;
  for (const auto& c : config.clusters) {
    for (const auto& m : c.members) {
      if (m.bolt_port != 0) {
        used_bolt.insert(m.bolt_port);
      }
    }
  }
  int next_bolt = config.first_bolt_port;
  for (const auto& configured : config.clusters) {
    SimCluster cluster;
    cluster.spec = configured;
    ResolvePlacement(cluster.spec);
    const ClusterSpec& spec = cluster.spec;
    cluster.family = Family(spec);
    for (const auto& db_name : DatabaseNames(spec)) {
      SimDatabase db;
      db.name = db_name;
      db.uuid = db_name == "system" ? kSystemDatabaseUuid
                                    : DeterministicUuid(spec.name + "/database/" + db_name);
      db.database_id = DeterministicHexId(spec.name + "/database-id/" + db_name);
      db.rate = db_name == "system" ? spec.system_tx_rate : spec.tx_rate;
      db.commit_index = InitialCommit(db_name);
      db.history.emplace_back(start, db.commit_index);
      cluster.dbs.push_back(std::move(db));
    }
    for (const auto& ms : spec.members) {
      SimMember member;
      member.spec = ms;
      member.server_id =
          ms.server_id.empty() ? DeterministicUuid(spec.name + "/member/" + ms.name) : ms.server_id;
      if (ms.bolt_port != 0) {
        member.bolt_port = ms.bolt_port;
      } else if (config.first_bolt_port == 0) {
        member.bolt_port = 0;  // the listener takes an ephemeral port when it starts
      } else {
        while (used_bolt.count(next_bolt) != 0) {
          ++next_bolt;
        }
        member.bolt_port = next_bolt;
        used_bolt.insert(next_bolt);
        ++next_bolt;
      }
      member.http_port = ms.http_port;
      member.zone = ms.zone;
      member.region = ms.region;
      member.node = ms.name + "-node";
      cluster.nodes.push_back(SimNode{member.node, ms.zone, ms.region, ms.name, false});
      member.dbs.resize(cluster.dbs.size());
      for (std::size_t d = 0; d < cluster.dbs.size(); ++d) {
        member.dbs[d].applied = cluster.dbs[d].commit_index;
        member.dbs[d].last_leader_contact = start;
        member.dbs[d].apply_rate = cluster.dbs[d].rate;
        member.dbs[d].applied_at_start = member.dbs[d].applied;
      }
      member.started_at = start;
      member.metrics_port = ms.metrics_port;
      cluster.members.push_back(std::move(member));
    }
    for (const auto& zone : spec.zones) {
      const bool used = std::any_of(spec.members.begin(), spec.members.end(),
                                    [&](const MemberSpec& m) { return m.zone == zone; });
      if (!used) {
        cluster.nodes.push_back(
            SimNode{spec.name + "-spare-" + zone, zone, spec.region, "", false});
      }
    }
    model.clusters_.push_back(std::move(cluster));
  }
  if (config.links) {
    const int n = static_cast<int>(model.clusters_.size());
    for (int from = 0; from < n; ++from) {
      for (int to = 0; to < n; ++to) {
        if (from != to) {
          SimLink link;
          link.from = from;
          link.to = to;
          model.links_.push_back(link);
        }
      }
    }
  }
  // Initial leaders: as if each group had held one election before the simulator started.
  for (std::size_t ci = 0; ci < model.clusters_.size(); ++ci) {
    SimCluster& c = model.clusters_[ci];
    for (std::size_t di = 0; di < c.dbs.size(); ++di) {
      model.Elect(c, static_cast<int>(ci), static_cast<int>(di), std::nullopt, std::nullopt);
      c.dbs[di].elections = 0;  // the initial election is not counted
    }
  }
  return model;
}

const SimMember& Model::member(MemberIndex m) const {
  return clusters_[static_cast<std::size_t>(m.cluster)].members[static_cast<std::size_t>(m.member)];
}

SimMember& Model::mutable_member(MemberIndex m) {
  return clusters_[static_cast<std::size_t>(m.cluster)].members[static_cast<std::size_t>(m.member)];
}

std::optional<MemberIndex> Model::FindMember(std::string_view name) const {
  for (std::size_t c = 0; c < clusters_.size(); ++c) {
    const auto& members = clusters_[c].members;
    for (std::size_t m = 0; m < members.size(); ++m) {
      if (members[m].spec.name == name) {
        return MemberIndex{static_cast<int>(c), static_cast<int>(m)};
      }
    }
  }
  return std::nullopt;
}

std::optional<int> Model::FindCluster(std::string_view name) const {
  for (std::size_t c = 0; c < clusters_.size(); ++c) {
    if (clusters_[c].spec.name == name) {
      return static_cast<int>(c);
    }
  }
  return std::nullopt;
}

std::optional<int> Model::FindDatabase(int cluster, std::string_view name) const {
  const auto& dbs = clusters_[static_cast<std::size_t>(cluster)].dbs;
  for (std::size_t d = 0; d < dbs.size(); ++d) {
    if (dbs[d].name == name) {
      return static_cast<int>(d);
    }
  }
  return std::nullopt;
}

bool Model::Reaches(int cluster, int a, int b) const {
  const auto& c = clusters_[static_cast<std::size_t>(cluster)];
  const auto& ma = c.members[static_cast<std::size_t>(a)];
  const auto& mb = c.members[static_cast<std::size_t>(b)];
  return ma.up && mb.up && ma.partition_group == mb.partition_group;
}

bool Model::Participates(int cluster, int m, int db) const {
  const auto& mem =
      clusters_[static_cast<std::size_t>(cluster)].members[static_cast<std::size_t>(m)];
  return mem.up && mem.dbs[static_cast<std::size_t>(db)].state == DbState::kOnline;
}

bool Model::ReachesMajority(int cluster, int m) const {
  const auto& c = clusters_[static_cast<std::size_t>(cluster)];
  int primaries = 0;
  int reached = 0;
  for (std::size_t p = 0; p < c.members.size(); ++p) {
    if (c.members[p].spec.mode != MemberMode::kPrimary) {
      continue;
    }
    ++primaries;
    if (Reaches(cluster, m, static_cast<int>(p))) {
      ++reached;
    }
  }
  return reached >= primaries / 2 + 1;
}

std::vector<int> Model::MajorityComponent(int ci, int di) const {
  const auto& c = clusters_[static_cast<std::size_t>(ci)];
  int primaries = 0;
  std::vector<int> candidates;  // participating primaries
  for (std::size_t m = 0; m < c.members.size(); ++m) {
    if (c.members[m].spec.mode != MemberMode::kPrimary) {
      continue;
    }
    ++primaries;
    if (Participates(ci, static_cast<int>(m), di)) {
      candidates.push_back(static_cast<int>(m));
    }
  }
  const std::size_t majority = static_cast<std::size_t>(primaries / 2 + 1);
  for (int first : candidates) {
    const int group = c.members[static_cast<std::size_t>(first)].partition_group;
    std::vector<int> component;
    for (int m : candidates) {
      if (c.members[static_cast<std::size_t>(m)].partition_group == group) {
        component.push_back(m);
      }
    }
    if (component.size() >= majority) {
      return component;
    }
    if (component.size() * 2 >= candidates.size()) {
      break;  // no other group can be larger
    }
  }
  return {};
}

int64_t Model::LaggedCommit(const SimDatabase& d) {
  if (d.history.empty()) {
    return d.commit_index;
  }
  return std::min(d.history.front().second, d.commit_index);
}

bool Model::Elect(SimCluster& c, int ci, int di, std::optional<int> exclude,
                  std::optional<int> prefer) {
  std::vector<int> component = MajorityComponent(ci, di);
  if (component.empty()) {
    return false;
  }
  const auto udi = static_cast<std::size_t>(di);
  SimDatabase& d = c.dbs[udi];
  std::vector<int> candidates;
  for (int m : component) {
    if (!(exclude && *exclude == m && component.size() > 1)) {
      candidates.push_back(m);
    }
  }
  int winner = -1;
  if (prefer && std::find(component.begin(), component.end(), *prefer) != component.end()) {
    winner = *prefer;
  } else {
    int64_t best = INT64_MIN;
    std::vector<int> ties;
    for (int m : candidates) {
      int64_t applied = c.members[static_cast<std::size_t>(m)].dbs[udi].applied;
      if (applied > best) {
        best = applied;
        ties.clear();
      }
      if (applied == best) {
        ties.push_back(m);
      }
    }
    std::uniform_int_distribution<std::size_t> pick(0, ties.size() - 1);
    winner = ties[pick(rng_)];
  }
  d.term += 1;
  d.elections += 1;
  d.leader = winner;
  d.leader_isolated_since.reset();
  // Everyone who can hear the new leader (its component, and secondaries) follows it at once.
  for (std::size_t m = 0; m < c.members.size(); ++m) {
    if (!Participates(ci, static_cast<int>(m), di) || !Reaches(ci, static_cast<int>(m), winner)) {
      continue;
    }
    MemberDb& md = c.members[m].dbs[udi];
    md.known_leader = winner;
    md.known_term = d.term;
    md.last_leader_contact = now_;
  }
  // The new leader holds every committed entry in its log and applies it at once.
  MemberDb& lead = c.members[static_cast<std::size_t>(winner)].dbs[udi];
  lead.applied = std::max(lead.applied, d.commit_index);
  return true;
}

void Model::Advance(MonoTime now) {
  const Duration step = config_.model_step;
  while (now_ < now) {
    Duration dt = std::min<Duration>(step, now - now_);
    now_ += dt;
    Step(now_, dt);
  }
}

void Model::Step(MonoTime now, Duration dt) {
  for (std::size_t ci = 0; ci < clusters_.size(); ++ci) {
    SimCluster& c = clusters_[ci];
    for (std::size_t di = 0; di < c.dbs.size(); ++di) {
      StepDatabase(c, static_cast<int>(ci), static_cast<int>(di), now, dt);
    }
  }
}

void Model::StepDatabase(SimCluster& c, int ci, int di, MonoTime now, Duration dt) {
  const auto udi = static_cast<std::size_t>(di);
  SimDatabase& d = c.dbs[udi];
  const Duration timeout = c.spec.election_timeout;
  const std::size_t n = c.members.size();
  // Per-step snapshot of who takes part and where, so the loops below stay cheap.
  std::vector<char> part(n);
  std::vector<char> primary(n);
  std::vector<int> group(n);
  int primaries = 0;
  for (std::size_t m = 0; m < n; ++m) {
    const SimMember& mem = c.members[m];
    part[m] = mem.up && mem.dbs[udi].state == DbState::kOnline ? 1 : 0;
    primary[m] = mem.spec.mode == MemberMode::kPrimary ? 1 : 0;
    group[m] = mem.partition_group;
    primaries += primary[m];
  }
  const int majority = primaries / 2 + 1;
  auto reaches = [&](std::size_t a, std::size_t b) {
    return c.members[a].up && c.members[b].up && group[a] == group[b];
  };

  // 1. The leader: gone if down; steps down after being cut off from a majority for a timeout.
  if (d.leader) {
    const auto leader = static_cast<std::size_t>(*d.leader);
    if (part[leader] == 0) {
      d.leader.reset();
      d.leader_isolated_since.reset();
    } else {
      int reached = 0;
      for (std::size_t p = 0; p < n; ++p) {
        if (primary[p] != 0 && part[p] != 0 && reaches(leader, p)) {
          ++reached;
        }
      }
      if (reached >= majority) {
        d.leader_isolated_since.reset();
      } else if (!d.leader_isolated_since) {
        d.leader_isolated_since = now - dt;  // last time it was known to reach a majority
      }
      if (d.leader_isolated_since && now - *d.leader_isolated_since >= timeout) {
        MemberDb& ld = c.members[leader].dbs[udi];
        ld.known_leader.reset();
        ld.last_leader_contact = now;
        d.leader.reset();
        d.leader_isolated_since.reset();
      }
    }
  }

  // 2. Leader contact: members hearing from the leader follow it; others keep the last leader
  //    they heard from until the election timeout passes.
  for (std::size_t m = 0; m < n; ++m) {
    MemberDb& md = c.members[m].dbs[udi];
    if (part[m] == 0) {
      md.known_leader.reset();
      continue;
    }
    if (d.leader && reaches(m, static_cast<std::size_t>(*d.leader))) {
      md.known_leader = *d.leader;
      md.known_term = d.term;
      md.last_leader_contact = now;
    } else if (md.known_leader &&
               (!md.last_leader_contact || now - *md.last_leader_contact >= timeout)) {
      md.known_leader.reset();
    }
  }

  // 3. Election once a primary of the majority component has timed out.
  if (!d.leader) {
    std::vector<int> component = MajorityComponent(ci, di);
    bool timed_out = std::any_of(component.begin(), component.end(), [&](int m) {
      const MemberDb& md = c.members[static_cast<std::size_t>(m)].dbs[udi];
      return !md.known_leader &&
             (!md.last_leader_contact || now - *md.last_leader_contact >= timeout);
    });
    if (timed_out) {
      Elect(c, ci, di, std::nullopt, std::nullopt);
    }
  }

  // 4. Commits on a leader that reaches a majority (and is not stalled).
  const double dt_s = Seconds(dt);
  std::vector<int64_t> before(n);
  for (std::size_t m = 0; m < n; ++m) {
    before[m] = c.members[m].dbs[udi].applied;
  }
  if (d.leader && !d.leader_isolated_since) {
    SimMember& lm = c.members[static_cast<std::size_t>(*d.leader)];
    if (!lm.stalled) {
      d.commit_carry += d.rate * dt_s;
      auto k = static_cast<int64_t>(std::floor(d.commit_carry));
      d.commit_carry -= static_cast<double>(k);
      d.commit_index += k;
      lm.dbs[udi].applied = std::max(lm.dbs[udi].applied, d.commit_index);
      lm.dbs[udi].committed_here += k;
    }
  }
  if (d.history.empty() || d.history.back().second != d.commit_index) {
    d.history.emplace_back(now, d.commit_index);
  }
  const MonoTime horizon = now - c.spec.apply_lag;
  while (d.history.size() >= 2 && d.history[1].first <= horizon) {
    d.history.pop_front();
  }

  // 5. Everyone else applies what the leader had committed apply_lag ago, pulling from the most
  //    up-to-date reachable primary.
  const int64_t lagged = LaggedCommit(d);
  const auto step_max = std::max<int64_t>(1, std::llround(c.spec.catchup_rate * dt_s));
  for (std::size_t m = 0; m < n; ++m) {
    SimMember& mem = c.members[m];
    MemberDb& md = mem.dbs[udi];
    if ((d.leader && static_cast<std::size_t>(*d.leader) == m) || part[m] == 0 || mem.stalled ||
        md.applied >= lagged) {
      continue;
    }
    int64_t best = INT64_MIN;
    for (std::size_t p = 0; p < n; ++p) {
      if (p != m && primary[p] != 0 && part[p] != 0 && reaches(m, p)) {
        best = std::max(best, c.members[p].dbs[udi].applied);
      }
    }
    int64_t target = std::min(lagged, best);
    if (md.applied < target) {
      md.applied = std::min(target, md.applied + step_max);
    }
  }

  // 6. Smoothed apply throughput (raftCommandsPerSecond), ~1 s time constant.
  if (dt_s > 0) {
    const double alpha = dt_s / (1.0 + dt_s);
    for (std::size_t m = 0; m < n; ++m) {
      MemberDb& md = c.members[m].dbs[udi];
      double inst = static_cast<double>(md.applied - before[m]) / dt_s;
      md.apply_rate += alpha * (inst - md.apply_rate);
    }
  }
}

MemberDbView Model::View(int cluster, int member, int db) const {
  const SimCluster& c = clusters_[static_cast<std::size_t>(cluster)];
  const SimMember& mem = c.members[static_cast<std::size_t>(member)];
  const MemberDb& md = mem.dbs[static_cast<std::size_t>(db)];
  const SimDatabase& d = c.dbs[static_cast<std::size_t>(db)];
  MemberDbView v;
  v.state = md.state;
  v.applied = md.applied;
  const bool is_leader = d.leader && *d.leader == member;
  if (mem.spec.mode == MemberMode::kSecondary) {
    v.role = RaftRole::kSecondary;
  } else if (is_leader) {
    v.role = RaftRole::kLeader;
  } else if (md.known_leader) {
    v.role = RaftRole::kFollower;
  } else {
    v.role = RaftRole::kCandidate;
  }
  v.leader = is_leader ? std::optional<int>(member) : md.known_leader;
  v.term = is_leader ? d.term : md.known_term;
  if (mem.spec.mode == MemberMode::kPrimary) {
    if (is_leader) {
      v.millis_since_last_leader_message = 0;
    } else if (md.last_leader_contact) {
      v.millis_since_last_leader_message =
          std::chrono::duration_cast<Millis>(now_ - *md.last_leader_contact).count();
    }
    v.participating = v.leader.has_value();
  }
  if (v.role != RaftRole::kCandidate) {
    v.raft_commands_per_second = std::round(std::max(0.0, md.apply_rate) * 1000.0) / 1000.0;
  }
  return v;
}

void Model::StopMember(MemberIndex mi) {
  SimCluster& c = clusters_[static_cast<std::size_t>(mi.cluster)];
  SimMember& m = c.members[static_cast<std::size_t>(mi.member)];
  m.up = false;
  for (std::size_t d = 0; d < c.dbs.size(); ++d) {
    if (c.dbs[d].leader && *c.dbs[d].leader == mi.member) {
      c.dbs[d].leader.reset();
      c.dbs[d].leader_isolated_since.reset();
    }
    m.dbs[d].known_leader.reset();
    m.dbs[d].apply_rate = 0;
  }
}

void Model::RestartMember(MemberIndex mi) {
  SimMember& m = mutable_member(mi);
  m.up = true;
  m.started_at = now_;
  for (auto& md : m.dbs) {
    md.known_leader.reset();
    md.last_leader_contact = now_;  // a restarted member waits one election timeout
    md.apply_rate = 0;
    md.applied_at_start = md.applied;  // a new process: Neo4j's counters start from zero
    md.committed_here = 0;
  }
}

void Model::MarkDown(MemberIndex m) {
  mutable_member(m).stopped = true;
  if (member(m).up) {
    StopMember(m);
  }
}

bool Model::ZoneDown(int cluster, const std::string& zone) const {
  return !zone.empty() && clusters_[static_cast<std::size_t>(cluster)].zones_down.count(zone) != 0;
}

bool Model::NodeReady(int cluster, const SimNode& node) const {
  return !ZoneDown(cluster, node.zone) && !(!node.region.empty() && RegionDown(node.region));
}

bool Model::WantsUp(int cluster, const SimMember& m) const {
  return !m.stopped && !ZoneDown(cluster, m.zone) && !(!m.region.empty() && RegionDown(m.region));
}

bool Model::ClusterUp(int cluster) const {
  const auto& members = clusters_[static_cast<std::size_t>(cluster)].members;
  return std::any_of(members.begin(), members.end(), [](const SimMember& m) { return m.up; });
}

std::optional<int> Model::ServingMember(int cluster) const {
  const auto& members = clusters_[static_cast<std::size_t>(cluster)].members;
  std::optional<int> hung;
  for (std::size_t m = 0; m < members.size(); ++m) {
    if (!members[m].up) {
      continue;
    }
    if (!members[m].hung) {
      return static_cast<int>(m);
    }
    if (!hung) {
      hung = static_cast<int>(m);
    }
  }
  return hung;
}

std::optional<std::size_t> Model::FindLink(int from, int to) const {
  for (std::size_t i = 0; i < links_.size(); ++i) {
    if (links_[i].from == from && links_[i].to == to) {
      return i;
    }
  }
  return std::nullopt;
}

void Model::Reconcile(std::vector<ServerChange>* changes) {
  for (std::size_t ci = 0; ci < clusters_.size(); ++ci) {
    SimCluster& c = clusters_[ci];
    for (std::size_t mi = 0; mi < c.members.size(); ++mi) {
      const MemberIndex idx{static_cast<int>(ci), static_cast<int>(mi)};
      const bool want = WantsUp(idx.cluster, c.members[mi]);
      if (want == c.members[mi].up) {
        continue;
      }
      if (want) {
        RestartMember(idx);
      } else {
        StopMember(idx);
      }
      if (changes != nullptr) {
        changes->push_back({idx, want});
      }
    }
  }
}

bool Model::KnowsZone(int cluster, const std::string& zone) const {
  const SimCluster& c = clusters_[static_cast<std::size_t>(cluster)];
  if (std::find(c.spec.zones.begin(), c.spec.zones.end(), zone) != c.spec.zones.end()) {
    return true;
  }
  return std::any_of(c.nodes.begin(), c.nodes.end(),
                     [&](const SimNode& n) { return n.zone == zone; });
}

bool Model::KnowsRegion(const std::string& region) const {
  for (const auto& c : clusters_) {
    if (c.spec.region == region) {
      return true;
    }
    for (const auto& n : c.nodes) {
      if (n.region == region) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace nca::sim
