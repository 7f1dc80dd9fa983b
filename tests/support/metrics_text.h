// A small parser of the Prometheus text exposition format for tests: samples with their labels,
// and lookups by metric name and a subset of labels.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nca::testing {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Parses sample lines (HELP/TYPE/comments skipped). Malformed lines are skipped and counted in
// `*malformed` when given.
std::vector<Sample> ParseExposition(const std::string& text, int* malformed = nullptr);

// Samples named `name` whose labels include every pair of `labels`.
std::vector<Sample> Select(const std::vector<Sample>& samples, const std::string& name,
                           const std::map<std::string, std::string>& labels = {});

// The value of the single sample matching; nullopt when none (or more than one) matches.
std::optional<double> ValueOf(const std::vector<Sample>& samples, const std::string& name,
                              const std::map<std::string, std::string>& labels = {});

}  // namespace nca::testing
