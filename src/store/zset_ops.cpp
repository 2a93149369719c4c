#include "store/zset_ops.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "common/glob.h"
#include "common/numbers.h"
#include "store/entry.h"
#include "store/set_value.h"

namespace strata::store {
namespace {


ZSetValue* ZSetOf(const EntryRef& ref) { return static_cast<ZSetValue*>(ref->object()); }

int64_t MaxEntries(Db& db) { return EncodingLimits::Get(db.keyspace()->limits().zset_max_listpack_entries); }
int64_t MaxValue(Db& db) { return EncodingLimits::Get(db.keyspace()->limits().zset_max_listpack_value); }

// Adds a new member, first leaving the compact form if the insert would break a limit.
void InsertMember(Db& db, EntryRef& ref, ZSetValue* zs, std::string_view member, double score) {
  if (zs->compact() && (static_cast<int64_t>(zs->size()) + 1 > MaxEntries(db) ||
                        static_cast<int64_t>(member.size()) > MaxValue(db))) {
    zs->ConvertToLarge();
    ref->set_encoding(Encoding::kSkiplist);
  }
  zs->Insert(member, score);
}

// After a removal announced as `event`: deletes the key if its set emptied, announcing "del"
// after `event`, as Redis does.
void AnnounceRemoval(Db& db, EntryRef& ref, std::string_view key, const ZSetValue* zs, KeyEvent event) {
  db.Notify(event, key);
  if (zs->size() != 0) return;
  db.Erase(&ref);
  db.Notify(KeyEvent::kDel, key);
}

// Builds a set holding `elements` (in order, distinct): compact when they fit the limits, as
// Redis converts results of ZUNIONSTORE and friends.
ZSetValue* BuildSet(Db& db, const std::vector<ScoredMember>& elements, Encoding* encoding) {
  bool fits = static_cast<int64_t>(elements.size()) <= MaxEntries(db);
  for (size_t i = 0; fits && i < elements.size(); ++i) {
    fits = static_cast<int64_t>(elements[i].member.size()) <= MaxValue(db);
  }
  ZSetValue* zs = new ZSetValue;
  if (!fits) zs->ConvertToLarge();
  for (const ScoredMember& e : elements) zs->Insert(e.member, e.score);
  *encoding = fits ? Encoding::kListpack : Encoding::kSkiplist;
  return zs;
}

// Replaces whatever `dst` holds with `elements`, announced as `event`, or deletes it when they
// are empty.
void StoreResult(Db& db, std::string_view dst, const std::vector<ScoredMember>& elements, KeyEvent event) {
  Entry* entry = nullptr;
  if (!elements.empty()) {
    Encoding encoding;
    ZSetValue* zs = BuildSet(db, elements, &encoding);
    entry = Entry::NewObject(dst, ValueType::kZSet, encoding, zs, kNoExpire);
  }
  db.StoreResult(dst, entry, event);
}

// The window of ascending ranks [*start, *end) that `spec` selects from `zs`, and whether it is
// walked from the top (reply order).
void Resolve(const ZSetValue& zs, const ZRangeSpec& spec, size_t* start, size_t* end) {
  const size_t len = zs.size();
  *start = *end = 0;
  if (spec.by == ZRangeSpec::By::kRank) {
    const int64_t n = static_cast<int64_t>(len);
    int64_t a = spec.start < 0 ? spec.start + n : spec.start;
    int64_t b = spec.stop < 0 ? spec.stop + n : spec.stop;
    if (a < 0) a = 0;
    if (a > b || a >= n) return;
    if (b >= n) b = n - 1;
    if (spec.reverse) {
      *start = static_cast<size_t>(n - 1 - b);
      *end = static_cast<size_t>(n - a);
    } else {
      *start = static_cast<size_t>(a);
      *end = static_cast<size_t>(b + 1);
    }
    return;
  }
  size_t lo, hi;
  if (spec.by == ZRangeSpec::By::kScore) {
    lo = zs.CountScoreBelow(spec.score_min.value, spec.score_min.exclusive);
    hi = zs.CountScoreBelow(spec.score_max.value, !spec.score_max.exclusive);
  } else {
    auto count = [&](const LexBound& b, bool upper) -> size_t {
      switch (b.kind) {
        case LexBound::Kind::kMinusInfinity: return 0;
        case LexBound::Kind::kPlusInfinity: return len;
        case LexBound::Kind::kInclusive: return zs.CountLexBelow(b.member, upper);
        case LexBound::Kind::kExclusive: return zs.CountLexBelow(b.member, !upper);
      }
      return 0;
    };
    lo = count(spec.lex_min, false);
    hi = count(spec.lex_max, true);
  }
  if (hi <= lo || spec.offset < 0) return;
  const size_t skip = static_cast<size_t>(spec.offset);
  if (skip >= hi - lo) return;
  size_t n = hi - lo - skip;
  if (spec.limit >= 0) n = std::min(n, static_cast<size_t>(spec.limit));
  if (spec.reverse) {
    *start = hi - skip - n;
    *end = hi - skip;
  } else {
    *start = lo + skip;
    *end = lo + skip + n;
  }
}

// Copies out the elements of the window in reply order.
void Collect(const ZSetValue& zs, size_t start, size_t end, bool reverse, std::vector<ScoredMember>* out) {
  out->reserve(out->size() + (end - start));
  zs.Visit(start, end, reverse, [&](std::string_view member, double score) {
    out->push_back({std::string(member), score});
    return true;
  });
}

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

bool ElementLess(const ScoredMember& a, const ScoredMember& b) {
  if (a.score != b.score) return a.score < b.score;
  return a.member < b.member;
}

// An input of the set algebra: a sorted set, or a plain set read into a member table.
struct Input {
  const ZSetValue* zset = nullptr;
  std::unordered_set<std::string> set_members;
  double weight = 1;

