#include "server/config_loader.h"

#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "common/numbers.h"
#include "resp/request_parser.h"
#include "server/config_redis_defaults.h"

namespace strata::server {
namespace {

// Files being read, outermost first, by their canonical path (to refuse include loops).
using IncludeStack = std::vector<std::string>;

std::string FatalHeader() { return fmt::format("\n*** FATAL CONFIG FILE ERROR (Strata {}) ***\n", STRATA_VERSION); }

// What the directives change: the configuration, and the command table (rename-command).
struct Targets {
  Config* config;
  CommandTable* commands;  // null: rename-command is not accepted
};

// Applies one directive with its arguments; on failure fills *reason as redis-server words it.
bool ApplyDirective(const Targets& targets, const std::vector<std::string>& words, std::string* reason) {
  Config* config = targets.config;
  const std::string name = AsciiLower(words[0]);
  std::span<const std::string> args(words.data() + 1, words.size() - 1);
  if (name == "rename-command" && targets.commands != nullptr && args.size() == 2) {
    return targets.commands->Rename(args[0], args[1], reason);
  }
  if (args.size() == 1 && IsIgnoredRedisDirective(name)) return true;
  std::string error;
  if (config->Set(name, args, /*at_startup=*/true, &error)) return true;
  *reason = error == "unknown" ? "Bad directive or wrong number of arguments" : error;
  return false;
}

// Whether `path` names a file on `stack` (an include that would read itself again).
bool IncludesItself(const IncludeStack& stack, const std::string& path) {
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) return false;  // opening it reports the error
  for (const std::string& p : stack) {
    if (p == resolved) return true;
  }
  return false;
}

bool LoadFile(const Targets& targets, const std::string& path, IncludeStack* stack, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = fmt::format("Fatal error, can't open config file '{}': {}", path, std::strerror(errno));
    return false;
  }
  char resolved[PATH_MAX];
  stack->push_back(realpath(path.c_str(), resolved) != nullptr ? std::string(resolved) : path);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view trimmed(line);
    while (!trimmed.empty() && (trimmed.back() == '\r' || trimmed.back() == ' ' || trimmed.back() == '\t')) {
      trimmed.remove_suffix(1);
    }
    while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t')) trimmed.remove_prefix(1);
    if (trimmed.empty() || trimmed.front() == '#') continue;

    std::string storage;
    std::vector<std::pair<size_t, size_t>> spans;
    std::string reason;
    std::vector<std::string> words;
    if (!resp::SplitInlineArgs(trimmed, &storage, &spans)) {
      reason = "Unbalanced quotes in configuration line";
    } else {
      for (const auto& [offset, length] : spans) words.emplace_back(storage.substr(offset, length));
      if (words.empty()) continue;
      if (EqualsIgnoreCase(words[0], "include")) {
        if (words.size() != 2) {
          reason = "Bad directive or wrong number of arguments";
        } else if (IncludesItself(*stack, words[1])) {
          reason = fmt::format("Include loop: '{}' is already being read", words[1]);
        } else if (!LoadFile(targets, words[1], stack, error)) {
          return false;
        } else {
          continue;
        }
      } else if (ApplyDirective(targets, words, &reason)) {
        continue;
      }
    }
    *error = fmt::format("{}Reading the configuration file {}, at line {}\n>>> '{}'\n{}", FatalHeader(), path, number,
                         trimmed, reason);
    return false;
  }
  stack->pop_back();
  return true;
}

}  // namespace

bool LoadConfig(Config* config, const std::string& path, std::span<const std::string> overrides, std::string* error,
                CommandTable* commands) {
  const Targets targets{config, commands};
  IncludeStack stack;
  if (!path.empty() && !LoadFile(targets, path, &stack, error)) return false;
  size_t i = 0;
  while (i < overrides.size()) {
    const std::string& option = overrides[i];
    if (option.size() < 3 || option.compare(0, 2, "--") != 0) {
      *error = fmt::format("{}Reading the command line, at '{}'\nExpected an option such as --port 7000", FatalHeader(),
                           option);
      return false;
    }
    std::vector<std::string> words{option.substr(2)};
    ++i;
    // An option's arguments run to the next word that starts with "--".
    while (i < overrides.size() && overrides[i].compare(0, 2, "--") != 0) words.push_back(overrides[i++]);
    std::string reason;
    if (!ApplyDirective(targets, words, &reason)) {
      std::string shown;
      for (const std::string& w : words) shown += (shown.empty() ? "" : " ") + w;
      *error = fmt::format("{}Reading the command line, at option --{}\n>>> '{}'\n{}", FatalHeader(), words[0], shown,
                           reason);
      return false;
    }
  }
  return true;
}

}  // namespace strata::server
