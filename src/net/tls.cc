#include "net/tls.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace nca::net {
namespace {

using config::ClientAuthPolicy;
using config::TlsServerSettings;

Error Bad(std::string message) { return MakeError(ErrorKind::kTls, std::move(message)); }

// The first OpenSSL error on this thread's queue, and the queue cleared.
std::string OpenSslError() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) {
    return "unknown error";
  }
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

// Go's os.ReadFile error text: "open <path>: no such file or directory".
Result<std::string> ReadFileGo(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::string reason = std::strerror(errno);
    if (!reason.empty()) {
      reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
    }
    return Bad("open " + path + ": " + reason);
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

std::vector<X509Ptr> ReadCertificates(const std::string& pem) {
  std::vector<X509Ptr> out;
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(x);
  }
  ERR_clear_error();  // the end of the input reads as an error
  return out;
}

int ProtocolVersion(int v) {
  switch (v) {
    case config::kTls10:
      return TLS1_VERSION;
    case config::kTls11:
      return TLS1_1_VERSION;
    case config::kTls12:
      return TLS1_2_VERSION;
    default:
      return TLS1_3_VERSION;
  }
}

// RequestClientCert and RequireAnyClientCert take any certificate (Go does not verify them).
int AcceptAnyCertificate(int /*preverify_ok*/, X509_STORE_CTX* /*ctx*/) { return 1; }

std::string SanText(const GENERAL_NAME* name) {
  int type = 0;
  const void* value = GENERAL_NAME_get0_value(name, &type);
  if (type == GEN_DNS || type == GEN_EMAIL || type == GEN_URI) {
    const auto* s = static_cast<const ASN1_IA5STRING*>(value);
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
  }
  if (type == GEN_IPADD) {
    const auto* s = static_cast<const ASN1_OCTET_STRING*>(value);
    char buf[INET6_ADDRSTRLEN] = "";
    const int len = ASN1_STRING_length(s);
    if (len == 4 || len == 16) {
      (void)inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(s), buf, sizeof(buf));
    }
    return buf;
  }
  return "";
}

}  // namespace

ServerTls::~ServerTls() {
  if (ctx_ != nullptr) {
    SSL_CTX_free(ctx_);
  }
}