  size_t size() const { return zset != nullptr ? zset->size() : set_members.size(); }
  bool Find(const std::string& member, double* score) const {
    if (zset != nullptr) return zset->Score(member, score);
    if (set_members.count(member) == 0) return false;
    *score = 1;
    return true;
  }
  // Visits every member until `visit` returns false.
  void ForEach(ZSetVisitor visit) const {
    if (zset != nullptr) {
      zset->Visit(0, zset->size(), false, visit);
      return;
    }
    for (const std::string& m : set_members) {
      if (!visit(m, 1)) return;
    }
  }
};

OpStatus LoadInputs(Db& db, std::span<const std::string_view> keys, std::vector<Input>* inputs) {
  inputs->resize(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    Input& in = (*inputs)[i];
    EntryRef ref = db.FindForRead(keys[i]);
    if (!ref) continue;
    if (ref->type() == ValueType::kZSet) {
      in.zset = ZSetOf(ref);
      continue;
    }
    if (ref->type() != ValueType::kSet) return OpStatus::kWrongType;
    static_cast<const SetValue*>(ref->object())->ForEach([&](std::string_view m) { in.set_members.emplace(m); });
  }
  return OpStatus::kOk;
}

// Redis's aggregation: a sum that turns NaN (inf + -inf) into 0; min and max keep the current
// value unless the new one is strictly better.
void Aggregate(ZSetOpParams::Aggregate how, double* target, double value) {
  switch (how) {
    case ZSetOpParams::Aggregate::kSum:
      *target += value;
      if (std::isnan(*target)) *target = 0;
      return;
    case ZSetOpParams::Aggregate::kMin:
      *target = value < *target ? value : *target;
      return;
    case ZSetOpParams::Aggregate::kMax:
      *target = value > *target ? value : *target;
      return;
  }
}

double Weighted(double weight, double score) {
  const double v = weight * score;
  return std::isnan(v) ? 0 : v;
}

// Smallest inputs first, as Redis orders them (the order of a float sum shows in its result).
void SortBySize(std::vector<Input>* inputs) {
  std::stable_sort(inputs->begin(), inputs->end(), [](const Input& a, const Input& b) { return a.size() < b.size(); });
}

// Visits each member of the intersection of `inputs` (sorted by size) with its aggregated score,
// until `visit` returns false.
void Intersect(const std::vector<Input>& inputs, ZSetOpParams::Aggregate how,
               FunctionRef<bool(std::string_view, double)> visit) {
  if (inputs.empty() || inputs[0].size() == 0) return;
  std::string member;
  inputs[0].ForEach([&](std::string_view m, double s) {
    member.assign(m);
    double score = Weighted(inputs[0].weight, s);
    for (size_t j = 1; j < inputs.size(); ++j) {
      double value;
      if (!inputs[j].Find(member, &value)) return true;
      Aggregate(how, &score, value * inputs[j].weight);
    }
    return visit(member, score);
  });
}

}  // namespace


bool ParseScoreBound(std::string_view text, ScoreBound* bound) {
  bound->exclusive = !text.empty() && text[0] == '(';
  if (bound->exclusive) text.remove_prefix(1);
  // Redis reads range bounds with a bare strtod up to the first NUL byte: leading spaces, hex,
  // overflow to infinity and even "" (as 0) pass; only trailing garbage and NaN fail.
  const std::string copy(text);
  char* end = nullptr;
  bound->value = std::strtod(copy.c_str(), &end);
  return *end == '\0' && !std::isnan(bound->value);
}

bool ParseLexBound(std::string_view text, LexBound* bound) {
  if (text.empty()) return false;
  switch (text[0]) {
    case '-':
      if (text.size() != 1) return false;
      bound->kind = LexBound::Kind::kMinusInfinity;
      return true;
    case '+':
      if (text.size() != 1) return false;
      bound->kind = LexBound::Kind::kPlusInfinity;
      return true;
    case '[':
      bound->kind = LexBound::Kind::kInclusive;
      bound->member = text.substr(1);
      return true;
    case '(':
      bound->kind = LexBound::Kind::kExclusive;
      bound->member = text.substr(1);
      return true;
    default: return false;
  }
}

OpStatus ZAdd(Db& db, std::string_view key, const ZAddParams& params, std::span<const ZAddElement> elements,
              ZAddResult* result) {
  *result = ZAddResult{};
  EntryRef ref;
  const OpStatus status = db.FindForWriteAs(key, ValueType::kZSet, &ref);
  if (status == OpStatus::kWrongType) return status;
  if (status == OpStatus::kNoKey) {
    if (params.condition == ZAddParams::Condition::kIfPresent || elements.empty()) return OpStatus::kOk;
    ZSetValue* zs = new ZSetValue;
    Encoding encoding = Encoding::kListpack;
    if (MaxEntries(db) == 0 || static_cast<int64_t>(elements[0].member.size()) > MaxValue(db)) {
      zs->ConvertToLarge();
      encoding = Encoding::kSkiplist;
    }
    ref = db.Insert(Entry::NewObject(key, ValueType::kZSet, encoding, zs, kNoExpire));
  }
  ZSetValue* zs = ZSetOf(ref);
  for (const ZAddElement& e : elements) {
    double current;
    if (zs->Score(e.member, &current)) {
      if (params.condition == ZAddParams::Condition::kIfAbsent) {
        result->score = current;
        continue;
      }
      double score = e.score;
      if (params.incr) {
        score += current;
        if (std::isnan(score)) return OpStatus::kNanOrInfinity;
      }
      if ((params.lt && score >= current) || (params.gt && score <= current)) {
        result->score = current;
        continue;
      }
      ++result->processed;
      result->score = score;
      if (score != current) {
        zs->UpdateScore(e.member, score);
        ++result->updated;
      }
    } else {
      if (params.condition == ZAddParams::Condition::kIfPresent) continue;
      InsertMember(db, ref, zs, e.member, e.score);
      ++result->added;
      ++result->processed;
      result->score = e.score;
    }
  }
  if (result->added + result->updated > 0) db.Notify(params.incr ? KeyEvent::kZIncr : KeyEvent::kZAdd, key);
  // A set created here that nothing was added to (every element skipped) must not linger.
  if (zs->size() == 0) db.Erase(&ref);
  return OpStatus::kOk;
}

OpStatus ZRem(Db& db, std::string_view key, std::span<const std::string_view> members, size_t* removed) {
  *removed = 0;
  EntryRef ref;
  const OpStatus status = db.FindForWriteAs(key, ValueType::kZSet, &ref);
  if (status != OpStatus::kOk) return status;
  ZSetValue* zs = ZSetOf(ref);
  for (std::string_view m : members) {
    if (zs->Erase(m)) ++*removed;
    if (zs->size() == 0) break;
  }
  if (*removed > 0) AnnounceRemoval(db, ref, key, zs, KeyEvent::kZRem);
  return OpStatus::kOk;
}

OpStatus ZRemRange(Db& db, std::string_view key, const ZRangeSpec& spec, size_t* removed) {
  *removed = 0;
  EntryRef ref;
  const OpStatus status = db.FindForWriteAs(key, ValueType::kZSet, &ref);
  if (status != OpStatus::kOk) return status;
  ZSetValue* zs = ZSetOf(ref);
  ZRangeSpec window = spec;
  window.reverse = false;
  window.offset = 0;
  window.limit = -1;
  size_t start, end;
  Resolve(*zs, window, &start, &end);
  if (start >= end) return OpStatus::kOk;
  *removed = end - start;
  zs->EraseRange(start, end);
  AnnounceRemoval(db, ref, key, zs,
                  spec.by == ZRangeSpec::By::kRank    ? KeyEvent::kZRemRangeByRank
                  : spec.by == ZRangeSpec::By::kScore ? KeyEvent::kZRemRangeByScore
                                                      : KeyEvent::kZRemRangeByLex);
  return OpStatus::kOk;
}

OpStatus ZPop(Db& db, std::string_view key, bool max, size_t count, std::vector<ScoredMember>* out) {
  size_t which;
  return ZPopFirst(db, std::span<const std::string_view>(&key, 1), max, count, &which, out);
}

OpStatus ZPopFirst(Db& db, std::span<const std::string_view> keys, bool max, size_t count, size_t* which,
                   std::vector<ScoredMember>* out, bool skip_other_types) {
  out->clear();
  for (size_t i = 0; i < keys.size(); ++i) {
    EntryRef ref;
    const OpStatus status = db.FindForWriteAs(keys[i], ValueType::kZSet, &ref);
    if (status == OpStatus::kNoKey || (status == OpStatus::kWrongType && skip_other_types)) continue;
    if (status != OpStatus::kOk) return status;
    *which = i;
    ZSetValue* zs = ZSetOf(ref);
    const size_t n = std::min(count, zs->size());
    const size_t start = max ? zs->size() - n : 0;
    Collect(*zs, start, start + n, max, out);
    if (n > 0) {
      zs->EraseRange(start, start + n);
      AnnounceRemoval(db, ref, keys[i], zs, max ? KeyEvent::kZPopMax : KeyEvent::kZPopMin);
    }
    return OpStatus::kOk;
  }
  return OpStatus::kNoKey;
}

OpStatus ZRangeStore(Db& db, std::string_view dst, std::string_view src, const ZRangeSpec& spec, size_t* stored) {
  std::vector<ScoredMember> elements;
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(src, ValueType::kZSet, &ref);
  if (status == OpStatus::kWrongType) return status;
  if (status == OpStatus::kOk) {
    const ZSetValue* zs = ZSetOf(ref);
    size_t start, end;
    Resolve(*zs, spec, &start, &end);
    Collect(*zs, start, end, false, &elements);
  }
  *stored = elements.size();
  StoreResult(db, dst, elements, KeyEvent::kZRangeStore);
  return OpStatus::kOk;
}

OpStatus ZCard(Db& db, std::string_view key, size_t* card) {
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kZSet, &ref);
  *card = status == OpStatus::kOk ? ZSetOf(ref)->size() : 0;
  return status;
}

