#include "harness.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string_view>
#include <utility>

namespace nca::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// Runs `op` `iterations` times and returns the elapsed nanoseconds.
double RunBatch(const Op& op, int64_t iterations, std::size_t& sink) {
  const auto start = SteadyClock::now();
  for (int64_t i = 0; i < iterations; ++i) {
    sink += op();
  }
  return std::chrono::duration<double, std::nano>(SteadyClock::now() - start).count();
}

void Warmup(const Op& op, double seconds, std::size_t& sink) {
  const auto start = SteadyClock::now();
  do {
    sink += op();
  } while (SecondsSince(start) < seconds);
}

// Smallest power-of-two iteration count whose batch takes at least `min_seconds`.
int64_t Calibrate(const Op& op, double min_seconds, std::size_t& sink) {
  int64_t iterations = 1;
  while (true) {
    const double ns = RunBatch(op, iterations, sink);
    if (ns >= min_seconds * 1e9 || iterations >= (int64_t{1} << 30)) {
      return iterations;
    }
    // Jump close to the target in one step when the batch was far too short.
    const double factor = ns > 0 ? (min_seconds * 1e9) / ns : 1024.0;
    int64_t next = iterations * 2;
    if (factor > 4) {
      next = static_cast<int64_t>(static_cast<double>(iterations) * std::min(factor * 1.2, 1024.0));
    }
    iterations = std::max<int64_t>(next, iterations + 1);
  }
}

// Value at nearest rank q (0..1) of a sorted sample.
double Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) {
    return 0;
  }
  const auto n = static_cast<double>(sorted.size());
  auto rank = static_cast<std::size_t>(std::ceil(q * n));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

