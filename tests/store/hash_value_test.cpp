#include "store/hash_value.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace strata::store {
namespace {

// Owns a hash and applies the mutators' replacement protocol, as the entry does.
class Hash {
 public:
  Hash() : h_(HashValue::NewCompact()) {}
  explicit Hash(HashValue* h) : h_(h) {}

  bool Set(std::string_view f, std::string_view v) {
    bool added;
    Adopt(h_->Set(f, v, limits, &added));
    return added;
  }
  bool Delete(std::string_view f) {
    bool deleted;
    Adopt(h_->Delete(f, &deleted));
    return deleted;
  }
  std::string Get(std::string_view f) const {
    std::string_view v;
    return h_->Get(f, &v) ? std::string(v) : std::string("<absent>");
  }
  std::vector<std::string> Fields() const {
    std::vector<std::string> out;
    h_->ForEach([&](std::string_view f, std::string_view) { out.emplace_back(f); });
    return out;
  }
  std::map<std::string, std::string> Pairs() const {
    std::map<std::string, std::string> out;
    h_->ForEach([&](std::string_view f, std::string_view v) { out.emplace(f, v); });
    return out;
  }
  HashValue* operator->() const { return h_.get(); }
  HashValue& operator*() const { return *h_; }

  HashLimits limits;

