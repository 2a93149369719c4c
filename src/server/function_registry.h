// The function libraries FUNCTION LOAD made known (Redis 7 functions), shared by every io-thread.
//
// The registry keeps each library's code and what its load registered (function names, flags,
// descriptions); compiling and running the Lua is the scripting layer's business, reached through
// the Compiler the server is given at start-up. Each io-thread loads a library into its own Lua
// state on first use; every change moves the generation, which tells those states to drop the
// libraries they loaded (as SCRIPT FLUSH does for EVAL's scripts).
#ifndef STRATA_SERVER_FUNCTION_REGISTRY_H_
#define STRATA_SERVER_FUNCTION_REGISTRY_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/script_cache.h"

namespace strata::server {

// One function a library registered.
struct FunctionInfo {
  std::string name;
  std::optional<std::string> description;
  uint32_t flags = 0;             // scripting::ScriptFlag bits
  mutable ScriptProfile profile;  // what its runs taught (see DEVELOPING.md "Scripts and locks")
};

// One library: immutable once registered (but for the profiles), shared so that a run keeps it
// while FUNCTION DELETE or FLUSH drops it.
struct Library {
  std::string name;
  std::string code;         // the whole text, shebang included
  size_t code_offset = 0;   // where the Lua starts (the shebang's newline kept: line numbers hold)
  std::deque<FunctionInfo> functions;  // in registration order
};

// The library named by the shebang of `code` ("#!lua name=mylib"): sets library->name and
// ->code_offset. Returns Redis's error reply, or "" when the metadata is good.
std::string ParseLibraryMetadata(std::string_view code, Library* library);

// Runs the library's Lua once to learn its functions (fills library->functions). Returns false
// with Redis's error reply in *error. REQUIRES: ParseLibraryMetadata filled `library`.
using LibraryCompiler = bool (*)(Library* library, std::string* error);

// Thread-safe.
class FunctionRegistry {
 public:
  enum class RestorePolicy { kAppend, kReplace, kFlush };

  FunctionRegistry() = default;
  FunctionRegistry(const FunctionRegistry&) = delete;
  FunctionRegistry& operator=(const FunctionRegistry&) = delete;

  // Set once at start-up, before the first Load.
  void set_compiler(LibraryCompiler compiler) { compiler_ = compiler; }

  // FUNCTION LOAD: the library `code`, replacing one of its name when `replace`. Returns false
  // with Redis's error reply in *error (and nothing changed); sets *name to the library's name.
  bool Load(std::string_view code, bool replace, std::string* name, std::string* error);
  // FUNCTION RESTORE and loading a snapshot: every library of `codes`, all or none. Returns false
  // with Redis's error reply in *error (and nothing changed).
  bool Restore(std::span<const std::string> codes, RestorePolicy policy, std::string* error);
  // FUNCTION DELETE: false when no library has that name.
  bool Delete(std::string_view name);
  // FUNCTION FLUSH.
  void Flush();

  // The function `name` and its library, or a null library.
  struct Found {
    std::shared_ptr<const Library> library;
    const FunctionInfo* function = nullptr;
    uint64_t generation = 0;  // the registry's at the lookup
  };
  Found Find(std::string_view name) const;
  // Every library, by name.
  std::vector<std::shared_ptr<const Library>> Libraries() const;

  // Moves on every change; a Lua state that loaded libraries at another generation drops them.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  size_t library_count() const;
  size_t function_count() const;
  size_t code_bytes() const;  // INFO's used_memory_functions

 private:
  using LibraryMap = std::map<std::string, std::shared_ptr<const Library>, std::less<>>;
  using FunctionMap = std::map<std::string, std::pair<std::shared_ptr<const Library>, const FunctionInfo*>, std::less<>>;

  // Parses and compiles `code` outside the lock.
  std::shared_ptr<const Library> Compile(std::string_view code, std::string* error) const;
  // Adds `libs` to `libraries`/`functions` (replacing libraries of the same names when
  // `replace`), or returns false with the error. REQUIRES: mu_ held, or private maps.
  static bool Join(std::span<const std::shared_ptr<const Library>> libs, bool replace, bool restoring,
                   LibraryMap* libraries, FunctionMap* functions, std::string* error);
  void Install(LibraryMap libraries, FunctionMap functions);  // REQUIRES: mu_ held

  LibraryCompiler compiler_ = nullptr;
  mutable std::mutex mu_;
  LibraryMap libraries_;  // under mu_
  FunctionMap functions_;  // under mu_
  std::atomic<uint64_t> generation_{0};
};

}  // namespace strata::server

#endif  // STRATA_SERVER_FUNCTION_REGISTRY_H_
