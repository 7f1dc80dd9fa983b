// Small helpers shared by the YAML readers (config/loader.cc, config/cluster_spec.cc).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string_view>

namespace nca::config {

// What a node is, for error messages: "a mapping", "a list", "nothing" or "a scalar".
inline std::string_view YamlKindName(const YAML::Node& node) {
  if (node.IsMap()) {
    return "a mapping";
  }
  if (node.IsSequence()) {
    return "a list";
  }
  if (node.IsNull()) {
    return "nothing";
  }
  return "a scalar";
}

}  // namespace nca::config
