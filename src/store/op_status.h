// What a store operation reports besides its value: success, or which rule it refused.
// Command handlers turn these into Redis's error replies (commands/reply_util.h).
#ifndef STRATA_STORE_OP_STATUS_H_
#define STRATA_STORE_OP_STATUS_H_

namespace strata::store {

enum class OpStatus {
  kOk,
  kNoKey,          // the key does not exist (callers decide whether that is an error)
  kNotDone,        // a condition (NX, XX, GT ...) kept the operation from happening
  kWrongType,      // the key holds another type
  kNotInteger,     // the value is not an integer, or the result is out of range
  kNotFloat,       // the value is not a valid float
  kOverflow,       // increment or decrement would overflow
  kNanOrInfinity,  // a float result would be NaN or infinite
  kTooLarge,       // the result would exceed the maximum string size
  kOutOfRange,     // an index or offset beyond what the value allows
};

}  // namespace strata::store

#endif  // STRATA_STORE_OP_STATUS_H_
