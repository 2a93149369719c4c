#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "server/acl_registry.h"
#include "server/acl_user.h"
#include "server/command_table.h"

namespace strata::server {
namespace {

void NoOp(CommandContext&) {}

// A small command table: enough rows for each kind of rule and check.
class AclTest : public ::testing::Test {
 protected:
  AclTest() {
    table_.Add({"get", 2, "readonly fast", 1, 1, 1, "@string", NoOp, "", "1.0.0"});
    table_.Add({"set", -3, "write denyoom", 1, 1, 1, "@string", NoOp, "", "1.0.0"});
    table_.Add({"mget", -2, "readonly fast", 1, -1, 1, "@string", NoOp, "", "1.0.0"});
    table_.Add({"del", -2, "write", 1, -1, 1, "@keyspace", NoOp, "", "1.0.0"});
    table_.Add({"config", -2, "", 0, 0, 0, "", nullptr, "", "2.0.0"});
    table_.Add({"config|get", -3, "admin noscript loading stale", 0, 0, 0, "", NoOp, "", "2.0.0"});
    table_.Add({"config|set", -4, "admin noscript loading stale", 0, 0, 0, "", NoOp, "", "2.0.0"});
    table_.Add({"publish", 3, "pubsub loading stale fast", 0, 0, 0, "", NoOp, "", "2.0.0"});
    table_.Add({"subscribe", -2, "pubsub noscript loading stale", 0, 0, 0, "", NoOp, "", "2.0.0"});
    table_.Add({"psubscribe", -2, "pubsub noscript loading stale", 0, 0, 0, "", NoOp, "", "2.0.0"});
    table_.Add({"auth", -2, "noscript loading stale fast no_auth allow_busy", 0, 0, 0, "@connection", NoOp, "",
                "1.0.0"});
  }

  // A user made by applying `rules`; fails the test on a refused rule.
  AclUser User(std::vector<std::string_view> rules) {
    AclUser user("u", &table_);
    std::string error;
    for (std::string_view rule : rules) EXPECT_TRUE(user.ApplyRule(rule, &error)) << rule << ": " << error;
    user.Seal();
    return user;
  }

  // The refusal of the call `words` for `user`, and the refused argument's index.
  AclVerdict Check(const AclUser& user, std::vector<std::string_view> words) {
    const Command* cmd = table_.Find(words[0]);
    if (!cmd->subcommands.empty()) cmd = CommandTable::FindSubcommand(*cmd, words[1]);
    std::vector<int> keys;
    return user.Check(*cmd, words, &keys);
  }

  std::string Refusal(std::string_view rule) {
    AclUser user("u", &table_);
    std::string error;
    EXPECT_FALSE(user.ApplyRule(rule, &error)) << rule;
    return error;
  }

