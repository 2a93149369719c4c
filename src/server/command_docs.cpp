#include "server/command_docs.h"

namespace strata::server {
namespace {

constexpr std::string_view kReadWrite[] = {"RW", "access", "update"};
constexpr std::string_view kReadOnly[] = {"RO", "access"};

// The commands that run a script given by its text or name, whose key specs Redis annotates.
struct SpecNote {
  std::string_view command;
  std::string_view notes;
};
constexpr std::string_view kWorstRw = "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE";
constexpr std::string_view kWorstRo = "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS";
constexpr SpecNote kSpecNotes[] = {
    {"eval", kWorstRw}, {"eval_ro", kWorstRo}, {"fcall", kWorstRw}, {"fcall_ro", kWorstRo}};

}  // namespace

std::span<const std::string_view> KeyFlags(const Command& cmd) {
  if (cmd.has(kCmdWrite) || cmd.has(kCmdMayReplicate)) return kReadWrite;
  return kReadOnly;
}

std::vector<KeySpec> KeySpecs(const Command& cmd) {
  std::vector<KeySpec> specs;
  if (cmd.first_key > 0) {
    KeySpec& range = specs.emplace_back();
    range.find = KeySpec::Find::kRange;
    range.begin_index = cmd.first_key;
    range.last_key = cmd.last_key >= 0 ? cmd.last_key - cmd.first_key : cmd.last_key;
    range.key_step = cmd.key_step;
  }
  if (cmd.movable_keys()) {
    KeySpec& found = specs.emplace_back();
    if (cmd.numkeys_index > 0) {
      found.find = KeySpec::Find::kKeynum;
      found.begin_index = cmd.numkeys_index;
    }
  }
  std::string_view notes;
  for (const SpecNote& note : kSpecNotes) {
    if (note.command == cmd.name) notes = note.notes;
  }
  for (KeySpec& spec : specs) {
    spec.flags = KeyFlags(cmd);
    spec.notes = notes;
  }
  return specs;
}

}  // namespace strata::server
