#include "rdb/rdb_parser.h"

#include <cstring>

#include "rdb/crc64.h"
#include "rdb/format.h"
#include "rdb/rdb_input.h"
#include "rdb/value_reader.h"

namespace strata::rdb {
namespace {

// Reads "REDIS" and the four-digit version.
bool ReadHeader(RdbInput& in, int* version) {
  std::string_view h;
  if (!in.ReadBytes(kHeaderSize, &h)) return false;
  if (h.substr(0, 5) != kMagic) return in.Refuse("not an RDB file: no REDIS signature at offset 0");
  int v = 0;
  for (char c : h.substr(5)) {
    if (c < '0' || c > '9') return in.Refuse("bad RDB version digits at offset 5");
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > kMaxReadVersion) {
    return in.Refuse("RDB format version " + std::to_string(v) + " is not one Strata reads (1 to " +
                     std::to_string(kMaxReadVersion) + ")");
  }
  *version = v;
  return true;
}

// Checks the trailer after EOF: from version 5 an 8-byte CRC-64 of everything before it, where
// zero means the writer did not compute one (rdbchecksum no).
bool CheckTrailer(RdbInput& in, std::string_view file, int version) {
  if (version < 5) return true;
  const size_t covered = in.offset();
  uint64_t stored;
  if (!in.ReadLe64(&stored)) return false;
  if (stored != 0 && stored != Crc64(0, file.data(), covered)) {
    return in.Refuse("bad checksum at offset " + std::to_string(covered));
  }
  return true;
}

// Reads one MODULE_AUX record header and refuses it: without the module its data cannot be read.
bool RefuseModuleAux(RdbInput& in) {
  uint64_t id;
  if (!in.ReadLength(&id)) return false;
  return in.Refuse("the file holds auxiliary data of module '" + ModuleName(id) +
                   "' (MODULE_AUX), which Strata cannot represent");
}

}  // namespace

bool ParseRdb(std::string_view file, const store::EncodingLimits& limits, RdbVisitor* visitor, std::string* error) {
  RdbInput in(file);
  std::string scratch, key_buf, aux_buf;
  int version = 0;
  auto fail = [&] {
    *error = in.error();
    return false;
  };
  if (!ReadHeader(in, &version)) return fail();
  visitor->OnVersion(version);
  int db = 0;
  ParsedKey pending;
  int64_t expire_ms = store::kNoExpire;
  size_t record_start = in.offset();
  while (true) {
    const size_t op_at = in.offset();
    uint8_t op;
    if (!in.ReadByte(&op)) return fail();
    switch (op) {
      case kOpEof:
        if (!CheckTrailer(in, file, version)) return fail();
        return true;
      case kOpSelectDb: {
        uint64_t index;
        if (!in.ReadLength(&index)) return fail();
        std::string why;
        if (!visitor->OnSelectDb(index, &why)) {
          in.Refuse(why + " (SELECTDB at offset " + std::to_string(op_at) + ")");
          return fail();
        }
        db = static_cast<int>(index);
        break;
      }
      case kOpResizeDb: {
        uint64_t keys, expires;
        if (!in.ReadLength(&keys) || !in.ReadLength(&expires)) return fail();
        visitor->OnResizeDb(db, keys, expires);
        break;
      }
      case kOpAux: {
        std::string_view name, value;
        if (!in.ReadString(&aux_buf, &name)) return fail();
        const std::string owned(name);
        if (!in.ReadString(&scratch, &value)) return fail();
        visitor->OnAux(owned, value);
        break;
      }
      case kOpExpireTimeMs: {
        uint64_t ms;
        if (!in.ReadLe64(&ms)) return fail();
        expire_ms = static_cast<int64_t>(ms);
        continue;  // part of the next key's record
      }
      case kOpExpireTime: {
        uint32_t s;
        if (!in.ReadLe32(&s)) return fail();
        expire_ms = static_cast<int64_t>(static_cast<int32_t>(s)) * 1000;
        continue;
      }
      case kOpIdle: {
        uint64_t idle;
        if (!in.ReadLength(&idle)) return fail();
        pending.idle_seconds = static_cast<int64_t>(idle);
        continue;
      }
      case kOpFreq: {
        uint8_t freq;
        if (!in.ReadByte(&freq)) return fail();
        pending.freq = freq;
        continue;
      }
      case kOpModuleAux:
        RefuseModuleAux(in);
        return fail();
      case kOpFunctionPreGa:
        // Redis 7.0's release candidates: Redis 7.0 itself refuses these.
        in.Refuse("the file holds a function library in the pre-GA format (FUNCTION opcode), which Strata cannot "
                  "read");
        return fail();
      case kOpFunction2: {
        std::string_view code;
        if (!in.ReadString(&scratch, &code)) return fail();
        visitor->OnFunction(code);
        break;
      }
      case kOpSlotInfo: {
        uint64_t ignored;
        if (!in.ReadLength(&ignored) || !in.ReadLength(&ignored) || !in.ReadLength(&ignored)) return fail();
        break;
      }
      default: {
        if (!KnownValueType(op)) {
          in.FailAt(op_at, "unknown value type " + std::to_string(op));
          return fail();
        }
        std::string_view key;
        if (!in.ReadString(&key_buf, &key)) return fail();
        store::Entry* entry = nullptr;
        if (!ReadValue(in, op, key, expire_ms, limits, &scratch, &entry)) return fail();
        pending.db = db;
        pending.type = op;
        pending.offset = record_start;
        pending.bytes = in.offset() - record_start;
        if (entry == nullptr) {
          visitor->OnEmptyKey(db);
        } else {
          pending.entry = entry;
          std::string why;
          if (!visitor->OnKey(pending, &why)) {
            *error = why;
            return false;
          }
        }
        pending = ParsedKey();
        expire_ms = store::kNoExpire;
        break;
      }
    }
    record_start = in.offset();
  }
}

}  // namespace strata::rdb
