#include "collectors/failover_collector.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "collectors/cluster_servers.h"
#include "collectors/cluster_view.h"
#include "common/logging.h"

namespace nca::collectors {

std::string FailoverCollector::MemberName(const std::string& cluster,
                                          const std::string& member_id) const {
  auto c = names_.find(cluster);
  if (c != names_.end()) {
    auto it = c->second.find(member_id);
    if (it != c->second.end()) {
      return it->second;
    }
  }
  return member_id;
}

CollectOutcome FailoverCollector::Collect(const CollectContext& ctx) {
  auto logger = GetLogger("collector.failover");
  if (ctx.clock == nullptr) {
    CollectOutcome out;
    out.error = MakeError(ErrorKind::kInvalidArgument, "failover: no clock");
    return out;
  }
  auto clusters = GatherClusters(ctx, GatherOptions{});

  exporter::MetricSetBuilder b;
  auto events = b.Counter("neo4j_failover_events_total",
                          "Number of leader changes of the database observed by the agent since it "
                          "started (the first leader seen is not counted).");
  auto last_event = b.Gauge("neo4j_failover_last_event_timestamp_seconds",
                            "Unix time at which the agent observed the last leader change of the "
                            "database.");
  auto leader_info = b.Gauge("neo4j_cluster_leader_info",
                             "Names the member currently seen as the Raft leader of the database "
                             "(always 1).");

  for (const ClusterView& cluster : clusters) {
    if (!cluster.AnyAnswered()) {
      continue;
    }
    auto& names = names_[cluster.name];
    MemberIds ids;
    for (const MemberView& member : cluster.members) {
      if (!member.statuses) {
        continue;
      }
      for (const auto& s : *member.statuses) {
        names[s.member_id] = member.name;
        ids[member.name] = s.member_id;
      }
    }
    // A leader none of our members is (a DaemonSet agent monitors one member): named as Neo4j's
    // own server list and the pods name it (cluster_servers.h), as the agent on its node does.
    std::map<std::string, LeaderView> views;
    for (const std::string& db : cluster.databases) {
      views.emplace(db, ElectLeader(cluster, db));
    }
    const bool unnamed = std::any_of(views.begin(), views.end(), [&](const auto& kv) {
      return kv.second.leader && !names.contains(*kv.second.leader);
    });
    for (const MemberView& member : cluster.members) {
      if (!unnamed || !member.Answered()) {
        continue;
      }
      if (auto listing = RequestListing(member)) {
        auto servers = listing->Servers(cluster, ids, ctx.deadline);
        if (servers.ok()) {
          for (const ListedServer& server : *servers) {
            names.try_emplace(server.id, server.name);
          }
        }
        break;
      }
    }
    for (const auto& [db, view] : views) {
      if (!view.leader) {
        continue;  // no leader seen: the baseline stays as it was
      }
      auto [it, first] = state_.try_emplace({cluster.name, db});
      LeaderState& state = it->second;
      if (first) {
        state.leader = *view.leader;
      } else if (state.leader != *view.leader) {
        logger->info(
            "msg=\"leader changed\" neo4j_cluster={} database={} from={} to={} leaders_seen={}",
            LogQuote(cluster.name), LogQuote(db), LogQuote(MemberName(cluster.name, state.leader)),
            LogQuote(MemberName(cluster.name, *view.leader)), view.leaders_seen);
        state.leader = *view.leader;
        state.events += 1;
        state.last_event_unix_seconds = ToUnixSeconds(ctx.clock->Now());
      }
      leader_info.Add({{kClusterLabel, cluster.name},
                       {kDatabaseLabel, db},
                       {kMemberLabel, MemberName(cluster.name, *view.leader)}},
                      1);
    }
  }
  // Counters are reported from their first observation on, also in runs that see no leader.
  for (const auto& [key, state] : state_) {
    const exporter::Labels labels = {{kClusterLabel, key.first}, {kDatabaseLabel, key.second}};
    events.Add(labels, state.events);
    if (state.last_event_unix_seconds) {
      last_event.Add(labels, *state.last_event_unix_seconds);
    }
  }

  CollectOutcome out;
  out.metrics = std::move(b).Build();
  out.error = NothingAnsweredError(clusters, "failover");
  return out;
}

}  // namespace nca::collectors
