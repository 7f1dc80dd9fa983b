// The --web.config.file parser against exporter-toolkit's own expectations: the cases and error
// patterns of prometheus/exporter-toolkit web/tls_config_test.go (TestYAMLFiles and the header
// cases of TestServerBehaviour), written here as inline files, plus the agent's positions
// ("file:line:col: key: ") in front of them. Reading the certificate files is net/tls's part
// (web_security_test.cc).
#include "config/web_config_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace nca::config {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// bcrypt("test") at cost 4 (libcrypt), for the users' cases.
constexpr char kHash[] = "$2y$04$ty2vVURcR9vYf8GEMBFGuOvlQkOHjbpUlCjyRAWjQ0R4RByB4XNq2";

std::string ErrorOf(const std::string& yaml, const std::string& path = "/etc/nca/web.yml") {
  auto r = ParseWebConfigFile(yaml, path);
  return r.ok() ? "" : r.error().message;
}

TEST(WebConfigFileTest, EmptyFileMeansPlainHttpWithoutAuth) {
  for (const std::string yaml : {"", "---\n", "# nothing\n"}) {
    auto r = ParseWebConfigFile(yaml, "web.yml");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE(r->tls.Enabled());
    EXPECT_TRUE(r->basic_auth_users.empty());
    EXPECT_TRUE(r->headers.empty());
    EXPECT_TRUE(r->http2);
  }
}

TEST(WebConfigFileTest, JunkAndUnknownKeysAreYamlErrorsWithTheirPosition) {
  // web_config_junk.yml / web_config_junk_key.yml: "YAML error".
  EXPECT_THAT(ErrorOf("hello: [world\n"), HasSubstr("yaml"));
  EXPECT_EQ(ErrorOf("tls_server_config:\n  cert_file: a\n  key_file: b\n  bogus: 1\n"),
            "/etc/nca/web.yml:4:3: tls_server_config.bogus: field bogus not found (want one of: "
            "cert, key, client_ca, cert_file, key_file, client_auth_type, client_ca_file, "
            "client_allowed_sans, min_version, max_version, cipher_suites, "
            "prefer_server_cipher_suites, curve_preferences)");
  EXPECT_THAT(ErrorOf("tls_config:\n  cert_file: a\n"),
              MatchesRegex("/etc/nca/web.yml:1:1: tls_config: field tls_config not found.*"));
  EXPECT_THAT(ErrorOf("a: 1\n---\nb: 2\n"), HasSubstr("want one YAML document"));
}

TEST(WebConfigFileTest, CertificateAndKeyAreBothRequiredOnceTlsIsOn) {
  // exporter-toolkit: "missing one of cert or cert_file" / "missing one of key or key_file".
  EXPECT_THAT(ErrorOf("tls_server_config:\n  cert_file: \"\"\n  key_file: k.key\n"),
              HasSubstr("missing one of cert or cert_file"));
  EXPECT_THAT(ErrorOf("tls_server_config:\n  cert: \"\"\n  key: x\n"),
              HasSubstr("missing one of cert or cert_file"));
  EXPECT_THAT(ErrorOf("tls_server_config:\n  cert_file: c.crt\n  key_file: \"\"\n"),
              HasSubstr("missing one of key or key_file"));
  EXPECT_THAT(ErrorOf("tls_server_config:\n  cert_file: c.crt\n"),
              HasSubstr("missing one of key or key_file"));
  // Both empty: the certificate is named first, as in Go.
  EXPECT_THAT(ErrorOf("tls_server_config:\n  client_auth_type: RequireAndVerifyClientCert\n"),
              HasSubstr("missing one of cert or cert_file"));
}

