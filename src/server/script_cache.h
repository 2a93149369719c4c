// The scripts EVAL and SCRIPT LOAD made known, by SHA1, shared by every io-thread.
//
// Each io-thread compiles the bodies into its own Lua state (scripting/), on first use; the cache
// keeps only the text and what past runs taught about the script's keys, which the lock
// collection of the next run reads (see DEVELOPING.md "Scripts and locks"). SCRIPT FLUSH empties
// it and moves its generation, which tells each thread's Lua state to start afresh.
#ifndef STRATA_SERVER_SCRIPT_CACHE_H_
#define STRATA_SERVER_SCRIPT_CACHE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace strata::server {

// The 40 lower-case hex digits of SHA1(`text`), as Redis names scripts.
std::string Sha1Hex(std::string_view text);

// What the runs of one script taught. Read and written by any thread (relaxed atomics: a stale
// value only costs a run with more locks, or one retry).
struct ScriptProfile {
  // Some run touched nothing but its declared KEYS, with the whole database held.
  std::atomic<bool> declared_seen{false};
  // Some run touched a key it did not declare: the script runs holding its whole database.
  std::atomic<bool> undeclared{false};
  // Some run selected another database, or reached beyond its own (FLUSHALL, MOVE): the script
  // runs holding every database.
  std::atomic<bool> beyond_db{false};

  // Whether the next run may hold only its declared keys' stripes.
  bool DeclaredOnly() const {
    return declared_seen.load(std::memory_order_relaxed) && !undeclared.load(std::memory_order_relaxed) &&
           !beyond_db.load(std::memory_order_relaxed);
  }
};

// A script's body and profile; shared, so a run keeps it while SCRIPT FLUSH empties the cache.
struct CachedScript {
  std::string sha;
  std::string body;
  mutable ScriptProfile profile;  // atomics: learned by runs on any thread
};

// Thread-safe.
class ScriptCache {
 public:
  ScriptCache() = default;
  ScriptCache(const ScriptCache&) = delete;
  ScriptCache& operator=(const ScriptCache&) = delete;

  // Adds `body` under `sha` (its Sha1Hex) unless known; returns the cached script.
  std::shared_ptr<CachedScript> Add(std::string_view sha, std::string_view body);
  // The script named `sha` (40 hex digits, any case), or nullptr.
  std::shared_ptr<CachedScript> Find(std::string_view sha) const;
  // SCRIPT FLUSH: forgets every script and moves the generation.
  void Flush();

  // Moves on every Flush; a Lua state built at another generation is out of date.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  size_t size() const;
  // The bytes of the cached bodies (INFO's used_memory_scripts_eval).
  size_t body_bytes() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<CachedScript>> scripts_;  // under mu_
  size_t body_bytes_ = 0;                                                   // under mu_
  std::atomic<uint64_t> generation_{0};
};

}  // namespace strata::server

#endif  // STRATA_SERVER_SCRIPT_CACHE_H_
