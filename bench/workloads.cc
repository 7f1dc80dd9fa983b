#include "workloads.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <utility>

namespace nca::bench {
namespace {

using exporter::Labels;
using exporter::MetricSetBuilder;

constexpr char kCluster[] = "neo4j_cluster";
constexpr char kMember[] = "member";
constexpr char kDatabase[] = "database";
constexpr std::array<const char*, 6> kRoles = {"candidate", "follower",   "leader",
                                               "secondary", "standalone", "unknown"};

// Deterministic pseudo-random numbers (SplitMix64), so every run benchmarks the same data.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int64_t Range(int64_t lo, int64_t hi) {  // [lo, hi]
    return lo + static_cast<int64_t>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }

 private:
  uint64_t state_;
};

std::string Uuid(uint64_t a, uint64_t b) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08llx-%04llx-4%03llx-8%03llx-%012llx",
                static_cast<unsigned long long>(a & 0xffffffffULL),
                static_cast<unsigned long long>((a >> 32) & 0xffffULL),
                static_cast<unsigned long long>(b & 0xfffULL),
                static_cast<unsigned long long>((b >> 12) & 0xfffULL),
                static_cast<unsigned long long>((b >> 24) & 0xffffffffffffULL));
  return buf;
}

std::string ClusterName(int c) {
  static constexpr std::array<const char*, 4> kRegions = {"eu-west", "us-east", "ap-south",
                                                          "eu-central"};
  return std::string("prod-") + kRegions[static_cast<std::size_t>(c) % kRegions.size()] + "-" +
         std::to_string(c + 1);
}

std::string MemberName(int c, int m) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "neo4j-c%d-%02d", c + 1, m + 1);
  return buf;
}

std::string DatabaseName(int d) {
  if (d == 0) {
    return "system";
  }
  if (d == 1) {
    return "neo4j";
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "tenant_%03d", d - 1);
  return buf;
}

Labels MemberLabels(const std::string& cluster, const std::string& member) {
  return {{kCluster, cluster}, {kMember, member}};
}

Labels MemberDatabaseLabels(const std::string& cluster, const std::string& member,
                            const std::string& db) {
  return {{kCluster, cluster}, {kMember, member}, {kDatabase, db}};
}

Labels ClusterDatabaseLabels(const std::string& cluster, const std::string& db) {
  return {{kCluster, cluster}, {kDatabase, db}};
}

bool IsV5(int cluster) { return cluster % 2 == 0; }

// Index of the leader of database `d` among the primaries of cluster `c`.
int LeaderOf(const TopologySpec& spec, int c, int d) { return (c + d) % spec.primaries; }

exporter::MetricSet RoleMetrics(const TopologySpec& spec) {
  MetricSetBuilder b;
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
  for (int c = 0; c < spec.clusters; ++c) {
    const std::string cluster = ClusterName(c);
    for (int m = 0; m < spec.members; ++m) {
      const std::string member = MemberName(c, m);
      const bool primary = m < spec.primaries;
      if (!IsV5(c)) {
        discovery_healthy.Add(MemberLabels(cluster, member), 1);
      }
      for (int d = 0; d < spec.databases; ++d) {
        const std::string db = DatabaseName(d);
        const Labels labels = MemberDatabaseLabels(cluster, member, db);
        const bool leader = primary && LeaderOf(spec, c, d) == m;
        const char* role = !primary ? "secondary" : (leader ? "leader" : "follower");
        for (const char* r : kRoles) {
          Labels l = labels;
          l.emplace_back("role", r);
          role_family.Add(l, std::string_view(r) == role ? 1 : 0);
        }
        if (primary) {
          is_leader.Add(labels, leader ? 1 : 0);
          participating.Add(labels, 1);
        }
        writable.Add(labels, leader ? 1 : 0);
        available.Add(labels, 1);
        healthy.Add(labels, 1);
      }
    }
  }
  return std::move(b).Build();
}

