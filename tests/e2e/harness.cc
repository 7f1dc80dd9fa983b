#include "harness.h"

#include <gtest/gtest.h>

#include <thread>

#include "config/loader.h"
#include "sim/agent_config.h"
#include "support/http_fetch.h"

namespace nca::testing {

using std::chrono::milliseconds;
using std::chrono::seconds;

SimAndAgent::SimAndAgent(const std::string& topology_yaml, AgentOptions options) {
  auto config = sim::ParseTopologyYaml(topology_yaml);
  if (!config.ok()) {
    ADD_FAILURE() << "bad test topology: " << config.error().ToString();
    return;
  }
  auto created = sim::Simulator::Create(*config, clock_);
  if (!created.ok()) {
    ADD_FAILURE() << "simulator: " << created.error().ToString();
    return;
  }
  sim_ = std::move(*created);
  if (auto st = sim_->Start(); !st.ok()) {
    ADD_FAILURE() << "simulator start: " << st.error().ToString();
    return;
  }

  std::vector<std::string> args = {NCA_AGENT_BIN, "--web.listen-address=127.0.0.1:0",
                                   "--neo4j.connect-timeout=500ms", "--neo4j.request-timeout=2s",
                                   "--log.level=debug"};
  for (const std::string& c : config::KnownCollectors()) {
    args.push_back("--collector." + c + ".interval=" + options.interval);
    args.push_back("--collector." + c + ".timeout=" + options.timeout);
  }
  // A config file naming every member as the simulator does, so that series are keyed by
  // stable member names (the --cluster quick start would name them host:port).
  std::string yaml;
  if (options.topology) {
    yaml = sim::AgentConfigYaml(sim_->State(), options.cross_cluster_source);
  } else {
    yaml = "clusters:\n";
    for (const auto& cluster : sim_->config().clusters) {
      yaml += "  - name: " + cluster.name + "\n";
      if (cluster.neo4j_metrics.prefix != "neo4j") {
        yaml += "    neo4j_metrics: {prefix: " + cluster.neo4j_metrics.prefix + "}\n";
      }
      yaml += "    members:\n";
      for (const auto& m : cluster.members) {
        yaml += "      - {name: " + m.name + ", url: \"" + sim_->MemberUrl(m.name) + "\"";
        // Neo4j's own Prometheus endpoint of the member (each simulated member has its own port).
        if (const std::string metrics = sim_->MetricsUrl(m.name); !metrics.empty()) {
          yaml += ", metrics_url: \"" + metrics + "\"";
        }
        yaml += "}\n";
      }
    }
  }
  if (options.configure_members) {
    args.push_back("--config=" + WriteTempFile("agent.yml", yaml));
  }
  if (options.late_args) {
    std::vector<std::string> late = options.late_args(*sim_);
    args.insert(args.end(), late.begin(), late.end());
  }
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  std::map<std::string, std::string> env = options.env;
  if (options.pass_credentials && !sim_->config().clusters.empty()) {
    env.emplace("NEO4J_USERNAME", sim_->config().clusters[0].username);
    env.emplace("NEO4J_PASSWORD", sim_->config().clusters[0].password);
  }
  agent_ = std::make_unique<Process>(args, env);
  auto line = agent_->WaitForOutput("msg=\"listening\"", seconds(30));
  if (!line) {
    ADD_FAILURE() << "agent did not start:\n" << agent_->Stderr();
    return;
  }
  port_ = ParsePortFromLogLine(*line).value_or(0);
  ok_ = port_ > 0;
  if (!ok_) {
    ADD_FAILURE() << "no port in: " << *line;
  }
}

SimAndAgent::~SimAndAgent() {
  if (agent_) {
    int rc = agent_->Stop();
    EXPECT_EQ(rc, 0) << "agent did not shut down cleanly:\n" << agent_->Stderr();
    if (::testing::Test::HasFailure()) {
      std::cerr << "---- agent log (tail) ----\n";
      std::string log = agent_->Stderr();
      std::cerr << (log.size() > 6000 ? log.substr(log.size() - 6000) : log) << "\n";
    }
  }
  if (sim_) {
    sim_->Stop();
  }
}

std::string SimAndAgent::AgentUrl(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::string SimAndAgent::ScrapeText() {
  auto r = HttpGet(AgentUrl(), seconds(10));
  EXPECT_EQ(r.status, 200) << r.error;
  return r.body;
}

std::vector<Sample> SimAndAgent::Scrape() { return ParseExposition(ScrapeText()); }

bool SimAndAgent::WaitUntil(const std::function<bool(const std::vector<Sample>&)>& pred,
                            milliseconds timeout, std::vector<Sample>* last) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto samples = Scrape();
    bool held = pred(samples);
    if (last != nullptr) {
      *last = samples;
    }
    if (held) {
      return true;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(milliseconds(100));  // polling interval, not synchronisation
  }
}

bool SimAndAgent::WaitForCollectorRounds(int runs, milliseconds timeout) {
  auto stamps = [](const std::vector<Sample>& s) {
    std::map<std::string, double> out;
    for (const auto& x : Select(s, "neo4j_agent_collector_last_success_timestamp_seconds")) {
      out[x.labels.at("collector")] = x.value;
    }
    return out;
  };
  auto start = stamps(Scrape());
  int seen = 0;
  auto prev = start;
  return WaitUntil(
      [&](const std::vector<Sample>& s) {
        auto now = stamps(s);
        // Every collector (the harness enables all of them) has a newer success than before; a
        // collector without any success before counts as advanced once it has one.
        bool all_advanced = now.size() == config::KnownCollectors().size();
        for (const auto& [k, v] : now) {
          if (prev.count(k) != 0 && v <= prev[k]) {
            all_advanced = false;
          }
        }
        if (all_advanced) {
          ++seen;
          prev = now;
        }
        return seen >= runs;
      },
      timeout);
}

void SimAndAgent::Fault(const std::string& json) {
  auto parsed = sim::ParseFaultAction(nlohmann::json::parse(json));
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  auto st = sim_->Apply(*parsed);
  ASSERT_TRUE(st.ok()) << st.error().ToString();
}

std::vector<std::string> SimAndAgent::Members(const std::string& cluster) const {
  std::vector<std::string> out;
  for (const auto& c : sim_->config().clusters) {
    if (c.name == cluster) {
      for (const auto& m : c.members) {
        out.push_back(m.name);
      }
    }
  }
  return out;
}

std::string LeaderOf(const std::vector<Sample>& samples, const std::string& cluster,
                     const std::string& database) {
  auto found = Select(samples, "neo4j_cluster_leader_info",
                      {{"neo4j_cluster", cluster}, {"database", database}});
  if (found.size() != 1 || found[0].value != 1) {
    return "";
  }
  return found[0].labels.at("member");
}

}  // namespace nca::testing
