// Reads Neo4j credentials from the sources named in CredentialsConfig (files first, then
// environment variables). Values are held in Credentials, which deliberately has no
// operator<<, no fmt formatter and no ToString: they cannot end up in a log line by accident.
#pragma once

#include <string>

#include "common/result.h"
#include "config/config.h"

namespace nca::config {

class Credentials {
 public:
  Credentials() = default;
  Credentials(std::string username, std::string password)
      : username_(std::move(username)), password_(std::move(password)) {}

  bool empty() const { return username_.empty() && password_.empty(); }
  const std::string& username() const { return username_; }
  const std::string& password() const { return password_; }

 private:
  std::string username_;
  std::string password_;
};

// Reads the files (trailing newline/whitespace trimmed) or environment variables. Files are
// re-read on every call, so rotated Kubernetes Secrets are picked up without a restart.
// No credentials configured at all -> empty Credentials (auth disabled on the server).
// A configured file that cannot be read -> kInvalidArgument naming the file (not its content).
Result<Credentials> ResolveCredentials(const CredentialsConfig& source);

}  // namespace nca::config
