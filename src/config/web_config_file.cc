#include "config/web_config_file.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <utility>

#include "common/files.h"
#include "config/yaml_walker.h"
#include "net/bcrypt.h"

namespace nca::config {
namespace {

using walk::Field;
using walk::Fields;
using walk::Walker;

// exporter-toolkit web/handler.go extraHTTPHeaders: the headers a user may set, with the values
// allowed where the header has a fixed vocabulary (none listed: any value).
const std::vector<std::pair<std::string, std::vector<std::string>>>& ExtraHeaders() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> kHeaders = {
      {"Strict-Transport-Security", {}},
      {"X-Content-Type-Options", {"nosniff"}},
      {"X-Frame-Options", {"deny", "sameorigin"}},
      {"X-XSS-Protection", {}},
      {"Content-Security-Policy", {}},
  };
  return kHeaders;
}

// Go's %q of a []string: ["a" "b"].
std::string GoQuotedList(const std::vector<std::string>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    out += (i == 0 ? "\"" : " \"") + values[i] + "\"";
  }
  return out + "]";
}

// config_util.JoinDir: a relative, non-empty path is taken relative to `dir`.
std::string JoinDir(const std::string& dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || dir.empty()) {
    return path;
  }
  return dir + "/" + path;
}

std::string DirOf(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? "/" : path.substr(0, slash);
}

int TlsVersion(const Walker& w, const Field& f) {
  static const std::vector<std::pair<std::string, int>> kVersions = {
      {"TLS10", kTls10}, {"TLS11", kTls11}, {"TLS12", kTls12}, {"TLS13", kTls13}};
  const std::string s = walk::GetString(w, f);
  for (const auto& [name, v] : kVersions) {
    if (name == s) {
      return v;
    }
  }
  w.Fail(f.value, f.path, "unknown TLS version: " + s);
}

ClientAuthPolicy ClientAuth(const Walker& w, const Field& f) {
  const std::string s = walk::GetString(w, f);
  if (s.empty() || s == "NoClientCert") {
    return ClientAuthPolicy::kNoClientCert;
  }
  if (s == "RequestClientCert") {
    return ClientAuthPolicy::kRequestClientCert;
  }
  if (s == "RequireAnyClientCert" || s == "RequireClientCert") {
    return ClientAuthPolicy::kRequireAnyClientCert;
  }
  if (s == "VerifyClientCertIfGiven") {
    return ClientAuthPolicy::kVerifyClientCertIfGiven;
  }
  if (s == "RequireAndVerifyClientCert") {
    return ClientAuthPolicy::kRequireAndVerifyClientCert;
  }
  w.Fail(f.value, f.path, "invalid ClientAuth: " + s);
}

