#include "store/string_ops.h"

namespace strata::store {

SetOutcome SetString(Db& db, std::string_view key, std::string_view value, const SetParams& params) {
  SetOutcome out;
  EntryRef ref = db.FindForWrite(key);
  if (params.get_old && ref) {
    if (ref->type() != ValueType::kString) {
      out.status = OpStatus::kWrongType;
      return out;
    }
    out.had_old = true;
    out.old_value.assign(ref->string_value());
  }
  if ((params.condition == SetParams::Condition::kIfAbsent && ref) ||
      (params.condition == SetParams::Condition::kIfPresent && !ref)) {
    out.status = OpStatus::kNotDone;
    return out;
  }
  const int64_t expire = params.keep_ttl && ref ? ref->expire_ms() : params.expire_ms;
  Entry* fresh = Entry::NewString(key, value, ChooseStringEncoding(value), expire);
  if (ref) {
    fresh->set_access(ref->access());
    Entry* old = ref.entry;
    db.Replace(&ref, fresh);
    Entry::Destroy(old);
  } else {
    db.Insert(fresh);
  }
  db.MarkModified(key);
  return out;
}

OpStatus GetString(Db& db, std::string_view key, std::string_view* value) {
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kString, &ref);
  if (status == OpStatus::kOk) *value = ref->string_value();
  return status;
}

}  // namespace strata::store
