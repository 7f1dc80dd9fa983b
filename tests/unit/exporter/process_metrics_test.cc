#include "exporter/process_metrics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <string>

namespace nca::exporter {
namespace {

// A real /proc/<pid>/stat line, with a command name containing spaces and parentheses.
// utime=1234 stime=566 starttime=62706 vsize=3133440 rss=393.
constexpr char kStat[] =
    "7717 (my (odd) proc) R 7670 7670 4382 0 -1 4194304 101 0 0 0 1234 566 0 0 20 0 1 0 62706 "
    "3133440 393 18446744073709551615 94086596440064 94086596459945 140723755172848 0 0 0 0 0 0 "
    "0 0 0 17 0 0 0 0 0 0 94086596475952 94086596477568 94087556902912 140723755178612 "
    "140723755178632 140723755178632 140723755180011 0\n";

constexpr char kStatus[] =
    "Name:\tcat\n"
    "Umask:\t0022\n"
    "State:\tR (running)\n"
    "VmPeak:\t    3060 kB\n"
    "VmSize:\t    3064 kB\n"
    "VmLck:\t       0 kB\n"
    "VmHWM:\t    1776 kB\n"
    "VmRSS:\t    1780 kB\n"
    "RssAnon:\t     112 kB\n"
    "Threads:\t1\n";

constexpr char kLimits[] =
    "Limit                     Soft Limit           Hard Limit           Units     \n"
    "Max cpu time              unlimited            unlimited            seconds   \n"
    "Max processes             96365                96365                processes \n"
    "Max open files            20000                1048576              files     \n"
    "Max locked memory         8388608              8388608              bytes     \n";

constexpr char kProcStat[] =
    "cpu  1059 0 1385 1184497 135 0 21 0 0 0\n"
    "cpu0 520 0 700 592000 60 0 10 0 0 0\n"
    "intr 123456 0 0\n"
    "ctxt 987654\n"
    "btime 1700000000\n"
    "processes 7800\n";

TEST(ParseProcStatTest, ReadsFieldsAfterTheCommandName) {
  auto s = ParseProcStat(kStat);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(s->utime_ticks, 1234u);
  EXPECT_EQ(s->stime_ticks, 566u);
  EXPECT_EQ(s->starttime_ticks, 62706u);
  EXPECT_EQ(s->vsize_bytes, 3133440u);
  EXPECT_EQ(s->rss_pages, 393);
}

TEST(ParseProcStatTest, RejectsMalformedText) {
  EXPECT_FALSE(ParseProcStat("").ok());
  EXPECT_FALSE(ParseProcStat("7717 cat R 1 2 3").ok());
  EXPECT_FALSE(ParseProcStat("7717 (cat) R 7670 7670").ok());
  std::string bad = kStat;
  bad.replace(bad.find(" 1234 "), 6, " 12x4 ");
  EXPECT_FALSE(ParseProcStat(bad).ok());
}

TEST(ParseProcStatusTest, ConvertsKilobytes) {
  ProcStatus s = ParseProcStatus(kStatus);
  ASSERT_TRUE(s.vm_rss_bytes.has_value());
  ASSERT_TRUE(s.vm_size_bytes.has_value());
  EXPECT_EQ(*s.vm_rss_bytes, 1780u * 1024u);
  EXPECT_EQ(*s.vm_size_bytes, 3064u * 1024u);
}

TEST(ParseProcStatusTest, KernelThreadHasNoVmLines) {
  ProcStatus s = ParseProcStatus("Name:\tkthreadd\nState:\tS (sleeping)\nThreads:\t1\n");
  EXPECT_FALSE(s.vm_rss_bytes.has_value());
  EXPECT_FALSE(s.vm_size_bytes.has_value());
}

TEST(ParseBootTimeTest, FindsBtime) {
  auto b = ParseBootTime(kProcStat);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, 1700000000u);
  EXPECT_FALSE(ParseBootTime("cpu 1 2 3\nctxt 5\n").ok());
}

TEST(ParseMaxOpenFilesTest, ReadsTheSoftLimit) {
  auto m = ParseMaxOpenFiles(kLimits);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, 20000u);
}

TEST(ParseMaxOpenFilesTest, UnlimitedIsMaxUint64LikeTheGoClient) {
  auto m = ParseMaxOpenFiles("Max open files            unlimited            unlimited  files\n");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, std::numeric_limits<uint64_t>::max());
  EXPECT_FALSE(ParseMaxOpenFiles("Max processes 5 5 processes\n").ok());
  EXPECT_FALSE(ParseMaxOpenFiles("Max open files            lots  lots  files\n").ok());
}

TEST(ComputeProcessStatsTest, CombinesLikeTheGoClient) {
  ProcStat stat = *ParseProcStat(kStat);
  ProcessStats s = ComputeProcessStats(stat, ParseProcStatus(kStatus), 1700000000, 100, 4096);
  EXPECT_DOUBLE_EQ(*s.cpu_seconds_total, (1234 + 566) / 100.0);
  EXPECT_DOUBLE_EQ(*s.start_time_seconds, 1700000000 + 627.06);
  EXPECT_DOUBLE_EQ(*s.resident_memory_bytes, 1780.0 * 1024);
  EXPECT_DOUBLE_EQ(*s.virtual_memory_bytes, 3064.0 * 1024);
  EXPECT_FALSE(s.open_fds.has_value());
  EXPECT_FALSE(s.max_fds.has_value());
}