void ParseTls(const Walker& w, const Field& section, const std::string& dir, TlsServerSettings& t) {
  Fields f(w, section.value, section.path,
           {"cert", "key", "client_ca", "cert_file", "key_file", "client_auth_type",
            "client_ca_file", "client_allowed_sans", "min_version", "max_version", "cipher_suites",
            "prefer_server_cipher_suites", "curve_preferences"});
  auto str = [&](std::string_view key, std::string& out) {
    if (const Field* x = f.Find(key)) {
      out = walk::GetString(w, *x);
      t.lines[std::string(key)] = x->key_node.Mark().line + 1;
    }
  };
  str("cert", t.cert);
  str("key", t.key);
  str("client_ca", t.client_ca);
  str("cert_file", t.cert_file);
  str("key_file", t.key_file);
  str("client_ca_file", t.client_ca_file);
  t.cert_file = JoinDir(dir, t.cert_file);
  t.key_file = JoinDir(dir, t.key_file);
  t.client_ca_file = JoinDir(dir, t.client_ca_file);
  if (const Field* x = f.Find("client_auth_type")) {
    t.client_auth = ClientAuth(w, *x);
    t.client_auth_set = !walk::GetString(w, *x).empty();
  }
  if (const Field* x = f.Find("client_allowed_sans")) {
    t.has_client_allowed_sans = true;
    t.client_allowed_sans = walk::GetStringList(w, *x, /*unique=*/false);
  }
  if (const Field* x = f.Find("min_version")) {
    t.min_version = TlsVersion(w, *x);
  }
  if (const Field* x = f.Find("max_version")) {
    t.max_version = TlsVersion(w, *x);
  }
  if (t.min_version > t.max_version) {
    const Field* x = f.Find("min_version");
    w.Fail(x != nullptr ? x->value : section.value, walk::JoinPath(section.path, "min_version"),
           "min_version is above max_version: no TLS version could be negotiated");
  }
  if (const Field* x = f.Find("cipher_suites")) {
    walk::ForEachItem(w, *x, [&](const YAML::Node& item, const std::string& path) {
      const std::string name = item.IsScalar() ? item.Scalar() : "";
      const auto& known = KnownCipherSuites();
      if (std::none_of(known.begin(), known.end(),
                       [&](const CipherSuiteName& c) { return name == c.go; })) {
        w.Fail(item, path, "unknown cipher: " + name);
      }
      t.cipher_suites.push_back(name);
    });
  }
  if (const Field* x = f.Find("prefer_server_cipher_suites")) {
    t.prefer_server_cipher_suites = walk::GetBool(w, *x);
  }
  if (const Field* x = f.Find("curve_preferences")) {
    walk::ForEachItem(w, *x, [&](const YAML::Node& item, const std::string& path) {
      const std::string name = item.IsScalar() ? item.Scalar() : "";
      const auto& known = KnownCurves();
      if (std::none_of(known.begin(), known.end(),
                       [&](const CurveName& c) { return name == c.go; })) {
        w.Fail(item, path, "unknown curve: " + name);
      }
      t.curve_preferences.push_back(name);
    });
  }
  if (!t.Enabled()) {
    return;
  }
  // exporter-toolkit validateTLSPaths and ConfigToTLSConfig, in that order (the files are read
  // by net/tls.h).
  if (t.cert_file.empty() && t.cert.empty()) {
    w.Fail(section.value, section.path, "missing one of cert or cert_file");
  }
  if (t.key_file.empty() && t.key.empty()) {
    w.Fail(section.value, section.path, "missing one of key or key_file");
  }
  if ((!t.client_ca_file.empty() || !t.client_ca.empty()) &&
      t.client_auth == ClientAuthPolicy::kNoClientCert) {
    w.Fail(section.value, section.path,
           "client CA's have been configured without a Client Auth Policy");
  }
}

void ParseHttp(const Walker& w, const Field& section, WebConfigFile& out) {
  Fields f(w, section.value, section.path, {"http2", "headers"});
  if (const Field* x = f.Find("http2")) {
    out.http2 = walk::GetBool(w, *x);
  }
  if (const Field* x = f.Find("headers")) {
    out.headers = walk::GetStringMap(w, *x);
    for (auto it = x->value.begin(); it != x->value.end(); ++it) {
      const std::string name = it->first.Scalar();
      const std::string value = it->second.Scalar();
      const auto& known = ExtraHeaders();
      auto k =
          std::find_if(known.begin(), known.end(), [&](const auto& h) { return h.first == name; });
      if (k == known.end()) {
        w.Fail(it->first, walk::JoinPath(x->path, name),
               fmt::format("HTTP header \"{}\" can not be configured", name));
      }
      if (!k->second.empty() &&
          std::find(k->second.begin(), k->second.end(), value) == k->second.end()) {
        w.Fail(it->second, walk::JoinPath(x->path, name),
               fmt::format("invalid value for {}. Expected one of: {}, but got: \"{}\"", name,
                           GoQuotedList(k->second), value));
      }
    }
  }
}

void ParseUsers(const Walker& w, const Field& section, WebConfigFile& out) {
  if (!section.value.IsMap()) {
    w.Fail(section.value, section.path,
           fmt::format("want a mapping of user names to bcrypt hashes, got {}",
                       YamlKindName(section.value)));
  }
  std::map<std::string, int> seen;
  for (auto it = section.value.begin(); it != section.value.end(); ++it) {
    if (!it->first.IsScalar() || !it->second.IsScalar()) {
      w.Fail(it->first, section.path, "want user names mapped to bcrypt hashes (strings)");
    }
    const std::string user = it->first.Scalar();
    const std::string path = walk::JoinPath(section.path, user);
    auto [pos, inserted] = seen.emplace(user, it->first.Mark().line + 1);
    if (!inserted) {
      w.Fail(it->first, path,
             fmt::format("duplicate user {} (first set at line {})", user, pos->second));
    }
    // exporter-toolkit validateUsers: bcrypt.Cost of every hash. The hash is not echoed.
    Result<int> cost = net::BcryptCost(it->second.Scalar());
    if (!cost.ok()) {
      w.Fail(it->second, path, cost.error().message);
    }
    out.basic_auth_users[user] = it->second.Scalar();
  }
}

