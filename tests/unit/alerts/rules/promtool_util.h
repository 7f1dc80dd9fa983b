// Runs the real promtool (the oracle) for differential tests; tests skip when it is absent.
#pragma once

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace nca::alerts::rules::testing {

inline bool HavePromtool() { return std::filesystem::exists("/usr/bin/promtool"); }

struct Output {
  std::string text;  // stdout and stderr combined
  int rc = -1;
};

inline Output RunPromtool(const std::string& args) {
  Output out;
  std::string cmd = "/usr/bin/promtool " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.text.append(buf.data(), n);
  int status = pclose(p);
  out.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// Lines sorted: stdout/stderr interleaving depends on buffering, and Go map order decides the
// order of some errors.
inline std::vector<std::string> SortedLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace nca::alerts::rules::testing
