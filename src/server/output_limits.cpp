#include "server/output_limits.h"

#include <vector>

#include <fmt/format.h>

#include "common/numbers.h"
#include "server/config.h"

namespace strata::server {

bool ParseOutputLimits(std::string_view text, OutputLimits* limits, std::string* error) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    const size_t space = text.find(' ', i);
    const size_t end = space == std::string_view::npos ? text.size() : space;
    if (end > i) words.push_back(text.substr(i, end - i));
    i = end + 1;
  }
  if (words.size() % 4 != 0) {
    *error = "Wrong number of arguments in buffer limit configuration.";
    return false;
  }
  OutputLimits out = *limits;
  for (size_t w = 0; w < words.size(); w += 4) {
    OutputClass cls;
    if (EqualsIgnoreCase(words[w], "normal")) {
      cls = OutputClass::kNormal;
    } else if (EqualsIgnoreCase(words[w], "slave") || EqualsIgnoreCase(words[w], "replica")) {
      cls = OutputClass::kReplica;
    } else if (EqualsIgnoreCase(words[w], "pubsub")) {
      cls = OutputClass::kPubSub;
    } else {
      *error = "Invalid client class specified in buffer limit configuration.";
      return false;
    }
    OutputLimit limit;
    if (!ParseMemory(words[w + 1], &limit.hard_bytes) || !ParseMemory(words[w + 2], &limit.soft_bytes) ||
        !ParseInt64(words[w + 3], &limit.soft_seconds) || limit.soft_seconds < 0) {
      *error = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
      return false;
    }
    out[static_cast<size_t>(cls)] = limit;
  }
  *limits = out;
  return true;
}

std::string FormatOutputLimits(const OutputLimits& limits) {
  std::string out;
  constexpr std::string_view kNames[] = {"normal", "slave", "pubsub"};
  for (size_t i = 0; i < limits.size(); ++i) {
    if (!out.empty()) out += ' ';
    fmt::format_to(std::back_inserter(out), "{} {} {} {}", kNames[i], limits[i].hard_bytes, limits[i].soft_bytes,
                   limits[i].soft_seconds);
  }
  return out;
}

}  // namespace strata::server
