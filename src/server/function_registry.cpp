#include "server/function_registry.h"

#include <strings.h>

#include <fmt/format.h>

#include "common/error_texts.h"

namespace strata::server {
namespace {

constexpr std::string_view kEngine = "lua";

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string ParseLibraryMetadata(std::string_view code, Library* library) {
  if (!code.starts_with("#!")) return errors::kLibraryNoMetadata;
  const size_t eol = code.find('\n');
  if (eol == std::string_view::npos) return errors::kLibraryBadMetadata;
  std::string_view line = code.substr(2, eol - 2);
  const size_t space = line.find(' ');
  const std::string_view engine = line.substr(0, space);
  if (!EqualsNoCase(engine, kEngine)) return fmt::format(errors::kFmtLibraryEngine, engine);
  line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  std::optional<std::string_view> name;
  while (!line.empty()) {
    const size_t next = line.find(' ');
    const std::string_view part = line.substr(0, next);
    line = next == std::string_view::npos ? std::string_view() : line.substr(next + 1);
    if (part.empty()) continue;
    if (part.size() < 5 || !EqualsNoCase(part.substr(0, 5), "name=")) {
      return fmt::format(errors::kFmtLibraryMetadataValue, part);
    }
    if (name.has_value()) return errors::kLibraryNameTwice;
    name = part.substr(5);
  }
  if (!name.has_value()) return errors::kLibraryNoName;
  if (!ValidName(*name)) return std::string("ERR ") + errors::kLibraryNameChars;
  library->name = std::string(*name);
  library->code = std::string(code);
  library->code_offset = eol;
  return {};
}

std::shared_ptr<const Library> FunctionRegistry::Compile(std::string_view code, std::string* error) const {
  auto library = std::make_shared<Library>();
  *error = ParseLibraryMetadata(code, library.get());
  if (!error->empty()) return nullptr;
  if (compiler_ == nullptr) {  // a server built without scripting (unit tests)
    *error = fmt::format(errors::kFmtLibraryEngine, library->name);
    return nullptr;
  }
  if (!compiler_(library.get(), error)) return nullptr;
  if (library->functions.empty()) {
    *error = errors::kLibraryNoFunctions;
    return nullptr;
  }
  return library;
}

bool FunctionRegistry::Join(std::span<const std::shared_ptr<const Library>> libs, bool replace, bool restoring,
                            LibraryMap* libraries, FunctionMap* functions, std::string* error) {
  for (const std::shared_ptr<const Library>& lib : libs) {
    auto old = libraries->find(lib->name);
    if (old != libraries->end()) {
      if (!replace) {
        *error = fmt::format(fmt::runtime(restoring ? errors::kFmtRestoreLibraryExists : errors::kFmtLibraryExists),
                             lib->name);
        return false;
      }
      for (const FunctionInfo& f : old->second->functions) functions->erase(f.name);
      libraries->erase(old);
    }
    for (const FunctionInfo& f : lib->functions) {
      if (functions->contains(f.name)) {
        *error = fmt::format(errors::kFmtFunctionExists, f.name);
        return false;
      }
    }
    for (const FunctionInfo& f : lib->functions) functions->emplace(f.name, std::make_pair(lib, &f));
    libraries->emplace(lib->name, lib);
  }
  return true;
}

void FunctionRegistry::Install(LibraryMap libraries, FunctionMap functions) {
  libraries_ = std::move(libraries);
  functions_ = std::move(functions);
  generation_.fetch_add(1, std::memory_order_release);
}

bool FunctionRegistry::Load(std::string_view code, bool replace, std::string* name, std::string* error) {
  Library parsed;
  *error = ParseLibraryMetadata(code, &parsed);
  if (!error->empty()) return false;
  if (!replace) {
    std::lock_guard<std::mutex> lock(mu_);
    if (libraries_.contains(parsed.name)) {
      *error = fmt::format(errors::kFmtLibraryExists, parsed.name);
      return false;
    }
  }
  std::shared_ptr<const Library> lib = Compile(code, error);
  if (lib == nullptr) return false;
  std::lock_guard<std::mutex> lock(mu_);
  LibraryMap libraries = libraries_;
  FunctionMap functions = functions_;
  if (!Join({&lib, 1}, replace, false, &libraries, &functions, error)) return false;
  Install(std::move(libraries), std::move(functions));
  *name = lib->name;
  return true;
}

bool FunctionRegistry::Restore(std::span<const std::string> codes, RestorePolicy policy, std::string* error) {
  std::vector<std::shared_ptr<const Library>> libs;
  LibraryMap own_libraries;
  FunctionMap own_functions;
  for (const std::string& code : codes) {
    libs.push_back(Compile(code, error));
    if (libs.back() == nullptr) return false;
    if (!Join({&libs.back(), 1}, false, false, &own_libraries, &own_functions, error)) return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  LibraryMap libraries;
  FunctionMap functions;
  if (policy != RestorePolicy::kFlush) {
    libraries = libraries_;
    functions = functions_;
  }
  if (!Join(libs, policy == RestorePolicy::kReplace, true, &libraries, &functions, error)) return false;
  Install(std::move(libraries), std::move(functions));
  return true;
}

bool FunctionRegistry::Delete(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = libraries_.find(name);
  if (it == libraries_.end()) return false;
  for (const FunctionInfo& f : it->second->functions) functions_.erase(f.name);
  libraries_.erase(it);
  generation_.fetch_add(1, std::memory_order_release);
  return true;
}

void FunctionRegistry::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  Install({}, {});
}

FunctionRegistry::Found FunctionRegistry::Find(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = functions_.find(name);
  if (it == functions_.end()) return {};
  return {it->second.first, it->second.second, generation()};
}

std::vector<std::shared_ptr<const Library>> FunctionRegistry::Libraries() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<const Library>> out;
  out.reserve(libraries_.size());
  for (const auto& [name, lib] : libraries_) out.push_back(lib);
  return out;
}

size_t FunctionRegistry::library_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return libraries_.size();
}

size_t FunctionRegistry::function_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return functions_.size();
}

size_t FunctionRegistry::code_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t bytes = 0;
  for (const auto& [name, lib] : libraries_) bytes += lib->code.size();
  return bytes;
}

}  // namespace strata::server
