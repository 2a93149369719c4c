#include "store/entry.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "common/hash.h"
#include "store/stripe_bytes.h"
#include "store_test_util.h"

namespace strata::store {
namespace {

using testing::NewObjectEntry;
using testing::NewStringEntry;
using testing::TestObject;

TEST(EntryTest, ShortStringLayout) {
  Entry* e = Entry::NewString("key", "value", Encoding::kEmbStr, kNoExpire);
  EXPECT_EQ(e->type(), ValueType::kString);
  EXPECT_EQ(e->encoding(), Encoding::kEmbStr);
  EXPECT_FALSE(e->has_expire());
  EXPECT_EQ(e->expire_ms(), kNoExpire);
  EXPECT_EQ(e->key(), "key");
  EXPECT_EQ(e->string_value(), "value");
  EXPECT_EQ(e->access(), 0u);
  e->set_access(12345);
  EXPECT_EQ(e->access(), 12345u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(e) % 16, 0u) << "the key table packs pointers with 4 low bits free";
  Entry::Destroy(e);
}

TEST(EntryTest, DeadlineSitsAfterTheHeader) {
  Entry* e = Entry::NewString("k", "v", Encoding::kEmbStr, 1'700'000'000'123);
  EXPECT_TRUE(e->has_expire());
  EXPECT_EQ(e->expire_ms(), 1'700'000'000'123);
  int64_t stored;
  std::memcpy(&stored, reinterpret_cast<const char*>(e) + 8, sizeof(stored));
  EXPECT_EQ(stored, 1'700'000'000'123);
  EXPECT_EQ(e->key(), "k");
  EXPECT_EQ(e->string_value(), "v");
  Entry::Destroy(e);
}

TEST(EntryTest, EmptyAndLongKeysAndValues) {
  Entry* empty = Entry::NewString("", "", Encoding::kEmbStr, kNoExpire);
  EXPECT_EQ(empty->key(), "");
  EXPECT_EQ(empty->string_value(), "");
  Entry::Destroy(empty);

  // Lengths past 127 take a two-byte varint; values past the inline limit live on the heap.
  const std::string key(300, 'k');
  for (size_t len : {size_t{63}, size_t{64}, size_t{65}, size_t{127}, size_t{128}, size_t{100000}}) {
    const std::string value(len, 'x');
    Entry* e = Entry::NewString(key, value, Encoding::kRaw, 42);
    EXPECT_EQ(e->key(), key);
    EXPECT_EQ(e->string_value(), value);
    EXPECT_EQ(e->expire_ms(), 42);
    Entry::Destroy(e);
  }
}

TEST(EntryTest, ChooseStringEncodingFollowsRedis) {
  EXPECT_EQ(ChooseStringEncoding("0"), Encoding::kInt);
  EXPECT_EQ(ChooseStringEncoding("-123"), Encoding::kInt);
  EXPECT_EQ(ChooseStringEncoding("9223372036854775807"), Encoding::kInt);
  EXPECT_EQ(ChooseStringEncoding("-9223372036854775808"), Encoding::kInt);
  EXPECT_EQ(ChooseStringEncoding("9223372036854775808"), Encoding::kEmbStr);
  EXPECT_EQ(ChooseStringEncoding("007"), Encoding::kEmbStr);
  EXPECT_EQ(ChooseStringEncoding("-0"), Encoding::kEmbStr);
  EXPECT_EQ(ChooseStringEncoding(" 1"), Encoding::kEmbStr);
  EXPECT_EQ(ChooseStringEncoding(""), Encoding::kEmbStr);
  EXPECT_EQ(ChooseStringEncoding(std::string(44, 'a')), Encoding::kEmbStr);
  EXPECT_EQ(ChooseStringEncoding(std::string(45, 'a')), Encoding::kRaw);
}

TEST(EntryTest, ObjectEntriesOwnTheirValue) {
  const int before = TestObject::live();
  Entry* e = NewObjectEntry("h", ValueType::kHash, "payload", 77);
  EXPECT_EQ(e->type(), ValueType::kHash);
  EXPECT_EQ(e->encoding(), Encoding::kHashtable);
  EXPECT_EQ(e->expire_ms(), 77);
  EXPECT_EQ(static_cast<TestObject*>(e->object())->payload(), "payload");
  EXPECT_EQ(TestObject::live(), before + 1);
  e->set_encoding(Encoding::kListpack);
  EXPECT_EQ(e->encoding(), Encoding::kListpack);
  EXPECT_EQ(e->type(), ValueType::kHash);

  e->ResetObject(new TestObject("other"));
  EXPECT_EQ(TestObject::live(), before + 1) << "ResetObject destroys the old value";
  EXPECT_EQ(static_cast<TestObject*>(e->object())->payload(), "other");
  Entry::Destroy(e);
  EXPECT_EQ(TestObject::live(), before);
  Entry::Destroy(nullptr);
}

TEST(EntryTest, MoveToKeepsValueAndAccessAndChangesKeyAndDeadline) {
  for (size_t len : {size_t{5}, size_t{64}, size_t{65}, size_t{5000}}) {
    const std::string value(len, 'v');
    Entry* e = Entry::NewString("old", value, Encoding::kRaw, kNoExpire);
    e->set_access(99);
    Entry* moved = Entry::MoveTo(e, "a-much-longer-new-key", 5555);  // frees e
    EXPECT_EQ(moved->key(), "a-much-longer-new-key");
    EXPECT_EQ(moved->string_value(), value);
    EXPECT_EQ(moved->expire_ms(), 5555);
    EXPECT_EQ(moved->encoding(), Encoding::kRaw);
    EXPECT_EQ(moved->access(), 99u);
    Entry* back = Entry::MoveTo(moved, "k", kNoExpire);
    EXPECT_FALSE(back->has_expire());
    EXPECT_EQ(back->string_value(), value);
    Entry::Destroy(back);
  }
  const int before = TestObject::live();
  Entry* obj = NewObjectEntry("o", ValueType::kSet, "members");
  ObjectValue* value = obj->object();
  Entry* moved = Entry::MoveTo(obj, "o2", 10);
  EXPECT_EQ(moved->object(), value) << "the value moves, it is not copied";
  EXPECT_EQ(moved->type(), ValueType::kSet);
  EXPECT_EQ(TestObject::live(), before + 1);
  Entry::Destroy(moved);
  EXPECT_EQ(TestObject::live(), before);
}

TEST(EntryTest, MoveToKeepingTheKeyAndDeadlinePresenceWorksInPlace) {
  Entry* e = Entry::NewString("k", "v", Encoding::kEmbStr, 100);
  Entry* same = Entry::MoveTo(e, "k", 200);
  EXPECT_EQ(same, e) << "only the deadline's value changes";
  EXPECT_EQ(same->expire_ms(), 200);
  Entry* cleared = Entry::MoveTo(same, "k", kNoExpire);  // the layout changes: a new entry
  EXPECT_FALSE(cleared->has_expire());
  EXPECT_EQ(cleared->string_value(), "v");
  EXPECT_EQ(Entry::MoveTo(cleared, "k", kNoExpire), cleared);
  Entry::Destroy(cleared);
}

TEST(EntryTest, CopyToIsDeep) {
  for (size_t len : {size_t{3}, size_t{200}}) {
    Entry* src = Entry::NewString("src", std::string(len, 's'), Encoding::kRaw, 123);
    src->set_access(7);
    Entry* copy = Entry::CopyTo(src, "dst", 456);
    EXPECT_EQ(copy->key(), "dst");
    EXPECT_EQ(copy->expire_ms(), 456);
    EXPECT_EQ(copy->access(), 7u);
    EXPECT_EQ(copy->encoding(), Encoding::kRaw);
    src = Entry::SetString(src, std::string(len, 'z'), Encoding::kRaw);
    EXPECT_EQ(copy->string_value(), std::string(len, 's')) << "the copy must not share bytes";
    EXPECT_EQ(src->key(), "src");
    Entry::Destroy(src);
    Entry::Destroy(copy);
  }
  const int before = TestObject::live();
  Entry* obj = NewObjectEntry("o", ValueType::kZSet, "scores");
  Entry* copy = Entry::CopyTo(obj, "o2", kNoExpire);
  EXPECT_NE(copy->object(), obj->object());
  EXPECT_EQ(static_cast<TestObject*>(copy->object())->payload(), "scores");
  EXPECT_EQ(TestObject::live(), before + 2);
  Entry::Destroy(obj);
  Entry::Destroy(copy);
  EXPECT_EQ(TestObject::live(), before);
}

TEST(EntryTest, SetStringKeepsKeyDeadlineAndAccess) {
  Entry* e = Entry::NewString("k", "short", Encoding::kEmbStr, 900);
  e->set_access(31);
  // An inline value of the same length is overwritten in place; others are rebuilt: the old entry
  // is freed and a new one returned.
  Entry* in_place = Entry::SetString(e, "54321", Encoding::kInt);
  EXPECT_EQ(in_place, e);
  EXPECT_EQ(in_place->string_value(), "54321");
  EXPECT_EQ(in_place->encoding(), Encoding::kInt);
  Entry* fresh = Entry::SetString(in_place, "12", Encoding::kInt);
  EXPECT_EQ(fresh->string_value(), "12");
  EXPECT_EQ(fresh->encoding(), Encoding::kInt);
  EXPECT_EQ(fresh->key(), "k");
  EXPECT_EQ(fresh->expire_ms(), 900);
  EXPECT_EQ(fresh->access(), 31u);

  // Short to long moves the value to the heap; long values that fit are rewritten in place.
  const std::string long1(200, 'a');
  Entry* heap = Entry::SetString(fresh, long1, Encoding::kRaw);
  EXPECT_EQ(heap->string_value(), long1);
  const std::string long2(150, 'b');
  Entry* same = Entry::SetString(heap, long2, Encoding::kRaw);
  EXPECT_EQ(same, heap) << "a heap string with room is rewritten in place";
  EXPECT_EQ(same->string_value(), long2);
  Entry* bigger = Entry::SetString(same, std::string(5000, 'c'), Encoding::kRaw);
  EXPECT_EQ(bigger->string_value(), std::string(5000, 'c'));
  Entry* small = Entry::SetString(bigger, "s", Encoding::kEmbStr);
  EXPECT_EQ(small->string_value(), "s");
  EXPECT_EQ(small->expire_ms(), 900);
  EXPECT_EQ(small->access(), 31u);
  Entry::Destroy(small);
}

TEST(EntryTest, ResizeStringGrowsZeroFilledAndShrinks) {
  char* data = nullptr;
  Entry* e = Entry::NewString("k", "abc", Encoding::kEmbStr, kNoExpire);
  e = Entry::ResizeString(e, 10, Encoding::kRaw, &data);  // inline to inline
  EXPECT_EQ(e->string_value(), std::string("abc\0\0\0\0\0\0\0", 10));
  EXPECT_EQ(e->encoding(), Encoding::kRaw);
  data[9] = 'z';
  EXPECT_EQ(e->string_value()[9], 'z');

  e = Entry::ResizeString(e, 100, Encoding::kRaw, &data);  // inline to heap
  ASSERT_EQ(e->string_value().size(), 100u);
  EXPECT_EQ(e->string_value().substr(0, 3), "abc");
  EXPECT_EQ(e->string_value()[9], 'z');
  EXPECT_EQ(e->string_value()[99], '\0');
  std::memset(data + 10, 'q', 90);

  // Heap strings grow geometrically, so the next small growth stays in the same entry.
  Entry* grown = Entry::ResizeString(e, 150, Encoding::kRaw, &data);
  EXPECT_EQ(grown, e);
  EXPECT_EQ(grown->string_value().substr(10, 90), std::string(90, 'q'));
  EXPECT_EQ(grown->string_value()[149], '\0');

  Entry* big = Entry::ResizeString(grown, 100000, Encoding::kRaw, &data);
  EXPECT_EQ(big->string_value().size(), 100000u);
  EXPECT_EQ(big->string_value().substr(10, 90), std::string(90, 'q'));

  Entry* shrunk = Entry::ResizeString(big, 4, Encoding::kRaw, &data);
  EXPECT_EQ(shrunk->string_value(), std::string("abc\0", 4));
  Entry::Destroy(shrunk);
}

TEST(EntryTest, MemoryUsageCountsEveryAllocation) {
  Entry* small = NewStringEntry("key", "value");
  EXPECT_GE(small->MemoryUsage(), 8 + 1 + 3 + 1 + 5u);
  EXPECT_LE(small->MemoryUsage(), 64u) << "a short key and value fit one small allocation";

  Entry* with_deadline = NewStringEntry("key", "value", 1000);
  EXPECT_GE(with_deadline->MemoryUsage(), small->MemoryUsage());

  const std::string big(10000, 'x');
  Entry* heap = NewStringEntry("key", big);
  EXPECT_GE(heap->MemoryUsage(), big.size() + 16);

  Entry* obj = NewObjectEntry("key", ValueType::kList, std::string(500, 'p'));
  EXPECT_GE(obj->MemoryUsage(), 1000 + 500u) << "the value's own MemoryUsage is included";

  Entry::Destroy(small);
  Entry::Destroy(with_deadline);
  Entry::Destroy(heap);
  Entry::Destroy(obj);
}

// The count of `key`'s stripe.
int64_t StripeBytesOf(std::string_view key) { return StripeEntryBytes(StripeOf(HashKey(key))); }

TEST(EntryTest, StripeBytesFollowEveryBuildResizeAndFree) {
  const std::string a = "stripe-a";
  std::string b = "stripe-b";
  for (int i = 0; StripeOf(HashKey(b)) == StripeOf(HashKey(a)); ++i) b = "stripe-b" + std::to_string(i);
  const int64_t base_a = StripeBytesOf(a);
  const int64_t base_b = StripeBytesOf(b);
  // Header, key length, key, value length, value.
  const auto inline_bytes = [](const std::string& key, size_t value, bool expires) {
    return static_cast<int64_t>((expires ? 16 : 8) + 1 + key.size() + 1 + value);
  };
  Entry* e = Entry::NewString(a, "short", Encoding::kEmbStr, kNoExpire);
  EXPECT_EQ(StripeBytesOf(a) - base_a, inline_bytes(a, 5, false));
  // Growing into a long string (its HeapString counted too), then in place past its capacity.
  char* data;
  e = Entry::ResizeString(e, 100, Encoding::kRaw, &data);
  EXPECT_GE(StripeBytesOf(a) - base_a, static_cast<int64_t>(8 + 1 + a.size() + 8 + 100));
  e = Entry::ResizeString(e, 5000, Encoding::kRaw, &data);
  EXPECT_GE(StripeBytesOf(a) - base_a, 5000);
  e = Entry::SetString(e, "tiny", Encoding::kEmbStr);
  EXPECT_EQ(StripeBytesOf(a) - base_a, inline_bytes(a, 4, false));
  // Renamed into another stripe, with a deadline: the bytes move with it.
  e = Entry::MoveTo(e, b, 123456);
  EXPECT_EQ(StripeBytesOf(a), base_a);
  EXPECT_EQ(StripeBytesOf(b) - base_b, inline_bytes(b, 4, true));
  Entry* copy = Entry::CopyTo(e, a, kNoExpire);
  EXPECT_EQ(StripeBytesOf(a) - base_a, inline_bytes(a, 4, false));
  Entry::Destroy(copy);
  Entry::Destroy(e);
  EXPECT_EQ(StripeBytesOf(a), base_a);
  EXPECT_EQ(StripeBytesOf(b), base_b);
}

TEST(EntryTest, MetaBitsTravelWithTheAccessField) {
  Entry* e = Entry::NewString("k", "v", Encoding::kEmbStr, kNoExpire);
  EXPECT_EQ(e->meta(), 0);
  e->set_meta(5);
  e = Entry::MoveTo(e, "k2", kNoExpire);
  EXPECT_EQ(e->meta(), 5);
  e = Entry::SetString(e, std::string(30, 'x'), Encoding::kEmbStr);
  EXPECT_EQ(e->meta(), 5);
  char* data;
  e = Entry::ResizeString(e, 200, Encoding::kRaw, &data);
  EXPECT_EQ(e->meta(), 5);
  Entry* copy = Entry::CopyTo(e, "k3", kNoExpire);
  EXPECT_EQ(copy->meta(), 5);
  Entry::Destroy(copy);
  Entry::Destroy(e);
}

}  // namespace
}  // namespace strata::store
