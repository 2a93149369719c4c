#include "rdb/rdb_reader.h"

#include <chrono>
#include <thread>

#include "common/hash.h"
#include "rdb/rdb_parser.h"

namespace strata::rdb {
namespace {

// Puts each parsed key into the keyspace, skipping the ones whose deadline has passed.
class KeyspaceLoader final : public RdbVisitor {
 public:
  KeyspaceLoader(store::Keyspace* keyspace, const LoadOptions& options, LoadStats* stats)
      : keyspace_(keyspace), options_(options), stats_(stats) {}

  bool OnSelectDb(uint64_t db, std::string* error) override {
    if (db >= static_cast<uint64_t>(keyspace_->databases())) {
      *error = "the file selects database " + std::to_string(db) + " but the server has " +
               std::to_string(keyspace_->databases()) + " (raise 'databases')";
      return false;
    }
    return true;
  }

  bool OnKey(const ParsedKey& k, std::string* error) override {
    store::Entry* e = k.entry;
    Progress(k);
    if (e->has_expire() && e->expire_ms() <= options_.now_ms) {
      store::Entry::Destroy(e);
      ++stats_->expired_skipped;
      return true;
    }
    // The LRU clock is in seconds; an IDLE opcode dates the last access back. A FREQ counter
    // has no place in the access field (Strata keeps an LRU clock there), so it counts as now.
    const uint32_t clock = keyspace_->lru_clock();
    uint32_t access = clock;
    if (k.idle_seconds > 0) access = k.idle_seconds >= clock ? 0 : clock - static_cast<uint32_t>(k.idle_seconds);
    e->set_access(access);
    const uint64_t h = HashKey(e->key());
    store::Stripe& stripe = keyspace_->stripe(k.db, store::StripeOf(h));
    std::lock_guard<SpinLock> lock(stripe.mu);
    store::Db db(keyspace_, k.db, options_.now_ms);
    if (db.Find(e->key())) {
      *error = "duplicate key '" + std::string(e->key().substr(0, 128)) + "' at offset " + std::to_string(k.offset);
      store::Entry::Destroy(e);
      return false;
    }
    db.Insert(e, store::Access::kKeep);
    ++stats_->keys;
    return true;
  }

 private:
  void Progress(const ParsedKey& k) {
    if (options_.bytes_loaded != nullptr) {
      options_.bytes_loaded->store(k.offset + k.bytes, std::memory_order_relaxed);
    }
    if (options_.key_load_delay_us > 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(options_.key_load_delay_us));
    }
  }

  store::Keyspace* keyspace_;
  const LoadOptions& options_;
  LoadStats* stats_;
};

}  // namespace

bool LoadSnapshot(std::string_view file, store::Keyspace* keyspace, const LoadOptions& options, LoadStats* stats,
                  std::string* error) {
  *stats = LoadStats();
  KeyspaceLoader loader(keyspace, options, stats);
  const bool ok = ParseRdb(file, keyspace->limits(), &loader, error);
  if (ok && options.bytes_loaded != nullptr) options.bytes_loaded->store(file.size(), std::memory_order_relaxed);
  return ok;
}

}  // namespace strata::rdb
