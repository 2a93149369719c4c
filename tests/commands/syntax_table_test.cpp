#include "commands/syntax_table.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "commands/families.h"
#include "server/command_docs.h"

namespace strata::commands {
namespace {

using server::Command;
using server::CommandTable;
using server::KeySpec;

void Handler(server::CommandContext&) {}
void NoKeys(std::span<const std::string_view>, std::vector<int>*) {}

// The handler comments and the registered commands must agree: a command without a syntax
// comment, or a comment naming no command, fails here.
TEST(SyntaxTable, EveryRegisteredCommandHasItsSyntax) {
  CommandTable table;
  RegisterAllFamilies(table);
  const std::vector<std::string> problems = AttachSyntax(table, SyntaxRows());
  for (const std::string& p : problems) ADD_FAILURE() << p;
  for (size_t id = 0; id < table.size(); ++id) {
    const Command& cmd = table.at(static_cast<int>(id));
    EXPECT_EQ(cmd.syntax.empty(), cmd.is_container()) << cmd.name;
  }
}

TEST(SyntaxTable, AttachesParsedArgumentsWithTheirKeySpecs) {
  CommandTable table;
  RegisterAllFamilies(table);
  ASSERT_TRUE(AttachSyntax(table, SyntaxRows()).empty());

  const Command* set = table.Find("set");
  EXPECT_TRUE(set->syntax.starts_with("SET key value [NX | XX] [GET] [EX seconds |"));
  ASSERT_EQ(set->args.size(), 5u);
  EXPECT_EQ(set->args[0].key_spec_index, 0);
  EXPECT_EQ(set->args[4].children[4].token, "KEEPTTL");

  // The destination is found by the range spec, the keys after numkeys by the keynum spec.
  const Command* zunionstore = table.Find("zunionstore");
  ASSERT_EQ(server::KeySpecs(*zunionstore).size(), 2u);
  EXPECT_EQ(zunionstore->args[0].name, "destination");
  EXPECT_EQ(zunionstore->args[0].key_spec_index, 0);
  EXPECT_EQ(zunionstore->args[2].name, "key");
  EXPECT_EQ(zunionstore->args[2].key_spec_index, 1);

  const Command* get = table.FindByFullName("config|get");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->syntax, "CONFIG GET parameter [parameter ...]");
  ASSERT_EQ(get->args.size(), 1u);
  EXPECT_TRUE(get->args[0].multiple);
}

// A keynum spec must find the keys the command's key finder finds.
TEST(SyntaxTable, KeynumSpecsAgreeWithTheKeyFinders) {
  CommandTable table;
  RegisterAllFamilies(table);
  int checked = 0;
  for (size_t id = 0; id < table.size(); ++id) {
    const Command& cmd = table.at(static_cast<int>(id));
    if (cmd.numkeys_index == 0) continue;
    // name, the arguments before the count ("0" is a valid timeout), the count, two keys, and
    // two words after them (the LEFT/MIN and COUNT the finders may expect).
    std::vector<std::string_view> args(static_cast<size_t>(cmd.numkeys_index), "0");
    args[0] = cmd.name;
    for (std::string_view w : {"2", "k1", "k2", "x", "y"}) args.push_back(w);
    std::vector<int> found;
    cmd.FindKeys(args, &found);
    std::vector<int> specified;
    for (const KeySpec& spec : server::KeySpecs(cmd)) {
      if (spec.find == KeySpec::Find::kRange) {
        const int argc = static_cast<int>(args.size());
        const int last = spec.last_key >= 0 ? spec.begin_index + spec.last_key : argc + spec.last_key;
        for (int i = spec.begin_index; i <= last; i += spec.key_step) specified.push_back(i);
      } else {
        ASSERT_EQ(spec.find, KeySpec::Find::kKeynum) << cmd.name;
        specified.push_back(spec.begin_index + 1);
        specified.push_back(spec.begin_index + 2);
      }
    }
    EXPECT_EQ(found, specified) << cmd.name;
    ++checked;
  }
  EXPECT_GE(checked, 12);
}

TEST(SyntaxTable, KeySpecsFollowTheTable) {
  CommandTable table;
  table.SetGroup("test");
  table.Add({"rd", -2, "readonly", 1, -1, 2, "", Handler, "", ""});
  table.Add({"wr", 3, "write", 1, 2, 1, "", Handler, "", ""});
  table.Add({"moving", -2, "write", 0, 0, 0, "", Handler, "", "", 0, NoKeys});
  table.Add({"counted", -3, "readonly", 1, 1, 1, "", Handler, "", "", 2});

  std::vector<KeySpec> specs = server::KeySpecs(*table.Find("rd"));
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].find, KeySpec::Find::kRange);
  EXPECT_EQ(specs[0].begin_index, 1);
  EXPECT_EQ(specs[0].last_key, -1);
  EXPECT_EQ(specs[0].key_step, 2);
  EXPECT_EQ(std::vector<std::string_view>(specs[0].flags.begin(), specs[0].flags.end()),
            (std::vector<std::string_view>{"RO", "access"}));

  specs = server::KeySpecs(*table.Find("wr"));
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].last_key, 1);  // relative to the first key
  EXPECT_EQ(std::vector<std::string_view>(specs[0].flags.begin(), specs[0].flags.end()),
            (std::vector<std::string_view>{"RW", "access", "update"}));

  specs = server::KeySpecs(*table.Find("moving"));
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].find, KeySpec::Find::kUnknown);

  specs = server::KeySpecs(*table.Find("counted"));
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[1].find, KeySpec::Find::kKeynum);
  EXPECT_EQ(specs[1].begin_index, 2);
  EXPECT_TRUE(table.Find("counted")->movable_keys());
  EXPECT_FALSE(table.Find("wr")->movable_keys());
}

