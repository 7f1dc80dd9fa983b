#include "neo4j/prom_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace nca::neo4j {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::StartsWith;

std::string ReadCapture(const std::string& name) {
  std::ifstream in(std::string(NCA_FIXTURE_DIR) + "/neo4j-metrics/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open fixture " << name;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<PromFamily> MustParse(std::string_view text) {
  auto parsed = ParsePromText(text);
  EXPECT_TRUE(parsed.ok()) << parsed.error().ToString();
  return parsed.ok() ? std::move(parsed).value() : std::vector<PromFamily>{};
}

Error MustFail(std::string_view text, const PromParseLimits& limits = {}) {
  auto parsed = ParsePromText(text, limits);
  EXPECT_FALSE(parsed.ok()) << "parsed: " << text;
  return parsed.ok() ? Error{} : parsed.error();
}

// ---------------------------------------------------------------------------------------------
// Real captures

TEST(PromTextTest, ParsesNeo4j5Capture) {
  const auto families = MustParse(ReadCapture("prometheus-standalone-5.11.0-enterprise.txt"));
  EXPECT_EQ(families.size(), 87u);  // 35 counters, 50 gauges, 2 summaries
  const PromFamily* latency = nullptr;
  for (const auto& f : families) {
    if (f.name == "neo4j_database_neo4j_db_query_execution_latency_millis") {
      latency = &f;
    }
    EXPECT_FALSE(f.help.empty()) << f.name;
    EXPECT_NE(f.type, PromType::kUntyped) << f.name;
  }
  ASSERT_NE(latency, nullptr);
  EXPECT_EQ(latency->type, PromType::kSummary);
  ASSERT_EQ(latency->samples.size(), 7u);  // six quantiles and _count, no _sum
  EXPECT_THAT(latency->samples[0].labels, ElementsAre(Pair("quantile", "0.5")));
  EXPECT_EQ(latency->samples[6].name,
            "neo4j_database_neo4j_db_query_execution_latency_millis_count");
  EXPECT_THAT(latency->help,
              HasSubstr("(metric=neo4j.database.neo4j.db.query.execution.latency.millis, "));
}

TEST(PromTextTest, ParsesNeo4j44And34Captures) {
  const auto v44 = MustParse(ReadCapture("prometheus-standalone-4.4.0-enterprise.txt"));
  EXPECT_EQ(v44.size(), 74u);
  const auto v34 = MustParse(ReadCapture("prometheus-standalone-3.4.0-enterprise.txt"));
  EXPECT_EQ(v34.size(), 69u);
  for (const auto& f : v34) {
    EXPECT_EQ(f.type, PromType::kGauge) << f.name;  // 3.4 exported counters as gauges
  }
}

TEST(PromTextTest, ParsesJavaDoubles) {
  const auto families = MustParse(
      "a 2.7036229E8\nb 9.223372036854776E18\nc 0.6724137931034483\nd -1.5e-3\ne +5\nf 1E400\n");
  ASSERT_EQ(families.size(), 6u);
  EXPECT_DOUBLE_EQ(families[0].samples[0].value, 2.7036229e8);
  EXPECT_DOUBLE_EQ(families[1].samples[0].value, 9.223372036854776e18);
  EXPECT_DOUBLE_EQ(families[2].samples[0].value, 0.6724137931034483);
  EXPECT_DOUBLE_EQ(families[3].samples[0].value, -1.5e-3);
  EXPECT_DOUBLE_EQ(families[4].samples[0].value, 5);
  EXPECT_TRUE(std::isinf(families[5].samples[0].value));
}

TEST(PromTextTest, ParsesInfAndNaN) {
  const auto families = MustParse("a +Inf\nb -Inf\nc NaN\nd Inf\ne nan\n");
  ASSERT_EQ(families.size(), 5u);
  EXPECT_EQ(families[0].samples[0].value, std::numeric_limits<double>::infinity());
  EXPECT_EQ(families[1].samples[0].value, -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(families[2].samples[0].value));
  EXPECT_EQ(families[3].samples[0].value, std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(families[4].samples[0].value));
}

TEST(PromTextTest, HelpAndTypeWithEscapes) {
  const auto families = MustParse(
      "# HELP x A \\\\ backslash\\nand a newline; \"quotes\" stay\n"
      "# TYPE x counter\n"
      "x 1\n");
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].help, "A \\ backslash\nand a newline; \"quotes\" stay");
  EXPECT_EQ(families[0].type, PromType::kCounter);
}

