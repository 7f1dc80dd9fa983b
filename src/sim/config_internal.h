// Helpers shared by the simulator's topology parser (config_yaml.cc) and the model facts and
// validation (config.cc). Internal to src/sim/config*.cc.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace nca::sim::internal {

// A kInvalidArgument error: how every topology problem is reported.
inline Error Invalid(std::string message) {
  return MakeError(ErrorKind::kInvalidArgument, std::move(message));
}

// ASCII lower case.
inline std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace nca::sim::internal
