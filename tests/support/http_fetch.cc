#include "support/http_fetch.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <utility>

namespace nca::testing {

std::size_t AppendToString(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::size_t RecordHeader(char* data, std::size_t size, std::size_t n, void* out) {
  const std::string line(data, size * n);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    value.erase(value.find_last_not_of("\r\n ") + 1);
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return size * n;
}

std::string HttpReply::Header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

HttpReply HttpSend(const HttpRequest& request) {
  HttpReply r;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    r.curl_code = static_cast<int>(CURLE_FAILED_INIT);
    r.error = "curl_easy_init failed";
    return r;
  }
  curl_slist* headers = nullptr;
  for (const auto& h : request.headers) {
    headers = curl_slist_append(headers, h.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendToString);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &RecordHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r.headers);
  if (!request.basic_user.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, request.basic_user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, request.basic_password.c_str());
  }
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    if (request.method == "POST" || !request.body.empty()) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    }
    if (request.method != "POST") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }
  if (headers != nullptr) {
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  }
  const CURLcode rc = curl_easy_perform(curl);
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

namespace {

FetchResult Perform(const std::string& url, const std::string& method, const std::string* body,
                    const std::string& content_type, std::chrono::milliseconds timeout) {
  HttpRequest request;
  request.method = method;
  request.url = url;
  request.timeout = timeout;
  if (body != nullptr) {
    request.body = *body;
    request.headers = {"Content-Type: " + content_type};
  }
  HttpReply reply = HttpSend(request);
  FetchResult r;
  r.status = reply.status;
  r.body = std::move(reply.body);
  r.content_type = reply.status != 0 ? reply.Header("content-type") : "";
  r.error = std::move(reply.error);
  r.seconds = reply.seconds;
  return r;
}

}  // namespace

FetchResult HttpGet(const std::string& url, std::chrono::milliseconds timeout,
                    const std::string& method) {
  return Perform(url, method, nullptr, "", timeout);
}

FetchResult HttpPost(const std::string& url, const std::string& body,
                     const std::string& content_type, std::chrono::milliseconds timeout) {
  return Perform(url, "POST", &body, content_type, timeout);
}

nlohmann::json GetJson(const std::string& url, std::chrono::milliseconds timeout) {
  FetchResult r = HttpGet(url, timeout);
  if (r.status != 200) {
    return nlohmann::json();
  }
  return nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
}

std::string UrlEncodeQuery(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace nca::testing
