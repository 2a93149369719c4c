// Writes the keyspace as a Redis RDB file (format version 10, what Redis 7.0 writes), and single
// values as DUMP payloads. Knows entries and files, nothing of sockets or clients.
#ifndef STRATA_RDB_RDB_WRITER_H_
#define STRATA_RDB_RDB_WRITER_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "store/entry.h"
#include "store/keyspace.h"

namespace strata::rdb {

// Which per-key access opcode a snapshot carries, as the eviction policy decides (Redis writes
// IDLE under an LRU policy, FREQ under an LFU one, neither otherwise).
enum class AccessOpcode { kNone, kLruIdle, kLfuFreq };

struct SaveOptions {
  bool compress = true;  // rdbcompression: LZF for strings longer than 20 bytes when it saves space
  bool checksum = true;  // rdbchecksum: the CRC-64 trailer, zero when off
  AccessOpcode access = AccessOpcode::kNone;
  int64_t now_ms = 0;         // the "ctime" aux field and the reference for expiries
  uint64_t used_memory = 0;   // the "used-mem" aux field
  // rdb-key-save-delay: microseconds to sleep after each key, so tests can catch a save mid-write.
  int64_t key_save_delay_us = 0;
  // The function libraries' codes, written before the databases (FUNCTION2 records).
  std::vector<std::string> functions;
};

struct SaveStats {
  uint64_t keys = 0;   // keys written, over every database
  uint64_t bytes = 0;  // file size
};

// Writes a complete RDB file holding every database of `keyspace` to `fd` (from its current
// offset), through a buffer of its own. Returns false with *error set (the failed system call and
// its strerror) when a write fails; what was written is then garbage to be discarded.
// REQUIRES: nothing changes the keyspace during the call: the caller holds every stripe lock of
// every database, or is a child process forked while they were held. Allocates only its buffer.
bool WriteSnapshot(store::Keyspace& keyspace, const SaveOptions& options, int fd, SaveStats* stats,
                   std::string* error);

// Saves `keyspace` to `dir`/`filename` safely: writes `dir`/temp-<pid>.rdb, fsyncs it, renames it
// over `filename` and fsyncs `dir`. On failure the temp file is removed, any previous `filename` is
// left untouched, and *error says what failed. Same REQUIRES as WriteSnapshot.
bool SaveSnapshotFile(store::Keyspace& keyspace, const SaveOptions& options, const std::string& dir,
                      const std::string& filename, SaveStats* stats, std::string* error);

// The DUMP payload of `entry`'s value: the value as RDB writes it, the RDB version (2 bytes,
// little-endian) and a CRC-64 of everything before it (8 bytes, little-endian). The key and its
// expiry are not part of it. `compress` is rdbcompression. REQUIRES: the caller holds the entry's
// stripe lock.
std::string EncodeDump(const store::Entry& entry, bool compress);

// FUNCTION DUMP's payload: a FUNCTION2 record per library code, then the same trailer as
// EncodeDump's.
std::string EncodeFunctionsDump(std::span<const std::string> codes, bool compress);

}  // namespace strata::rdb

#endif  // STRATA_RDB_RDB_WRITER_H_
