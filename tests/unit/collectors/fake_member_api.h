// Test doubles for the collector tests: a hand-written MemberApi whose answers are set per call
// (ready values, errors, or never-completing "hangs"), a small fake cluster that owns its members
// and builds the CollectContext, and helpers to look samples up in a MetricSet.
#pragma once

#include <prometheus/metric_family.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collectors/collector.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "exporter/metric_set.h"
#include "neo4j/member_api.h"
#include "neo4j/model.h"

namespace nca::collectors::fakes {

// The MemberApi calls a test can configure or count.
enum class Call {
  kDiscovery,
  kStatus,
  kDatabaseStatus,
  kEndpoint,
  kShowDatabases,
  kShowServers,
  kClusterRoles,
  kClusterOverview,
};

// Thread-safe: every method locks. Unset answers are a kConnectionRefused error. A "hung" call
// returns a Pending whose promise the fake keeps alive and never fulfils.
class FakeMemberApi final : public neo4j::MemberApi {
 public:
  FakeMemberApi(std::string cluster, std::string name, std::string url = "http://127.0.0.1:7474")
      : ref_{std::move(cluster), std::move(name), std::move(url)} {}

  const neo4j::MemberRef& Ref() const override { return ref_; }

  void SetDiscovery(Result<neo4j::DiscoveryInfo> r) { Set(discovery_, std::move(r)); }
  void SetStatus(Result<std::vector<neo4j::DatabaseClusterStatus>> r) {
    Set(status_, std::move(r));
  }
  void SetEndpoint(const std::string& db, neo4j::EndpointKind kind,
                   Result<neo4j::EndpointAnswer> r) {
    std::lock_guard lock(mu_);
    endpoints_.insert_or_assign({db, kind}, std::move(r));
  }
  void SetShowDatabases(Result<std::vector<neo4j::DatabaseRow>> r) {
    Set(show_databases_, std::move(r));
  }
  void SetShowServers(Result<std::vector<neo4j::ServerRow>> r) { Set(show_servers_, std::move(r)); }
  void SetClusterRoles(Result<std::vector<std::pair<std::string, std::string>>> r) {
    Set(cluster_roles_, std::move(r));
  }
  void SetClusterOverview(Result<std::vector<neo4j::OverviewRow>> r) {
    Set(cluster_overview_, std::move(r));
  }
  // Makes every later call of `call` (for Endpoint: of `db`, any kind, or all dbs if empty) hang.
  void Hang(Call call, const std::string& db = "") {
    std::lock_guard lock(mu_);
    hung_[call].push_back(db);
  }
  void Unhang(Call call) {
    std::lock_guard lock(mu_);
    hung_.erase(call);
  }
  int Calls(Call call) const {
    std::lock_guard lock(mu_);
    auto it = calls_.find(call);
    return it == calls_.end() ? 0 : it->second;
  }
  // When `call` was first made (steady clock), or nullopt if never.
  std::optional<std::chrono::steady_clock::time_point> FirstCallTime(Call call) const {
    std::lock_guard lock(mu_);
    auto it = first_call_.find(call);
    if (it == first_call_.end()) {
      return std::nullopt;
    }
    return it->second;
  }
  std::vector<std::vector<std::string>> ClusterRolesArgs() const {
    std::lock_guard lock(mu_);
    return cluster_roles_args_;
  }
  // The addresses ShowDatabasesAt was called with, in order.
  std::vector<std::string> ShowDatabasesAtArgs() const {
    std::lock_guard lock(mu_);
    return show_databases_at_args_;
  }

