#include "commands/command_util.h"

#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "common/error_texts.h"

namespace strata::commands {
namespace {

// Parses `args` (the option words only) as SCAN's options, with or without TYPE.
const char* Parse(std::vector<std::string_view> args, bool allow_type, ScanOptions* out) {
  return ParseScanOptions(args, 0, allow_type, out);
}

TEST(ParseScanOptions, DefaultsWithoutOptions) {
  ScanOptions o;
  EXPECT_EQ(Parse({}, true, &o), nullptr);
  EXPECT_EQ(o.count, 10u);
  EXPECT_FALSE(o.pattern.has_value());
  EXPECT_FALSE(o.type.has_value());
}

TEST(ParseScanOptions, ReadsEveryOptionInAnyOrderAndCase) {
  ScanOptions o;
  const std::vector<std::string_view> args = {"cursor", "type", "hash", "Count", "5", "MATCH", "a*"};
  EXPECT_EQ(ParseScanOptions(args, 1, true, &o), nullptr);
  EXPECT_EQ(o.count, 5u);
  EXPECT_EQ(o.pattern, std::optional<std::string_view>("a*"));
  EXPECT_EQ(o.type, std::optional<std::string_view>("hash"));
}

TEST(ParseScanOptions, StarMatchesLikeNoPatternButEmptyIsAPattern) {
  ScanOptions o;
  EXPECT_EQ(Parse({"MATCH", "x", "MATCH", "*"}, false, &o), nullptr);
  EXPECT_FALSE(o.pattern.has_value());
  EXPECT_EQ(Parse({"MATCH", ""}, false, &o), nullptr);
  EXPECT_EQ(o.pattern, std::optional<std::string_view>(""));
}

TEST(ParseScanOptions, ErrorsAsRedisRepliesThem) {
  ScanOptions o;
  EXPECT_EQ(Parse({"COUNT", "x"}, false, &o), errors::kNotInteger);
  EXPECT_EQ(Parse({"COUNT", "9223372036854775808"}, false, &o), errors::kNotInteger);
  EXPECT_EQ(Parse({"COUNT", "0"}, false, &o), errors::kSyntax);
  EXPECT_EQ(Parse({"COUNT", "-1"}, false, &o), errors::kSyntax);
  EXPECT_EQ(Parse({"COUNT"}, false, &o), errors::kSyntax);
  EXPECT_EQ(Parse({"MATCH", "a", "COUNT"}, false, &o), errors::kSyntax);
  EXPECT_EQ(Parse({"TYPE", "string"}, false, &o), errors::kSyntax);
  EXPECT_EQ(Parse({"FOO", "bar"}, true, &o), errors::kSyntax);
  // The first bad pair decides.
  EXPECT_EQ(Parse({"FOO", "bar", "COUNT", "x"}, true, &o), errors::kSyntax);
  EXPECT_EQ(Parse({"COUNT", "x", "FOO", "bar"}, true, &o), errors::kNotInteger);
}

}  // namespace
}  // namespace strata::commands
