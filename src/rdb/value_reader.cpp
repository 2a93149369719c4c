#include "rdb/value_reader.h"

#include <cmath>
#include <memory>

#include "common/numbers.h"
#include "rdb/compact_blobs.h"
#include "rdb/format.h"
#include "store/hash_value.h"
#include "store/list_value.h"
#include "store/set_value.h"
#include "store/zset_value.h"

namespace strata::rdb {
namespace {

using store::Encoding;
using store::EncodingLimits;
using store::Entry;
using store::ValueType;

constexpr char kDuplicate[] = "duplicate member or field";

// Adds elements to a value of one type, remembering whether any add found corruption.
// Each builder takes its elements one at a time (field and value alternate for hashes, member
// and score for sorted sets), so the same builder serves every source encoding of its type.
class ListBuilder {
 public:
  explicit ListBuilder(const EncodingLimits& limits)
      : list_(new store::ListValue(EncodingLimits::Get(limits.list_max_listpack_size))) {}
  bool Add(std::string_view e) {
    list_->Push(store::ListEnd::kTail, e);
    return true;
  }
  size_t size() const { return list_->size(); }
  Entry* Finish(std::string_view key, int64_t expire_ms) {
    return Entry::NewObject(key, ValueType::kList, Encoding::kQuicklist, list_.release(), expire_ms);
  }

 private:
  std::unique_ptr<store::ListValue> list_;
};

class SetBuilder {
 public:
  explicit SetBuilder(const EncodingLimits& limits)
      : set_(new store::SetValue()), max_intset_(EncodingLimits::Get(limits.set_max_intset_entries)) {}
  bool Add(std::string_view e) { return set_->Add(e, max_intset_); }
  size_t size() const { return set_->size(); }
  Entry* Finish(std::string_view key, int64_t expire_ms) {
    const Encoding enc = set_->encoding();
    return Entry::NewObject(key, ValueType::kSet, enc, set_.release(), expire_ms);
  }

 private:
  std::unique_ptr<store::SetValue> set_;
  int64_t max_intset_;
};

class HashBuilder {
 public:
  HashBuilder(const EncodingLimits& limits, uint64_t expected_pairs)
      : hash_(store::HashValue::NewCompact()), limits_(store::HashLimits::From(limits)) {
    if (expected_pairs > limits_.max_entries) Reset(hash_->ToTable());
  }
  // Field, value, field, value ...
  bool Add(std::string_view e) {
    if (!have_field_) {
      field_.assign(e);
      have_field_ = true;
      return true;
    }
    have_field_ = false;
    bool added = false;
    Reset(hash_->Set(field_, e, limits_, &added));
    return added;
  }
  bool complete() const { return !have_field_; }
  size_t size() const { return hash_->size(); }
  Entry* Finish(std::string_view key, int64_t expire_ms) {
    const Encoding enc = hash_->encoding();
    return Entry::NewObject(key, ValueType::kHash, enc, hash_.release(), expire_ms);
  }

 private:
  void Reset(store::HashValue* next) {
    if (next != hash_.get()) hash_.reset(next);
  }
  std::unique_ptr<store::HashValue> hash_;
  store::HashLimits limits_;
  std::string field_;
  bool have_field_ = false;
};

class ZSetBuilder {
 public:
  ZSetBuilder(const EncodingLimits& limits, uint64_t expected)
      : zset_(new store::ZSetValue()),
        max_entries_(EncodingLimits::Get(limits.zset_max_listpack_entries)),
        max_value_(EncodingLimits::Get(limits.zset_max_listpack_value)) {
    if (expected > static_cast<uint64_t>(std::max<int64_t>(0, max_entries_))) zset_->ConvertToLarge();
  }
  bool Add(std::string_view member, double score) {
    if (std::isnan(score)) return false;
    double old;
    if (zset_->Score(member, &old)) return false;
    if (zset_->compact() && (static_cast<int64_t>(zset_->size()) >= max_entries_ ||
                             static_cast<int64_t>(member.size()) > max_value_)) {
      zset_->ConvertToLarge();
    }
    zset_->Insert(member, score);
    return true;
  }
  // Member, score, member, score ... (the compact encodings spell scores as strings).
  bool AddElement(std::string_view e) {
    if (!have_member_) {
      member_.assign(e);
      have_member_ = true;
      return true;
    }
    have_member_ = false;
    double score;
    return ParseDouble(e, &score) && !std::isnan(score) && Add(member_, score);
  }
  bool complete() const { return !have_member_; }
  size_t size() const { return zset_->size(); }
  Entry* Finish(std::string_view key, int64_t expire_ms) {
    const Encoding enc = zset_->compact() ? Encoding::kListpack : Encoding::kSkiplist;
    return Entry::NewObject(key, ValueType::kZSet, enc, zset_.release(), expire_ms);
  }

