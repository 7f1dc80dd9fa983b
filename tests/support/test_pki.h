// A throwaway PKI for TLS tests, made with the openssl CLI at test time (nothing secret is kept in
// the repository): a CA, a server certificate for 127.0.0.1 / localhost signed by it, a client
// certificate signed by it (SANs DNS:prometheus.example and URI:spiffe://test/prometheus), and a
// self-signed client certificate the CA never saw. EC P-256 keys, valid for two days.
#pragma once

#include <string>

namespace nca::testing {

struct TestPki {
  std::string dir;    // everything below lives here; removed by the destructor
  std::string error;  // why it could not be made ("" when it was)
  std::string ca_cert, ca_key;
  std::string server_cert, server_key;
  std::string client_cert, client_key;
  std::string stranger_cert, stranger_key;  // self-signed client

  TestPki();
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;
  bool ok() const { return error.empty(); }

  // Issues another server certificate (subject CN=`cn`, `subject_alt_names` in openssl's form,
  // by default the same names as server_cert) into `cert`/`key`, signed by the CA: for
  // certificate rotation and server-name tests. False on failure (see error).
  bool IssueServer(const std::string& cn, const std::string& cert, const std::string& key,
                   const std::string& subject_alt_names = "IP:127.0.0.1,DNS:localhost");
};

}  // namespace nca::testing
