// The agent's version and the git revision it was built from (build_info, --version, the landing
// page). Defined in a file generated at configure time (src/common/build_version.cc.in), so a new
// revision recompiles that one file instead of everything that includes a header.
#pragma once

namespace nca {

extern const char kBuildVersion[];   // project version, e.g. "0.1.0"
extern const char kBuildRevision[];  // short git revision, or "unknown" outside a checkout

}  // namespace nca
