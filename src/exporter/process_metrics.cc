#include "exporter/process_metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include "common/logging.h"

namespace nca::exporter {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Splits on runs of blanks.
std::vector<std::string_view> Fields(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsSpace(s[i])) {
      ++i;
    }
    std::size_t start = i;
    while (i < s.size() && !IsSpace(s[i])) {
      ++i;
    }
    if (i > start) {
      out.push_back(s.substr(start, i - start));
    }
  }
  return out;
}

template <typename T>
std::optional<T> ParseInt(std::string_view s) {
  T value{};
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return value;
}

// Calls fn(line) for each line of text.
template <typename Fn>
void ForEachLine(std::string_view text, Fn fn) {
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    fn(line);
    if (nl == std::string_view::npos) {
      break;
    }
    text.remove_prefix(nl + 1);
  }
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError(ErrorKind::kInternal, "cannot open " + path);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    return MakeError(ErrorKind::kInternal, "cannot read " + path);
  }
  return ss.str();
}

}  // namespace

Result<ProcStat> ParseProcStat(std::string_view text) {
  // "pid (comm) state ppid ..." - comm may contain anything, so find the last ')'.
  std::size_t close = text.rfind(')');
  if (close == std::string_view::npos || text.find('(') == std::string_view::npos) {
    return MakeError(ErrorKind::kMalformed, "stat: no command name");
  }
  std::vector<std::string_view> f = Fields(text.substr(close + 1));
  // f[0] is field 3 (state), so field n is f[n - 3].
  constexpr std::size_t kRssField = 24;
  if (f.size() < kRssField - 2) {
    return MakeError(ErrorKind::kMalformed, "stat: too few fields");
  }
  auto field = [&f](std::size_t n) { return f[n - 3]; };
  auto utime = ParseInt<uint64_t>(field(14));
  auto stime = ParseInt<uint64_t>(field(15));
  auto start = ParseInt<uint64_t>(field(22));
  auto vsize = ParseInt<uint64_t>(field(23));
  auto rss = ParseInt<int64_t>(field(24));
  if (!utime || !stime || !start || !vsize || !rss) {
    return MakeError(ErrorKind::kMalformed, "stat: non-numeric field");
  }
  ProcStat out;
  out.utime_ticks = *utime;
  out.stime_ticks = *stime;
  out.starttime_ticks = *start;
  out.vsize_bytes = *vsize;
  out.rss_pages = *rss;
  return out;
}

ProcStatus ParseProcStatus(std::string_view text) {
  ProcStatus out;
  ForEachLine(text, [&out](std::string_view line) {
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return;
    }
    std::string_view key = line.substr(0, colon);
    std::optional<uint64_t>* target = nullptr;
    if (key == "VmRSS") {
      target = &out.vm_rss_bytes;
    } else if (key == "VmSize") {
      target = &out.vm_size_bytes;
    } else {
      return;
    }
    std::vector<std::string_view> f = Fields(line.substr(colon + 1));
    if (f.size() != 2 || f[1] != "kB") {
      return;
    }
    if (auto kb = ParseInt<uint64_t>(f[0])) {
      *target = *kb * 1024;
    }
  });
  return out;
}

Result<uint64_t> ParseBootTime(std::string_view proc_stat_text) {
  std::optional<uint64_t> btime;
  ForEachLine(proc_stat_text, [&btime](std::string_view line) {
    std::vector<std::string_view> f = Fields(line);
    if (f.size() == 2 && f[0] == "btime") {
      btime = ParseInt<uint64_t>(f[1]);
    }
  });
  if (!btime) {
    return MakeError(ErrorKind::kMalformed, "/proc/stat: no btime line");
  }
  return *btime;
}

Result<uint64_t> ParseMaxOpenFiles(std::string_view limits_text) {
  constexpr std::string_view kKey = "Max open files";
  std::optional<Result<uint64_t>> found;
  ForEachLine(limits_text, [&](std::string_view line) {
    if (found || line.substr(0, kKey.size()) != kKey) {
      return;
    }
    std::vector<std::string_view> f = Fields(line.substr(kKey.size()));
    if (f.empty()) {
      found = MakeError(ErrorKind::kMalformed, "limits: no value for Max open files");
    } else if (f[0] == "unlimited") {
      found = std::numeric_limits<uint64_t>::max();
    } else if (auto v = ParseInt<uint64_t>(f[0])) {
      found = *v;
    } else {
      found = MakeError(ErrorKind::kMalformed, "limits: bad Max open files value");
    }
  });
  if (!found) {
    return MakeError(ErrorKind::kMalformed, "limits: no Max open files line");
  }
  return std::move(*found);
}

