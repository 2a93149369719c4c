// Memory that a forked child does not inherit.
#ifndef STRATA_COMMON_FORK_PRIVATE_H_
#define STRATA_COMMON_FORK_PRIVATE_H_

#include <sys/mman.h>

#include <cstddef>
#include <new>

namespace strata {

// An array of `size` default-constructed T in pages marked MADV_DONTFORK: a child process made by
// fork() has no mapping there (touching it would fault), and the parent's writes after a fork copy
// no page. For what the parent writes right after a snapshot's fork() while the child never reads
// it: the stripe locks, held across fork() and released at once, would otherwise cost a
// copy-on-write fault (and, with several threads, a TLB shoot-down) per page of locks.
// Not copyable; destroys its elements and unmaps on destruction. Thread-safety is T's.
template <typename T>
class ForkPrivateArray {
 public:
  explicit ForkPrivateArray(size_t size) : size_(size) {
    void* p = mmap(nullptr, Bytes(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    // Without it the array still works; a fork then merely copies its pages.
    (void)madvise(p, Bytes(), MADV_DONTFORK);
    data_ = static_cast<T*>(p);
    for (size_t i = 0; i < size_; ++i) new (&data_[i]) T();
  }
  ~ForkPrivateArray() {
    for (size_t i = 0; i < size_; ++i) data_[i].~T();
    munmap(data_, Bytes());
  }
  ForkPrivateArray(const ForkPrivateArray&) = delete;
  ForkPrivateArray& operator=(const ForkPrivateArray&) = delete;

  T& operator[](size_t i) { return data_[i]; }

 private:
  size_t Bytes() const { return size_ * sizeof(T); }

  size_t size_;
  T* data_;
};

}  // namespace strata

#endif  // STRATA_COMMON_FORK_PRIVATE_H_