OpStatus ZScore(Db& db, std::string_view key, std::string_view member, std::optional<double>* score) {
  score->reset();
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kZSet, &ref);
  double s;
  if (status == OpStatus::kOk && ZSetOf(ref)->Score(member, &s)) *score = s;
  return status;
}

OpStatus ZMScore(Db& db, std::string_view key, std::span<const std::string_view> members,
                 std::vector<std::optional<double>>* scores) {
  scores->assign(members.size(), std::nullopt);
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kZSet, &ref);
  if (status != OpStatus::kOk) return status;
  const ZSetValue* zs = ZSetOf(ref);
  for (size_t i = 0; i < members.size(); ++i) {
    double s;
    if (zs->Score(members[i], &s)) (*scores)[i] = s;
  }
  return status;
}

OpStatus ZRank(Db& db, std::string_view key, std::string_view member, bool reverse, std::optional<size_t>* rank) {
  rank->reset();
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kZSet, &ref);
  if (status != OpStatus::kOk) return status;
  const ZSetValue* zs = ZSetOf(ref);
  size_t r;
  if (zs->Rank(member, &r)) *rank = reverse ? zs->size() - 1 - r : r;
  return status;
}

OpStatus ZCount(Db& db, std::string_view key, const ZRangeSpec& spec, size_t* count) {
  *count = 0;
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kZSet, &ref);
  if (status != OpStatus::kOk) return status;
  size_t start, end;
  Resolve(*ZSetOf(ref), spec, &start, &end);
  *count = end - start;
  return status;
}

