// libFuzzer target for resp::RequestParser.
//
// The first input byte picks the parser limits (the defaults, or tiny ones that reach every limit
// path with short inputs) and seeds how the rest is cut into reads. The rest is a client's byte
// stream. It is parsed twice, the way a connection parses it: once as a single read and once cut
// into reads of varying sizes, copying the buffer between reads so it moves. Besides crashes,
// leaks and undefined behaviour, the target checks that both runs yield the same requests: a read
// boundary may only make a "too big" error come sooner, as it does in Redis.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "resp/request_parser.h"

namespace {

using strata::resp::ParserLimits;
using strata::resp::RequestParser;
using Result = RequestParser::Result;

struct Outcome {
  std::vector<std::vector<std::string>> requests;
  Result end = Result::kNeedMore;
  std::string error;
  size_t unconsumed = 0;
};

bool IsTooBigError(std::string_view error) { return error.find("too big") != std::string_view::npos; }

// Parses `stream` delivered in reads of the given sizes (the last read takes what is left).
Outcome Run(std::string_view stream, const std::vector<size_t>& reads, const ParserLimits& limits) {
  RequestParser parser(limits);
  Outcome out;
  std::string buffer;
  size_t offset = 0;
  for (size_t i = 0; i <= reads.size() && offset < stream.size(); ++i) {
    const size_t n = i < reads.size() ? std::min(reads[i], stream.size() - offset) : stream.size() - offset;
    // A fresh allocation for every read: views from a previous call must not be relied on.
    std::string grown;
    grown.reserve(buffer.size() + n);
    grown.append(buffer).append(stream.substr(offset, n));
    buffer.swap(grown);
    offset += n;
    while (!buffer.empty()) {
      const Result r = parser.Parse(buffer.data(), buffer.size());
      if (r == Result::kNeedMore) {
        break;
      }
      if (r == Result::kError) {
        FUZZ_CHECK(parser.error().rfind("ERR Protocol error: ", 0) == 0);
        out.end = Result::kError;
        out.error = std::string(parser.error());
        return out;  // what is left depends on how much had arrived: not compared
      }
      FUZZ_CHECK(parser.consumed() > 0);
      FUZZ_CHECK(parser.consumed() <= buffer.size());
      FUZZ_CHECK(parser.args().size() <= limits.max_multibulk_len || buffer[0] != '*');
      std::vector<std::string> args;
      for (std::string_view a : parser.args()) {
        FUZZ_CHECK(buffer[0] != '*' || a.size() <= limits.max_bulk_len);
        args.emplace_back(a);  // reads every byte of the view: ASan checks that it is valid
      }
      out.requests.push_back(std::move(args));
      buffer.erase(0, parser.consumed());
    }
  }
  out.end = buffer.empty() ? Result::kRequest : Result::kNeedMore;
  out.unconsumed = buffer.size();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t control = data[0];
  const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);

  ParserLimits limits;
  if (control & 1) {
    limits.max_bulk_len = 16;
    limits.max_multibulk_len = 4;
    limits.max_inline_len = 24;
  }

  const Outcome whole = Run(stream, {}, limits);

  // Read sizes from a small xorshift generator seeded by the control byte.
  std::vector<size_t> reads;
  uint32_t state = 0x9e3779b9u ^ (static_cast<uint32_t>(control) * 0x01000193u) ^ static_cast<uint32_t>(size);
  const size_t max_read = (control & 2) ? 3 : 64;
  for (size_t total = 0; total < stream.size();) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    const size_t n = 1 + state % max_read;
    reads.push_back(n);
    total += n;
  }
  const Outcome pieces = Run(stream, reads, limits);

  if (pieces.end == Result::kError && IsTooBigError(pieces.error)) {
    FUZZ_CHECK(pieces.requests.size() <= whole.requests.size());
    for (size_t i = 0; i < pieces.requests.size(); ++i) FUZZ_CHECK(pieces.requests[i] == whole.requests[i]);
  } else {
    FUZZ_CHECK(pieces.requests == whole.requests);
    FUZZ_CHECK(pieces.end == whole.end);
    FUZZ_CHECK(pieces.error == whole.error);
    FUZZ_CHECK(pieces.unconsumed == whole.unconsumed);
  }
  return 0;
}
