#include "collectors/registry.h"

#include <memory>

#include "collectors/failover_collector.h"
#include "collectors/quorum_collector.h"
#include "collectors/replication_lag_collector.h"
#include "collectors/role_collector.h"

namespace nca::collectors {
namespace {

template <typename T>
CollectorPtr Make() {
  return std::make_unique<T>();
}

}  // namespace

const std::vector<CollectorInfo>& AllCollectors() {
  static const std::vector<CollectorInfo> kCollectors = {
      {"role", true,
       "Per member and database: Raft role, leader flag, writable/available endpoints, health.",
       &Make<RoleCollector>},
      {"quorum", true,
       "Per database: voting members, available voters, quorum size and state, leaders seen; "
       "per member quorum view; 5.x server states.",
       &Make<QuorumCollector>},
      {"replication_lag", true,
       "Per member and database: Raft applied index, last committed transaction, lag in "
       "transactions and estimated seconds, time since the last leader message.",
       &Make<ReplicationLagCollector>},
      {"failover", true,
       "Per database: leader changes observed since start-up and the current leader.",
       &Make<FailoverCollector>},
  };
  return kCollectors;
}

const CollectorInfo* FindCollector(std::string_view name) {
  for (const CollectorInfo& info : AllCollectors()) {
    if (info.name == name) {
      return &info;
    }
  }
  return nullptr;
}

}  // namespace nca::collectors