  neo4j::Pending<neo4j::DiscoveryInfo> Discovery() override {
    return Answer(Call::kDiscovery, discovery_);
  }
  neo4j::Pending<std::vector<neo4j::DatabaseClusterStatus>> DbmsClusterStatus() override {
    {
      std::lock_guard lock(mu_);
      if (defer_status_) {
        CountLocked(Call::kStatus);
        auto promise =
            std::make_shared<std::promise<Result<std::vector<neo4j::DatabaseClusterStatus>>>>();
        deferred_status_.push_back(promise);
        return promise->get_future().share();
      }
    }
    return Answer(Call::kStatus, status_);
  }
  // Makes later DbmsClusterStatus() calls wait until ReleaseStatus() (a slow member).
  void DeferStatus() {
    std::lock_guard lock(mu_);
    defer_status_ = true;
  }
  // Answers every deferred DbmsClusterStatus() call with the answer set by SetStatus().
  void ReleaseStatus() {
    std::lock_guard lock(mu_);
    for (auto& p : deferred_status_) {
      if (status_) {
        p->set_value(*status_);
      } else {
        p->set_value(Unset());
      }
    }
    deferred_status_.clear();
    defer_status_ = false;
  }
  neo4j::Pending<neo4j::DatabaseClusterStatus> DatabaseStatus(const std::string&) override {
    std::optional<Result<neo4j::DatabaseClusterStatus>> none;
    return Answer(Call::kDatabaseStatus, none);
  }
  neo4j::Pending<neo4j::EndpointAnswer> Endpoint(const std::string& database,
                                                 neo4j::EndpointKind kind) override {
    std::lock_guard lock(mu_);
    CountLocked(Call::kEndpoint);
    if (IsHungLocked(Call::kEndpoint, database)) {
      return HangLocked<neo4j::EndpointAnswer>();
    }
    auto it = endpoints_.find({database, kind});
    if (it == endpoints_.end()) {
      return neo4j::Ready<neo4j::EndpointAnswer>(Unset());
    }
    return neo4j::Ready(it->second);
  }
  neo4j::Pending<std::vector<neo4j::DatabaseRow>> ShowDatabases() override {
    return Answer(Call::kShowDatabases, show_databases_);
  }
  // Counted, hung and failed as a ShowDatabases() call; answers the rows SetShowDatabases() set
  // whose address is `address`, as Neo4j filters WHERE address = $address (a null address never
  // matches).
  neo4j::Pending<std::vector<neo4j::DatabaseRow>> ShowDatabasesAt(
      const std::string& address) override {
    {
      std::lock_guard lock(mu_);
      show_databases_at_args_.push_back(address);
    }
    auto all = Answer(Call::kShowDatabases, show_databases_);
    if (all.wait_for(std::chrono::seconds(0)) != std::future_status::ready || !all.get().ok()) {
      return all;
    }
    std::vector<neo4j::DatabaseRow> rows;
    for (const neo4j::DatabaseRow& row : *all.get()) {
      if (row.address == address) {
        rows.push_back(row);
      }
    }
    return neo4j::Ready<std::vector<neo4j::DatabaseRow>>(std::move(rows));
  }
  neo4j::Pending<std::vector<neo4j::ServerRow>> ShowServers() override {
    return Answer(Call::kShowServers, show_servers_);
  }
  neo4j::Pending<std::vector<std::pair<std::string, std::string>>> ClusterRoles(
      const std::vector<std::string>& databases) override {
    {
      std::lock_guard lock(mu_);
      cluster_roles_args_.push_back(databases);
    }
    return Answer(Call::kClusterRoles, cluster_roles_);
  }
  neo4j::Pending<std::vector<neo4j::OverviewRow>> ClusterOverview() override {
    return Answer(Call::kClusterOverview, cluster_overview_);
  }

 private:
  static Error Unset() { return MakeError(ErrorKind::kConnectionRefused, "fake: no answer set"); }

  template <typename T>
  void Set(std::optional<Result<T>>& slot, Result<T> r) {
    std::lock_guard lock(mu_);
    slot = std::move(r);
  }

  void CountLocked(Call call) {
    ++calls_[call];
    first_call_.try_emplace(call, std::chrono::steady_clock::now());
  }

  bool IsHungLocked(Call call, const std::string& db) const {
    auto it = hung_.find(call);
    if (it == hung_.end()) {
      return false;
    }
    return std::any_of(it->second.begin(), it->second.end(),
                       [&](const std::string& d) { return d.empty() || d == db; });
  }

  template <typename T>
  neo4j::Pending<T> HangLocked() {
    auto promise = std::make_shared<std::promise<Result<T>>>();
    kept_alive_.push_back(promise);
    return promise->get_future().share();
  }

  template <typename T>
  neo4j::Pending<T> Answer(Call call, const std::optional<Result<T>>& slot) {
    std::lock_guard lock(mu_);
    CountLocked(call);
    if (IsHungLocked(call, "")) {
      return HangLocked<T>();
    }
    if (!slot) {
      return neo4j::Ready<T>(Unset());
    }
    return neo4j::Ready(*slot);
  }

