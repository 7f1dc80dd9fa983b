// HTTP/1.x message syntax for the agent's own web server (net::EventServer): a pure, incremental
// parser of request heads (RFC 9112 §2–§6), content negotiation of Accept-Encoding (RFC 9110
// §12.5.3) and the response head. No I/O here; the parser is fuzzed (tests/fuzz).
//
// What is accepted, and what each refusal answers (the status codes Go's net/http uses for the
// same cases, so that a scraper sees what it would see from a Go exporter):
//   - request line `METHOD SP request-target SP HTTP/1.x`, lines ended by CRLF or a bare LF;
//     origin-form targets (`/path?query`), absolute-form (`http://host/path`) and `*`;
//     other versions -> 505; malformed line -> 400;
//   - header fields `name: value`, names of token characters, values without CR/LF/NUL;
//     obsolete line folding -> 400; a header section over the limit -> 431;
//   - bodies by Content-Length only (conflicting or invalid -> 400, over the limit -> 413);
//     Transfer-Encoding of any kind -> 501 (no endpoint of the agent takes a chunked body).
// Persistence: HTTP/1.1 keeps the connection unless `Connection: close`; HTTP/1.0 closes it unless
// `Connection: keep-alive`.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace nca::net {

struct RequestHead {
  std::string method;
  std::string target;  // as sent
  std::string path;    // percent-decoded path of the target, without the query
  std::string query;   // raw query string, without '?'
  int minor_version = 1;
  std::map<std::string, std::string> headers;  // names lower-cased; repeated fields joined by ", "
  std::size_t content_length = 0;
  bool keep_alive = true;
};

struct HeadLimits {
  std::size_t max_head_bytes = 8192;  // request line + header fields
  std::size_t max_body_bytes = 64u << 10;
};

enum class HeadStatus {
  kIncomplete,  // more bytes are needed (and the limit is not reached yet)
  kComplete,    // `head` is set; `consumed` bytes of the buffer were the head
  kError,       // `error_status` and `error` say why; the connection must be closed after it
};

struct HeadParse {
  HeadStatus status = HeadStatus::kIncomplete;
  std::size_t consumed = 0;
  RequestHead head;
  int error_status = 0;  // 400, 413, 431, 501 or 505
  std::string error;     // one line for the log and the response body
};

// Parses the request head at the start of `buffer`. Leading empty lines are skipped (RFC 9112
// §2.2). Pure; never throws.
HeadParse ParseRequestHead(std::string_view buffer, const HeadLimits& limits);

// Whether `accept_encoding` (an Accept-Encoding field value) admits `coding` ("gzip"): listed
// by name or by "*", with a non-zero q. An empty field admits nothing but identity.
bool AcceptsEncoding(std::string_view accept_encoding, std::string_view coding);

// Status line and header fields of a response, ending with the empty line. `date` is an
// IMF-fixdate (FormatHttpDate); `content_length` is always sent (HEAD: the GET length).
std::string FormatResponseHead(int status, std::string_view content_type,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               std::size_t content_length, bool keep_alive, std::string_view date);

// Standard reason phrase for a status code ("OK", "Not Found", ...).
std::string_view ReasonPhrase(int status);

// Percent-decodes a query component ('+' stays '+': Kubernetes clients do not form-encode).
std::string PercentDecode(std::string_view text);
// "a=1&b=x%3Dy" -> {a: 1, b: x=y}; a key without '=' maps to "". Empty parts are skipped.
std::map<std::string, std::string> ParseQuery(std::string_view query);

// "Sun, 06 Nov 1994 08:49:37 GMT" for Unix seconds (RFC 9110 §5.6.7).
std::string FormatHttpDate(long long unix_seconds);

}  // namespace nca::net
