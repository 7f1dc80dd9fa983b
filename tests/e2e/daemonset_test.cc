// The acceptance test of the DaemonSet mode (docs/kubernetes.md, "How a node-local agent judges a
// cluster"): the simulator with its Kubernetes API (one node per member, three zones per region,
// the Neo4j operator's pod labels) and one real agent per node, every agent evaluating the shipped
// rules (`for` shortened to 5s) and pushing to one real Alertmanager, while a real Prometheus
// scrapes every agent and evaluates the same rules. One shared set-up runs seed 004's failure
// table row by row, each scenario followed by a reset and a return to the steady state.
//
// Each agent is started exactly as the shipped DaemonSet starts it: `kubectl kustomize` renders
// deploy/daemonset through a user's overlay per region (Alertmanager URL and external labels in
// the settings ConfigMap, as the README says; the test's own additions only appended: a config
// file with the other region's cross-cluster endpoints and faster intervals), and the container's
// args and env come from that rendering, with what the kubelet does emulated: downward-API and
// ConfigMap values resolved, $(VAR) expanded, the credentials Secret and the ConfigMap written as
// volume directories (defaultMode, fsGroup), KUBERNETES_SERVICE_HOST/PORT set, the API server
// over HTTPS with the service account's files, and uid/gid 65534 when the test runs as root. Two
// things a pod has that loopback has not are substituted: its own network namespace (each agent
// listens on 127.0.0.1 at a port chosen at run time instead of :9474) and the service account's
// mount point (--kubernetes.service-account-dir names the directory). At the end, the rendered
// ClusterRole is checked against every request the agents made.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "config/loader.h"
#include "sim/faults.h"
#include "sim/simulator.h"
#include "support/http_fetch.h"
#include "support/pod_spec.h"
#include "support/process.h"
#include "support/real_servers.h"
#include "support/test_pki.h"

