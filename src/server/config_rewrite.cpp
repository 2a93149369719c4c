#include "server/config_rewrite.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "common/numbers.h"
#include "resp/request_parser.h"
#include "server/config_redis_defaults.h"

namespace strata::server {
namespace {

std::string_view Trim(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// The first word of a config line, or nothing when the line does not split (unbalanced quotes).
bool FirstWord(std::string_view line, std::string* word) {
  std::string storage;
  std::vector<std::pair<size_t, size_t>> spans;
  if (!resp::SplitInlineArgs(line, &storage, &spans) || spans.empty()) return false;
  *word = storage.substr(spans[0].first, spans[0].second);
  return true;
}

// Writes all of `data` to `fd`.
bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

std::string RewriteConfigText(std::string_view old_text, const std::vector<Config::FileLine>& lines) {
  std::vector<std::string> out;
  std::map<std::string_view, std::vector<size_t>> where;  // directive name -> its lines in `out`
  bool has_signature = false;
  size_t begin = 0;
  while (begin < old_text.size()) {
    size_t end = old_text.find('\n', begin);
    if (end == std::string_view::npos) end = old_text.size();
    const std::string_view line = Trim(old_text.substr(begin, end - begin));
    begin = end + 1;
    if (line.empty() || line.front() == '#') {
      if (line == kRewriteSignature) has_signature = true;
      out.emplace_back(line);
      continue;
    }
    std::string word;
    if (!FirstWord(line, &word)) {
      out.push_back("# ??? " + std::string(line));
      continue;
    }
    // Lines that are not directives of the table stay as they are, as Redis keeps them; so do
    // those of a migrated redis.conf that Strata reads and does not implement.
    if (EqualsIgnoreCase(word, "include") || EqualsIgnoreCase(word, "rename-command") ||
        FindRedisOnlyDirective(word) != nullptr || IsIgnoredRedisDirective(word)) {
      out.emplace_back(line);
      continue;
    }
    const std::string_view name = Config::CanonicalName(word);
    if (name.empty()) {
      out.push_back("# ??? " + std::string(line));
      continue;
    }
    where[name].push_back(out.size());
    out.emplace_back(line);
  }

  for (const Config::FileLine& l : lines) {
    auto it = where.find(l.name);
    if (it != where.end()) {
      out[it->second[0]] = l.line;
      for (size_t i = 1; i < it->second.size(); ++i) out[it->second[i]].clear();
      continue;
    }
    if (l.is_default) continue;
    if (!has_signature) {
      if (!out.empty() && !out.back().empty()) out.emplace_back();
      out.emplace_back(kRewriteSignature);
      has_signature = true;
    }
    out.push_back(l.line);
  }

  std::string text;
  for (const std::string& line : out) {
    text += line;
    text += '\n';
  }
  return text;
}

bool RewriteConfigFile(const Config& config, const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    // Redis rewrites from scratch a file that has gone missing; any other failure stops here.
    if (errno != ENOENT) {
      *error = std::strerror(errno);
      return false;
    }
  }
  std::stringstream old;
  old << in.rdbuf();
  const std::string text = RewriteConfigText(old.str(), config.FileLines());

  struct stat original {};
  const bool had_file = stat(path.c_str(), &original) == 0;
  std::string tmp = path + ".tmp-XXXXXX";
  const int fd = mkstemp(tmp.data());
  if (fd < 0) {
    *error = std::strerror(errno);
    return false;
  }
  bool ok = WriteAll(fd, text) && fsync(fd) == 0;
  if (ok && had_file) ok = fchmod(fd, original.st_mode & 07777) == 0;
  const int saved = errno;
  close(fd);
  if (ok && rename(tmp.c_str(), path.c_str()) == 0) return true;
  *error = std::strerror(ok ? errno : saved);
  unlink(tmp.c_str());
  return false;
}

}  // namespace strata::server
