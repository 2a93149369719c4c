#include "server/logging.h"

#include <memory>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace strata::server {
namespace {

// redis-server marks levels with one character: '.' debug, '-' verbose, '*' notice, '#' warning.
class RedisLevelFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*time*/, spdlog::memory_buf_t& dest) override {
    char c = '*';
    switch (msg.level) {
      case spdlog::level::trace: c = '.'; break;
      case spdlog::level::debug: c = '-'; break;
      case spdlog::level::info: c = '*'; break;
      default: c = '#'; break;
    }
    dest.push_back(c);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<RedisLevelFlag>(); }
};

}  // namespace

bool SetUpLogging(const std::string& logfile, std::string* error) {
  std::shared_ptr<spdlog::logger> logger;
  try {
    if (logfile.empty()) {
      logger = std::make_shared<spdlog::logger>("strata", std::make_shared<spdlog::sinks::stdout_sink_mt>());
    } else {
      logger = std::make_shared<spdlog::logger>("strata",
                                                std::make_shared<spdlog::sinks::basic_file_sink_mt>(logfile, false));
    }
  } catch (const spdlog::spdlog_ex& e) {
    *error = std::string("Can't open the log file: ") + e.what();
    return false;
  }
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<RedisLevelFlag>('*').set_pattern("%P:M %d %b %Y %H:%M:%S.%e %* %v");
  logger->set_formatter(std::move(formatter));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  return true;
}

}  // namespace strata::server