OpStatus ZRange(Db& db, std::string_view key, const ZRangeSpec& spec, FunctionRef<void(size_t)> begin,
                ZSetVisitor visit) {
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kZSet, &ref);
  if (status != OpStatus::kOk) return status;
  const ZSetValue* zs = ZSetOf(ref);
  size_t start, end;
  Resolve(*zs, spec, &start, &end);
  begin(end - start);
  zs->Visit(start, end, spec.reverse, visit);
  return status;
}

OpStatus ZRandMember(Db& db, std::string_view key, int64_t count, std::vector<ScoredMember>* out) {
  out->clear();
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kZSet, &ref);
  if (status != OpStatus::kOk || count == 0) return status;
  const ZSetValue* zs = ZSetOf(ref);
  const size_t size = zs->size();
  auto add_rank = [&](size_t rank) { Collect(*zs, rank, rank + 1, false, out); };
  if (count < 0) {
    // Repeats allowed: independent draws.
    std::uniform_int_distribution<size_t> pick(0, size - 1);
    const uint64_t n = static_cast<uint64_t>(-count);
    out->reserve(static_cast<size_t>(std::min<uint64_t>(n, 1 << 20)));
    for (uint64_t i = 0; i < n; ++i) add_rank(pick(Rng()));
    return status;
  }
  const size_t n = static_cast<size_t>(count);
  if (n >= size) {
    // The whole set, as Redis returns it: from the highest score down.
    Collect(*zs, 0, size, true, out);
    return status;
  }
  if (n * 3 > size) {
    // Many of them: a partial shuffle of all ranks.
    std::vector<size_t> ranks(size);
    for (size_t i = 0; i < size; ++i) ranks[i] = i;
    for (size_t i = 0; i < n; ++i) {
      std::uniform_int_distribution<size_t> pick(i, size - 1);
      std::swap(ranks[i], ranks[pick(Rng())]);
    }
    for (size_t i = 0; i < n; ++i) add_rank(ranks[i]);
    return status;
  }
  // Few of them: draw until enough distinct ranks.
  std::unordered_set<size_t> seen;
  std::uniform_int_distribution<size_t> pick(0, size - 1);
  while (seen.size() < n) {
    const size_t r = pick(Rng());
    if (seen.insert(r).second) add_rank(r);
  }
  return status;
}

