#include "rdb/rdb_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "common/numbers.h"
#include "rdb/crc64.h"
#include "rdb/format.h"
#include "rdb/value_encoder.h"

namespace strata::rdb {

namespace {

// The "redis-ver" aux field: the version INFO and HELLO report, so tools reading the file see
// the Redis it is compatible with.
constexpr std::string_view kRedisVersion = "7.0.15";
// The buffer is handed to write(2) once it holds this much: large writes, bounded memory.
constexpr size_t kFlushThreshold = size_t{1} << 20;
// How many slots ahead of the one being written the entry is prefetched.
constexpr size_t kPrefetchDistance = 8;

std::string Failed(std::string_view call, std::string_view what, int err) {
  std::string text(call);
  text += "(";
  text += what;
  text += "): ";
  text += std::strerror(err);
  return text;
}

// The file being written: a buffer that goes to `fd` in large writes, with the CRC-64 of
// everything handed to it.
class FileSink {
 public:
  FileSink(int fd, bool checksum) : fd_(fd), checksum_(checksum) { buffer_.reserve(kFlushThreshold + 4096); }

  std::string* buffer() { return &buffer_; }
  uint64_t written() const { return written_ + buffer_.size(); }

  // Writes out the buffer if it has grown past the threshold. Returns false with *error set.
  bool MaybeFlush(std::string* error) { return buffer_.size() < kFlushThreshold || Flush(error); }

