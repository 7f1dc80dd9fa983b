// The --web.config.file format of the Prometheus exporter-toolkit (TLS, basic auth, extra response
// headers, rate limit for the agent's own web endpoints), parsed and validated the way
// exporter-toolkit does it, so that one file works for the agent, node_exporter and Prometheus.
//
// Reference: prometheus/exporter-toolkit docs/web-configuration.md and web/tls_config.go,
// web/handler.go (summarised in the project's shared Prometheus reference, "exporter-toolkit web
// config"). What is validated here without touching other files: the YAML (strictly: unknown or
// duplicate keys are errors, as yaml.UnmarshalStrict), the header names and values, the TLS
// version, cipher and curve names, client_auth_type, "client CA without a client auth policy",
// "missing one of cert or cert_file", the bcrypt hashes (bcrypt.Cost), and http2 without an
// HTTP/2 cipher. Reading the certificate, key and CA files is net/tls.h's job (at load and when
// they change). Error messages carry exporter-toolkit's text after the usual
// "<file>:<line>:<col>: <key>: " prefix.
//
// Differences, on purpose: `http2` is accepted but the agent speaks HTTP/1.1 only (clients that
// offer h2 through ALPN fall back to HTTP/1.1, as every scraper does); min_version above
// max_version is an error here, where Go would fail every handshake.
//
// Pure: no I/O besides what the caller passes in. Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace nca::config {

// tls.ClientAuthType, as exporter-toolkit spells client_auth_type.
enum class ClientAuthPolicy {
  kNoClientCert,
  kRequestClientCert,
  kRequireAnyClientCert,  // also "RequireClientCert" (kept by exporter-toolkit for compatibility)
  kVerifyClientCertIfGiven,
  kRequireAndVerifyClientCert,
};

// TLS protocol versions as on the wire (0x0301 = TLS 1.0 ... 0x0304 = TLS 1.3).
inline constexpr int kTls10 = 0x0301;
inline constexpr int kTls11 = 0x0302;
inline constexpr int kTls12 = 0x0303;
inline constexpr int kTls13 = 0x0304;

struct TlsServerSettings {
  // PEM given inline, or files; relative file names are relative to the web config file's
  // directory (already joined here). The key is a secret: never logged.
  std::string cert;
  std::string key;
  std::string client_ca;
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  ClientAuthPolicy client_auth = ClientAuthPolicy::kNoClientCert;
  bool client_auth_set = false;  // client_auth_type present (even "NoClientCert")
  // Set (even empty): a client certificate must carry one of these SANs (DNS, email, IP, URI).
  bool has_client_allowed_sans = false;
  std::vector<std::string> client_allowed_sans;
  int min_version = kTls12;
  int max_version = kTls13;
  // Go's names (IANA names), for TLS 1.2 and below; TLS 1.3 suites are accepted and, as in Go,
  // not configurable.
  std::vector<std::string> cipher_suites;
  bool prefer_server_cipher_suites = true;
  std::vector<std::string>
      curve_preferences;  // Go's names: CurveP256, CurveP384, CurveP521, X25519

  // exporter-toolkit's TLSConfig.IsEnabled: any TLS field set means TLS.
  bool Enabled() const;
  // Lines of the keys (for errors about the files they name); 0 = absent.
  std::map<std::string, int> lines;
};

struct WebConfigFile {
  std::string path;  // as given
  TlsServerSettings tls;
  bool http2 = true;
  std::map<std::string, std::string> headers;  // response headers, validated
  // User -> bcrypt hash. Empty: no authentication.
  std::map<std::string, std::string> basic_auth_users;
  // rate_limit: a token bucket over every request; interval 0 = off.
  double rate_limit_interval_seconds = 0;
  int rate_limit_burst = 0;
};

// Parses the text of a web config file read from `path`. Errors are kInvalidArgument with a
// positioned message. An empty file is valid (plain HTTP, no authentication).
Result<WebConfigFile> ParseWebConfigFile(const std::string& text, const std::string& path);

// Reads and parses `path`; a missing file reads "<path>: cannot open web config file: ...".
Result<WebConfigFile> LoadWebConfigFile(const std::string& path);

// The cipher suites exporter-toolkit accepts (Go's tls.CipherSuites(): the secure ones), each with
// OpenSSL's name for it and whether it is a TLS 1.3 suite.
struct CipherSuiteName {
  const char* go;
  const char* openssl;
  bool tls13;
};
const std::vector<CipherSuiteName>& KnownCipherSuites();

// The curves exporter-toolkit accepts, with OpenSSL's group names.
struct CurveName {
  const char* go;
  const char* openssl;
};
const std::vector<CurveName>& KnownCurves();

}  // namespace nca::config
