#include "server/client_info.h"

#include <algorithm>

#include <fmt/format.h>

#include "server/command_table.h"

namespace strata::server {

std::string ClientInfoLine(const Client& c, const Command* current, std::span<const std::string_view> current_args,
                           int64_t now_ms) {
  const bool self = current != nullptr;
  std::string flags;
  if (c.monitor()) flags += 'O';
  if (c.subscriptions().any()) flags += 'P';
  if (c.transaction().active()) flags += 'x';
  if (c.blocked() || c.paused()) flags += 'b';
  if (c.transaction().watched().dirty()) flags += 'd';
  if (self && c.close_after_reply()) flags += 'c';
  if (c.is_unix_socket()) flags += 'U';
  if (c.no_evict()) flags += 'e';
  if (c.no_touch()) flags += 'T';
  if (flags.empty()) flags += 'N';

  const Client::Buffers& b = c.buffers();
  // argv-mem: the arguments of the command being run (the caller's own), or of one held by
  // CLIENT PAUSE, as Redis counts the parsed arguments it keeps.
  size_t argv_mem = 0;
  for (std::string_view a : current_args) argv_mem += a.size();
  if (!self) argv_mem = b.held_args.load(std::memory_order_relaxed);
  const size_t qbuf = b.query.load(std::memory_order_relaxed);
  const size_t qbuf_free = b.query_free.load(std::memory_order_relaxed);
  const size_t pending = b.reply.load(std::memory_order_relaxed);
  const size_t in_flight = std::min(pending, b.in_flight.load(std::memory_order_relaxed));
  const size_t in_flight_mem = b.in_flight_mem.load(std::memory_order_relaxed);
  const size_t reply_capacity = b.reply_capacity.load(std::memory_order_relaxed);
  const Command* cmd = self ? current : c.last_command();
  const Subscriptions& subs = c.subscriptions();
  const size_t multi_mem = c.transaction().memory();
  // Redis's reply buffer is a fixed buffer plus a list of blocks waiting for the socket; Strata's
  // is the buffer replies are appended to (rbs, rbp; obl its unsent bytes) and at most one block
  // handed to the socket and not written yet (oll 1 while that write is in flight, omem its
  // allocation). events: r while reading, w while output waits for the socket.
  const bool reading = b.reading.load(std::memory_order_relaxed);
  const std::string_view events = in_flight > 0 ? (reading ? "rw" : "w") : (reading ? "r" : "");
  return fmt::format(
      "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} qbuf={} "
      "qbuf-free={} argv-mem={} multi-mem={} rbs={} rbp={} obl={} oll={} omem={} tot-mem={} events={} cmd={} "
      "user={} redir=-1 resp={} lib-name={} lib-ver={}",
      c.id(), c.addr(), c.laddr(), c.fd(), c.name(), (now_ms - c.created_ms()) / 1000,
      (now_ms - c.last_interaction_ms()) / 1000, flags, c.db(), subs.count(SubscriptionKind::kChannel),
      subs.count(SubscriptionKind::kPattern), subs.count(SubscriptionKind::kShard), c.transaction().queued_count(),
      qbuf, qbuf_free, argv_mem, multi_mem, reply_capacity - std::min(reply_capacity, in_flight_mem),
      b.reply_peak.load(std::memory_order_relaxed), pending - in_flight, in_flight > 0 ? 1 : 0, in_flight_mem,
      qbuf + qbuf_free + argv_mem + multi_mem + reply_capacity, events,
      cmd != nullptr ? std::string_view(cmd->name) : std::string_view("NULL"), c.username(), c.protocol(),
      c.lib_name(), c.lib_ver());
}

}  // namespace strata::server