  const neo4j::MemberRef ref_;
  mutable std::mutex mu_;
  std::optional<Result<neo4j::DiscoveryInfo>> discovery_;
  std::optional<Result<std::vector<neo4j::DatabaseClusterStatus>>> status_;
  std::map<std::pair<std::string, neo4j::EndpointKind>, Result<neo4j::EndpointAnswer>> endpoints_;
  std::optional<Result<std::vector<neo4j::DatabaseRow>>> show_databases_;
  std::optional<Result<std::vector<neo4j::ServerRow>>> show_servers_;
  std::optional<Result<std::vector<std::pair<std::string, std::string>>>> cluster_roles_;
  std::optional<Result<std::vector<neo4j::OverviewRow>>> cluster_overview_;
  std::map<Call, std::vector<std::string>> hung_;
  std::map<Call, int> calls_;
  std::map<Call, std::chrono::steady_clock::time_point> first_call_;
  std::vector<std::vector<std::string>> cluster_roles_args_;
  std::vector<std::string> show_databases_at_args_;
  std::vector<std::shared_ptr<void>> kept_alive_;
  bool defer_status_ = false;
  std::vector<std::shared_ptr<std::promise<Result<std::vector<neo4j::DatabaseClusterStatus>>>>>
      deferred_status_;
};

// ---- Answer builders -------------------------------------------------------------------------

inline neo4j::DiscoveryInfo MakeDiscovery(neo4j::Dialect dialect,
                                          const std::string& bolt_host_port) {
  neo4j::DiscoveryInfo d;
  d.dialect = dialect;
  d.version = dialect == neo4j::Dialect::kV4 ? "4.4.0" : "5.12.0";
  d.major = dialect == neo4j::Dialect::kV4 ? 4 : 5;
  d.minor = dialect == neo4j::Dialect::kV4 ? 4 : 12;
  d.edition = "enterprise";
  d.bolt_direct = "bolt://" + bolt_host_port;
  d.bolt_routing = "neo4j://" + bolt_host_port;
  d.has_cluster_endpoints = true;
  return d;
}

// A healthy primary (or secondary when !core) status; `leader` empty means leader unknown (null).
inline neo4j::DatabaseClusterStatus MakeStatus(const std::string& db, const std::string& member_id,
                                               const std::string& leader,
                                               std::vector<std::string> voting, bool core = true) {
  neo4j::DatabaseClusterStatus s;
  s.database = db;
  s.core = core;
  s.member_id = member_id;
  if (!leader.empty()) {
    s.leader = leader;
  }
  s.voting_members = std::move(voting);
  s.participating_in_raft_group = core && !leader.empty();
  s.healthy = true;
  s.last_applied_raft_index = 10;
  if (core) {
    s.millis_since_last_leader_message = leader == member_id ? 0 : 100;
  }
  return s;
}

inline neo4j::EndpointAnswer MakeEndpoint(neo4j::EndpointState state) {
  neo4j::EndpointAnswer a;
  a.state = state;
  return a;
}

inline neo4j::DatabaseRow MakeRow(const std::string& db, const std::string& address,
                                  neo4j::DatabaseRole role, std::string role_raw) {
  neo4j::DatabaseRow r;
  r.name = db;
  r.address = address;
  r.role = role;
  r.role_raw = std::move(role_raw);
  r.writer = role == neo4j::DatabaseRole::kLeader;
  r.requested_status = "online";
  r.current_status = "online";
  return r;
}

inline neo4j::ServerRow MakeServer(const std::string& name, const std::string& state,
                                   const std::string& health) {
  neo4j::ServerRow r;
  r.server_id = name;
  r.name = name;
  r.state = state;
  r.health = health;
  return r;
}

// ---- A fake cluster ----------------------------------------------------------------------------

// Members are named m1..mN with member ids id1..idN and bolt addresses hostN:7687. Not
// thread-safe itself (the members are).
class FakeCluster {
 public:
  FakeCluster(std::string name, int members, neo4j::Dialect dialect) {
    config_.name = std::move(name);
    for (int i = 1; i <= members; ++i) {
      auto m = std::make_unique<FakeMemberApi>(config_.name, "m" + std::to_string(i),
                                               "http://127.0.0.1:" + std::to_string(7470 + i));
      m->SetDiscovery(MakeDiscovery(dialect, BoltAddress(i)));
      config::MemberConfig mc;
      mc.name = m->Ref().name;
      mc.url = m->Ref().url;
      config_.members.push_back(mc);
      members_.push_back(std::move(m));
    }
  }

