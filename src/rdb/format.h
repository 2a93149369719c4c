// The constants of Redis's RDB file format, shared by the writer and the reader.
//
// Numbers are fixed by the format (Redis's rdb.h assigns them); docs/rdb-format.md describes how
// they are used. Only the values live here; the byte layouts are in rdb_writer.cpp and
// rdb_reader.cpp.
#ifndef STRATA_RDB_FORMAT_H_
#define STRATA_RDB_FORMAT_H_

#include <cstdint>

namespace strata::rdb {

// The version Strata writes (Redis 7.0's) and the newest it reads (Redis 7.4 and 8.x).
inline constexpr int kWriteVersion = 10;
inline constexpr int kMaxReadVersion = 12;

// "REDIS" followed by the version as four ASCII digits.
inline constexpr char kMagic[] = "REDIS";
inline constexpr size_t kHeaderSize = 9;

// Value types: the byte before a key.
enum ValueTypeByte : uint8_t {
  kTypeString = 0,
  kTypeList = 1,             // a list of strings (before quicklists)
  kTypeSet = 2,
  kTypeZSet = 3,             // scores as ASCII strings
  kTypeHash = 4,
  kTypeZSet2 = 5,            // scores as binary doubles
  kTypeModulePreGa = 6,
  kTypeModule2 = 7,
  kTypeHashZipmap = 9,
  kTypeListZiplist = 10,
  kTypeSetIntset = 11,
  kTypeZSetZiplist = 12,
  kTypeHashZiplist = 13,
  kTypeListQuicklist = 14,   // nodes are ziplists
  kTypeStreamListpacks = 15,
  kTypeHashListpack = 16,
  kTypeZSetListpack = 17,
  kTypeListQuicklist2 = 18,  // nodes are listpacks or plain strings
  kTypeStreamListpacks2 = 19,
  kTypeSetListpack = 20,
  kTypeStreamListpacks3 = 21,
  // Hashes with field expiries (Redis 7.4+): Strata cannot represent them.
  kTypeHashMetadataPreGa = 22,
  kTypeHashListpackExPreGa = 23,
  kTypeHashMetadata = 24,
  kTypeHashListpackEx = 25,
};

// Opcodes: bytes in a type's place that are not values.
enum Opcode : uint8_t {
  kOpSlotInfo = 244,
  kOpFunction2 = 245,
  kOpFunctionPreGa = 246,
  kOpModuleAux = 247,
  kOpIdle = 248,          // LRU idle seconds of the next key
  kOpFreq = 249,          // LFU counter of the next key
  kOpAux = 250,           // a key/value pair of metadata
  kOpResizeDb = 251,      // table size hints for the selected database
  kOpExpireTimeMs = 252,  // the next key's deadline, Unix ms, 8 bytes little-endian
  kOpExpireTime = 253,    // the next key's deadline, Unix seconds, 4 bytes (old files)
  kOpSelectDb = 254,
  kOpEof = 255,
};

// Length encoding: the top two bits of the first byte.
inline constexpr uint8_t kLen6Bit = 0;      // 00xxxxxx
inline constexpr uint8_t kLen14Bit = 1;     // 01xxxxxx xxxxxxxx (big-endian)
inline constexpr uint8_t kLen32Bit = 0x80;  // 10000000 + 4 bytes big-endian
inline constexpr uint8_t kLen64Bit = 0x81;  // 10000001 + 8 bytes big-endian
inline constexpr uint8_t kLenEncoded = 3;   // 11xxxxxx: a special string encoding follows

// Special string encodings (the low six bits after kLenEncoded).
inline constexpr uint8_t kEncInt8 = 0;
inline constexpr uint8_t kEncInt16 = 1;
inline constexpr uint8_t kEncInt32 = 2;
inline constexpr uint8_t kEncLzf = 3;

// Quicklist 2 node containers.
inline constexpr uint8_t kQuicklistNodePlain = 1;
inline constexpr uint8_t kQuicklistNodePacked = 2;

// The DUMP payload's trailer: the RDB version (2 bytes little-endian) and a CRC-64 (8 bytes).
inline constexpr size_t kDumpTrailerSize = 10;

}  // namespace strata::rdb

#endif  // STRATA_RDB_FORMAT_H_
