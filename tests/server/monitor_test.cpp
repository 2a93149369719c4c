#include "server/monitor.h"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "server/command_table.h"

namespace strata::server {
namespace {

std::string Quoted(std::string_view arg) {
  std::string out;
  AppendQuoted(arg, &out);
  return out;
}

TEST(MonitorLine, QuotesAsSdscatrepr) {
  EXPECT_EQ(Quoted("plain text"), "\"plain text\"");
  EXPECT_EQ(Quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quoted("\n\r\t\a\b"), "\"\\n\\r\\t\\a\\b\"");
  EXPECT_EQ(Quoted(std::string_view("\x00\x01\x1f\x7f\xff", 5)), "\"\\x00\\x01\\x1f\\x7f\\xff\"");
  EXPECT_EQ(Quoted(""), "\"\"");
}

TEST(MonitorLine, TimestampDatabaseOriginArguments) {
  const std::vector<std::string_view> args = {"set", "k", "v w"};
  EXPECT_EQ(FormatMonitorLine(1339518083107412, 3, "127.0.0.1:60866", args),
            "+1339518083.107412 [3 127.0.0.1:60866] \"set\" \"k\" \"v w\"\r\n");
  // Microseconds keep their six digits.
  EXPECT_EQ(FormatMonitorLine(1000000000000005, 0, "unix:/tmp/s.sock", std::vector<std::string_view>{"ping"}),
            "+1000000000.000005 [0 unix:/tmp/s.sock] \"ping\"\r\n");
}

std::vector<std::string_view> Shown(std::string name, std::vector<std::string_view> args) {
  Command cmd;
  cmd.name = std::move(name);
  std::vector<std::string_view> shown;
  RedactArguments(cmd, args, &shown);
  return shown;
}

TEST(MonitorLine, RedactsAuthAndHelloSecrets) {
  using V = std::vector<std::string_view>;
  EXPECT_EQ(Shown("auth", {"AUTH", "pw"}), (V{"AUTH", "(redacted)"}));
  EXPECT_EQ(Shown("auth", {"AUTH", "u", "pw"}), (V{"AUTH", "(redacted)", "(redacted)"}));
  EXPECT_EQ(Shown("hello", {"HELLO", "3", "auth", "u", "pw", "SETNAME", "n"}),
            (V{"HELLO", "3", "auth", "(redacted)", "(redacted)", "SETNAME", "n"}));
  // SETNAME's value is a name even when it reads "auth"; an AUTH without both values hides nothing.
  EXPECT_EQ(Shown("hello", {"HELLO", "3", "SETNAME", "auth", "x"}), (V{"HELLO", "3", "SETNAME", "auth", "x"}));
  EXPECT_EQ(Shown("hello", {"HELLO", "3", "AUTH", "u"}), (V{"HELLO", "3", "AUTH", "u"}));
  EXPECT_EQ(Shown("set", {"SET", "auth", "pw"}), (V{"SET", "auth", "pw"}));
}

}  // namespace
}  // namespace strata::server
