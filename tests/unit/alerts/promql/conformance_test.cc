// The PromQL conformance corpus (tests/conformance/promql/*.yml, `promtool test rules` format):
// every file must pass Debian's promtool 2.42 (the oracle), and every promql_expr_test in it
// must give the same samples with our parser and engine (a minimal loader of the expanding
// series notation is included here; the agent's full promtool-compatible runner lives with the
// rule engine).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "alerts/promql/engine.h"
#include "alerts/promql/memory.h"
#include "alerts/promql/parser.h"
#include "support/process.h"

namespace nca::alerts::promql {
namespace {

std::vector<std::string> CorpusFiles() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(NCA_PROMQL_CONFORMANCE_DIR)) {
    if (entry.path().extension() == ".yml") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string FindPromtool() {
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/bin"}) {
    std::string path = std::string(dir) + "/promtool";
    if (std::filesystem::exists(path)) return path;
  }
  return {};
}

double ParseValue(const std::string& s) {
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "nan") return std::nan("");
  if (lower == "inf" || lower == "+inf") return INFINITY;
  if (lower == "-inf") return -INFINITY;
  return std::strtod(s.c_str(), nullptr);
}

// The label set of a series description such as `m{a="b"}` or `{}`: parsed as a selector and
// read back from its equality matchers.
Labels ParseSeriesLabels(const std::string& text) {
  std::string trimmed = text;
  trimmed.erase(0, trimmed.find_first_not_of(' '));
  if (trimmed == "{}") return Labels();
  auto expr = Parse(trimmed);
  EXPECT_TRUE(expr.ok()) << text << ": " << (expr.ok() ? "" : expr.error().message);
  if (!expr.ok()) return Labels();
  const auto& vs = std::get<VectorSelector>((*expr)->node);
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& m : vs.matchers) pairs.emplace_back(m.name, m.value);
  return Labels(std::move(pairs));
}

// promtool's expanding notation: `1 2 _ stale 3x2 1+2x3 5-1x2 _x3`.
std::vector<std::pair<bool, double>> ExpandValues(const std::string& values) {
  std::vector<std::pair<bool, double>> out;  // (present, value)
  std::size_t pos = 0;
  while (pos < values.size()) {
    std::size_t end = values.find(' ', pos);
    if (end == std::string::npos) end = values.size();
    std::string item = values.substr(pos, end - pos);
    pos = end + 1;
    if (item.empty()) continue;
    if (item == "_") {
      out.emplace_back(false, 0);
      continue;
    }
    if (item == "stale") {
      out.emplace_back(true, StaleNaN());
      continue;
    }
    std::size_t x = item.rfind('x');
    if (x == std::string::npos || x == 0) {
      out.emplace_back(true, ParseValue(item));
      continue;
    }
    int n = std::atoi(item.substr(x + 1).c_str());
    std::string head = item.substr(0, x);
    if (head == "_") {
      for (int i = 0; i < n; ++i) out.emplace_back(false, 0);
      continue;
    }
    std::size_t op = std::string::npos;
    for (std::size_t i = 1; i < head.size(); ++i) {
      if ((head[i] == '+' || head[i] == '-') && head[i - 1] != 'e' && head[i - 1] != 'E') {
        op = i;
        break;
      }
    }
    double start = ParseValue(head.substr(0, op));
    double step = op == std::string::npos ? 0 : ParseValue(head.substr(op));
    for (int i = 0; i <= n; ++i) {
      out.emplace_back(true, start);
      start += step;
    }
  }
  return out;
}

struct GotSample {
  Labels labels;
  double value;
};

TEST(PromqlConformanceTest, CorpusPassesPromtool) {
  std::string promtool = FindPromtool();
  if (promtool.empty()) GTEST_SKIP() << "promtool is not installed";
  auto files = CorpusFiles();
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    auto result = testing::RunCommand({promtool, "test", "rules", file});
    EXPECT_EQ(result.exit_code, 0) << file << "\n" << result.output;
  }
}

TEST(PromqlConformanceTest, CorpusMatchesOurEngine) {
  auto files = CorpusFiles();
  ASSERT_FALSE(files.empty());
  Engine engine;
  int cases = 0;
  for (const auto& file : files) {
    YAML::Node root = YAML::LoadFile(file);
    for (const auto& group : root["tests"]) {
      auto interval = ParseDuration(group["interval"] ? group["interval"].as<std::string>() : "0");
      ASSERT_TRUE(interval.ok()) << file;
      MemoryQueryable data;
      for (const auto& s : group["input_series"]) {
        Series series;
        series.labels = ParseSeriesLabels(s["series"].as<std::string>());
        auto values = ExpandValues(s["values"].as<std::string>());
        for (std::size_t i = 0; i < values.size(); ++i) {
          if (!values[i].first) continue;
          series.samples.push_back(Sample{static_cast<int64_t>(i) * *interval, values[i].second});
        }
        data.AddSeries(std::move(series));
      }
      if (!group["promql_expr_test"]) continue;
      for (const auto& tc : group["promql_expr_test"]) {
        std::string text = tc["expr"].as<std::string>();
        auto eval_time = ParseDuration(tc["eval_time"].as<std::string>());
        ASSERT_TRUE(eval_time.ok()) << file << ": " << text;
        std::string where = file + ": " + text + " @ " + tc["eval_time"].as<std::string>();
        ++cases;
        auto expr = Parse(text);
        ASSERT_TRUE(expr.ok()) << where << ": " << expr.error().message;
        auto value = engine.Instant(**expr, *eval_time, data);
        ASSERT_TRUE(value.ok()) << where << ": " << value.error().message;
        std::vector<GotSample> got;
        if (const auto* vec = std::get_if<Vector>(&*value)) {
          for (const auto& e : *vec) got.push_back(GotSample{e.labels, e.v});
        } else if (const auto* sc = std::get_if<Scalar>(&*value)) {
          got.push_back(GotSample{Labels(), sc->v});
        }
        std::vector<GotSample> want;
        if (tc["exp_samples"]) {
          for (const auto& s : tc["exp_samples"]) {
            want.push_back(GotSample{ParseSeriesLabels(s["labels"].as<std::string>()),
                                     s["value"].as<double>()});
          }
        }
        auto by_labels = [](const GotSample& a, const GotSample& b) { return a.labels < b.labels; };
        std::sort(got.begin(), got.end(), by_labels);
        std::sort(want.begin(), want.end(), by_labels);
        std::string got_text;
        for (const auto& g : got)
          got_text += g.labels.ToString() + " " + FormatFloatE(g.value) + "\n";
        ASSERT_EQ(got.size(), want.size()) << where << "\ngot:\n" << got_text;
        for (std::size_t i = 0; i < got.size(); ++i) {
          EXPECT_EQ(got[i].labels, want[i].labels) << where << "\ngot:\n" << got_text;
          // promtool compares with reflect.DeepEqual: float ==, so NaN never matches.
          EXPECT_TRUE(got[i].value == want[i].value)
              << where << ": got " << FormatFloatE(got[i].value) << " want "
              << FormatFloatE(want[i].value);
        }
      }
    }
  }
  EXPECT_GT(cases, 0);
}

}  // namespace
}  // namespace nca::alerts::promql
