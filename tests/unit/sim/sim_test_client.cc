#include "sim_test_client.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace nca::sim::testing {

SimConfig TestTopology() {
  SimConfig config;
  config.ticker = TickerMode::kOff;
  config.member_threads = 4;
  // Keep-alive as Jetty: answers that end early (truncated, oversized) must still close at once,
  // which a minute-long idle timeout would otherwise hide behind the client's own timeout.
  config.keep_alive_timeout = std::chrono::seconds(60);
  for (const auto& [name, version] : std::vector<std::pair<std::string, std::string>>{
           {"v4", "4.4.26"}, {"v5", "5.26.0"}, {"cal", "2025.10.1"}}) {
    ClusterSpec c;
    c.name = name;
    c.version = version;
    c.username = kUser;
    c.password = kPassword;
    for (int i = 1; i <= 4; ++i) {
      MemberSpec m;
      m.name = name + "-" + std::to_string(i);
      m.mode = i <= 3 ? MemberMode::kPrimary : MemberMode::kSecondary;
      c.members.push_back(m);
    }
    config.clusters.push_back(std::move(c));
  }
  return config;
}

Reply Get(const std::string& url, const std::string& user, const std::string& password,
          std::chrono::milliseconds timeout) {
  Request req;
  req.url = url;
  req.headers = {"Accept: application/json"};
  req.basic_user = user;
  req.basic_password = password;
  req.timeout = timeout;
  return Send(req);
}

Reply PostJson(const std::string& url, const std::string& body, const std::string& user,
               const std::string& password) {
  Request req;
  req.method = "POST";
  req.url = url;
  req.body = body;
  req.headers = {"Accept: application/json;charset=UTF-8", "Content-Type: application/json"};
  req.basic_user = user;
  req.basic_password = password;
  return Send(req);
}

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(NCA_FIXTURE_DIR) + "/neo4j/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json FixtureJson(const std::string& name) {
  return nlohmann::json::parse(ReadFixture(name), nullptr, /*allow_exceptions=*/false);
}

std::vector<std::string> Keys(const nlohmann::json& object) {
  std::vector<std::string> keys;
  if (object.is_object()) {
    for (const auto& [k, v] : object.items()) {
      keys.push_back(k);
    }
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace nca::sim::testing
