// Walks a whole RDB file: the header, every opcode, every key with its value built as an entry,
// the EOF marker and the checksum. What happens to each key is the visitor's business, so the
// loader (LoadSnapshot) and strata-check-rdb share one parser.
#ifndef STRATA_RDB_RDB_PARSER_H_
#define STRATA_RDB_RDB_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "store/encoding_limits.h"
#include "store/entry.h"

namespace strata::rdb {

// One key as the file gives it.
struct ParsedKey {
  int db = 0;
  store::Entry* entry = nullptr;  // owned by the visitor from OnKey on
  uint8_t type = 0;               // the RDB type byte (the source encoding)
  int64_t idle_seconds = -1;      // from an IDLE opcode, or -1
  int freq = -1;                  // from a FREQ opcode (an LFU counter), or -1
  size_t offset = 0;              // where the key's record starts in the file
  size_t bytes = 0;               // bytes of the record (opcodes before it included)
};

class RdbVisitor {
 public:
  virtual ~RdbVisitor() = default;
  // The file's format version, once the header is read.
  virtual void OnVersion(int /*version*/) {}
  // An AUX field (redis-ver, ctime ...).
  virtual void OnAux(std::string_view /*name*/, std::string_view /*value*/) {}
  // SELECTDB. Returns false with *error set to refuse the file (a database we do not have).
  virtual bool OnSelectDb(uint64_t db, std::string* error) = 0;
  // RESIZEDB: the selected database's key and expiry counts, a size hint.
  virtual void OnResizeDb(int /*db*/, uint64_t /*keys*/, uint64_t /*expires*/) {}
  // A key. The visitor owns key.entry. Returns false with *error set to stop (a duplicate key).
  virtual bool OnKey(const ParsedKey& key, std::string* error) = 0;
  // A function library's code (a FUNCTION2 record).
  virtual void OnFunction(std::string_view /*code*/) {}
  // An empty collection the file held; skipped, as Redis skips it.
  virtual void OnEmptyKey(int /*db*/) {}
};

// Parses `file` (the whole file), calling `visitor` for each record. Values are built in the
// encodings `limits` choose. Returns false with *error set on damage ("... at offset N"), on a
// version outside 1..kMaxReadVersion, on something Strata cannot represent (named), or when the
// visitor refused (its message).
bool ParseRdb(std::string_view file, const store::EncodingLimits& limits, RdbVisitor* visitor, std::string* error);

}  // namespace strata::rdb

#endif  // STRATA_RDB_RDB_PARSER_H_
