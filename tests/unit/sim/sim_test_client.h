// Helpers of the simulator tests: the topology they start, requests with the simulated
// members' credentials over the shared test client, and the Neo4j fixtures.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/config.h"
#include "support/http_fetch.h"

namespace nca::sim::testing {

inline constexpr char kUser[] = "neo4j";
inline constexpr char kPassword[] = "test-password";

// Three small clusters (3 primaries + 1 secondary each): "v4" (4.4.26, members v4-1..v4-4),
// "v5" (5.26.0) and "cal" (2025.10.1); credentials kUser/kPassword; no ticker thread; members
// keep idle connections alive for 60 s.
SimConfig TestTopology();

// The shared test client (tests/support/http_fetch.h).
using Reply = nca::testing::HttpReply;
using Request = nca::testing::HttpRequest;
inline Reply Send(const Request& request) { return nca::testing::HttpSend(request); }

// GET with Accept: application/json and Basic credentials (when `user` is non-empty).
Reply Get(const std::string& url, const std::string& user = "", const std::string& password = "",
          std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
// POST of a JSON body with Basic credentials.
Reply PostJson(const std::string& url, const std::string& body, const std::string& user = "",
               const std::string& password = "");

// Reads tests/fixtures/neo4j/<name>.
std::string ReadFixture(const std::string& name);
nlohmann::json FixtureJson(const std::string& name);

// Sorted key names of a JSON object (empty for non-objects).
std::vector<std::string> Keys(const nlohmann::json& object);

}  // namespace nca::sim::testing