Result<std::shared_ptr<const ServerTls>> ServerTls::Build(const TlsServerSettings& s,
                                                          std::string* key) {
  auto fail = [&](const char* which, std::string message) -> Error {
    if (key != nullptr) {
      *key = which;
    }
    return Bad(std::move(message));
  };
  ERR_clear_error();
  // Certificate and key (exporter-toolkit loadCert: the file if named, else the inline PEM).
  std::string cert_pem = s.cert;
  std::string key_pem = s.key;
  if (!s.cert_file.empty()) {
    auto r = ReadFileGo(s.cert_file);
    if (!r.ok()) {
      return fail("cert_file",
                  "failed to read cert_file (" + s.cert_file + "): " + r.error().message);
    }
    cert_pem = std::move(*r);
  }
  if (!s.key_file.empty()) {
    auto r = ReadFileGo(s.key_file);
    if (!r.ok()) {
      return fail("key_file", "failed to read key_file (" + s.key_file + "): " + r.error().message);
    }
    key_pem = std::move(*r);
  }
  const char* cert_key = s.cert_file.empty() ? "cert" : "cert_file";
  const char* key_key = s.key_file.empty() ? "key" : "key_file";
  std::vector<X509Ptr> chain = ReadCertificates(cert_pem);
  if (chain.empty()) {
    return fail(
        cert_key,
        "failed to load X509KeyPair: tls: failed to find any PEM data in certificate input");
  }
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey;
  {
    std::unique_ptr<BIO, BioFree> bio(
        BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
    pkey.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    ERR_clear_error();
  }
  if (pkey == nullptr) {
    return fail(key_key,
                "failed to load X509KeyPair: tls: failed to find any PEM data in key input");
  }
  if (X509_check_private_key(chain.front().get(), pkey.get()) != 1) {
    ERR_clear_error();
    return fail(key_key, "failed to load X509KeyPair: tls: private key does not match public key");
  }

  std::shared_ptr<ServerTls> out(new ServerTls());
  out->ctx_ = SSL_CTX_new(TLS_server_method());
  SSL_CTX* ctx = out->ctx_;
  if (ctx == nullptr) {
    return fail("", "SSL_CTX_new: " + OpenSslError());
  }
  if (SSL_CTX_use_certificate(ctx, chain.front().get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, pkey.get()) != 1) {
    return fail(cert_key, "failed to load X509KeyPair: " + OpenSslError());
  }
  for (std::size_t i = 1; i < chain.size(); ++i) {
    if (SSL_CTX_add1_chain_cert(ctx, chain[i].get()) != 1) {
      return fail(cert_key, "failed to load X509KeyPair: " + OpenSslError());
    }
  }
  SSL_CTX_set_min_proto_version(ctx, ProtocolVersion(s.min_version));
  SSL_CTX_set_max_proto_version(ctx, ProtocolVersion(s.max_version));
  // TLS 1.2 suites: the configured ones, else all of Go's secure ones (its default set).
  std::string ciphers;
  for (const auto& c : config::KnownCipherSuites()) {
    if (c.tls13) {
      continue;
    }
    if (s.cipher_suites.empty() ||
        std::find(s.cipher_suites.begin(), s.cipher_suites.end(), c.go) != s.cipher_suites.end()) {
      ciphers += (ciphers.empty() ? "" : ":") + std::string(c.openssl);
    }
  }
  if (!ciphers.empty() && SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1) {
    return fail("cipher_suites", "cipher_suites: " + OpenSslError());
  }
  if (!s.curve_preferences.empty()) {
    std::string groups;
    for (const auto& name : s.curve_preferences) {
      for (const auto& c : config::KnownCurves()) {
        if (name == c.go) {
          groups += (groups.empty() ? "" : ":") + std::string(c.openssl);
        }
      }
    }
    if (SSL_CTX_set1_groups_list(ctx, groups.c_str()) != 1) {
      return fail("curve_preferences", "curve_preferences: " + OpenSslError());
    }
  }
  uint64_t options = SSL_OP_NO_RENEGOTIATION;
  if (s.prefer_server_cipher_suites) {
    options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  }
  SSL_CTX_set_options(ctx, options);
  // Idle keep-alive connections give their record buffers back.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  static const unsigned char kSessionContext[] = "neo4j-cluster-agent";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);

  // Client certificates.
  std::string ca_pem = s.client_ca;
  if (!s.client_ca_file.empty()) {
    auto r = ReadFileGo(s.client_ca_file);
    if (!r.ok()) {
      return fail("client_ca_file", r.error().message);
    }
    ca_pem = std::move(*r);
  }
  if (!ca_pem.empty()) {
    // Like Go's AppendCertsFromPEM, what is not a certificate is skipped.
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    for (auto& ca : ReadCertificates(ca_pem)) {
      (void)X509_STORE_add_cert(store, ca.get());
      (void)SSL_CTX_add_client_CA(ctx, ca.get());
    }
    ERR_clear_error();
  }
  switch (s.client_auth) {
    case ClientAuthPolicy::kNoClientCert:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
      break;
    case ClientAuthPolicy::kRequestClientCert:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, AcceptAnyCertificate);
      break;
    case ClientAuthPolicy::kRequireAnyClientCert:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                         AcceptAnyCertificate);
      break;
    case ClientAuthPolicy::kVerifyClientCertIfGiven:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
      break;
    case ClientAuthPolicy::kRequireAndVerifyClientCert:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      break;
  }
  out->check_sans_ = s.has_client_allowed_sans;
  out->allowed_sans_ = s.client_allowed_sans;
  return std::shared_ptr<const ServerTls>(std::move(out));
}

