#include "server/watch_registry.h"

#include <string_view>

#include <gtest/gtest.h>

#include "common/clock.h"
#include "store/keyspace.h"
#include "store/lock_set.h"

namespace strata::server {
namespace {

using store::Db;
using store::Entry;
using store::Encoding;
using store::KeyEvent;
using store::LockSet;

class WatchRegistryTest : public ::testing::Test {
 protected:
  WatchRegistryTest() { keyspace_.AddObserver(&registry_); }

  // Runs fn(db view) with the stripe of `key` in `db` locked, then delivers the events.
  template <typename Fn>
  void Locked(int db, std::string_view key, Fn fn) {
    LockSet locks(&keyspace_);
    locks.Add(db, key);
    locks.Lock();
    fn(Db(&keyspace_, db));
    locks.Unlock();
    keyspace_.DeliverEvents();
  }
  // Runs fn() with every stripe of every database locked (FLUSHALL, SWAPDB).
  template <typename Fn>
  void LockedAll(Fn fn) {
    LockSet locks(&keyspace_);
    locks.AddAllDatabases();
    locks.Lock();
    fn();
    locks.Unlock();
    keyspace_.DeliverEvents();
  }
  void Set(int db, std::string_view key, int64_t expire_ms = store::kNoExpire) {
    Locked(db, key, [&](Db d) {
      d.Store(Entry::NewString(key, "v", Encoding::kRaw, expire_ms));
      d.Notify(KeyEvent::kSet, key);
    });
  }
  void Watch(WatchedKeys* w, int db, std::string_view key) {
    Locked(db, key, [&](Db d) { w->Watch(&registry_, d, key); });
  }
  // Whether EXEC would fail now.
  bool Changed(const WatchedKeys& w) {
    LockSet locks(&keyspace_);
    w.AddLocks(&locks);
    locks.Lock();
    const bool changed = w.Changed(&keyspace_, clock_.NowMs());
    locks.Unlock();
    return changed;
  }

  FakeClock clock_;
  store::Keyspace keyspace_{16, &clock_};
  WatchRegistry registry_{&keyspace_};
};

TEST_F(WatchRegistryTest, WantsEventsOnlyWhileSomeoneWatches) {
  EXPECT_EQ(registry_.wanted(), 0u);
  WatchedKeys w;
  Watch(&w, 0, "k");
  Watch(&w, 0, "k");  // once
  EXPECT_NE(registry_.wanted(), 0u);
  EXPECT_EQ(registry_.watch_count(), 1u);
  w.Clear();
  EXPECT_EQ(registry_.wanted(), 0u);
  EXPECT_EQ(registry_.watch_count(), 0u);
}

TEST_F(WatchRegistryTest, AWriteDirtiesTheWatchersOfThatKeyInThatDatabaseOnly) {
  WatchedKeys a;
  WatchedKeys b;
  Watch(&a, 0, "k");
  Watch(&b, 0, "k");
  Watch(&b, 0, "other");
  WatchedKeys elsewhere;
  Watch(&elsewhere, 1, "k");
  Set(0, "unwatched");
  EXPECT_FALSE(Changed(a));
  Set(0, "k");
  EXPECT_TRUE(a.dirty());
  EXPECT_TRUE(b.dirty());
  EXPECT_FALSE(elsewhere.dirty());
  EXPECT_TRUE(Changed(a));
  a.Clear();  // UNWATCH forgets the mark; b still watches
  EXPECT_FALSE(a.dirty());
  EXPECT_EQ(registry_.watch_count(), 3u);
}

TEST_F(WatchRegistryTest, ALiveKeyPastItsDeadlineFailsExecWithoutAnyEvent) {
  Set(0, "k", clock_.NowMs() + 100);
  WatchedKeys w;
  Watch(&w, 0, "k");
  EXPECT_FALSE(Changed(w));
  clock_.AdvanceMs(200);
  EXPECT_FALSE(w.dirty());
  EXPECT_TRUE(Changed(w));
}

TEST_F(WatchRegistryTest, AKeyExpiredWhenWatchedChangesOnlyWhenWrittenAgain) {
  Set(0, "k", clock_.NowMs() + 10);
  clock_.AdvanceMs(50);
  WatchedKeys w;
  Watch(&w, 0, "k");
  EXPECT_FALSE(Changed(w));
  Locked(0, "k", [](Db d) { EXPECT_FALSE(d.Find("k")); });  // lazily removed: no change
  EXPECT_FALSE(w.dirty());
  EXPECT_FALSE(Changed(w));
  Set(0, "k");
  EXPECT_TRUE(Changed(w));
}

TEST_F(WatchRegistryTest, FlushDirtiesWatchersOfPresentKeysOnly) {
  Set(0, "present");
  Set(2, "other-db");
  WatchedKeys present;
  WatchedKeys absent;
  WatchedKeys in_other_db;
  Watch(&present, 0, "present");
  Watch(&absent, 0, "absent");
  Watch(&in_other_db, 2, "other-db");
  LockedAll([&] { keyspace_.Flush(0, /*async=*/false); });
  EXPECT_TRUE(present.dirty());
  EXPECT_FALSE(absent.dirty());
  EXPECT_FALSE(in_other_db.dirty());
  LockedAll([&] { keyspace_.Flush(-1, /*async=*/false); });
  EXPECT_TRUE(in_other_db.dirty());
  EXPECT_FALSE(absent.dirty());
}

TEST_F(WatchRegistryTest, SwapDirtiesWatchersOfKeysPresentOnEitherSide) {
  Set(1, "comes");
  Set(0, "goes");
  WatchedKeys comes;
  WatchedKeys goes;
  WatchedKeys neither;
  Watch(&comes, 0, "comes");
  Watch(&goes, 0, "goes");
  Watch(&neither, 0, "neither");
  LockedAll([&] { keyspace_.SwapDb(0, 1); });
  EXPECT_TRUE(comes.dirty());
  EXPECT_TRUE(goes.dirty());
  EXPECT_FALSE(neither.dirty());
}

TEST_F(WatchRegistryTest, SwapBringingAnExpiredKeyIsNoChange) {
  Set(1, "k", clock_.NowMs() + 10);
  clock_.AdvanceMs(50);
  WatchedKeys w;
  Watch(&w, 0, "k");
  LockedAll([&] { keyspace_.SwapDb(0, 1); });
  EXPECT_FALSE(w.dirty());
  EXPECT_FALSE(Changed(w));  // expired when it came: not a key that expired while watched
}

}  // namespace
}  // namespace strata::server
