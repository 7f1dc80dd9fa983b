#include "support/real_servers.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "support/http_fetch.h"

namespace nca::testing {

namespace {

using std::chrono::seconds;

RealServer Start(std::vector<std::string> argv, const std::string& what) {
  RealServer s;
  s.process = std::make_unique<Process>(std::move(argv));
  if (!s.process->Started()) {
    s.error = what + " did not start";
    return s;
  }
  auto line = s.process->WaitForOutput("msg=\"Listening on\"", seconds(60));
  if (!line) {
    s.error = what + " never logged its address:\n" + s.process->Stderr();
    return s;
  }
  auto port = ParsePortFromLogLine(*line);
  if (!port) {
    s.error = what + ": no port in " + *line;
    return s;
  }
  s.base_url = "http://127.0.0.1:" + std::to_string(*port);
  if (!PollUntil([&] { return HttpGet(s.base_url + "/-/ready", seconds(2)).status == 200; },
                 seconds(60))) {
    s.error = what + " never became ready:\n" + s.process->Stderr();
  }
  return s;
}

}  // namespace

std::string FindBinary(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return "";
}

RealServer StartAlertmanager() {
  const std::string bin = FindBinary("prometheus-alertmanager");
  if (bin.empty()) {
    return RealServer{nullptr, "", "prometheus-alertmanager is not installed"};
  }
  const std::string config = WriteTempFile("alertmanager.yml",
                                           "route:\n"
                                           "  receiver: \"null\"\n"
                                           "  group_wait: 0s\n"
                                           "receivers:\n"
                                           "  - name: \"null\"\n");
  const std::string dir = config.substr(0, config.rfind('/'));
  return Start(
      {bin, "--config.file=" + config, "--storage.path=" + dir + "/data",
       "--web.listen-address=127.0.0.1:0", "--cluster.listen-address=", "--log.level=info"},
      "alertmanager");
}

RealServer StartAlertmanager(const AlertmanagerOptions& options) {
  const std::string bin = FindBinary("prometheus-alertmanager");
  if (bin.empty()) {
    return RealServer{nullptr, "", "prometheus-alertmanager is not installed"};
  }
  const std::string config = WriteTempFile("alertmanager.yml", options.config_yaml);
  const std::string dir = config.substr(0, config.rfind('/'));
  std::vector<std::string> argv = {bin, "--config.file=" + config,
                                   "--storage.path=" + dir + "/data",
                                   "--web.listen-address=127.0.0.1:0", "--log.level=info"};
  argv.push_back(options.cluster ? "--cluster.listen-address=127.0.0.1:0"
                                 : "--cluster.listen-address=");
  for (const std::string& peer : options.peers) {
    argv.push_back("--cluster.peer=" + peer);
  }
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  return Start(std::move(argv), "alertmanager");
}

std::string AlertmanagerGossipAddress(const RealServer& am) {
  if (!am.ok()) {
    return "";
  }
  const nlohmann::json status = GetJson(am.base_url + "/api/v2/status");
  if (!status.is_object() || !status.contains("cluster") || !status["cluster"].is_object()) {
    return "";
  }
  const nlohmann::json& cluster = status["cluster"];
  const std::string self = cluster.value("name", "");
  for (const auto& peer : cluster.value("peers", nlohmann::json::array())) {
    if (peer.is_object() && peer.value("name", "") == self) {
      return peer.value("address", "");
    }
  }
  return "";
}

RealServer StartPrometheus(const std::string& config_yaml,
                           const std::map<std::string, std::string>& files) {
  const std::string bin = FindBinary("prometheus");
  if (bin.empty()) {
    return RealServer{nullptr, "", "prometheus is not installed"};
  }
  const std::string config = WriteTempFile("prometheus.yml", config_yaml);
  const std::string dir = config.substr(0, config.rfind('/'));
  for (const auto& [name, content] : files) {
    std::ofstream(dir + "/" + name) << content;
  }
  return Start({bin, "--config.file=" + config, "--storage.tsdb.path=" + dir + "/data",
                "--web.listen-address=127.0.0.1:0"},
               "prometheus");
}

bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout,
               std::chrono::milliseconds interval) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(interval);  // polling interval, not synchronisation
  }
  return true;
}

std::string ShippedRulesWithFor(const std::string& for_value) {
  std::ifstream in(std::string(NCA_SOURCE_DIR) + "/rules/prometheus/neo4j-cluster.rules.yml");
  std::stringstream ss;
  ss << in.rdbuf();
  return std::regex_replace(ss.str(), std::regex(R"(\bfor: \d+[smh])"), "for: " + for_value);
}

}  // namespace nca::testing
