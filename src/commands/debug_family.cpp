// DEBUG, behind enable-debug-command: the subcommands tools and Redis's own tests use (RELOAD,
// SLEEP, SET-ACTIVE-EXPIRE, OBJECT, DIGEST, DIGEST-VALUE, PROTOCOL, LOG, LISTPACK,
// QUICKLIST-PACKED-THRESHOLD, STRINGMATCH-TEST), replying as Redis 7.0 replies.
#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "common/glob.h"
#include "rdb/value_encoder.h"
#include "server/server.h"
#include "store/keyspace_ops.h"
#include "store/list_value.h"
#include "store/lock_set.h"
#include "store/value_digest.h"

namespace strata::commands {
namespace {

// Redis's help text, less the subcommands Strata does not have (crashes, AOF, replication,
// allocator and cluster tuning) and RELOAD's MERGE and NOFLUSH options.
constexpr std::string_view kDebugHelp[] = {
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "QUICKLIST-PACKED-THRESHOLD <size>",
    "    Sets the threshold for elements to be inserted as plain vs packed nodes",
    "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "STRINGMATCH-TEST",
    "    Run a fuzz tester against the stringmatchlen() function.",
    "LISTPACK <key>",
    "    Show low level info about the listpack encoding of <key>.",
};

// DEBUG RELOAD [NOSAVE]: saves, empties every database and loads the dump back.
void DebugReload(CommandContext& ctx) {
  bool save = true;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (ArgIs(ctx, i, "NOSAVE")) {
      save = false;
    } else if (ArgIs(ctx, i, "MERGE") || ArgIs(ctx, i, "NOFLUSH")) {
      // Redis's options that load over existing keys; the loader fills empty databases only.
      ctx.reply.Error(errors::kSyntax);
      return;
    } else {
      ctx.reply.Error(errors::kDebugReloadOptions);
      return;
    }
  }
  std::string error;
  switch (ctx.server.persistence().Reload(save, &error)) {
    case server::Persistence::ReloadResult::kOk: ctx.reply.Ok(); break;
    case server::Persistence::ReloadResult::kSaveFailed: ctx.reply.Error(errors::kDebugReloadSaveFailed); break;
    case server::Persistence::ReloadResult::kLoadFailed: ctx.reply.Error(errors::kDebugReloadLoadFailed); break;
  }
}

// DEBUG SLEEP seconds: stalls the io-thread running it for `seconds` (fractions allowed; text that
// is not a number counts as 0, as in Redis). Redis stalls its whole server; tests use this to hold
// up one io-thread while the others go on.
void DebugSleep(CommandContext& ctx) {
  const std::string seconds(ctx.arg(2));
  std::this_thread::sleep_for(std::chrono::duration<double>(std::strtod(seconds.c_str(), nullptr)));
  ctx.reply.Ok();
}

// DEBUG SET-ACTIVE-EXPIRE 0|1: stops or restarts the active expiry cycle, so that only a lookup
// removes an expired key (tests of lazy expiry). Text that is not a number counts as 0, as in Redis.
void DebugSetActiveExpire(CommandContext& ctx) {
  const std::string on(ctx.arg(2));
  ctx.server.keyspace().set_active_expire(std::strtol(on.c_str(), nullptr, 10) != 0);
  ctx.reply.Ok();
}

// The quicklist fields Redis adds to DEBUG OBJECT of a list: its nodes, their mean element count,
// the fill limit (list-max-listpack-size), whether nodes are compressed (Strata never compresses:
// list-compress-depth is fixed at 0) and the nodes' listpack bytes (header and end byte included).
std::string QuicklistFields(const store::ListValue& list, int64_t fill) {
  size_t nodes = 0;
  size_t bytes = 0;
  constexpr size_t kListpackOverhead = 7;  // 6-byte header, 1 end byte
  list.ForEachNode([&](uint32_t, std::string_view entries) {
    ++nodes;
    bytes += entries.size() + kListpackOverhead;
  });
  const double avg = nodes == 0 ? 0 : static_cast<double>(list.size()) / static_cast<double>(nodes);
  return fmt::format(" ql_nodes:{} ql_avg_node:{:.2f} ql_listpack_max:{} ql_compressed:0 ql_uncompressed_size:{}",
                     nodes, avg, fill, bytes);
}

// DEBUG OBJECT key: Redis's one-line description of the value. "Value at" is the entry's address;
// serializedlength is the value's RDB encoding as a snapshot would write it now; lru is the access
// field on Redis's 24-bit clock. As in Redis, a key past its deadline still stored is shown, and
// no hit or miss is counted.
void DebugObject(CommandContext& ctx) {
  store::Db db = ctx.db();
  const store::Entry* found = db.Peek(ctx.arg(2));
  if (found == nullptr) {
    ctx.reply.Error(errors::kNoSuchKey);
    return;
  }
  const store::Entry& entry = *found;
  const store::ObjectInfo info = store::DescribeEntry(entry, db.keyspace()->lru_clock());
  std::string serialized;
  rdb::ValueEncoder encoder(&serialized, ctx.server.config().Int(server::ConfigId::kRdbCompression) != 0);
  encoder.Value(entry);
  constexpr uint32_t kLruMask = (1u << 24) - 1;
  std::string line = fmt::format("Value at:{} refcount:{} encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}",
                                 static_cast<const void*>(&entry), info.refcount, store::EncodingName(info.encoding),
                                 serialized.size(), info.access & kLruMask, info.idle_seconds);
  if (entry.type() == store::ValueType::kList) {
    line += QuicklistFields(*static_cast<const store::ListValue*>(entry.object()),
                            ctx.server.config().Int(server::ConfigId::kListMaxListpackSize));
  }
  ctx.reply.Simple(line);
}

// DEBUG LISTPACK key: Redis prints a listpack's entries on its standard output and replies a
// status. Strata's compact forms are its own byte layouts, not literal listpacks, so it prints
// nothing, but answers as Redis does for the keys Redis holds as listpacks.
void DebugListpack(CommandContext& ctx) {
  store::Db db = ctx.db();
  store::EntryRef ref = db.Find(ctx.arg(2));
  if (!ref) {
    ctx.reply.Error(errors::kNoSuchKey);
  } else if (ref->encoding() != store::Encoding::kListpack) {
    ctx.reply.Error(errors::kDebugNotListpack);
  } else {
    ctx.reply.Simple("Listpack structure printed on stdout");
  }
}

// DEBUG DIGEST: the signature of every database (store/value_digest.h).
void DebugDigest(CommandContext& ctx) {
  ctx.reply.Simple(store::DigestHex(store::DatasetDigest(ctx.server.keyspace())));
}

// DEBUG DIGEST-VALUE key [key ...]: each value's signature, all zeros for a missing key. As in
// Redis, a key past its deadline that is still stored is digested, not expired.
void DebugDigestValue(CommandContext& ctx) {
  store::Db db = ctx.db();
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    store::Digest digest{};
    const store::Entry* entry = db.Peek(ctx.arg(i));
    if (entry != nullptr) store::DigestValue(*entry, &digest);
    ctx.reply.Simple(store::DigestHex(digest));
  }
}

