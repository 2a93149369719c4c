// A command's wire syntax, as its handler's comment writes it ("SET key value [NX | XX] ..."),
// parsed into the argument tree COMMAND DOCS shows.
//
// The notation is Redis's:
//   word            an argument named `word` (it has a lower-case letter: key, unix-time-seconds)
//   WORD            a pure token, given as it is (no lower-case letter: NX, KEEPTTL)
//   WORD arg        an argument introduced by a token (EX seconds); WORD a b is a block of a and b
//                   under the token (LIMIT offset count), WORD <...> a group under it
//                   (AGGREGATE <SUM | MIN | MAX>)
//   [x]             x is optional
//   <x y>           x and y form one required block
//   a | b           one of the alternatives, inside [...] (optional) or <...> (required)
//   x [x ...]       x repeats; x may be several items (field value [field value ...]), a token
//                   argument whose token repeats too (GET pattern [GET pattern ...]) or not
//                   (WEIGHTS weight [weight ...]), or, inside a group, all of the group's
//                   alternatives ([a | b [a | b ...]])
//
// Groups and blocks have no names of their own in the notation. Their COMMAND DOCS name is the
// token's, lower case, when a token introduces them (limit, aggregate), else their children's
// names joined by "_", Redis's own convention for unnamed groups, where a child introduced by a
// token gives the token: [NX | XX] is nx_xx, [EX seconds | PX milliseconds] ex_px.
//
// Argument types follow from the argument's name and the command (see InferArgType).
#ifndef STRATA_SERVER_COMMAND_SYNTAX_H_
#define STRATA_SERVER_COMMAND_SYNTAX_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace strata::server {

enum class ArgType { kKey, kString, kInteger, kDouble, kPattern, kUnixTime, kPureToken, kOneOf, kBlock };

// The type's name as COMMAND DOCS writes it: "key", "unix-time", "pure-token", "oneof" ...
std::string_view ArgTypeName(ArgType type);

// One argument of a command (COMMAND DOCS "arguments").
struct SyntaxArg {
  std::string name;
  ArgType type = ArgType::kString;
  std::string token;        // empty when no token introduces the argument
  int key_spec_index = -1;  // for keys: which of the command's key specs finds it
  bool optional = false;
  bool multiple = false;
  bool multiple_token = false;     // the token repeats with each value
  std::vector<SyntaxArg> children;  // for kOneOf and kBlock
};

// What the type rules need to know about the command.
struct SyntaxContext {
  std::string_view command;  // lower case; "config|get" for a subcommand
  std::string_view group;    // COMMAND DOCS group: "sorted-set", "bitmap" ...
};

// The type of a (non-token) argument named `name` (lower case, as the syntax writes it) of
// `ctx.command`; `by_score_or_lex` says whether the command's syntax has a BYSCORE or BYLEX token.
// The rules, first match wins:
//   key        "key", "key1", "key2" ..., names ending in "key" (destkey, newkey), and source,
//              destination, src, dst
//   pattern    "pattern"
//   unix-time  names starting with "unix-time"
//   string     start, stop, min, max of a command that ranges by score or lex (BYSCORE/BYLEX, or
//              "lex" in its name): such bounds are "(1", "[a", "-inf" ...
//   integer    "timeout" of CLIENT PAUSE (milliseconds)
//   double     "timeout" (the blocking commands' seconds); "increment" of a *float command (INCRBYFLOAT, HINCRBYFLOAT); in a
//              sorted-set command: score, increment, weight, min, max
//   integer    count, offset, index, index1, index2, numkeys, start, end, stop, seconds,
//              milliseconds, cursor, db, destination-db, increment, decrement, rank, num-matches,
//              len, limit, bit, client-id, protover; "value" in a bitmap command
//   string     anything else
ArgType InferArgType(std::string_view name, const SyntaxContext& ctx, bool by_score_or_lex);

// Parses `syntax`, whose first `name_words` words name the command ("CONFIG GET ..." has two),
// into `*args`. On malformed syntax (unbalanced brackets, alternatives outside a group, a
// repetition that repeats nothing before it ...) returns false and says why in `*error`.
bool ParseCommandSyntax(std::string_view syntax, size_t name_words, const SyntaxContext& ctx,
                        std::vector<SyntaxArg>* args, std::string* error);

}  // namespace strata::server

#endif  // STRATA_SERVER_COMMAND_SYNTAX_H_
