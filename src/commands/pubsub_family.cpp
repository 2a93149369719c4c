// Pub/sub commands: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, SSUBSCRIBE,
// SUNSUBSCRIBE, SPUBLISH and PUBSUB. The registry and the delivery are server/pubsub.h's.
#include <fmt/format.h>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "server/io_thread.h"
#include "server/server.h"

namespace strata::commands {
namespace {

using server::SubscriptionKind;

// One confirmation of a (un)subscription, as Redis sends it: [verb, name, count], a push frame
// in RESP3. `name` is null for an unsubscription from nothing.
void ReplySubscription(CommandContext& ctx, std::string_view verb, const std::string_view* name,
                       SubscriptionKind kind) {
  ctx.reply.PushHeader(3);
  ctx.reply.Bulk(verb);
  if (name != nullptr) {
    ctx.reply.Bulk(*name);
  } else {
    ctx.reply.Null();
  }
  ctx.reply.Integer(ctx.client.subscriptions().ReplyCount(kind));
}

// SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE: subscribes to each argument, confirming each.
void SubscribeEach(CommandContext& ctx, SubscriptionKind kind, std::string_view verb) {
  server::PubSub& pubsub = ctx.server.pubsub();
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const std::string_view name = ctx.arg(i);
    pubsub.Subscribe(ctx.client, server::IoThread::Current(), kind, name);
    ReplySubscription(ctx, verb, &name, kind);
  }
}

// UNSUBSCRIBE, PUNSUBSCRIBE, SUNSUBSCRIBE: unsubscribes from each argument, or from everything
// of `kind` without arguments, confirming each (once, with a null name, when there was nothing).
void UnsubscribeEach(CommandContext& ctx, SubscriptionKind kind, std::string_view verb) {
  server::PubSub& pubsub = ctx.server.pubsub();
  if (ctx.argc() > 1) {
    for (size_t i = 1; i < ctx.argc(); ++i) {
      const std::string_view name = ctx.arg(i);
      pubsub.Unsubscribe(ctx.client, kind, name);
      ReplySubscription(ctx, verb, &name, kind);
    }
    return;
  }
  const std::vector<std::string> left = pubsub.UnsubscribeAll(ctx.client, kind);
  if (left.empty()) ReplySubscription(ctx, verb, nullptr, kind);
  // Each confirmation counts the subscriptions still held after that one went, as in Redis.
  size_t remaining = left.size();
  for (const std::string& name : left) {
    --remaining;
    ctx.reply.PushHeader(3);
    ctx.reply.Bulk(verb);
    ctx.reply.Bulk(name);
    ctx.reply.Integer(ctx.client.subscriptions().ReplyCount(kind) + static_cast<int64_t>(remaining));
  }
}

// SUBSCRIBE channel [channel ...]
void CmdSubscribe(CommandContext& ctx) { SubscribeEach(ctx, SubscriptionKind::kChannel, "subscribe"); }

// UNSUBSCRIBE [channel [channel ...]]
void CmdUnsubscribe(CommandContext& ctx) { UnsubscribeEach(ctx, SubscriptionKind::kChannel, "unsubscribe"); }

// PSUBSCRIBE pattern [pattern ...]
void CmdPSubscribe(CommandContext& ctx) { SubscribeEach(ctx, SubscriptionKind::kPattern, "psubscribe"); }

// PUNSUBSCRIBE [pattern [pattern ...]]
void CmdPUnsubscribe(CommandContext& ctx) { UnsubscribeEach(ctx, SubscriptionKind::kPattern, "punsubscribe"); }

// SSUBSCRIBE shardchannel [shardchannel ...]
void CmdSSubscribe(CommandContext& ctx) { SubscribeEach(ctx, SubscriptionKind::kShard, "ssubscribe"); }

// SUNSUBSCRIBE [shardchannel [shardchannel ...]]
void CmdSUnsubscribe(CommandContext& ctx) { UnsubscribeEach(ctx, SubscriptionKind::kShard, "sunsubscribe"); }

// PUBLISH channel message
void CmdPublish(CommandContext& ctx) {
  ctx.reply.Integer(ctx.server.pubsub().Publish(SubscriptionKind::kChannel, ctx.arg(1), ctx.arg(2)));
}

// SPUBLISH shardchannel message
void CmdSPublish(CommandContext& ctx) {
  ctx.reply.Integer(ctx.server.pubsub().Publish(SubscriptionKind::kShard, ctx.arg(1), ctx.arg(2)));
}

// PUBSUB CHANNELS and SHARDCHANNELS: the channels of `kind` with subscribers, matching the
// optional pattern.
void ReplyChannels(CommandContext& ctx, SubscriptionKind kind) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(fmt::format(errors::kFmtSubcommandSyntax, ctx.arg(1), "PUBSUB"));
    return;
  }
  const std::string_view pattern = ctx.argc() == 3 ? ctx.arg(2) : std::string_view();
  const std::vector<std::string> names = ctx.server.pubsub().Channels(kind, ctx.argc() == 3 ? &pattern : nullptr);
  ctx.reply.ArrayHeader(names.size());
  for (const std::string& name : names) ctx.reply.Bulk(name);
}

