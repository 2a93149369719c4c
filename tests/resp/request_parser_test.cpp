#include "resp/request_parser.h"

#include <cstdlib>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

// Counts the largest single heap allocation made while `g_track_allocations` is set, so tests can
// show that a huge announced length reserves nothing up front. Replacing the global operator new
// is allowed by the standard and affects only this test binary.
namespace {
thread_local bool g_track_allocations = false;
thread_local size_t g_largest_allocation = 0;
}  // namespace

// Out of line, so the compiler does not pair the inlined free() with a `new` and warn.
[[gnu::noinline]] void* operator new(size_t size) {
  if (g_track_allocations && size > g_largest_allocation) g_largest_allocation = size;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace strata::resp {
namespace {

using Result = RequestParser::Result;
using Request = std::vector<std::string>;

constexpr size_t k64K = 64 * 1024;

// What a connection gets out of a byte stream: the requests in order, and how the stream ended.
struct Outcome {
  std::vector<Request> requests;
  Result end = Result::kNeedMore;
  std::string error;
  size_t unconsumed = 0;  // bytes left over after the last request (0 after an error)

  bool operator==(const Outcome& o) const {
    return requests == o.requests && end == o.end && error == o.error && unconsumed == o.unconsumed;
  }
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  os << o.requests.size() << " requests, end=" << static_cast<int>(o.end) << " error='" << o.error
     << "' unconsumed=" << o.unconsumed;
  return os;
}

// Feeds `chunks` to one parser the way a connection does: bytes accumulate in a buffer, complete
// requests are dropped from its front, and after kNeedMore the request is offered again from its
// first byte. The buffer is copied to a fresh allocation before each call so views into an old
// buffer would be caught by ASan, and offsets must survive the move.
Outcome Feed(const std::vector<std::string_view>& chunks, ParserLimits limits = ParserLimits()) {
  RequestParser parser(limits);
  Outcome out;
  std::string buffer;
  for (std::string_view chunk : chunks) {
    buffer = std::string(buffer) + std::string(chunk);
    while (!buffer.empty()) {
      const Result r = parser.Parse(buffer.data(), buffer.size());
      if (r == Result::kNeedMore) break;
      if (r == Result::kError) {
        out.end = Result::kError;
        out.error = std::string(parser.error());
        return out;  // what is left depends on how much had arrived: not compared
      }
      EXPECT_GT(parser.consumed(), 0u);
      EXPECT_LE(parser.consumed(), buffer.size());
      Request req;
      for (std::string_view a : parser.args()) req.emplace_back(a);
      out.requests.push_back(std::move(req));
      buffer.erase(0, parser.consumed());
    }
  }
  out.end = buffer.empty() ? Result::kRequest : Result::kNeedMore;
  out.unconsumed = buffer.size();
  return out;
}

Outcome FeedWhole(std::string_view data, ParserLimits limits = ParserLimits()) { return Feed({data}, limits); }

// The first result of parsing `data` in one call.
Result ParseOnce(RequestParser& parser, std::string_view data) { return parser.Parse(data.data(), data.size()); }

std::string Multibulk(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

// A stream mixing every request shape the parser knows, with the requests it must yield.
struct MixedStream {
  std::string bytes;
  std::vector<Request> expected;
};

MixedStream MakeMixedStream() {
  MixedStream s;
  auto add = [&s](std::string bytes, Request expected) {
    s.bytes += bytes;
    s.expected.push_back(std::move(expected));
  };
  std::string binary;
  for (int i = 0; i < 300; ++i) binary.push_back(static_cast<char>(i % 256));
  binary += "\r\n*1\r\n$4\r\n";  // protocol-looking bytes inside a payload are just data
  add(Multibulk({"SET", "key", binary}), {"SET", "key", binary});
  add("PING\r\n", {"PING"});
  add("ECHO \"hello world\" 'it\\'s' \"\\x41\\n\\t\"\n", {"ECHO", "hello world", "it's", "A\n\t"});
  add("*0\r\n", {});      // an empty multibulk: a request without arguments, skipped by the caller
  add("*-1\r\n", {});     // so is a null one
  add("\r\n", {});        // and an empty inline line
  add("*1\r\n$0\r\n\r\n", {""});
  add("   SET  a   b  \r\n", {"SET", "a", "b"});
  add(Multibulk({"ECHO", "0123456789"}), {"ECHO", "0123456789"});
  add("GET\tkey\r\n", {"GET", "key"});
  add("*2\r\n$4\r\nECHO\r\n$3\r\nabcXY", {"ECHO", "abc"});  // the 2 bytes after a payload are not checked
  add(Multibulk({"MSET", "k1", "v1", "k2", "", "k3", std::string(1000, 'x')}),
      {"MSET", "k1", "v1", "k2", "", "k3", std::string(1000, 'x')});
  add("PING\rPING\r\n", {"PING", "PING"});  // a lone '\r' inside an inline line separates arguments
  return s;
}

TEST(RequestParser, MixedStreamInOneBuffer) {
  const MixedStream s = MakeMixedStream();
  const Outcome out = FeedWhole(s.bytes);
  EXPECT_EQ(out.requests, s.expected);
  EXPECT_EQ(out.end, Result::kRequest);
}

TEST(RequestParser, MixedStreamSplitAtEveryBytePosition) {
  const MixedStream s = MakeMixedStream();
  const std::string_view all(s.bytes);
  const Outcome whole = FeedWhole(all);
  for (size_t split = 0; split <= all.size(); ++split) {
    const Outcome out = Feed({all.substr(0, split), all.substr(split)});
    ASSERT_EQ(out, whole) << "split at byte " << split;
  }
}

TEST(RequestParser, MixedStreamOneByteAtATime) {
  const MixedStream s = MakeMixedStream();
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < s.bytes.size(); ++i) bytes.push_back(std::string_view(s.bytes).substr(i, 1));
  const Outcome out = Feed(bytes);
  EXPECT_EQ(out.requests, s.expected);
  EXPECT_EQ(out.end, Result::kRequest);
}

TEST(RequestParser, ThousandsOfPipelinedRequestsInOneBuffer) {
  constexpr int kRequests = 20000;
  std::string stream;
  std::vector<Request> expected;
  for (int i = 0; i < kRequests; ++i) {
    const std::string key = "key:" + std::to_string(i);
    if (i % 2 == 0) {
      stream += Multibulk({"SET", key, "value:" + std::to_string(i)});
      expected.push_back({"SET", key, "value:" + std::to_string(i)});
    } else {
      stream += "GET " + key + "\r\n";
      expected.push_back({"GET", key});
    }
  }
  RequestParser parser;
  size_t pos = 0;
  size_t n = 0;
  while (pos < stream.size()) {
    ASSERT_EQ(parser.Parse(stream.data() + pos, stream.size() - pos), Result::kRequest) << "request " << n;
    ASSERT_LT(n, expected.size());
    ASSERT_EQ(parser.args().size(), expected[n].size());
    for (size_t a = 0; a < expected[n].size(); ++a) ASSERT_EQ(parser.args()[a], expected[n][a]);
    pos += parser.consumed();
    ++n;
  }
  EXPECT_EQ(n, expected.size());
  EXPECT_EQ(pos, stream.size());
}

TEST(RequestParser, MultibulkArgsAreViewsIntoTheCallersBuffer) {
  const std::string req = Multibulk({"SET", "k", "v"});
  RequestParser parser;
  ASSERT_EQ(ParseOnce(parser, req), Result::kRequest);
  for (std::string_view a : parser.args()) {
    EXPECT_GE(a.data(), req.data());
    EXPECT_LE(a.data() + a.size(), req.data() + req.size());
  }
}

TEST(RequestParser, InlineQuotingFollowsRedis) {
  struct Case {
    std::string line;
    Request args;
  };
  const Case cases[] = {
      {"SET k \"a b\"\r\n", {"SET", "k", "a b"}},
      {"ECHO \"\\x41\\x4a\\x4A\"\r\n", {"ECHO", "AJJ"}},
      {"ECHO \"\\x4g\"\r\n", {"ECHO", "x4g"}},  // not a hex escape: the backslash escapes the 'x'
      {"ECHO \"\\n\\r\\t\\b\\a\\\\\\\"\\q\"\r\n", {"ECHO", "\n\r\t\b\a\\\"q"}},
      {"ECHO 'a\\'b'\r\n", {"ECHO", "a'b"}},
      {"ECHO 'a\\nb'\r\n", {"ECHO", "a\\nb"}},  // single quotes keep backslashes
      {"ECHO \"\" ''\r\n", {"ECHO", "", ""}},
      {"ECHO a\"b c\"\r\n", {"ECHO", "ab c"}},  // a quote inside a word opens a quoted part
      {"PING\n", {"PING"}},
  };
  for (const Case& c : cases) {
    const Outcome out = FeedWhole(c.line);
    ASSERT_EQ(out.requests.size(), 1u) << c.line;
    EXPECT_EQ(out.requests[0], c.args) << c.line;
  }
}

// Error texts and where the limits fall, as redis-server 7.0.15 answers the same bytes.
TEST(RequestParser, MalformedInputGivesRedisErrorTexts) {
  const std::string kInvalidMultibulk = "ERR Protocol error: invalid multibulk length";
  const std::string kInvalidBulk = "ERR Protocol error: invalid bulk length";
  const std::string kUnbalanced = "ERR Protocol error: unbalanced quotes in request";
  struct Case {
    std::string input;
    std::string error;
  };
  const Case cases[] = {
      {"*x\r\n", kInvalidMultibulk},
      {"*1x\r\n", kInvalidMultibulk},
      {"* 1\r\n", kInvalidMultibulk},
      {"*\r\n", kInvalidMultibulk},
      {"*+1\r\n", kInvalidMultibulk},
      {"*-0\r\n", kInvalidMultibulk},
      {"*01\r\n", kInvalidMultibulk},
      {"*2147483648\r\n", kInvalidMultibulk},
      {"*9223372036854775808\r\n", kInvalidMultibulk},
      {"*1\n$4\r\nPING\r\n", kInvalidMultibulk},  // the count runs to the first '\r'
      {"*" + std::string(65530, '1') + "\r\n", kInvalidMultibulk},
      {"*1\r\n$-1\r\n", kInvalidBulk},
      {"*1\r\n$01\r\na\r\n", kInvalidBulk},
      {"*1\r\n$\r\n", kInvalidBulk},
      {"*1\r\n$ 4\r\nPING\r\n", kInvalidBulk},
      {"*1\r\n$536870913\r\n", kInvalidBulk},  // proto-max-bulk-len defaults to 512mb
      {"*1\r\n$9223372036854775807\r\n", kInvalidBulk},
      {"*1\r\n$9223372036854775808\r\n", kInvalidBulk},
      {"*1\r\n:4\r\n", "ERR Protocol error: expected '$', got ':'"},
      {"*2\r\n$3\r\nGET\r\n+key\r\n", "ERR Protocol error: expected '$', got '+'"},
      // The reply builder turns the '\n' into a space, as Redis does.
      {"*1\rx\n$4\r\nPING\r\n", "ERR Protocol error: expected '$', got '\n'"},
      {"ECHO \"a\r\n", kUnbalanced},
      {"ECHO 'a\r\n", kUnbalanced},
      {"PING \"a\"b\r\n", kUnbalanced},
      {"PING 'a'b\r\n", kUnbalanced},
      {"ECHO a\"b\"c\r\n", kUnbalanced},
      {"*" + std::string(k64K, '1'), "ERR Protocol error: too big mbulk count string"},
      {"*1\r\n$" + std::string(k64K, '1'), "ERR Protocol error: too big bulk count string"},
      {"*2\r\n$1\r\na\r\n$" + std::string(k64K, '1'), "ERR Protocol error: too big bulk count string"},
      {std::string(k64K + 1, 'A'), "ERR Protocol error: too big inline request"},
  };
  for (const Case& c : cases) {
    RequestParser parser;
    const Result r = ParseOnce(parser, c.input);
    ASSERT_EQ(r, Result::kError) << c.input.substr(0, 40);
    EXPECT_EQ(parser.error(), c.error) << c.input.substr(0, 40);
  }
}

TEST(RequestParser, RequestsBeforeAnErrorAreStillParsed) {
  const Outcome out = FeedWhole("PING\r\n" + Multibulk({"ECHO", "x"}) + "*x\r\nPING\r\n");
  ASSERT_EQ(out.requests.size(), 2u);
  EXPECT_EQ(out.end, Result::kError);
  EXPECT_EQ(out.error, "ERR Protocol error: invalid multibulk length");
}

TEST(RequestParser, EmptyAndNegativeMultibulkAreEmptyRequests) {
  const Outcome out = FeedWhole("*0\r\n*-1\r\n*-10\r\nPING\r\n");
  ASSERT_EQ(out.requests.size(), 4u);
  EXPECT_TRUE(out.requests[0].empty());
  EXPECT_TRUE(out.requests[2].empty());
  EXPECT_EQ(out.requests[3], Request{"PING"});
}

TEST(RequestParser, LineLimitsFallWhereRedisPutsThem) {
  RequestParser parser;
  // Without a line end, up to 64 KiB is waited for; one byte more is an error.
  EXPECT_EQ(ParseOnce(parser, std::string(k64K, 'A')), Result::kNeedMore);
  EXPECT_EQ(ParseOnce(parser, "*" + std::string(k64K - 1, '1')), Result::kNeedMore);
  RequestParser p2;
  EXPECT_EQ(ParseOnce(p2, "*1\r\n$" + std::string(k64K - 1, '1')), Result::kNeedMore);
  // The bulk count limit counts from the '$', not from the request's start.
  RequestParser p3;
  EXPECT_EQ(ParseOnce(p3, "*2\r\n$1\r\na\r\n$" + std::string(k64K - 1, '1')), Result::kNeedMore);
  // A '\r' without its '\n' is a line end in waiting, whatever the line's length.
  RequestParser p4;
  EXPECT_EQ(ParseOnce(p4, "*" + std::string(k64K + 10, '1') + "\r"), Result::kNeedMore);
  RequestParser p5;
  EXPECT_EQ(ParseOnce(p5, "*1\r\n$" + std::string(k64K + 10, '1') + "\r"), Result::kNeedMore);
  // An inline line longer than 64 KiB is fine once its newline is there.
  const Outcome big = FeedWhole(std::string(k64K, 'A') + "\r\n");
  ASSERT_EQ(big.requests.size(), 1u);
  EXPECT_EQ(big.requests[0][0].size(), k64K);
}

TEST(RequestParser, TooBigLineArrivingInPiecesFailsOnceOverTheLimit) {
  const std::string line(k64K + 100, 'A');
  std::vector<std::string_view> chunks;
  for (size_t i = 0; i < line.size(); i += 1000) chunks.push_back(std::string_view(line).substr(i, 1000));
  const Outcome out = Feed(chunks);
  EXPECT_EQ(out.end, Result::kError);
  EXPECT_EQ(out.error, "ERR Protocol error: too big inline request");
}

TEST(RequestParser, ArgumentCountLimitIsOneMebi) {
  RequestParser at_limit;
  EXPECT_EQ(ParseOnce(at_limit, "*1048576\r\n"), Result::kNeedMore);
  for (const char* header : {"*1048577\r\n", "*20000000\r\n", "*2147483648\r\n"}) {
    RequestParser parser;
    ASSERT_EQ(ParseOnce(parser, header), Result::kError) << header;
    EXPECT_EQ(parser.error(), "ERR Protocol error: invalid multibulk length");
  }
  RequestParser small(ParserLimits{.max_multibulk_len = 3});
  EXPECT_EQ(ParseOnce(small, "*3\r\n"), Result::kNeedMore);
  RequestParser small2(ParserLimits{.max_multibulk_len = 3});
  EXPECT_EQ(ParseOnce(small2, "*4\r\n"), Result::kError);
}

TEST(RequestParser, ManyArgumentsInOneRequest) {
  constexpr size_t kArgs = 100000;
  std::string req = "*" + std::to_string(kArgs) + "\r\n";
  for (size_t i = 0; i < kArgs; ++i) req += "$1\r\n" + std::string(1, static_cast<char>('a' + i % 26)) + "\r\n";
  RequestParser parser;
  ASSERT_EQ(ParseOnce(parser, req), Result::kRequest);
  ASSERT_EQ(parser.args().size(), kArgs);
  EXPECT_EQ(parser.args()[kArgs - 1], std::string(1, static_cast<char>('a' + (kArgs - 1) % 26)));
  EXPECT_EQ(parser.consumed(), req.size());
}

TEST(RequestParser, BulkLengthLimitIsProtoMaxBulkLen) {
  RequestParser at_default;
  EXPECT_EQ(ParseOnce(at_default, "*1\r\n$536870912\r\n"), Result::kNeedMore);
  const ParserLimits one_mb{.max_bulk_len = 1024 * 1024};
  RequestParser at_limit(one_mb);
  EXPECT_EQ(ParseOnce(at_limit, "*1\r\n$1048576\r\n"), Result::kNeedMore);
  RequestParser over_limit(one_mb);
  ASSERT_EQ(ParseOnce(over_limit, "*1\r\n$1048577\r\n"), Result::kError);
  EXPECT_EQ(over_limit.error(), "ERR Protocol error: invalid bulk length");
}

TEST(RequestParser, HugeAnnouncedLengthsAllocateNothingUpFront) {
  std::string stream = "*1048576\r\n$536870912\r\n";
  stream += std::string(1000, 'x');
  RequestParser parser;
  g_largest_allocation = 0;
  g_track_allocations = true;
  const Result r1 = ParseOnce(parser, stream);
  const Result r2 = ParseOnce(parser, stream + std::string(1000, 'y'));
  g_track_allocations = false;
  EXPECT_EQ(r1, Result::kNeedMore);
  EXPECT_EQ(r2, Result::kNeedMore);
  EXPECT_LT(g_largest_allocation, 64u * 1024) << "the parser reserved memory for an announced size";
  // It tells the caller what the bulk needs, so the caller can grow as bytes arrive.
  EXPECT_EQ(parser.known_request_size(), std::string_view("*1048576\r\n$536870912\r\n").size() + 536870912 + 2);
}

TEST(RequestParser, KnownRequestSizeCoversTheBulkBeingRead) {
  RequestParser parser;
  const std::string head = "*2\r\n$3\r\nSET\r\n$100\r\nabc";
  ASSERT_EQ(ParseOnce(parser, head), Result::kNeedMore);
  EXPECT_EQ(parser.known_request_size(), std::string_view("*2\r\n$3\r\nSET\r\n$100\r\n").size() + 102);
}

// Redis finds line ends with strchr on a NUL-terminated buffer: a NUL before the line end hides it,
// and the request waits until it grows too big. Inside a bulk payload a NUL is ordinary data.
TEST(RequestParser, NulBytesHideLineEndsLikeRedis) {
  using namespace std::string_literals;
  for (const std::string& input : {"ECHO a\0b\r\n"s, "\0\r\nPING\r\n"s, "*1\0\r\n$4\r\nPING\r\n"s,
                                   "*1\r\n$4\0\r\nPING\r\n"s}) {
    RequestParser parser;
    EXPECT_EQ(ParseOnce(parser, input), Result::kNeedMore);
  }
  const struct {
    std::string input;
    std::string error;
  } too_big[] = {
      {"ECHO a\0b\r\n"s + std::string(k64K, 'A'), "ERR Protocol error: too big inline request"},
      {"*1\0\r\n"s + std::string(k64K, 'A'), "ERR Protocol error: too big mbulk count string"},
      {"*1\r\n$4\0\r\n"s + std::string(k64K, 'A'), "ERR Protocol error: too big bulk count string"},
  };
  for (const auto& c : too_big) {
    RequestParser parser;
    ASSERT_EQ(ParseOnce(parser, c.input), Result::kError);
    EXPECT_EQ(parser.error(), c.error);
  }
  const Outcome out = FeedWhole("*1\r\n$4\r\nPI\0G\r\n"s);
  ASSERT_EQ(out.requests.size(), 1u);
  EXPECT_EQ(out.requests[0][0], "PI\0G"s);
  // A NUL after a complete inline line belongs to the next request.
  const Outcome two = FeedWhole("PING\r\n\0PING\r\n"s);
  ASSERT_EQ(two.requests.size(), 1u);
  EXPECT_EQ(two.end, Result::kNeedMore);
}

TEST(RequestParser, ErrorIsFinalForTheRequestButTheParserCanBeReused) {
  RequestParser parser;
  ASSERT_EQ(ParseOnce(parser, "*1\r\n$x\r\n"), Result::kError);
  ASSERT_EQ(ParseOnce(parser, "PING\r\n"), Result::kRequest);
  EXPECT_EQ(parser.args()[0], "PING");
}

TEST(SplitInlineArgs, SplitsLikeSdssplitargs) {
  std::string storage;
  std::vector<std::pair<size_t, size_t>> spans;
  ASSERT_TRUE(SplitInlineArgs("  a \"b c\" 'd'  ", &storage, &spans));
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(storage.substr(spans[1].first, spans[1].second), "b c");
  storage.clear();
  spans.clear();
  EXPECT_FALSE(SplitInlineArgs("\"unterminated", &storage, &spans));
  EXPECT_FALSE(SplitInlineArgs("'x'y", &storage, &spans));
}

}  // namespace
}  // namespace strata::resp
