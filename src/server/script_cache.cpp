#include "server/script_cache.h"

#include <openssl/sha.h>

#include <cctype>

namespace strata::server {

std::string Sha1Hex(std::string_view text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * SHA_DIGEST_LENGTH, '0');
  for (size_t i = 0; i < SHA_DIGEST_LENGTH; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return out;
}

std::shared_ptr<CachedScript> ScriptCache::Add(std::string_view sha, std::string_view body) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, added] = scripts_.try_emplace(std::string(sha));
  if (added) {
    it->second = std::make_shared<CachedScript>();
    it->second->sha = it->first;
    it->second->body = std::string(body);
    body_bytes_ += body.size();
  }
  return it->second;
}

std::shared_ptr<CachedScript> ScriptCache::Find(std::string_view sha) const {
  if (sha.size() != 40) return nullptr;
  std::string lower(sha);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = scripts_.find(lower);
  return it == scripts_.end() ? nullptr : it->second;
}

void ScriptCache::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  scripts_.clear();
  body_bytes_ = 0;
  generation_.fetch_add(1, std::memory_order_release);
}

size_t ScriptCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return scripts_.size();
}

size_t ScriptCache::body_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return body_bytes_;
}

}  // namespace strata::server
