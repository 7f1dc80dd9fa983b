// The request-head parser, Accept-Encoding negotiation and the response head (net/http1.h).
#include "net/http1.h"

#include <gtest/gtest.h>

#include <string>

namespace nca::net {
namespace {

HeadParse Parse(const std::string& s, HeadLimits limits = {}) {
  return ParseRequestHead(s, limits);
}

TEST(Http1ParseTest, SimpleGetWithHeadersAndQuery) {
  const std::string req =
      "GET /metrics?x=1&y=%20 HTTP/1.1\r\nHost: a:9474\r\nAccept-Encoding: gzip\r\n"
      "X-Dup: 1\r\nx-dup: 2\r\n\r\nNEXT";
  HeadParse p = Parse(req);
  ASSERT_EQ(p.status, HeadStatus::kComplete) << p.error;
  EXPECT_EQ(p.consumed, req.size() - 4);
  EXPECT_EQ(p.head.method, "GET");
  EXPECT_EQ(p.head.path, "/metrics");
  EXPECT_EQ(p.head.query, "x=1&y=%20");
  EXPECT_EQ(p.head.minor_version, 1);
  EXPECT_TRUE(p.head.keep_alive);
  EXPECT_EQ(p.head.headers.at("host"), "a:9474");
  EXPECT_EQ(p.head.headers.at("accept-encoding"), "gzip");
  EXPECT_EQ(p.head.headers.at("x-dup"), "1, 2");
  EXPECT_EQ(p.head.content_length, 0u);
}

TEST(Http1ParseTest, IncompleteUntilTheEmptyLine) {
  const std::string req = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  for (std::size_t n = 0; n < req.size(); ++n) {
    EXPECT_EQ(Parse(req.substr(0, n)).status, HeadStatus::kIncomplete) << n;
  }
  EXPECT_EQ(Parse(req).status, HeadStatus::kComplete);
}

TEST(Http1ParseTest, BareLineFeedsAndLeadingEmptyLinesAndPercentDecodedPath) {
  HeadParse p = Parse("\r\n\nGET /a%2Fb%zz HTTP/1.0\nConnection: Keep-Alive\n\n");
  ASSERT_EQ(p.status, HeadStatus::kComplete) << p.error;
  EXPECT_EQ(p.head.path, "/a/b%zz");
  EXPECT_EQ(p.head.minor_version, 0);
  EXPECT_TRUE(p.head.keep_alive);
}

TEST(Http1ParseTest, Persistence) {
  EXPECT_FALSE(Parse("GET / HTTP/1.0\r\n\r\n").head.keep_alive);
  EXPECT_FALSE(Parse("GET / HTTP/1.1\r\nConnection: foo, Close\r\n\r\n").head.keep_alive);
  EXPECT_TRUE(Parse("GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n").head.keep_alive);
}

TEST(Http1ParseTest, AbsoluteFormAndAsterisk) {
  HeadParse p = Parse("GET http://h:1/metrics?q HTTP/1.1\r\n\r\n");
  ASSERT_EQ(p.status, HeadStatus::kComplete);
  EXPECT_EQ(p.head.path, "/metrics");
  EXPECT_EQ(p.head.query, "q");
  EXPECT_EQ(Parse("GET http://h:1 HTTP/1.1\r\n\r\n").head.path, "/");
  EXPECT_EQ(Parse("OPTIONS * HTTP/1.1\r\n\r\n").head.path, "*");
}

TEST(Http1ParseTest, ContentLength) {
  HeadParse p = Parse("POST /-/reload HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_EQ(p.status, HeadStatus::kComplete);
  EXPECT_EQ(p.head.content_length, 5u);
  EXPECT_EQ(Parse("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n").status,
            HeadStatus::kComplete);
}

struct Refusal {
  const char* request;
  int status;
};

class Http1RefusalTest : public ::testing::TestWithParam<Refusal> {};

TEST_P(Http1RefusalTest, AnswersTheStatus) {
  HeadLimits limits;
  limits.max_head_bytes = 64;
  limits.max_body_bytes = 10;
  HeadParse p = ParseRequestHead(GetParam().request, limits);
  EXPECT_EQ(p.status, HeadStatus::kError);
  EXPECT_EQ(p.error_status, GetParam().status) << p.error;
  EXPECT_FALSE(p.error.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Http1RefusalTest,
    ::testing::Values(
        Refusal{"GET /\r\n\r\n", 400}, Refusal{"GET  / HTTP/1.1\r\n\r\n", 400},
        Refusal{"GET / HTTP/1.1 x\r\n\r\n", 400}, Refusal{"G(T / HTTP/1.1\r\n\r\n", 400},
        Refusal{"GET / HTTP/2.0\r\n\r\n", 505}, Refusal{"GET / HTTP/1.2\r\n\r\n", 505},
        Refusal{"GET / HTTX/1.1\r\n\r\n", 400}, Refusal{"GET relative HTTP/1.1\r\n\r\n", 400},
        Refusal{"GET /\x7f HTTP/1.1\r\n\r\n", 400},
        Refusal{"GET / HTTP/1.1\r\nNo colon\r\n\r\n", 400},
        Refusal{"GET / HTTP/1.1\r\nA b: c\r\n\r\n", 400},
        Refusal{"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400},
        Refusal{"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        Refusal{"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
        Refusal{"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
        Refusal{"POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400},
        Refusal{"POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", 413},
        Refusal{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
        Refusal{"GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                "aaaa HTTP/1.1\r\n\r\n",
                431},
        Refusal{"GET / HTTP/1.1\r\nX: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                "aaaa\r\n\r\n",
                431}),
    [](const ::testing::TestParamInfo<Refusal>& p) {
      return "Status" + std::to_string(p.param.status) + "Case" + std::to_string(p.index);
    });

TEST(Http1ParseTest, AnUnterminatedHeadOverTheLimitIsRefusedWithoutWaiting) {
  HeadLimits limits;
  limits.max_head_bytes = 32;
  EXPECT_EQ(ParseRequestHead(std::string(40, 'a'), limits).error_status, 431);
  EXPECT_EQ(ParseRequestHead("GET / HTTP/1.1\r\nX: " + std::string(40, 'a'), limits).error_status,
            431);
}

TEST(Http1AcceptEncodingTest, Negotiation) {
  EXPECT_TRUE(AcceptsEncoding("gzip", "gzip"));
  EXPECT_TRUE(AcceptsEncoding("deflate, GZIP;q=0.5", "gzip"));  // what Prometheus sends: gzip
  EXPECT_TRUE(AcceptsEncoding("*", "gzip"));
  EXPECT_TRUE(AcceptsEncoding("br ; q=1, *;q=0.1", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("identity", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("gzip;q=0", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("gzip;q=0.000, *", "gzip"));  // named beats *
  EXPECT_FALSE(AcceptsEncoding("*;q=0", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("gzipx", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("gzip;q=bad", "gzip"));
}

TEST(Http1ResponseTest, HeadAndDate) {
  EXPECT_EQ(FormatHttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
  EXPECT_EQ(FormatResponseHead(200, "text/plain", {{"Vary", "Accept-Encoding"}}, 12, true,
                               "Sun, 06 Nov 1994 08:49:37 GMT"),
            "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Type: "
            "text/plain\r\nVary: Accept-Encoding\r\nContent-Length: 12\r\n\r\n");
  EXPECT_EQ(FormatResponseHead(431, "", {}, 0, false, ""),
            "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: "
            "close\r\n\r\n");
}

}  // namespace
}  // namespace nca::net
