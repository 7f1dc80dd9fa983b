// The HTTP surface of one simulated member: GET / discovery, /db/<db>/cluster/{available,
// writable,read-only,status}, /dbms/cluster/status, POST /db/<db>/tx/commit and
// /db/<db>/query/v2, Basic auth, and the per-member answer-mode faults. Builds complete
// responses from the model; the Simulator does the waiting (hang, slow) and the writing.
//
// Thread-compatible: callers hold the simulator lock (the model is mutated only to count failed
// authentication attempts).
#pragma once

#include <cstddef>
#include <string>

#include "common/clock.h"
#include "net/http_server.h"
#include "sim/model.h"

namespace nca::sim {

struct MemberReply {
  net::HttpResponse response;
  // When > 0, the body is not response.body but a valid JSON prefix of this many bytes (the
  // "oversized" answer mode), streamed by the caller.
  std::size_t oversized_bytes = 0;
  // The "truncated" answer mode: the caller sends the status line and headers of `response`
  // (Content-Length of the whole body) but only the first half of the body, then closes.
  bool truncated = false;
};

// Fixed facts the responses need besides the model.
struct ServeContext {
  SystemTime started_wall;  // creationTime / lastStartTime of databases
};

MemberReply ServeMemberRequest(Model& model, MemberIndex m, const net::HttpRequest& request,
                               const ServeContext& context);

// The first bytes of an oversized body: `{"padding":"` followed by 'x' up to the size.
inline constexpr char kOversizedPrefix[] = "{\"padding\":\"";

// Exact bodies of the authentication errors (compact, as the server's tests assert them).
std::string AuthErrorBody(std::string_view code, std::string_view message);

}  // namespace nca::sim
