// LoadSnapshot: two threads share the work. The calling thread parses the file and builds each
// entry (decompression, decoding, the value's own allocations); a worker thread puts the
// entries into the keyspace tables (hash-table placement, whose cache misses are the other
// half of the cost). Entries travel in batches through a short bounded queue.
#include "rdb/rdb_reader.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "common/hash.h"
#include "rdb/rdb_parser.h"

namespace strata::rdb {
namespace {

// A key on its way from the parser to the inserter.
struct LoadedKey {
  store::Entry* entry;
  uint64_t hash;
  size_t offset;  // of its record in the file, for the duplicate-key message
  int db;
};

constexpr size_t kBatchKeys = 1024;
constexpr size_t kMaxQueuedBatches = 8;  // bounds memory held between the two threads

// Inserts batches of loaded keys in the order they were parsed: on a thread of its own that
// takes each key's stripe lock, or, when the caller already holds every stripe lock, on the
// calling thread within Push.
class Inserter {
 public:
  Inserter(store::Keyspace* keyspace, bool caller_holds_locks) : keyspace_(keyspace), threaded_(!caller_holds_locks) {
    if (threaded_) thread_ = std::thread([this] { Run(); });
  }
  ~Inserter() { Finish(); }

  // Queues `batch` (emptied), waiting while the queue is full; or inserts it right away.
  void Push(std::vector<LoadedKey>* batch) {
    if (!threaded_) {
      for (const LoadedKey& k : *batch) Insert(k);
      batch->clear();
      return;
    }
    std::unique_lock<std::mutex> lock(mu_);
    space_.wait(lock, [&] { return queue_.size() < kMaxQueuedBatches; });
    queue_.push_back(std::move(*batch));
    batch->clear();
    batch->reserve(kBatchKeys);
    ready_.notify_one();
  }

  // Whether an insertion failed; the parser then stops early.
  bool failed() const { return failed_.load(std::memory_order_relaxed); }

  // Inserts what is queued, stops the thread. Returns false with *error set when a key was
  // already present. Idempotent.
  bool Finish(std::string* error = nullptr) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
      ready_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
    if (error != nullptr && failed()) *error = error_;
    return !failed();
  }

  uint64_t inserted() const { return inserted_; }

 private:
  void Run() {
    std::vector<LoadedKey> batch;
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        ready_.wait(lock, [&] { return closed_ || !queue_.empty(); });
        if (queue_.empty()) return;
        batch = std::move(queue_.front());
        queue_.pop_front();
        space_.notify_one();
      }
      for (const LoadedKey& k : batch) Insert(k);
    }
  }

  void Insert(const LoadedKey& k) {
    if (failed()) {
      store::Entry::Destroy(k.entry);
      return;
    }
    SpinLock& mu = *keyspace_->stripe(k.db, store::StripeOf(k.hash)).mu;
    if (threaded_) mu.lock();
    const bool adopted = keyspace_->AdoptLoaded(k.db, k.hash, k.entry);
    if (threaded_) mu.unlock();
    if (adopted) {
      ++inserted_;
      return;
    }
    error_ = "duplicate key '" + std::string(k.entry->key().substr(0, 128)) + "' at offset " + std::to_string(k.offset);
    store::Entry::Destroy(k.entry);
    failed_.store(true, std::memory_order_relaxed);
  }

  store::Keyspace* keyspace_;
  const bool threaded_;
  std::mutex mu_;
  std::condition_variable ready_;  // a batch was queued, or the queue closed
  std::condition_variable space_;  // a batch was taken
  std::deque<std::vector<LoadedKey>> queue_;
  bool closed_ = false;
  std::atomic<bool> failed_{false};
  std::string error_;      // written by the inserter thread before failed_, read after the join
  uint64_t inserted_ = 0;  // read after the join
  std::thread thread_;     // started once the members above exist
};

// Parses on the calling thread: filters expired keys, dates the access field, batches the rest.
class KeyspaceLoader final : public RdbVisitor {
 public:
  KeyspaceLoader(store::Keyspace* keyspace, const LoadOptions& options, LoadStats* stats, Inserter* inserter)
      : keyspace_(keyspace), options_(options), stats_(stats), inserter_(inserter) {
    batch_.reserve(kBatchKeys);
  }

  bool OnSelectDb(uint64_t db, std::string* error) override {
    if (db >= static_cast<uint64_t>(keyspace_->databases())) {
      *error = "the file selects database " + std::to_string(db) + " but the server has " +
               std::to_string(keyspace_->databases()) + " (raise 'databases')";
      return false;
    }
    return true;
  }

  void OnFunction(std::string_view code) override { stats_->functions.emplace_back(code); }

  void OnResizeDb(int db, uint64_t keys, uint64_t) override {
    // A hint: a damaged one must not make us reserve absurd memory. (Under the caller's locks the
    // tables grow as keys arrive instead: ReserveForLoad takes the locks itself.)
    if (options_.caller_holds_locks) return;
    keyspace_->ReserveForLoad(db, static_cast<size_t>(std::min<uint64_t>(keys, uint64_t{1} << 30)));
  }

  bool OnKey(const ParsedKey& k, std::string* error) override {
    store::Entry* e = k.entry;
    Progress(k);
    if (e->has_expire() && e->expire_ms() <= options_.now_ms) {
      store::Entry::Destroy(e);
      ++stats_->expired_skipped;
      return true;
    }
    // An IDLE opcode dates the last access back, a FREQ opcode sets the LFU counter, as the
    // policy decides (store/access_policy.h).
    e->set_access(keyspace_->AccessFromHints(k.idle_seconds, k.freq));
    batch_.push_back({e, HashKey(e->key()), k.offset, k.db});
    if (batch_.size() == kBatchKeys) {
      inserter_->Push(&batch_);
      if (inserter_->failed()) {
        *error = "stopped: the inserter failed";  // replaced by the inserter's message
        return false;
      }
    }
    return true;
  }

  // Hands over the last partial batch.
  void Flush() {
    if (!batch_.empty()) inserter_->Push(&batch_);
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
  Inserter* inserter_;
  std::vector<LoadedKey> batch_;
};

}  // namespace

bool LoadSnapshot(std::string_view file, store::Keyspace* keyspace, const LoadOptions& options, LoadStats* stats,
                  std::string* error) {
  *stats = LoadStats();
  Inserter inserter(keyspace, options.caller_holds_locks);
  KeyspaceLoader loader(keyspace, options, stats, &inserter);
  bool ok = ParseRdb(file, keyspace->limits(), &loader, error);
  loader.Flush();
  std::string insert_error;
  if (!inserter.Finish(&insert_error)) {
    // A duplicate key is reported even when the parser met damage later in the file.
    *error = insert_error;
    ok = false;
  }
  stats->keys = inserter.inserted();
  if (ok && options.bytes_loaded != nullptr) options.bytes_loaded->store(file.size(), std::memory_order_relaxed);
  return ok;
}

}  // namespace strata::rdb