// PUBSUB NUMSUB and SHARDNUMSUB: [channel, subscribers] for each channel named.
void ReplyNumSub(CommandContext& ctx, SubscriptionKind kind) {
  ctx.reply.ArrayHeader((ctx.argc() - 2) * 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.Bulk(ctx.arg(i));
    ctx.reply.Integer(static_cast<int64_t>(ctx.server.pubsub().SubscriberCount(kind, ctx.arg(i))));
  }
}

// PUBSUB CHANNELS [pattern]
void CmdPubSubChannels(CommandContext& ctx) { ReplyChannels(ctx, SubscriptionKind::kChannel); }

// PUBSUB SHARDCHANNELS [pattern]
void CmdPubSubShardChannels(CommandContext& ctx) { ReplyChannels(ctx, SubscriptionKind::kShard); }

// PUBSUB NUMSUB [channel [channel ...]]
void CmdPubSubNumSub(CommandContext& ctx) { ReplyNumSub(ctx, SubscriptionKind::kChannel); }

// PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]]
void CmdPubSubShardNumSub(CommandContext& ctx) { ReplyNumSub(ctx, SubscriptionKind::kShard); }

// PUBSUB NUMPAT
void CmdPubSubNumPat(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.pubsub().NameCount(SubscriptionKind::kPattern)));
}

// PUBSUB HELP
void CmdPubSubHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
  };
  ReplyHelp(ctx, "PUBSUB", kLines);
}

}  // namespace

void RegisterPubSubFamily(server::CommandTable& table) {
  table.SetGroup("pubsub");
  constexpr std::string_view kSubscribeFlags = "pubsub noscript loading stale";
  table.Add({"subscribe", -2, kSubscribeFlags, 0, 0, 0, "", CmdSubscribe,
             "Listen for messages published to the given channels", "2.0.0"});
  table.Add({"unsubscribe", -1, kSubscribeFlags, 0, 0, 0, "", CmdUnsubscribe,
             "Stop listening for messages posted to the given channels", "2.0.0"});
  table.Add({"psubscribe", -2, kSubscribeFlags, 0, 0, 0, "", CmdPSubscribe,
             "Listen for messages published to channels matching the given patterns", "2.0.0"});
  table.Add({"punsubscribe", -1, kSubscribeFlags, 0, 0, 0, "", CmdPUnsubscribe,
             "Stop listening for messages posted to channels matching the given patterns", "2.0.0"});
  table.Add({"ssubscribe", -2, kSubscribeFlags, 0, 0, 0, "", CmdSSubscribe,
             "Listen for messages published to the given shard channels", "7.0.0"});
  table.Add({"sunsubscribe", -1, kSubscribeFlags, 0, 0, 0, "", CmdSUnsubscribe,
             "Stop listening for messages posted to the given shard channels", "7.0.0"});
  table.Add({"publish", 3, "pubsub loading stale fast may_replicate", 0, 0, 0, "", CmdPublish,
             "Post a message to a channel", "2.0.0"});
  table.Add({"spublish", 3, "pubsub loading stale fast may_replicate", 0, 0, 0, "", CmdSPublish,
             "Post a message to a shard channel", "7.0.0"});
  table.Add({"pubsub", -2, "", 0, 0, 0, "", nullptr, "A container for Pub/Sub commands", "2.8.0"});
  table.Add({"pubsub|channels", -2, "pubsub loading stale", 0, 0, 0, "", CmdPubSubChannels,
             "List active channels", "2.8.0"});
  table.Add({"pubsub|shardchannels", -2, "pubsub loading stale", 0, 0, 0, "", CmdPubSubShardChannels,
             "List active shard channels", "7.0.0"});
  table.Add({"pubsub|numsub", -2, "pubsub loading stale", 0, 0, 0, "", CmdPubSubNumSub,
             "Get the count of subscribers for channels", "2.8.0"});
  table.Add({"pubsub|shardnumsub", -2, "pubsub loading stale", 0, 0, 0, "", CmdPubSubShardNumSub,
             "Get the count of subscribers for shard channels", "7.0.0"});
  table.Add({"pubsub|numpat", 2, "pubsub loading stale", 0, 0, 0, "", CmdPubSubNumPat,
             "Get the count of unique patterns pattern subscriptions", "2.8.0"});
  table.Add({"pubsub|help", 2, "loading stale", 0, 0, 0, "", CmdPubSubHelp, "Show helpful text about the different subcommands", "6.2.0"});
}

}  // namespace strata::commands
