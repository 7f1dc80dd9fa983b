// libFuzzer harness for --web.config.file (config::ParseWebConfigFile,
// src/config/web_config_file.h, exporter-toolkit's format). Errors must be positioned
// ("file:line:col: " or "file: "), one line, kInvalidArgument, never an exception; an accepted file
// must satisfy what the parser promises: valid headers, known TLS names, valid bcrypt hashes,
// certificate and key named once TLS is on, no client CA without a policy. Run with
// tests/fuzz/run-fuzzer.sh web_config SECONDS.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/web_config_file.h"
#include "fuzz_check.h"
#include "net/bcrypt.h"

namespace {

using nca::fuzz::StartsWith;
using namespace nca::config;  // NOLINT(google-build-using-namespace): the parser under test

const std::string kSource = "/etc/nca/web.yml";

void CheckAccepted(const WebConfigFile& c) {
  for (const auto& [user, hash] : c.basic_auth_users) {
    FUZZ_CHECK(nca::net::BcryptCost(hash).ok());
  }
  for (const auto& [name, value] : c.headers) {
    FUZZ_CHECK(name == "Strict-Transport-Security" || name == "X-Content-Type-Options" ||
               name == "X-Frame-Options" || name == "X-XSS-Protection" ||
               name == "Content-Security-Policy");
    if (name == "X-Frame-Options") FUZZ_CHECK(value == "deny" || value == "sameorigin");
    if (name == "X-Content-Type-Options") FUZZ_CHECK(value == "nosniff");
  }
  const auto& t = c.tls;
  FUZZ_CHECK(t.min_version <= t.max_version);
  for (const auto& name : t.cipher_suites) {
    const auto& known = KnownCipherSuites();
    FUZZ_CHECK(std::any_of(known.begin(), known.end(),
                           [&](const CipherSuiteName& k) { return name == k.go; }));
  }
  for (const auto& name : t.curve_preferences) {
    const auto& known = KnownCurves();
    FUZZ_CHECK(
        std::any_of(known.begin(), known.end(), [&](const CurveName& k) { return name == k.go; }));
  }
  if (t.Enabled()) {
    FUZZ_CHECK(!t.cert.empty() || !t.cert_file.empty());
    FUZZ_CHECK(!t.key.empty() || !t.key_file.empty());
    if (!t.client_ca.empty() || !t.client_ca_file.empty()) {
      FUZZ_CHECK(t.client_auth != ClientAuthPolicy::kNoClientCert);
    }
  }
  // Relative files were joined with the config file's directory.
  for (const std::string* f : {&t.cert_file, &t.key_file, &t.client_ca_file}) {
    FUZZ_CHECK(f->empty() || StartsWith(*f, "/"));
  }
  FUZZ_CHECK(c.rate_limit_burst >= 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  nca::Result<WebConfigFile> r = ParseWebConfigFile(text, kSource);
  if (r.ok()) {
    CheckAccepted(*r);
    return 0;
  }
  const nca::Error& e = r.error();
  FUZZ_CHECK(e.kind == nca::ErrorKind::kInvalidArgument);
  FUZZ_CHECK(StartsWith(e.message, kSource + ":"));
  return 0;
}