// The table's numkeys finder: the fixed keys, then the counted ones; a count that is not a
// positive integer with that many words after it names no keys at all.
TEST(SyntaxTable, NumkeysIndexFindsTheCountedKeys) {
  CommandTable table;
  table.SetGroup("test");
  table.Add({"counted", -3, "readonly", 1, 1, 1, "", Handler, "", "", 2});
  table.Add({"onlycounted", -2, "readonly", 0, 0, 0, "", Handler, "", "", 1});
  auto keys = [&](std::string_view name, std::vector<std::string_view> args) {
    std::vector<int> found;
    table.Find(name)->FindKeys(args, &found);
    return found;
  };
  EXPECT_EQ(keys("counted", {"counted", "dst", "2", "a", "b", "WEIGHTS"}), (std::vector<int>{1, 3, 4}));
  EXPECT_EQ(keys("onlycounted", {"onlycounted", "1", "a", "b"}), (std::vector<int>{2}));
  // A count that does not parse strictly is read as C's atoi reads it, the fixed keys then last.
  EXPECT_EQ(keys("counted", {"counted", "dst", "01", "a", "b"}), (std::vector<int>{3, 1}));
  EXPECT_EQ(keys("counted", {"counted", "dst", " 2x", "a", "b"}), (std::vector<int>{3, 4, 1}));
  // Both readings truncate the count to an int.
  EXPECT_EQ(keys("counted", {"counted", "dst", "4294967297", "a", "b"}), (std::vector<int>{1, 3}));
  EXPECT_EQ(keys("counted", {"counted", "dst", "-4294967295", "a", "b"}), (std::vector<int>{3, 1}));
  for (std::string_view bad : {"0", "-1", "3", "x", "", " -1"}) {
    EXPECT_EQ(keys("counted", {"counted", "dst", bad, "a", "b"}), std::vector<int>{}) << bad;
  }
  EXPECT_EQ(keys("onlycounted", {"onlycounted"}), std::vector<int>{});
}

TEST(SyntaxTable, ReportsEveryDisagreement) {
  CommandTable table;
  table.SetGroup("test");
  table.Add({"get", 2, "readonly", 1, 1, 1, "", Handler, "", ""});
  table.Add({"ping", -1, "", 0, 0, 0, "", Handler, "", ""});
  table.Add({"echo", 2, "", 0, 0, 0, "", Handler, "", ""});
  table.Add({"touch", 2, "", 1, 1, 1, "", Handler, "", ""});
  table.Add({"config", -2, "", 0, 0, 0, "", nullptr, "", ""});
  table.Add({"config|get", -3, "", 0, 0, 0, "", Handler, "", ""});
  const SyntaxRow rows[] = {
      {"get", "GET key"},
      {"nosuch", "NOSUCH"},
      {"echo", "ECHO message ]"},
      {"touch", "TOUCH member"},
      {"config|get", "CONFIG GET parameter [parameter ...]"},
      {"get", "GET key"},
  };
  const std::vector<std::string> problems = AttachSyntax(table, rows);
  EXPECT_EQ(problems, (std::vector<std::string>{
                          "nosuch: no such command is registered (NOSUCH)",
                          "echo: unbalanced ']' (ECHO message ])",
                          "touch: the table row has key positions, but the syntax names no key (TOUCH member)",
                          "get: a second syntax for it (GET key)",
                          "ping: registered, but no handler comment gives its syntax",
                      }));
  EXPECT_EQ(table.Find("get")->syntax, "GET key");
  EXPECT_TRUE(table.Find("config")->syntax.empty());  // a container has none
}

TEST(SyntaxTable, KeysInTheSyntaxNeedKeyPositions) {
  CommandTable table;
  table.SetGroup("test");
  table.Add({"keyless", 2, "", 0, 0, 0, "", Handler, "", ""});
  std::string error;
  EXPECT_FALSE(table.SetSyntax("keyless", "KEYLESS key", &error));
  EXPECT_EQ(error, "the syntax names keys, but the table row has no key positions");
  EXPECT_TRUE(table.Find("keyless")->syntax.empty());
}

}  // namespace
}  // namespace strata::commands
