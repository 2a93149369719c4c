// The function registry with the real Lua compiler: what a library's load registers, the load
// sandbox's errors, and the registry's join rules (LOAD REPLACE, RESTORE policies, collisions).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error_texts.h"
#include "scripting/lua_engine.h"
#include "scripting/script_run.h"
#include "server/function_registry.h"

namespace strata::scripting {
namespace {

std::string Lib(const std::string& name, const std::string& body) { return "#!lua name=" + name + "\n" + body; }

std::string OneFunction(const std::string& lib, const std::string& fn) {
  return Lib(lib, "redis.register_function('" + fn + "', function() return 1 end)");
}

class FunctionLibraryTest : public ::testing::Test {
 protected:
  FunctionLibraryTest() { registry_.set_compiler(LuaEngine::CompileLibrary); }

  std::string Load(const std::string& code, bool replace = false) {
    std::string name, error;
    if (!registry_.Load(code, replace, &name, &error)) return error;
    return "loaded " + name;
  }

  server::FunctionRegistry registry_;
};

TEST(LibraryMetadata, ParsedAsRedisParsesIt) {
  server::Library lib;
  EXPECT_EQ(server::ParseLibraryMetadata("#!LUA   NAME=abc_1  \nx", &lib), "");
  EXPECT_EQ(lib.name, "abc_1");
  EXPECT_EQ(lib.code_offset, 20u) << "the newline stays, so line numbers are the file's";
  EXPECT_EQ(server::ParseLibraryMetadata("x", &lib), errors::kLibraryNoMetadata);
  EXPECT_EQ(server::ParseLibraryMetadata("#!lua name=x", &lib), errors::kLibraryBadMetadata);
  EXPECT_EQ(server::ParseLibraryMetadata("#!js name=x\n", &lib), "ERR Engine 'js' not found");
  EXPECT_EQ(server::ParseLibraryMetadata("#!lua\n", &lib), errors::kLibraryNoName);
  EXPECT_EQ(server::ParseLibraryMetadata("#!lua name=a name=b\n", &lib), errors::kLibraryNameTwice);
  EXPECT_EQ(server::ParseLibraryMetadata("#!lua name=a x=1\n", &lib), "ERR Invalid metadata value given: x=1");
  EXPECT_EQ(server::ParseLibraryMetadata("#!lua name=a-b\n", &lib), std::string("ERR ") + errors::kLibraryNameChars);
}

TEST_F(FunctionLibraryTest, TheLoadRegistersNamesFlagsAndDescriptions) {
  ASSERT_EQ(Load(Lib("lib", "redis.register_function('plain', function() end)\n"
                            "redis.register_function{function_name='flagged', callback=function() end, "
                            "flags={'no-writes', 'ALLOW-OOM'}, description='about'}")),
            "loaded lib");
  const server::FunctionRegistry::Found plain = registry_.Find("plain");
  ASSERT_NE(plain.function, nullptr);
  EXPECT_EQ(plain.function->flags, 0u);
  EXPECT_FALSE(plain.function->description.has_value());
  const server::FunctionRegistry::Found flagged = registry_.Find("flagged");
  ASSERT_NE(flagged.function, nullptr);
  EXPECT_EQ(flagged.function->flags, static_cast<uint32_t>(kScriptNoWrites | kScriptAllowOom));
  EXPECT_EQ(flagged.function->description, "about");
  EXPECT_EQ(flagged.library, plain.library);
  EXPECT_EQ(registry_.function_count(), 2u);
}

TEST_F(FunctionLibraryTest, TheLoadSandboxRefusesAllButRegistering) {
  EXPECT_EQ(Load(Lib("bad", "redis.call('ping')")),
            "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global "
            "variable 'call'");
  EXPECT_EQ(Load(Lib("bad", "local s = string.rep('a', 2)")),
            "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global "
            "variable 'string'");
  EXPECT_EQ(Load(Lib("bad", "x = 1")),
            "ERR Error registering functions: ERR user_function:2: Attempt to modify a readonly table");
  EXPECT_EQ(Load(Lib("bad", "redis.register_function('a b', function() end)")),
            std::string("ERR Error registering functions: ERR ") + errors::kLibraryNameChars);
  EXPECT_EQ(Load(Lib("bad", "local a =")), "ERR Error compiling function: user_function:2: unexpected symbol near '<eof>'");
  EXPECT_EQ(Load(Lib("bad", "local a = 1")), errors::kLibraryNoFunctions);
  EXPECT_EQ(Load(Lib("bad", "while true do end")), "ERR Error registering functions: ERR FUNCTION LOAD timeout");
  EXPECT_EQ(registry_.library_count(), 0u) << "a failed load registers nothing";
}

TEST_F(FunctionLibraryTest, ReplaceAndCollisions) {
  ASSERT_EQ(Load(OneFunction("a", "fa")), "loaded a");
  const uint64_t generation = registry_.generation();
  EXPECT_EQ(Load(OneFunction("a", "other")), "ERR Library 'a' already exists");
  EXPECT_EQ(Load(OneFunction("b", "fa")), "ERR Function fa already exists");
  EXPECT_EQ(registry_.generation(), generation) << "refused loads change nothing";
  ASSERT_EQ(Load(OneFunction("a", "fa2"), true), "loaded a");
  EXPECT_EQ(registry_.Find("fa").function, nullptr) << "the replaced library's functions are gone";
  EXPECT_NE(registry_.Find("fa2").function, nullptr);
  EXPECT_GT(registry_.generation(), generation);
  EXPECT_TRUE(registry_.Delete("a"));
  EXPECT_FALSE(registry_.Delete("a"));
  EXPECT_EQ(registry_.function_count(), 0u);
}

TEST_F(FunctionLibraryTest, RestorePolicies) {
  ASSERT_EQ(Load(OneFunction("a", "fa")), "loaded a");
  const std::vector<std::string> payload = {OneFunction("a", "fa_new"), OneFunction("b", "fb")};
  std::string error;
  using Policy = server::FunctionRegistry::RestorePolicy;
  EXPECT_FALSE(registry_.Restore(payload, Policy::kAppend, &error));
  EXPECT_EQ(error, "ERR Library a already exists");
  EXPECT_EQ(registry_.library_count(), 1u) << "all or nothing";
  ASSERT_TRUE(registry_.Restore(payload, Policy::kReplace, &error)) << error;
  EXPECT_EQ(registry_.Find("fa").function, nullptr);
  EXPECT_NE(registry_.Find("fa_new").function, nullptr);
  ASSERT_TRUE(registry_.Restore({{OneFunction("c", "fc")}}, Policy::kFlush, &error)) << error;
  EXPECT_EQ(registry_.library_count(), 1u);
  EXPECT_NE(registry_.Find("fc").function, nullptr);
  EXPECT_FALSE(registry_.Restore({{OneFunction("d", "x"), OneFunction("d", "y")}}, Policy::kFlush, &error));
  EXPECT_EQ(error, "ERR Library 'd' already exists") << "a payload repeating a library";
  EXPECT_FALSE(registry_.Restore({{OneFunction("e", "fc")}}, Policy::kReplace, &error));
  EXPECT_EQ(error, "ERR Function fc already exists");
}

}  // namespace
}  // namespace strata::scripting
