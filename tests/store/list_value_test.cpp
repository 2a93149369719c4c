#include "store/list_value.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace strata::store {
namespace {

std::vector<std::string> Contents(const ListValue& list) {
  std::vector<std::string> out;
  if (list.empty()) return out;
  for (ListValue::Iterator it = list.At(0); it.Valid(); it.Next()) out.emplace_back(it.value());
  return out;
}

std::vector<std::string> ContentsBackwards(const ListValue& list) {
  std::vector<std::string> out;
  if (list.empty()) return out;
  for (ListValue::Iterator it = list.At(list.size() - 1); it.Valid(); it.Prev()) out.emplace_back(it.value());
  return out;
}

std::vector<std::string> Numbered(const std::string& prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

void PushAll(ListValue* list, ListEnd end, const std::vector<std::string>& values) {
  for (const std::string& v : values) list->Push(end, v);
}

TEST(ListValue, EveryEncodingReadsBackByteForByte) {
  const std::vector<std::string> values = {
      "0", "1", "127", "128", "-1", "-2048", "2047", "2048", "-2049", "32767", "32768", "-32768", "-32769",
      "8388607", "8388608", "-8388608", "-8388609", "2147483647", "2147483648", "-2147483648", "-2147483649",
      "9223372036854775807", "-9223372036854775808", "9223372036854775808", "99999999999999999999",
      // Not canonical integers: stored as strings, returned unchanged.
      "007", "-0", "+1", " 1", "1 ", "0x10", "1e3", "",
      std::string(63, 'a'), std::string(64, 'b'), std::string(125, 'c'), std::string(126, 'd'),
      std::string(8191, 'e'), std::string(8192, 'f'), std::string(20000, 'g'), std::string("\0\r\n\xff", 4)};
  for (int64_t fill : {-2, -5, 1, 3}) {
    ListValue list(fill);
    PushAll(&list, ListEnd::kTail, values);
    ASSERT_TRUE(list.CheckInvariants()) << fill;
    EXPECT_EQ(Contents(list), values) << fill;
    std::vector<std::string> reversed(values.rbegin(), values.rend());
    EXPECT_EQ(ContentsBackwards(list), reversed) << fill;
    for (const std::string& v : values) {
      std::string popped;
      list.Pop(ListEnd::kHead, &popped);
      EXPECT_EQ(popped, v);
    }
    EXPECT_TRUE(list.empty());
    EXPECT_TRUE(list.CheckInvariants());
  }
}

TEST(ListValue, PushAndPopAtBothEnds) {
  ListValue list(-2);
  list.Push(ListEnd::kHead, "b");
  list.Push(ListEnd::kHead, "a");
  list.Push(ListEnd::kTail, "c");
  EXPECT_EQ(Contents(list), (std::vector<std::string>{"a", "b", "c"}));
  std::string v;
  list.Pop(ListEnd::kTail, &v);
  EXPECT_EQ(v, "c");
  list.Pop(ListEnd::kHead, &v);
  EXPECT_EQ(v, "a");
  list.Pop(ListEnd::kHead, &v);
  EXPECT_EQ(v, "b");
  EXPECT_TRUE(list.empty());
  EXPECT_TRUE(list.NodeCounts().empty());
}

TEST(ListValue, PositiveFillCapsElementsPerNode) {
  ListValue list(4);
  PushAll(&list, ListEnd::kTail, Numbered("e", 10));
  EXPECT_EQ(list.NodeCounts(), (std::vector<size_t>{4, 4, 2}));
  ListValue left(4);
  PushAll(&left, ListEnd::kHead, Numbered("e", 10));
  EXPECT_EQ(left.NodeCounts(), (std::vector<size_t>{2, 4, 4}));
  EXPECT_TRUE(left.CheckInvariants());
}

TEST(ListValue, ZeroFillPutsOneElementPerNode) {
  ListValue list(0);
  PushAll(&list, ListEnd::kTail, Numbered("e", 3));
  EXPECT_EQ(list.NodeCounts(), (std::vector<size_t>{1, 1, 1}));
}

TEST(ListValue, NegativeFillCapsNodeBytes) {
  // 10-byte strings take 12 bytes. As in Redis 7.0, a node takes one more while its listpack
  // bytes (7 + 12 per element) plus the new value's length plus 8 stay within the cap:
  // (cap - 7 - 10 - 8) / 12 + 1 elements.
  const auto per_node = [](size_t cap) { return (cap - 25) / 12 + 1; };
  ListValue ten(-1);
  PushAll(&ten, ListEnd::kTail, std::vector<std::string>(1000, "abcdefghij"));
  const std::vector<size_t> counts = ten.NodeCounts();
  ASSERT_EQ(counts.size(), 3u);
  EXPECT_EQ(counts[0], per_node(4096));
  EXPECT_EQ(counts[1], per_node(4096));
  EXPECT_EQ(counts[2], 1000 - 2 * per_node(4096));
  // -2 doubles the node, -5 is the largest and anything lower counts as -5.
  ListValue eight(-2);
  PushAll(&eight, ListEnd::kTail, std::vector<std::string>(1000, "abcdefghij"));
  EXPECT_EQ(eight.NodeCounts()[0], per_node(8192));
  ListValue huge(-100);
  PushAll(&huge, ListEnd::kTail, std::vector<std::string>(6000, "abcdefghij"));
  EXPECT_EQ(huge.NodeCounts()[0], per_node(65536));
  EXPECT_TRUE(huge.CheckInvariants());
}

TEST(ListValue, OversizedElementGetsItsOwnNode) {
  ListValue list(-1);
  list.Push(ListEnd::kTail, "a");
  list.Push(ListEnd::kTail, std::string(5000, 'x'));
  list.Push(ListEnd::kTail, "b");
  list.Push(ListEnd::kHead, std::string(9000, 'y'));
  EXPECT_EQ(list.NodeCounts(), (std::vector<size_t>{1, 1, 1, 1}));
  EXPECT_TRUE(list.CheckInvariants());
  // Inserted in the middle of a node, it splits the node there.
  ListValue mid(-1);
  PushAll(&mid, ListEnd::kTail, {"a", "b", "c", "d"});
  ASSERT_TRUE(mid.InsertAtPivot(ListNeedle("c"), false, std::string(5000, 'z')));
  EXPECT_EQ(mid.NodeCounts(), (std::vector<size_t>{2, 1, 2}));
  EXPECT_EQ(Contents(mid)[2], std::string(5000, 'z'));
  EXPECT_TRUE(mid.CheckInvariants());
}

TEST(ListValue, InsertIntoFullNodeSplitsNearTheMiddle) {
  ListValue list(4);
  PushAll(&list, ListEnd::kTail, {"a", "b", "c", "d", "e", "f", "g", "h"});
  ASSERT_EQ(list.NodeCounts(), (std::vector<size_t>{4, 4}));
  ASSERT_TRUE(list.InsertAtPivot(ListNeedle("c"), false, "X"));
  EXPECT_EQ(list.NodeCounts(), (std::vector<size_t>{3, 2, 4}));
  EXPECT_EQ(Contents(list), (std::vector<std::string>{"a", "b", "X", "c", "d", "e", "f", "g", "h"}));
  ASSERT_TRUE(list.InsertAtPivot(ListNeedle("f"), true, "Y"));
  EXPECT_EQ(list.NodeCounts(), (std::vector<size_t>{3, 2, 3, 2}));
  EXPECT_EQ(Contents(list), (std::vector<std::string>{"a", "b", "X", "c", "d", "e", "f", "Y", "g", "h"}));
  EXPECT_TRUE(list.CheckInvariants());
}

TEST(ListValue, InsertAtTheEdgeOfAFullNodeUsesTheNeighbour) {
  ListValue list(4);
  PushAll(&list, ListEnd::kTail, {"a", "b", "c", "d", "e", "f", "g"});  // {4, 3}
  std::string v;
  list.Pop(ListEnd::kHead, &v);  // {3, 3}
  list.Push(ListEnd::kTail, "h");  // {3, 4}
  ASSERT_EQ(list.NodeCounts(), (std::vector<size_t>{3, 4}));
  // Before the first element of the full second node: goes to the end of the first.
  ASSERT_TRUE(list.InsertAtPivot(ListNeedle("e"), false, "X"));
  EXPECT_EQ(list.NodeCounts(), (std::vector<size_t>{4, 4}));
  // Both sides full: a new node between them.
  ASSERT_TRUE(list.InsertAtPivot(ListNeedle("X"), true, "Y"));
  EXPECT_EQ(list.NodeCounts(), (std::vector<size_t>{4, 1, 4}));
  EXPECT_EQ(Contents(list), (std::vector<std::string>{"b", "c", "d", "X", "Y", "e", "f", "g", "h"}));
  EXPECT_TRUE(list.CheckInvariants());
}

TEST(ListValue, RemovalMergesSmallNeighbours) {
  ListValue list(8);
  PushAll(&list, ListEnd::kTail, std::vector<std::string>(8, "x"));
  PushAll(&list, ListEnd::kTail, std::vector<std::string>(8, "y"));
  PushAll(&list, ListEnd::kTail, std::vector<std::string>(8, "z"));
  ASSERT_EQ(list.NodeCounts(), (std::vector<size_t>{8, 8, 8}));
  EXPECT_EQ(list.Remove(ListNeedle("x"), ListEnd::kHead, 6), 6u);
  EXPECT_EQ(list.NodeCounts(), (std::vector<size_t>{2, 8, 8}));
  // 2 + 3 elements fit three quarters of a node: the second node merges into the first.
  EXPECT_EQ(list.Remove(ListNeedle("y"), ListEnd::kHead, 5), 5u);
  EXPECT_EQ(list.NodeCounts(), (std::vector<size_t>{5, 8}));
  // 5 + 8 do not fit.
  EXPECT_EQ(list.Remove(ListNeedle("z"), ListEnd::kTail, 1), 1u);
  EXPECT_EQ(list.NodeCounts(), (std::vector<size_t>{5, 7}));
  EXPECT_EQ(Contents(list), (std::vector<std::string>{"x", "x", "y", "y", "y", "z", "z", "z", "z", "z", "z", "z"}));
  EXPECT_TRUE(list.CheckInvariants());
}

TEST(ListValue, SplitHalvesDoNotMergeBackAtOnce) {
  ListValue list(8);
  PushAll(&list, ListEnd::kTail, Numbered("e", 8));
  ASSERT_TRUE(list.InsertAtPivot(ListNeedle("e4"), false, "X"));
  ASSERT_EQ(list.NodeCounts(), (std::vector<size_t>{5, 4}));
  // 5 + 3 is more than three quarters of 8: no merge.
  EXPECT_EQ(list.Remove(ListNeedle("e5"), ListEnd::kHead, 0), 1u);
  EXPECT_EQ(list.NodeCounts(), (std::vector<size_t>{5, 3}));
  EXPECT_EQ(list.Remove(ListNeedle("e0"), ListEnd::kHead, 0), 1u);
  EXPECT_EQ(list.Remove(ListNeedle("e1"), ListEnd::kHead, 0), 1u);
  EXPECT_EQ(list.Remove(ListNeedle("e6"), ListEnd::kHead, 0), 1u);
  EXPECT_EQ(list.NodeCounts(), (std::vector<size_t>{5}));
  EXPECT_EQ(Contents(list), (std::vector<std::string>{"e2", "e3", "X", "e4", "e7"}));
  EXPECT_TRUE(list.CheckInvariants());
}

TEST(ListValue, EraseDropsWholeNodesAndTrimsTheRest) {
  ListValue list(4);
  PushAll(&list, ListEnd::kTail, Numbered("e", 14));  // {4, 4, 4, 2}
  list.Erase(ListEnd::kHead, 5);                      // {3, 4, 2}
  EXPECT_EQ(list.NodeCounts(), (std::vector<size_t>{3, 4, 2}));
  list.Erase(ListEnd::kTail, 3);  // {3, 3}
  EXPECT_EQ(list.NodeCounts(), (std::vector<size_t>{3, 3}));
  EXPECT_EQ(Contents(list), (std::vector<std::string>{"e5", "e6", "e7", "e8", "e9", "e10"}));
  list.Erase(ListEnd::kHead, 0);
  EXPECT_EQ(list.size(), 6u);
  list.Erase(ListEnd::kTail, 6);
  EXPECT_TRUE(list.empty());
  EXPECT_TRUE(list.CheckInvariants());
}

TEST(ListValue, EraseMergesWhatIsLeftWithTheInnerNeighbour) {
  ListValue list(8);
  PushAll(&list, ListEnd::kTail, Numbered("e", 12));  // {8, 4}
  list.Erase(ListEnd::kHead, 7);                      // {1, 4}: 5 fits in 6
  EXPECT_EQ(list.NodeCounts(), (std::vector<size_t>{5}));
  EXPECT_EQ(Contents(list), (std::vector<std::string>{"e7", "e8", "e9", "e10", "e11"}));
}

TEST(ListValue, SetKeepsOrderWhateverTheNewSize) {
  for (int64_t fill : {-1, 4}) {
    ListValue list(fill);
    std::vector<std::string> model = Numbered("value", 40);
    PushAll(&list, ListEnd::kTail, model);
    const std::vector<std::string> replacements = {"1", "value-same", "x", std::string(300, 's'),
                                                   std::string(3000, 'L'), "-77", std::string(5000, 'H')};
    size_t k = 0;
    for (size_t i : {0, 39, 17, 20, 5, 33, 12}) {
      list.Set(i, replacements[k]);
      model[i] = replacements[k];
      ++k;
      ASSERT_TRUE(list.CheckInvariants()) << fill << " " << i;
      ASSERT_EQ(Contents(list), model) << fill << " " << i;
    }
  }
}

TEST(ListValue, RemoveFromEitherEndWithLimits) {
  ListValue list(3);
  PushAll(&list, ListEnd::kTail, {"a", "x", "b", "x", "c", "x", "d", "x"});
  EXPECT_EQ(list.Remove(ListNeedle("x"), ListEnd::kTail, 2), 2u);
  EXPECT_EQ(Contents(list), (std::vector<std::string>{"a", "x", "b", "x", "c", "d"}));
  EXPECT_EQ(list.Remove(ListNeedle("x"), ListEnd::kHead, 1), 1u);
  EXPECT_EQ(Contents(list), (std::vector<std::string>{"a", "b", "x", "c", "d"}));
  EXPECT_EQ(list.Remove(ListNeedle("nothing"), ListEnd::kHead, 0), 0u);
  EXPECT_EQ(list.Remove(ListNeedle("x"), ListEnd::kHead, 0), 1u);
  EXPECT_EQ(Contents(list), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_TRUE(list.CheckInvariants());
}

TEST(ListValue, NeedlesCompareIntegersByValueOfTheirCanonicalText) {
  ListValue list(-2);
  PushAll(&list, ListEnd::kTail, {"10", "010", "-0", "0", "10"});
  EXPECT_EQ(list.Remove(ListNeedle("10"), ListEnd::kHead, 0), 2u);
  EXPECT_EQ(Contents(list), (std::vector<std::string>{"010", "-0", "0"}));
  EXPECT_EQ(list.Remove(ListNeedle("-0"), ListEnd::kHead, 0), 1u);
  EXPECT_EQ(Contents(list), (std::vector<std::string>{"010", "0"}));
}

TEST(ListValue, InsertAtPivotWithoutMatchChangesNothing) {
  ListValue list(-2);
  PushAll(&list, ListEnd::kTail, {"a", "b"});
  EXPECT_FALSE(list.InsertAtPivot(ListNeedle("c"), true, "x"));
  EXPECT_EQ(Contents(list), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(list.InsertAtPivot(ListNeedle("b"), true, "c"));
  EXPECT_TRUE(list.InsertAtPivot(ListNeedle("a"), false, "0"));
  EXPECT_EQ(Contents(list), (std::vector<std::string>{"0", "a", "b", "c"}));
}

TEST(ListValue, AtFindsEveryIndexAcrossNodes) {
  ListValue list(5);
  const std::vector<std::string> model = Numbered("i", 53);
  PushAll(&list, ListEnd::kTail, model);
  for (size_t i = 0; i < model.size(); ++i) {
    ListValue::Iterator it = list.At(i);
    EXPECT_EQ(it.value(), model[i]);
  }
}

TEST(ListValue, CloneIsDeepAndCompact) {
  ListValue list(-2);
  PushAll(&list, ListEnd::kTail, Numbered("element-", 5000));
  list.Erase(ListEnd::kHead, 100);
  std::unique_ptr<ListValue> copy(static_cast<ListValue*>(list.Clone()));
  EXPECT_TRUE(copy->CheckInvariants());
  EXPECT_EQ(Contents(*copy), Contents(list));
  EXPECT_LE(copy->MemoryUsage(), list.MemoryUsage());
  std::string v;
  copy->Pop(ListEnd::kHead, &v);
  EXPECT_EQ(v, "element-100");
  EXPECT_EQ(list.size(), 4900u);
  EXPECT_EQ(copy->size(), 4899u);
}

TEST(ListValue, MemoryUsageTracksNodesAndShrinks) {
  ListValue list(-2);
  const size_t empty = list.MemoryUsage();
  PushAll(&list, ListEnd::kTail, std::vector<std::string>(100000, "abcdefghijklmn"));  // 16 bytes each
  const size_t full = list.MemoryUsage();
  EXPECT_GT(full, empty + 100000 * 16);
  EXPECT_LT(full, empty + 100000 * 17);
  list.Erase(ListEnd::kHead, 99999);
  EXPECT_LT(list.MemoryUsage(), empty + 256);
  std::string v;
  list.Pop(ListEnd::kTail, &v);
  EXPECT_EQ(list.MemoryUsage(), empty);
}

TEST(ListValue, PopsShrinkALongNode) {
  ListValue list(-5);
  PushAll(&list, ListEnd::kTail, std::vector<std::string>(3000, "abcdefghij"));
  ASSERT_EQ(list.NodeCounts().size(), 1u);
  const size_t full = list.MemoryUsage();
  std::string v;
  for (int i = 0; i < 2990; ++i) list.Pop(i % 2 ? ListEnd::kHead : ListEnd::kTail, &v);
  EXPECT_LT(list.MemoryUsage() * 20, full);
  EXPECT_TRUE(list.CheckInvariants());
}

TEST(ListValue, AQueueInSteadyStateKeepsItsMemory) {
  ListValue list(-2);
  for (int i = 0; i < 400; ++i) list.Push(ListEnd::kTail, "queued-" + std::to_string(i));
  const size_t start = list.MemoryUsage();
  std::string v;
  for (int i = 400; i < 100000; ++i) {
    list.Push(ListEnd::kTail, "queued-" + std::to_string(i));
    list.Pop(ListEnd::kHead, &v);
    ASSERT_EQ(v, "queued-" + std::to_string(i - 400));
  }
  EXPECT_EQ(list.size(), 400u);
  EXPECT_LE(list.MemoryUsage(), 2 * start);
  EXPECT_TRUE(list.CheckInvariants());
}

// Random operations against a std::deque model, checking the invariants after each.
TEST(ListValue, RandomOperationsMatchAModel) {
  std::mt19937 rng(12345);
  const auto random_value = [&rng]() -> std::string {
    switch (rng() % 6) {
      case 0: return std::to_string(static_cast<int64_t>(rng()) - (1LL << 31));
      case 1: return std::to_string(rng() % 300);
      case 2: return std::string(rng() % 200, static_cast<char>('a' + rng() % 3));
      case 3: return rng() % 50 == 0 ? std::string(2000 + rng() % 6000, 'B') : "k" + std::to_string(rng() % 5);
      default: return "v" + std::to_string(rng() % 20);
    }
  };
  for (int64_t fill : {-1, 1, 2, 3, 7, 64, -2}) {
    ListValue list(fill);
    std::deque<std::string> model;
    for (int step = 0; step < 3000; ++step) {
      const unsigned op = rng() % 100;
      const ListEnd end = rng() % 2 ? ListEnd::kHead : ListEnd::kTail;
      if (op < 40 || model.empty()) {
        std::string v = random_value();
        list.Push(end, v);
        if (end == ListEnd::kHead) {
          model.push_front(v);
        } else {
          model.push_back(v);
        }
      } else if (op < 55) {
        std::string v;
        list.Pop(end, &v);
        ASSERT_EQ(v, end == ListEnd::kHead ? model.front() : model.back());
        if (end == ListEnd::kHead) {
          model.pop_front();
        } else {
          model.pop_back();
        }
      } else if (op < 70) {
        const size_t i = rng() % model.size();
        std::string v = random_value();
        list.Set(i, v);
        model[i] = v;
      } else if (op < 82) {
        const std::string pivot = model[rng() % model.size()];
        const bool after = rng() % 2;
        std::string v = random_value();
        ASSERT_TRUE(list.InsertAtPivot(ListNeedle(pivot), after, v));
        auto it = std::find(model.begin(), model.end(), pivot);
        model.insert(after ? it + 1 : it, v);
      } else if (op < 92) {
        const std::string needle = random_value();
        const size_t limit = rng() % 3;
        size_t expected = 0;
        if (end == ListEnd::kHead) {
          for (auto it = model.begin(); it != model.end() && (limit == 0 || expected < limit);) {
            if (*it == needle) {
              it = model.erase(it);
              ++expected;
            } else {
              ++it;
            }
          }
        } else {
          for (size_t i = model.size(); i-- > 0 && (limit == 0 || expected < limit);) {
            if (model[i] == needle) {
              model.erase(model.begin() + static_cast<std::ptrdiff_t>(i));
              ++expected;
            }
          }
        }
        ASSERT_EQ(list.Remove(ListNeedle(needle), end, limit), expected);
      } else {
        const size_t n = rng() % (model.size() / 4 + 1);
        list.Erase(end, n);
        for (size_t i = 0; i < n; ++i) {
          if (end == ListEnd::kHead) {
            model.pop_front();
          } else {
            model.pop_back();
          }
        }
      }
      ASSERT_TRUE(list.CheckInvariants()) << "fill " << fill << " step " << step;
      ASSERT_EQ(list.size(), model.size());
      if (step % 97 == 0) {
        ASSERT_EQ(Contents(list), std::vector<std::string>(model.begin(), model.end())) << fill << " " << step;
      }
    }
    ASSERT_EQ(Contents(list), std::vector<std::string>(model.begin(), model.end()));
    std::vector<std::string> backwards(model.rbegin(), model.rend());
    ASSERT_EQ(ContentsBackwards(list), backwards);
  }
}

}  // namespace
}  // namespace strata::store
