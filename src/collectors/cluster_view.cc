#include "collectors/cluster_view.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <set>
#include <utility>

namespace nca::collectors {
namespace {

// Longest single wait on one member before the others are looked at again. Waiting on a future
// returns as soon as it completes, so this only bounds how late a second stage can be issued for a
// member whose answer arrived while we were waiting on another one.
constexpr auto kPollInterval = std::chrono::milliseconds(5);

template <typename T>
bool IsReady(const neo4j::Pending<T>& p) {
  // An invalid Pending can never complete; AwaitUntil turns it into an error immediately.
  return !p.valid() || p.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

struct FirstStage {
  bool want_discovery = false;
  neo4j::Pending<neo4j::DiscoveryInfo> discovery;
  neo4j::Pending<std::vector<neo4j::DatabaseClusterStatus>> status;
  bool done = false;

  bool Ready() const { return IsReady(status) && (!want_discovery || IsReady(discovery)); }

  // Waits for whichever of the two answers is still missing, until `until` at the latest.
  void WaitUntil(MonoTime until) const {
    if (!IsReady(status)) {
      status.wait_until(until);
    } else if (want_discovery && !IsReady(discovery)) {
      discovery.wait_until(until);
    }
  }
};

void Complete(const FirstStage& stage, MonoTime deadline, MemberView& member) {
  if (stage.want_discovery) {
    auto discovery = neo4j::AwaitUntil(stage.discovery, deadline);
    if (discovery.ok()) {
      member.discovery = std::move(discovery).value();
    } else {
      member.error = discovery.error();
    }
  }
  auto status = neo4j::AwaitUntil(stage.status, deadline);
  if (status.ok()) {
    member.statuses = std::move(status).value();
  } else if (!member.error) {
    member.error = status.error();
  }
}

}  // namespace

const neo4j::DatabaseClusterStatus* MemberView::StatusFor(std::string_view database) const {
  if (!statuses) {
    return nullptr;
  }
  for (const auto& s : *statuses) {
    if (s.database == database) {
      return &s;
    }
  }
  return nullptr;
}

std::optional<std::string> MemberView::BoltAddress() const {
  if (!discovery || !discovery->bolt_direct) {
    return std::nullopt;
  }
  std::string_view url = *discovery->bolt_direct;
  if (auto scheme = url.find("://"); scheme != std::string_view::npos) {
    url.remove_prefix(scheme + 3);
  }
  if (auto slash = url.find('/'); slash != std::string_view::npos) {
    url = url.substr(0, slash);
  }
  if (url.empty()) {
    return std::nullopt;
  }
  return std::string(url);
}

bool ClusterView::AnyAnswered() const {
  return std::any_of(members.begin(), members.end(),
                     [](const MemberView& m) { return m.Answered(); });
}

std::vector<ClusterView> GatherClusters(const CollectContext& ctx, const GatherOptions& options,
                                        const OnMemberReady& on_ready) {
  std::vector<ClusterView> clusters;
  if (ctx.clusters == nullptr) {
    return clusters;
  }
  clusters.reserve(ctx.clusters->size());
  // Issue every request before waiting for any.
  std::vector<std::vector<FirstStage>> stages;
  stages.reserve(ctx.clusters->size());
  for (std::size_t ci = 0; ci < ctx.clusters->size(); ++ci) {
    const ClusterHandle& handle = (*ctx.clusters)[ci];
    ClusterView& cluster = clusters.emplace_back();
    cluster.handle = &handle;
    auto& cluster_stages = stages.emplace_back();
    for (std::size_t mi = 0; mi < handle.members.size(); ++mi) {
      neo4j::MemberApi* api = handle.members[mi];
      MemberView& member = cluster.members.emplace_back();
      member.cluster_index = ci;
      member.member_index = mi;
      member.api = api;
      FirstStage& stage = cluster_stages.emplace_back();
      if (api == nullptr) {
        member.error = MakeError(ErrorKind::kInternal, "no member client");
        stage.done = true;
        continue;
      }
      member.name = api->Ref().name;
      stage.want_discovery = options.discovery;
      if (options.discovery) {
        stage.discovery = api->Discovery();
      }
      stage.status = api->DbmsClusterStatus();
    }
    if (handle.config != nullptr) {
      cluster.name = handle.config->name;
    } else if (!handle.members.empty() && handle.members.front() != nullptr) {
      cluster.name = handle.members.front()->Ref().cluster;
    }
  }

  // Complete members as their answers arrive; never wait on one member while another is ready.
  while (true) {
    const FirstStage* waiting_on = nullptr;
    for (std::size_t ci = 0; ci < clusters.size(); ++ci) {
      for (std::size_t mi = 0; mi < clusters[ci].members.size(); ++mi) {
        FirstStage& stage = stages[ci][mi];
        if (stage.done) {
          continue;
        }
        if (!stage.Ready()) {
          if (waiting_on == nullptr) {
            waiting_on = &stage;
          }
          continue;
        }
        stage.done = true;
        MemberView& member = clusters[ci].members[mi];
        Complete(stage, ctx.deadline, member);
        if (on_ready) {
          on_ready(clusters[ci], member);
        }
      }
    }
    if (waiting_on == nullptr) {
      break;
    }
    // ctx.deadline is a steady-clock time point (see neo4j::AwaitUntil): the wait is in real time
    // whatever clock the collector was given, so "now" has to come from the steady clock too.
    const MonoTime now = std::chrono::steady_clock::now();
    if (now >= ctx.deadline) {
      break;
    }
    if (options.on_wait) {
      options.on_wait(clusters);
    }
    waiting_on->WaitUntil(std::min(ctx.deadline, now + kPollInterval));
  }

  // Whatever is still outstanding has missed the deadline: AwaitUntil reports kTimeout at once.
  for (std::size_t ci = 0; ci < clusters.size(); ++ci) {
    for (std::size_t mi = 0; mi < clusters[ci].members.size(); ++mi) {
      FirstStage& stage = stages[ci][mi];
      if (stage.done) {
        continue;
      }
      stage.done = true;
      MemberView& member = clusters[ci].members[mi];
      Complete(stage, ctx.deadline, member);
      if (on_ready) {
        on_ready(clusters[ci], member);
      }
    }
  }

  for (ClusterView& cluster : clusters) {
    if (cluster.handle->config != nullptr && !cluster.handle->config->databases.empty()) {
      cluster.databases = cluster.handle->config->databases;
      continue;
    }
    std::set<std::string> union_of_dbs;
    for (const MemberView& m : cluster.members) {
      if (!m.statuses) {
        continue;
      }
      for (const auto& s : *m.statuses) {
        union_of_dbs.insert(s.database);
      }
    }
    cluster.databases.assign(union_of_dbs.begin(), union_of_dbs.end());
  }
  return clusters;
}

LeaderView ElectLeader(const ClusterView& cluster, std::string_view database) {
  LeaderView view;
  struct Votes {
    int count = 0;
    bool self_reported = false;
  };
  std::map<std::string, Votes> votes;  // ordered: ties fall to the smallest id
  for (const MemberView& m : cluster.members) {
    const neo4j::DatabaseClusterStatus* s = m.StatusFor(database);
    if (s == nullptr || !s->core) {
      continue;
    }
    ++view.primaries;
    if (!s->leader) {
      continue;
    }
    Votes& v = votes[*s->leader];
    ++v.count;
    if (*s->leader == s->member_id) {
      v.self_reported = true;
    }
  }
  view.leaders_seen = static_cast<int>(votes.size());
  const Votes* best = nullptr;
  for (const auto& [id, v] : votes) {
    if (best == nullptr || v.count > best->count ||
        (v.count == best->count && v.self_reported && !best->self_reported)) {
      best = &v;
      view.leader = id;
    }
  }
  return view;
}

bool IsMemberOutage(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kConnectionRefused:
    case ErrorKind::kTimeout:
    case ErrorKind::kNetwork:
    case ErrorKind::kUnavailable:
    case ErrorKind::kServerError:
      return true;
    default:
      return false;
  }
}

std::optional<Error> NothingAnsweredError(const std::vector<ClusterView>& clusters,
                                          std::string_view what) {
  std::size_t members = 0;
  const Error* first = nullptr;
  for (const ClusterView& c : clusters) {
    for (const MemberView& m : c.members) {
      ++members;
      if (m.Answered()) {
        return std::nullopt;
      }
      // A member that is down is Neo4j's outage, reported by neo4j_up and the request error
      // counters (and alerted on as Neo4jMemberDown); the collector did its job.
      if (m.error && IsMemberOutage(m.error->kind)) {
        continue;
      }
      if (first == nullptr && m.error) {
        first = &*m.error;
      }
    }
  }
  // No member at all is normal for a DaemonSet agent on a node without a Neo4j pod; every member
  // being down is an outage of Neo4j, not of the agent.
  if (members == 0 || first == nullptr) {
    return std::nullopt;
  }
  Error e = MakeError(first->kind, std::string(what) + ": none of the " + std::to_string(members) +
                                       " members answered /dbms/cluster/status");
  e.message += " (first error: " + first->ToString() + ")";
  return e;
}

exporter::Labels MemberLabels(const ClusterView& cluster, const MemberView& member) {
  return {{kClusterLabel, cluster.name}, {kMemberLabel, member.name}};
}

exporter::Labels MemberDatabaseLabels(const ClusterView& cluster, const MemberView& member,
                                      const std::string& database) {
  return {{kClusterLabel, cluster.name}, {kMemberLabel, member.name}, {kDatabaseLabel, database}};
}

exporter::Labels ClusterDatabaseLabels(const ClusterView& cluster, const std::string& database) {
  return {{kClusterLabel, cluster.name}, {kDatabaseLabel, database}};
}

}  // namespace nca::collectors
