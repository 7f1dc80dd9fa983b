// Test-only HTTP client for the simulator tests (libcurl; request headers, Basic auth and
// response headers, which the shared support fetcher does not expose).
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/config.h"

namespace nca::sim::testing {

inline constexpr char kUser[] = "neo4j";
inline constexpr char kPassword[] = "test-password";

// Three small clusters (3 primaries + 1 secondary each): "v4" (4.4.26, members v4-1..v4-4),
// "v5" (5.26.0) and "cal" (2025.10.1); credentials kUser/kPassword; no ticker thread; members
// keep idle connections alive for 60 s.
SimConfig TestTopology();

struct Reply {
  int status = 0;     // 0: transport error
  int curl_code = 0;  // CURLcode (7 = connection refused, 28 = timeout)
  std::string error;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
  double seconds = 0;

  std::string Header(const std::string& name) const;
};

struct Request {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::string basic_user;  // sets Authorization: Basic when non-empty
  std::string basic_password;
  std::chrono::milliseconds timeout{5000};
};

Reply Send(const Request& request);

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