TEST(PromTextTest, TypeBeforeHelpAndEmptyHelp) {
  const auto families = MustParse("# TYPE x gauge\n# HELP x\nx 1\n# HELP y \ny 2\n");
  ASSERT_EQ(families.size(), 2u);
  EXPECT_EQ(families[0].type, PromType::kGauge);
  EXPECT_EQ(families[0].help, "");
  EXPECT_EQ(families[1].help, "");
  EXPECT_EQ(families[1].type, PromType::kUntyped);
}

TEST(PromTextTest, LabelValueEscapesAndTrailingComma) {
  const auto families = MustParse(
      "x{a=\"q\\\"uote\",b=\"back\\\\slash\",c=\"new\\nline\",d=\"{,}=\",} 1\n"
      "y{ a = \"1\" , } 2\n"
      "z{} 3\n");
  ASSERT_EQ(families.size(), 3u);
  EXPECT_THAT(families[0].samples[0].labels,
              ElementsAre(Pair("a", "q\"uote"), Pair("b", "back\\slash"), Pair("c", "new\nline"),
                          Pair("d", "{,}=")));
  EXPECT_THAT(families[1].samples[0].labels, ElementsAre(Pair("a", "1")));
  EXPECT_THAT(families[2].samples[0].labels, IsEmpty());
}

TEST(PromTextTest, Timestamps) {
  const auto families = MustParse("a 1 1711462853000\nb{l=\"v\"} 2 -5\nc 3   \n");
  ASSERT_EQ(families.size(), 3u);
  EXPECT_EQ(families[0].samples[0].timestamp_ms, 1711462853000);
  EXPECT_EQ(families[1].samples[0].timestamp_ms, -5);
  EXPECT_FALSE(families[2].samples[0].timestamp_ms.has_value());
}

TEST(PromTextTest, SummaryWithoutSumAndHistogram) {
  const auto families = MustParse(
      "# TYPE s summary\n"
      "s{quantile=\"0.5\",} 1.0\n"
      "s{quantile=\"0.99\",} 2.0\n"
      "s_count 3.0\n"
      "# TYPE h histogram\n"
      "h_bucket{le=\"0.1\"} 1\n"
      "h_bucket{le=\"+Inf\"} 2\n"
      "h_sum 0.3\n"
      "h_count 2\n"
      "h_other 1\n");
  ASSERT_EQ(families.size(), 3u);
  EXPECT_EQ(families[0].type, PromType::kSummary);
  EXPECT_EQ(families[0].samples.size(), 3u);
  EXPECT_EQ(families[1].type, PromType::kHistogram);
  EXPECT_EQ(families[1].samples.size(), 4u);
  EXPECT_EQ(families[2].name, "h_other");  // not a histogram suffix: its own untyped family
  EXPECT_EQ(families[2].type, PromType::kUntyped);
}

TEST(PromTextTest, SummaryCountAfterOtherLinesJoinsItsFamily) {
  const auto families = MustParse("# TYPE s summary\ns{quantile=\"0.5\"} 1\nother 1\ns_count 2\n");
  ASSERT_EQ(families.size(), 2u);
  EXPECT_EQ(families[0].samples.size(), 2u);
}

TEST(PromTextTest, CounterTypedWithoutTotalSuffix) {
  const auto families = MustParse("# TYPE c counter\nc_total 4\n");
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].name, "c");
  EXPECT_EQ(families[0].samples[0].name, "c_total");
}

TEST(PromTextTest, UntypedRunsAndComments) {
  const auto families = MustParse("# a plain comment\n#\n\n   \nu 1\nu{l=\"2\"} 2\n  # indented\n");
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].type, PromType::kUntyped);
  EXPECT_EQ(families[0].samples.size(), 2u);
}

TEST(PromTextTest, CommentsOnlyIsNotAnError) {
  EXPECT_THAT(MustParse("# nothing exported yet\n"), IsEmpty());
}

TEST(PromTextTest, CrlfLineEndingsAreAccepted) {
  const auto families = MustParse("# HELP x h\r\n# TYPE x gauge\r\nx{a=\"b\"} 1 5\r\n");
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].help, "h");
  EXPECT_EQ(families[0].samples[0].value, 1);
  EXPECT_EQ(families[0].samples[0].timestamp_ms, 5);
}

