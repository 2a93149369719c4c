#include "server/command_syntax.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace strata::server {
namespace {

// One argument as "name:type", then " TOKEN" when it has a token, its flags as "?" (optional),
// "*" (multiple), "+" (multiple_token), its key spec as "#n", and its children in parentheses.
std::string Render(const std::vector<SyntaxArg>& args) {
  std::string out;
  for (const SyntaxArg& a : args) {
    if (!out.empty()) out += ", ";
    out += a.name + ":" + std::string(ArgTypeName(a.type));
    if (!a.token.empty()) out += " " + a.token;
    if (a.optional) out += "?";
    if (a.multiple) out += "*";
    if (a.multiple_token) out += "+";
    if (a.key_spec_index >= 0) out += "#" + std::to_string(a.key_spec_index);
    if (!a.children.empty()) out += "(" + Render(a.children) + ")";
  }
  return out;
}

// The rendered arguments of `syntax`, or "error: ..." when it does not parse.
std::string Parse(std::string_view syntax, std::string_view command = "cmd", std::string_view group = "generic",
                  size_t name_words = 1) {
  std::vector<SyntaxArg> args;
  std::string error;
  if (!ParseCommandSyntax(syntax, name_words, SyntaxContext{command, group}, &args, &error)) {
    return "error: " + error;
  }
  return Render(args);
}

TEST(CommandSyntax, PlainArgumentsAndPureTokens) {
  EXPECT_EQ(Parse("TIME"), "");
  EXPECT_EQ(Parse("GET key"), "key:key");
  EXPECT_EQ(Parse("LINSERT key <BEFORE | AFTER> pivot element"),
            "key:key, before_after:oneof(before:pure-token BEFORE, after:pure-token AFTER), pivot:string, "
            "element:string");
  EXPECT_EQ(Parse("SHUTDOWN [NOSAVE | SAVE] [NOW]"),
            "nosave_save:oneof?(nosave:pure-token NOSAVE, save:pure-token SAVE), now:pure-token NOW?");
}

TEST(CommandSyntax, SetWithTokensAndChoices) {
  EXPECT_EQ(Parse("SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | "
                  "PXAT unix-time-milliseconds | KEEPTTL]",
                  "set", "string"),
            "key:key, value:string, nx_xx:oneof?(nx:pure-token NX, xx:pure-token XX), get:pure-token GET?, "
            "ex_px_exat_pxat_keepttl:oneof?("
            "seconds:integer EX, milliseconds:integer PX, unix-time-seconds:unix-time EXAT, "
            "unix-time-milliseconds:unix-time PXAT, keepttl:pure-token KEEPTTL)");
}

TEST(CommandSyntax, Repetitions) {
  EXPECT_EQ(Parse("DEL key [key ...]"), "key:key*");
  EXPECT_EQ(Parse("INFO [section [section ...]]"), "section:string?*");
  EXPECT_EQ(Parse("BLPOP key [key ...] timeout"), "key:key*, timeout:double");
  // Several items repeat together as a block.
  EXPECT_EQ(Parse("HSET key field value [field value ...]"),
            "key:key, field_value:block*(field:string, value:string)");
  // The token is given once, or with every value.
  EXPECT_EQ(Parse("ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]]", "zunion", "sorted-set"),
            "numkeys:integer, key:key*, weight:double WEIGHTS?*");
  EXPECT_EQ(Parse("SORT key [GET pattern [GET pattern ...]]"), "key:key, pattern:pattern GET?*+");
  // A choice that repeats as a whole.
  EXPECT_EQ(Parse("CLIENT KILL <ip:port | <ID client-id | SKIPME <YES | NO> [ID client-id | SKIPME <YES | NO> ...]>>",
                  "client|kill", "connection", 2),
            "ip:port_id_skipme:oneof(ip:port:string, id_skipme:oneof*(client-id:integer ID, "
            "skipme:oneof SKIPME(yes:pure-token YES, no:pure-token NO)))");
}

TEST(CommandSyntax, BitfieldRepeatsItsWholeChoice) {
  EXPECT_EQ(Parse("BITFIELD key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | "
                  "INCRBY encoding offset increment> [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] "
                  "<SET encoding offset value | INCRBY encoding offset increment> ...]]",
                  "bitfield", "bitmap"),
            "key:key, get_overflow_set_incrby:oneof?*("
            "get:block GET(encoding:string, offset:integer), "
            "overflow_set_incrby:block(overflow:oneof OVERFLOW?(wrap:pure-token WRAP, sat:pure-token SAT, "
            "fail:pure-token FAIL), set_incrby:oneof(set:block SET(encoding:string, offset:integer, value:integer), "
            "incrby:block INCRBY(encoding:string, offset:integer, increment:integer))))");
}

TEST(CommandSyntax, TokensIntroduceBlocksAndGroups) {
  EXPECT_EQ(Parse("ZRANGEBYLEX key min max [LIMIT offset count]", "zrangebylex", "sorted-set"),
            "key:key, min:string, max:string, limit:block LIMIT?(offset:integer, count:integer)");
  EXPECT_EQ(Parse("ZINTERSTORE destination numkeys key [key ...] [AGGREGATE <SUM | MIN | MAX>]", "zinterstore",
                  "sorted-set"),
            "destination:key, numkeys:integer, key:key*, aggregate:oneof AGGREGATE?(sum:pure-token SUM, "
            "min:pure-token MIN, max:pure-token MAX)");
  EXPECT_EQ(Parse("HELLO [protover [AUTH username password] [SETNAME clientname]]"),
            "protover_auth_setname:block?(protover:integer, auth:block AUTH?(username:string, password:string), "
            "clientname:string SETNAME?)");
}

TEST(CommandSyntax, NestedOptionalBlocks) {
  EXPECT_EQ(Parse("BITPOS key bit [start [end [BYTE | BIT]]]", "bitpos", "bitmap"),
            "key:key, bit:integer, start_end_byte_bit:block?(start:integer, end_byte_bit:block?(end:integer, "
            "byte_bit:oneof?(byte:pure-token BYTE, bit:pure-token BIT)))");
  EXPECT_EQ(Parse("ZRANDMEMBER key [count [WITHSCORES]]", "zrandmember", "sorted-set"),
            "key:key, count_withscores:block?(count:integer, withscores:pure-token WITHSCORES?)");
}

TEST(CommandSyntax, SkipsTheNameWordsOfASubcommand) {
  EXPECT_EQ(Parse("CONFIG GET parameter [parameter ...]", "config|get", "server", 2), "parameter:string*");
  EXPECT_EQ(Parse("CLIENT NO-EVICT <ON | OFF>", "client|no-evict", "connection", 2),
            "on_off:oneof(on:pure-token ON, off:pure-token OFF)");
  EXPECT_EQ(Parse("OBJECT HELP", "object|help", "generic", 2), "");
}

TEST(CommandSyntax, RejectsMalformedSyntax) {
  EXPECT_EQ(Parse("SET key [NX"), "error: unbalanced '['");
  EXPECT_EQ(Parse("SET key NX]"), "error: unbalanced ']'");
  EXPECT_EQ(Parse("SET key <NX | XX]"), "error: unbalanced '<'");
  EXPECT_EQ(Parse("CLIENT NO-EVICT ON | OFF", "client|no-evict", "connection", 2),
            "error: alternatives outside a group: write <a | b> or [a | b]");
  EXPECT_EQ(Parse("DEL key [key ...] ..."), "error: unbalanced '...'");
  EXPECT_EQ(Parse("DEL key <key ...>"), "error: '...' must end a [...] group");
  EXPECT_EQ(Parse("DEL key [member ...]"), "error: a repetition that repeats nothing before it: [ member ... ]");
  EXPECT_EQ(Parse("SET Key value"), "error: 'Key' mixes cases: arguments are lower case, tokens upper case");
  EXPECT_EQ(Parse("SET key []"), "error: an empty alternative or group");
  EXPECT_EQ(Parse("SET key [NX | ]"), "error: an empty alternative or group");
  EXPECT_EQ(Parse("set key"), "error: the syntax must start with the command's name in upper case");
  EXPECT_EQ(Parse("CONFIG", "config|get", "server", 2),
            "error: the syntax must start with the command's name in upper case");
}

TEST(CommandSyntax, TypesFollowTheNameAndTheCommand) {
  const SyntaxContext generic{"cmd", "generic"};
  const SyntaxContext zset{"zadd", "sorted-set"};
  const SyntaxContext bitmap{"setbit", "bitmap"};
  const SyntaxContext incrbyfloat{"incrbyfloat", "string"};
  for (std::string_view key : {"key", "key1", "key2", "destkey", "newkey", "source", "destination", "src", "dst"}) {
    EXPECT_EQ(InferArgType(key, generic, false), ArgType::kKey) << key;
  }
  EXPECT_EQ(InferArgType("keyword", generic, false), ArgType::kString);
  EXPECT_EQ(InferArgType("destination-db", generic, false), ArgType::kInteger);
  EXPECT_EQ(InferArgType("pattern", generic, false), ArgType::kPattern);
  EXPECT_EQ(InferArgType("unix-time-seconds", generic, false), ArgType::kUnixTime);
  EXPECT_EQ(InferArgType("timeout", generic, false), ArgType::kDouble);
  EXPECT_EQ(InferArgType("count", generic, false), ArgType::kInteger);
  EXPECT_EQ(InferArgType("cursor", generic, false), ArgType::kInteger);
  // increment is a double only where the command works in floats.
  EXPECT_EQ(InferArgType("increment", generic, false), ArgType::kInteger);
  EXPECT_EQ(InferArgType("increment", incrbyfloat, false), ArgType::kDouble);
  EXPECT_EQ(InferArgType("increment", zset, false), ArgType::kDouble);
  EXPECT_EQ(InferArgType("score", zset, false), ArgType::kDouble);
  EXPECT_EQ(InferArgType("weight", zset, false), ArgType::kDouble);
  EXPECT_EQ(InferArgType("min", zset, false), ArgType::kDouble);
  EXPECT_EQ(InferArgType("score", generic, false), ArgType::kString);
  // Bounds of a range by score or lex are strings ("(1", "[a").
  EXPECT_EQ(InferArgType("min", zset, true), ArgType::kString);
  EXPECT_EQ(InferArgType("start", zset, true), ArgType::kString);
  EXPECT_EQ(InferArgType("start", zset, false), ArgType::kInteger);
  EXPECT_EQ(InferArgType("value", bitmap, false), ArgType::kInteger);
  EXPECT_EQ(InferArgType("value", generic, false), ArgType::kString);
  EXPECT_EQ(InferArgType("member", zset, false), ArgType::kString);
  // A name with "lex" makes its ranges lexical without a BYLEX token.
  EXPECT_EQ(Parse("ZLEXCOUNT key min max", "zlexcount", "sorted-set"), "key:key, min:string, max:string");
  EXPECT_EQ(Parse("ZCOUNT key min max", "zcount", "sorted-set"), "key:key, min:double, max:double");
  EXPECT_EQ(Parse("ZRANGE key start stop [BYSCORE | BYLEX]", "zrange", "sorted-set"),
            "key:key, start:string, stop:string, byscore_bylex:oneof?(byscore:pure-token BYSCORE, "
            "bylex:pure-token BYLEX)");
}

TEST(CommandSyntax, TypeNames) {
  EXPECT_EQ(ArgTypeName(ArgType::kKey), "key");
  EXPECT_EQ(ArgTypeName(ArgType::kUnixTime), "unix-time");
  EXPECT_EQ(ArgTypeName(ArgType::kPureToken), "pure-token");
  EXPECT_EQ(ArgTypeName(ArgType::kOneOf), "oneof");
  EXPECT_EQ(ArgTypeName(ArgType::kBlock), "block");
}

}  // namespace
}  // namespace strata::server
