// FUZZ_CHECK(cond): the fuzz targets' assertion, active whatever NDEBUG says; a failed check
// aborts, which libFuzzer reports as a crash with the input that caused it.
#ifndef STRATA_TESTS_FUZZ_FUZZ_CHECK_H_
#define STRATA_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                     \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "check failed: %s (line %d)\n", #cond, __LINE__); \
      std::abort();                                                          \
    }                                                                        \
  } while (0)

#endif  // STRATA_TESTS_FUZZ_FUZZ_CHECK_H_