 private:
  std::unique_ptr<store::ZSetValue> zset_;
  int64_t max_entries_;
  int64_t max_value_;
  std::string member_;
  bool have_member_ = false;
};

// Reads a blob string and walks it with `walk`, adding each element with `add`.
template <typename Walk, typename Add>
bool ReadBlob(RdbInput& in, std::string* scratch, Walk walk, Add add, const char* what) {
  const size_t at = in.offset();
  std::string_view blob;
  if (!in.ReadString(scratch, &blob)) return false;
  size_t count = 0;
  bool duplicate = false;
  const bool ok = walk(blob, &count, [&](std::string_view e) {
    if (add(e)) return true;
    duplicate = true;
    return false;
  });
  if (ok) return true;
  return in.FailAt(at, (duplicate ? "duplicate or invalid element in " : "bad ") + std::string(what));
}

// Reads `count` strings, adding each with `add`.
template <typename Add>
bool ReadStrings(RdbInput& in, uint64_t count, std::string* scratch, Add add) {
  for (uint64_t i = 0; i < count; ++i) {
    const size_t at = in.offset();
    std::string_view s;
    if (!in.ReadString(scratch, &s)) return false;
    if (!add(s)) return in.FailAt(at, kDuplicate);
  }
  return true;
}

template <typename Builder>
Entry* FinishUnlessEmpty(Builder& b, std::string_view key, int64_t expire_ms) {
  return b.size() == 0 ? nullptr : b.Finish(key, expire_ms);
}

bool ReadList(RdbInput& in, uint8_t type, std::string* scratch, ListBuilder& b) {
  auto add = [&](std::string_view e) { return b.Add(e); };
  uint64_t nodes;
  switch (type) {
    case kTypeList:
      return in.ReadCount(&nodes, 1) && ReadStrings(in, nodes, scratch, add);
    case kTypeListZiplist:
      return ReadBlob(in, scratch, WalkZiplist, add, "ziplist");
    case kTypeListQuicklist:
      if (!in.ReadCount(&nodes, 1)) return false;
      for (uint64_t i = 0; i < nodes; ++i) {
        if (!ReadBlob(in, scratch, WalkZiplist, add, "ziplist")) return false;
      }
      return true;
    default:  // kTypeListQuicklist2
      if (!in.ReadCount(&nodes, 2)) return false;
      for (uint64_t i = 0; i < nodes; ++i) {
        const size_t at = in.offset();
        uint64_t container;
        if (!in.ReadLength(&container)) return false;
        if (container == kQuicklistNodePlain) {
          std::string_view s;
          if (!in.ReadString(scratch, &s)) return false;
          b.Add(s);
        } else if (container != kQuicklistNodePacked) {
          return in.FailAt(at, "bad quicklist node container");
        } else if (!ReadBlob(in, scratch, WalkListpack, add, "listpack")) {
          return false;
        }
      }
      return true;
  }
}

bool ReadZSetPairs(RdbInput& in, uint64_t count, bool ascii, std::string* scratch, ZSetBuilder& b) {
  for (uint64_t i = 0; i < count; ++i) {
    const size_t at = in.offset();
    std::string_view member;
    double score;
    // The score's read leaves `scratch` alone, so `member` stays valid.
    if (!in.ReadString(scratch, &member)) return false;
    if (!(ascii ? in.ReadAsciiDouble(&score) : in.ReadBinaryDouble(&score))) return false;
    if (!b.Add(member, score)) return in.FailAt(at, kDuplicate);
  }
  return true;
}

// A refusal for a type Strata has no representation for.
bool RefuseType(RdbInput& in, std::string_view key, uint8_t type, std::string_view what) {
  return in.Refuse("key '" + std::string(key.substr(0, 128)) + "' holds " + std::string(what) + " (RDB type " +
                   std::to_string(type) + "), which Strata cannot represent");
}

}  // namespace

bool KnownValueType(uint8_t type) { return type <= kTypeHashListpackEx && type != 8; }

std::string ModuleName(uint64_t module_id) {
  static constexpr char kCharset[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string name(9, ' ');
  uint64_t id = module_id >> 10;
  for (int i = 8; i >= 0; --i) {
    name[static_cast<size_t>(i)] = kCharset[id & 63];
    id >>= 6;
  }
  return name;
}

bool ReadValue(RdbInput& in, uint8_t type, std::string_view key, int64_t expire_ms, const EncodingLimits& limits,
               std::string* scratch, Entry** out) {
  *out = nullptr;
  uint64_t count = 0;
  switch (type) {
    case kTypeString: {
      std::string_view s;
      if (!in.ReadString(scratch, &s)) return false;
      *out = Entry::NewString(key, s, store::ChooseStringEncoding(s), expire_ms);
      return true;
    }
    case kTypeList:
    case kTypeListZiplist:
    case kTypeListQuicklist:
    case kTypeListQuicklist2: {
      ListBuilder b(limits);
      if (!ReadList(in, type, scratch, b)) return false;
      *out = FinishUnlessEmpty(b, key, expire_ms);
      return true;
    }
    case kTypeSet:
    case kTypeSetIntset:
    case kTypeSetListpack: {
      SetBuilder b(limits);
      auto add = [&](std::string_view e) { return b.Add(e); };
      const bool ok = type == kTypeSet          ? in.ReadCount(&count, 1) && ReadStrings(in, count, scratch, add)
                      : type == kTypeSetIntset ? ReadBlob(in, scratch, WalkIntset, add, "intset")
                                               : ReadBlob(in, scratch, WalkListpack, add, "listpack");
      if (!ok) return false;
      *out = FinishUnlessEmpty(b, key, expire_ms);
      return true;
    }
    case kTypeZSet:
    case kTypeZSet2: {
      if (!in.ReadCount(&count, 2)) return false;
      ZSetBuilder b(limits, count);
      if (!ReadZSetPairs(in, count, type == kTypeZSet, scratch, b)) return false;
      *out = FinishUnlessEmpty(b, key, expire_ms);
      return true;
    }
    case kTypeZSetZiplist:
    case kTypeZSetListpack: {
      ZSetBuilder b(limits, 0);
      auto add = [&](std::string_view e) { return b.AddElement(e); };
      const bool ok = type == kTypeZSetZiplist ? ReadBlob(in, scratch, WalkZiplist, add, "ziplist")
                                               : ReadBlob(in, scratch, WalkListpack, add, "listpack");
      if (!ok) return false;
      if (!b.complete()) return in.Fail("sorted set blob with a member but no score");
      *out = FinishUnlessEmpty(b, key, expire_ms);
      return true;
    }
    case kTypeHash: {
      if (!in.ReadCount(&count, 2)) return false;
      HashBuilder b(limits, count);
      auto add = [&](std::string_view e) { return b.Add(e); };
      if (!ReadStrings(in, count * 2, scratch, add)) return false;
      *out = FinishUnlessEmpty(b, key, expire_ms);
      return true;
    }
    case kTypeHashZipmap:
    case kTypeHashZiplist:
    case kTypeHashListpack: {
      HashBuilder b(limits, 0);
      auto add = [&](std::string_view e) { return b.Add(e); };
      const bool ok = type == kTypeHashZipmap    ? ReadBlob(in, scratch, WalkZipmap, add, "zipmap")
                      : type == kTypeHashZiplist ? ReadBlob(in, scratch, WalkZiplist, add, "ziplist")
                                                 : ReadBlob(in, scratch, WalkListpack, add, "listpack");
      if (!ok) return false;
      if (!b.complete()) return in.Fail("hash blob with a field but no value");
      *out = FinishUnlessEmpty(b, key, expire_ms);
      return true;
    }
    case kTypeModulePreGa:
    case kTypeModule2: {
      uint64_t id = 0;
      in.ReadLength(&id);
      return RefuseType(in, key, type, "a value of module type '" + ModuleName(id) + "'");
    }
    case kTypeStreamListpacks:
    case kTypeStreamListpacks2:
    case kTypeStreamListpacks3:
      return RefuseType(in, key, type, "a stream");
    case kTypeHashMetadataPreGa:
    case kTypeHashListpackExPreGa:
    case kTypeHashMetadata:
    case kTypeHashListpackEx:
      return RefuseType(in, key, type, "a hash with field expiries");
    default:
      return in.Fail("unknown value type " + std::to_string(type));
  }
}

}  // namespace strata::rdb
