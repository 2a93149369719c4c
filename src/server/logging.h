// Logging set-up: spdlog with redis-server's line format ("pid:M date time * message").
#ifndef STRATA_SERVER_LOGGING_H_
#define STRATA_SERVER_LOGGING_H_

#include <string>

namespace strata::server {

// Sends the log to `logfile` (appending), or to standard output when it is empty. Returns false
// with *error set when the file cannot be opened. Call from the main thread before any other
// thread logs.
bool SetUpLogging(const std::string& logfile, std::string* error);

}  // namespace strata::server

#endif  // STRATA_SERVER_LOGGING_H_
