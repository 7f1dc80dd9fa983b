#include "common/logging.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>

namespace nca {
namespace {

// Guarded by spdlog's registry lock for lookups; the sink is created once in InitLogging or
// lazily on first GetLogger.
std::shared_ptr<spdlog::sinks::sink> MakeSink(LogFormat format) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  if (format == LogFormat::kJson) {
    sink->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","logger":"%n","msg":%v})");
  } else {
    sink->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l logger=%n %v");
  }
  return sink;
}

}  // namespace

void InitLogging(spdlog::level::level_enum level, LogFormat format) {
  auto sink = MakeSink(format);
  spdlog::set_level(level);
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) {
    l->sinks().clear();
    l->sinks().push_back(sink);
    l->set_level(level);
  });
  auto def = std::make_shared<spdlog::logger>("main", sink);
  def->set_level(level);
  spdlog::set_default_logger(def);
  // UTC timestamps, as Prometheus components log.
  spdlog::set_pattern(format == LogFormat::kJson
                          ? R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","logger":"%n","msg":%v})"
                          : "ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l logger=%n %v",
                      spdlog::pattern_time_type::utc);
}

std::shared_ptr<spdlog::logger> GetLogger(const std::string& component) {
  static std::mutex mu;  // serialises creation only; loggers themselves are thread-safe
  std::lock_guard lock(mu);
  if (auto existing = spdlog::get(component)) {
    return existing;
  }
  auto def = spdlog::default_logger();
  auto logger =
      std::make_shared<spdlog::logger>(component, def->sinks().begin(), def->sinks().end());
  logger->set_level(def->level());
  spdlog::register_logger(logger);
  return logger;
}

std::string LogQuote(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 2);
  out.push_back('"');
  for (char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace nca