TEST(PromTextTest, NoTrailingNewline) {
  const auto families = MustParse("x 1");
  ASSERT_EQ(families.size(), 1u);
}

TEST(PromTextTest, Utf8LabelValuesAreAccepted) {
  const auto families = MustParse("x{l=\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"} 1\n");
  EXPECT_EQ(families[0].samples[0].labels[0].second, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST(PromTextTest, PromTypeNames) {
  EXPECT_EQ(PromTypeName(PromType::kCounter), "counter");
  EXPECT_EQ(PromTypeName(PromType::kGauge), "gauge");
  EXPECT_EQ(PromTypeName(PromType::kSummary), "summary");
  EXPECT_EQ(PromTypeName(PromType::kHistogram), "histogram");
  EXPECT_EQ(PromTypeName(PromType::kUntyped), "untyped");
}

// ---------------------------------------------------------------------------------------------
// Errors: each names the line.

struct ErrorCase {
  const char* text;
  const char* message;  // substring
};

TEST(PromTextTest, MalformedInputNamesTheLine) {
  const ErrorCase cases[] = {
      {"ok 1\nx{quantile \"0.5\"} 1\n", "line 2: expected '=' after label name \"quantile\""},
      {"x{a=1} 1\n", "line 1: expected '\"' to open the value of label \"a\""},
      {"x{a=\"1} 1\n", "line 1: unterminated value of label \"a\""},
      {"x{a=\"1\" b=\"2\"} 1\n", "line 1: expected ',' or '}' after the value of label \"a\""},
      {"x{a=\"1\",\n", "line 1: expected '}' to close the label set of \"x\""},
      {"x{a=\"1\"\n", "line 1: expected ',' or '}' after the value of label \"a\""},
      {"x{a=\"\\t\"} 1\n", "line 1: invalid escape sequence '\\t' in the value of label \"a\""},
      {"x{1a=\"1\"} 1\n", "line 1: invalid label name"},
      {"x{a:b=\"1\"} 1\n", "line 1: expected '=' after label name \"a\""},
      {"x{a=\"1\",a=\"2\"} 1\n", "line 1: duplicate label name \"a\" in \"x\""},
      {"x\n", "line 1: expected a value after \"x\""},
      {"x{a=\"1\"}\n", "line 1: expected a value after \"x\""},
      {"x one\n", "line 1: invalid value \"one\" for \"x\""},
      {"x 0x10\n", "line 1: invalid value \"0x10\""},
      {"x 1.0.0\n", "line 1: invalid value"},
      {"x 1 12.5\n", "line 1: invalid timestamp \"12.5\" for \"x\""},
      {"x 1 2 3\n", "line 1: unexpected text \"3\" after the timestamp"},
      {"x-y 1\n", "line 1: invalid character '-' in metric name \"x\""},
      {"a 1\n9x 1\n", "line 2: invalid metric name \"9x 1\""},
      {"# HELP x one\n# HELP x two\n", "line 2: second HELP line for \"x\""},
      {"# TYPE x gauge\n# TYPE x counter\n", "line 2: second TYPE line for \"x\""},
      {"x 1\n# TYPE x gauge\n", "line 2: TYPE line for \"x\" after its samples"},
      {"# TYPE x meter\n", "line 1: unknown metric type \"meter\" for \"x\""},
      {"# TYPE\n", "line 1: expected a metric name after # TYPE"},
      {"# HELP 1x h\n", "line 1: invalid metric name \"1x\" in # HELP"},
      {"# HELP x a\\tb\n", "line 1: invalid escape sequence '\\t' in HELP text of \"x\""},
      {"# HELP x a\\\n", "line 1: HELP text of \"x\" ends in a lone '\\'"},
      {"a 1\nb\r 1\n", "line 2: invalid character '?' in metric name \"b\""},
  };
  for (const auto& c : cases) {
    const Error e = MustFail(c.text);
    EXPECT_EQ(e.kind, ErrorKind::kMalformed) << c.text;
    EXPECT_THAT(e.message, HasSubstr(c.message)) << c.text;
  }
}

TEST(PromTextTest, RejectsHtmlJsonAndGarbage) {
  EXPECT_THAT(MustFail("<!DOCTYPE html>\n<html><body>Not found</body></html>\n").message,
              StartsWith("line 1: not Prometheus text (looks like HTML)"));
  EXPECT_THAT(MustFail("\n{\"errors\":[]}\n").message,
              StartsWith("line 2: not Prometheus text (looks like JSON)"));
  EXPECT_THAT(MustFail("[1,2]").message, HasSubstr("looks like JSON"));
  EXPECT_THAT(MustFail("!!! garbage\n").message, StartsWith("line 1: not Prometheus text: "));
  EXPECT_THAT(MustFail("").message, HasSubstr("no sample and no comment line"));
  EXPECT_THAT(MustFail(" \n\n\t\n").message, HasSubstr("no sample and no comment line"));
}

TEST(PromTextTest, RejectsNulAndInvalidUtf8) {
  EXPECT_THAT(MustFail(std::string("a 1\nx{l=\"a\0b\"} 1\n", 16)).message,
              HasSubstr("line 2: NUL byte at column 7"));
  EXPECT_THAT(MustFail("x{l=\"\xff\"} 1\n").message,
              HasSubstr("line 1: invalid UTF-8 at column 6"));
  EXPECT_THAT(MustFail("x{l=\"\xc0\xaf\"} 1\n").message, HasSubstr("invalid UTF-8"));  // overlong
  EXPECT_THAT(MustFail("x{l=\"\xed\xa0\x80\"} 1\n").message,
              HasSubstr("invalid UTF-8"));                                             // surrogate
  EXPECT_THAT(MustFail("x{l=\"\xe2\x82\"} 1\n").message, HasSubstr("invalid UTF-8"));  // truncated
}

// ---------------------------------------------------------------------------------------------
// Limits

TEST(PromTextTest, EnforcesMaxBytes) {
  PromParseLimits limits;
  limits.max_bytes = 8;
  const Error e = MustFail("abc 1\nd 2\n", limits);
  EXPECT_EQ(e.kind, ErrorKind::kTooLarge);
  EXPECT_THAT(e.message, HasSubstr("10 bytes, more than the limit of 8"));
  limits.max_bytes = 10;
  EXPECT_TRUE(ParsePromText("abc 1\nd 2\n", limits).ok());
}

TEST(PromTextTest, EnforcesMaxSamples) {
  PromParseLimits limits;
  limits.max_samples = 2;
  EXPECT_TRUE(ParsePromText("a 1\nb 2\n", limits).ok());
  const Error e = MustFail("a 1\nb 2\n# c\nc 3\n", limits);
  EXPECT_EQ(e.kind, ErrorKind::kTooLarge);
  EXPECT_THAT(e.message, HasSubstr("line 4: more than 2 samples"));
}

TEST(PromTextTest, EnforcesMaxLineBytes) {
  PromParseLimits limits;
  limits.max_line_bytes = 5;
  EXPECT_TRUE(ParsePromText("abc 1\r\n", limits).ok());  // the CR does not count
  const Error e = MustFail("abc 1\nabcd 1\n", limits);
  EXPECT_EQ(e.kind, ErrorKind::kTooLarge);
  EXPECT_THAT(e.message, HasSubstr("line 2: line is 6 bytes, more than the limit of 5"));
}

TEST(PromTextTest, EnforcesMaxLabelsPerSample) {
  PromParseLimits limits;
  limits.max_labels_per_sample = 2;
  EXPECT_TRUE(ParsePromText("x{a=\"1\",b=\"2\"} 1\n", limits).ok());
  const Error e = MustFail("x{a=\"1\",b=\"2\",c=\"3\"} 1\n", limits);
  EXPECT_EQ(e.kind, ErrorKind::kTooLarge);
  EXPECT_THAT(e.message, HasSubstr("line 1: more than 2 labels in \"x\""));
}

TEST(PromTextTest, LargeInputParsesInLinearTime) {
  std::string text;
  for (int i = 0; i < 100000; ++i) {
    text += "m";
    text += std::to_string(i % 100);
    text += "{quantile=\"0.5\",db=\"d" + std::to_string(i) + "\",} 1.0E3\n";
  }
  const auto families = MustParse(text);
  EXPECT_EQ(families.size(), 100u);
}

}  // namespace
}  // namespace nca::neo4j