// DEBUG PROTOCOL type: one sample reply of each RESP3 type, in its RESP2 form for a RESP2 client
// (where a push is refused and an attribute left out).
void DebugProtocol(CommandContext& ctx) {
  resp::ReplyBuilder& r = ctx.reply;
  const std::string_view type = ctx.arg(2);
  auto is = [type](std::string_view name) { return EqualsIgnoreCase(type, name); };
  if (is("string")) {
    r.Bulk("Hello World");
  } else if (is("integer")) {
    r.Integer(12345);
  } else if (is("double")) {
    r.Double(3.141);
  } else if (is("bignum")) {
    r.BigNumber("1234567999999999999999999999999999999");
  } else if (is("null")) {
    r.Null();
  } else if (is("array") || is("set")) {
    if (is("set")) {
      r.SetHeader(3);
    } else {
      r.ArrayHeader(3);
    }
    for (int i = 0; i < 3; ++i) r.Integer(i);
  } else if (is("map")) {
    r.MapHeader(3);
    for (int i = 0; i < 3; ++i) {
      r.Integer(i);
      r.Bool(i == 1);
    }
  } else if (is("attrib")) {
    if (r.resp3()) {
      r.Raw("|1\r\n");  // an attribute map precedes the reply it describes
      r.Bulk("key-popularity");
      r.ArrayHeader(2);
      r.Bulk("key:123");
      r.Integer(90);
    }
    r.Bulk("Some real reply following the attribute");
  } else if (is("push")) {
    if (!r.resp3()) {
      r.Error(errors::kDebugPushResp2);
      return;
    }
    r.PushHeader(2);
    r.Bulk("server-cpu-usage");
    r.Integer(42);
    r.Bulk("Some real reply following the push reply");
  } else if (is("verbatim")) {
    r.Verbatim("This is a verbatim\nstring");
  } else if (is("true") || is("false")) {
    r.Bool(is("true"));
  } else {
    r.Error(errors::kDebugProtocolType);
  }
}

// DEBUG LOG message: writes "DEBUG LOG: <message>" to the server log at warning level, as Redis.
void DebugLog(CommandContext& ctx) {
  spdlog::warn("DEBUG LOG: {}", ctx.arg(2));
  ctx.reply.Ok();
}

