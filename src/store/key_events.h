// Keyspace events: every change to a key, announced once, with the name Redis gives it.
//
// Store operations announce each change through Db::Notify (or, for lazy and active expiry, the
// keyspace's one expiry path). Events are recorded on the calling thread's EventQueue while the
// stripes are locked and handed to the keyspace's observers by Keyspace::DeliverEvents once the
// locks are released, in the order they happened; an immediate observer (WATCH) is told at once,
// under the locks. Blocked clients and WATCH are served from them now; keyspace notifications,
// eviction, tracking and replication are meant to observe them the same way.
//
// An event is recorded only when some observer wants its class at that moment, so when nobody
// listens a change costs one load per observer and no allocation; the queue's storage is reused
// from one command to the next.
#ifndef STRATA_STORE_KEY_EVENTS_H_
#define STRATA_STORE_KEY_EVENTS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata::store {

// Event classes: the letters of Redis's notify-keyspace-events (g $ l s h z x e n m), plus the
// changes of whole databases, which Redis announces to no client but its own observers need.
enum EventClass : uint32_t {
  kClassGeneric = 1u << 0,   // g
  kClassString = 1u << 1,    // $
  kClassList = 1u << 2,      // l
  kClassSet = 1u << 3,       // s
  kClassHash = 1u << 4,      // h
  kClassZSet = 1u << 5,      // z
  kClassExpired = 1u << 6,   // x
  kClassEvicted = 1u << 7,   // e
  kClassNew = 1u << 8,       // n
  kClassDatabase = 1u << 9,  // FLUSHDB / FLUSHALL / SWAPDB
  kClassKeyMiss = 1u << 10,  // m: a read found no key
};

// X(enumerator, Redis's event name, class). Names are Redis's, byte for byte.
#define STRATA_KEY_EVENTS(X)                          \
  X(kDel, "del", kClassGeneric)                       \
  X(kRenameFrom, "rename_from", kClassGeneric)        \
  X(kRenameTo, "rename_to", kClassGeneric)            \
  X(kMoveFrom, "move_from", kClassGeneric)            \
  X(kMoveTo, "move_to", kClassGeneric)                \
  X(kCopyTo, "copy_to", kClassGeneric)                \
  X(kRestore, "restore", kClassGeneric)               \
  X(kExpire, "expire", kClassGeneric)                 \
  X(kPersist, "persist", kClassGeneric)               \
  X(kSet, "set", kClassString)                        \
  X(kSetRange, "setrange", kClassString)              \
  X(kIncrBy, "incrby", kClassString)                  \
  X(kIncrByFloat, "incrbyfloat", kClassString)        \
  X(kAppend, "append", kClassString)                  \
  X(kSetBit, "setbit", kClassString)                  \
  X(kLPush, "lpush", kClassList)                      \
  X(kRPush, "rpush", kClassList)                      \
  X(kLPop, "lpop", kClassList)                        \
  X(kRPop, "rpop", kClassList)                        \
  X(kLInsert, "linsert", kClassList)                  \
  X(kLSet, "lset", kClassList)                        \
  X(kLRem, "lrem", kClassList)                        \
  X(kLTrim, "ltrim", kClassList)                      \
  X(kSortStore, "sortstore", kClassList)              \
  X(kHSet, "hset", kClassHash)                        \
  X(kHDel, "hdel", kClassHash)                        \
  X(kHIncrBy, "hincrby", kClassHash)                  \
  X(kHIncrByFloat, "hincrbyfloat", kClassHash)        \
  X(kSAdd, "sadd", kClassSet)                         \
  X(kSRem, "srem", kClassSet)                         \
  X(kSPop, "spop", kClassSet)                         \
  X(kSInterStore, "sinterstore", kClassSet)           \
  X(kSUnionStore, "sunionstore", kClassSet)           \
  X(kSDiffStore, "sdiffstore", kClassSet)             \
  X(kZAdd, "zadd", kClassZSet)                        \
  X(kZIncr, "zincr", kClassZSet)                      \
  X(kZRem, "zrem", kClassZSet)                        \
  X(kZRemRangeByScore, "zremrangebyscore", kClassZSet) \
  X(kZRemRangeByRank, "zremrangebyrank", kClassZSet)  \
  X(kZRemRangeByLex, "zremrangebylex", kClassZSet)    \
  X(kZPopMin, "zpopmin", kClassZSet)                  \
  X(kZPopMax, "zpopmax", kClassZSet)                  \
  X(kZInterStore, "zinterstore", kClassZSet)          \
  X(kZUnionStore, "zunionstore", kClassZSet)          \
  X(kZDiffStore, "zdiffstore", kClassZSet)            \
  X(kZRangeStore, "zrangestore", kClassZSet)          \
  X(kExpired, "expired", kClassExpired)               \
  X(kEvicted, "evicted", kClassEvicted)               \
  X(kNew, "new", kClassNew)                           \
  X(kKeyMiss, "keymiss", kClassKeyMiss)               \
  X(kFlushDb, "flushdb", kClassDatabase)              \
  X(kSwapDb, "swapdb", kClassDatabase)

