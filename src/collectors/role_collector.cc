#include "collectors/role_collector.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collectors/cluster_view.h"
#include "common/logging.h"
#include "neo4j/parsers.h"

namespace nca::collectors {
namespace {

using neo4j::DatabaseRole;

constexpr std::array<DatabaseRole, 6> kAllRoles = {
    DatabaseRole::kLeader,    DatabaseRole::kFollower,   DatabaseRole::kCandidate,
    DatabaseRole::kSecondary, DatabaseRole::kStandalone, DatabaseRole::kUnknown,
};

// Second-stage requests of one member, issued as soon as its /dbms/cluster/status is in.
struct RoleRequests {
  std::vector<std::string> databases;  // databases the endpoints were asked for
  std::map<std::string, neo4j::Pending<neo4j::EndpointAnswer>> available;
  std::map<std::string, neo4j::Pending<neo4j::EndpointAnswer>> writable;
  std::optional<neo4j::Pending<std::vector<std::pair<std::string, std::string>>>> cluster_roles;
  std::optional<neo4j::Pending<std::vector<neo4j::DatabaseRow>>> show_databases;
};

// The member's official roles per database, and (5.x) which databases SHOW DATABASES lists for
// this member's address.
struct OfficialRoles {
  std::map<std::string, DatabaseRole> roles;
  bool address_matched = false;  // SHOW DATABASES had rows for this member's bolt address
};

// Role from the member's own status when no official role is available.
DatabaseRole DeriveRole(const neo4j::DatabaseClusterStatus& s) {
  if (!s.core) {
    return DatabaseRole::kSecondary;
  }
  if (!s.leader) {
    return DatabaseRole::kCandidate;
  }
  return *s.leader == s.member_id ? DatabaseRole::kLeader : DatabaseRole::kFollower;
}

void IssueSecondStage(const ClusterView& cluster, const MemberView& member, RoleRequests& req) {
  if (!member.Answered()) {
    return;
  }
  const auto& configured = cluster.handle->config != nullptr ? cluster.handle->config->databases
                                                             : std::vector<std::string>{};
  for (const auto& s : *member.statuses) {
    if (!configured.empty() &&
        std::find(configured.begin(), configured.end(), s.database) == configured.end()) {
      continue;
    }
    req.databases.push_back(s.database);
  }
  for (const auto& db : req.databases) {
    req.available[db] = member.api->Endpoint(db, neo4j::EndpointKind::kAvailable);
    req.writable[db] = member.api->Endpoint(db, neo4j::EndpointKind::kWritable);
  }
  if (!member.discovery) {
    return;
  }
  if (member.discovery->dialect == neo4j::Dialect::kV4) {
    if (!req.databases.empty()) {
      req.cluster_roles = member.api->ClusterRoles(req.databases);
    }
  } else if (auto address = member.BoltAddress()) {
    // Only this member's rows are read (by address): the member filters them.
    req.show_databases = member.api->ShowDatabasesAt(*address);
  }
}

OfficialRoles ResolveOfficialRoles(const MemberView& member, const RoleRequests& req,
                                   MonoTime deadline, spdlog::logger& logger,
                                   const std::string& cluster_name) {
  OfficialRoles out;
  if (req.cluster_roles) {
    auto roles = neo4j::AwaitUntil(*req.cluster_roles, deadline);
    if (roles.ok()) {
      for (const auto& [db, role] : *roles) {
        out.roles[db] = neo4j::NormaliseRole(role, std::nullopt);
      }
    } else {
      logger.debug(
          "msg=\"official role unavailable, deriving it from the status\" neo4j_cluster={} "
          "member={} err={}",
          LogQuote(cluster_name), LogQuote(member.name), LogQuote(roles.error().ToString()));
    }
  }
  if (req.show_databases) {
    auto rows = neo4j::AwaitUntil(*req.show_databases, deadline);
    auto address = member.BoltAddress();
    if (rows.ok() && address) {
      for (const auto& row : *rows) {
        if (row.address && *row.address == *address) {
          out.address_matched = true;
          out.roles[row.name] = row.role;
        }
      }
    } else if (!rows.ok()) {
      logger.debug(
          "msg=\"official role unavailable, deriving it from the status\" neo4j_cluster={} "
          "member={} err={}",
          LogQuote(cluster_name), LogQuote(member.name), LogQuote(rows.error().ToString()));
    }
  }
  return out;
}

// 1 for kTrue, 0 for any other answer; nullopt when the request failed.
std::optional<double> EndpointValue(
    const std::map<std::string, neo4j::Pending<neo4j::EndpointAnswer>>& m, const std::string& db,
    MonoTime deadline) {
  auto it = m.find(db);
  if (it == m.end()) {
    return std::nullopt;
  }
  auto answer = neo4j::AwaitUntil(it->second, deadline);
  if (!answer.ok()) {
    return std::nullopt;
  }
  return answer->state == neo4j::EndpointState::kTrue ? 1.0 : 0.0;
}

}  // namespace

CollectOutcome RoleCollector::Collect(const CollectContext& ctx) {
  auto logger = GetLogger("collector.role");
  std::vector<std::vector<RoleRequests>> requests;
  if (ctx.clusters != nullptr) {
    for (const auto& handle : *ctx.clusters) {
      requests.emplace_back(handle.members.size());
    }
  }
  auto clusters =
      GatherClusters(ctx, GatherOptions{}, [&](const ClusterView& cluster, MemberView& member) {
        IssueSecondStage(cluster, member, requests[member.cluster_index][member.member_index]);
      });

  exporter::MetricSetBuilder b;
  auto is_leader = b.Gauge("neo4j_cluster_core_is_leader",
                           "Whether this primary (core) member is the Raft leader of the database "
                           "(1) or not (0); not reported for secondaries.");
  auto role_family = b.Gauge("neo4j_member_database_role",
                             "Role of the database on this member: 1 for the current role, 0 for "
                             "the other possible roles.");
  auto writable = b.Gauge("neo4j_member_database_writable",
                          "Whether the member's /db/<database>/cluster/writable endpoint answers "
                          "200 true (1) or not (0).");
  auto available = b.Gauge("neo4j_member_database_available",
                           "Whether the database is available on this member per its "
                           "/db/<database>/cluster/available endpoint (1) or not (0).");
  auto healthy = b.Gauge("neo4j_member_database_healthy",
                         "Whether the member reports its copy of the database as healthy in its "
                         "cluster status (1) or not (0).");
  auto discovery_healthy = b.Gauge("neo4j_member_discovery_healthy",
                                   "Whether the member reports its cluster discovery service as "
                                   "healthy (1) or not (0); 4.x only.");
  auto participating = b.Gauge("neo4j_member_database_participating_in_raft",
                               "Whether this primary (core) member participates in the Raft group "
                               "of the database (1) or not (0).");

  for (const ClusterView& cluster : clusters) {
    for (const MemberView& member : cluster.members) {
      if (!member.Answered()) {
        logger->debug("msg=\"member did not answer\" neo4j_cluster={} member={} err={}",
                      LogQuote(cluster.name), LogQuote(member.name),
                      LogQuote(member.error ? member.error->ToString() : "unknown"));
        continue;
      }
      const RoleRequests& req = requests[member.cluster_index][member.member_index];
      OfficialRoles official =
          ResolveOfficialRoles(member, req, ctx.deadline, *logger, cluster.name);
      std::optional<bool> any_discovery_healthy;
      for (const std::string& db : cluster.databases) {
        const neo4j::DatabaseClusterStatus* s = member.StatusFor(db);
        const exporter::Labels labels = MemberDatabaseLabels(cluster, member, db);
        auto official_role = official.roles.find(db);
        if (s == nullptr) {
          // Known from the configuration or from other members but not reported here: the
          // database is not available on this member. On 5.x, SHOW DATABASES tells apart "not
          // hosted here at all" (no row for this address: no series) from "hosted but down".
          if (official.address_matched && official_role == official.roles.end()) {
            continue;
          }
          available.Add(labels, 0);
          DatabaseRole role = official_role != official.roles.end() ? official_role->second
                                                                    : DatabaseRole::kUnknown;
          for (DatabaseRole r : kAllRoles) {
            exporter::Labels l = labels;
            l.emplace_back("role", std::string(neo4j::RoleName(r)));
            role_family.Add(l, r == role ? 1 : 0);
          }
          continue;
        }
        DatabaseRole role =
            official_role != official.roles.end() ? official_role->second : DeriveRole(*s);
        for (DatabaseRole r : kAllRoles) {
          exporter::Labels l = labels;
          l.emplace_back("role", std::string(neo4j::RoleName(r)));
          role_family.Add(l, r == role ? 1 : 0);
        }
        if (s->core) {
          is_leader.Add(labels, role == DatabaseRole::kLeader ? 1 : 0);
          participating.Add(labels, s->participating_in_raft_group ? 1 : 0);
        }
        if (auto v = EndpointValue(req.writable, db, ctx.deadline)) {
          writable.Add(labels, *v);
        }
        if (auto v = EndpointValue(req.available, db, ctx.deadline)) {
          available.Add(labels, *v);
        }
        if (s->healthy) {
          healthy.Add(labels, *s->healthy ? 1 : 0);
        }
      }
      // Discovery health is per member: the best value any database reports.
      for (const auto& s : *member.statuses) {
        if (s.discovery_healthy) {
          any_discovery_healthy = any_discovery_healthy.value_or(false) || *s.discovery_healthy;
        }
      }
      if (any_discovery_healthy) {
        discovery_healthy.Add(MemberLabels(cluster, member), *any_discovery_healthy ? 1 : 0);
      }
    }
  }

  CollectOutcome out;
  out.metrics = std::move(b).Build();
  out.error = NothingAnsweredError(clusters, "role");
  return out;
}

}  // namespace nca::collectors
