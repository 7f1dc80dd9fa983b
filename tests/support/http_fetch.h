// Blocking libcurl GET for tests (the product's client is neo4j/http_engine.h; tests use their
// own small fetcher so that they do not depend on the code under test).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nca::testing {

// One request of the tests' client: any method, request headers, a body, Basic credentials.
struct HttpRequest {
  std::string method = "GET";  // HEAD asks for no body; POST and others send `body`
  std::string url;
  std::vector<std::string> headers;  // sent as given: "Name: value"
  std::string body;
  std::string basic_user;  // sets Authorization: Basic when non-empty
  std::string basic_password;
  std::chrono::milliseconds timeout{5000};
};

struct HttpReply {
  int status = 0;     // 0: transport error (see error)
  int curl_code = 0;  // CURLcode (7 = connection refused, 28 = timeout)
  std::string error;
  std::map<std::string, std::string> headers;  // lower-cased names, the last value of each
  std::string body;                            // as received (not decoded)
  double seconds = 0;

  // The header's value ("" when absent); `name` lower-case.
  std::string Header(const std::string& name) const;
};

// Blocking request over libcurl, never through a proxy from the environment.
HttpReply HttpSend(const HttpRequest& request);

// libcurl callbacks for tests that drive an easy handle themselves: CURLOPT_WRITEFUNCTION
// appending to a std::string, and CURLOPT_HEADERFUNCTION recording "Name: value" lines into a
// std::map<std::string, std::string> (lower-cased names, surrounding blanks trimmed).
std::size_t AppendToString(char* data, std::size_t size, std::size_t n, void* out);
std::size_t RecordHeader(char* data, std::size_t size, std::size_t n, void* out);

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
