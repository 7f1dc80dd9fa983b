#include "collectors/quorum_collector.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "collectors/cluster_servers.h"
#include "collectors/cluster_view.h"
#include "common/logging.h"
#include "kube/member_join.h"

namespace nca::collectors {
namespace {

// SHOW SERVERS state/health combinations that are always reported (0 when absent), so that
// "no enabled server is unavailable" is an explicit 0 rather than a missing series.
constexpr std::pair<const char*, const char*> kAlwaysReported[] = {
    {"Enabled", "Available"},
    {"Enabled", "Unavailable"},
};

// A 4.4 overview lists only the servers its member reaches; one that has not been listed for this
// long is forgotten (5.x SHOW SERVERS lists every server, so there a fresh listing replaces all).
constexpr auto kForgetAfter = std::chrono::minutes(10);

using KnownServer = QuorumCollector::KnownServer;

// Only a refused connection proves that nothing listens: the server is down. A timeout or another
// transport error may as well be a partition between the agent and the server.
bool ConfirmedDown(const MemberView& m) {
  return !m.Answered() && m.error && m.error->kind == ErrorKind::kConnectionRefused;
}

// Merges a fresh listing into the servers remembered for a cluster. SHOW SERVERS lists every
// server, so it replaces the list; a 4.4 overview only adds and refreshes.
void Remember(std::map<std::string, KnownServer>& known, const std::vector<ListedServer>& listed,
              bool complete, SystemTime now) {
  if (complete) {
    known.clear();
  }
  for (const ListedServer& l : listed) {
    known.insert_or_assign(l.id, KnownServer{l, now});
  }
  std::erase_if(known, [&](const auto& kv) { return now - kv.second.last_listed > kForgetAfter; });
}

// The peers of one cluster asked in this run.
struct PeerCall {
  const ListedServer* server = nullptr;
  std::shared_ptr<neo4j::MemberApi> client;
  neo4j::Pending<std::vector<neo4j::DatabaseClusterStatus>> status;
};

struct ClusterRun {
  std::optional<ServerListing> view;
  std::vector<neo4j::ServerRow> servers;  // the listing used for neo4j_cluster_servers
  bool servers_ok = false;
  std::vector<PeerCall> peers;
};

// The members reached or confirmed down, by Raft member id.
struct Reach {
  std::set<std::string> answered;
  std::set<std::string> down;
  int anonymous_down = 0;  // confirmed down, but never answered: Raft member id unknown
};

}  // namespace

CollectOutcome QuorumCollector::Collect(const CollectContext& ctx) {
  auto logger = GetLogger("collector.quorum");
  const std::size_t n = ctx.clusters != nullptr ? ctx.clusters->size() : 0;
  std::vector<ClusterRun> runs(n);
  auto clusters = GatherClusters(ctx, GatherOptions{},
                                 [&](const ClusterView&, MemberView& member) {
                                   ClusterRun& run = runs[member.cluster_index];
                                   if (!run.view) {
                                     run.view = RequestListing(member);
                                   }
                                 });
  const SystemTime now = ctx.clock != nullptr ? ctx.clock->Now() : SystemTime{};

  // Stage 2: learn the servers, then ask every server we do not monitor (all at once).
  for (std::size_t ci = 0; ci < clusters.size(); ++ci) {
    const ClusterView& cluster = clusters[ci];
    ClusterRun& run = runs[ci];
    auto& ids = member_ids_[cluster.name];
    for (const MemberView& m : cluster.members) {
      if (auto id = MemberIdOf(m)) {
        ids[m.name] = *id;
      }
    }
    std::erase_if(ids, [&](const auto& kv) {
      return std::none_of(cluster.members.begin(), cluster.members.end(),
                          [&](const MemberView& m) { return m.name == kv.first; });
    });
    auto& known = known_[cluster.name];
    if (run.view) {
      auto listed = run.view->Servers(cluster, ids, ctx.deadline);
      if (listed.ok()) {
        Remember(known, *listed, run.view->v5, now);
        if (run.view->v5) {
          run.servers = run.view->Rows(ctx.deadline).value();
          run.servers_ok = true;
        }
      } else {
        logger->debug(
            "msg=\"listing the cluster's servers failed\" neo4j_cluster={} member={} err={}",
            LogQuote(cluster.name), LogQuote(run.view->member),
            LogQuote(listed.error().ToString()));
      }
    }
    if (ctx.services.peers == nullptr || cluster.handle->config == nullptr) {
      continue;
    }
    std::set<std::string> local_ids;
    for (const auto& [name, id] : ids) {
      local_ids.insert(id);
    }
    for (const auto& [id, entry] : known) {
      const ListedServer& server = entry.server;
      if (local_ids.contains(id) || server.url.empty()) {
        continue;
      }
      const bool is_local =
          std::any_of(cluster.members.begin(), cluster.members.end(), [&](const MemberView& m) {
            return m.name == server.name ||
                   (m.api != nullptr &&
                    kube::HostPortOf(m.api->Ref().url) == kube::HostPortOf(server.url));
          });
      if (is_local) {
        continue;
      }
      auto client = ctx.services.peers->Peer(*cluster.handle->config, server.name, server.url);
      if (client == nullptr) {
        continue;
      }
      PeerCall call;
      call.server = &server;
      call.status = client->DbmsClusterStatus();
      call.client = std::move(client);
      run.peers.push_back(std::move(call));
    }
  }

  exporter::MetricSetBuilder b;
  auto voting = b.Gauge("neo4j_quorum_voting_members",
                        "Number of voting members of the database's Raft group (union of the "
                        "voting sets reported by the reachable primaries).");
  auto voting_available = b.Gauge(
      "neo4j_quorum_voting_members_available",
      "Number of voting members that answered (directly or as peers), are healthy, participate "
      "in Raft and follow the cluster leader of the database. Only with a decisive view "
      "(neo4j_quorum_view_complete 1).");
  auto size = b.Gauge("neo4j_quorum_size",
                      "Number of voting members needed for a majority (floor(voting/2)+1).");
  auto ok = b.Gauge("neo4j_quorum_ok",
                    "Whether the database has a working majority behind exactly one leader (1) "
                    "or not (0). Only with a decisive view.");
  auto tolerated = b.Gauge("neo4j_quorum_failures_tolerated",
                           "Number of further voting members the database can lose and keep its "
                           "majority (0 when quorum is not ok). Only with a decisive view.");
  auto leaders_seen = b.Gauge(
      "neo4j_quorum_leaders_seen",
      "Number of distinct leaders followed by the reachable primaries of the database (0: no "
      "leader, more than 1: members disagree). 0 is reported only with a decisive view.");
  auto has_quorum = b.Gauge("neo4j_member_database_has_quorum",
                            "Whether this primary sees a working quorum for the database: it "
                            "participates in Raft, knows a leader and is healthy (1) or not (0).");
  auto view_complete = b.Gauge(
      "neo4j_quorum_view_complete",
      "Whether the agent's view of the database is decisive (1): a majority of its voting members "
      "answered and follow one leader, or every voting member that did not answer refused the "
      "connection (is down). 0: some voting members could not be reached and may merely be cut "
      "off from this agent, so the majority is not judged here.");
  auto member_available = b.Gauge(
      "neo4j_cluster_member_available",
      "Whether the server is available in the cluster-wide view (1): it answered this agent, "
      "directly or as a peer, or a member of the majority lists it Available (SHOW SERVERS); 0: "
      "it is down or unreachable. Reported for every server of the cluster, only when the view "
      "is decisive for every database.");
  auto servers_family = b.Gauge("neo4j_cluster_servers",
                                "Number of servers in each state and health as reported by SHOW "
                                "SERVERS (5.x and later) on a member of the majority.");

  for (std::size_t ci = 0; ci < clusters.size(); ++ci) {
    ClusterView& cluster = clusters[ci];
    ClusterRun& run = runs[ci];
    // The peers' answers, as members of an extended view.
    ClusterView extended = cluster;
    std::vector<bool> is_peer(cluster.members.size(), false);
    for (PeerCall& call : run.peers) {
      MemberView& m = extended.members.emplace_back();
      m.cluster_index = ci;
      m.member_index = extended.members.size() - 1;
      m.api = call.client.get();
      m.name = call.server->name;
      auto status = neo4j::AwaitUntil(call.status, ctx.deadline);
      if (status.ok()) {
        m.statuses = std::move(status).value();
      } else {
        m.error = status.error();
      }
      is_peer.push_back(true);
    }
    if (!extended.AnyAnswered()) {
      continue;
    }
    const auto& ids = member_ids_[cluster.name];
    Reach reach;
    for (std::size_t i = 0; i < extended.members.size(); ++i) {
      const MemberView& m = extended.members[i];
      std::optional<std::string> id = MemberIdOf(m);
      if (!id && !is_peer[i]) {
        if (auto cached = ids.find(m.name); cached != ids.end()) {
          id = cached->second;
        }
      }
      if (!id && is_peer[i]) {
        id = run.peers[i - cluster.members.size()].server->id;
      }
      if (!id) {
        reach.anonymous_down += ConfirmedDown(m) ? 1 : 0;
        continue;
      }
      if (m.Answered()) {
        reach.answered.insert(*id);
      } else if (ConfirmedDown(m)) {
        reach.down.insert(*id);
      }
    }

    // Databases: the union over the extended view (a peer may host what no local member does).
    std::set<std::string> databases(cluster.databases.begin(), cluster.databases.end());
    if (cluster.handle->config == nullptr || cluster.handle->config->databases.empty()) {
      for (const MemberView& m : extended.members) {
        if (m.statuses) {
          for (const auto& s : *m.statuses) {
            databases.insert(s.database);
          }
        }
      }
    }
    const config::ClusterConfig* config = cluster.handle->config;
    bool all_decisive = true;
    std::optional<LeaderView> system_leader;
    for (const std::string& db : databases) {
      const LeaderView leader = ElectLeader(extended, db);
      if (db == "system") {
        system_leader = leader;
      }
      std::set<std::string> voting_members;
      int available_voters = 0;
      for (std::size_t i = 0; i < extended.members.size(); ++i) {
        const MemberView& member = extended.members[i];
        const neo4j::DatabaseClusterStatus* s = member.StatusFor(db);
        if (s == nullptr || !s->core) {
          continue;
        }
        voting_members.insert(s->voting_members.begin(), s->voting_members.end());
        const bool is_healthy = s->healthy.value_or(true);
        if (is_healthy && s->participating_in_raft_group && s->leader && leader.leader &&
            *s->leader == *leader.leader) {
          ++available_voters;
        }
        if (!is_peer[i]) {
          has_quorum.Add(MemberDatabaseLabels(cluster, member, db),
                         s->participating_in_raft_group && s->leader && is_healthy ? 1 : 0);
        }
      }
      int voters = static_cast<int>(voting_members.size());
      if (leader.primaries == 0) {
        if (config != nullptr && config->expected.primaries) {
          voters = *config->expected.primaries;
        } else {
          continue;  // neither a primary's view nor an expected topology: nothing to compare
        }
      }
      const int needed = voters / 2 + 1;
      const bool quorum_ok = available_voters >= needed && leader.leaders_seen == 1;
      // Voters neither answered nor confirmed down: maybe only cut off from this agent.
      // Members that refused since the agent started have no known id: they may account for
      // as many voters.
      int unknown_count = 0;
      if (!voting_members.empty()) {
        unknown_count = static_cast<int>(
            std::count_if(voting_members.begin(), voting_members.end(), [&](const std::string& v) {
              return !reach.answered.contains(v) && !reach.down.contains(v);
            }));
      } else {
        // Voter ids unknown (no primary answered): every voter must be accounted for as down.
        unknown_count = voters - static_cast<int>(reach.down.size());
      }
      const bool unknown_voters = unknown_count > reach.anonymous_down;
      const bool decisive = quorum_ok || !unknown_voters;
      all_decisive = all_decisive && decisive;
      const exporter::Labels labels = ClusterDatabaseLabels(cluster, db);
      voting.Add(labels, voters);
      size.Add(labels, needed);
      view_complete.Add(labels, decisive ? 1 : 0);
      if (decisive || leader.leaders_seen > 0) {
        leaders_seen.Add(labels, leader.leaders_seen);
      }
      if (decisive) {
        voting_available.Add(labels, available_voters);
        ok.Add(labels, quorum_ok ? 1 : 0);
        tolerated.Add(labels, quorum_ok ? available_voters - needed : 0);
      }
    }

    // Which members follow the system database's leader (the majority); the servers' health is
    // taken from one of them, asking a peer when our own member is cut off.
    auto in_majority = [&](const MemberView& m) {
      const neo4j::DatabaseClusterStatus* s = m.StatusFor("system");
      return system_leader && system_leader->leader && s != nullptr && s->leader &&
             *s->leader == *system_leader->leader;
    };
    bool listing_from_majority = false;
    if (run.servers_ok && run.view) {
      for (const MemberView& m : cluster.members) {
        if (m.name == run.view->member) {
          listing_from_majority = in_majority(m);
        }
      }
    }
    if (run.view && run.view->v5 && !listing_from_majority) {
      for (std::size_t i = cluster.members.size(); i < extended.members.size(); ++i) {
        if (!in_majority(extended.members[i])) {
          continue;
        }
        auto rows = neo4j::AwaitUntil(extended.members[i].api->ShowServers(), ctx.deadline);
        if (rows.ok()) {
          run.servers = std::move(rows).value();
          run.servers_ok = true;
          listing_from_majority = true;
        }
        break;
      }
    }
    if (run.servers_ok && (listing_from_majority || system_leader == std::nullopt)) {
      std::map<std::pair<std::string, std::string>, int> counts;
      for (const auto& [state, health] : kAlwaysReported) {
        counts[{state, health}] = 0;
      }
      for (const auto& row : run.servers) {
        ++counts[{row.state, row.health}];
      }
      for (const auto& [key, count] : counts) {
        servers_family.Add(
            {{kClusterLabel, cluster.name}, {"state", key.first}, {"health", key.second}}, count);
      }
    }

    if (all_decisive && !databases.empty()) {
      std::map<std::string, bool> available;  // member label -> available
      std::map<std::string, std::string> health_by_id;
      if (listing_from_majority) {
        for (const auto& row : run.servers) {
          health_by_id[row.server_id] = row.health;
        }
      }
      for (const auto& [id, entry] : known_[cluster.name]) {
        auto h = health_by_id.find(id);
        available[entry.server.name] =
            reach.answered.contains(id) ||
            (h != health_by_id.end() && h->second == "Available" && !reach.down.contains(id));
      }
      for (const MemberView& m : extended.members) {
        available[m.name] = available[m.name] || m.Answered();
      }
      for (const auto& [name, up] : available) {
        member_available.Add({{kClusterLabel, cluster.name}, {kMemberLabel, name}}, up ? 1 : 0);
      }
    }
  }

  CollectOutcome out;
  out.metrics = std::move(b).Build();
  out.error = NothingAnsweredError(clusters, "quorum");
  return out;
}

}  // namespace nca::collectors
