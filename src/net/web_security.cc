#include "net/web_security.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "common/base64.h"
#include "common/logging.h"
#include "net/bcrypt.h"
#include "net/http1.h"

namespace nca::net {
namespace {

// exporter-toolkit web/handler.go: the hash unknown users are compared against, a bcrypt hash of
// "fakepassword", so that a request for an unknown user takes as long as one for a known user.
constexpr char kFakeHash[] = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";
// exporter-toolkit web/cache.go cacheSize.
constexpr std::size_t kCacheSize = 100;

// Go's Request.BasicAuth: "Basic " (any case) then base64 of "user:password".
bool BasicAuth(const HttpRequest& request, std::string& user, std::string& password) {
  auto it = request.headers.find("authorization");
  if (it == request.headers.end()) {
    return false;
  }
  const std::string& value = it->second;
  constexpr std::string_view kPrefix = "basic ";
  if (value.size() < kPrefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < kPrefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kPrefix[i]) {
      return false;
    }
  }
  std::optional<std::string> decoded = DecodeBase64(std::string_view(value).substr(kPrefix.size()));
  if (!decoded) {
    return false;
  }
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) {
    return false;
  }
  user = decoded->substr(0, colon);
  password = decoded->substr(colon + 1);
  return true;
}

}  // namespace

WebSecurity::Stamp WebSecurity::StampOf(const std::string& path) {
  Stamp s;
  struct stat st {};
  if (path.empty() || stat(path.c_str(), &st) != 0) {
    return s;
  }
  s.exists = true;
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  s.size = st.st_size;
  s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return s;
}

WebSecurity::WebSecurity(std::string path, std::string logger_name, SteadyNow now)
    : path_(std::move(path)), logger_name_(std::move(logger_name)), now_(std::move(now)) {}

Result<std::unique_ptr<WebSecurity>> WebSecurity::Load(const std::string& path,
                                                       std::string logger_name, SteadyNow now) {
  if (!now) {
    now = [] { return std::chrono::steady_clock::now(); };
  }
  std::unique_ptr<WebSecurity> s(new WebSecurity(path, std::move(logger_name), std::move(now)));
  s->stamp_ = StampOf(path);
  Result<config::WebConfigFile> file = config::LoadWebConfigFile(path);
  if (!file.ok()) {
    return file.error();
  }
  s->config_ = std::make_shared<const config::WebConfigFile>(std::move(*file));
  s->tls_enabled_ = s->config_->tls.Enabled();
  if (s->tls_enabled_) {
    std::string key;
    auto tls = ServerTls::Build(s->config_->tls, &key);
    if (!tls.ok()) {
      auto line = s->config_->tls.lines.find(key);
      const std::string where =
          line == s->config_->tls.lines.end() ? path : path + ":" + std::to_string(line->second);
      return MakeError(ErrorKind::kInvalidArgument, where + ": tls_server_config" +
                                                        (key.empty() ? "" : "." + key) + ": " +
                                                        tls.error().message);
    }
    s->tls_ = std::move(*tls);
    s->tls_stamps_ = s->TlsStampsLocked();
  }
  s->limit_interval_ = s->config_->rate_limit_interval_seconds;
  s->limit_burst_ = s->config_->rate_limit_burst;
  s->tokens_ = s->limit_burst_;
  s->tokens_at_ = s->now_();
  s->worker_ = std::thread([raw = s.get()] { raw->Work(); });
  return s;
}

