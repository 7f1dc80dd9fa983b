// Process self-metrics with the names and meaning of the Go client's process collector
// (process_cpu_seconds_total, process_resident_memory_bytes, ...), read from procfs. The parsers
// are pure functions over file contents; ProcessMetricsReader does the I/O under an injectable
// procfs root so tests can point it at a fixture tree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "exporter/metric_set.h"

namespace nca::exporter {

// The fields of /proc/<pid>/stat that the process metrics need (proc(5) numbering).
struct ProcStat {
  uint64_t utime_ticks = 0;      // (14) user-mode CPU time, clock ticks
  uint64_t stime_ticks = 0;      // (15) kernel-mode CPU time, clock ticks
  uint64_t starttime_ticks = 0;  // (22) start time after boot, clock ticks
  uint64_t vsize_bytes = 0;      // (23) virtual memory size, bytes
  int64_t rss_pages = 0;         // (24) resident set size, pages
};

// The fields of /proc/<pid>/status used here (converted from kB).
struct ProcStatus {
  std::optional<uint64_t> vm_rss_bytes;   // VmRSS
  std::optional<uint64_t> vm_size_bytes;  // VmSize
};

// Parses /proc/<pid>/stat. The command name (field 2) may contain spaces and parentheses, so
// fields are counted from the last ')'. kMalformed if the text is not a stat line.
Result<ProcStat> ParseProcStat(std::string_view text);

// Parses /proc/<pid>/status ("Key:\tvalue kB" lines). Missing keys stay nullopt (kernel threads
// have no Vm* lines); never fails.
ProcStatus ParseProcStatus(std::string_view text);

// The system boot time ("btime" line of /proc/stat), seconds since the Unix epoch.
Result<uint64_t> ParseBootTime(std::string_view proc_stat_text);

// The soft "Max open files" limit from /proc/<pid>/limits. "unlimited" is UINT64_MAX, as the Go
// client reports it.
Result<uint64_t> ParseMaxOpenFiles(std::string_view limits_text);

// One reading, ready to be exposed. Each field is nullopt when its source could not be read.
struct ProcessStats {
  std::optional<double> cpu_seconds_total;
  std::optional<double> resident_memory_bytes;
  std::optional<double> virtual_memory_bytes;
  std::optional<double> start_time_seconds;
  std::optional<double> open_fds;
  std::optional<double> max_fds;
};

// Combines the parsed files into metric values, like the Go client: CPU = (utime + stime) / ticks,
// start = btime + starttime / ticks, memory from status (VmRSS, VmSize) or else from stat
// (rss * page size, vsize).
ProcessStats ComputeProcessStats(const std::optional<ProcStat>& stat,
                                 const std::optional<ProcStatus>& status,
                                 std::optional<uint64_t> boot_time_seconds, long clock_ticks,
                                 long page_size);

// Appends the process_* families for the fields that are set (families in name order).
void AppendProcessMetrics(const ProcessStats& stats, MetricSet& out);

// Reads <proc_root>/self/{stat,status,limits,fd/} and <proc_root>/stat.
//
// Thread-safe: stateless after construction; Read may be called concurrently.
class ProcessMetricsReader {
 public:
  explicit ProcessMetricsReader(std::string proc_root = "/proc");

  // Never fails as a whole: unreadable or malformed sources leave their fields unset (logged at
  // debug level).
  ProcessStats Read() const;

 private:
  std::string proc_root_;
  long clock_ticks_;
  long page_size_;
};

}  // namespace nca::exporter