TEST(WebConfigFileTest, RelativeFilesAreRelativeToTheConfigFile) {
  auto r = ParseWebConfigFile(
      "tls_server_config:\n  cert_file: tls/server.crt\n  key_file: /abs/server.key\n"
      "  client_ca_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n",
      "/etc/nca/web.yml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->tls.cert_file, "/etc/nca/tls/server.crt");
  EXPECT_EQ(r->tls.key_file, "/abs/server.key");
  EXPECT_EQ(r->tls.client_ca_file, "/etc/nca/ca.crt");
  EXPECT_EQ(r->tls.client_auth, ClientAuthPolicy::kRequireAndVerifyClientCert);
  EXPECT_EQ(r->tls.lines.at("cert_file"), 2);
  auto bare =
      ParseWebConfigFile("tls_server_config:\n  cert_file: s.crt\n  key_file: s.key\n", "web.yml");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->tls.cert_file, "./s.crt");
}

TEST(WebConfigFileTest, ClientAuthPolicies) {
  const std::string base = "tls_server_config:\n  cert_file: c\n  key_file: k\n";
  EXPECT_THAT(ErrorOf(base + "  client_auth_type: Sometimes\n"),
              MatchesRegex(".*:4:21: tls_server_config.client_auth_type: invalid ClientAuth: "
                           "Sometimes"));
  // web_config_noAuth.bad.yml: a client CA without a policy.
  EXPECT_THAT(ErrorOf(base + "  client_ca_file: ca.crt\n"),
              HasSubstr("client CA's have been configured without a Client Auth Policy"));
  EXPECT_THAT(ErrorOf(base + "  client_ca_file: ca.crt\n  client_auth_type: NoClientCert\n"),
              HasSubstr("client CA's have been configured without a Client Auth Policy"));
  for (const auto& [name, policy] : std::vector<std::pair<std::string, ClientAuthPolicy>>{
           {"RequestClientCert", ClientAuthPolicy::kRequestClientCert},
           {"RequireAnyClientCert", ClientAuthPolicy::kRequireAnyClientCert},
           {"RequireClientCert", ClientAuthPolicy::kRequireAnyClientCert},
           {"VerifyClientCertIfGiven", ClientAuthPolicy::kVerifyClientCertIfGiven},
           {"RequireAndVerifyClientCert", ClientAuthPolicy::kRequireAndVerifyClientCert}}) {
    auto r = ParseWebConfigFile(base + "  client_auth_type: " + name + "\n", "w.yml");
    ASSERT_TRUE(r.ok()) << name << ": " << r.error().message;
    EXPECT_EQ(r->tls.client_auth, policy) << name;
  }
  // client_auth_type alone turns TLS on (exporter-toolkit's IsEnabled).
  auto only = ParseWebConfigFile("tls_server_config:\n  client_auth_type: NoClientCert\n", "w");
  EXPECT_FALSE(only.ok());
}

