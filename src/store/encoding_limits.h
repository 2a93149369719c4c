// Thresholds at which small collections leave their compact encoding (listpack, intset) for a
// hash table or skiplist. Set from the config directives of the same names; read by collection
// operations on any thread.
#ifndef STRATA_STORE_ENCODING_LIMITS_H_
#define STRATA_STORE_ENCODING_LIMITS_H_

#include <atomic>
#include <cstdint>

namespace strata::store {

struct EncodingLimits {
  std::atomic<int64_t> hash_max_listpack_entries{512};
  std::atomic<int64_t> hash_max_listpack_value{64};
  std::atomic<int64_t> set_max_intset_entries{512};
  std::atomic<int64_t> zset_max_listpack_entries{128};
  std::atomic<int64_t> zset_max_listpack_value{64};
  // Positive: entries per list node; -1..-5: node size 4, 8, 16, 32, 64 KiB.
  std::atomic<int64_t> list_max_listpack_size{-2};

  static int64_t Get(const std::atomic<int64_t>& v) { return v.load(std::memory_order_relaxed); }
};

}  // namespace strata::store

#endif  // STRATA_STORE_ENCODING_LIMITS_H_