void ParseRateLimit(const Walker& w, const Field& section, WebConfigFile& out) {
  Fields f(w, section.value, section.path, {"interval", "burst"});
  if (const Field* x = f.Find("interval")) {
    out.rate_limit_interval_seconds = walk::GetDuration(w, *x).count();
  }
  if (const Field* x = f.Find("burst")) {
    out.rate_limit_burst = walk::GetInt(w, *x, 0, 1 << 30);
  }
}

}  // namespace

bool TlsServerSettings::Enabled() const {
  return !cert_file.empty() || !cert.empty() || !key_file.empty() || !key.empty() ||
         !client_ca_file.empty() || !client_ca.empty() || client_auth_set;
}

const std::vector<CipherSuiteName>& KnownCipherSuites() {
  // Go's crypto/tls CipherSuites() (the secure suites), with OpenSSL's names; a unit test checks
  // each pairing against OpenSSL's SSL_CIPHER_standard_name.
  static const std::vector<CipherSuiteName> kSuites = {
      {"TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", true},
      {"TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", true},
      {"TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", true},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA", false},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA", false},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", false},
      {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA", false},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", false},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", false},
      {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", false},
      {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", false},
      {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", false},
      {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305", false},
  };
  return kSuites;
}

const std::vector<CurveName>& KnownCurves() {
  // exporter-toolkit tls_config.go `curves`.
  static const std::vector<CurveName> kCurves = {
      {"CurveP256", "P-256"}, {"CurveP384", "P-384"}, {"CurveP521", "P-521"}, {"X25519", "X25519"}};
  return kCurves;
}

Result<WebConfigFile> ParseWebConfigFile(const std::string& text, const std::string& path) {
  Walker w(path);
  try {
    WebConfigFile out;
    out.path = path;
    std::vector<YAML::Node> docs = LoadAllDocuments(text);
    if (docs.size() > 1) {
      w.FailAt(docs[1].Mark(), "", "want one YAML document, got several");
    }
    if (docs.empty() || docs[0].IsNull()) {
      return out;
    }
    Fields top(w, docs[0], "",
               {"tls_server_config", "http_server_config", "basic_auth_users", "rate_limit"});
    if (const Field* f = top.Find("http_server_config")) {
      ParseHttp(w, *f, out);
    }
    if (const Field* f = top.Find("basic_auth_users")) {
      ParseUsers(w, *f, out);
    }
    if (const Field* f = top.Find("rate_limit")) {
      ParseRateLimit(w, *f, out);
    }
    if (const Field* f = top.Find("tls_server_config")) {
      ParseTls(w, *f, DirOf(path), out.tls);
      // net/http2's configureServer: with HTTP/2 on, the cipher list must hold one it requires.
      const auto& c = out.tls.cipher_suites;
      if (out.http2 && out.tls.Enabled() && !c.empty() &&
          std::find(c.begin(), c.end(), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256") == c.end() &&
          std::find(c.begin(), c.end(), "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256") == c.end()) {
        w.Fail(f->value, walk::JoinPath(f->path, "cipher_suites"),
               "http2: TLSConfig.CipherSuites is missing an HTTP/2-required AES_128_GCM_SHA256 "
               "cipher (need at least one of TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or "
               "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)");
      }
    }
    return out;
  } catch (const walk::LoadFailure& e) {
    return MakeError(ErrorKind::kInvalidArgument, e.message);
  } catch (const YAML::Exception& e) {
    return MakeError(
        ErrorKind::kInvalidArgument,
        fmt::format("{}:{}:{}: yaml: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

Result<WebConfigFile> LoadWebConfigFile(const std::string& path) {
  Result<std::string> text = ReadWholeFile(path, "web config file");
  if (!text.ok()) {
    return text.error();
  }
  return ParseWebConfigFile(*text, path);
}

}  // namespace nca::config
