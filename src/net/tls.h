// TLS for the agent's own web server (net::EventServer), with OpenSSL directly: civetweb's TLS
// cannot load on Debian bookworm (it resolves SSL_get_peer_certificate, which OpenSSL 3 removed).
//
// ServerTls is one immutable server configuration built from a --web.config.file's
// tls_server_config (config/web_config_file.h): certificate chain and key (files or inline PEM),
// protocol versions, TLS 1.2 cipher suites, curves, client certificate policy and CA, allowed
// client SANs. Build errors carry exporter-toolkit's texts ("failed to read cert_file (path): open
// path: no such file or directory", "failed to load X509KeyPair: tls: ...") and name the key they
// are about.
//
// TlsSession runs one server-side connection over memory BIOs, so that the EventServer keeps
// doing all socket I/O on its non-blocking sockets: ciphertext read from the socket is Feed(),
// plaintext comes out of Read(), plaintext to send goes into Write(), and ciphertext to put on the
// socket comes out of Drain().
//
// Thread-safety: a ServerTls is immutable and shared between connections (and threads); a
// TlsSession belongs to one connection on one thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/web_config_file.h"

struct ssl_ctx_st;
struct ssl_st;
struct bio_st;

namespace nca::net {

class ServerTls {
 public:
  // Reads the certificate, key and CA (files or inline) and builds the context. On error,
  // `*key` (when given) names the tls_server_config key the error is about ("cert_file", ...).
  static Result<std::shared_ptr<const ServerTls>> Build(const config::TlsServerSettings& settings,
                                                        std::string* key = nullptr);
  ~ServerTls();
  ServerTls(const ServerTls&) = delete;
  ServerTls& operator=(const ServerTls&) = delete;

  ssl_ctx_st* ctx() const { return ctx_; }
  // Checked after the handshake (exporter-toolkit's VerifyPeerCertificate).
  bool check_sans() const { return check_sans_; }
  const std::vector<std::string>& allowed_sans() const { return allowed_sans_; }

 private:
  ServerTls() = default;
  ssl_ctx_st* ctx_ = nullptr;
  bool check_sans_ = false;
  std::vector<std::string> allowed_sans_;
};

class TlsSession {
 public:
  explicit TlsSession(std::shared_ptr<const ServerTls> tls);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  enum class State {
    kOk,      // progress made or more input needed
    kClosed,  // the peer sent close_notify
    kError,   // handshake or record failure: close the connection (Error() says why)
  };

  // Ciphertext received from the peer.
  void Feed(const char* data, std::size_t size);
  // Drives the handshake and appends the plaintext available to `plain`.
  State Read(std::string& plain);
  // Encrypts `plain` completely (the output BIO grows as needed).
  State Write(std::string_view plain);
  // Moves the ciphertext waiting to be sent to the end of `out`.
  void Drain(std::string& out);
  bool HandshakeDone() const { return handshake_done_; }
  const std::string& Error() const { return error_; }

 private:
  State Fail(int ret);
  bool CheckPeerSans();

  std::shared_ptr<const ServerTls> tls_;
  ssl_st* ssl_ = nullptr;
  bio_st* in_ = nullptr;   // owned by ssl_
  bio_st* out_ = nullptr;  // owned by ssl_
  bool handshake_done_ = false;
  std::string error_;
};

}  // namespace nca::net