ProcessStats ComputeProcessStats(const std::optional<ProcStat>& stat,
                                 const std::optional<ProcStatus>& status,
                                 std::optional<uint64_t> boot_time_seconds, long clock_ticks,
                                 long page_size) {
  ProcessStats out;
  if (stat && clock_ticks > 0) {
    const auto ticks = static_cast<double>(clock_ticks);
    out.cpu_seconds_total = static_cast<double>(stat->utime_ticks + stat->stime_ticks) / ticks;
    if (boot_time_seconds) {
      out.start_time_seconds = static_cast<double>(*boot_time_seconds) +
                               static_cast<double>(stat->starttime_ticks) / ticks;
    }
  }
  if (status && status->vm_rss_bytes) {
    out.resident_memory_bytes = static_cast<double>(*status->vm_rss_bytes);
  } else if (stat && page_size > 0) {
    out.resident_memory_bytes =
        static_cast<double>(stat->rss_pages) * static_cast<double>(page_size);
  }
  if (status && status->vm_size_bytes) {
    out.virtual_memory_bytes = static_cast<double>(*status->vm_size_bytes);
  } else if (stat) {
    out.virtual_memory_bytes = static_cast<double>(stat->vsize_bytes);
  }
  return out;
}

void AppendProcessMetrics(const ProcessStats& stats, MetricSet& out) {
  MetricSetBuilder b;
  if (stats.cpu_seconds_total) {
    b.Counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.")
        .Add({}, *stats.cpu_seconds_total);
  }
  if (stats.max_fds) {
    b.Gauge("process_max_fds", "Maximum number of open file descriptors.").Add({}, *stats.max_fds);
  }
  if (stats.open_fds) {
    b.Gauge("process_open_fds", "Number of open file descriptors.").Add({}, *stats.open_fds);
  }
  if (stats.resident_memory_bytes) {
    b.Gauge("process_resident_memory_bytes", "Resident memory size in bytes.")
        .Add({}, *stats.resident_memory_bytes);
  }
  if (stats.start_time_seconds) {
    b.Gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.")
        .Add({}, *stats.start_time_seconds);
  }
  if (stats.virtual_memory_bytes) {
    b.Gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.")
        .Add({}, *stats.virtual_memory_bytes);
  }
  for (auto& family : std::move(b).Build()) {
    out.push_back(std::move(family));
  }
}

ProcessMetricsReader::ProcessMetricsReader(std::string proc_root)
    : proc_root_(std::move(proc_root)),
      clock_ticks_(sysconf(_SC_CLK_TCK)),
      page_size_(sysconf(_SC_PAGESIZE)) {}

ProcessStats ProcessMetricsReader::Read() const {
  auto logger = GetLogger("exporter.process");
  const std::string self = proc_root_ + "/self/";

  std::optional<ProcStat> stat;
  if (auto text = ReadFile(self + "stat"); !text) {
    logger->debug("msg=\"cannot read process stat\" err={}", LogQuote(text.error().ToString()));
  } else if (auto parsed = ParseProcStat(*text); !parsed) {
    logger->debug("msg=\"cannot parse process stat\" err={}", LogQuote(parsed.error().ToString()));
  } else {
    stat = *parsed;
  }

  std::optional<ProcStatus> status;
  if (auto text = ReadFile(self + "status")) {
    status = ParseProcStatus(*text);
  }

  std::optional<uint64_t> boot_time;
  if (auto text = ReadFile(proc_root_ + "/stat")) {
    if (auto parsed = ParseBootTime(*text)) {
      boot_time = *parsed;
    }
  }

  ProcessStats out = ComputeProcessStats(stat, status, boot_time, clock_ticks_, page_size_);

  if (auto text = ReadFile(self + "limits")) {
    if (auto max = ParseMaxOpenFiles(*text)) {
      out.max_fds = static_cast<double>(*max);
    }
  }

  // readdir rather than std::filesystem: one entry per open descriptor (a kept-alive connection
  // to every member), counted without a path object each.
  if (DIR* dir = opendir((self + "fd").c_str()); dir != nullptr) {
    uint64_t count = 0;
    while (const dirent* e = readdir(dir)) {
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
        ++count;
      }
    }
    closedir(dir);
    // The descriptor opendir holds is counted too, as it was with std::filesystem.
    out.open_fds = static_cast<double>(count);
  }
  return out;
}

}  // namespace nca::exporter
