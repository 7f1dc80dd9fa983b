#include "sim_test_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace nca::sim::testing {
namespace {

size_t AppendBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

size_t AppendHeader(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  auto* headers = static_cast<std::map<std::string, std::string>*>(out);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) {
      value.erase(value.begin());
    }
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) {
      value.pop_back();
    }
    (*headers)[name] = value;
  }
  return size * n;
}

}  // namespace

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

std::string Reply::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

Reply Send(const Request& request) {
  Reply r;
  CURL* curl = curl_easy_init();
  curl_slist* headers = nullptr;
  for (const auto& h : request.headers) {
    headers = curl_slist_append(headers, h.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &AppendHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r.headers);
  if (!request.basic_user.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, request.basic_user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, request.basic_password.c_str());
  }
  if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (headers != nullptr) {
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  }
  CURLcode rc = curl_easy_perform(curl);
  r.curl_code = static_cast<int>(rc);
  if (rc != CURLE_OK) {
    r.error = curl_easy_strerror(rc);
  } else {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    r.status = static_cast<int>(status);
  }
  curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME, &r.seconds);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return r;
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
