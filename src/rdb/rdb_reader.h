// Reads Redis RDB files (format versions 1 to 12, every encoding Redis has written for the types
// Strata has) into the keyspace, and DUMP payloads into entries. A file holding something Strata
// cannot represent, or a damaged one, is refused with a message; never a crash.
#ifndef STRATA_RDB_RDB_READER_H_
#define STRATA_RDB_RDB_READER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/encoding_limits.h"
#include "store/entry.h"
#include "store/keyspace.h"

namespace strata::rdb {

struct LoadOptions {
  int64_t now_ms = 0;  // keys whose deadline is at or before this are skipped, as Redis does
  // Progress for INFO while loading: bytes of the file consumed so far. May be null.
  std::atomic<uint64_t>* bytes_loaded = nullptr;
  // key-load-delay: microseconds to sleep after each key, so tests can observe LOADING.
  int64_t key_load_delay_us = 0;
  // Whether the calling thread holds every stripe lock of the keyspace (DEBUG RELOAD runs under
  // them). Then the call inserts on the calling thread itself, without locking; otherwise it
  // inserts on a worker thread that takes each stripe's lock.
  bool caller_holds_locks = false;
};

struct LoadStats {
  uint64_t keys = 0;             // keys now in the keyspace
  uint64_t expired_skipped = 0;  // keys not loaded because their deadline had passed
  std::vector<std::string> functions;  // the function libraries' codes, for the caller to load
};

// Loads the RDB file `file` (its whole contents) into `keyspace`, choosing each value's encoding
// by keyspace->limits(). Returns false with *error set when the file is damaged ("... at offset
// N", N a byte offset in the file), is newer than kMaxReadVersion, or holds something Strata cannot
// represent (the message names the key and the type); the keyspace may then hold part of the file
// and the caller must discard it (exit at start-up, flush otherwise).
// Loaded keys raise no keyspace events and do not count as unsaved changes. Unless
// options.caller_holds_locks, the call parses on the calling thread and inserts on a worker
// thread it starts and joins before returning.
// REQUIRES: the keyspace's databases are empty; nothing else touches the keyspace during the
// call; the caller holds either no stripe lock (start-up) or all of them with
// options.caller_holds_locks set (DEBUG RELOAD).
bool LoadSnapshot(std::string_view file, store::Keyspace* keyspace, const LoadOptions& options,
                  LoadStats* stats, std::string* error);

// Builds the entry that RESTORE puts under `key` with deadline `expire_ms` (or store::kNoExpire)
// from a DUMP payload, in the encoding `limits` choose. Returns nullptr with *error set to Redis's
// reply text: errors::kDumpPayloadBad when the trailer's version is above kMaxReadVersion or its
// CRC-64 does not match, errors::kBadDataFormat when the value is malformed, empty, or of a type
// Strata lacks. The caller owns the result. Thread-safe; touches no keyspace.
store::Entry* DecodeDump(std::string_view payload, std::string_view key, int64_t expire_ms,
                         const store::EncodingLimits& limits, std::string* error);

// Reads FUNCTION RESTORE's payload (EncodeFunctionsDump's) into the library codes. Returns false
// with Redis's error reply in *error: errors::kDumpPayloadBad for a bad trailer, another for a
// record that is not a function or is cut short. Thread-safe.
bool DecodeFunctionsDump(std::string_view payload, std::vector<std::string>* codes, std::string* error);

}  // namespace strata::rdb

#endif  // STRATA_RDB_RDB_READER_H_
