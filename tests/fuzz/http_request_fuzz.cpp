// libFuzzer target for http::RequestReader (the metrics endpoint's request parsing).
//
// The first input byte picks the limits (the defaults, or tiny ones that reach every limit path
// with short inputs) and seeds how the rest is cut into reads. The rest is a scraper's byte
// stream, read as the endpoint reads it: feed, take a request, keep the unconsumed bytes, feed
// again. It is read twice, as a single read and cut into reads of varying sizes. Besides
// crashes, leaks and undefined behaviour, the target checks that consumed counts stay within what
// was fed and that both runs yield the same requests and the same end, except that a size limit
// (libhttp-parser's own header bound counts per read) may end one run sooner.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "http/request_reader.h"

namespace {

using strata::http::RequestLimits;
using strata::http::RequestReader;
using Status = RequestReader::Status;

struct Outcome {
  std::vector<std::string> requests;  // method, path, authorization, keep-alive of each
  Status end = Status::kNeedMore;
};

Outcome Read(std::string_view input, const RequestLimits& limits, uint8_t seed, bool chunked) {
  Outcome out;
  RequestReader reader(limits);
  std::string pending;
  size_t pos = 0;
  uint32_t state = seed;
  while (pos < input.size() || !pending.empty()) {
    if (pos < input.size()) {
      state = state * 1103515245u + 12345u;
      const size_t take = chunked ? 1 + (state >> 16) % 7 : input.size() - pos;
      const size_t n = std::min(take, input.size() - pos);
      pending.append(input.substr(pos, n));
      pos += n;
    }
    for (;;) {
      size_t consumed = 0;
      const Status s = reader.Feed(pending, &consumed);
      FUZZ_CHECK(consumed <= pending.size());
      pending.erase(0, consumed);
      if (s == Status::kRequest) {
        const auto& r = reader.request();
        FUZZ_CHECK(r.path.size() <= limits.max_url);
        FUZZ_CHECK(r.authorization.size() <= limits.max_header_bytes);
        out.requests.push_back(r.method + " " + r.path + " " + r.authorization + (r.keep_alive ? " +" : " -"));
        continue;
      }
      if (s != Status::kNeedMore) {
        out.end = s;
        return out;
      }
      FUZZ_CHECK(pending.empty());  // kNeedMore consumes everything
      break;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  RequestLimits limits;
  if (data[0] & 1) {
    limits.max_url = 16;
    limits.max_header_bytes = 64;
    limits.max_body = 8;
  }
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const Outcome whole = Read(input, limits, data[0], /*chunked=*/false);
  const Outcome pieces = Read(input, limits, data[0], /*chunked=*/true);
  if (whole.end == Status::kTooLarge || pieces.end == Status::kTooLarge) return 0;
  FUZZ_CHECK(whole.end == pieces.end);
  FUZZ_CHECK(whole.requests == pieces.requests);
  return 0;
}
