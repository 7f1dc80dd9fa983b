#include "collectors/replication_lag_collector.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collectors/cluster_view.h"
#include "common/logging.h"

namespace nca::collectors {
namespace {

// One member's copy of one database, as seen in this run.
struct Copy {
  const MemberView* member = nullptr;
  const neo4j::DatabaseClusterStatus* status = nullptr;
  const neo4j::DatabaseRow* row = nullptr;  // own SHOW DATABASES row, when known
};

// SHOW DATABASES answers of one member, resolved once.
struct ShowDatabases {
  std::optional<neo4j::Pending<std::vector<neo4j::DatabaseRow>>> pending;
  std::optional<std::vector<neo4j::DatabaseRow>> rows;
};

const neo4j::DatabaseRow* OwnRow(const MemberView& member, const ShowDatabases& show,
                                 const std::string& database) {
  if (!show.rows) {
    return nullptr;
  }
  auto address = member.BoltAddress();
  if (!address) {
    return nullptr;
  }
  for (const auto& row : *show.rows) {
    if (row.name == database && row.address && *row.address == *address) {
      return &row;
    }
  }
  return nullptr;
}

}  // namespace

const ReplicationLagCollector::History& ReplicationLagCollector::Record(const std::string& cluster,
                                                                        const std::string& database,
                                                                        PositionKind kind,
                                                                        int64_t head,
                                                                        MonoTime now) {
  History& h = history_[{cluster, database}];
  h.last_seen = now;
  if (h.kind != kind || (!h.samples.empty() && head < h.samples.back().head)) {
    // A different position space, or the head went backwards (database recreated, restored):
    // the old samples say nothing about the new positions.
    h.samples.clear();
    h.kind = kind;
  }
  if (h.samples.empty() || head > h.samples.back().head) {
    h.samples.push_back({now, head});
  }
  // Keep a window of history, but always the newest sample (the head has been there since).
  while (h.samples.size() > 1 &&
         (h.samples.size() > kMaxHistoryEntries || h.samples[1].time <= now - kHistoryWindow)) {
    h.samples.pop_front();
  }
  return h;
}

void ReplicationLagCollector::Expire(MonoTime now) {
  for (auto it = history_.begin(); it != history_.end();) {
    if (it->second.last_seen < now - kHistoryWindow) {
      it = history_.erase(it);
    } else {
      ++it;
    }
  }
}

CollectOutcome ReplicationLagCollector::Collect(const CollectContext& ctx) {
  auto logger = GetLogger("collector.replication_lag");
  if (ctx.clock == nullptr) {
    CollectOutcome out;
    out.error = MakeError(ErrorKind::kInvalidArgument, "replication_lag: no clock");
    return out;
  }
  std::vector<std::vector<ShowDatabases>> show;
  if (ctx.clusters != nullptr) {
    for (const auto& handle : *ctx.clusters) {
      show.emplace_back(handle.members.size());
    }
  }
  auto clusters = GatherClusters(ctx, GatherOptions{}, [&](const ClusterView&, MemberView& member) {
    // Only the member's own rows are read (OwnRow, by address): the member filters them.
    auto address = member.BoltAddress();
    if (member.Answered() && address) {
      show[member.cluster_index][member.member_index].pending =
          member.api->ShowDatabasesAt(*address);
    }
  });
  for (const ClusterView& cluster : clusters) {
    for (const MemberView& member : cluster.members) {
      ShowDatabases& s = show[member.cluster_index][member.member_index];
      if (!s.pending) {
        continue;
      }
      auto rows = neo4j::AwaitUntil(*s.pending, ctx.deadline);
      if (rows.ok()) {
        s.rows = std::move(rows).value();
      } else {
        logger->debug("msg=\"SHOW DATABASES failed\" neo4j_cluster={} member={} err={}",
                      LogQuote(cluster.name), LogQuote(member.name),
                      LogQuote(rows.error().ToString()));
      }
    }
  }

  exporter::MetricSetBuilder b;
  auto applied = b.Gauge("neo4j_member_database_raft_applied_index",
                         "Last Raft log index applied by this member's copy of the database.");
  auto committed = b.Gauge("neo4j_member_database_last_committed_tx_id",
                           "Id of the last transaction committed on this member's copy of the "
                           "database (SHOW DATABASES lastCommittedTxn).");
  auto lag_tx = b.Gauge("neo4j_replication_lag_transactions",
                        "Number of transactions (or Raft entries) this member's copy of the "
                        "database is behind the most advanced copy.");
  auto lag_seconds = b.Gauge("neo4j_replication_lag_seconds",
                             "Estimated time this member's copy of the database is behind the "
                             "most advanced copy (a lower bound beyond the remembered history).");
  auto leader_message = b.Gauge("neo4j_member_database_seconds_since_leader_message",
                                "Time since this primary last heard from the Raft leader of the "
                                "database (0 on the leader).");

  const MonoTime now = ctx.clock->Monotonic();
  for (const ClusterView& cluster : clusters) {
    for (const std::string& db : cluster.databases) {
      std::vector<Copy> copies;
      for (const MemberView& member : cluster.members) {
        const neo4j::DatabaseClusterStatus* s = member.StatusFor(db);
        if (s == nullptr) {
          continue;
        }
        copies.push_back(
            {&member, s, OwnRow(member, show[member.cluster_index][member.member_index], db)});
      }
      if (copies.empty()) {
        continue;
      }
      int64_t max_applied = copies.front().status->last_applied_raft_index;
      bool all_committed = true;
      for (const Copy& c : copies) {
        max_applied = std::max(max_applied, c.status->last_applied_raft_index);
        all_committed = all_committed && c.row != nullptr && c.row->last_committed_txn;
      }
      const PositionKind kind =
          all_committed ? PositionKind::kCommittedTx : PositionKind::kRaftIndex;
      auto position = [kind](const Copy& c) {
        return kind == PositionKind::kCommittedTx ? *c.row->last_committed_txn
                                                  : c.status->last_applied_raft_index;
      };
      int64_t head = position(copies.front());
      for (const Copy& c : copies) {
        head = std::max(head, position(c));
      }
      const History& history = Record(cluster.name, db, kind, head, now);

      for (const Copy& c : copies) {
        const exporter::Labels labels = MemberDatabaseLabels(cluster, *c.member, db);
        applied.Add(labels, static_cast<double>(c.status->last_applied_raft_index));
        if (c.row != nullptr && c.row->last_committed_txn) {
          committed.Add(labels, static_cast<double>(*c.row->last_committed_txn));
        }

        const bool v5 = c.member->discovery && c.member->discovery->dialect == neo4j::Dialect::kV5;
        int64_t behind = max_applied - c.status->last_applied_raft_index;
        if (v5 && c.row != nullptr && c.row->replication_lag) {
          // Documented as negative, shown positive in one example: the magnitude is what counts.
          behind = std::llabs(*c.row->replication_lag);
        }
        lag_tx.Add(labels, static_cast<double>(behind));

        const int64_t p = position(c);
        double seconds = 0;
        if (behind > 0 && p < head) {
          auto reached = std::find_if(history.samples.begin(), history.samples.end(),
                                      [p](const HeadSample& h) { return h.head >= p; });
          if (reached != history.samples.end()) {
            seconds = ToSeconds(now - reached->time);
          }
        }
        lag_seconds.Add(labels, seconds);

        const neo4j::DatabaseClusterStatus& s = *c.status;
        if (s.millis_since_last_leader_message) {
          leader_message.Add(labels,
                             static_cast<double>(*s.millis_since_last_leader_message) / 1000.0);
        } else if (s.core && s.leader && *s.leader == s.member_id) {
          leader_message.Add(labels, 0);
        }
      }
    }
  }
  Expire(now);

  CollectOutcome out;
  out.metrics = std::move(b).Build();
  out.error = NothingAnsweredError(clusters, "replication_lag");
  return out;
}

}  // namespace nca::collectors
