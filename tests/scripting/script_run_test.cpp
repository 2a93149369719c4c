#include "scripting/script_run.h"

#include <gtest/gtest.h>

namespace strata::scripting {
namespace {

TEST(ParseShebang, NoShebangIsALegacyScript) {
  uint32_t flags = 99;
  size_t offset = 99;
  EXPECT_EQ(ParseShebang("return 1", &flags, &offset), "");
  EXPECT_EQ(flags, 0u);
  EXPECT_EQ(offset, 0u);
}

TEST(ParseShebang, FlagsAndTheCodeAfterTheLine) {
  uint32_t flags = 0;
  size_t offset = 0;
  EXPECT_EQ(ParseShebang("#!lua  flags=no-writes,allow-oom\nreturn 1", &flags, &offset), "");
  EXPECT_EQ(flags, kScriptShebang | kScriptNoWrites | kScriptAllowOom);
  EXPECT_EQ(offset, 32u) << "the newline stays, so line numbers are the file's";
  EXPECT_EQ(ParseShebang("#!lua flags=\nreturn 1", &flags, &offset), "");
  EXPECT_EQ(flags, kScriptShebang);
  EXPECT_EQ(ParseShebang("#!lua flags=allow-stale,no-cluster,allow-cross-slot-keys\n", &flags, &offset), "");
  EXPECT_EQ(flags, kScriptShebang | kScriptAllowStale | kScriptNoCluster | kScriptAllowCrossSlot);
}

TEST(ParseShebang, ErrorsAsRedisRepliesThem) {
  uint32_t flags = 0;
  size_t offset = 0;
  EXPECT_EQ(ParseShebang("#!lua", &flags, &offset), "ERR Invalid script shebang");
  EXPECT_EQ(ParseShebang("#!nolua\n", &flags, &offset), "ERR Unexpected engine in script shebang: #!nolua");
  EXPECT_EQ(ParseShebang("#!lua flags=bad\n", &flags, &offset), "ERR Unexpected flag in script shebang: bad");
  EXPECT_EQ(ParseShebang("#!lua flags=no-writes,,allow-oom\n", &flags, &offset),
            "ERR Unexpected flag in script shebang: ");
  EXPECT_EQ(ParseShebang("#!lua name=x\n", &flags, &offset), "ERR Unknown lua shebang option: name=x");
}

}  // namespace
}  // namespace strata::scripting