enum class KeyEvent : uint8_t {
#define STRATA_KEY_EVENT_ENUM(e, name, cls) e,
  STRATA_KEY_EVENTS(STRATA_KEY_EVENT_ENUM)
#undef STRATA_KEY_EVENT_ENUM
};

// Redis's name of `event` ("lpush").
std::string_view EventName(KeyEvent event);
// The class of `event` (one EventClass bit).
uint32_t EventClassOf(KeyEvent event);
// Whether `event` counts as a write for persistence (rdb_changes_since_last_save): every change a
// command makes, but not "new" (the write that created the key counts), expiry, eviction, a key
// miss or the whole-database events (FLUSHALL counts the keys it removed).
bool EventCountsAsWrite(KeyEvent event);

// One recorded event, as observers see it. `key` is valid only during the observer's call.
struct KeyEventRecord {
  KeyEvent event;
  int db;        // the database; -1 for a FLUSHALL
  int other_db;  // SWAPDB's second database; otherwise unused
  std::string_view key;  // empty for the whole-database events
};

// The events one thread recorded and has not delivered yet. Storage is kept across Clear, so a
// thread stops allocating once it has seen its largest command. Not thread-safe: one per thread.
class EventQueue {
 public:
  void Push(KeyEvent event, int db, int other_db, std::string_view key);
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  // The i-th event recorded, i < size().
  KeyEventRecord at(size_t i) const;
  void Clear();

 private:
  struct Item {
    KeyEvent event;
    int db;
    int other_db;
    size_t offset;  // of the key in keys_
    size_t length;
  };
  std::vector<Item> items_;
  std::string keys_;
};

// The calling thread's queue.
EventQueue& LocalEventQueue();

// Told about keyspace events. Install with Keyspace::AddObserver.
class KeyspaceObserver {
 public:
  virtual ~KeyspaceObserver() = default;

  // The event classes this observer wants now (EventClass bits). Events of other classes are not
  // recorded for it. Read under the stripe lock of the changed key, so an observer that widens
  // its interest while holding a key's stripe lock (a client blocking on it) sees every later
  // change of that key.
  uint32_t wanted() const { return wanted_.load(std::memory_order_relaxed); }

  // Called for each event of a wanted class, in order, on the thread that made the change: after
  // the change's stripe locks were released, or, for an immediate observer, at once, while the
  // changing thread still holds them. It must not change the keyspace or take stripe locks; an
  // immediate observer may read the keys the change locked (FLUSHDB and SWAPDB lock whole
  // databases), and must be quick.
  virtual void OnKeyEvent(const KeyEventRecord& event) = 0;

  // Whether OnKeyEvent runs under the changing thread's stripe locks, so that a reader holding a
  // key's stripe lock knows that every earlier change of the key has been seen (WATCH: EXEC
  // judges its watched keys under their locks). Fixed at construction.
  bool immediate() const { return immediate_; }

 protected:
  KeyspaceObserver() = default;
  explicit KeyspaceObserver(bool immediate) : immediate_(immediate) {}
  void set_wanted(uint32_t classes) { wanted_.store(classes, std::memory_order_relaxed); }

 private:
  std::atomic<uint32_t> wanted_{0};
  const bool immediate_ = false;
};

}  // namespace strata::store

#endif  // STRATA_STORE_KEY_EVENTS_H_