exporter::MetricSet ReplicationLagMetrics(const TopologySpec& spec) {
  Rng rng(0x5eed0001);
  MetricSetBuilder b;
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
  for (int c = 0; c < spec.clusters; ++c) {
    const std::string cluster = ClusterName(c);
    for (int d = 0; d < spec.databases; ++d) {
      const std::string db = DatabaseName(d);
      const int64_t head = rng.Range(10'000, 90'000'000);
      for (int m = 0; m < spec.members; ++m) {
        const Labels labels = MemberDatabaseLabels(cluster, MemberName(c, m), db);
        const int64_t behind = rng.Range(0, 9) < 7 ? 0 : rng.Range(1, 2'000);
        applied.Add(labels, static_cast<double>(head - behind + 17));
        committed.Add(labels, static_cast<double>(head - behind));
        lag_tx.Add(labels, static_cast<double>(behind));
        lag_seconds.Add(labels, behind == 0 ? 0 : static_cast<double>(rng.Range(1, 9000)) / 1000);
        if (m < spec.primaries) {
          const bool leader = LeaderOf(spec, c, d) == m;
          leader_message.Add(labels, leader ? 0 : static_cast<double>(rng.Range(1, 900)) / 1000);
        }
      }
    }
  }
  return std::move(b).Build();
}

exporter::MetricSet QuorumMetrics(const TopologySpec& spec) {
  MetricSetBuilder b;
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
  auto servers = b.Gauge("neo4j_cluster_servers",
                         "Number of servers in each state and health as reported by SHOW "
                         "SERVERS (5.x and later).");
  const int majority = spec.primaries / 2 + 1;
  for (int c = 0; c < spec.clusters; ++c) {
    const std::string cluster = ClusterName(c);
    for (int d = 0; d < spec.databases; ++d) {
      const std::string db = DatabaseName(d);
      const Labels labels = ClusterDatabaseLabels(cluster, db);
      voting.Add(labels, spec.primaries);
      voting_available.Add(labels, spec.primaries);
      size.Add(labels, majority);
      ok.Add(labels, 1);
      tolerated.Add(labels, spec.primaries - majority);
      leaders_seen.Add(labels, 1);
      for (int m = 0; m < spec.primaries; ++m) {
        has_quorum.Add(MemberDatabaseLabels(cluster, MemberName(c, m), db), 1);
      }
    }
    if (IsV5(c)) {
      servers.Add({{kCluster, cluster}, {"state", "Enabled"}, {"health", "Available"}},
                  spec.members);
      servers.Add({{kCluster, cluster}, {"state", "Enabled"}, {"health", "Unavailable"}}, 0);
    }
  }
  return std::move(b).Build();
}

exporter::MetricSet FailoverMetrics(const TopologySpec& spec, SystemTime now) {
  MetricSetBuilder b;
  auto events = b.Counter("neo4j_failover_events_total",
                          "Number of leader changes of the database observed by the agent since it "
                          "started (the first leader seen is not counted).");
  auto last_event = b.Gauge("neo4j_failover_last_event_timestamp_seconds",
                            "Unix time at which the agent observed the last leader change of the "
                            "database.");
  auto leader_info = b.Gauge("neo4j_cluster_leader_info",
                             "Names the member currently seen as the Raft leader of the database "
                             "(always 1).");
  for (int c = 0; c < spec.clusters; ++c) {
    const std::string cluster = ClusterName(c);
    for (int d = 0; d < spec.databases; ++d) {
      const std::string db = DatabaseName(d);
      const Labels labels = ClusterDatabaseLabels(cluster, db);
      const int n = (c + d) % 3;
      events.Add(labels, n);
      if (n > 0) {
        last_event.Add(labels, ToUnixSeconds(now) - 3600.0 * (d + 1) - 0.125 * c);
      }
      leader_info.Add(
          {{kCluster, cluster}, {kDatabase, db}, {kMember, MemberName(c, LeaderOf(spec, c, d))}},
          1);
    }
  }
  return std::move(b).Build();
}

std::size_t CountSeries(const exporter::MetricSet& set) {
  std::size_t n = 0;
  for (const auto& f : set) {
    n += f.metric.size();
  }
  return n;
}

}  // namespace

Workload BuildWorkload(const TopologySpec& spec, SystemTime now) {
  Workload w;
  w.spec = spec;
  std::pair<const char*, exporter::MetricSet> sets[] = {
      {"failover", FailoverMetrics(spec, now)},
      {"quorum", QuorumMetrics(spec)},
      {"replication_lag", ReplicationLagMetrics(spec)},
      {"role", RoleMetrics(spec)},
  };
  double duration = 0.0123;
  for (auto& [name, metrics] : sets) {
    exporter::CollectorSnapshot s;
    s.collector = name;
    s.metrics = std::move(metrics);
    s.duration_seconds = duration;
    duration *= 1.7;
    s.success = true;
    s.finished_at = now;
    s.last_success = now;
    w.collector_series += CountSeries(s.metrics);
    w.snapshots.push_back(std::move(s));
    w.collectors.push_back({name, 5});
  }
  for (int c = 0; c < spec.clusters; ++c) {
    for (int m = 0; m < spec.members; ++m) {
      exporter::MemberStatus st;
      st.cluster = ClusterName(c);
      st.member = MemberName(c, m);
      st.url = "http://" + st.member + ".neo4j.svc:7474";
      st.up = true;
      st.version = IsV5(c) ? "5.26.4" : "4.4.40";
      st.edition = "enterprise";
      st.dialect = IsV5(c) ? "5" : "4";
      st.transport = "tx";
      if (m % 4 == 3) {
        st.errors_by_reason["timeout"] = static_cast<uint64_t>(m + c);
        st.errors_by_reason["connection_refused"] = 1;
      }
      st.last_success = now;
      w.members.push_back(std::move(st));
    }
  }
  return w;
}

exporter::MetricSet FlattenFamilies(const std::vector<exporter::CollectorSnapshot>& snapshots) {
  exporter::MetricSet out;
  for (const auto& s : snapshots) {
    out.insert(out.end(), s.metrics.begin(), s.metrics.end());
  }
  return out;
}

std::string ShowDatabasesTxCommitBody(int members, int databases, std::size_t* rows) {
  // As documented for SHOW DATABASES YIELD * on 2025.x (fixture show-database-yield-star-2025x).
  // clang-format off
  static constexpr std::array<const char*, 27> kColumns = {
      "name", "type", "aliases", "access", "databaseID", "serverID", "address", "role", "writer",
      "requestedStatus", "currentStatus", "statusMessage", "default", "home",
      "currentPrimariesCount", "currentSecondariesCount", "requestedPrimariesCount",
      "requestedSecondariesCount", "creationTime", "lastStartTime", "lastStopTime", "store",
      "lastCommittedTxn", "replicationLag", "constituents", "defaultLanguage", "options"};
  // clang-format on
  Rng rng(0x5eed0002);
  const int primaries = members < 5 ? members : 5;
  nlohmann::ordered_json data = nlohmann::ordered_json::array();
  std::size_t n = 0;
  for (int d = 0; d < databases; ++d) {
    const std::string db = DatabaseName(d);
    const std::string database_id = Uuid(rng.Next(), rng.Next()) + Uuid(rng.Next(), rng.Next());
    const int64_t head = rng.Range(1'000, 50'000'000);
    const int leader = d % primaries;
    for (int m = 0; m < members; ++m) {
      const bool primary = m < primaries;
      const int64_t behind = rng.Range(0, 9) < 8 ? 0 : rng.Range(1, 500);
      nlohmann::ordered_json row = nlohmann::ordered_json::array();
      row.push_back(db);
      row.push_back(d == 0 ? "system" : "standard");
      row.push_back(d == 1 ? nlohmann::ordered_json::array({"default_alias"})
                           : nlohmann::ordered_json::array());
      row.push_back("read-write");
      row.push_back(database_id);
      row.push_back(Uuid(static_cast<uint64_t>(m) * 7919 + 13, static_cast<uint64_t>(m) * 104729));
      row.push_back("neo4j-" + std::to_string(m + 1) + ".neo4j.svc.cluster.local:7687");
      row.push_back(primary ? "primary" : "secondary");
      row.push_back(primary && m == leader);
      row.push_back("online");
      row.push_back("online");
      row.push_back("");
      row.push_back(d == 1);
      row.push_back(d == 1);
      row.push_back(primaries);
      row.push_back(members - primaries);
      row.push_back(primaries);
      row.push_back(members - primaries);
      row.push_back("2024-11-02T10:01:29.074Z");
      row.push_back("2025-01-14T08:12:03.512Z");
      row.push_back(nullptr);
      row.push_back("block-block-1.1");
      row.push_back(head - behind);
      row.push_back(-behind);
      row.push_back(nlohmann::ordered_json::array());
      row.push_back("CYPHER 5");
      row.push_back(nlohmann::ordered_json::object());
      nlohmann::ordered_json meta = nlohmann::ordered_json::array();
      for (std::size_t i = 0; i < kColumns.size(); ++i) {
        meta.push_back(nullptr);
      }
      data.push_back(nlohmann::ordered_json{{"row", std::move(row)}, {"meta", std::move(meta)}});
      ++n;
    }
  }
  nlohmann::ordered_json result;
  result["columns"] = kColumns;
  result["data"] = std::move(data);
  nlohmann::ordered_json doc;
  doc["results"] = nlohmann::ordered_json::array({std::move(result)});
  doc["errors"] = nlohmann::ordered_json::array();
  doc["lastBookmarks"] = nlohmann::ordered_json::array({"FB:kcwQDqShCDLFSYyZ55XMZ6tffRuQ"});
  if (rows != nullptr) {
    *rows = n;
  }
  return doc.dump(2);
}

std::string DbmsClusterStatusBody(int databases, int voting_members) {
  Rng rng(0x5eed0003);
  std::vector<std::string> voters;
  for (int m = 0; m < voting_members; ++m) {
    voters.push_back(Uuid(rng.Next(), rng.Next()));
  }
  std::sort(voters.begin(), voters.end());
  const std::string& self = voters.front();
  nlohmann::ordered_json doc = nlohmann::ordered_json::array();
  for (int d = 0; d < databases; ++d) {
    const std::string& leader = voters[static_cast<std::size_t>(d % voting_members)];
    nlohmann::ordered_json status;
    status["lastAppliedRaftIndex"] = rng.Range(-1, 40'000'000);
    status["votingMembers"] = voters;
    status["memberId"] = self;
    status["leader"] = leader;
    status["millisSinceLastLeaderMessage"] =
        leader == self ? nlohmann::ordered_json(0) : nlohmann::ordered_json(rng.Range(0, 800));
    status["raftCommandsPerSecond"] = static_cast<double>(rng.Range(0, 5000)) / 10.0;
    status["core"] = true;
    status["participatingInRaftGroup"] = true;
    status["healthy"] = true;
    nlohmann::ordered_json entry;
    entry["databaseName"] = DatabaseName(d);
    entry["databaseUuid"] = Uuid(rng.Next(), rng.Next());
    entry["databaseStatus"] = std::move(status);
    doc.push_back(std::move(entry));
  }
  return doc.dump(2);
}

}  // namespace nca::bench
