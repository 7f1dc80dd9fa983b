// neo4j-cluster-sim: simulated Neo4j clusters over loopback HTTP for tests and demos.
// See docs/simulator.md.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "common/build_version.h"
#include "common/clock.h"
#include "common/logging.h"
#include "config/cluster_spec.h"
#include "sim/agent_config.h"
#include "sim/config.h"
#include "sim/faults.h"
#include "sim/manifests.h"
#include "sim/simulator.h"

namespace {

constexpr char kUsage[] = R"(Usage: neo4j-cluster-sim [flags]

Simulates Neo4j Enterprise clusters (4.4, 5.x, 2025.x) over loopback HTTP: one HTTP server per
member (discovery, cluster status endpoints, tx/commit and Query API), a Bolt handshake listener
per member, cross-cluster links (Bolt + HTTP per ordered pair of clusters), an emulated
Kubernetes API (nodes, pods, Neo4jEnterpriseCluster objects) and a control API.

Flags:
  --topology FILE          YAML topology (default: the embedded demo topology)
  --cluster-spec FILE      Neo4jEnterpriseCluster manifest to instantiate instead (repeatable;
                           clusters described twice are merged by name, the first wins)
  --scenario FILE          YAML scenario of timed fault events
  --control-address ADDR   control API listen address (default 127.0.0.1:0)
  --kube-address ADDR      emulated Kubernetes API listen address (default 127.0.0.1:0)
  --ports-file FILE        write the /state JSON here once every member listens (atomic rename)
  --agent-config FILE      write a neo4j-cluster-agent YAML config monitoring every simulated
                           member, with regions, zones, link endpoints and the Kubernetes API
                           (credentials come from the agent's environment)
  --print-default-topology print the embedded topology and exit
  --log.level LEVEL        debug, info, warn, error (default info)
  --help                   show this help
  --version                show the version

Control API: GET /state, POST /faults (JSON action), POST /reset, GET /healthz.
Exit status: 2 for invalid flags, topology, manifests or scenario; 1 when a port cannot be bound.
)";

struct Flags {
  std::string topology;
  std::vector<std::string> cluster_specs;
  std::string scenario;
  std::optional<std::string> control_address;
  std::optional<std::string> kube_address;
  std::string ports_file;
  std::string agent_config;
  std::string log_level = "info";
  bool help = false;
  bool version = false;
  bool print_topology = false;
};

// Accepts --flag value and --flag=value. Returns an error message or "".
std::string ParseFlags(int argc, char** argv, Flags* flags) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::optional<std::string> value;
    if (auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto take = [&](std::string* out) -> bool {
      if (value) {
        *out = *value;
        return true;
      }
      if (i + 1 >= args.size()) {
        return false;
      }
      *out = args[++i];
      return true;
    };
    if (arg == "--help" || arg == "-h") {
      flags->help = true;
    } else if (arg == "--version") {
      flags->version = true;
    } else if (arg == "--print-default-topology") {
      flags->print_topology = true;
    } else if (arg == "--topology") {
      if (!take(&flags->topology)) {
        return "--topology needs a file";
      }
    } else if (arg == "--cluster-spec") {
      std::string v;
      if (!take(&v)) {
        return "--cluster-spec needs a file";
      }
      flags->cluster_specs.push_back(v);
    } else if (arg == "--kube-address") {
      std::string v;
      if (!take(&v)) {
        return "--kube-address needs an address";
      }
      flags->kube_address = v;
    } else if (arg == "--scenario") {
      if (!take(&flags->scenario)) {
        return "--scenario needs a file";
      }
    } else if (arg == "--control-address") {
      std::string v;
      if (!take(&v)) {
        return "--control-address needs an address";
      }
      flags->control_address = v;
    } else if (arg == "--ports-file") {
      if (!take(&flags->ports_file)) {
        return "--ports-file needs a file";
      }
    } else if (arg == "--agent-config") {
      if (!take(&flags->agent_config)) {
        return "--agent-config needs a file";
      }
    } else if (arg == "--log.level") {
      if (!take(&flags->log_level)) {
        return "--log.level needs a level";
      }
    } else {
      return "unknown flag \"" + arg + "\"";
    }
  }
  if (!flags->topology.empty() && !flags->cluster_specs.empty()) {
    return "--topology and --cluster-spec are alternatives";
  }
  return "";
}