OpStatus ZScan(Db& db, std::string_view key, uint64_t cursor, size_t count, std::optional<std::string_view> pattern,
               ZSetScanVisitor visit, uint64_t* next_cursor, bool* compact) {
  *next_cursor = 0;
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kZSet, &ref);
  if (status != OpStatus::kOk) return status;
  *compact = ZSetOf(ref)->compact();
  *next_cursor = ZSetOf(ref)->Scan(cursor, count, [&](std::string_view member, double score) {
    if (!pattern || GlobMatch(*pattern, member)) visit(member, score);
  });
  return status;
}

OpStatus ZSetOperation(Db& db, std::span<const std::string_view> keys, ZSetOpOptions options,
                       std::vector<ScoredMember>* out) {
  out->clear();
  std::vector<Input> inputs;
  const OpStatus status = LoadInputs(db, keys, &inputs);
  if (status != OpStatus::kOk) return status;
  ZSetOpParams params;
  if (!options(&params)) return OpStatus::kNotDone;
  for (size_t i = 0; i < params.weights.size() && i < inputs.size(); ++i) inputs[i].weight = params.weights[i];
  switch (params.op) {
    case ZSetOpParams::Op::kUnion: {
      SortBySize(&inputs);
      std::unordered_map<std::string, double> acc;
      acc.reserve(inputs.empty() ? 0 : inputs.back().size());
      for (const Input& in : inputs) {
        in.ForEach([&](std::string_view m, double s) {
          const double score = Weighted(in.weight, s);
          auto [it, fresh] = acc.try_emplace(std::string(m), score);
          if (!fresh) Aggregate(params.aggregate, &it->second, score);
          return true;
        });
      }
      out->reserve(acc.size());
      for (auto& [m, s] : acc) out->push_back({m, s});
      break;
    }
    case ZSetOpParams::Op::kInter:
      SortBySize(&inputs);
      Intersect(inputs, params.aggregate, [&](std::string_view m, double s) {
        out->push_back({std::string(m), s});
        return true;
      });
      break;
    case ZSetOpParams::Op::kDiff:
      if (inputs.empty()) break;
      inputs[0].ForEach([&](std::string_view m, double s) {
        std::string member(m);
        double ignored;
        for (size_t j = 1; j < inputs.size(); ++j) {
          if (inputs[j].Find(member, &ignored)) return true;
        }
        out->push_back({std::move(member), s});
        return true;
      });
      break;
  }
  std::sort(out->begin(), out->end(), ElementLess);
  return OpStatus::kOk;
}