WebSecurity::~WebSecurity() {
  {
    std::lock_guard lock(work_mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  if (worker_.joinable()) {
    worker_.join();
  }
}

std::vector<WebSecurity::Stamp> WebSecurity::TlsStampsLocked() const {
  const auto& t = config_->tls;
  return {stamp_, StampOf(t.cert_file), StampOf(t.key_file), StampOf(t.client_ca_file)};
}

void WebSecurity::RefreshLocked() {
  const Stamp now = StampOf(path_);
  if (now == stamp_ && !broken_) {
    return;
  }
  if (broken_ && now == failed_stamp_) {
    return;  // still the same bad file
  }
  auto log = GetLogger(logger_name_);
  Result<config::WebConfigFile> file = config::LoadWebConfigFile(path_);
  if (!file.ok()) {
    broken_ = true;
    failed_stamp_ = now;
    stats_.last_reload_ok = false;
    ++stats_.reload_failures;
    // exporter-toolkit: "Unable to parse configuration"; every request gets 500 until fixed.
    log->error(
        "msg=\"Unable to parse web configuration; answering 500 until it is fixed\" file={} "
        "err={}",
        LogQuote(path_), LogQuote(file.error().message));
    return;
  }
  broken_ = false;
  stamp_ = now;
  stats_.last_reload_ok = true;
  ++stats_.reloads;
  config_ = std::make_shared<const config::WebConfigFile>(std::move(*file));
  if (config_->rate_limit_interval_seconds != limit_interval_ ||
      config_->rate_limit_burst != limit_burst_) {
    limit_interval_ = config_->rate_limit_interval_seconds;
    limit_burst_ = config_->rate_limit_burst;
    tokens_ = limit_burst_;
    tokens_at_ = now_();
  }
  log->info("msg=\"web configuration reloaded\" file={} tls={} users={} headers={}",
            LogQuote(path_), config_->tls.Enabled(), config_->basic_auth_users.size(),
            config_->headers.size());
}

std::shared_ptr<const ServerTls> WebSecurity::TlsForNewConnection() {
  std::lock_guard lock(mu_);
  RefreshLocked();
  if (broken_) {
    return nullptr;
  }
  if (!config_->tls.Enabled()) {
    if (tls_failed_stamps_ != std::vector<Stamp>{stamp_}) {
      tls_failed_stamps_ = {stamp_};
      GetLogger(logger_name_)
          ->error(
              "msg=\"TLS was switched off in the web configuration; refusing connections "
              "(switching between HTTP and HTTPS needs a restart)\" file={}",
              LogQuote(path_));
    }
    return nullptr;
  }
  std::vector<Stamp> stamps = TlsStampsLocked();
  if (stamps == tls_stamps_ && tls_ != nullptr) {
    return tls_;
  }
  if (stamps == tls_failed_stamps_) {
    return nullptr;
  }
  std::string key;
  auto built = ServerTls::Build(config_->tls, &key);
  if (!built.ok()) {
    tls_failed_stamps_ = stamps;
    stats_.last_reload_ok = false;
    ++stats_.reload_failures;
    GetLogger(logger_name_)
        ->error(
            "msg=\"cannot load the TLS certificate; refusing connections until it is fixed\" "
            "file={} key={} err={}",
            LogQuote(path_), LogQuote("tls_server_config." + key), LogQuote(built.error().message));
    return nullptr;
  }
  tls_ = std::move(*built);
  tls_stamps_ = std::move(stamps);
  tls_failed_stamps_.clear();
  stats_.last_reload_ok = true;
  GetLogger(logger_name_)->info("msg=\"TLS certificate loaded\" file={}", LogQuote(path_));
  return tls_;
}

GateDecision WebSecurity::Deny(int status,
                               std::vector<std::pair<std::string, std::string>> headers) const {
  // As Go's http.Error: text/plain and nosniff (once, if the configuration sets it too).
  if (std::none_of(headers.begin(), headers.end(),
                   [](const auto& h) { return h.first == "X-Content-Type-Options"; })) {
    headers.emplace_back("X-Content-Type-Options", "nosniff");
  }
  GateDecision d;
  d.response =
      ServerResponse::Text(status, std::string(ReasonPhrase(status)) + "\n");  // as http.Error
  d.headers = std::move(headers);
  return d;
}

std::optional<GateDecision> WebSecurity::Gate(const HttpRequest& request, GateDone done) {
  std::unique_lock lock(mu_);
  RefreshLocked();
  if (broken_) {
    return Deny(500, {});
  }
  if (limit_interval_ > 0) {
    const auto now = now_();
    const double elapsed = std::chrono::duration<double>(now - tokens_at_).count();
    tokens_ = std::min<double>(limit_burst_, tokens_ + elapsed / limit_interval_);
    tokens_at_ = now;
    if (tokens_ < 1) {
      return Deny(429, {});
    }
    tokens_ -= 1;
  }
  std::vector<std::pair<std::string, std::string>> headers(config_->headers.begin(),
                                                           config_->headers.end());
  if (config_->basic_auth_users.empty()) {
    GateDecision pass;
    pass.headers = std::move(headers);
    return pass;
  }
  std::string user;
  std::string password;
  if (!BasicAuth(request, user, password)) {
    headers.emplace_back("WWW-Authenticate", "Basic");
    return Deny(401, std::move(headers));
  }
  auto it = config_->basic_auth_users.find(user);
  const bool valid_user = it != config_->basic_auth_users.end();
  const std::string hash = valid_user ? it->second : std::string(kFakeHash);
  CacheKey key{user, hash, password};
  if (auto cached = cache_.find(key); cached != cache_.end()) {
    if (cached->second && valid_user) {
      GateDecision pass;
      pass.headers = std::move(headers);
      return pass;
    }
    headers.emplace_back("WWW-Authenticate", "Basic");
    return Deny(401, std::move(headers));
  }
  lock.unlock();
  {
    std::lock_guard work_lock(work_mu_);
    jobs_.push_back(Job{hash, std::move(password), valid_user, std::move(key), std::move(headers),
                        std::move(done)});
  }
  work_cv_.notify_one();
  return std::nullopt;
}

void WebSecurity::CacheSetLocked(const CacheKey& key, bool ok) {
  if (cache_.size() >= kCacheSize && cache_.find(key) == cache_.end()) {
    auto victim = cache_.begin();
    std::advance(victim, std::uniform_int_distribution<std::size_t>(0, cache_.size() - 1)(rng_));
    cache_.erase(victim);
  }
  cache_[key] = ok;
}

void WebSecurity::Work() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(work_mu_);
      work_cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
      if (stop_) {
        return;
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    const bool ok = BcryptMatches(job.hash, job.password) && job.valid_user;
    {
      std::lock_guard lock(mu_);
      CacheSetLocked(job.cache_key, ok);
    }
    if (ok) {
      GateDecision pass;
      pass.headers = std::move(job.headers);
      job.done(std::move(pass));
    } else {
      job.headers.emplace_back("WWW-Authenticate", "Basic");
      job.done(Deny(401, std::move(job.headers)));
    }
  }
}

WebSecurity::Stats WebSecurity::GetStats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace nca::net
