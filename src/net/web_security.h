// WebSecurity: the --web.config.file of the agent's web server, applied to every request the way
// exporter-toolkit applies it (prometheus/exporter-toolkit web/handler.go, web/tls_config.go):
//   - the file is validated completely at start (YAML, users' bcrypt hashes, headers, and the TLS
//     certificate, key and CA): a bad file is an error before any port is bound;
//   - it is re-read when it changes (checked at every request and every new connection by the
//     file's identity: device, inode, size, modification time; so a Kubernetes Secret update,
//     which swaps a symlink, is seen at once). A file that became bad fails closed: requests get
//     500 and new TLS connections are closed, with one error log per change, until it is fixed;
//   - TLS certificate, key and CA files are read again for new connections when they change;
//     whether the server speaks TLS at all is decided at start (as exporter-toolkit: switching
//     between HTTP and HTTPS needs a restart);
//   - each request: rate limit (token bucket, 429), the configured headers, then basic auth when
//     users are configured (401 with "WWW-Authenticate: Basic"). Unknown users are compared
//     against a fixed hash so that timing does not tell which users exist; results are cached
//     (100 entries, random eviction) by user, hash and password.
// bcrypt comparisons run one at a time on the object's own worker thread, never on the server's
// loop: an uncached password delays only its own request.
//
// Thread-safety: all public methods are thread-safe (one mutex; the worker has its own queue).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "common/result.h"
#include "config/web_config_file.h"
#include "net/event_server.h"
#include "net/tls.h"

namespace nca::net {

class WebSecurity {
 public:
  using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;

  // Loads and validates `path` (and the files it names). Errors read
  // "<path>:<line>:<col>: <key>: <exporter-toolkit's message>".
  static Result<std::unique_ptr<WebSecurity>> Load(const std::string& path,
                                                   std::string logger_name = "exporter.web",
                                                   SteadyNow now = {});
  ~WebSecurity();
  WebSecurity(const WebSecurity&) = delete;
  WebSecurity& operator=(const WebSecurity&) = delete;

  // Whether the server speaks TLS (fixed at Load).
  bool TlsEnabled() const { return tls_enabled_; }
  // For EventServerOptions::tls: the TLS context for a new connection, rebuilt when the files
  // changed; nullptr when the configuration is broken now (logged).
  std::shared_ptr<const ServerTls> TlsForNewConnection();
  // For EventServerOptions::gate.
  std::optional<GateDecision> Gate(const HttpRequest& request, GateDone done);

  struct Stats {
    bool last_reload_ok = true;    // the file as it is now is in force
    uint64_t reload_failures = 0;  // changes that could not be applied
    uint64_t reloads = 0;          // changes applied (not counting the load at start)
  };
  Stats GetStats() const;

 private:
  // What identifies a file's content without reading it.
  struct Stamp {
    bool exists = false;
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const Stamp& o) const {
      return exists == o.exists && dev == o.dev && ino == o.ino && size == o.size &&
             mtime_ns == o.mtime_ns;
    }
    bool operator!=(const Stamp& o) const { return !(*this == o); }
  };
  static Stamp StampOf(const std::string& path);
  // (user, hash, password): exporter-toolkit's cache key.
  using CacheKey = std::tuple<std::string, std::string, std::string>;
  struct Job {
    std::string hash;
    std::string password;
    bool valid_user = false;
    CacheKey cache_key;
    std::vector<std::pair<std::string, std::string>> headers;
    GateDone done;
  };

  WebSecurity(std::string path, std::string logger_name, SteadyNow now);
  // Re-reads the file when it changed. Requires mu_.
  void RefreshLocked();
  std::vector<Stamp> TlsStampsLocked() const;
  GateDecision Deny(int status, std::vector<std::pair<std::string, std::string>> headers) const;
  void CacheSetLocked(const CacheKey& key, bool ok);
  void Work();

  const std::string path_;
  const std::string logger_name_;
  const SteadyNow now_;
  bool tls_enabled_ = false;

  mutable std::mutex mu_;
  std::shared_ptr<const config::WebConfigFile> config_;  // the one in force
  Stamp stamp_;                                          // of the file config_ came from
  Stamp failed_stamp_;                                   // of the last file that failed
  bool broken_ = false;
  Stats stats_;
  std::shared_ptr<const ServerTls> tls_;
  std::vector<Stamp> tls_stamps_;  // config + cert/key/CA files tls_ was built from
  std::vector<Stamp> tls_failed_stamps_;
  // Token bucket (rate_limit).
  double tokens_ = 0;
  std::chrono::steady_clock::time_point tokens_at_{};
  double limit_interval_ = 0;
  int limit_burst_ = 0;
  // Basic auth results, as exporter-toolkit's cache.
  std::map<CacheKey, bool> cache_;
  std::mt19937 rng_{std::random_device{}()};

  std::mutex work_mu_;
  std::condition_variable work_cv_;
  std::deque<Job> jobs_;  // guarded by work_mu_
  bool stop_ = false;     // guarded by work_mu_
  std::thread worker_;
};

}  // namespace nca::net
