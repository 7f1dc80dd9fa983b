// The Simulator's HTTP request handlers: a member's Neo4j HTTP API (HandleMember, with the hang,
// slow, oversized and truncated answer modes), its Prometheus metrics endpoint (HandleMetrics),
// a cross-cluster link forwarding to a serving member (HandleLink), and the control API
// (/state, /faults, /reset, /healthz).
#include <algorithm>
#include <utility>

#include "common/logging.h"
#include "sim/neo4j_metrics.h"
#include "sim/simulator.h"

namespace nca::sim {
namespace {

using ojson = nlohmann::ordered_json;

constexpr Millis kHangPoll{20};
constexpr std::size_t kStreamChunk = 64 * 1024;

void SendJson(net::HttpExchange& ex, int status, const ojson& body) {
  net::HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump(2);
  r.body.push_back('\n');
  ex.Send(r);
}

void StreamOversized(net::HttpExchange& ex, std::size_t total) {
  ex.CloseAfterResponse();
  ex.SendRaw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
             std::to_string(total) + "\r\nConnection: close\r\n\r\n");
  const std::string_view prefix = kOversizedPrefix;
  ex.SendRaw(prefix);
  std::size_t sent = prefix.size();
  const std::string chunk(kStreamChunk, 'x');
  while (sent < total && !ex.Stopping()) {
    std::size_t n = std::min(kStreamChunk, total - sent);
    ex.SendRaw(std::string_view(chunk).substr(0, n));
    sent += n;
  }
}

// The "truncated" answer mode: exactly the head HttpExchange::Send writes (Content-Length of the
// whole body), then the first half of the body; returning closes the connection (no keep-alive),
// so the client sees the answer end early.
void SendTruncated(net::HttpExchange& ex, const net::HttpResponse& r) {
  ex.CloseAfterResponse();
  std::string head = "HTTP/1.1 " + std::to_string(r.status) + " " +
                     std::string(net::ReasonPhrase(r.status)) + "\r\n";
  if (!r.content_type.empty()) {
    head += "Content-Type: " + r.content_type + "\r\n";
  }
  for (const auto& [k, v] : r.headers) {
    head += k + ": " + v + "\r\n";
  }
  head += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  head += "Connection: close\r\n\r\n";
  ex.SendRaw(head);
  ex.SendRaw(std::string_view(r.body).substr(0, r.body.size() / 2));
}

}  // namespace

void Simulator::HandleMetrics(MemberIndex mi, const net::HttpRequest& req, net::HttpExchange& ex) {
  (void)req;  // like Prometheus simpleclient's HTTPServer: every path and method gets the text
  MetricsMode mode = MetricsMode::kOk;
  Millis delay{0};
  std::size_t huge = 0;
  for (;;) {
    bool up = false;
    bool hung = false;
    {
      std::lock_guard lock(mu_);
      const SimMember& m = model_.member(mi);
      up = m.up;
      hung = m.hung;
      mode = m.metrics_mode;
      delay = m.slow + (m.metrics_mode == MetricsMode::kSlow ? m.metrics_delay : Millis(0));
      huge = m.metrics_size_bytes;
    }
    if (!up || mode == MetricsMode::kDisabled) {
      return;  // being closed: no answer
    }
    if (!hung && mode != MetricsMode::kHang) {
      break;
    }
    if (!ex.SleepFor(kHangPoll)) {
      return;
    }
  }
  if (delay.count() > 0 && !ex.SleepFor(delay)) {
    return;
  }
  net::HttpResponse r;
  r.content_type = kNeo4jMetricsContentType;
  switch (mode) {
    case MetricsMode::kHtml:
      r.content_type = "text/html; charset=utf-8";
      r.body =
          "<!DOCTYPE html>\n<html><head><title>Login</title></head>\n<body><h1>Sign in</h1>"
          "<form method=\"post\" action=\"/login\"><input name=\"user\"></form></body></html>\n";
      ex.Send(r);
      return;
    case MetricsMode::kStatus500:
      r.status = 500;
      r.content_type = "text/plain; charset=utf-8";
      r.body = "Internal Server Error\n";
      ex.Send(r);
      return;
    case MetricsMode::kGarbage:
      static constexpr char kGarbage[] =
          "\x1f\x8b\x08\x00 not prometheus {{{ metric=== \xff\xfe\n"
          "neo4j_dbms_vm_heap_used{quantile=\"0.5\" 1.0.0 twelve\n# TYPE\n}}}\n";
      r.body.assign(kGarbage, sizeof(kGarbage) - 1);
      ex.Send(r);
      return;
    default:
      break;
  }
  std::string body;
  {
    std::lock_guard lock(mu_);
    body = RenderNeo4jMetrics(Neo4jMetricsFromModel(model_, mi));
  }
  if (mode != MetricsMode::kHuge) {
    r.body = std::move(body);
    ex.Send(r);
    return;
  }
  // Valid exposition text padded with comment lines to `huge` bytes.
  const std::size_t total = std::max(huge, body.size());
  ex.CloseAfterResponse();
  ex.SendRaw("HTTP/1.1 200 OK\r\nContent-Type: " + std::string(kNeo4jMetricsContentType) +
             "\r\nContent-Length: " + std::to_string(total) + "\r\nConnection: close\r\n\r\n");
  ex.SendRaw(body);
  std::size_t sent = body.size();
  std::string line = "# " + std::string(126, 'x') + "\n";
  std::string chunk;
  while (chunk.size() < kStreamChunk) {
    chunk += line;
  }
  while (sent < total && !ex.Stopping()) {
    std::size_t left = total - sent;
    if (left <= chunk.size()) {
      // The last piece: a comment line of exactly `left` bytes ("#" ... "\n").
      std::string tail = left >= 2 ? "#" + std::string(left - 2, ' ') + "\n" : "\n";
      ex.SendRaw(tail);
      sent += tail.size();
    } else {
      ex.SendRaw(chunk);
      sent += chunk.size();
    }
  }
}

