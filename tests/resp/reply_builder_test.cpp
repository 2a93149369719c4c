#include "resp/reply_builder.h"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "common/byte_buffer.h"

namespace strata::resp {
namespace {

// Builds one reply in the given protocol and returns its bytes.
template <typename F>
std::string Encode(int protocol, F&& build) {
  ByteBuffer out;
  ReplyBuilder reply(&out);
  reply.set_protocol(protocol);
  build(reply);
  return std::string(out.view());
}

// The same reply in RESP2 and in RESP3.
template <typename F>
void ExpectEncodings(F&& build, std::string_view resp2, std::string_view resp3) {
  EXPECT_EQ(Encode(2, build), resp2);
  EXPECT_EQ(Encode(3, build), resp3);
}

TEST(ReplyBuilder, DefaultsToResp2) {
  ByteBuffer out;
  ReplyBuilder reply(&out);
  EXPECT_EQ(reply.protocol(), 2);
  EXPECT_FALSE(reply.resp3());
  reply.set_protocol(3);
  EXPECT_TRUE(reply.resp3());
}

TEST(ReplyBuilder, SimpleStringsAndOk) {
  ExpectEncodings([](ReplyBuilder& r) { r.Ok(); }, "+OK\r\n", "+OK\r\n");
  ExpectEncodings([](ReplyBuilder& r) { r.Simple("PONG"); }, "+PONG\r\n", "+PONG\r\n");
  ExpectEncodings([](ReplyBuilder& r) { r.Simple(""); }, "+\r\n", "+\r\n");
}

TEST(ReplyBuilder, ErrorsStayOnOneLineAndAreCounted) {
  ExpectEncodings([](ReplyBuilder& r) { r.Error("ERR syntax error"); }, "-ERR syntax error\r\n",
                  "-ERR syntax error\r\n");
  ExpectEncodings([](ReplyBuilder& r) { r.Error("ERR a\r\nb\nc"); }, "-ERR a  b c\r\n", "-ERR a  b c\r\n");
  ByteBuffer out;
  ReplyBuilder reply(&out);
  EXPECT_EQ(reply.errors(), 0u);
  reply.Error("ERR one");
  reply.Ok();
  reply.Error("WRONGTYPE two");
  EXPECT_EQ(reply.errors(), 2u);
}

TEST(ReplyBuilder, Integers) {
  ExpectEncodings([](ReplyBuilder& r) { r.Integer(0); }, ":0\r\n", ":0\r\n");
  ExpectEncodings([](ReplyBuilder& r) { r.Integer(-42); }, ":-42\r\n", ":-42\r\n");
  ExpectEncodings([](ReplyBuilder& r) { r.Integer(INT64_MAX); }, ":9223372036854775807\r\n",
                  ":9223372036854775807\r\n");
  ExpectEncodings([](ReplyBuilder& r) { r.Integer(INT64_MIN); }, ":-9223372036854775808\r\n",
                  ":-9223372036854775808\r\n");
}

TEST(ReplyBuilder, BulkStringsAreBinarySafe) {
  ExpectEncodings([](ReplyBuilder& r) { r.Bulk("bar"); }, "$3\r\nbar\r\n", "$3\r\nbar\r\n");
  ExpectEncodings([](ReplyBuilder& r) { r.Bulk(""); }, "$0\r\n\r\n", "$0\r\n\r\n");
  const std::string binary("a\0\r\nb", 5);
  EXPECT_EQ(Encode(2, [&](ReplyBuilder& r) { r.Bulk(binary); }), "$5\r\n" + binary + "\r\n");
  const std::string big(100000, 'z');
  EXPECT_EQ(Encode(3, [&](ReplyBuilder& r) { r.Bulk(big); }), "$100000\r\n" + big + "\r\n");
}

TEST(ReplyBuilder, Nulls) {
  ExpectEncodings([](ReplyBuilder& r) { r.Null(); }, "$-1\r\n", "_\r\n");
  ExpectEncodings([](ReplyBuilder& r) { r.NullArray(); }, "*-1\r\n", "_\r\n");
}

TEST(ReplyBuilder, AggregateHeaders) {
  ExpectEncodings([](ReplyBuilder& r) { r.ArrayHeader(3); }, "*3\r\n", "*3\r\n");
  ExpectEncodings([](ReplyBuilder& r) { r.ArrayHeader(0); }, "*0\r\n", "*0\r\n");
  // A map of N pairs is a flat array of 2N elements in RESP2.
  ExpectEncodings([](ReplyBuilder& r) { r.MapHeader(2); }, "*4\r\n", "%2\r\n");
  ExpectEncodings([](ReplyBuilder& r) { r.MapHeader(0); }, "*0\r\n", "%0\r\n");
  ExpectEncodings([](ReplyBuilder& r) { r.SetHeader(5); }, "*5\r\n", "~5\r\n");
  ExpectEncodings([](ReplyBuilder& r) { r.PushHeader(3); }, "*3\r\n", ">3\r\n");
}

TEST(ReplyBuilder, Doubles) {
  ExpectEncodings([](ReplyBuilder& r) { r.Double(1.5); }, "$3\r\n1.5\r\n", ",1.5\r\n");
  ExpectEncodings([](ReplyBuilder& r) { r.Double(3.0); }, "$1\r\n3\r\n", ",3\r\n");
  ExpectEncodings([](ReplyBuilder& r) { r.Double(-2.25); }, "$5\r\n-2.25\r\n", ",-2.25\r\n");
  // 17 significant digits, as printf's "%.17g".
  ExpectEncodings([](ReplyBuilder& r) { r.Double(0.1); }, "$19\r\n0.10000000000000001\r\n",
                  ",0.10000000000000001\r\n");
  ExpectEncodings([](ReplyBuilder& r) { r.Double(1e300); }, "$23\r\n1.0000000000000001e+300\r\n",
                  ",1.0000000000000001e+300\r\n");
  const double inf = std::numeric_limits<double>::infinity();
  ExpectEncodings([&](ReplyBuilder& r) { r.Double(inf); }, "$3\r\ninf\r\n", ",inf\r\n");
  ExpectEncodings([&](ReplyBuilder& r) { r.Double(-inf); }, "$4\r\n-inf\r\n", ",-inf\r\n");
}

TEST(ReplyBuilder, Booleans) {
  ExpectEncodings([](ReplyBuilder& r) { r.Bool(true); }, ":1\r\n", "#t\r\n");
  ExpectEncodings([](ReplyBuilder& r) { r.Bool(false); }, ":0\r\n", "#f\r\n");
}

TEST(ReplyBuilder, BigNumbers) {
  ExpectEncodings([](ReplyBuilder& r) { r.BigNumber("3492890328409238509324850943850943825024385"); },
                  "$43\r\n3492890328409238509324850943850943825024385\r\n",
                  "(3492890328409238509324850943850943825024385\r\n");
}

TEST(ReplyBuilder, VerbatimStrings) {
  // The length counts the 3-letter format and its colon.
  ExpectEncodings([](ReplyBuilder& r) { r.Verbatim("Some string"); }, "$11\r\nSome string\r\n",
                  "=15\r\ntxt:Some string\r\n");
  ExpectEncodings([](ReplyBuilder& r) { r.Verbatim("# Server\r\nx:1\r\n", "txt"); },
                  "$15\r\n# Server\r\nx:1\r\n\r\n", "=19\r\ntxt:# Server\r\nx:1\r\n\r\n");
  ExpectEncodings([](ReplyBuilder& r) { r.Verbatim("**hi**", "mkd"); }, "$6\r\n**hi**\r\n",
                  "=10\r\nmkd:**hi**\r\n");
}

TEST(ReplyBuilder, RawBytesPassThrough) {
  ExpectEncodings([](ReplyBuilder& r) { r.Raw("+QUEUED\r\n"); }, "+QUEUED\r\n", "+QUEUED\r\n");
}

TEST(ReplyBuilder, NestedAggregate) {
  // HELLO-like: a map whose last value is an empty array.
  ExpectEncodings(
      [](ReplyBuilder& r) {
        r.MapHeader(2);
        r.Bulk("proto");
        r.Integer(3);
        r.Bulk("modules");
        r.ArrayHeader(0);
      },
      "*4\r\n$5\r\nproto\r\n:3\r\n$7\r\nmodules\r\n*0\r\n", "%2\r\n$5\r\nproto\r\n:3\r\n$7\r\nmodules\r\n*0\r\n");
}

TEST(ReplyBuilder, DeferredArray) {
  ExpectEncodings(
      [](ReplyBuilder& r) {
        r.Bulk("before");
        const size_t h = r.BeginDeferredArray();
        r.Bulk("a");
        r.Integer(1);
        r.EndDeferredArray(h, 2);
        r.Ok();
      },
      "$6\r\nbefore\r\n*2\r\n$1\r\na\r\n:1\r\n+OK\r\n", "$6\r\nbefore\r\n*2\r\n$1\r\na\r\n:1\r\n+OK\r\n");
}

TEST(ReplyBuilder, DeferredMapAndSet) {
  ExpectEncodings(
      [](ReplyBuilder& r) {
        const size_t h = r.BeginDeferredMap();
        r.Bulk("k");
        r.Double(2.5);
        r.EndDeferredMap(h, 1);
      },
      "*2\r\n$1\r\nk\r\n$3\r\n2.5\r\n", "%1\r\n$1\r\nk\r\n,2.5\r\n");
  ExpectEncodings(
      [](ReplyBuilder& r) {
        const size_t h = r.BeginDeferredSet();
        r.Bulk("m1");
        r.Bulk("m2");
        r.Bulk("m3");
        r.EndDeferredSet(h, 3);
      },
      "*3\r\n$2\r\nm1\r\n$2\r\nm2\r\n$2\r\nm3\r\n", "~3\r\n$2\r\nm1\r\n$2\r\nm2\r\n$2\r\nm3\r\n");
}

TEST(ReplyBuilder, EmptyAndNestedDeferredHeaders) {
  ExpectEncodings(
      [](ReplyBuilder& r) {
        const size_t h = r.BeginDeferredArray();
        r.EndDeferredArray(h, 0);
      },
      "*0\r\n", "*0\r\n");
  // SCAN-like: an outer array whose second element is a deferred array.
  ExpectEncodings(
      [](ReplyBuilder& r) {
        const size_t outer = r.BeginDeferredArray();
        r.Bulk("0");
        const size_t inner = r.BeginDeferredSet();
        r.Bulk("x");
        r.EndDeferredSet(inner, 1);
        r.EndDeferredArray(outer, 2);
      },
      "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nx\r\n", "*2\r\n$1\r\n0\r\n~1\r\n$1\r\nx\r\n");
}

TEST(ReplyBuilder, DeferredHeaderWithManyElementsAndBufferGrowth) {
  constexpr size_t kCount = 100000;
  ByteBuffer out;
  ReplyBuilder reply(&out);
  const size_t h = reply.BeginDeferredArray();
  std::string expected_body;
  for (size_t i = 0; i < kCount; ++i) {
    reply.Integer(static_cast<int64_t>(i));
    expected_body += ":" + std::to_string(i) + "\r\n";
  }
  reply.EndDeferredArray(h, kCount);
  EXPECT_EQ(out.view(), "*100000\r\n" + expected_body);
}

TEST(ReplyBuilder, DeferredHeaderAfterPartiallyDrainedBuffer) {
  ByteBuffer out;
  ReplyBuilder reply(&out);
  reply.Bulk("already-sent");
  out.Consume(5);  // the writer drained part of an earlier reply
  const size_t h = reply.BeginDeferredArray();
  reply.Bulk("x");
  reply.EndDeferredArray(h, 1);
  EXPECT_EQ(out.view(), std::string("$12\r\nalready-sent\r\n").substr(5) + "*1\r\n$1\r\nx\r\n");
}

TEST(ReplyBuilder, ProtocolSwitchAppliesToLaterReplies) {
  ByteBuffer out;
  ReplyBuilder reply(&out);
  reply.Null();
  reply.set_protocol(3);
  reply.Null();
  reply.set_protocol(2);
  reply.Bool(true);
  EXPECT_EQ(out.view(), "$-1\r\n_\r\n:1\r\n");
}

}  // namespace
}  // namespace strata::resp
