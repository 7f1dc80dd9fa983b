#include "support/metrics_text.h"

#include <sstream>

namespace nca::testing {
namespace {

// Parses `{a="x",b="y"}` starting at text[pos] == '{'; returns the position after '}'.
std::optional<std::size_t> ParseLabels(const std::string& text, std::size_t pos,
                                       std::map<std::string, std::string>& out) {
  ++pos;  // '{'
  while (pos < text.size() && text[pos] != '}') {
    auto eq = text.find('=', pos);
    if (eq == std::string::npos || eq + 1 >= text.size() || text[eq + 1] != '"') {
      return std::nullopt;
    }
    std::string name = text.substr(pos, eq - pos);
    std::string value;
    std::size_t i = eq + 2;
    for (; i < text.size() && text[i] != '"'; ++i) {
      if (text[i] == '\\' && i + 1 < text.size()) {
        ++i;
        value.push_back(text[i] == 'n' ? '\n' : text[i]);
      } else {
        value.push_back(text[i]);
      }
    }
    if (i >= text.size()) {
      return std::nullopt;
    }
    out[name] = value;
    pos = i + 1;
    if (pos < text.size() && text[pos] == ',') {
      ++pos;
    }
  }
  if (pos >= text.size()) {
    return std::nullopt;
  }
  return pos + 1;
}

}  // namespace

std::vector<Sample> ParseExposition(const std::string& text, int* malformed) {
  std::vector<Sample> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    Sample s;
    auto brace = line.find('{');
    auto space = line.find(' ');
    std::size_t rest = 0;
    if (brace != std::string::npos && brace < space) {
      s.name = line.substr(0, brace);
      auto after = ParseLabels(line, brace, s.labels);
      if (!after) {
        if (malformed != nullptr) {
          ++*malformed;
        }
        continue;
      }
      rest = *after;
    } else if (space != std::string::npos) {
      s.name = line.substr(0, space);
      rest = space;
    } else {
      if (malformed != nullptr) {
        ++*malformed;
      }
      continue;
    }
    std::istringstream value(line.substr(rest));
    std::string v;
    value >> v;
    try {
      s.value = std::stod(v);
    } catch (...) {
      if (malformed != nullptr) {
        ++*malformed;
      }
      continue;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<Sample> Select(const std::vector<Sample>& samples, const std::string& name,
                           const std::map<std::string, std::string>& labels) {
  std::vector<Sample> out;
  for (const auto& s : samples) {
    if (s.name != name) {
      continue;
    }
    bool match = true;
    for (const auto& [k, v] : labels) {
      auto it = s.labels.find(k);
      if (it == s.labels.end() || it->second != v) {
        match = false;
        break;
      }
    }
    if (match) {
      out.push_back(s);
    }
  }
  return out;
}

std::optional<double> ValueOf(const std::vector<Sample>& samples, const std::string& name,
                              const std::map<std::string, std::string>& labels) {
  auto found = Select(samples, name, labels);
  if (found.size() != 1) {
    return std::nullopt;
  }
  return found[0].value;
}

}  // namespace nca::testing