void Simulator::HandleLink(std::size_t li, const net::HttpRequest& req, net::HttpExchange& ex) {
  const LinkRuntime& rt = *link_rt_[li];
  while (rt.cut.load()) {
    if (!ex.SleepFor(kHangPoll)) {
      return;  // the link closes: drop the connection
    }
  }
  const Millis delay(rt.delay_ms.load());
  if (delay.count() > 0 && !ex.SleepFor(delay)) {
    return;
  }
  std::optional<int> member;
  {
    std::lock_guard lock(mu_);
    member = model_.ServingMember(rt.to);
  }
  if (!member) {
    return;  // no endpoint left: close without an answer
  }
  HandleMember(MemberIndex{rt.to, *member}, req, ex);
}

void Simulator::HandleMember(MemberIndex mi, const net::HttpRequest& req, net::HttpExchange& ex) {
  {
    std::lock_guard lock(mu_);
    ++model_.mutable_member(mi).requests_in_flight;
  }
  struct Done {
    Simulator* sim;
    MemberIndex mi;
    ~Done() {
      std::lock_guard lock(sim->mu_);
      --sim->model_.mutable_member(mi).requests_in_flight;
    }
  } done{this, mi};
  Millis slow{0};
  for (;;) {
    bool up = false;
    bool hung = false;
    {
      std::lock_guard lock(mu_);
      const SimMember& m = model_.member(mi);
      up = m.up;
      hung = m.hung;
      slow = m.slow;
    }
    if (!up) {
      return;  // being stopped: close without an answer
    }
    if (!hung) {
      break;
    }
    if (!ex.SleepFor(kHangPoll)) {
      return;
    }
  }
  if (slow.count() > 0 && !ex.SleepFor(slow)) {
    return;
  }
  MemberReply reply;
  std::string name;
  {
    std::lock_guard lock(mu_);
    reply = ServeMemberRequest(model_, mi, req, context_);
    name = model_.member(mi).spec.name;
  }
  auto logger = GetLogger("sim.http");
  if (logger->should_log(spdlog::level::debug)) {
    logger->debug("msg=\"request\" member={} method={} path={} status={}", name, req.method,
                  LogQuote(req.path), reply.response.status);
  }
  if (reply.oversized_bytes > 0) {
    StreamOversized(ex, reply.oversized_bytes);
  } else if (reply.truncated) {
    SendTruncated(ex, reply.response);
  } else {
    ex.Send(reply.response);
  }
}

void Simulator::HandleControl(const net::HttpRequest& req, net::HttpExchange& ex) {
  if (req.path == "/state" && req.method == "GET") {
    SendJson(ex, 200, StateJson());
    return;
  }
  if (req.path == "/healthz" && req.method == "GET") {
    net::HttpResponse r;
    r.body = "ok\n";
    ex.Send(r);
    return;
  }
  if (req.path == "/reset" && req.method == "POST") {
    FaultAction reset;
    reset.kind = FaultKind::kReset;
    auto st = Apply(reset);
    if (!st) {
      SendJson(ex, 500, ojson{{"error", st.error().message}});
      return;
    }
    SendJson(ex, 200, ojson{{"applied", 1}});
    return;
  }
  if (req.path == "/faults" && req.method == "POST") {
    auto body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) {
      SendJson(ex, 400, ojson{{"error", "the body is not JSON"}, {"applied", 0}});
      return;
    }
    std::vector<FaultAction> actions;
    const nlohmann::json list = body.is_array() ? body : nlohmann::json::array({body});
    for (const auto& item : list) {
      auto action = ParseFaultAction(item);
      if (!action) {
        SendJson(ex, 400, ojson{{"error", action.error().message}, {"applied", 0}});
        return;
      }
      actions.push_back(std::move(*action));
    }
    int applied = 0;
    for (const auto& action : actions) {
      auto st = Apply(action);
      if (!st) {
        SendJson(ex, 400, ojson{{"error", st.error().message}, {"applied", applied}});
        return;
      }
      ++applied;
    }
    SendJson(ex, 200, ojson{{"applied", applied}});
    return;
  }
  const bool known = req.path == "/state" || req.path == "/faults" || req.path == "/reset" ||
                     req.path == "/healthz";
  SendJson(ex, known ? 405 : 404, ojson{{"error", known ? "method not allowed" : "not found"}});
}

}  // namespace nca::sim