OpStatus ZSetOperationStore(Db& db, std::string_view dst, std::span<const std::string_view> keys,
                            ZSetOpOptions options, size_t* stored) {
  std::vector<ScoredMember> result;
  ZSetOpParams::Op op = ZSetOpParams::Op::kUnion;
  auto keep_op = [&](ZSetOpParams* params) {
    const bool ok = options(params);
    op = params->op;
    return ok;
  };
  const OpStatus status = ZSetOperation(db, keys, keep_op, &result);
  if (status != OpStatus::kOk) return status;
  *stored = result.size();
  StoreResult(db, dst, result,
              op == ZSetOpParams::Op::kUnion   ? KeyEvent::kZUnionStore
              : op == ZSetOpParams::Op::kInter ? KeyEvent::kZInterStore
                                               : KeyEvent::kZDiffStore);
  return OpStatus::kOk;
}

OpStatus ZInterCard(Db& db, std::span<const std::string_view> keys, FunctionRef<bool(size_t* limit)> options,
                    size_t* card) {
  *card = 0;
  std::vector<Input> inputs;
  const OpStatus status = LoadInputs(db, keys, &inputs);
  if (status != OpStatus::kOk) return status;
  size_t limit = 0;
  if (!options(&limit)) return OpStatus::kNotDone;
  SortBySize(&inputs);
  Intersect(inputs, ZSetOpParams::Aggregate::kSum, [&](std::string_view, double) {
    ++*card;
    return limit == 0 || *card < limit;
  });
  return OpStatus::kOk;
}

}  // namespace strata::store