bool WriteAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) {
      return false;
    }
    out << content;
    if (!out.flush()) {
      return false;
    }
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (std::string err = ParseFlags(argc, argv, &flags); !err.empty()) {
    std::cerr << "neo4j-cluster-sim: " << err << "\n\n" << kUsage;
    return 2;
  }
  if (flags.help) {
    std::cout << kUsage;
    return 0;
  }
  if (flags.version) {
    std::cout << "neo4j-cluster-sim " << nca::kBuildVersion << " (revision " << nca::kBuildRevision
              << ")\n";
    return 0;
  }
  if (flags.print_topology) {
    std::cout << nca::sim::DefaultTopologyYaml();
    return 0;
  }
  auto level = spdlog::level::from_str(flags.log_level);
  if (level == spdlog::level::off && flags.log_level != "off") {
    std::cerr << "neo4j-cluster-sim: unknown log level \"" << flags.log_level << "\"\n";
    return 2;
  }
  nca::InitLogging(level, nca::LogFormat::kLogfmt);
  auto logger = nca::GetLogger("sim.main");

  nca::sim::SimConfig config;
  if (!flags.cluster_specs.empty()) {
    std::vector<nca::config::ClusterSpecDoc> docs;
    for (const auto& file : flags.cluster_specs) {
      auto doc = nca::config::LoadClusterSpecFile(file);
      if (!doc) {
        logger->error("msg=\"invalid cluster spec\" err={}", nca::LogQuote(doc.error().message));
        return 2;
      }
      for (const auto& w : doc->warnings) {
        logger->warn("msg=\"cluster spec warning\" warning={}", nca::LogQuote(w));
      }
      docs.push_back(std::move(*doc));
    }
    auto from_specs = nca::sim::SimConfigFromClusterSpecs(docs);
    if (!from_specs) {
      logger->error("msg=\"invalid cluster spec\" err={}",
                    nca::LogQuote(from_specs.error().message));
      return 2;
    }
    config = std::move(*from_specs);
  } else if (flags.topology.empty()) {
    config = nca::sim::DefaultTopology();
  } else {
    auto loaded = nca::sim::LoadTopologyFile(flags.topology);
    if (!loaded) {
      logger->error("msg=\"invalid topology\" err={}", nca::LogQuote(loaded.error().message));
      return 2;
    }
    config = std::move(*loaded);
  }
  if (flags.control_address) {
    config.control_address = *flags.control_address;
  }
  if (flags.kube_address) {
    config.kube_address = *flags.kube_address;
  }
  config.ticker = nca::sim::TickerMode::kOn;
  nca::sim::Scenario scenario;
  if (!flags.scenario.empty()) {
    auto loaded = nca::sim::LoadScenarioFile(flags.scenario);
    if (!loaded) {
      logger->error("msg=\"invalid scenario\" err={}", nca::LogQuote(loaded.error().message));
      return 2;
    }
    scenario = std::move(*loaded);
  }

  // Block the stop signals before any thread starts, so that only sigwait() below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  nca::RealClock clock;
  auto sim = nca::sim::Simulator::Create(std::move(config), clock, std::move(scenario));
  if (!sim) {
    logger->error("msg=\"cannot create simulator\" err={}", nca::LogQuote(sim.error().message));
    return 2;
  }
  auto started = (*sim)->Start();
  if (!started) {
    logger->error("msg=\"cannot start simulator\" err={}", nca::LogQuote(started.error().message));
    return 1;
  }
  for (const auto& c : (*sim)->State().clusters) {
    for (const auto& m : c.members) {
      logger->info("msg=\"member listening\" cluster={} member={} url=http://127.0.0.1:{} bolt={}",
                   c.spec.name, m.spec.name, m.http_port, m.bolt_port);
    }
  }
  {
    const nca::sim::SimState state = (*sim)->State();
    for (const auto& l : state.links) {
      logger->info(
          "msg=\"link listening\" from={} to={} bolt=127.0.0.1:{} http=http://127.0.0.1:{}",
          state.clusters[static_cast<std::size_t>(l.from)].spec.name,
          state.clusters[static_cast<std::size_t>(l.to)].spec.name, l.bolt_port, l.http_port);
    }
  }
  const std::string control = (*sim)->ControlUrl();
  logger->info("msg=\"control API listening\" url={} address=127.0.0.1:{}", control,
               control.substr(control.rfind(':') + 1));
  if (const std::string kube = (*sim)->KubeUrl(); !kube.empty()) {
    logger->info("msg=\"Kubernetes API listening\" url={}", kube);
  }
  if (!flags.ports_file.empty()) {
    if (!WriteAtomically(flags.ports_file, (*sim)->StateJson().dump(2) + "\n")) {
      logger->error("msg=\"cannot write ports file\" file={}", nca::LogQuote(flags.ports_file));
      (*sim)->Stop();
      return 1;
    }
  }
  if (!flags.agent_config.empty()) {
    if (!WriteAtomically(flags.agent_config, nca::sim::AgentConfigYaml((*sim)->State()))) {
      logger->error("msg=\"cannot write agent config\" file={}", nca::LogQuote(flags.agent_config));
      (*sim)->Stop();
      return 1;
    }
  }
  int sig = 0;
  sigwait(&signals, &sig);
  logger->info("msg=\"stopping\" signal={}", sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*sim)->Stop();
  return 0;
}
