// --web.config.file on the agent's server (net/web_security.h + net/event_server.h), driven from
// outside with the curl and openssl command-line tools over loopback, as a user would check it:
// TLS with the configured certificate (and a rotated one for new connections), basic auth on every
// path and method with Go's 401, the configured headers, client certificates and allowed SANs,
// versions and ciphers, rate limit, a file that turns bad at run time (500 until fixed), load
// errors with file, line and key, and bcrypt kept off the server's loop.
#include "net/web_security.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <stdio.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "net/event_server.h"
#include "support/process.h"
#include "support/real_servers.h"
#include "support/test_pki.h"

namespace nca::net {
namespace {

using nca::testing::PollUntil;
using nca::testing::RunCommand;
using nca::testing::TestPki;
using ::testing::HasSubstr;
using ::testing::Not;

// bcrypt("test") at cost 4 (libcrypt; bcrypt_test.cc checks libcrypt against vectors from other
// implementations).
constexpr char kTestHash[] = "$2y$04$ty2vVURcR9vYf8GEMBFGuOvlQkOHjbpUlCjyRAWjQ0R4RByB4XNq2";

// Writes `content` to `path` through a rename (a new inode, as a Secret update makes).
void WriteFile(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << content;
  std::filesystem::rename(tmp, path);
}

struct CurlResult {
  int exit_code = -1;
  int status = 0;  // 0: no HTTP answer
  std::string headers_and_body;
  std::string output;  // everything curl printed (with -v: the TLS details)
};

// curl with `args`; the answer's status line, headers and body are in headers_and_body.
CurlResult Curl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {
      "curl", "-sS", "-i", "--max-time", "10", "-w", "\nHTTP_CODE=%{http_code}\n"};
  for (const std::string& a : args) {
    // "--option=value" as curl wants it: two arguments.
    const auto eq = a.find('=');
    if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
      argv.push_back(a.substr(0, eq));
      argv.push_back(a.substr(eq + 1));
    } else {
      argv.push_back(a);
    }
  }
  auto r = RunCommand(argv, "", std::chrono::seconds(20));
  CurlResult out;
  out.exit_code = r.exit_code;
  out.output = r.output;
  const auto code = r.output.rfind("HTTP_CODE=");
  if (code != std::string::npos) {
    out.status = std::atoi(r.output.c_str() + code + 10);
    out.headers_and_body = r.output.substr(0, code);
  }
  return out;
}

class WebSecurityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::system("command -v curl > /dev/null 2>&1 && command -v openssl > /dev/null 2>&1") !=
        0) {
      skip_ = "curl or openssl not installed";
      return;
    }
    pki_ = new TestPki();
    if (!pki_->ok()) {
      skip_ = pki_->error;
    }
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  void SetUp() override {
    if (!skip_.empty()) {
      GTEST_SKIP() << skip_;
    }
    char tmpl[] = "/tmp/nca-web-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    config_ = dir_ + "/web.yml";
  }
  void TearDown() override {
    server_.reset();
    security_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string Tls(const std::string& extra = "") const {
    return "tls_server_config:\n  cert_file: " + pki_->server_cert +
           "\n  key_file: " + pki_->server_key + "\n" + extra;
  }

  // Loads `yaml` as the web config and starts a server that answers "hello <method> <path>".
  void Serve(const std::string& yaml) {
    WriteFile(config_, yaml);
    auto s = WebSecurity::Load(config_, "test.web");
    ASSERT_TRUE(s.ok()) << s.error().message;
    security_ = std::move(*s);
    EventServerOptions o;
    WebSecurity* sec = security_.get();
    o.gate = [sec](const HttpRequest& r, GateDone d) { return sec->Gate(r, std::move(d)); };
    if (sec->TlsEnabled()) {
      o.tls = [sec] { return sec->TlsForNewConnection(); };
    }
    server_ = std::make_unique<EventServer>(o, [](const HttpRequest& r) {
      return ServerResponse::Text(200, "hello " + r.method + " " + r.path + "\n");
    });
    ASSERT_TRUE(server_->Start().ok());
  }
  std::string Https(const std::string& path = "/metrics") const {
    return "https://127.0.0.1:" + std::to_string(server_->Port()) + path;
  }
  std::string Http(const std::string& path = "/metrics") const {
    return "http://127.0.0.1:" + std::to_string(server_->Port()) + path;
  }

  static TestPki* pki_;
  static std::string skip_;
  std::string dir_;
  std::string config_;
  std::unique_ptr<WebSecurity> security_;
  std::unique_ptr<EventServer> server_;
};
TestPki* WebSecurityTest::pki_ = nullptr;
std::string WebSecurityTest::skip_;

