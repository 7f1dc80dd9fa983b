// The collector registry: an explicit table of every collector the agent can run (no static
// self-registration). The agent looks collectors up by name to apply config::Config::collectors
// (enable/disable, interval, timeout) and creates them through the factories.
#pragma once

#include <string_view>
#include <vector>

#include "collectors/collector.h"

namespace nca::collectors {

struct CollectorInfo {
  std::string_view name;  // config key and `collector` label value, e.g. "role"
  bool enabled_by_default = true;
  std::string_view help;  // one sentence for --help / docs
  CollectorPtr (*factory)() = nullptr;
};

// Every known collector, in a fixed order. The table is immutable; thread-safe.
const std::vector<CollectorInfo>& AllCollectors();

// The entry named `name`, or nullptr. Thread-safe.
const CollectorInfo* FindCollector(std::string_view name);

}  // namespace nca::collectors
