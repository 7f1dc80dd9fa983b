// Blocking libcurl GET for tests (the product's client is neo4j/http_engine.h; tests use their
// own small fetcher so that they do not depend on the code under test).
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace nca::testing {

struct FetchResult {
  int status = 0;  // 0: transport error (see error)
  std::string body;
  std::string content_type;
  std::string error;
  double seconds = 0;
};

FetchResult HttpGet(const std::string& url,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10),
                    const std::string& method = "GET");
FetchResult HttpPost(const std::string& url, const std::string& body,
                     const std::string& content_type = "application/json",
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

// GET `url` and parse the body as JSON; a null json unless the answer is 200 with valid JSON.
nlohmann::json GetJson(const std::string& url,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Percent-encodes everything but RFC 3986's unreserved characters (for query parameters).
std::string UrlEncodeQuery(const std::string& s);

}  // namespace nca::testing
