// Logging: spdlog with one named logger per component ("collector.role", "neo4j.http", ...).
// Output is logfmt on stderr: ts=... level=... logger=... msg="..." key=value.
// Secrets must never be passed to a logger; credentials types have no formatter on purpose.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>

namespace nca {

enum class LogFormat { kLogfmt, kJson };

// Configures the default sink and level for every logger created afterwards (and existing ones).
// Call once from main before threads start.
void InitLogging(spdlog::level::level_enum level, LogFormat format);

// Returns the logger for a component, creating it on first use. Thread-safe.
std::shared_ptr<spdlog::logger> GetLogger(const std::string& component);

// Quotes a value for logfmt: wraps in double quotes and escapes quotes, backslashes and newlines.
std::string LogQuote(std::string_view value);

}  // namespace nca