// DEBUG QUICKLIST-PACKED-THRESHOLD size: Redis stores list elements of at least `size` bytes in
// nodes of their own ("plain" nodes). Strata's list nodes hold any element, so there is nothing to
// set; the size is checked as Redis checks it (a memory value up to 4 GiB less 1 MiB) and
// accepted, so test suites that tune it run unchanged.
void DebugQuicklistPackedThreshold(CommandContext& ctx) {
  constexpr int64_t kMaxThreshold = (int64_t{1} << 32) - (int64_t{1} << 20);
  int64_t size;
  if (!server::ParseMemory(ctx.arg(2), &size) || size > kMaxThreshold) {
    ctx.reply.Error(errors::kDebugPackedThreshold);
    return;
  }
  ctx.reply.Ok();
}

// DEBUG STRINGMATCH-TEST: Redis fuzzes its glob matcher and replies that it did not crash. This
// runs Strata's matcher (common/glob.h) over random patterns and strings the same way.
void DebugStringmatchTest(CommandContext& ctx) {
  constexpr std::string_view kAlphabet = "ab*?[]^-\\";
  std::mt19937 rng(static_cast<uint32_t>(ctx.now_ms));
  std::uniform_int_distribution<size_t> length(0, 32);
  std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
  auto random_text = [&] {
    std::string s(length(rng), ' ');
    for (char& c : s) c = kAlphabet[pick(rng)];
    return s;
  };
  for (int i = 0; i < 100000; ++i) GlobMatch(random_text(), random_text());
  ctx.reply.Simple("Apparently Redis did not crash: test passed");
}

void DebugHelp(CommandContext& ctx) { ReplyHelp(ctx, "DEBUG", kDebugHelp); }

// A subcommand: its name and the argument count it takes (counting DEBUG and the name;
// negative: at least that many), as Redis checks before running it.
struct Subcommand {
  std::string_view name;
  int arity;
  void (*run)(CommandContext& ctx);
};

constexpr Subcommand kSubcommands[] = {
    {"HELP", 2, DebugHelp},
    {"RELOAD", -2, DebugReload},
    {"SLEEP", 3, DebugSleep},
    {"SET-ACTIVE-EXPIRE", 3, DebugSetActiveExpire},
    {"OBJECT", 3, DebugObject},
    {"LISTPACK", 3, DebugListpack},
    {"DIGEST", 2, DebugDigest},
    {"DIGEST-VALUE", -2, DebugDigestValue},
    {"PROTOCOL", 3, DebugProtocol},
    {"LOG", 3, DebugLog},
    {"QUICKLIST-PACKED-THRESHOLD", 3, DebugQuicklistPackedThreshold},
    {"STRINGMATCH-TEST", 2, DebugStringmatchTest},
};

const Subcommand* FindSubcommand(std::string_view name, size_t argc) {
  for (const Subcommand& s : kSubcommands) {
    if (!EqualsIgnoreCase(name, s.name)) continue;
    const bool arity_ok = s.arity >= 0 ? argc == static_cast<size_t>(s.arity) : argc >= static_cast<size_t>(-s.arity);
    return arity_ok ? &s : nullptr;
  }
  return nullptr;
}

// DEBUG subcommand [argument [argument ...]]
void CmdDebug(CommandContext& ctx) {
  const auto mode = static_cast<server::ProtectedAction>(ctx.server.config().Int(server::ConfigId::kEnableDebugCommand));
  if (!server::ProtectedActionAllowed(mode, ctx.client.is_local())) {
    ctx.reply.Error(errors::kDebugNotAllowed);
    return;
  }
  const Subcommand* sub = FindSubcommand(ctx.arg(1), ctx.argc());
  if (sub == nullptr) {
    ctx.reply.Error(fmt::format(errors::kFmtSubcommandSyntax, ctx.arg(1).substr(0, 128), "DEBUG"));
    return;
  }
  sub->run(ctx);
}

// The stripes a DEBUG call reads: the keys OBJECT, LISTPACK and DIGEST-VALUE name, every database
// for DIGEST. RELOAD takes every stripe itself, so it declares none (and DEBUG may not run inside
// MULTI, where the transaction's locks are held).
void DebugLocks(int db, std::span<const std::string_view> args, store::LockSet* locks) {
  if (args.size() < 2) return;
  const std::string_view name = args[1];
  if (EqualsIgnoreCase(name, "DIGEST")) {
    locks->AddAllDatabases();
  } else if (EqualsIgnoreCase(name, "OBJECT") || EqualsIgnoreCase(name, "LISTPACK") ||
             EqualsIgnoreCase(name, "DIGEST-VALUE")) {
    for (size_t i = 2; i < args.size(); ++i) locks->Add(db, args[i]);
  }
}

}  // namespace

void RegisterDebugFamily(server::CommandTable& table) {
  table.SetGroup("server");
  table.Add({"debug", -2, "admin noscript loading stale no_multi", 0, 0, 0, "", CmdDebug,
             "A container for debugging commands", "1.0.0", 0, nullptr, DebugLocks});
}

}  // namespace strata::commands
