#include "http/request_reader.h"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace strata::http {
namespace {

using Status = RequestReader::Status;

TEST(RequestReader, OneRequestWithAuthorization) {
  RequestReader r;
  const std::string_view req =
      "GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nauthorization: Bearer s3cret\r\n\r\n";
  size_t consumed = 0;
  ASSERT_EQ(r.Feed(req, &consumed), Status::kRequest);
  EXPECT_EQ(consumed, req.size());
  EXPECT_EQ(r.request().method, "GET");
  EXPECT_EQ(r.request().path, "/metrics");
  EXPECT_EQ(r.request().authorization, "Bearer s3cret");
  EXPECT_TRUE(r.request().keep_alive);
}

TEST(RequestReader, ByteByByteAndConnectionClose) {
  RequestReader r;
  const std::string req = "GET /healthz HTTP/1.1\r\nConnection: close\r\nAuthor";
  const std::string rest = "ization: a\r\n\r\n";
  size_t consumed = 0;
  for (char c : req) {
    ASSERT_EQ(r.Feed(std::string_view(&c, 1), &consumed), Status::kNeedMore);
    EXPECT_EQ(consumed, 1u);
  }
  for (size_t i = 0; i + 1 < rest.size(); ++i) ASSERT_EQ(r.Feed(rest.substr(i, 1), &consumed), Status::kNeedMore);
  ASSERT_EQ(r.Feed(rest.substr(rest.size() - 1), &consumed), Status::kRequest);
  EXPECT_EQ(r.request().path, "/healthz");
  EXPECT_EQ(r.request().authorization, "a");
  EXPECT_FALSE(r.request().keep_alive);
}

TEST(RequestReader, PipelinedRequestsOneAtATime) {
  RequestReader r;
  std::string in = "GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyzGET /c HTTP/1.0\r\n\r\n";
  std::string paths;
  size_t consumed = 0;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(r.Feed(in, &consumed), Status::kRequest) << i;
    in.erase(0, consumed);
    paths += r.request().method + r.request().path + (r.request().keep_alive ? "+" : "-") + " ";
  }
  EXPECT_EQ(paths, "GET/a+ POST/b+ GET/c- ");
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(r.Feed(in, &consumed), Status::kNeedMore);
}

TEST(RequestReader, MalformedIsBadRequest) {
  for (std::string_view bad : {"garbage\r\n\r\n", "GET / HTTP/9.x\r\n\r\n", "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
                               "\x16\x03\x01\x02\x00"}) {
    RequestReader r;
    size_t consumed = 0;
    EXPECT_EQ(r.Feed(bad, &consumed), Status::kBadRequest) << bad;
  }
}

TEST(RequestReader, OversizedUrlAndHeadersAreTooLarge) {
  RequestLimits limits;
  limits.max_url = 100;
  limits.max_header_bytes = 300;
  {
    RequestReader r(limits);
    size_t consumed = 0;
    EXPECT_EQ(r.Feed("GET /" + std::string(200, 'a') + " HTTP/1.1\r\n\r\n", &consumed), Status::kTooLarge);
  }
  {
    RequestReader r(limits);
    size_t consumed = 0;
    EXPECT_EQ(r.Feed("GET / HTTP/1.1\r\nX: " + std::string(400, 'a') + "\r\n\r\n", &consumed), Status::kTooLarge);
  }
  {
    // Many small headers add up.
    RequestReader r(limits);
    std::string req = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 40; ++i) req += "X-H: 0123456789\r\n";
    size_t consumed = 0;
    EXPECT_EQ(r.Feed(req + "\r\n", &consumed), Status::kTooLarge);
  }
  {
    // The limits count one request: the next starts from zero.
    RequestReader r(limits);
    const std::string one = "GET / HTTP/1.1\r\nX: " + std::string(200, 'a') + "\r\n\r\n";
    size_t consumed = 0;
    EXPECT_EQ(r.Feed(one, &consumed), Status::kRequest);
    EXPECT_EQ(r.Feed(one, &consumed), Status::kRequest);
  }
}

TEST(RequestReader, OversizedBody) {
  RequestLimits limits;
  limits.max_body = 10;
  RequestReader r(limits);
  size_t consumed = 0;
  EXPECT_EQ(r.Feed("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n01234567890", &consumed), Status::kBodyTooLarge);
}

}  // namespace
}  // namespace strata::http