TEST_F(WebSecurityTest, TlsAndBasicAuthGuardEveryPathAndMethod) {
  ASSERT_NO_FATAL_FAILURE(Serve(Tls() + "basic_auth_users:\n  alice: " + kTestHash +
                                "\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n"));
  const std::string ca = "--cacert=" + pki_->ca_cert;
  auto ok = Curl({ca, "-u", "alice:test", Https()});
  EXPECT_EQ(ok.status, 200) << ok.output;
  EXPECT_THAT(ok.headers_and_body, HasSubstr("hello GET /metrics"));
  EXPECT_THAT(ok.headers_and_body, HasSubstr("X-Frame-Options: deny"));
  // Again (cached now), and on a kept-alive connection: two URLs in one curl run.
  auto twice = Curl({ca, "-u", "alice:test", Https("/a"), Https("/b")});
  EXPECT_THAT(twice.headers_and_body, HasSubstr("hello GET /a"));
  EXPECT_THAT(twice.headers_and_body, HasSubstr("hello GET /b"));

  for (const std::vector<std::string>& who : {std::vector<std::string>{},
                                              {"-u", "alice:wrong"},
                                              {"-u", "mallory:test"},
                                              {"-H", "Authorization: Bearer abc"}}) {
    std::vector<std::string> args = {ca};
    args.insert(args.end(), who.begin(), who.end());
    args.push_back(Https("/-/healthy"));
    auto denied = Curl(args);
    EXPECT_EQ(denied.status, 401) << denied.output;
    // Go's http.Error plus exporter-toolkit's challenge, and the configured headers.
    EXPECT_THAT(denied.headers_and_body, HasSubstr("WWW-Authenticate: Basic\r\n"));
    EXPECT_THAT(denied.headers_and_body, HasSubstr("X-Content-Type-Options: nosniff"));
    EXPECT_THAT(denied.headers_and_body, HasSubstr("X-Frame-Options: deny"));
    EXPECT_THAT(denied.headers_and_body, HasSubstr("\r\n\r\nUnauthorized\n"));
    EXPECT_THAT(denied.headers_and_body, Not(HasSubstr("hello")));
  }
  // POSTs (/-/reload) need authentication too.
  EXPECT_EQ(Curl({ca, "-X", "POST", Https("/-/reload")}).status, 401);
  auto post = Curl({ca, "-u", "alice:test", "-X", "POST", Https("/-/reload")});
  EXPECT_EQ(post.status, 200);
  EXPECT_THAT(post.headers_and_body, HasSubstr("hello POST /-/reload"));

  // Plain HTTP to the TLS port gets no answer; an unknown CA fails verification (curl exit 60).
  EXPECT_EQ(Curl({"-u", "alice:test", Http()}).status, 0);
  auto unverified = Curl({"-u", "alice:test", Https()});
  EXPECT_EQ(unverified.status, 0);
  EXPECT_EQ(unverified.exit_code, 60) << unverified.output;
}

TEST_F(WebSecurityTest, NewConnectionsGetARotatedCertificate) {
  ASSERT_NO_FATAL_FAILURE(Serve(Tls()));
  const std::string ca = "--cacert=" + pki_->ca_cert;
  auto first = Curl({"-v", ca, Https()});
  EXPECT_EQ(first.status, 200) << first.output;
  EXPECT_THAT(first.output, HasSubstr("CN=nca test server"));
  ASSERT_TRUE(pki_->IssueServer("nca rotated server", pki_->server_cert, pki_->server_key))
      << pki_->error;
  std::string last;
  EXPECT_TRUE(PollUntil(
      [&] {
        auto r = Curl({"-v", ca, Https()});
        last = r.output;
        return r.status == 200 && r.output.find("CN=nca rotated server") != std::string::npos;
      },
      std::chrono::seconds(10)))
      << last;
  EXPECT_TRUE(security_->GetStats().last_reload_ok);
}

TEST_F(WebSecurityTest, AFileThatTurnsBadAnswers500UntilFixedAndChangesApplyAtOnce) {
  ASSERT_NO_FATAL_FAILURE(Serve("basic_auth_users:\n  alice: " + std::string(kTestHash) + "\n"));
  EXPECT_EQ(Curl({"-u", "alice:test", Http()}).status, 200);
  WriteFile(config_, "basic_auth_users:\n  alice: not-a-hash\n");
  auto broken = Curl({"-u", "alice:test", Http()});
  EXPECT_EQ(broken.status, 500);
  EXPECT_THAT(broken.headers_and_body, HasSubstr("Internal Server Error"));
  EXPECT_FALSE(security_->GetStats().last_reload_ok);
  EXPECT_EQ(security_->GetStats().reload_failures, 1u);
  // Fixed, with bob instead of alice: bob gets in, alice no longer does.
  WriteFile(config_, "basic_auth_users:\n  bob: " + std::string(kTestHash) + "\n");
  EXPECT_EQ(Curl({"-u", "bob:test", Http()}).status, 200);
  EXPECT_EQ(Curl({"-u", "alice:test", Http()}).status, 401);
  EXPECT_TRUE(security_->GetStats().last_reload_ok);
  // No users at all: open again.
  WriteFile(config_, "");
  EXPECT_EQ(Curl({Http()}).status, 200);
}

