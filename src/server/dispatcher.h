// Runs one request: finds its command, checks arity and authentication, locks the stripes of its
// keys, calls the handler and counts the call.
#ifndef STRATA_SERVER_DISPATCHER_H_
#define STRATA_SERVER_DISPATCHER_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "resp/reply_builder.h"
#include "server/client.h"
#include "server/command_table.h"
#include "store/keyspace.h"
#include "store/lock_set.h"

namespace strata::server {

class IoThread;
class Server;

// Everything a command handler sees. Lives for one call.
class CommandContext {
 public:
  CommandContext(Server& server, Client& client, resp::ReplyBuilder& reply, const Command& command,
                 std::span<const std::string_view> args)
      : server(server), client(client), reply(reply), command(command), args(args) {}

  Server& server;
  Client& client;
  resp::ReplyBuilder& reply;
  const Command& command;
  // args[0] is the command name as sent.
  std::span<const std::string_view> args;

  size_t argc() const { return args.size(); }
  std::string_view arg(size_t i) const { return args[i]; }
  // The client's selected database. The stripes of the command's keys are locked.
  store::Db db() const;
};

class Dispatcher {
 public:
  // `thread` is the io-thread this dispatcher serves (blocked clients are woken there).
  Dispatcher(Server* server, IoThread* thread) : server_(server), thread_(thread) {}

  // Runs the request `args` (non-empty) for `client`, writing the reply to `reply`.
  // `locks` is the calling thread's reusable lock set. REQUIRES: the client's own io-thread.
  void Execute(Client& client, resp::ReplyBuilder& reply, std::span<const std::string_view> args,
               store::LockSet* locks);

 private:
  // Replies with the error for an unknown command or subcommand, or a bad arity, and returns
  // nullptr; otherwise returns the command to run.
  const Command* Resolve(std::span<const std::string_view> args, resp::ReplyBuilder& reply) const;

  // After a handler ran, with its locks still held: registers the block the handler asked for.
  void SettleBlocking(Client& client, std::span<const std::string_view> args);

  // BlockingRegistry::ServeFn: re-runs the command `args` of the blocked `client` (of another
  // connection, maybe on another thread) under its keys' locks, its reply written to *reply.
  // Returns false if it found nothing and asked to block again.
  bool ServeBlocked(Client& client, std::span<const std::string_view> args, std::string* reply);

  Server* server_;
  IoThread* thread_;
  std::vector<int> key_indexes_scratch_;
};

}  // namespace strata::server

#endif  // STRATA_SERVER_DISPATCHER_H_
