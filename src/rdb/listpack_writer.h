// Builds Redis listpacks (the byte strings RDB files hold for small hashes, sorted sets and list
// nodes) from elements, or wraps entries that are already encoded (a list node's bytes).
#ifndef STRATA_RDB_LISTPACK_WRITER_H_
#define STRATA_RDB_LISTPACK_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace strata::rdb {

// One listpack at a time: Add elements, then Finish. The buffer is reused across listpacks, so one
// writer per snapshot allocates only while its largest listpack grows. Not thread-safe.
class ListpackWriter {
 public:
  // Starts a new, empty listpack, dropping anything unfinished.
  void Begin();
  // Appends `value`, as an integer entry when it is a canonical 64-bit integer.
  void Add(std::string_view value);
  // Appends `count` entries already in listpack encoding (store/listpack_entry.h).
  void AddEncoded(uint32_t count, std::string_view entries);
  // Writes the header and end byte and returns the listpack, valid until the next Begin.
  // Counts of 65535 or more are recorded as 65535 ("unknown"), as Redis does.
  std::string_view Finish();

 private:
  std::string bytes_;
  size_t count_ = 0;
};

}  // namespace strata::rdb

#endif  // STRATA_RDB_LISTPACK_WRITER_H_