TEST(WebConfigFileTest, VersionsCiphersAndCurvesByGoName) {
  const std::string base = "tls_server_config:\n  cert_file: c\n  key_file: k\n";
  EXPECT_THAT(ErrorOf(base + "  min_version: TLS14\n"), HasSubstr("unknown TLS version: TLS14"));
  EXPECT_THAT(ErrorOf(base + "  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n"),
              HasSubstr("tls_server_config.cipher_suites[0]: unknown cipher: "
                        "TLS_RSA_WITH_RC4_128_SHA"));
  EXPECT_THAT(ErrorOf(base + "  curve_preferences: [CurveP224]\n"),
              HasSubstr("unknown curve: CurveP224"));
  EXPECT_THAT(ErrorOf(base + "  min_version: TLS13\n  max_version: TLS12\n"),
              HasSubstr("min_version is above max_version"));
  auto r = ParseWebConfigFile(base +
                                  "  min_version: TLS13\n"
                                  "  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n"
                                  "  curve_preferences: [X25519, CurveP521]\n"
                                  "  prefer_server_cipher_suites: false\n",
                              "w.yml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->tls.min_version, kTls13);
  EXPECT_EQ(r->tls.max_version, kTls13);
  EXPECT_FALSE(r->tls.prefer_server_cipher_suites);
  EXPECT_EQ(r->tls.curve_preferences, (std::vector<std::string>{"X25519", "CurveP521"}));
}

TEST(WebConfigFileTest, Http2NeedsItsCipherWhenCiphersAreListed) {
  // web_config_noAuth_noHTTP2Cipher.bad.yml and web_config_noAuth_noHTTP2.good.yml.
  const std::string tls =
      "tls_server_config:\n  cert_file: c\n  key_file: k\n"
      "  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]\n";
  EXPECT_THAT(ErrorOf(tls), HasSubstr("TLSConfig.CipherSuites is missing an HTTP/2-required"));
  EXPECT_EQ(ErrorOf(tls + "http_server_config:\n  http2: false\n"), "");
}

TEST(WebConfigFileTest, OnlyTheKnownHeadersWithTheirValues) {
  // web_config_headers*.yml: "invalid value for", `HTTP header ".*" can not be configured`.
  auto good = ParseWebConfigFile(
      "http_server_config:\n  headers:\n    X-Frame-Options: deny\n"
      "    X-Content-Type-Options: nosniff\n    Strict-Transport-Security: max-age=31536000\n"
      "    Content-Security-Policy: default-src 'self'\n    X-XSS-Protection: 1; mode=block\n",
      "w.yml");
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(good->headers.size(), 5u);
  EXPECT_EQ(good->headers.at("X-Frame-Options"), "deny");
  EXPECT_EQ(ErrorOf("http_server_config:\n  headers:\n    X-Frame-Options: allow\n"),
            "/etc/nca/web.yml:3:22: http_server_config.headers.X-Frame-Options: invalid value for "
            "X-Frame-Options. Expected one of: [\"deny\" \"sameorigin\"], but got: \"allow\"");
  EXPECT_THAT(ErrorOf("http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n"),
              HasSubstr("invalid value for X-Content-Type-Options"));
  EXPECT_THAT(ErrorOf("http_server_config:\n  headers:\n    Server: nca\n"),
              HasSubstr("HTTP header \"Server\" can not be configured"));
}

TEST(WebConfigFileTest, UsersNeedBcryptHashes) {
  // web_config_auth_user_list_invalid.bad.yml: "hashedSecret too short to be a bcrypted password".
  EXPECT_EQ(ErrorOf("basic_auth_users:\n  alice: secret\n"),
            "/etc/nca/web.yml:2:10: basic_auth_users.alice: crypto/bcrypt: hashedSecret too short "
            "to be a bcrypted password");
  EXPECT_THAT(ErrorOf("basic_auth_users:\n  alice: " + std::string(kHash) +
                      "\n  alice: " + std::string(kHash) + "\n"),
              HasSubstr("duplicate user alice"));
  auto r = ParseWebConfigFile("basic_auth_users:\n  alice: " + std::string(kHash) +
                                  "\n  'bob:x': " + std::string(kHash) + "\n",
                              "w.yml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->basic_auth_users.size(), 2u);
  EXPECT_EQ(r->basic_auth_users.at("alice"), kHash);
}

TEST(WebConfigFileTest, RateLimit) {
  auto r = ParseWebConfigFile("rate_limit:\n  interval: 1s\n  burst: 20\n", "w.yml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_DOUBLE_EQ(r->rate_limit_interval_seconds, 1.0);
  EXPECT_EQ(r->rate_limit_burst, 20);
  EXPECT_THAT(ErrorOf("rate_limit:\n  burst: many\n"), HasSubstr("rate_limit.burst"));
}

TEST(WebConfigFileTest, MissingFileIsNamed) {
  auto r = LoadWebConfigFile("/nonexistent/web.yml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("/nonexistent/web.yml"));
  EXPECT_THAT(r.error().message, HasSubstr("No such file"));
}

}  // namespace
}  // namespace nca::config