TEST_F(WebSecurityTest, ClientCertificatesAndAllowedSans) {
  const std::string verify =
      "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: " + pki_->ca_cert + "\n";
  ASSERT_NO_FATAL_FAILURE(Serve(Tls(verify)));
  const std::string ca = "--cacert=" + pki_->ca_cert;
  const std::vector<std::string> client = {"--cert", pki_->client_cert, "--key", pki_->client_key};
  const std::vector<std::string> stranger = {"--cert", pki_->stranger_cert, "--key",
                                             pki_->stranger_key};
  auto with = [&](const std::vector<std::string>& cert) {
    std::vector<std::string> args = {ca};
    args.insert(args.end(), cert.begin(), cert.end());
    args.push_back(Https());
    return Curl(args).status;
  };
  EXPECT_EQ(with({}), 0);  // no certificate: handshake refused
  EXPECT_EQ(with(client), 200);
  EXPECT_EQ(with(stranger), 0);  // not issued by the client CA

  // Allowed SANs: the client's URI SAN passes, a list without its names does not.
  WriteFile(config_, Tls(verify + "  client_allowed_sans: [spiffe://test/prometheus]\n"));
  EXPECT_TRUE(PollUntil([&] { return with(client) == 200; }, std::chrono::seconds(5)));
  WriteFile(config_, Tls(verify + "  client_allowed_sans: [other.example]\n"));
  EXPECT_TRUE(PollUntil([&] { return with(client) == 0; }, std::chrono::seconds(5)));

  // RequireAnyClientCert takes the stranger's certificate (not verified), but wants one.
  WriteFile(config_, Tls("  client_auth_type: RequireAnyClientCert\n"));
  EXPECT_TRUE(PollUntil([&] { return with(stranger) == 200; }, std::chrono::seconds(5)));
  EXPECT_EQ(with({}), 0);
}

TEST_F(WebSecurityTest, VersionsAndCiphers) {
  ASSERT_NO_FATAL_FAILURE(Serve(Tls("  min_version: TLS13\n")));
  const std::string ca = "--cacert=" + pki_->ca_cert;
  EXPECT_EQ(Curl({ca, Https()}).status, 200);
  EXPECT_EQ(Curl({ca, "--tls-max", "1.2", Https()}).status, 0);

  WriteFile(config_, Tls("  max_version: TLS12\n  cipher_suites: "
                         "[TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]\n"));
  EXPECT_TRUE(PollUntil(
      [&] {
        return Curl({ca, "--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256", Https()}).status == 200;
      },
      std::chrono::seconds(5)));
  EXPECT_EQ(Curl({ca, "--ciphers", "ECDHE-ECDSA-AES256-GCM-SHA384", Https()}).status, 0);
}

TEST_F(WebSecurityTest, GoCipherNamesAreOpenSslsStandardNames) {
  // config::KnownCipherSuites pairs Go's names with OpenSSL's; OpenSSL knows the IANA name of each.
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  ASSERT_NE(ctx, nullptr);
  for (const auto& c : config::KnownCipherSuites()) {
    if (c.tls13) {
      ASSERT_EQ(SSL_CTX_set_ciphersuites(ctx, c.openssl), 1) << c.go;
    } else {
      ASSERT_EQ(SSL_CTX_set_cipher_list(ctx, c.openssl), 1) << c.go;
    }
    SSL* ssl = SSL_new(ctx);
    STACK_OF(SSL_CIPHER)* list = SSL_get_ciphers(ssl);
    bool found = false;
    for (int i = 0; i < sk_SSL_CIPHER_num(list); ++i) {
      const char* standard = SSL_CIPHER_standard_name(sk_SSL_CIPHER_value(list, i));
      found = found || (standard != nullptr && std::string(standard) == c.go);
    }
    EXPECT_TRUE(found) << c.go << " is not OpenSSL's " << c.openssl;
    SSL_free(ssl);
  }
  SSL_CTX_free(ctx);
}

