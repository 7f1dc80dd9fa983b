#include "support/test_pki.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "support/process.h"

namespace nca::testing {
namespace {

bool Sh(const std::string& dir, const std::string& script, std::string& error) {
  CommandResult r = RunCommand({"/bin/sh", "-c", "cd '" + dir + "' && " + script});
  if (r.exit_code != 0) {
    error = "openssl failed: " + r.output;
    return false;
  }
  return true;
}

constexpr char kNewKey[] = "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";

}  // namespace

TestPki::TestPki() {
  char tmpl[] = "/tmp/nca-pki-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    error = "mkdtemp failed";
    return;
  }
  dir = tmpl;
  ca_cert = dir + "/ca.crt";
  ca_key = dir + "/ca.key";
  server_cert = dir + "/server.crt";
  server_key = dir + "/server.key";
  client_cert = dir + "/client.crt";
  client_key = dir + "/client.key";
  stranger_cert = dir + "/stranger.crt";
  stranger_key = dir + "/stranger.key";
  std::ofstream(dir + "/client.ext")
      << "subjectAltName=DNS:prometheus.example,URI:spiffe://test/prometheus\n"
         "extendedKeyUsage=clientAuth\n";
  const std::string script =
      std::string("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes") +
      " -keyout ca.key -out ca.crt -days 2 -subj '/CN=nca test CA' 2>/dev/null && " + kNewKey +
      " -keyout client.key -out client.csr -subj '/CN=prometheus' 2>/dev/null" +
      " && openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial" +
      " -out client.crt -days 2 -extfile client.ext 2>/dev/null" +
      " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes" +
      " -keyout stranger.key -out stranger.crt -days 2 -subj '/CN=stranger'" +
      " -addext subjectAltName=DNS:prometheus.example 2>/dev/null";
  if (!Sh(dir, script, error)) {
    return;
  }
  (void)IssueServer("nca test server", server_cert, server_key);
}

bool TestPki::IssueServer(const std::string& cn, const std::string& cert, const std::string& key,
                          const std::string& subject_alt_names) {
  std::ofstream(dir + "/server.ext")
      << "subjectAltName=" << subject_alt_names << "\nextendedKeyUsage=serverAuth\n";
  // Written next to the target and renamed, so that a reader never sees half a file.
  const std::string script =
      std::string(kNewKey) + " -keyout next.key -out next.csr -subj '/CN=" + cn + "' 2>/dev/null" +
      " && openssl x509 -req -in next.csr -CA ca.crt -CAkey ca.key" +
      " -CAcreateserial -out next.crt -days 2 -extfile server.ext" +
      " 2>/dev/null && mv next.key '" + key + "' && mv next.crt '" + cert + "'";
  return Sh(dir, script, error);
}

TestPki::~TestPki() {
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
}

}  // namespace nca::testing
