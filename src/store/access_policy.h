// What an entry's 32-bit access field means under each maxmemory-policy, and how eviction ranks
// keys by it.
//
// Under an LRU policy (and the random, TTL and noeviction ones) the field is the keyspace's LRU
// clock, in seconds, at the key's last access. Under an LFU policy it is Redis's logarithmic
// counter: bits 0-7 the counter, bits 8-23 the minute (mod 2^16) of its last decrement. Switching
// policy at run time reinterprets the field, as Redis does; keys settle as they are touched.
//
// Under the LRU policies (allkeys-lru, volatile-lru) eviction is a sampled S3-FIFO, scan
// resistant where plain LRU is not: an entry's meta bits (Entry::meta) put it in the small class
// (new keys) or the main class (keys hit while small, or back from the ghost table of recently
// evicted keys, store/ghost_table.h), with a 2-bit hit counter. The small class is evicted
// first while it holds more than kSmallShare of the keys; its victims' hashes go to the ghost
// table. A small key found hit when chosen is promoted to main instead; a main key found hit has
// its counter decremented and gets another round (CLOCK's second chance). Within a class the
// oldest access goes first. The access field stays the LRU clock, so OBJECT IDLETIME answers as
// Redis. Other policies leave the meta bits alone.
//
// Under the LFU policies the counter is Redis's, with one addition: a key evicted lately (in the
// ghost table) that is written again starts at kLfuReturnCounter.
// Pure functions: no locks, no state.
#ifndef STRATA_STORE_ACCESS_POLICY_H_
#define STRATA_STORE_ACCESS_POLICY_H_

#include <cstdint>

namespace strata::store {

// In maxmemory-policy's enum order (Redis's names, config.cpp).
enum class EvictionPolicy : uint8_t {
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
  kAllkeysLru,
  kAllkeysLfu,
  kAllkeysRandom,
  kNoEviction,
};

inline bool IsLfu(EvictionPolicy p) { return p == EvictionPolicy::kVolatileLfu || p == EvictionPolicy::kAllkeysLfu; }
inline bool IsVolatileOnly(EvictionPolicy p) { return p <= EvictionPolicy::kVolatileTtl; }
inline bool IsRandom(EvictionPolicy p) {
  return p == EvictionPolicy::kVolatileRandom || p == EvictionPolicy::kAllkeysRandom;
}

// The counter a new key starts with under LFU, so it is not evicted before it had a chance.
inline constexpr uint32_t kLfuInitCounter = 5;
// The counter of a new key under LFU that is back from the ghost table of recently evicted keys
// (store/ghost_table.h): one above, so it outranks keys seen once (a scan) instead of being
// evicted again among them.
inline constexpr uint32_t kLfuReturnCounter = kLfuInitCounter + 1;

// The minutes clock LFU's decay reads: Unix minutes mod 2^16.
inline uint32_t LfuMinutes(int64_t now_ms) { return static_cast<uint32_t>(now_ms / 60000) & 0xffff; }

inline uint32_t LfuPack(uint32_t minutes, uint32_t counter) { return (minutes & 0xffff) << 8 | (counter & 0xff); }
inline uint32_t LfuCounter(uint32_t access) { return access & 0xff; }

// Minutes elapsed since `then`, both read mod 2^16 (wrapping once).
inline uint32_t LfuElapsedMinutes(uint32_t now_minutes, uint32_t then_minutes) {
  return now_minutes >= then_minutes ? now_minutes - then_minutes : 65536 - then_minutes + now_minutes;
}

// The counter of `access` after decay: one less per `decay_time` minutes elapsed (0: no decay).
uint32_t LfuDecayed(uint32_t access, uint32_t now_minutes, int64_t decay_time);

// The counter after one access: +1 with probability 1 / ((counter - init) * log_factor + 1),
// saturating at 255. `uniform` is a random draw in [0, 1).
uint32_t LfuIncremented(uint32_t counter, int64_t log_factor, double uniform);

// The access field after an access at `now_ms`: decay, then a logarithmic increment.
uint32_t LfuTouched(uint32_t access, int64_t now_ms, int64_t log_factor, int64_t decay_time, double uniform);

// Seconds since the access recorded by LRU clock `access`, at LRU clock `now_clock`.
inline uint32_t LruIdleSeconds(uint32_t access, uint32_t now_clock) {
  return now_clock > access ? now_clock - access : 0;
}

// Whether the policy keeps the small/main classes in the meta bits (the LRU ones).
inline bool UsesClasses(EvictionPolicy p) { return p == EvictionPolicy::kVolatileLru || p == EvictionPolicy::kAllkeysLru; }

// Whether eviction records victims in the ghost table: the LRU policies (small-class victims) and
// the LFU ones (every victim).
inline bool UsesGhost(EvictionPolicy p) { return UsesClasses(p) || IsLfu(p); }

// The meta bits: bit 0 the main class, bits 1-2 the hit counter (0 to 3).
inline constexpr uint16_t kMetaMain = 1;
inline constexpr uint32_t kMetaMaxHits = 3;
// The share of keys the small class may hold before it is evicted first (S3-FIFO's 10%).
inline constexpr double kSmallShare = 0.1;

inline bool MetaIsMain(uint16_t meta) { return (meta & kMetaMain) != 0; }
inline uint32_t MetaHits(uint16_t meta) { return meta >> 1 & kMetaMaxHits; }
inline uint16_t MetaPack(bool main, uint32_t hits) { return static_cast<uint16_t>((main ? kMetaMain : 0) | hits << 1); }
// The meta bits after a hit: the counter up by one, saturating.
inline uint16_t MetaTouched(uint16_t meta) {
  const uint32_t hits = MetaHits(meta);
  return hits == kMetaMaxHits ? meta : MetaPack(MetaIsMain(meta), hits + 1);
}

// How good a victim a key is, higher first: its idle time under LRU, 255 minus its decayed
// counter under LFU, the nearness of its deadline under volatile-ttl. Under the LRU policies the
// class and counter come first: keys of the class to evict from (small when `small_over`, the
// small class being over its share, else main) before the others, fewer hits before more, then
// the idle time. The one place victims are ranked. `expire_ms` is the key's deadline
// (volatile-ttl only).
uint64_t VictimScore(EvictionPolicy policy, uint32_t access, uint16_t meta, int64_t expire_ms, uint32_t lru_clock,
                     uint32_t lfu_minutes, int64_t decay_time, bool small_over);

}  // namespace strata::store

#endif  // STRATA_STORE_ACCESS_POLICY_H_