 private:
  void Adopt(HashValue* kept) {
    if (kept != h_.get()) h_.reset(kept);
  }
  std::unique_ptr<HashValue> h_;
};

std::string Num(const char* prefix, int i) { return prefix + std::to_string(i); }

size_t UniformInt(HashRng& rng, size_t lo, size_t hi) { return std::uniform_int_distribution<size_t>(lo, hi)(rng); }

TEST(HashValue, CompactKeepsInsertionOrderThroughUpdatesAndDeletes) {
  Hash h;
  EXPECT_TRUE(h.Set("c", "1"));
  EXPECT_TRUE(h.Set("a", "2"));
  EXPECT_TRUE(h.Set("b", "3"));
  EXPECT_FALSE(h.Set("a", "a much longer value than before"));
  EXPECT_EQ(h.Fields(), (std::vector<std::string>{"c", "a", "b"}));
  EXPECT_EQ(h.Get("a"), "a much longer value than before");
  EXPECT_FALSE(h.Set("a", ""));
  EXPECT_EQ(h.Get("a"), "");
  EXPECT_TRUE(h.Delete("c"));
  EXPECT_FALSE(h.Delete("c"));
  EXPECT_TRUE(h.Set("c", "4"));
  EXPECT_EQ(h.Fields(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(h->size(), 3u);
  EXPECT_EQ(h->encoding(), Encoding::kListpack);
  EXPECT_EQ(h.Get("zz"), "<absent>");
}

TEST(HashValue, EmptyFieldAndBinaryBytes) {
  Hash h;
  const std::string binary("a\0b\r\n", 5);
  h.Set("", binary);
  h.Set(binary, "");
  EXPECT_EQ(h.Get(""), binary);
  EXPECT_EQ(h.Get(binary), "");
  EXPECT_EQ(h.Get("a"), "<absent>");
}

TEST(HashValue, ConvertsAfterMaxEntriesNotAt) {
  Hash h;
  for (int i = 0; i < 128; ++i) h.Set(Num("f", i), "v");
  EXPECT_EQ(h->encoding(), Encoding::kListpack);
  // Updating at the limit keeps the compact form.
  h.Set("f0", "w");
  EXPECT_EQ(h->encoding(), Encoding::kListpack);
  h.Set("f128", "v");
  EXPECT_EQ(h->encoding(), Encoding::kHashtable);
  EXPECT_EQ(h->size(), 129u);
  for (int i = 1; i <= 128; ++i) EXPECT_EQ(h.Get(Num("f", i)), "v");
  EXPECT_EQ(h.Get("f0"), "w");
  // One-way: emptying the table never brings the compact form back.
  for (int i = 0; i < 128; ++i) h.Delete(Num("f", i));
  EXPECT_EQ(h->encoding(), Encoding::kHashtable);
  EXPECT_EQ(h->size(), 1u);
}

TEST(HashValue, ConvertsAfterMaxValueLengthNotAt) {
  const std::string at_limit(64, 'x');
  const std::string over(65, 'x');
  Hash h;
  h.Set(at_limit, at_limit);
  EXPECT_EQ(h->encoding(), Encoding::kListpack);
  {
    Hash g;
    g.Set("f", over);
    EXPECT_EQ(g->encoding(), Encoding::kHashtable);
  }
  {
    Hash g;
    g.Set(over, "v");
    EXPECT_EQ(g->encoding(), Encoding::kHashtable);
    EXPECT_EQ(g.Get(over), "v");
  }
  // Updating an existing field with a long value converts too.
  h.Set("small", "1");
  h.Set("small", over);
  EXPECT_EQ(h->encoding(), Encoding::kHashtable);
  EXPECT_EQ(h.Get("small"), over);
  EXPECT_EQ(h.Get(at_limit), at_limit);
}

TEST(HashValue, ChangedLimitsApplyAtTheNextWrite) {
  Hash h;
  for (int i = 0; i < 5; ++i) h.Set(Num("f", i), "v");
  h.limits.max_entries = 3;
  // Reads do not convert; the next write does, even one that only updates (as Redis).
  EXPECT_EQ(h->encoding(), Encoding::kListpack);
  h.Set("f0", "w");
  EXPECT_EQ(h->encoding(), Encoding::kHashtable);

  Hash g;
  g.limits.max_value = 0;
  g.Set("", "");
  EXPECT_EQ(g->encoding(), Encoding::kListpack);
  g.Set("a", "");
  EXPECT_EQ(g->encoding(), Encoding::kHashtable);

  Hash z;
  z.limits.max_entries = 0;
  z.Set("a", "1");
  EXPECT_EQ(z->encoding(), Encoding::kHashtable);
}

TEST(HashValue, ConversionKeepsEveryPair) {
  Hash h;
  h.limits.max_entries = 20;
  std::map<std::string, std::string> expected;
  for (int i = 0; i < 20; ++i) {
    h.Set(Num("field:", i), Num("value:", i * 7));
    expected[Num("field:", i)] = Num("value:", i * 7);
  }
  EXPECT_EQ(h->encoding(), Encoding::kListpack);
  EXPECT_EQ(h.Pairs(), expected);
  h.Set("one-more", "x");
  expected["one-more"] = "x";
  EXPECT_EQ(h->encoding(), Encoding::kHashtable);
  EXPECT_EQ(h.Pairs(), expected);
}

TEST(HashValue, TableGrowsAndShrinks) {
  Hash h;
  std::map<std::string, std::string> expected;
  for (int i = 0; i < 5000; ++i) {
    h.Set(Num("k", i), Num("v", i));
    expected[Num("k", i)] = Num("v", i);
  }
  EXPECT_EQ(h->encoding(), Encoding::kHashtable);
  EXPECT_EQ(h.Pairs(), expected);
  const size_t big = h->MemoryUsage();
  for (int i = 0; i < 5000; i += 2) {
    EXPECT_TRUE(h.Delete(Num("k", i)));
    expected.erase(Num("k", i));
  }
  EXPECT_EQ(h.Pairs(), expected);
  for (int i = 1; i < 4990; i += 2) h.Delete(Num("k", i));
  EXPECT_EQ(h->size(), 5u);
  for (int i = 4991; i < 5000; i += 2) EXPECT_EQ(h.Get(Num("k", i)), Num("v", i));
  EXPECT_LT(h->MemoryUsage() * 20, big);
}

TEST(HashValue, TableValuesGrowAndShrinkInPlace) {
  Hash h;
  h.limits.max_entries = 0;
  h.Set("f", "1");
  ASSERT_EQ(h->encoding(), Encoding::kHashtable);
  const std::string big(100000, 'b');
  h.Set("f", big);
  EXPECT_EQ(h.Get("f"), big);
  const size_t large = h->MemoryUsage();
  EXPECT_GT(large, 100000u);
  h.Set("f", "2");
  EXPECT_EQ(h.Get("f"), "2");
  EXPECT_LT(h->MemoryUsage(), 1000u);
}

TEST(HashValue, CloneIsDeepAndMemoryUsageTracksContent) {
  for (size_t fields : {10, 300}) {
    Hash h;
    for (size_t i = 0; i < fields; ++i) h.Set(Num("f", static_cast<int>(i)), "value");
    Hash copy(static_cast<HashValue*>(h->Clone()));
    EXPECT_EQ(copy->encoding(), h->encoding());
    EXPECT_EQ(copy.Pairs(), h.Pairs());
    EXPECT_EQ(copy.Fields(), h.Fields());
    copy.Set("f0", "changed");
    copy.Delete("f1");
    EXPECT_EQ(h.Get("f0"), "value");
    EXPECT_EQ(h.Get("f1"), "value");
    // At least the values' bytes (fields may share prefixes), and not wildly more than the pairs.
    EXPECT_GE(h->MemoryUsage(), fields * 5);
    EXPECT_LT(h->MemoryUsage(), fields * (2 + 3 + 5) * 4 + 256);
  }
}

TEST(HashValue, SmallHashIsOneCompactAllocation) {
  // MemoryUsage is the one block's usable size: what the pairs need, rounded up to the
  // allocator's size class (jemalloc in the server, glibc here).
  constexpr size_t kRounding = 32;
  Hash h;
  for (int i = 0; i < 10; ++i) h.Set(Num("field", i), Num("v000000", i));
  // 16-byte header, 16 bytes for the first pair, 11 for each next one (shared prefix length,
  // lengths byte, one suffix byte, the value): 131 bytes, a 160-byte class under jemalloc.
  EXPECT_GE(h->MemoryUsage(), 131u);
  EXPECT_LT(h->MemoryUsage(), 131u + kRounding);
  // Without shared prefixes, 2 bytes of overhead per pair: 16 + 10 * 2 + 37 + 80 = 153 bytes.
  Hash g;
  for (const char* n : {"name", "email", "age", "city", "zip", "phone", "url", "team", "role", "id"}) {
    g.Set(n, "12345678");
  }
  EXPECT_GE(g->MemoryUsage(), 153u);
  EXPECT_LT(g->MemoryUsage(), 153u + kRounding);
}

// Random writes against a model, on fields that share prefixes in every way (equal, one a prefix
// of the other, diverging at every position), in both forms.
TEST(HashValue, MatchesAModelUnderRandomWrites) {
  HashRng rng(2024);
  for (size_t max_entries : {size_t{1000}, size_t{8}}) {
    Hash h;
    h.limits.max_entries = max_entries;
    h.limits.max_value = 1000;
    std::vector<std::pair<std::string, std::string>> model;  // in insertion order
    auto find = [&model](const std::string& f) {
      return std::find_if(model.begin(), model.end(), [&f](const auto& p) { return p.first == f; });
    };
    for (int step = 0; step < 4000; ++step) {
      std::string field;
      const size_t len = UniformInt(rng, 0, 4);
      for (size_t i = 0; i < len; ++i) field.push_back("ab"[UniformInt(rng, 0, 1)]);
      if (UniformInt(rng, 0, 30) == 0) field.append(std::string(UniformInt(rng, 10, 40), 'c'));
      const std::string value(UniformInt(rng, 0, 20), static_cast<char>('a' + step % 26));
      auto it = find(field);
      if (UniformInt(rng, 0, 2) == 0) {
        EXPECT_EQ(h.Delete(field), it != model.end());
        if (it != model.end()) model.erase(it);
      } else {
        EXPECT_EQ(h.Set(field, value), it == model.end());
        if (it == model.end()) {
          model.emplace_back(field, value);
        } else {
          it->second = value;
        }
      }
      ASSERT_EQ(h->size(), model.size());
      const std::string probe(UniformInt(rng, 0, 4), 'a');
      auto pit = find(probe);
      EXPECT_EQ(h.Get(probe), pit == model.end() ? "<absent>" : pit->second);
      if (h->encoding() == Encoding::kListpack) {
        std::vector<std::pair<std::string, std::string>> pairs;
        h->ForEach([&pairs](std::string_view f, std::string_view v) { pairs.emplace_back(f, v); });
        ASSERT_EQ(pairs, model) << step;
      }
    }
    std::map<std::string, std::string> expected(model.begin(), model.end());
    EXPECT_EQ(h.Pairs(), expected);
    EXPECT_EQ(h->encoding(), max_entries == 8 ? Encoding::kHashtable : Encoding::kListpack);
  }
}

std::vector<std::string> ScanAll(const HashValue& h, size_t count, std::vector<uint64_t>* cursors = nullptr) {
  std::vector<std::string> seen;
  uint64_t cursor = 0;
  do {
    cursor = h.Scan(cursor, count, [&](std::string_view f, std::string_view) { seen.emplace_back(f); });
    if (cursors != nullptr) cursors->push_back(cursor);
  } while (cursor != 0);
  return seen;
}

TEST(HashValue, CompactScanReturnsEverythingWithCursorZero) {
  Hash h;
  for (int i = 0; i < 50; ++i) h.Set(Num("f", i), "v");
  std::vector<std::string> seen;
  EXPECT_EQ(h->Scan(12345, 3, [&](std::string_view f, std::string_view) { seen.emplace_back(f); }), 0u);
  EXPECT_EQ(seen, h.Fields());
}

TEST(HashValue, TableScanVisitsEachFieldOnce) {
  Hash h;
  for (int i = 0; i < 1000; ++i) h.Set(Num("f", i), "v");
  for (size_t count : {1, 7, 100, 5000}) {
    std::vector<uint64_t> cursors;
    std::vector<std::string> seen = ScanAll(*h, count, &cursors);
    std::set<std::string> unique(seen.begin(), seen.end());
    EXPECT_EQ(seen.size(), 1000u) << count;
    EXPECT_EQ(unique.size(), 1000u) << count;
    if (count == 7) {
      EXPECT_GT(cursors.size(), 50u);  // the count is honoured roughly
    }
  }
}

TEST(HashValue, TableScanIsCompleteWhileTheTableGrowsAndShrinks) {
  Hash h;
  for (int i = 0; i < 300; ++i) h.Set(Num("orig", i), "v");
  std::multiset<std::string> seen;
  uint64_t cursor = 0;
  int step = 0;
  do {
    cursor = h->Scan(cursor, 5, [&](std::string_view f, std::string_view) { seen.emplace(f); });
    // Grow the table several times over during the first half, then shrink it again.
    if (step < 40) {
      for (int i = 0; i < 200; ++i) h.Set(Num("extra", step * 200 + i), "v");
    } else if (step < 80) {
      for (int i = 0; i < 200; ++i) h.Delete(Num("extra", (step - 40) * 200 + i));
    }
    ++step;
  } while (cursor != 0);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(seen.count(Num("orig", i)), 1u) << i;
  EXPECT_GT(step, 10);
}

TEST(HashValue, SingleDrawsAreUniform) {
  HashRng rng(42);
  for (int fields : {4, 200}) {
    Hash h;
    for (int i = 0; i < fields; ++i) h.Set(Num("f", i), Num("v", i));
    std::map<std::string, int> hits;
    const int draws = fields * 500;
    for (int i = 0; i < draws; ++i) {
      h->SampleWithRepeats(1, rng, [&](std::string_view f, std::string_view v) {
        EXPECT_EQ(h.Get(f), v);
        ++hits[std::string(f)];
      });
    }
    EXPECT_EQ(hits.size(), static_cast<size_t>(fields));
    for (const auto& [f, n] : hits) {
      EXPECT_GT(n, 500 * 0.7) << f;
      EXPECT_LT(n, 500 * 1.3) << f;
    }
  }
}

TEST(HashValue, SampleWithRepeatsDrawsCountUniformPairs) {
  HashRng rng(7);
  for (int fields : {3, 200}) {
    Hash h;
    for (int i = 0; i < fields; ++i) h.Set(Num("f", i), Num("v", i));
    std::map<std::string, int> hits;
    const size_t draws = static_cast<size_t>(fields) * 500;
    size_t n = 0;
    h->SampleWithRepeats(draws, rng, [&](std::string_view f, std::string_view v) {
      EXPECT_EQ(h.Get(f), v);
      ++hits[std::string(f)];
      ++n;
    });
    EXPECT_EQ(n, draws);
    for (const auto& [f, c] : hits) {
      EXPECT_GT(c, 500 * 0.7) << f;
      EXPECT_LT(c, 500 * 1.3) << f;
    }
  }
}

TEST(HashValue, SampleDistinctGivesUniformSubsets) {
  HashRng rng(99);
  // Compact form, and both strategies of the table form (a large and a small share).
  struct Case {
    int fields;
    size_t count;
  };
  for (const Case c : {Case{10, 4}, Case{300, 250}, Case{300, 20}}) {
    Hash h;
    for (int i = 0; i < c.fields; ++i) h.Set(Num("f", i), Num("v", i));
    std::map<std::string, int> hits;
    // Enough rounds that each field is expected in about 1500 samples (a 25% band is > 6 sigma).
    const int rounds = static_cast<int>(1500 * c.fields / c.count);
    for (int r = 0; r < rounds; ++r) {
      std::set<std::string> picked;
      h->SampleDistinct(c.count, rng, [&](std::string_view f, std::string_view v) {
        EXPECT_EQ(h.Get(f), v);
        picked.emplace(f);
      });
      ASSERT_EQ(picked.size(), c.count);
      for (const auto& f : picked) ++hits[f];
    }
    // Each field is in a sample with probability count / fields.
    const double expected = rounds * static_cast<double>(c.count) / c.fields;
    for (const auto& [f, n] : hits) {
      EXPECT_GT(n, expected * 0.75) << c.fields << "/" << c.count << " " << f;
      EXPECT_LT(n, expected * 1.25) << c.fields << "/" << c.count << " " << f;
    }
    EXPECT_EQ(hits.size(), static_cast<size_t>(c.fields));
  }
}

TEST(HashValue, CompactSampleDistinctKeepsInsertionOrder) {
  HashRng rng(5);
  Hash h;
  for (int i = 0; i < 20; ++i) h.Set(Num("f", 100 + i), "v");
  std::vector<std::string> picked;
  h->SampleDistinct(8, rng, [&](std::string_view f, std::string_view) { picked.emplace_back(f); });
  ASSERT_EQ(picked.size(), 8u);
  EXPECT_TRUE(std::is_sorted(picked.begin(), picked.end()));
}

}  // namespace
}  // namespace strata::store
