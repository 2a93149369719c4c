// CRC-64 as RDB files and DUMP payloads use it ("Jones" polynomial, reflected, initial value 0,
// no final xor): the 8-byte trailer of a dump and of a DUMP payload.
#ifndef STRATA_RDB_CRC64_H_
#define STRATA_RDB_CRC64_H_

#include <cstddef>
#include <cstdint>

namespace strata::rdb {

// Returns the CRC of the bytes that produced `crc` followed by data[0, size). Start with 0.
// Thread-safe; processes eight bytes per step.
uint64_t Crc64(uint64_t crc, const void* data, size_t size);

}  // namespace strata::rdb

#endif  // STRATA_RDB_CRC64_H_