std::optional<uint64_t> ReadStatusKb(std::string_view key) {
  std::ifstream in("/proc/self/status");
  if (!in) {
    return std::nullopt;
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 &&
        line[key.size()] == ':') {
      std::istringstream fields(line.substr(key.size() + 1));
      uint64_t kb = 0;
      if (fields >> kb) {
        return kb * 1024;
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

Stats Summarise(std::vector<double> values) {
  Stats s;
  if (values.empty()) {
    return s;
  }
  std::sort(values.begin(), values.end());
  s.median_ns = Quantile(values, 0.5);
  s.p90_ns = Quantile(values, 0.9);
  s.min_ns = values.front();
  return s;
}

Comparison Compare(const Op& candidate, const Op& baseline, const HarnessOptions& options) {
  std::size_t sink = 0;
  Warmup(candidate, options.warmup_seconds, sink);
  Warmup(baseline, options.warmup_seconds, sink);
  Comparison c;
  c.candidate_iterations = Calibrate(candidate, options.min_batch_seconds, sink);
  c.baseline_iterations = Calibrate(baseline, options.min_batch_seconds, sink);

  std::vector<double> cand_ns;
  std::vector<double> base_ns;
  std::vector<double> paired;
  const int reps = std::max(1, options.repetitions);
  for (int rep = 0; rep < reps; ++rep) {
    double cand = 0;
    double base = 0;
    if (rep % 2 == 0) {
      cand = RunBatch(candidate, c.candidate_iterations, sink);
      base = RunBatch(baseline, c.baseline_iterations, sink);
    } else {
      base = RunBatch(baseline, c.baseline_iterations, sink);
      cand = RunBatch(candidate, c.candidate_iterations, sink);
    }
    cand /= static_cast<double>(c.candidate_iterations);
    base /= static_cast<double>(c.baseline_iterations);
    cand_ns.push_back(cand);
    base_ns.push_back(base);
    if (base > 0) {
      paired.push_back(cand / base);
    }
  }
  // Keeps the work observable.
  volatile std::size_t observed = sink;
  (void)observed;

  c.candidate = Summarise(std::move(cand_ns));
  c.baseline = Summarise(std::move(base_ns));
  c.ratio = c.baseline.median_ns > 0 ? c.candidate.median_ns / c.baseline.median_ns : 0;
  std::sort(paired.begin(), paired.end());
  c.paired_ratio_p10 = Quantile(paired, 0.1);
  c.paired_ratio_p90 = Quantile(paired, 0.9);
  return c;
}

Row TimeRow(std::string group, std::string name, const Comparison& c, std::string notes) {
  Row r;
  r.group = std::move(group);
  r.name = std::move(name);
  r.unit = "ns";
  r.candidate_median = c.candidate.median_ns;
  r.candidate_p90 = c.candidate.p90_ns;
  r.baseline_median = c.baseline.median_ns;
  r.baseline_p90 = c.baseline.p90_ns;
  r.ratio = c.ratio;
  r.spread = Fixed(c.paired_ratio_p10, 2) + "-" + Fixed(c.paired_ratio_p90, 2);
  r.notes = std::move(notes);
  return r;
}

std::string FormatDuration(double ns) {
  if (ns < 0) {
    std::string out = "-";
    out += FormatDuration(-ns);
    return out;
  }
  if (ns < 1e3) {
    return Fixed(ns, 0) + " ns";
  }
  if (ns < 1e6) {
    return Fixed(ns / 1e3, ns < 1e4 ? 2 : 1) + " us";
  }
  if (ns < 1e9) {
    return Fixed(ns / 1e6, ns < 1e7 ? 2 : 1) + " ms";
  }
  return Fixed(ns / 1e9, 2) + " s";
}

std::string FormatBytes(double bytes) {
  if (bytes < 1024) {
    return Fixed(bytes, 0) + " B";
  }
  if (bytes < 1024.0 * 1024) {
    return Fixed(bytes / 1024, 1) + " KiB";
  }
  return Fixed(bytes / (1024.0 * 1024), 1) + " MiB";
}

void PrintTable(const std::vector<Row>& rows) {
  struct Cells {
    std::string bench, cand, cand_p90, base, base_p90, ratio, spread, notes;
  };
  std::vector<Cells> cells;
  cells.push_back({"benchmark", "candidate", "cand p90", "baseline", "base p90", "ratio",
                   "paired p10-p90", "notes"});
  for (const Row& r : rows) {
    const bool bytes = r.unit == "bytes";
    auto fmt = [bytes](double v) { return bytes ? FormatBytes(v) : FormatDuration(v); };
    Cells c;
    c.bench = r.group + "/" + r.name;
    c.cand = fmt(r.candidate_median);
    c.cand_p90 = r.candidate_p90 ? fmt(*r.candidate_p90) : "-";
    c.base = fmt(r.baseline_median);
    c.base_p90 = r.baseline_p90 ? fmt(*r.baseline_p90) : "-";
    c.ratio = Fixed(r.ratio, 2) + "x";
    c.spread = r.spread.empty() ? "-" : r.spread;
    c.notes = r.notes;
    cells.push_back(std::move(c));
  }
  std::size_t w[7] = {0, 0, 0, 0, 0, 0, 0};
  for (const Cells& c : cells) {
    const std::string* f[7] = {&c.bench,    &c.cand,  &c.cand_p90, &c.base,
                               &c.base_p90, &c.ratio, &c.spread};
    for (int i = 0; i < 7; ++i) {
      w[i] = std::max(w[i], f[i]->size());
    }
  }
  auto print = [&w](const Cells& c) {
    std::printf("%-*s  %*s  %*s  %*s  %*s  %*s  %*s  %s\n", static_cast<int>(w[0]), c.bench.c_str(),
                static_cast<int>(w[1]), c.cand.c_str(), static_cast<int>(w[2]), c.cand_p90.c_str(),
                static_cast<int>(w[3]), c.base.c_str(), static_cast<int>(w[4]), c.base_p90.c_str(),
                static_cast<int>(w[5]), c.ratio.c_str(), static_cast<int>(w[6]), c.spread.c_str(),
                c.notes.c_str());
  };
  print(cells.front());
  std::size_t total = 14;
  for (std::size_t x : w) {
    total += x;
  }
  std::printf("%s\n", std::string(total + 5, '-').c_str());
  for (std::size_t i = 1; i < cells.size(); ++i) {
    print(cells[i]);
  }
  std::fflush(stdout);
}

std::optional<uint64_t> ReadVmHwmBytes() { return ReadStatusKb("VmHWM"); }
std::optional<uint64_t> ReadVmRssBytes() { return ReadStatusKb("VmRSS"); }

bool ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  if (!out) {
    return false;
  }
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace nca::bench
