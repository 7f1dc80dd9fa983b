#include "config/credentials.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <system_error>
#include <utility>

namespace nca::config {
namespace {

// Credentials files are tiny; anything bigger is a misconfiguration (wrong path).
constexpr std::size_t kMaxCredentialFileBytes = 64 * 1024;

std::string OsReason(int err) { return std::error_code(err, std::generic_category()).message(); }

void TrimTrailing(std::string& s) {
  while (!s.empty() &&
         (s.back() == '\r' || s.back() == '\n' || s.back() == '\t' || s.back() == ' ')) {
    s.pop_back();
  }
}

// Reads a whole (small) file. Errors name `what` and the path, never the content.
Result<std::string> ReadSecretFile(const std::string& path, const char* what) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    int err = errno;
    return MakeError(ErrorKind::kInvalidArgument,
                     std::string("cannot read ") + what + " file " + path + ": " + OsReason(err));
  }
  std::string out;
  char buf[4096];
  bool too_large = false;
  while (true) {
    std::size_t n = std::fread(buf, 1, sizeof(buf), f);
    out.append(buf, n);
    if (out.size() > kMaxCredentialFileBytes) {
      too_large = true;
      break;
    }
    if (n < sizeof(buf)) {
      break;
    }
  }
  int read_err = std::ferror(f) != 0 ? errno : 0;
  std::fclose(f);
  if (read_err != 0) {
    return MakeError(ErrorKind::kInvalidArgument, std::string("cannot read ") + what + " file " +
                                                      path + ": " + OsReason(read_err));
  }
  if (too_large) {
    return MakeError(ErrorKind::kInvalidArgument,
                     std::string(what) + " file " + path + " is larger than " +
                         std::to_string(kMaxCredentialFileBytes) + " bytes");
  }
  TrimTrailing(out);
  if (out.empty()) {
    return MakeError(ErrorKind::kInvalidArgument,
                     std::string(what) + " file " + path + " is empty");
  }
  return out;
}

// One credential part: from its file when configured, else from its environment variable when
// that is set and non-empty, else absent. `origin` describes where it came from (for messages).
struct Part {
  std::optional<std::string> value;
  std::string origin;
};

Result<Part> ResolvePart(const std::string& file, const std::string& env, const char* what) {
  Part part;
  if (!file.empty()) {
    auto content = ReadSecretFile(file, what);
    if (!content.ok()) {
      return content.error();
    }
    part.value = std::move(content).value();
    part.origin = "file " + file;
    return part;
  }
  if (!env.empty()) {
    // getenv is safe here: the agent never modifies its environment after start-up.
    const char* v = std::getenv(env.c_str());
    if (v != nullptr && *v != '\0') {
      part.value = std::string(v);
      part.origin = "environment variable " + env;
    }
  }
  return part;
}

std::string Sources(const std::string& env, const char* what) {
  std::string out = std::string(what) + "_file is not set";
  if (!env.empty()) {
    out += " and environment variable " + env + " is unset or empty";
  }
  return out;
}

}  // namespace

Result<Credentials> ParseNeo4jAuth(std::string_view content, const std::string& file) {
  while (!content.empty() && (content.back() == '\r' || content.back() == '\n' ||
                              content.back() == '\t' || content.back() == ' ')) {
    content.remove_suffix(1);
  }
  if (content == "none") {
    return Credentials();
  }
  const std::string what = "auth file " + file + ": ";
  const std::size_t slash = content.find('/');
  if (slash == std::string_view::npos) {
    return MakeError(ErrorKind::kInvalidArgument,
                     what + "want \"user/password\" (as NEO4J_AUTH) or \"none\", found no '/'");
  }
  if (slash == 0) {
    return MakeError(ErrorKind::kInvalidArgument,
                     what + "the user (before the first '/') is empty");
  }
  if (slash + 1 == content.size()) {
    return MakeError(ErrorKind::kInvalidArgument,
                     what + "the password (after the first '/') is empty");
  }
  return Credentials(std::string(content.substr(0, slash)), std::string(content.substr(slash + 1)));
}

Result<Credentials> ResolveCredentials(const CredentialsConfig& source) {
  if (!source.auth_file.empty()) {
    auto content = ReadSecretFile(source.auth_file, "auth");
    if (!content.ok()) {
      return content.error();
    }
    return ParseNeo4jAuth(*content, source.auth_file);
  }
  auto user = ResolvePart(source.username_file, source.username_env, "username");
  if (!user.ok()) {
    return user.error();
  }
  auto pass = ResolvePart(source.password_file, source.password_env, "password");
  if (!pass.ok()) {
    return pass.error();
  }
  bool has_user = user->value.has_value();
  bool has_pass = pass->value.has_value();
  if (!has_user && !has_pass) {
    return Credentials();
  }
  if (has_user && !has_pass) {
    return MakeError(ErrorKind::kInvalidArgument, "password is missing: the username comes from " +
                                                      user->origin + " but " +
                                                      Sources(source.password_env, "password"));
  }
  if (!has_user && has_pass) {
    return MakeError(ErrorKind::kInvalidArgument, "username is missing: the password comes from " +
                                                      pass->origin + " but " +
                                                      Sources(source.username_env, "username"));
  }
  return Credentials(std::move(*user->value), std::move(*pass->value));
}

}  // namespace nca::config
