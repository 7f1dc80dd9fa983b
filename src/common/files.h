// Whole-file reads for configuration-like inputs (config file, manifests).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace nca {

// Reads `path` completely. Errors are kInvalidArgument and read
// "<path>: cannot open <what>: <strerror>" or "<path>: cannot read <what>: <strerror>".
Result<std::string> ReadWholeFile(const std::string& path, std::string_view what);

}  // namespace nca
