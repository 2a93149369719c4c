#include "server/command_table.h"

#include <string>

#include <gtest/gtest.h>

namespace strata::server {
namespace {

void Handler(CommandContext& /*ctx*/) {}

// get, set, config with its subcommand config|get, and exec.
void Register(CommandTable& table) {
  table.Add({"get", 2, "readonly fast", 1, 1, 1, "@string", Handler, "", ""});
  table.Add({"set", -3, "write denyoom", 1, 1, 1, "@string", Handler, "", ""});
  table.Add({"config", -2, "", 0, 0, 0, "", nullptr, "", ""});
  table.Add({"config|get", -3, "admin", 0, 0, 0, "", Handler, "", ""});
  table.Add({"exec", 1, "noscript loading stale skip_slowlog", 0, 0, 0, "@transaction", Handler, "", ""});
}

TEST(CommandTableRename, NewNameOnlyAndRegisteredNameKept) {
  CommandTable table;
  Register(table);
  const Command* get = table.Find("get");
  std::string error;
  ASSERT_TRUE(table.Rename("GET", "MyGet", &error)) << error;
  EXPECT_EQ(table.Find("get"), nullptr);
  EXPECT_EQ(table.Find("myget"), get);
  EXPECT_EQ(table.Find("MYGET"), get);
  // Shown under its registered name, and still among the top-level commands.
  EXPECT_EQ(get->name, "get");
  EXPECT_EQ(table.top_level().size(), 4u);
  EXPECT_EQ(table.FindRegistered("get"), get);
  // Renamed again by its new name; the old one is gone.
  EXPECT_FALSE(table.Rename("get", "g2", &error));
  EXPECT_EQ(error, "No such command in rename-command");
  ASSERT_TRUE(table.Rename("myget", "g2", &error)) << error;
  EXPECT_EQ(table.Find("myget"), nullptr);
  EXPECT_EQ(table.Find("g2"), get);
  // The other commands are still found (the index was rebuilt).
  EXPECT_NE(table.Find("set"), nullptr);
  EXPECT_NE(table.Find("exec"), nullptr);
}

TEST(CommandTableRename, EmptyNameDisables) {
  CommandTable table;
  Register(table);
  const Command* exec = table.Find("exec");
  std::string error;
  ASSERT_TRUE(table.Rename("exec", "", &error)) << error;
  EXPECT_EQ(table.Find("exec"), nullptr);
  EXPECT_EQ(table.top_level().size(), 3u);
  for (const Command* cmd : table.top_level()) EXPECT_NE(cmd, exec);
  // The server's own references still reach it.
  EXPECT_EQ(table.FindRegistered("exec"), exec);
}

TEST(CommandTableRename, SubcommandsFollowTheirContainer) {
  CommandTable table;
  Register(table);
  const Command* config_get = table.FindByFullName("config|get");
  std::string error;
  ASSERT_TRUE(table.Rename("config", "cfg", &error)) << error;
  EXPECT_EQ(table.FindByFullName("config|get"), nullptr);
  EXPECT_EQ(table.FindByFullName("cfg|get"), config_get);
  EXPECT_EQ(config_get->name, "config|get");
}

TEST(CommandTableRename, RefusesATakenNameButNotItsOwn) {
  CommandTable table;
  Register(table);
  std::string error;
  EXPECT_FALSE(table.Rename("get", "SET", &error));
  EXPECT_EQ(error, "Target command name already exists");
  EXPECT_FALSE(table.Rename("nosuch", "x", &error));
  EXPECT_EQ(error, "No such command in rename-command");
  // Its own name in another case: the old name leaves first, as in Redis.
  EXPECT_TRUE(table.Rename("get", "GET", &error)) << error;
  EXPECT_NE(table.Find("get"), nullptr);
  // A name freed by a rename may be taken.
  ASSERT_TRUE(table.Rename("get", "fetch", &error)) << error;
  EXPECT_TRUE(table.Rename("set", "get", &error)) << error;
  EXPECT_EQ(table.Find("get"), table.FindRegistered("set"));
}

}  // namespace
}  // namespace strata::server
