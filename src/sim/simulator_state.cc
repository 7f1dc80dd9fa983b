// The Simulator's read-only reports: the State() snapshot, the /state JSON document of the
// control API (StateJson), and the URLs and endpoints of members, metrics, links, the Kubernetes
// API and the control API.
#include <string>

#include "common/build_version.h"
#include "sim/simulator.h"

namespace nca::sim {
namespace {

using ojson = nlohmann::ordered_json;

std::string_view FamilyName(VersionFamily f) {
  switch (f) {
    case VersionFamily::kV4:
      return "4.x";
    case VersionFamily::kV5:
      return "5.x";
    case VersionFamily::kCalendar:
      return "calendar";
  }
  return "5.x";
}

}  // namespace

SimState Simulator::State() const {
  std::lock_guard lock(mu_);
  SimState s;
  s.now = model_.Now();
  s.started = started_;
  s.uptime_seconds = started_ ? ToSeconds(model_.Now() - started_at_) : 0;
  s.control_url = control_port_ > 0 ? "http://127.0.0.1:" + std::to_string(control_port_) : "";
  s.kube_url = kube_port_ > 0 ? "http://127.0.0.1:" + std::to_string(kube_port_) : "";
  s.clusters = model_.clusters();
  s.links = model_.links();
  s.regions_down = model_.regions_down();
  return s;
}

ojson Simulator::StateJson() const {
  std::lock_guard lock(mu_);
  return StateJsonLocked();
}

ojson Simulator::StateJsonLocked() const {
  ojson doc = ojson::object();
  doc["simulator"] = ojson{
      {"version", std::string(nca::kBuildVersion)},
      {"started", started_},
      {"uptime_seconds", started_ ? ToSeconds(model_.Now() - started_at_) : 0.0},
      {"control_url", control_port_ > 0 ? "http://127.0.0.1:" + std::to_string(control_port_) : ""},
      {"kube_url", kube_port_ > 0 ? "http://127.0.0.1:" + std::to_string(kube_port_) : ""},
      {"kube_api_up", kube_port_ > 0 && !model_.kube_api_down()},
  };
  doc["regions_down"] = model_.regions_down();
  ojson clusters = ojson::array();
  for (std::size_t ci = 0; ci < model_.clusters().size(); ++ci) {
    const SimCluster& c = model_.clusters()[ci];
    auto member_name = [&](std::optional<int> m) {
      return m ? ojson(c.members[static_cast<std::size_t>(*m)].spec.name) : ojson(nullptr);
    };
    ojson cj = ojson::object();
    cj["name"] = c.spec.name;
    cj["version"] = c.spec.version;
    cj["family"] = FamilyName(c.family);
    cj["edition"] = c.spec.edition;
    cj["query_api"] = QueryApiEnabled(c.spec);
    cj["auth"] = c.spec.auth_enabled;
    cj["status_auth"] = c.spec.status_auth;
    cj["username"] = c.spec.username;
    cj["region"] = c.spec.region;
    cj["zones"] = ClusterZones(c.spec);
    cj["zones_down"] = c.zones_down;
    cj["namespace"] = c.spec.namespace_name;
    ojson nodes = ojson::array();
    for (const SimNode& n : c.nodes) {
      nodes.push_back(ojson{{"name", n.name},
                            {"zone", n.zone},
                            {"region", n.region},
                            {"ready", model_.NodeReady(static_cast<int>(ci), n)},
                            {"spare", n.owner.empty()}});
    }
    cj["nodes"] = nodes;
    ojson dbs = ojson::array();
    for (const auto& d : c.dbs) {
      dbs.push_back(ojson{{"name", d.name},
                          {"uuid", d.uuid},
                          {"leader", member_name(d.leader)},
                          {"term", d.term},
                          {"commit_index", d.commit_index},
                          {"elections", d.elections}});
    }
    cj["databases"] = dbs;
    ojson members = ojson::array();
    for (std::size_t mi = 0; mi < c.members.size(); ++mi) {
      const SimMember& m = c.members[mi];
      ojson mj = ojson::object();
      mj["name"] = m.spec.name;
      mj["mode"] = MemberModeName(m.spec.mode, c.family);
      mj["server_id"] = m.server_id;
      mj["http_url"] = m.http_port > 0 ? "http://127.0.0.1:" + std::to_string(m.http_port) : "";
      mj["http_port"] = m.http_port;
      mj["bolt_address"] = "127.0.0.1:" + std::to_string(m.bolt_port);
      mj["bolt_url"] = "bolt://127.0.0.1:" + std::to_string(m.bolt_port);
      mj["zone"] = m.zone;
      mj["region"] = m.region;
      mj["node"] = m.node;
      mj["up"] = m.up;
      mj["stopped"] = m.stopped;
      mj["hung"] = m.hung;
      mj["stalled"] = m.stalled;
      mj["slow_ms"] = m.slow.count();
      mj["answer_mode"] = AnswerModeName(m.answer_mode);
      mj["metrics_url"] = m.metrics_port > 0 && c.spec.neo4j_metrics.enabled
                              ? "http://127.0.0.1:" + std::to_string(m.metrics_port) + "/metrics"
                              : "";
      mj["metrics_port"] = m.metrics_port;
      mj["metrics_mode"] = MetricsModeName(m.metrics_mode);
      mj["partition_group"] = m.partition_group;
      mj["requests_in_flight"] = m.requests_in_flight;
      mj["reaches_majority"] = model_.ReachesMajority(static_cast<int>(ci), static_cast<int>(mi));
      ojson mdbs = ojson::object();
      for (std::size_t di = 0; di < c.dbs.size(); ++di) {
        const MemberDbView v =
            model_.View(static_cast<int>(ci), static_cast<int>(mi), static_cast<int>(di));
        const bool serving = m.up && v.state == DbState::kOnline;
        mdbs[c.dbs[di].name] = ojson{
            {"state", DbStateName(v.state)},
            {"role", serving ? RaftRoleName(v.role) : std::string_view("unknown")},
            {"leader", serving ? member_name(v.leader) : ojson(nullptr)},
            {"term", v.term},
            {"applied_index", v.applied},
            {"last_committed_txn", v.applied},
        };
      }
      mj["databases"] = mdbs;
      members.push_back(std::move(mj));
    }
    cj["members"] = members;
    clusters.push_back(std::move(cj));
  }
  doc["clusters"] = clusters;
  ojson links = ojson::array();
  for (const SimLink& l : model_.links()) {
    links.push_back(ojson{
        {"from", model_.cluster(l.from).spec.name},
        {"to", model_.cluster(l.to).spec.name},
        {"bolt_port", l.bolt_port},
        {"http_port", l.http_port},
        {"bolt_address", l.bolt_port > 0 ? "127.0.0.1:" + std::to_string(l.bolt_port) : ""},
        {"http_url", l.http_port > 0 ? "http://127.0.0.1:" + std::to_string(l.http_port) : ""},
        {"delay_ms", l.delay.count()},
        {"cut", l.cut},
        {"listening", l.listening},
    });
  }
  doc["links"] = links;
  return doc;
}

std::string Simulator::MemberUrl(std::string_view member) const {
  std::lock_guard lock(mu_);
  auto mi = model_.FindMember(member);
  if (!mi || model_.member(*mi).http_port == 0) {
    return "";
  }
  return "http://127.0.0.1:" + std::to_string(model_.member(*mi).http_port);
}

std::string Simulator::MetricsUrl(std::string_view member) const {
  std::lock_guard lock(mu_);
  auto mi = model_.FindMember(member);
  if (!mi || model_.member(*mi).metrics_port == 0 ||
      !model_.cluster(mi->cluster).spec.neo4j_metrics.enabled) {
    return "";
  }
  return "http://127.0.0.1:" + std::to_string(model_.member(*mi).metrics_port) + "/metrics";
}

std::string Simulator::KubeUrl() const {
  std::lock_guard lock(mu_);
  return kube_port_ > 0 ? "http://127.0.0.1:" + std::to_string(kube_port_) : "";
}

std::optional<SimLinkEndpoints> Simulator::LinkEndpoints(std::string_view from,
                                                         std::string_view to) const {
  std::lock_guard lock(mu_);
  auto f = model_.FindCluster(from);
  auto t = model_.FindCluster(to);
  if (!f || !t) {
    return std::nullopt;
  }
  auto li = model_.FindLink(*f, *t);
  if (!li) {
    return std::nullopt;
  }
  const SimLink& l = model_.links()[*li];
  if (l.bolt_port == 0 || l.http_port == 0) {
    return std::nullopt;
  }
  return SimLinkEndpoints{"127.0.0.1:" + std::to_string(l.bolt_port),
                          "http://127.0.0.1:" + std::to_string(l.http_port)};
}

std::string Simulator::ControlUrl() const {
  std::lock_guard lock(mu_);
  return control_port_ > 0 ? "http://127.0.0.1:" + std::to_string(control_port_) : "";
}

}  // namespace nca::sim
