// ReplicationLagCollector ("replication_lag"): how far each member's copy of each database is
// behind the most advanced copy, in transactions and (estimated) seconds, plus the raw positions
// (Raft applied index, last committed transaction id) and the time since the last leader message.
// Metrics and sources: docs/metrics.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>

#include "collectors/collector.h"

namespace nca::collectors {

// Keeps, per (cluster, database), a bounded history of the cluster head position (the most
// advanced member's position) to turn a member's position into "seconds behind": a member at
// position p is behind by now - (the earliest remembered time the head was >= p). When p is
// older than the remembered history the oldest remembered time is used, so the estimate is a
// lower bound. Times come from CollectContext::clock (monotonic).
//
// Thread-compatible: keeps state between runs without locking; the Scheduler never runs it
// concurrently with itself.
class ReplicationLagCollector final : public Collector {
 public:
  // How long head positions are remembered, and at most how many per (cluster, database).
  static constexpr std::chrono::minutes kHistoryWindow{10};
  static constexpr std::size_t kMaxHistoryEntries = 512;

  CollectOutcome Collect(const CollectContext& ctx) override;

 private:
  // Which position the history is kept in: the last committed transaction id when every
  // reachable copy reports one (SHOW DATABASES), else the Raft applied index.
  enum class PositionKind { kRaftIndex, kCommittedTx };
  struct HeadSample {
    MonoTime time;
    int64_t head = 0;
  };
  struct History {
    PositionKind kind = PositionKind::kRaftIndex;
    std::deque<HeadSample> samples;  // time order, strictly increasing head
    MonoTime last_seen;
  };

  // Records the head at `now` and returns the history to estimate from.
  const History& Record(const std::string& cluster, const std::string& database, PositionKind kind,
                        int64_t head, MonoTime now);
  // Forgets (cluster, database) pairs that have not been seen for a whole window.
  void Expire(MonoTime now);

  std::map<std::pair<std::string, std::string>, History> history_;
};

}  // namespace nca::collectors