namespace nca::testing {
namespace {

using std::chrono::seconds;
using Json = nlohmann::json;
using LabelSet = std::map<std::string, std::string>;

constexpr char kTopology[] = R"(
simulator: {seed: 29}
clusters:
  - name: east
    version: 5.26.0
    credentials: {username: neo4j, password: daemonset-e2e}
    election_timeout: 1s
    apply_lag: 0ms
    tx_rate: 5
    region: us-east-1
    zones: [us-east-1a, us-east-1b, us-east-1c]
    members:
      - {name: east-1, mode: primary}
      - {name: east-2, mode: primary}
      - {name: east-3, mode: primary}
  - name: west
    version: 2025.10.1
    credentials: {username: neo4j, password: daemonset-e2e}
    election_timeout: 1s
    apply_lag: 0ms
    tx_rate: 5
    region: us-west-2
    zones: [us-west-2a, us-west-2b, us-west-2c]
    members:
      - {name: west-1, mode: primary}
      - {name: west-2, mode: primary}
      - {name: west-3, mode: primary}
)";

// The shipped rules' `for:` shortened to 5 s: long enough to ride out a Raft election (about one
// election timeout without a leader, as in real Neo4j, which the production `for` values are there
// to absorb), short enough for a test.
constexpr char kShortFor[] = "5s";

std::string Describe(const LabelSet& labels) {
  std::string out = "{";
  for (const auto& [k, v] : labels) out += k + "=" + v + ",";
  return out + "}";
}

bool Matches(const LabelSet& labels, const LabelSet& want) {
  for (const auto& [k, v] : want) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

LabelSet LabelsOf(const Json& object) {
  LabelSet out;
  if (object.is_object()) {
    for (const auto& [k, v] : object.items()) {
      if (v.is_string()) out[k] = v.get<std::string>();
    }
  }
  return out;
}

// One agent of the DaemonSet: the pod on `node`.
struct NodeAgent {
  std::string member;
  std::string cluster;
  std::string node;
  int port = 0;
  std::unique_ptr<Process> process;
};

class DaemonSet {
 public:
  DaemonSet() {
    auto config = sim::ParseTopologyYaml(kTopology);
    if (!config.ok()) {
      ADD_FAILURE() << config.error().ToString();
      return;
    }
    auto created = sim::Simulator::Create(*config, clock_);
    if (!created.ok()) {
      ADD_FAILURE() << created.error().ToString();
      return;
    }
    sim_ = std::move(*created);
    if (auto st = sim_->Start(); !st.ok()) {
      ADD_FAILURE() << st.error().ToString();
      return;
    }
    if (!StartApiServerFront()) return;
    am_ = StartAlertmanager();
    if (!am_.ok()) {
      ADD_FAILURE() << am_.error;
      return;
    }
    rules_ = ShippedRulesWithFor(kShortFor);
    for (const auto& cluster : sim_->config().clusters) {
      if (!RenderOverlay(cluster.name)) return;
      for (const auto& m : cluster.members) {
        NodeAgent a;
        a.member = m.name;
        a.cluster = cluster.name;
        a.node = m.name + "-node";
        agents_.push_back(std::move(a));
      }
    }
    std::string targets;
    for (NodeAgent& a : agents_) {
      if (!StartAgent(a)) return;
      targets += (targets.empty() ? "'" : ", '") + std::string("127.0.0.1:") +
                 std::to_string(a.port) + "'";
    }
    // The central Prometheus carries the same external labels as the agents, so that Alertmanager
    // sees one alert when both send it.
    prom_ = StartPrometheus(
        "global:\n"
        "  scrape_interval: 1s\n"
        "  evaluation_interval: 1s\n"
        "  external_labels: {cluster: e2e, region: e2e}\n"
        "rule_files: [neo4j-cluster.rules.yml]\n"
        "alerting:\n"
        "  alertmanagers:\n"
        "    - static_configs: [{targets: ['" +
            am_.base_url.substr(std::string("http://").size()) +
            "']}]\n"
            "scrape_configs:\n"
            "  - job_name: neo4j-cluster-agent\n"
            "    static_configs:\n"
            "      - targets: [" +
            targets + "]\n",
        {{"neo4j-cluster.rules.yml", rules_}});
    if (!prom_.ok()) {
      ADD_FAILURE() << prom_.error;
      return;
    }
    ok_ = true;
  }

  ~DaemonSet() {
    for (NodeAgent& a : agents_) {
      if (a.process && ::testing::Test::HasFailure()) {
        const std::string log = a.process->Stderr();
        std::cerr << "---- agent on " << a.node << " (tail) ----\n"
                  << (log.size() > 3000 ? log.substr(log.size() - 3000) : log) << "\n";
      }
      a.process.reset();
    }
    if (sim_) sim_->Stop();
  }

  bool Ok() const { return ok_; }

  // The agents reach the API server as in a pod: in-cluster mode, https://$KUBERNETES_SERVICE_HOST
  // :$KUBERNETES_SERVICE_PORT verified with the service account's ca.crt, its token and namespace
  // files. The simulator's Kubernetes API speaks plain HTTP, so socat terminates TLS in front of it
  // with the test PKI's certificate for 127.0.0.1 (tests/support/test_pki.h).
  bool StartApiServerFront() {
    if (!pki_.ok()) {
      ADD_FAILURE() << "test PKI: " << pki_.error;
      return false;
    }
    const std::string token = WriteTempFile("token", "e2e-token");
    const std::string d = token.substr(0, token.rfind('/'));
    const std::string cmd = "cd " + d +
                            " && mkdir -p serviceaccount && mv token serviceaccount/token"
                            " && cp '" +
                            pki_.ca_cert +
                            "' serviceaccount/ca.crt && printf neo4j > serviceaccount/namespace";
    CommandResult made = RunCommand({"sh", "-c", cmd});
    if (made.exit_code != 0) {
      ADD_FAILURE() << "service account files: " << made.output;
      return false;
    }
    service_account_dir_ = d + "/serviceaccount";
    ::chmod(d.c_str(), 0755);  // the agents run as uid 65534
    const std::string kube = sim_->KubeUrl();
    const std::string kube_port = kube.substr(kube.rfind(':') + 1);
    const std::string socat = FindBinary("socat");
    if (socat.empty()) {
      ADD_FAILURE() << "socat not found (scripts/setup.sh installs it)";
      return false;
    }
    front_ = std::make_unique<Process>(std::vector<std::string>{
        socat, "-d", "-d",
        "OPENSSL-LISTEN:0,bind=127.0.0.1,reuseaddr,fork,verify=0,cert=" + pki_.server_cert +
            ",key=" + pki_.server_key,
        "TCP:127.0.0.1:" + kube_port});
    auto line = front_->WaitForOutput("listening on", seconds(10));
    if (!line) {
      ADD_FAILURE() << "socat did not start (scripts/setup.sh installs it):\n" << front_->Stderr();
      return false;
    }
    api_port_ = line->substr(line->rfind(':') + 1);
    while (!api_port_.empty() && !std::isdigit(static_cast<unsigned char>(api_port_.back()))) {
      api_port_.pop_back();
    }
    return !api_port_.empty();
  }

  // The cross-cluster endpoints a DaemonSet agent of `own` is given (the other cluster's Bolt and
  // HTTP Service, here the simulator's link listeners); no members.
  std::string CrossClusterConfig(const std::string& own) const {
    std::string yaml = "kubernetes: {discovery_interval: 1s}\nclusters:\n";
    for (const auto& c : sim_->config().clusters) {
      if (c.name == own) continue;
      auto link = sim_->LinkEndpoints(own, c.name);
      if (!link) continue;
      yaml += "  - name: " + c.name + "\n    region: " + c.region + "\n    bolt_endpoint: \"" +
              link->bolt + "\"\n    http_endpoint: \"" + link->http + "\"\n";
    }
    return yaml;
  }

  // The user's overlay for the DaemonSet of one region: the shipped root kustomization (the
  // one-line install), the settings ConfigMap merged as the README shows, and the test's additions
  // appended to the container: the cross-cluster endpoints and the short-`for` rules in a
  // ConfigMap volume, faster intervals and deadlines.
  bool RenderOverlay(const std::string& cluster) {
    const std::string file = WriteTempFile("agent.yml", CrossClusterConfig(cluster));
    const std::string dir = file.substr(0, file.rfind('/'));
    std::ofstream(dir + "/neo4j-cluster.rules.yml") << rules_;
    const std::string shipped =
        std::filesystem::relative(std::string(NCA_SOURCE_DIR) + "/deploy/daemonset", dir).string();
    const std::string mount = "/etc/neo4j-cluster-agent/e2e";
    std::vector<std::string> extra = {
        "--config=" + mount + "/agent.yml", "--rules.file=" + mount + "/neo4j-cluster.rules.yml",
        "--rules.evaluation-interval=1s", "--neo4j.connect-timeout=300ms",
        "--neo4j.request-timeout=900ms"};
    for (const std::string& c : config::KnownCollectors()) {
      extra.push_back("--collector." + c + ".interval=1s");
      extra.push_back("--collector." + c + ".timeout=900ms");
    }
    std::string k = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n";
    k += "resources:\n  - " + shipped + "\n";
    k += "configMapGenerator:\n"
         "  - name: neo4j-cluster-agent-settings\n"
         "    behavior: merge\n"
         "    literals:\n"
         "      - ALERTMANAGER_URL=" +
         am_.base_url +
         "\n"
         "      - EXTERNAL_LABEL_CLUSTER=e2e\n"
         "      - EXTERNAL_LABEL_REGION=e2e\n"
         "  - name: neo4j-cluster-agent-e2e\n"
         "    files: [agent.yml, neo4j-cluster.rules.yml]\n"
         "    options: {disableNameSuffixHash: true}\n";
    k += "patches:\n"
         "  - target: {group: apps, kind: DaemonSet, name: neo4j-cluster-agent}\n"
         "    patch: |-\n";
    for (const std::string& e : extra) {
      k += "      - {op: add, path: /spec/template/spec/containers/0/args/-, value: \"" + e +
           "\"}\n";
    }
    k += "      - op: add\n"
         "        path: /spec/template/spec/volumes/-\n"
         "        value: {name: e2e, configMap: {name: neo4j-cluster-agent-e2e}}\n"
         "      - op: add\n"
         "        path: /spec/template/spec/containers/0/volumeMounts/-\n"
         "        value: {name: e2e, mountPath: " +
         mount + ", readOnly: true}\n";
    std::ofstream(dir + "/kustomization.yaml") << k;
    Rendered r = RenderKustomization(dir);
    if (!r.error.empty()) {
      ADD_FAILURE() << r.error;
      return false;
    }
    rendered_[cluster] = std::move(r);
    return true;
  }

  // Starts (or restarts, on the same port) the agent of one node from the rendered DaemonSet.
  // `more` is appended to the rendered arguments (what a user's overlay would add).
  bool StartAgent(NodeAgent& a, const std::vector<std::string>& more = {}) {
    const Rendered& rendered = rendered_.at(a.cluster);
    PodContext pod;
    pod.node_name = a.node;
    pod.namespace_name = "neo4j";
    pod.pod_name = "neo4j-cluster-agent-" + a.node;
    pod.pod_ip = "127.0.0.1";
    // The Secret the README has the user create (the operator's admin Secret format).
    pod.secrets["neo4j-cluster-agent-credentials"] = {{"username", "neo4j"},
                                                      {"password", "daemonset-e2e"}};
    const std::string volumes = WorldReadableTempDir();
    ContainerLaunch launch =
        ResolveContainer(rendered, "DaemonSet", "neo4j-cluster-agent", "agent", pod, volumes);
    if (!launch.error.empty()) {
      ADD_FAILURE() << "the rendered DaemonSet: " << launch.error;
      return false;
    }
    std::vector<std::string> argv;
    if (::geteuid() == 0) {
      // runAsUser/runAsGroup 65534, fsGroup 65534 as a supplementary group (the Secret's files
      // are root:65534 0440, as the kubelet writes them), no new privileges.
      const std::string setpriv = FindBinary("setpriv");
      if (setpriv.empty()) {
        ADD_FAILURE() << "setpriv (util-linux) not found";
        return false;
      }
      argv = {setpriv, "--reuid=65534", "--regid=65534", "--groups=65534", "--no-new-privs", "--"};
    }
    argv.push_back(NCA_AGENT_BIN);
    bool listen_seen = false;
    for (const std::string& arg : launch.args) {
      if (arg.rfind("--web.listen-address=", 0) == 0) {
        // The pod's own network namespace: :9474 there, 127.0.0.1:<run-time port> here.
        EXPECT_EQ(arg, "--web.listen-address=:9474") << "the containerPort the probes use";
        listen_seen = true;
        argv.push_back("--web.listen-address=127.0.0.1:" + std::to_string(a.port));
        continue;
      }
      argv.push_back(MapContainerPath(arg, launch.mounts));
    }
    EXPECT_TRUE(listen_seen) << "the DaemonSet sets --web.listen-address";
    argv.insert(argv.end(), more.begin(), more.end());
    // The service account's projected volume, which the kubelet mounts at
    // /var/run/secrets/kubernetes.io/serviceaccount.
    argv.push_back("--kubernetes.service-account-dir=" + service_account_dir_);
    std::map<std::string, std::string> env = launch.env;
    env["KUBERNETES_SERVICE_HOST"] = "127.0.0.1";
    env["KUBERNETES_SERVICE_PORT"] = api_port_;
    a.process = std::make_unique<Process>(argv, env);
    auto line = a.process->WaitForOutput("msg=\"listening\"", seconds(30));
    if (!line) {
      std::string cmd;
      for (const std::string& x : argv) cmd += " " + x;
      ADD_FAILURE() << "agent on " << a.node << " did not start (exit "
                    << a.process->WaitForExit(seconds(1)).value_or(-1) << "):" << cmd << "\n"
                    << a.process->Stdout() << a.process->Stderr();
      return false;
    }
    a.port = ParsePortFromLogLine(*line).value_or(0);
    return a.port > 0;
  }

  // Every request the agents sent to the API server, against the rendered ClusterRole: each one
  // allowed, and each granted verb used by some request (the ClusterRole grants no more).
  void CheckClusterRole() {
    const RenderedObject* role = rendered_.begin()->second.Find("ClusterRole");
    ASSERT_NE(role, nullptr) << "the rendering has no ClusterRole";
    const std::vector<ApiAccess> grants = RbacGrants(*role);
    std::set<ApiAccess> used;
    for (const sim::KubeRequestRecord& r : sim_->kube_api()->Requests()) {
      auto access = AccessOfRequest(r.method, r.path);
      ASSERT_TRUE(access.has_value()) << r.method << " " << r.path << " is no resource request";
      EXPECT_TRUE(Allows(grants, *access))
          << ToString(*access) << " (" << r.method << " " << r.path << ") is not granted";
      used.insert(*access);
    }
    for (const ApiAccess& g : grants) {
      EXPECT_TRUE(used.count(g) == 1) << ToString(g) << " is granted but no agent used it";
    }
  }

  // An agent of the DaemonSet given the operator's custom resource
  // (`--kubernetes.cluster-resource`, the README's option for topology from the
  // Neo4jEnterpriseCluster): it reads it at start-up.
  bool StartAgentWithClusterResource() {
    sim_->kube_api()->AddCustomObject(
        "neo4j.neo4j.com", "v1alpha1", "neo4j", "neo4jenterpriseclusters", "east",
        R"({"apiVersion":"neo4j.neo4j.com/v1alpha1","kind":"Neo4jEnterpriseCluster",)"
        R"("metadata":{"name":"east","namespace":"neo4j"},"spec":{"topology":{"primaries":3,)"
        R"("secondaries":0,"availabilityZones":["us-east-1a","us-east-1b","us-east-1c"]}}})");
    NodeAgent extra;
    extra.member = "east-1";
    extra.cluster = "east";
    extra.node = "east-1-node";
    const bool started = StartAgent(extra, {"--kubernetes.cluster-resource=neo4j/east"});
    if (started) extra.process->Stop();
    return started;
  }

  static std::string WorldReadableTempDir() {
    const std::string file = WriteTempFile("volumes", "");
    const std::string dir = file.substr(0, file.rfind('/'));
    ::chmod(dir.c_str(), 0755);
    return dir + "/v";
  }

  NodeAgent& Agent(const std::string& member) {
    for (NodeAgent& a : agents_) {
      if (a.member == member) return a;
    }
    ADD_FAILURE() << "no agent for " << member;
    return agents_.front();
  }
  std::vector<NodeAgent>& Agents() { return agents_; }

  // The node is lost: its agent dies with it (SIGKILL, no goodbye).
  void KillAgent(const std::string& member) {
    NodeAgent& a = Agent(member);
    if (a.process) {
      a.process->Signal(SIGKILL);
      a.process->WaitForExit(seconds(10));
      a.process.reset();
    }
  }

  void Fault(const std::string& json) {
    auto parsed = sim::ParseFaultAction(Json::parse(json));
    ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
    auto st = sim_->Apply(*parsed);
    ASSERT_TRUE(st.ok()) << st.error().ToString();
  }

  // Back to the steady state: every fault undone, every agent running and scraped, every
  // cluster with a working quorum, and no alert at Prometheus or Alertmanager for 3 evaluations
  // in a row (members restarted by the reset elect their leaders again first).
  void Reset() {
    Fault(R"({"action":"reset"})");
    for (NodeAgent& a : agents_) {
      if (!a.process) {
        ASSERT_TRUE(StartAgent(a));
      }
    }
    auto steady = [&] {
      return Scalar("count(up == 1)") == static_cast<double>(agents_.size()) &&
             Scalar("count(max by (neo4j_cluster, database) (neo4j_quorum_ok) == 1)") == 4 &&
             PromAlerts({}).empty() && AmAlerts({}).empty();
    };
    ASSERT_TRUE(PollUntil([&] { return steady() && ForEvaluations(3, steady); }, seconds(180),
                          std::chrono::milliseconds(500)))
        << "no steady state: prometheus " << Join(PromAlerts({})) << " alertmanager "
        << Join(AmAlerts({}));
  }

  // Prometheus: the value of a scalar-valued (one-sample) query, or nullopt.
  std::optional<double> Scalar(const std::string& query) {
    Json j = GetJson(prom_.base_url + "/api/v1/query?query=" + UrlEncodeQuery(query));
    if (!j.is_object() || j["status"] != "success") return std::nullopt;
    const Json& result = j["data"]["result"];
    if (!result.is_array() || result.size() != 1) return std::nullopt;
    return std::stod(result[0]["value"][1].get<std::string>());
  }

  // Prometheus: label sets of the samples of an instant query.
  std::vector<LabelSet> Series(const std::string& query) {
    std::vector<LabelSet> out;
    Json j = GetJson(prom_.base_url + "/api/v1/query?query=" + UrlEncodeQuery(query));
    if (!j.is_object() || j["status"] != "success") return out;
    for (const Json& r : j["data"]["result"]) out.push_back(LabelsOf(r["metric"]));
    return out;
  }

  // Prometheus' firing and pending alerts that carry `want`.
  std::vector<LabelSet> PromAlerts(const LabelSet& want, bool firing_only = false) {
    std::vector<LabelSet> out;
    Json j = GetJson(prom_.base_url + "/api/v1/alerts");
    if (!j.is_object()) return {{{"error", "no answer"}}};
    for (const Json& a : j["data"]["alerts"]) {
      if (firing_only && a.value("state", "") != "firing") continue;
      LabelSet l = LabelsOf(a["labels"]);
      if (Matches(l, want)) out.push_back(l);
    }
    return out;
  }

  // Alertmanager's active alerts that carry `want`.
  std::vector<LabelSet> AmAlerts(const LabelSet& want) {
    std::vector<LabelSet> out;
    Json j = GetJson(am_.base_url + "/api/v2/alerts?active=true&silenced=false&inhibited=false");
    if (!j.is_array()) return {{{"error", "no answer"}}};
    for (const Json& a : j) {
      if (a["status"].value("state", "") != "active") continue;
      LabelSet l = LabelsOf(a["labels"]);
      if (Matches(l, want)) out.push_back(l);
    }
    return out;
  }

  // An agent's own firing alerts (its local rule evaluation) that carry `want`.
  std::vector<LabelSet> AgentAlerts(const NodeAgent& a, const LabelSet& want) {
    std::vector<LabelSet> out;
    Json j = GetJson("http://127.0.0.1:" + std::to_string(a.port) + "/api/v1/alerts");
    if (!j.is_object()) return out;
    for (const Json& x : j["data"]["alerts"]) {
      if (x.value("state", "") != "firing") continue;
      LabelSet l = LabelsOf(x["labels"]);
      if (Matches(l, want)) out.push_back(l);
    }
    return out;
  }

  // Rule group evaluations Prometheus has run (its own prometheus_rule_group_iterations_total,
  // read from its /metrics: it does not scrape itself here).
  std::optional<double> Evaluations() {
    FetchResult r = HttpGet(prom_.base_url + "/metrics", seconds(5));
    if (r.status != 200) return std::nullopt;
    double sum = 0;
    std::istringstream in(r.body);
    std::string line;
    const std::string name = "prometheus_rule_group_iterations_total{";
    while (std::getline(in, line)) {
      if (line.rfind(name, 0) == 0) sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
    return sum;
  }

  // Waits until Prometheus has run `n` more evaluations of each of the 4 rule groups, checking
  // `check` all along; false as soon as it fails (or when Prometheus does not answer).
  bool ForEvaluations(int n, const std::function<bool()>& check) {
    std::optional<double> start = Evaluations();
    if (!start) return false;
    bool held = true;
    bool done = PollUntil(
        [&] {
          held = held && check();
          auto now = Evaluations();
          return !held || (now && *now >= *start + 4 * n);
        },
        seconds(n * 4 + 30), std::chrono::milliseconds(250));
    return held && done;
  }

  static std::string Join(const std::vector<LabelSet>& sets) {
    std::string out;
    for (const auto& s : sets) out += Describe(s) + " ";
    return out.empty() ? "(none)" : out;
  }

  sim::Simulator& Sim() { return *sim_; }

 private:
  bool ok_ = false;
  RealClock clock_;
  std::unique_ptr<sim::Simulator> sim_;
  const TestPki pki_;               // the API server's certificate and CA; outlives front_
  std::unique_ptr<Process> front_;  // socat: TLS in front of the simulator's Kubernetes API
  std::string api_port_;
  std::string service_account_dir_;
  RealServer am_;
  RealServer prom_;
  std::string rules_;
  std::map<std::string, Rendered> rendered_;  // by cluster: its region's DaemonSet
  std::vector<NodeAgent> agents_;
};

const LabelSet kEast = {{"neo4j_cluster", "east"}};

LabelSet With(LabelSet base, const LabelSet& more) {
  base.insert(more.begin(), more.end());
  return base;
}

// Waits until Prometheus fires and Alertmanager holds an alert carrying `want`.
void ExpectAlert(DaemonSet& ds, const LabelSet& want, seconds timeout = seconds(60)) {
  const bool seen =
      PollUntil([&] { return !ds.PromAlerts(want, true).empty() && !ds.AmAlerts(want).empty(); },
                timeout, std::chrono::milliseconds(500));
  EXPECT_TRUE(seen) << "expected " << Describe(want)
                    << "\nprometheus: " << DaemonSet::Join(ds.PromAlerts({}, true))
                    << "\nalertmanager: " << DaemonSet::Join(ds.AmAlerts({}));
}

void ExpectNoAlert(DaemonSet& ds, const LabelSet& want) {
  EXPECT_TRUE(ds.PromAlerts(want).empty()) << DaemonSet::Join(ds.PromAlerts(want));
  EXPECT_TRUE(ds.AmAlerts(want).empty()) << DaemonSet::Join(ds.AmAlerts(want));
}

std::string LeaderOf(DaemonSet& ds, const std::string& cluster, const std::string& db) {
  for (const LabelSet& l : ds.Series("neo4j_cluster_leader_info{neo4j_cluster=\"" + cluster +
                                     "\",database=\"" + db + "\"} == 1")) {
    return l.at("member");
  }
  return "";
}

TEST(DaemonSetTest, SeedFailureTableWithOneAgentPerNode) {
  if (FindBinary("kubectl").empty()) {
    GTEST_SKIP() << "kubectl not found: the agents are started from `kubectl kustomize` of "
                    "deploy/daemonset (kubectl ships with the machine image or Debian's "
                    "kubernetes-client)";
  }
  DaemonSet ds;
  ASSERT_TRUE(ds.Ok());
  ds.Reset();
  ASSERT_FALSE(::testing::Test::HasFailure());

  {
    SCOPED_TRACE("steady state: at least 20 evaluations without any alert");
    const bool quiet =
        ds.ForEvaluations(20, [&] { return ds.PromAlerts({}).empty() && ds.AmAlerts({}).empty(); });
    EXPECT_TRUE(quiet) << "prometheus: " << DaemonSet::Join(ds.PromAlerts({}))
                       << " alertmanager: " << DaemonSet::Join(ds.AmAlerts({}));
    // Every agent judges every database of its cluster from the cluster-wide view: the same
    // verdict from all of them.
    EXPECT_EQ(ds.Scalar("count(neo4j_quorum_ok == 1)"), 12.0) << "6 agents x 2 databases";
    EXPECT_EQ(ds.Scalar("count(neo4j_quorum_view_complete == 0)"), std::nullopt);
    EXPECT_EQ(ds.Scalar("count(neo4j_cluster_member_available == 1)"), 18.0)
        << "every agent lists the 3 servers of its cluster";
  }

  {
    SCOPED_TRACE("one primary pod stopped, its node and agent alive");
    ds.Fault(R"({"action":"stop_member","member":"east-2"})");
    ExpectAlert(ds, With(kEast, {{"alertname", "Neo4jMemberDown"}, {"member", "east-2"}}));
    ExpectAlert(ds, With(kEast, {{"alertname", "Neo4jQuorumAtRisk"}, {"database", "neo4j"}}));
    ExpectNoAlert(ds, {{"alertname", "Neo4jQuorumLost"}});
    // A Neo4j member's outage is not the agent's: no collector fails on any agent, including
    // the agent of the stopped member.
    EXPECT_EQ(ds.Scalar("min(neo4j_agent_collector_success)"), 1.0);
    ExpectNoAlert(ds, {{"alertname", "Neo4jAgentCollectorFailing"}});
    ds.Reset();
  }

  {
    SCOPED_TRACE("one node lost: the member and its agent");
    ds.Fault(R"({"action":"stop_member","member":"east-2"})");
    ds.KillAgent("east-2");
    ExpectAlert(ds, With(kEast, {{"alertname", "Neo4jMemberDown"}, {"member", "east-2"}}));
    ExpectAlert(ds, With(kEast, {{"alertname", "Neo4jQuorumAtRisk"}, {"database", "neo4j"}}));
    ExpectNoAlert(ds, {{"alertname", "Neo4jQuorumLost"}});
    EXPECT_TRUE(PollUntil([&] { return ds.Scalar("count(up == 0)") == 1.0; }, seconds(30)));
    // The lost member is still reported, by the agents of the other nodes.
    EXPECT_EQ(ds.Scalar("max(neo4j_cluster_member_available{member=\"east-2\"})"), 0.0);
    ds.Reset();
  }

  {
    SCOPED_TRACE("one zone lost (topology spread: one primary per zone)");
    ds.Fault(R"({"action":"zone_down","zone":"us-east-1a","cluster":"east"})");
    ds.KillAgent("east-1");
    ExpectAlert(ds, With(kEast, {{"alertname", "Neo4jQuorumAtRisk"}, {"database", "neo4j"}}));
    ExpectAlert(ds, With(kEast, {{"alertname", "Neo4jMemberDown"}, {"member", "east-1"}}));
    ExpectNoAlert(ds, {{"alertname", "Neo4jQuorumLost"}});
    ExpectNoAlert(ds, {{"alertname", "Neo4jNoLeader"}});
    // Zone metrics describe placement (scheduler semantics), not liveness: the lost zone's pod is
    // still placed there until it is rescheduled, so the zone alerts stay quiet
    // (docs/kubernetes.md).
    ExpectNoAlert(ds, {{"alertname", "Neo4jZoneImbalance"}});
    ExpectNoAlert(ds, {{"alertname", "Neo4jZoneLossNotSurvivable"}});
    ds.Reset();
  }

  {
    SCOPED_TRACE("two zones lost: quorum lost, one alert per cluster and database");
    ds.Fault(R"({"action":"zone_down","zones":["us-east-1a","us-east-1b"],"cluster":"east"})");
    ds.KillAgent("east-1");
    ds.KillAgent("east-2");
    for (const char* db : {"neo4j", "system"}) {
      ExpectAlert(ds, With(kEast, {{"alertname", "Neo4jQuorumLost"}, {"database", db}}));
      EXPECT_EQ(
          ds.AmAlerts(With(kEast, {{"alertname", "Neo4jQuorumLost"}, {"database", db}})).size(), 1u)
          << "the survivor's agent and Prometheus send the same alert: one at Alertmanager";
    }
    ExpectAlert(ds, With(kEast, {{"alertname", "Neo4jNoLeader"}, {"database", "neo4j"}}));
    // The survivor's own evaluation fires it too (alerts still fire without the central one),
    // not necessarily before the central Prometheus did: polled.
    EXPECT_TRUE(PollUntil(
        [&] {
          return !ds.AgentAlerts(ds.Agent("east-3"), {{"alertname", "Neo4jQuorumLost"}}).empty();
        },
        seconds(30), std::chrono::milliseconds(250)));
    ExpectNoAlert(ds, {{"alertname", "Neo4jQuorumLost"}, {"neo4j_cluster", "west"}});
    ds.Reset();
  }

  {
    SCOPED_TRACE("region lost: every node of the cluster");
    ds.Fault(R"({"action":"region_down","region":"us-east-1"})");
    for (const char* m : {"east-1", "east-2", "east-3"}) ds.KillAgent(m);
    ExpectAlert(ds, {{"alertname", "Neo4jCrossClusterPartition"},
                     {"source_cluster", "west"},
                     {"target_cluster", "east"}});
    EXPECT_TRUE(PollUntil([&] { return ds.Scalar("count(up == 0)") == 3.0; }, seconds(30)));
    ExpectNoAlert(ds, {{"alertname", "Neo4jQuorumLost"}, {"neo4j_cluster", "west"}});
    ds.Reset();
  }

  {
    SCOPED_TRACE("one primary partitioned from the others, its agent alive");
    const std::string isolated = LeaderOf(ds, "east", "neo4j") == "east-3" ? "east-1" : "east-3";
    std::vector<std::string> rest;
    for (const char* m : {"east-1", "east-2", "east-3"}) {
      if (m != isolated) rest.push_back(m);
    }
    ds.Fault(R"({"action":"partition","groups":[[")" + isolated + R"("],[")" + rest[0] + R"(",")" +
             rest[1] + R"("]]})");
    // The isolated member is reported as such...
    EXPECT_TRUE(PollUntil(
        [&] {
          return ds.Scalar("max(neo4j_member_database_has_quorum{member=\"" + isolated +
                           "\",database=\"neo4j\"})") == 0.0;
        },
        seconds(30)));
    // ...and nobody claims that the cluster lost its quorum or its leader, over 10 evaluations.
    const bool no_claim = ds.ForEvaluations(10, [&] {
      for (const char* name : {"Neo4jQuorumLost", "Neo4jNoLeader", "Neo4jSplitBrain"}) {
        if (!ds.PromAlerts({{"alertname", name}}).empty() ||
            !ds.AmAlerts({{"alertname", name}}).empty()) {
          return false;
        }
      }
      return true;
    });
    EXPECT_TRUE(no_claim) << "prometheus: " << DaemonSet::Join(ds.PromAlerts({}))
                          << " alertmanager: " << DaemonSet::Join(ds.AmAlerts({}));
    EXPECT_EQ(ds.Scalar("max(neo4j_quorum_ok{neo4j_cluster=\"east\",database=\"neo4j\"})"), 1.0);
    ds.Reset();
  }

  {
    SCOPED_TRACE("leader killed: exactly one failover per database over the agents");
    const std::string leader = LeaderOf(ds, "east", "neo4j");
    ASSERT_FALSE(leader.empty());
    const bool leads_system = LeaderOf(ds, "east", "system") == leader;
    const std::string failovers =
        "max by (database) (neo4j_failover_events_total{neo4j_cluster=\"east\",database=\"";
    const double neo4j_before = ds.Scalar(failovers + "neo4j\"})").value_or(0);
    const double system_before = ds.Scalar(failovers + "system\"})").value_or(0);
    ds.Fault(R"({"action":"stop_member","member":")" + leader + R"("})");
    ASSERT_TRUE(PollUntil(
        [&] {
          const std::string now = LeaderOf(ds, "east", "neo4j");
          return !now.empty() && now != leader;
        },
        seconds(60)));
    // Let every agent see the new leader for a few rounds before counting.
    ds.ForEvaluations(5, [] { return true; });
    EXPECT_EQ(ds.Scalar(failovers + "neo4j\"})").value_or(0) - neo4j_before, 1.0);
    EXPECT_EQ(ds.Scalar(failovers + "system\"})").value_or(0) - system_before,
              leads_system ? 1.0 : 0.0);
  }

  {
    SCOPED_TRACE("RBAC: the rendered ClusterRole against every request the agents made");
    EXPECT_TRUE(ds.StartAgentWithClusterResource());
    ds.CheckClusterRole();
  }
}

}  // namespace
}  // namespace nca::testing
