// Reads Neo4j credentials from the sources named in CredentialsConfig (files first, then
// environment variables). Values are held in Credentials, which deliberately has no
// operator<<, no fmt formatter and no ToString: they cannot end up in a log line by accident.
#pragma once

#include <string>
#include <string_view>

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
// An auth_file is used alone (ParseNeo4jAuth). No credentials configured at all -> empty
// Credentials (auth disabled on the server). A configured file that cannot be read, or an
// auth_file that is not "user/password" -> kInvalidArgument naming the file (not its content).
Result<Credentials> ResolveCredentials(const CredentialsConfig& source);

// The content of a NEO4J_AUTH file, as the Neo4j Helm chart keeps it in its Secret (key
// NEO4J_AUTH, value "neo4j/<password>"): user and password split at the FIRST '/' (the password
// may contain '/'); trailing newline/whitespace ignored. "none" (NEO4J_AUTH=none: auth disabled)
// -> empty Credentials. No '/', an empty user or an empty password -> kInvalidArgument naming
// `file` but never the content. Pure.
Result<Credentials> ParseNeo4jAuth(std::string_view content, const std::string& file);

}  // namespace nca::config