TlsSession::TlsSession(std::shared_ptr<const ServerTls> tls) : tls_(std::move(tls)) {
  ssl_ = SSL_new(tls_->ctx());
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  if (ssl_ == nullptr || in_ == nullptr || out_ == nullptr) {
    error_ = "cannot create a TLS session: " + OpenSslError();
    return;
  }
  // Reading an empty memory BIO means "wait for more", not end of file.
  BIO_set_mem_eof_return(in_, -1);
  SSL_set_bio(ssl_, in_, out_);
  SSL_set_accept_state(ssl_);
}

TlsSession::~TlsSession() {
  if (ssl_ != nullptr) {
    SSL_free(ssl_);  // frees the BIOs too
  } else {
    BIO_free(in_);
    BIO_free(out_);
  }
}

void TlsSession::Feed(const char* data, std::size_t size) {
  if (in_ != nullptr && size > 0) {
    (void)BIO_write(in_, data, static_cast<int>(size));
  }
}

TlsSession::State TlsSession::Fail(int ret) {
  const int err = SSL_get_error(ssl_, ret);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    return State::kOk;
  }
  if (err == SSL_ERROR_ZERO_RETURN) {
    return State::kClosed;
  }
  if (error_.empty()) {
    error_ = err == SSL_ERROR_SSL ? OpenSslError() : "TLS error " + std::to_string(err);
  }
  ERR_clear_error();
  return State::kError;
}

bool TlsSession::CheckPeerSans() {
  if (!tls_->check_sans()) {
    return true;
  }
  std::vector<std::string> found;
  if (X509* peer = SSL_get0_peer_certificate(ssl_)) {
    auto* names =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(peer, NID_subject_alt_name, nullptr, nullptr));
    if (names != nullptr) {
      for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        found.push_back(SanText(sk_GENERAL_NAME_value(names, i)));
      }
      GENERAL_NAMES_free(names);
    }
  }
  for (const auto& san : found) {
    if (!san.empty() && std::find(tls_->allowed_sans().begin(), tls_->allowed_sans().end(), san) !=
                            tls_->allowed_sans().end()) {
      return true;
    }
  }
  // exporter-toolkit's text (it prints the allowed list).
  std::string allowed;
  for (const auto& a : tls_->allowed_sans()) {
    allowed += (allowed.empty() ? "" : " ") + a;
  }
  error_ = "could not find allowed SANs in client cert, found: [" + allowed + "]";
  return false;
}

TlsSession::State TlsSession::Read(std::string& plain) {
  if (ssl_ == nullptr) {
    return State::kError;
  }
  ERR_clear_error();
  if (!handshake_done_) {
    const int r = SSL_do_handshake(ssl_);
    if (r != 1) {
      return Fail(r);
    }
    handshake_done_ = true;
    if (!CheckPeerSans()) {
      return State::kError;
    }
  }
  char buf[16384];
  for (;;) {
    const int r = SSL_read(ssl_, buf, sizeof(buf));
    if (r > 0) {
      plain.append(buf, static_cast<std::size_t>(r));
      continue;
    }
    return Fail(r);
  }
}

TlsSession::State TlsSession::Write(std::string_view plain) {
  if (ssl_ == nullptr) {
    return State::kError;
  }
  ERR_clear_error();
  while (!plain.empty()) {
    const int n = static_cast<int>(std::min<std::size_t>(plain.size(), 1 << 20));
    const int r = SSL_write(ssl_, plain.data(), n);
    if (r <= 0) {
      State st = Fail(r);
      return st == State::kOk ? State::kError : st;  // a memory BIO never asks to wait
    }
    plain.remove_prefix(static_cast<std::size_t>(r));
  }
  return State::kOk;
}

void TlsSession::Drain(std::string& out) {
  if (out_ == nullptr) {
    return;
  }
  const std::size_t pending = BIO_ctrl_pending(out_);
  if (pending == 0) {
    return;
  }
  const std::size_t old = out.size();
  out.resize(old + pending);
  const int r = BIO_read(out_, out.data() + old, static_cast<int>(pending));
  out.resize(old + static_cast<std::size_t>(std::max(r, 0)));
}

}  // namespace nca::net
