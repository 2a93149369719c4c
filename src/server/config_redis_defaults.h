// The directives redis-server 7.0 has and Strata does not implement (yet), with the value
// redis-server answers for them when run without a config file.
//
// Config answers CONFIG GET for them with that value, accepts it (and only it) from CONFIG SET,
// and lets a migrated redis.conf keep its lines (see Config::Set). When Strata implements one, it
// gets a row in config.cpp's directive table and leaves this one: a name is in one table only
// (tests/server/config_test.cpp checks).
#ifndef STRATA_SERVER_CONFIG_REDIS_DEFAULTS_H_
#define STRATA_SERVER_CONFIG_REDIS_DEFAULTS_H_

#include <span>
#include <string>
#include <string_view>

namespace strata::server {

// How a value is compared with the default: "YES" is "yes", "1mb" is "1048576", the words of a
// list are compared one by one.
enum class RedisValueKind { kBool, kInt, kMemory, kEnum, kText, kWords };

struct RedisOnlyDirective {
  std::string_view name;
  std::string_view alias;  // the other name Redis accepts (slaveof, lua-time-limit ...), or empty
  RedisValueKind kind;
  std::string_view default_value;  // as CONFIG GET shows it
  bool immutable = false;          // CONFIG SET refuses it whatever the value, as Redis does
  bool hidden = false;             // CONFIG GET shows it for its exact name only, not for a glob
  // A config file may not give it another value: ignoring that one would change what the
  // server is (a replica, a cluster node, a TLS listener), so start-up stops instead of warning.
  bool refuse_other_value = false;
};

// Every such directive, in no particular order.
std::span<const RedisOnlyDirective> RedisOnlyDirectives();

// The directive named `name` (any case, or its alias), or null.
const RedisOnlyDirective* FindRedisOnlyDirective(std::string_view name);

// Whether `args` (the config file's words, or CONFIG SET's one argument) give `d` its default value.
bool IsRedisDefaultValue(const RedisOnlyDirective& d, std::span<const std::string> args);

// Whether `name` is one of the directives Redis 7.0 still reads from a config file (with one
// value) and ignores (list-max-ziplist-entries ...): Strata ignores them too.
bool IsIgnoredRedisDirective(std::string_view name);

}  // namespace strata::server

#endif  // STRATA_SERVER_CONFIG_REDIS_DEFAULTS_H_