  CommandTable table_;
};

TEST_F(AclTest, NewUserIsOffAndPermitsNothing) {
  const AclUser user = User({});
  EXPECT_FALSE(user.enabled());
  EXPECT_FALSE(user.Authenticates(""));
  EXPECT_EQ(Check(user, {"get", "k"}).denial, AclDenial::kCommand);
  EXPECT_EQ(user.Describe(), "user u off resetchannels -@all");
}

TEST_F(AclTest, CommandRules) {
  const AclUser user = User({"+@string", "-set", "+config|get", "~*"});
  EXPECT_EQ(Check(user, {"get", "k"}).denial, AclDenial::kNone);
  EXPECT_EQ(Check(user, {"mget", "a", "b"}).denial, AclDenial::kNone);
  EXPECT_EQ(Check(user, {"set", "k", "v"}).denial, AclDenial::kCommand);
  EXPECT_EQ(Check(user, {"del", "k"}).denial, AclDenial::kCommand);
  EXPECT_EQ(Check(user, {"config", "get", "x"}).denial, AclDenial::kNone);
  EXPECT_EQ(Check(user, {"config", "set", "x", "y"}).denial, AclDenial::kCommand);
  // Commands that need no authentication are never refused.
  EXPECT_EQ(Check(user, {"auth", "x"}).denial, AclDenial::kNone);
}

TEST_F(AclTest, AllCommandsMinusOne) {
  const AclUser user = User({"allcommands", "-get", "allkeys", "allchannels"});
  EXPECT_FALSE(user.permits_everything());
  EXPECT_EQ(Check(user, {"get", "k"}).denial, AclDenial::kCommand);
  EXPECT_EQ(Check(user, {"set", "k", "v"}).denial, AclDenial::kNone);
  EXPECT_EQ(user.root().DescribeCommands(), "+@all -get");
  // A category that more than covers what is refused is named instead of its commands.
  EXPECT_EQ(User({"+@all", "-config"}).root().DescribeCommands(), "+@all -@admin -config");
  EXPECT_TRUE(User({"+@all", "~*", "&*"}).permits_everything());
}

TEST_F(AclTest, KeyPatternsByIntent) {
  const AclUser user = User({"+@all", "%R~r*", "%W~w*", "~b*"});
  EXPECT_EQ(Check(user, {"get", "r1"}).denial, AclDenial::kNone);
  EXPECT_EQ(Check(user, {"set", "r1", "v"}).denial, AclDenial::kKey);
  EXPECT_EQ(Check(user, {"set", "w1", "v"}).denial, AclDenial::kNone);
  EXPECT_EQ(Check(user, {"get", "w1"}).denial, AclDenial::kKey);
  EXPECT_EQ(Check(user, {"get", "b1"}).denial, AclDenial::kNone);
  EXPECT_EQ(Check(user, {"set", "b1", "v"}).denial, AclDenial::kNone);
  const AclVerdict v = Check(user, {"mget", "b1", "r1", "x", "y"});
  EXPECT_EQ(v.denial, AclDenial::kKey);
  EXPECT_EQ(v.arg_index, 3);
  EXPECT_EQ(user.root().DescribeKeys(), "%R~r* %W~w* ~b*");
}

TEST_F(AclTest, ChannelPatterns) {
  const AclUser user = User({"+@all", "~*", "&news.*"});
  EXPECT_EQ(Check(user, {"publish", "news.1", "m"}).denial, AclDenial::kNone);
  EXPECT_EQ(Check(user, {"publish", "other", "m"}).denial, AclDenial::kChannel);
  EXPECT_EQ(Check(user, {"subscribe", "news.a", "news.b"}).denial, AclDenial::kNone);
  EXPECT_EQ(Check(user, {"subscribe", "news.a", "x"}).arg_index, 2);
  // A pattern subscription must name a permitted pattern literally.
  EXPECT_EQ(Check(user, {"psubscribe", "news.*"}).denial, AclDenial::kNone);
  EXPECT_EQ(Check(user, {"psubscribe", "news.1*"}).denial, AclDenial::kChannel);
  EXPECT_EQ(user.root().DescribeChannels(), "&news.*");
}

TEST_F(AclTest, Passwords) {
  AclUser user = User({"on", ">one", ">two"});
  EXPECT_TRUE(user.Authenticates("one"));
  EXPECT_TRUE(user.Authenticates("two"));
  EXPECT_FALSE(user.Authenticates("three"));
  EXPECT_EQ(user.password_hashes()[0], AclHashPassword("one"));
  EXPECT_EQ(AclHashPassword("pw"), "30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4");
  std::string error;
  ASSERT_TRUE(user.ApplyRule("<one", &error));
  EXPECT_FALSE(user.Authenticates("one"));
  ASSERT_TRUE(user.ApplyRule("!" + AclHashPassword("two"), &error));
  EXPECT_FALSE(user.Authenticates("two"));
  ASSERT_TRUE(user.ApplyRule("#" + AclHashPassword("pw"), &error));
  EXPECT_TRUE(user.Authenticates("pw"));
  ASSERT_TRUE(user.ApplyRule("nopass", &error));
  EXPECT_TRUE(user.Authenticates("anything"));
  ASSERT_TRUE(user.ApplyRule("off", &error));
  EXPECT_FALSE(user.Authenticates("anything"));
}

TEST_F(AclTest, RefusedRules) {
  EXPECT_EQ(Refusal("foo"), "Syntax error");
  EXPECT_EQ(Refusal("+nosuch"), "Unknown command or category name in ACL");
  EXPECT_EQ(Refusal("+@nosuch"), "Unknown command or category name in ACL");
  EXPECT_EQ(Refusal("+config|nosuch"), "Unknown command or category name in ACL");
  EXPECT_EQ(Refusal("%X~a"), "Syntax error");
  EXPECT_EQ(Refusal("#abc"), Refusal("!ABC"));
  EXPECT_EQ(Refusal("<nope"), "The password you are trying to remove from the user does not exist");
  AclUser user = User({"allkeys"});
  std::string error;
  EXPECT_FALSE(user.ApplyRule("~a", &error));
  EXPECT_TRUE(error.starts_with("Adding a pattern after the * pattern (or the 'allkeys' flag)"));
}

TEST_F(AclTest, Selectors) {
  std::vector<std::string> rules;
  std::string error;
  const std::vector<std::string_view> args = {"on", "+get", "~a*", "(+set", "~b*)", "(~c* +get)"};
  ASSERT_TRUE(AclMergeSelectorArgs(args, &rules, &error));
  ASSERT_EQ(rules.size(), 5u);
  EXPECT_EQ(rules[3], "(+set ~b*)");
  std::vector<std::string_view> views(rules.begin(), rules.end());
  const AclUser user = User(views);
  EXPECT_EQ(Check(user, {"get", "a1"}).denial, AclDenial::kNone);
  EXPECT_EQ(Check(user, {"set", "b1", "v"}).denial, AclDenial::kNone);
  EXPECT_EQ(Check(user, {"get", "c1"}).denial, AclDenial::kNone);
  EXPECT_EQ(Check(user, {"set", "a1", "v"}).denial, AclDenial::kKey);  // the most telling refusal
  EXPECT_EQ(Check(user, {"del", "a1"}).denial, AclDenial::kCommand);
  EXPECT_EQ(user.Describe(),
            "user u on ~a* resetchannels -@all +get (~b* resetchannels -@all +set) (~c* resetchannels -@all +get)");
  const std::vector<std::string_view> open = {"(+get", "~x"};
  EXPECT_FALSE(AclMergeSelectorArgs(open, &rules, &error));
  EXPECT_EQ(error, "ERR Unmatched parenthesis in acl selector starting at '(+get'.");
}

TEST_F(AclTest, DescribeUsesCategories) {
  EXPECT_EQ(User({"+@string"}).root().DescribeCommands(), "-@all +@string");
  EXPECT_EQ(User({"+@string", "-mget"}).root().DescribeCommands(), "-@all +@string -mget");
  EXPECT_EQ(User({"+config", "-config|set"}).root().DescribeCommands(), "-@all +config -config|set");
}

TEST_F(AclTest, RegistrySetUserIsAllOrNothing) {
  AclRegistry registry(&table_);
  EXPECT_FALSE(registry.RequiresAuth());
  std::string error;
  ASSERT_TRUE(registry.SetUser("alice", std::vector<std::string_view>{"on", ">pw", "+get"}, &error));
  const uint64_t generation = registry.generation();
  EXPECT_FALSE(registry.SetUser("alice", std::vector<std::string_view>{"+set", "bad"}, &error));
  EXPECT_EQ(error, "ERR Error in ACL SETUSER modifier 'bad': Syntax error");
  EXPECT_EQ(registry.generation(), generation);
  EXPECT_EQ(Check(*registry.Find("alice"), {"set", "k", "v"}).denial, AclDenial::kCommand);
  EXPECT_NE(registry.Authenticate("alice", "pw"), nullptr);
  EXPECT_EQ(registry.Authenticate("alice", "no"), nullptr);
  EXPECT_FALSE(registry.SetUser("a b", {}, &error));
  registry.SetDefaultPassword("secret");
  EXPECT_TRUE(registry.RequiresAuth());
  EXPECT_NE(registry.Authenticate("default", "secret"), nullptr);
  registry.SetDefaultPassword("");
  EXPECT_FALSE(registry.RequiresAuth());
  EXPECT_EQ(registry.DeleteUsers(std::vector<std::string_view>{"alice", "default", "nobody"}), 1);
  EXPECT_EQ(registry.Users().size(), 1u);
}

}  // namespace
}  // namespace strata::server
