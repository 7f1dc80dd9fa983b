#include "collectors/quorum_collector.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "collectors/cluster_view.h"
#include "common/logging.h"

namespace nca::collectors {
namespace {

// SHOW SERVERS state/health combinations that are always reported (0 when absent), so that
// "no enabled server is unavailable" is an explicit 0 rather than a missing series.
constexpr std::pair<const char*, const char*> kAlwaysReported[] = {
    {"Enabled", "Available"},
    {"Enabled", "Unavailable"},
};

struct ServersRequest {
  std::string member;  // the member asked
  neo4j::Pending<std::vector<neo4j::ServerRow>> rows;
};

}  // namespace

CollectOutcome QuorumCollector::Collect(const CollectContext& ctx) {
  auto logger = GetLogger("collector.quorum");
  // One SHOW SERVERS per cluster, on the first member (config order) whose first stage is in and
  // whose discovery answered; 4.x clusters have no SHOW SERVERS.
  std::vector<std::optional<ServersRequest>> servers;
  std::vector<bool> servers_decided;
  if (ctx.clusters != nullptr) {
    servers.resize(ctx.clusters->size());
    servers_decided.resize(ctx.clusters->size(), false);
  }
  auto clusters = GatherClusters(
      ctx, GatherOptions{.discovery = true}, [&](const ClusterView&, MemberView& member) {
        const std::size_t ci = member.cluster_index;
        if (servers_decided[ci] || !member.discovery) {
          return;
        }
        servers_decided[ci] = true;
        if (member.discovery->dialect == neo4j::Dialect::kV5) {
          servers[ci] = ServersRequest{member.name, member.api->ShowServers()};
        }
      });

  exporter::MetricSetBuilder b;
  auto voting = b.Gauge("neo4j_quorum_voting_members",
                        "Number of voting members of the database's Raft group (union of the "
                        "voting sets reported by the reachable primaries).");
  auto voting_available = b.Gauge("neo4j_quorum_voting_members_available",
                                  "Number of reachable primaries that are healthy, participate in "
                                  "Raft and follow the cluster leader of the database.");
  auto size = b.Gauge("neo4j_quorum_size",
                      "Number of voting members needed for a majority (floor(voting/2)+1).");
  auto ok = b.Gauge("neo4j_quorum_ok",
                    "Whether the database has a working majority behind exactly one leader (1) "
                    "or not (0).");
  auto tolerated = b.Gauge("neo4j_quorum_failures_tolerated",
                           "Number of further voting members the database can lose and keep its "
                           "majority (0 when quorum is not ok).");
  auto leaders_seen = b.Gauge("neo4j_quorum_leaders_seen",
                              "Number of distinct leaders reported by the reachable primaries of "
                              "the database (0: no leader, more than 1: members disagree).");
  auto has_quorum = b.Gauge("neo4j_member_database_has_quorum",
                            "Whether this primary sees a working quorum for the database: it "
                            "participates in Raft, knows a leader and is healthy (1) or not (0).");
  auto view_complete = b.Gauge(
      "neo4j_quorum_view_complete",
      "Whether the agent monitors at least as many members of the cluster as the database has "
      "voting members (1), so that it can judge the majority; 0: a partial view (e.g. a DaemonSet "
      "agent watching only its own node), for which voting_members_available, ok and "
      "failures_tolerated are not reported.");
  auto servers_family = b.Gauge("neo4j_cluster_servers",
                                "Number of servers in each state and health as reported by SHOW "
                                "SERVERS (5.x and later).");

  for (std::size_t ci = 0; ci < clusters.size(); ++ci) {
    const ClusterView& cluster = clusters[ci];
    if (!cluster.AnyAnswered()) {
      continue;
    }
    const config::ClusterConfig* config = cluster.handle->config;
    for (const std::string& db : cluster.databases) {
      const LeaderView leader = ElectLeader(cluster, db);
      std::set<std::string> voting_members;
      int available_voters = 0;
      for (const MemberView& member : cluster.members) {
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
        has_quorum.Add(MemberDatabaseLabels(cluster, member, db),
                       s->participating_in_raft_group && s->leader && is_healthy ? 1 : 0);
      }
      int voters = 0;
      if (leader.primaries > 0) {
        voters = static_cast<int>(voting_members.size());
      } else if (config != nullptr && config->expected.primaries) {
        voters = *config->expected.primaries;
      } else {
        continue;  // neither a primary's view nor an expected topology: nothing to compare
      }
      const int needed = voters / 2 + 1;
      const bool quorum_ok = available_voters >= needed && leader.leaders_seen == 1;
      const exporter::Labels labels = ClusterDatabaseLabels(cluster, db);
      voting.Add(labels, voters);
      size.Add(labels, needed);
      leaders_seen.Add(labels, leader.leaders_seen);
      // Members the agent does not monitor are not "unavailable": with fewer monitored members
      // than voters the majority cannot be judged, and reporting it would raise false alarms.
      const bool complete = cluster.members.size() >= static_cast<std::size_t>(voters);
      view_complete.Add(labels, complete ? 1 : 0);
      if (complete) {
        voting_available.Add(labels, available_voters);
        ok.Add(labels, quorum_ok ? 1 : 0);
        tolerated.Add(labels, quorum_ok ? available_voters - needed : 0);
      }
    }

    const auto& request = servers[ci];
    if (!request) {
      continue;
    }
    auto rows = neo4j::AwaitUntil(request->rows, ctx.deadline);
    if (!rows.ok()) {
      logger->debug("msg=\"SHOW SERVERS failed\" neo4j_cluster={} member={} err={}",
                    LogQuote(cluster.name), LogQuote(request->member),
                    LogQuote(rows.error().ToString()));
      continue;
    }
    std::map<std::pair<std::string, std::string>, int> counts;
    for (const auto& [state, health] : kAlwaysReported) {
      counts[{state, health}] = 0;
    }
    for (const auto& row : *rows) {
      ++counts[{row.state, row.health}];
    }
    for (const auto& [key, count] : counts) {
      servers_family.Add(
          {{kClusterLabel, cluster.name}, {"state", key.first}, {"health", key.second}}, count);
    }
  }

  CollectOutcome out;
  out.metrics = std::move(b).Build();
  out.error = NothingAnsweredError(clusters, "quorum");
  return out;
}

}  // namespace nca::collectors