TEST(ComputeProcessStatsTest, FallsBackToStatForMemoryAndSkipsWhatIsMissing) {
  ProcStat stat = *ParseProcStat(kStat);
  ProcessStats s = ComputeProcessStats(stat, std::nullopt, std::nullopt, 100, 4096);
  EXPECT_DOUBLE_EQ(*s.resident_memory_bytes, 393.0 * 4096);
  EXPECT_DOUBLE_EQ(*s.virtual_memory_bytes, 3133440.0);
  EXPECT_FALSE(s.start_time_seconds.has_value());

  ProcessStats none = ComputeProcessStats(std::nullopt, std::nullopt, 1700000000, 100, 4096);
  EXPECT_FALSE(none.cpu_seconds_total.has_value());
  EXPECT_FALSE(none.resident_memory_bytes.has_value());
  EXPECT_FALSE(none.start_time_seconds.has_value());
}

TEST(AppendProcessMetricsTest, UsesTheGoClientNamesAndTypes) {
  ProcessStats s;
  s.cpu_seconds_total = 1.5;
  s.resident_memory_bytes = 2;
  s.virtual_memory_bytes = 3;
  s.start_time_seconds = 4;
  s.open_fds = 5;
  s.max_fds = 6;
  MetricSet out;
  AppendProcessMetrics(s, out);
  std::map<std::string, std::pair<prometheus::MetricType, double>> got;
  for (const auto& f : out) {
    ASSERT_EQ(f.metric.size(), 1u) << f.name;
    EXPECT_TRUE(f.metric[0].label.empty());
    EXPECT_FALSE(f.help.empty());
    double v = f.type == prometheus::MetricType::Counter ? f.metric[0].counter.value
                                                         : f.metric[0].gauge.value;
    got[f.name] = {f.type, v};
  }
  using T = prometheus::MetricType;
  std::map<std::string, std::pair<prometheus::MetricType, double>> want{
      {"process_cpu_seconds_total", {T::Counter, 1.5}},
      {"process_resident_memory_bytes", {T::Gauge, 2}},
      {"process_virtual_memory_bytes", {T::Gauge, 3}},
      {"process_start_time_seconds", {T::Gauge, 4}},
      {"process_open_fds", {T::Gauge, 5}},
      {"process_max_fds", {T::Gauge, 6}},
  };
  EXPECT_EQ(got, want);
}

TEST(AppendProcessMetricsTest, OmitsUnknownFields) {
  ProcessStats s;
  s.open_fds = 7;
  MetricSet out;
  AppendProcessMetrics(s, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].name, "process_open_fds");
}

class ProcessMetricsReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nca_proc_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void Write(const std::string& rel, const std::string& content) {
    std::filesystem::create_directories(std::filesystem::path(root_ + "/" + rel).parent_path());
    std::ofstream(root_ + "/" + rel) << content;
  }
  std::string root_;
};

TEST_F(ProcessMetricsReaderTest, ReadsAFixtureTree) {
  Write("self/stat", kStat);
  Write("self/status", kStatus);
  Write("self/limits", kLimits);
  Write("stat", kProcStat);
  for (const char* fd : {"0", "1", "2", "7"}) {
    Write(std::string("self/fd/") + fd, "");
  }
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  ProcessStats s = ProcessMetricsReader(root_).Read();
  ASSERT_TRUE(s.cpu_seconds_total && s.start_time_seconds && s.resident_memory_bytes &&
              s.virtual_memory_bytes && s.open_fds && s.max_fds);
  EXPECT_DOUBLE_EQ(*s.cpu_seconds_total, (1234 + 566) / ticks);
  EXPECT_DOUBLE_EQ(*s.start_time_seconds, 1700000000 + 62706 / ticks);
  EXPECT_DOUBLE_EQ(*s.resident_memory_bytes, 1780.0 * 1024);
  EXPECT_DOUBLE_EQ(*s.virtual_memory_bytes, 3064.0 * 1024);
  EXPECT_DOUBLE_EQ(*s.open_fds, 4);
  EXPECT_DOUBLE_EQ(*s.max_fds, 20000);
}

TEST_F(ProcessMetricsReaderTest, MissingFilesLeaveFieldsUnset) {
  Write("self/limits", kLimits);
  ProcessStats s = ProcessMetricsReader(root_).Read();
  EXPECT_FALSE(s.cpu_seconds_total.has_value());
  EXPECT_FALSE(s.resident_memory_bytes.has_value());
  EXPECT_FALSE(s.open_fds.has_value());
  ASSERT_TRUE(s.max_fds.has_value());
  EXPECT_DOUBLE_EQ(*s.max_fds, 20000);
}

TEST(ProcessMetricsReaderRealTest, ReadsThisProcess) {
  ProcessStats s = ProcessMetricsReader().Read();
  ASSERT_TRUE(s.cpu_seconds_total && s.start_time_seconds && s.resident_memory_bytes &&
              s.virtual_memory_bytes && s.open_fds && s.max_fds);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_GT(*s.start_time_seconds, now - 24 * 3600);
  EXPECT_LE(*s.start_time_seconds, now + 1);
  EXPECT_GT(*s.resident_memory_bytes, 0);
  EXPECT_GE(*s.virtual_memory_bytes, *s.resident_memory_bytes);
  EXPECT_GE(*s.open_fds, 3);  // stdin, stdout, stderr at least
  EXPECT_GE(*s.max_fds, *s.open_fds);
}

}  // namespace
}  // namespace nca::exporter
