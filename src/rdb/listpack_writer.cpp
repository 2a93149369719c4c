#include "rdb/listpack_writer.h"

#include "store/listpack_entry.h"

namespace strata::rdb {

namespace {

// The count field's value for "too many to count": readers walk the entries instead.
constexpr size_t kUnknownCount = 65535;

}  // namespace

void ListpackWriter::Begin() {
  bytes_.assign(store::listpack::kHeaderSize, '\0');
  count_ = 0;
}

void ListpackWriter::Add(std::string_view value) {
  const store::ListpackEntry entry(value);
  const size_t at = bytes_.size();
  bytes_.resize(at + entry.size);
  entry.Write(reinterpret_cast<unsigned char*>(bytes_.data() + at));
  ++count_;
}

void ListpackWriter::AddEncoded(uint32_t count, std::string_view entries) {
  bytes_.append(entries);
  count_ += count;
}

std::string_view ListpackWriter::Finish() {
  bytes_.push_back(static_cast<char>(store::listpack::kEnd));
  const auto total = static_cast<uint32_t>(bytes_.size());
  const auto count = static_cast<uint16_t>(count_ < kUnknownCount ? count_ : kUnknownCount);
  for (int i = 0; i < 4; ++i) bytes_[i] = static_cast<char>(total >> (8 * i));
  bytes_[4] = static_cast<char>(count);
  bytes_[5] = static_cast<char>(count >> 8);
  return bytes_;
}

}  // namespace strata::rdb
