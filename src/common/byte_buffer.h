// A growable byte buffer with a consumed front and writable tail space.
//
// Used as a connection's read buffer (the network writes into the tail, the parser consumes from
// the front) and as its reply buffer (replies append, the writer drains). Not thread-safe: each
// buffer belongs to one connection, and so to one thread.
#ifndef STRATA_COMMON_BYTE_BUFFER_H_
#define STRATA_COMMON_BYTE_BUFFER_H_

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

namespace strata {

class ByteBuffer {
 public:
  ByteBuffer() = default;
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;
  ByteBuffer(ByteBuffer&& other) noexcept { Swap(other); }
  ByteBuffer& operator=(ByteBuffer&& other) noexcept {
    Swap(other);
    return *this;
  }
  ~ByteBuffer() { std::free(data_); }

  // The unconsumed bytes.
  const char* data() const { return data_ + begin_; }
  char* data() { return data_ + begin_; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return end_ == begin_; }
  std::string_view view() const { return std::string_view(data(), size()); }
  // Bytes allocated, consumed or not.
  size_t capacity() const { return capacity_; }

  // Appends `n` bytes.
  void Append(const char* bytes, size_t n) {
    if (n == 0) return;
    std::memcpy(PrepareAppend(n), bytes, n);
    end_ += n;
  }
  void Append(std::string_view s) { Append(s.data(), s.size()); }
  void Append(char c) {
    *PrepareAppend(1) = c;
    ++end_;
  }

  // Returns a pointer to at least `n` writable bytes at the tail; CommitAppend(k) then publishes
  // k <= n of them. Moves the unconsumed bytes to the front or grows when needed, so pointers
  // into the buffer from before the call are invalidated.
  char* PrepareAppend(size_t n) {
    if (capacity_ - end_ < n) MakeRoom(n);
    return data_ + end_;
  }
  void CommitAppend(size_t n) { end_ += n; }
  // Writable bytes at the tail without moving anything.
  size_t tail_room() const { return capacity_ - end_; }

  // Drops `n` bytes from the front. REQUIRES: n <= size().
  void Consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  // Drops everything, keeping the allocation.
  void Clear() { begin_ = end_ = 0; }
  // Drops everything and returns the allocation if it grew beyond `keep` bytes, so one huge reply
  // or request does not pin its memory for the connection's lifetime.
  void ClearAndShrink(size_t keep) {
    Clear();
    if (capacity_ > keep) {
      std::free(data_);
      data_ = nullptr;
      capacity_ = 0;
    }
  }
  // Truncates the unconsumed bytes to `n`. REQUIRES: n <= size().
  void Truncate(size_t n) { end_ = begin_ + n; }

  void Swap(ByteBuffer& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(capacity_, other.capacity_);
    std::swap(begin_, other.begin_);
    std::swap(end_, other.end_);
  }

 private:
  void MakeRoom(size_t n) {
    const size_t live = end_ - begin_;
    // Reuse the consumed front when that alone makes room and the move is cheap relative to it.
    if (begin_ > 0 && capacity_ - live >= n && live <= begin_) {
      std::memmove(data_, data_ + begin_, live);
      begin_ = 0;
      end_ = live;
      return;
    }
    size_t want = capacity_ < 256 ? 256 : capacity_;
    while (want - live < n) want *= 2;
    char* fresh = static_cast<char*>(std::malloc(want));
    if (fresh == nullptr) throw std::bad_alloc();
    if (live > 0) std::memcpy(fresh, data_ + begin_, live);
    std::free(data_);
    data_ = fresh;
    capacity_ = want;
    begin_ = 0;
    end_ = live;
  }

  char* data_ = nullptr;
  size_t capacity_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace strata

#endif  // STRATA_COMMON_BYTE_BUFFER_H_