TEST_F(WebSecurityTest, RateLimitAnswers429) {
  ASSERT_NO_FATAL_FAILURE(Serve("rate_limit:\n  interval: 1h\n  burst: 2\n"));
  EXPECT_EQ(Curl({Http()}).status, 200);
  EXPECT_EQ(Curl({Http()}).status, 200);
  auto limited = Curl({Http()});
  EXPECT_EQ(limited.status, 429);
  EXPECT_THAT(limited.headers_and_body, HasSubstr("Too Many Requests"));
}

TEST_F(WebSecurityTest, UncachedPasswordsAreCheckedOffTheCallersThread) {
  ASSERT_NO_FATAL_FAILURE(Serve("basic_auth_users:\n  alice: " + std::string(kTestHash) + "\n"));
  HttpRequest req;
  req.method = "GET";
  req.path = "/metrics";
  req.headers["authorization"] = "Basic YWxpY2U6dGVzdA==";  // alice:test
  for (int round = 0; round < 2; ++round) {
    std::promise<GateDecision> promise;
    auto decided = promise.get_future();
    std::optional<GateDecision> now =
        security_->Gate(req, [&](GateDecision d) { promise.set_value(std::move(d)); });
    if (round == 0) {
      // First time: the comparison is queued, the caller (the server's loop) goes on.
      ASSERT_FALSE(now.has_value());
      ASSERT_EQ(decided.wait_for(std::chrono::seconds(10)), std::future_status::ready);
      EXPECT_FALSE(decided.get().response.has_value());  // let through
    } else {
      // Then from the cache, at once.
      ASSERT_TRUE(now.has_value());
      EXPECT_FALSE(now->response.has_value());
    }
  }
  // An unknown user costs a comparison too (against the fake hash), then 401.
  req.headers["authorization"] = "Basic bWFsbG9yeTp0ZXN0";  // mallory:test
  std::promise<GateDecision> promise;
  auto decided = promise.get_future();
  ASSERT_FALSE(
      security_->Gate(req, [&](GateDecision d) { promise.set_value(std::move(d)); }).has_value());
  ASSERT_EQ(decided.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto d = decided.get();
  ASSERT_TRUE(d.response.has_value());
  EXPECT_EQ(d.response->status, 401);
}

TEST_F(WebSecurityTest, LoadErrorsNameFileLineKeyAndExporterToolkitsText) {
  auto error = [&](const std::string& yaml) {
    WriteFile(config_, yaml);
    auto s = WebSecurity::Load(config_, "test.web");
    return s.ok() ? std::string() : s.error().message;
  };
  const std::string missing = dir_ + "/missing.crt";
  EXPECT_EQ(error("tls_server_config:\n  cert_file: " + missing +
                  "\n  key_file: " + pki_->server_key + "\n"),
            config_ + ":2: tls_server_config.cert_file: failed to read cert_file (" + missing +
                "): open " + missing + ": no such file or directory");
  EXPECT_THAT(error("tls_server_config:\n  cert_file: " + pki_->server_cert +
                    "\n  key_file: " + pki_->client_key + "\n"),
              HasSubstr(":3: tls_server_config.key_file: failed to load X509KeyPair: tls: "
                        "private key does not match public key"));
  EXPECT_THAT(error("tls_server_config:\n  cert: not pem\n  key_file: " + pki_->server_key + "\n"),
              HasSubstr("tls_server_config.cert: failed to load X509KeyPair: tls: failed to find "
                        "any PEM data in certificate input"));
  EXPECT_THAT(error("tls_server_config:\n  cert_file: " + pki_->server_cert +
                    "\n  key_file: " + pki_->server_key +
                    "\n  client_auth_type: "
                    "RequireAndVerifyClientCert\n  client_ca_file: " +
                    missing + "\n"),
              HasSubstr(":5: tls_server_config.client_ca_file: open " + missing +
                        ": no such file or directory"));
  EXPECT_THAT(error("basic_auth_users:\n  alice: plain\n"),
              HasSubstr(config_ + ":2:10: basic_auth_users.alice: crypto/bcrypt: hashedSecret too "
                                  "short to be a bcrypted password"));
  // The key itself never appears in an error.
  std::ifstream key_in(pki_->server_key);
  std::string key((std::istreambuf_iterator<char>(key_in)), std::istreambuf_iterator<char>());
  const std::string e =
      error("tls_server_config:\n  cert_file: " + pki_->client_cert + "\n  key: |\n" + [&] {
        std::string indented;
        std::string line;
        std::istringstream in(key);
        while (std::getline(in, line)) {
          indented += "    " + line + "\n";
        }
        return indented;
      }());
  EXPECT_THAT(e, HasSubstr("private key does not match public key"));
  EXPECT_THAT(e, Not(HasSubstr("PRIVATE KEY")));
}

}  // namespace
}  // namespace nca::net