  // Writes out the whole buffer. Returns false with *error set.
  bool Flush(std::string* error) {
    if (checksum_) crc_ = Crc64(crc_, buffer_.data(), buffer_.size());
    const char* p = buffer_.data();
    size_t left = buffer_.size();
    while (left > 0) {
      const ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        *error = Failed("write", "rdb file", errno);
        return false;
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    written_ += buffer_.size();
    buffer_.clear();
    return true;
  }

  // The CRC of everything before the buffer's unflushed bytes, extended over them. 0 when the
  // checksum is off, as Redis writes it then.
  uint64_t Checksum() const { return checksum_ ? Crc64(crc_, buffer_.data(), buffer_.size()) : 0; }

 private:
  int fd_;
  bool checksum_;
  std::string buffer_;
  uint64_t crc_ = 0;
  uint64_t written_ = 0;
};

void AuxField(ValueEncoder& enc, std::string_view key, std::string_view value) {
  enc.Byte(kOpAux);
  enc.String(key);
  enc.String(value);
}

void AuxField(ValueEncoder& enc, std::string_view key, int64_t value) {
  char buf[kMaxInt64Chars];
  AuxField(enc, key, std::string_view(buf, FormatInt64(value, buf)));
}

void FunctionRecord(ValueEncoder& enc, std::string_view code) {
  enc.Byte(kOpFunction2);
  enc.String(code);
}

// The DUMP payload's trailer after the `out` written so far: the RDB version and the CRC-64.
void DumpTrailer(ValueEncoder& enc, std::string* out) {
  enc.Byte(static_cast<uint8_t>(kWriteVersion & 0xff));
  enc.Byte(static_cast<uint8_t>(kWriteVersion >> 8));
  enc.Fixed64(Crc64(0, out->data(), out->size()));
}

void Header(ValueEncoder& enc, std::string* out, const SaveOptions& options) {
  char magic[kHeaderSize + 1];
  std::snprintf(magic, sizeof(magic), "%s%04d", kMagic, kWriteVersion);
  out->append(magic, kHeaderSize);
  // Exactly Redis 7.0's fields for a plain save (no replication info), in its order.
  AuxField(enc, "redis-ver", kRedisVersion);
  AuxField(enc, "redis-bits", static_cast<int64_t>(sizeof(void*) * 8));
  AuxField(enc, "ctime", options.now_ms / 1000);
  AuxField(enc, "used-mem", static_cast<int64_t>(options.used_memory));
  AuxField(enc, "aof-base", 0);
  for (const std::string& code : options.functions) FunctionRecord(enc, code);
}

// The opcodes before a key: its deadline, then its access information.
void KeyPrefix(ValueEncoder& enc, const store::Entry& entry, const SaveOptions& options, uint32_t lru_clock) {
  if (entry.has_expire()) {
    enc.Byte(kOpExpireTimeMs);
    enc.Fixed64(static_cast<uint64_t>(entry.expire_ms()));
  }
  switch (options.access) {
    case AccessOpcode::kNone: break;
    case AccessOpcode::kLruIdle:
      // The access field is the LRU clock (seconds) of the last access.
      enc.Byte(kOpIdle);
      enc.Length(lru_clock > entry.access() ? lru_clock - entry.access() : 0);
      break;
    case AccessOpcode::kLfuFreq:
      // Under an LFU policy the access field holds the counter, which FREQ carries in one byte.
      enc.Byte(kOpFreq);
      enc.Byte(static_cast<uint8_t>(store::LfuCounter(entry.access())));
      break;
  }
}

// Writes database `db` if it has keys. Returns false with *error set when a write fails.
bool WriteDatabase(store::Keyspace& keyspace, int db, const SaveOptions& options, ValueEncoder& enc, FileSink& sink,
                   SaveStats* stats, std::string* error) {
  uint64_t keys = 0;
  uint64_t volatile_keys = 0;
  for (size_t s = 0; s < store::kStripes; ++s) {
    const store::KeyTable& table = keyspace.stripe(db, s).table;
    keys += table.size();
    volatile_keys += table.volatile_count();
  }
  if (keys == 0) return true;
  enc.Byte(kOpSelectDb);
  enc.Length(static_cast<uint64_t>(db));
  enc.Byte(kOpResizeDb);
  enc.Length(keys);
  enc.Length(volatile_keys);
  const uint32_t lru_clock = keyspace.lru_clock();
  // Every stored key, expired ones included, as Redis saves them: loading drops the expired.
  for (size_t s = 0; s < store::kStripes; ++s) {
    const store::KeyTable& table = keyspace.stripe(db, s).table;
    const size_t capacity = table.capacity();
    for (size_t i = 0; i < capacity; ++i) {
      // Entries are scattered over the heap: fetching one a few slots ahead hides most of the
      // cache misses that otherwise dominate the save.
      if (i + kPrefetchDistance < capacity) __builtin_prefetch(table.At(i + kPrefetchDistance));
      const store::Entry* entry = table.At(i);
      if (entry == nullptr) continue;
      KeyPrefix(enc, *entry, options, lru_clock);
      enc.Byte(ValueEncoder::TypeByte(*entry));
      enc.String(entry->key());
      enc.Value(*entry);
      ++stats->keys;
      if (!sink.MaybeFlush(error)) return false;
      if (options.key_save_delay_us > 0) ::usleep(static_cast<useconds_t>(options.key_save_delay_us));
    }
  }
  return true;
}

// Closes `fd` (unless -1) and removes the unfinished file `path`.
void Discard(int fd, const std::string& path) {
  if (fd >= 0) ::close(fd);
  ::unlink(path.c_str());
}

}  // namespace

bool WriteSnapshot(store::Keyspace& keyspace, const SaveOptions& options, int fd, SaveStats* stats,
                   std::string* error) {
  *stats = SaveStats();
  FileSink sink(fd, options.checksum);
  ValueEncoder enc(sink.buffer(), options.compress);
  Header(enc, sink.buffer(), options);
  for (int db = 0; db < keyspace.databases(); ++db) {
    if (!WriteDatabase(keyspace, db, options, enc, sink, stats, error)) return false;
  }
  enc.Byte(kOpEof);
  enc.Fixed64(sink.Checksum());
  if (!sink.Flush(error)) return false;
  stats->bytes = sink.written();
  return true;
}

bool SaveSnapshotFile(store::Keyspace& keyspace, const SaveOptions& options, const std::string& dir,
                      const std::string& filename, SaveStats* stats, std::string* error) {
  const std::string temp = dir + "/temp-" + std::to_string(::getpid()) + ".rdb";
  const std::string target = dir + "/" + filename;
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = Failed("open", temp, errno);
    return false;
  }
  if (!WriteSnapshot(keyspace, options, fd, stats, error)) {
    Discard(fd, temp);
    return false;
  }
  if (::fsync(fd) != 0) {
    *error = Failed("fsync", temp, errno);
    Discard(fd, temp);
    return false;
  }
  if (::close(fd) != 0) {
    *error = Failed("close", temp, errno);
    Discard(-1, temp);
    return false;
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    *error = Failed("rename", temp + " to " + target, errno);
    Discard(-1, temp);
    return false;
  }
  // Makes the rename durable. The new file is in place whatever this reports.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    *error = Failed("open", dir, errno);
    return false;
  }
  const bool synced = ::fsync(dir_fd) == 0;
  if (!synced) *error = Failed("fsync", dir, errno);
  ::close(dir_fd);
  return synced;
}

std::string EncodeDump(const store::Entry& entry, bool compress) {
  std::string out;
  ValueEncoder enc(&out, compress);
  enc.Byte(ValueEncoder::TypeByte(entry));
  enc.Value(entry);
  DumpTrailer(enc, &out);
  return out;
}

std::string EncodeFunctionsDump(std::span<const std::string> codes, bool compress) {
  std::string out;
  ValueEncoder enc(&out, compress);
  for (const std::string& code : codes) FunctionRecord(enc, code);
  DumpTrailer(enc, &out);
  return out;
}

}  // namespace strata::rdb