  static std::string Id(int i) { return "id" + std::to_string(i); }
  static std::string BoltAddress(int i) { return "host" + std::to_string(i) + ":7687"; }
  std::vector<std::string> AllIds() const {
    std::vector<std::string> ids;
    for (std::size_t i = 1; i <= members_.size(); ++i) {
      ids.push_back(Id(static_cast<int>(i)));
    }
    return ids;
  }

  // 1-based, as in the member names.
  FakeMemberApi& member(int i) { return *members_.at(static_cast<std::size_t>(i - 1)); }
  config::ClusterConfig& config() { return config_; }
  int size() const { return static_cast<int>(members_.size()); }

  ClusterHandle Handle() {
    ClusterHandle h;
    h.config = &config_;
    for (auto& m : members_) {
      h.members.push_back(m.get());
    }
    return h;
  }

 private:
  config::ClusterConfig config_;
  std::vector<std::unique_ptr<FakeMemberApi>> members_;
};

// Clusters plus a ManualClock; builds the CollectContext with a real steady-clock deadline (the
// one MemberApi's AwaitUntil waits for).
class FakeEnvironment {
 public:
  FakeCluster& AddCluster(std::string name, int members, neo4j::Dialect dialect) {
    clusters_.push_back(std::make_unique<FakeCluster>(std::move(name), members, dialect));
    return *clusters_.back();
  }

  CollectContext Context(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    handles_.clear();
    for (auto& c : clusters_) {
      handles_.push_back(c->Handle());
    }
    CollectContext ctx;
    ctx.clock = &clock_;
    ctx.deadline = std::chrono::steady_clock::now() + timeout;
    ctx.clusters = &handles_;
    return ctx;
  }

  ManualClock& clock() { return clock_; }

 private:
  ManualClock clock_;
  std::vector<std::unique_ptr<FakeCluster>> clusters_;
  std::vector<ClusterHandle> handles_;
};

// ---- MetricSet lookups -------------------------------------------------------------------------

using LabelMap = std::map<std::string, std::string>;

inline const prometheus::MetricFamily* FindFamily(const exporter::MetricSet& metrics,
                                                  const std::string& name) {
  for (const auto& f : metrics) {
    if (f.name == name) {
      return &f;
    }
  }
  return nullptr;
}

inline LabelMap ToLabelMap(const prometheus::ClientMetric& m) {
  LabelMap out;
  for (const auto& l : m.label) {
    out[l.name] = l.value;
  }
  return out;
}

// The value of the sample of family `name` whose label set is exactly `labels`, or nullopt.
inline std::optional<double> Value(const exporter::MetricSet& metrics, const std::string& name,
                                   const LabelMap& labels) {
  const prometheus::MetricFamily* f = FindFamily(metrics, name);
  if (f == nullptr) {
    return std::nullopt;
  }
  for (const auto& m : f->metric) {
    if (ToLabelMap(m) == labels) {
      return f->type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
  }
  return std::nullopt;
}

// Number of samples of family `name` whose labels include every pair of `subset`.
inline int CountSamples(const exporter::MetricSet& metrics, const std::string& name,
                        const LabelMap& subset = {}) {
  const prometheus::MetricFamily* f = FindFamily(metrics, name);
  if (f == nullptr) {
    return 0;
  }
  int n = 0;
  for (const auto& m : f->metric) {
    LabelMap have = ToLabelMap(m);
    bool match = std::all_of(subset.begin(), subset.end(), [&](const auto& kv) {
      auto it = have.find(kv.first);
      return it != have.end() && it->second == kv.second;
    });
    n += match ? 1 : 0;
  }
  return n;
}

// Number of samples in all families carrying label `label` = `value`.
inline int CountWithLabel(const exporter::MetricSet& metrics, const std::string& label,
                          const std::string& value) {
  int n = 0;
  for (const auto& f : metrics) {
    n += CountSamples(metrics, f.name, {{label, value}});
  }
  return n;
}

}  // namespace nca::collectors::fakes
