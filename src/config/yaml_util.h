// Small helpers shared by the YAML readers (config/loader.cc, config/cluster_spec.cc).
#pragma once

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace nca::config {

// YAML::LoadAll, except that a stream on which yaml-cpp 0.7 makes no progress is a
// YAML::ParserException at the offending token instead of a hang: a token that cannot start a
// node at document level (e.g. a stray ',' as in ",\n") makes 0.7's LoadAll return null documents
// forever, each one allocated (jbeder/yaml-cpp#1040, fixed in 0.8.0). A first pass over the
// events alone sees that every document starts at a new token; only then are the nodes built.
inline std::vector<YAML::Node> LoadAllDocuments(const std::string& text) {
  class DocumentStart final : public YAML::EventHandler {
   public:
    YAML::Mark mark;
    void OnDocumentStart(const YAML::Mark& m) override { mark = m; }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
  };
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStart start;
  std::optional<int> previous;  // where the previous document started
  while (parser.HandleNextDocument(start)) {
    if (previous && *previous == start.mark.pos) {
      throw YAML::ParserException(start.mark, "unexpected token (no YAML node starts here)");
    }
    previous = start.mark.pos;
  }
  return YAML::LoadAll(text);
}

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
