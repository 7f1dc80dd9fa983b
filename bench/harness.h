// A tiny self-contained benchmark harness (no Google Benchmark): std::chrono::steady_clock,
// warm-up, N repetitions, median and p90, and — the point of it — candidate and baseline run
// side by side, interleaved repetition by repetition (alternating which goes first), so that
// machine noise (other processes, frequency changes) hits both about equally. Results are meant
// to be read as the candidate/baseline RATIO, never as absolute timings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nca::bench {

// One timed operation. Returns something derived from its work (e.g. an output size) so the
// compiler cannot drop the work; the harness folds it into a volatile sink.
using Op = std::function<std::size_t()>;

struct HarnessOptions {
  int repetitions = 15;              // timed batches per side
  double min_batch_seconds = 0.015;  // a batch repeats the op until it takes at least this long
  double warmup_seconds = 0.05;      // per side, before calibration
};

// Order statistics of per-operation times (nanoseconds) over the repetitions.
struct Stats {
  double median_ns = 0;
  double p90_ns = 0;
  double min_ns = 0;
};

// Order statistics of a sample, by nearest rank. Empty input -> all zero.
Stats Summarise(std::vector<double> values);

struct Comparison {
  Stats candidate;
  Stats baseline;
  // candidate.median / baseline.median.
  double ratio = 0;
  // Spread of the per-repetition paired ratios (candidate_i / baseline_i): a noise indicator.
  double paired_ratio_p10 = 0;
  double paired_ratio_p90 = 0;
  int64_t candidate_iterations = 0;  // per batch
  int64_t baseline_iterations = 0;
};

// Warms both ops up, calibrates a batch size for each, then runs `repetitions` batches of each,
// interleaved (odd repetitions run the baseline first).
Comparison Compare(const Op& candidate, const Op& baseline, const HarnessOptions& options);

// One line of the results table. Times are in nanoseconds unless `unit` is "bytes" (memory rows).
struct Row {
  std::string group;
  std::string name;
  std::string unit = "ns";  // "ns" or "bytes"
  double candidate_median = 0;
  std::optional<double> candidate_p90;
  double baseline_median = 0;
  std::optional<double> baseline_p90;
  double ratio = 0;
  std::string spread;  // e.g. "0.97-1.04" (paired ratios p10-p90), empty for memory rows
  std::string notes;   // series, bytes, ns/series, MB/s ...
};

Row TimeRow(std::string group, std::string name, const Comparison& c, std::string notes);

// Prints the table (fixed-width, one row per line) to stdout.
void PrintTable(const std::vector<Row>& rows);

// "1.23 ms", "456 ns", "12.3 MiB" ...
std::string FormatDuration(double ns);
std::string FormatBytes(double bytes);

// Memory of this process from /proc/self/status, in bytes (nullopt if unreadable).
std::optional<uint64_t> ReadVmHwmBytes();  // peak resident set size
std::optional<uint64_t> ReadVmRssBytes();  // current resident set size
// Resets VmHWM to the current RSS (writes "5" to /proc/self/clear_refs, Linux >= 4.0).
bool ResetPeakRss();

}  // namespace nca::bench
