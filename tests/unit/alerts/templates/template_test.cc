#include "alerts/templates/template.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "alerts/templates/go_text.h"

namespace nca::alerts::templates {
namespace {

std::string Expand(const std::string& text, double value,
                   std::map<std::string, std::string> labels = {{"__name__", "m"},
                                                                {"job", "abx"}}) {
  AlertTemplateData d;
  d.labels = std::move(labels);
  d.external_labels = {{"cluster", "c1"}};
  d.value = value;
  return ExpandAlertTemplate("T", text, d);
}

TEST(TemplateTest, ValueUsesGoPercentV) {
  EXPECT_EQ(Expand("{{ $value }}", 1234567), "1.234567e+06");
  EXPECT_EQ(Expand("{{ $value }}", 1e6), "1e+06");
  EXPECT_EQ(Expand("{{ $value }}", 100000), "100000");
  EXPECT_EQ(Expand("{{ $value }}", 999999.9), "999999.9");
  EXPECT_EQ(Expand("{{ $value }}", 1e-05), "1e-05");
  EXPECT_EQ(Expand("{{ $value }}", 0.0001), "0.0001");
  EXPECT_EQ(Expand("{{ .Value }}", 0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(Expand("{{ $value }}", std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(Expand("{{ $value }}", -0.0), "-0");
  EXPECT_EQ(Expand("{{ $value }}", std::nan("")), "NaN");
}

TEST(TemplateTest, HumanizeFunctions) {
  EXPECT_EQ(Expand("{{ humanize $value }}", 1234567), "1.235M");
  EXPECT_EQ(Expand("{{ humanize $value }}", 999999.9), "1000k");
  EXPECT_EQ(Expand("{{ humanize $value }}", 2.5e-7), "250n");
  EXPECT_EQ(Expand("{{ humanize1024 $value }}", 100000), "97.66ki");
  EXPECT_EQ(Expand("{{ humanize1024 $value }}", 0.00012345), "0.0001234");
  EXPECT_EQ(Expand("{{ humanizePercentage $value }}", 1234567), "1.235e+08%");
  EXPECT_EQ(Expand("{{ humanizeDuration $value }}", 1234567), "14d 6h 56m 7s");
  EXPECT_EQ(Expand("{{ humanizeDuration $value }}", 3725), "1h 2m 5s");
  EXPECT_EQ(Expand("{{ humanizeDuration $value }}", 59.5), "59.5s");
  EXPECT_EQ(Expand("{{ humanizeDuration $value }}", 0.00012345), "123.4us");
  EXPECT_EQ(Expand("{{ humanizeDuration $value }}", 1e21), "-106751991167300d -15h -30m -8s");
  EXPECT_EQ(Expand("{{ humanizeDuration $value }}", -1234567), "-14d 6h 56m 7s");
  EXPECT_EQ(Expand("{{ humanizeTimestamp 1700000000.5 }}", 0), "2023-11-14 22:13:20.5 +0000 UTC");
  EXPECT_EQ(Expand("{{ humanize $labels.num }}", 0, {{"num", "2048"}}), "2.048k");
}

TEST(TemplateTest, Printf) {
  EXPECT_EQ(Expand("{{ printf \"%.2f\" $value }}", 1234567), "1234567.00");
  EXPECT_EQ(Expand("{{ printf \"%.2f\" $value }}", std::nan("")), "NaN");
  EXPECT_EQ(Expand("{{ printf \"%5.1f|%-6s|%d|%q\" $value \"ab\" 42 \"x\" }}", 3.14159),
            "  3.1|ab    |42|\"x\"");
  EXPECT_EQ(Expand("{{ printf \"%d\" $value }}", 1.5), "%!d(float64=1.5)");
  EXPECT_EQ(Expand("{{ printf \"%s %s\" \"a\" }}", 0), "a %!s(MISSING)");
  EXPECT_EQ(Expand("{{ printf \"%g|%e|%v|%x\" $value $value $value \"hi\" }}", 0.5),
            "0.5|5.000000e-01|0.5|6869");
  EXPECT_EQ(Expand("{{ $value | printf \"%.3g\" }}", 123456), "1.23e+05");
}

TEST(TemplateTest, LabelsAndControlFlow) {
  EXPECT_EQ(Expand("[{{ $labels.missing }}]", 1), "[]");
  EXPECT_EQ(Expand("{{ $labels }}", 1), "map[__name__:m job:abx]");
  EXPECT_EQ(Expand("{{ .Labels.job }}/{{ $externalLabels.cluster }}", 1), "abx/c1");
  EXPECT_EQ(
      Expand("{{ if gt $value 10.0 }}big{{ else if gt $value 1.0 }}mid{{ else }}small{{ end }}", 5),
      "mid");
  EXPECT_EQ(Expand("{{ if eq $labels.job \"abx\" }}yes{{ end }}", 1), "yes");
  EXPECT_EQ(Expand("{{ if and (ne $labels.job \"x\") (not false) }}ok{{ end }}", 1), "ok");
  EXPECT_EQ(
      Expand("{{ with $labels.job }}[{{ . }}]{{ end }}{{ with $labels.none }}x{{ else }}-{{ end }}",
             1),
      "[abx]-");
  EXPECT_EQ(Expand("{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}", 1),
            "__name__=m;job=abx;");
  EXPECT_EQ(Expand("a  {{- \" b \" -}}  c", 1), "a b c");
  EXPECT_EQ(Expand("{{/* comment */}}x", 1), "x");
}

TEST(TemplateTest, StringFunctions) {
  EXPECT_EQ(Expand("{{ toUpper \"ab\" }}{{ toLower \"CD\" }}{{ title \"hello world\" }}", 0),
            "ABcdHello World");
  EXPECT_EQ(Expand("{{ reReplaceAll \"(a)(b)\" \"$2$1\" \"abx\" }}", 0), "bax");
  EXPECT_EQ(Expand("{{ reReplaceAll \"a\" \"${0}$$\" \"banana\" }}", 0), "ba$na$na$");
  EXPECT_EQ(
      Expand("{{ stripPort \"host:9100\" }} {{ stripPort \"[::1]:80\" }} {{ stripPort \"h\" }}", 0),
      "host ::1 h");
  EXPECT_EQ(Expand("{{ if match \"^ab\" \"abc\" }}m{{ end }}", 0), "m");
  EXPECT_EQ(Expand("{{ with args 1 \"x\" }}{{ .arg1 }}{{ .arg0 }}{{ end }}", 0), "x1");
}

TEST(TemplateTest, ExecutionErrorsLikeGo) {
  EXPECT_EQ(Expand("{{ if gt $value 10 }}big{{ end }}", 42),
            "<error expanding template: error executing template __alert_T: template: "
            "__alert_T:1:118: executing \"__alert_T\" at <gt $value 10>: error calling gt: "
            "incompatible types for comparison>");
  EXPECT_NE(
      Expand("{{ toUpper $value }}", 1).find("wrong type for value; expected string; got float64"),
      std::string::npos);
}

TEST(TemplateTest, ParseErrorsLikeGo) {
  auto check = [](const std::string& text) {
    Status s = CheckAlertTemplate("B", text);
    return s.ok() ? std::string("ok") : s.error().message;
  };
  EXPECT_EQ(check("{{ $labels.x }"), "template: __alert_B:1: unexpected \"}\" in operand");
  EXPECT_EQ(check("{{ $labels.x "), "template: __alert_B:1: unclosed action");
  EXPECT_EQ(check("{{ foo }}"), "template: __alert_B:1: function \"foo\" not defined");
  EXPECT_EQ(check("{{ if 1 }}"), "template: __alert_B:1: unexpected EOF");
  EXPECT_EQ(check("{{ $x }}"), "template: __alert_B:1: undefined variable \"$x\"");
  EXPECT_EQ(check("{{ end }}"), "template: __alert_B:1: unexpected {{end}}");
  EXPECT_EQ(check("line1\n{{ nope }}"), "template: __alert_B:2: function \"nope\" not defined");
  // Prometheus 2.42 is built with Go 1.19/1.20, whose parser chains {{else if}} only ({{else with}}
  // came with Go 1.23): promtool 2.42 rejects it with this message.
  EXPECT_EQ(check("{{ with 1 }}a{{ else with 2 }}b{{ end }}"),
            "template: __alert_B:1: unexpected <with> in else");
  EXPECT_EQ(check("{{ if 1 }}a{{ else 3 }}b{{ end }}"),
            "template: __alert_B:1: unexpected \"3\" in else");
  EXPECT_EQ(check("{{ humanize $value }}"), "ok");
}

// A query provider over fixed results; an unknown query fails like Prometheus' parser would
// (the message is passed through verbatim).
QueryFunc FakeQueries() {
  return [](const std::string& q) -> Result<std::vector<QuerySample>> {
    const std::map<std::string, std::vector<QuerySample>> results = {
        {"up",
         {{{{"__name__", "up"}, {"instance", "b:9100"}, {"job", "j"}}, 1},
          {{{"__name__", "up"}, {"instance", "a:9100"}, {"job", "j"}}, 0},
          {{{"__name__", "up"}, {"instance", "c:9100"}, {"job", "k"}}, 1}}},
        {"big", {{{{"__name__", "big"}}, 1234567}}},
        {"sv", {{{{"__name__", "sv"}, {"__value__", "hello"}}, 1}}},
        {"nothing", {}},
    };
    auto it = results.find(q);
    if (it == results.end()) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "1:4: parse error: unexpected end of input inside braces");
    }
    return it->second;
  };
}

std::string ExpandQ(const std::string& text, QueryFunc query = FakeQueries()) {
  AlertTemplateData d;
  d.labels = {{"__name__", "trigger"}};
  d.value = 1;
  d.query = std::move(query);
  return ExpandAlertTemplate("A", text, d);
}

// Prometheus' error wrapping for a template named __alert_A at column `col` of the single line.
std::string ExecError(int col, const std::string& at, const std::string& msg) {
  return "<error expanding template: error executing template __alert_A: template: "
         "__alert_A:1:" +
         std::to_string(col) + ": executing \"__alert_A\" at <" + at + ">: " + msg + ">";
}

// Expected outputs below are what promtool 2.42 (`promtool test rules`) printed for the same
// templates over the same series (up{instance="b:9100"}=1, a:9100=0, c:9100=1, in that order).
TEST(TemplateQueryTest, FirstValueAndHumanize) {
  EXPECT_EQ(ExpandQ("{{ query \"up\" | first | value }}"), "1");
  EXPECT_EQ(ExpandQ("{{ query \"big\" | first | value | humanize }}"), "1.235M");
  EXPECT_EQ(ExpandQ("{{ query \"big\" | first | value }}"), "1.234567e+06");
  EXPECT_EQ(ExpandQ("{{ range query \"up\" }}{{ humanizePercentage .Value }} {{ end }}"),
            "100% 0% 100% ");
}

TEST(TemplateQueryTest, RangeOverResults) {
  EXPECT_EQ(ExpandQ("{{ range query \"up\" }}{{ .Labels.instance }}={{ .Value }};{{ end }}"),
            "b:9100=1;a:9100=0;c:9100=1;");
  EXPECT_EQ(ExpandQ("{{ range $i, $s := query \"up\" }}{{ $i }}:{{ label \"instance\" $s }} "
                    "{{ end }}"),
            "0:b:9100 1:a:9100 2:c:9100 ");
  EXPECT_EQ(ExpandQ("{{ range $s := query \"up\" }}{{ $s.Labels.job }}{{ end }}"), "jjk");
  EXPECT_EQ(ExpandQ("{{ range query \"nothing\" }}x{{ else }}empty{{ end }}"), "empty");
  EXPECT_EQ(ExpandQ("{{ $r := query \"up\" }}{{ len $r }}{{ with $r }}{{ (first .).Value }}"
                    "{{ end }}"),
            "31");
  EXPECT_EQ(ExpandQ("{{ len (query \"up\") }}"), "3");
  EXPECT_EQ(ExpandQ("{{ (index (query \"up\") 1).Labels.instance }}"), "a:9100");
}

TEST(TemplateQueryTest, WithTruth) {
  EXPECT_EQ(ExpandQ("{{ with query \"up\" }}{{ . | first | label \"instance\" }}{{ else }}none"
                    "{{ end }}"),
            "b:9100");
  EXPECT_EQ(ExpandQ("{{ with query \"nothing\" }}{{ . | first | label \"instance\" }}{{ else }}"
                    "none{{ end }}"),
            "none");
}

TEST(TemplateQueryTest, SortByLabelIsStable) {
  EXPECT_EQ(ExpandQ("{{ range sortByLabel \"instance\" (query \"up\") }}{{ label \"instance\" . }},"
                    "{{ end }}"),
            "a:9100,b:9100,c:9100,");
  EXPECT_EQ(ExpandQ("{{ range sortByLabel \"job\" (query \"up\") }}{{ label \"instance\" . }},"
                    "{{ end }}"),
            "b:9100,a:9100,c:9100,");
  EXPECT_EQ(ExpandQ("{{ range sortByLabel \"zzz\" (query \"up\") }}{{ label \"instance\" . }},"
                    "{{ end }}"),
            "b:9100,a:9100,c:9100,");
}

TEST(TemplateQueryTest, PrintingSamples) {
  EXPECT_EQ(ExpandQ("{{ query \"up\" | first }}"), "{map[__name__:up instance:b:9100 job:j] 1}");
  EXPECT_EQ(ExpandQ("{{ printf \"%v\" (query \"up\" | first) }}"),
            "&{map[__name__:up instance:b:9100 job:j] 1}");
  EXPECT_EQ(ExpandQ("{{ print (query \"up\" | first) }}"),
            "&{map[__name__:up instance:b:9100 job:j] 1}");
  EXPECT_EQ(ExpandQ("{{ query \"nothing\" }}"), "[]");
  // Go prints the samples' addresses here; the agent prints them as &{...} (documented).
  EXPECT_EQ(ExpandQ("{{ query \"big\" }}"), "[&{map[__name__:big] 1.234567e+06}]");
  EXPECT_EQ(ExpandQ("[{{ query \"up\" | first | strvalue }}]"), "[]");
  EXPECT_EQ(ExpandQ("{{ query \"sv\" | first | strvalue }}"), "hello");
}

TEST(TemplateQueryTest, Links) {
  EXPECT_EQ(
      ExpandQ("{{ graphLink \"rate(x{a=\\\"b c\\\"}[5m]) / 2 ~&+\" }}|{{ tableLink \"up\" }}"),
      "/graph?g0.expr=rate%28x%7Ba%3D%22b+c%22%7D%5B5m%5D%29+%2F+2+~%26%2B&g0.tab=0|"
      "/graph?g0.expr=up&g0.tab=1");
  EXPECT_EQ(GoQueryEscape("a-b_c.d~e f/\xc3\xa9"), "a-b_c.d~e+f%2F%C3%A9");
}

TEST(TemplateQueryTest, ErrorsLikePrometheus) {
  EXPECT_EQ(
      ExpandQ("{{ query \"nothing\" | first }}"),
      ExecError(133, "first", "error calling first: first() called on vector with no elements"));
  EXPECT_EQ(ExpandQ("{{ query \"up{\" }}"),
            ExecError(115, "query \"up{\"",
                      "error calling query: 1:4: parse error: unexpected end of input inside "
                      "braces"));
  EXPECT_EQ(ExpandQ("{{ first \"x\" }}"),
            ExecError(121, "\"x\"", "can't handle \"x\" for arg of type template.queryResult"));
  EXPECT_EQ(ExpandQ("{{ label \"x\" \"y\" }}"),
            ExecError(125, "\"y\"", "can't handle \"y\" for arg of type *template.sample"));
  EXPECT_EQ(
      ExpandQ("{{ \"x\" | first }}"),
      ExecError(121, "first", "wrong type for value; expected template.queryResult; got string"));
  EXPECT_EQ(ExpandQ("{{ query \"up\" | value }}"),
            ExecError(128, "value",
                      "wrong type for value; expected *template.sample; got template.queryResult"));
  EXPECT_EQ(ExpandQ("{{ label \"x\" nil }}"),
            ExecError(115, "label \"x\" nil",
                      "error calling label: runtime error: invalid memory address or nil pointer "
                      "dereference"));
  EXPECT_EQ(ExpandQ("{{ first nil }}"),
            ExecError(115, "first nil",
                      "error calling first: first() called on vector with no elements"));
  EXPECT_EQ(ExpandQ("{{ print nil }}"), "<nil>");
  EXPECT_EQ(ExpandQ("{{ toUpper nil }}"), ExecError(123, "nil", "cannot assign nil to string"));
  EXPECT_EQ(ExpandQ("{{ index (query \"up\") 5 }}"),
            ExecError(115, "index (query \"up\") 5", "error calling index: index out of range: 5"));
  EXPECT_EQ(ExpandQ("{{ index (query \"up\") 3 }}"),
            ExecError(115, "index (query \"up\") 3",
                      "error calling index: reflect: slice index out of range"));
  EXPECT_EQ(ExpandQ("{{ humanize (query \"up\") }}"),
            ExecError(115, "humanize (query \"up\")",
                      "error calling humanize: can't convert template.queryResult to float"));
  EXPECT_EQ(ExpandQ("{{ first }}"),
            ExecError(115, "first", "wrong number of args for first: want 1 got 0"));
  EXPECT_NE(ExpandQ("{{ range (query \"up\" | first) }}x{{ end }}")
                .find("range can't iterate over {map[__name__:up instance:b:9100 job:j] 1}"),
            std::string::npos);
}

TEST(TemplateQueryTest, WithoutProviderQueryFails) {
  EXPECT_EQ(ExpandQ("{{ query \"up\" | first | value }}", QueryFunc()),
            ExecError(115, "query \"up\"",
                      "error calling query: template queries are not supported by the agent"));
  // Parse-time checking is unchanged: the query family parses.
  EXPECT_TRUE(CheckAlertTemplate("A",
                                 "{{ range sortByLabel \"a\" (query \"up\") }}"
                                 "{{ graphLink \"x\" }}{{ . | value | humanize }}{{ end }}")
                  .ok());
  EXPECT_FALSE(CheckAlertTemplate("A", "{{ queryx \"up\" }}").ok());
}

// Nesting is bounded (found by tests/fuzz, template target: 3000 nested parenthesized pipelines
// overflowed the stack), with Go's message.
TEST(TemplateTest, NestingDepthIsBounded) {
  const auto parens = [](int n) {
    return "{{ " + std::string(n, '(') + "1" + std::string(n, ')') + " }}";
  };
  EXPECT_TRUE(Template::Parse("t", parens(254)).ok());
  auto deep = Template::Parse("t", parens(3000));
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().message, "template: t:1: max expression depth exceeded");
  std::string ifs;
  for (int i = 0; i < 300; ++i) ifs += "{{ if 1 }}";
  for (int i = 0; i < 300; ++i) ifs += "{{ end }}";
  EXPECT_EQ(Template::Parse("t", ifs).error().message,
            "template: t:1: max expression depth exceeded");
  std::string else_ifs = "{{ if 0 }}";
  for (int i = 0; i < 300; ++i) else_ifs += "{{ else if 0 }}";
  else_ifs += "{{ end }}";
  EXPECT_FALSE(Template::Parse("t", else_ifs).ok());
}

// Line numbers of a long template (the lexer counts on from the previous token instead of from
// the start: quadratic time before, found by tests/fuzz).
TEST(TemplateTest, LineNumbersOfLongTemplates) {
  std::string text;
  for (int i = 0; i < 2999; ++i) text += "{{ 1 }}\n";
  text += "{{ nosuch }}";
  EXPECT_EQ(Template::Parse("t", text).error().message,
            "template: t:3000: function \"nosuch\" not defined");
}

// Widths and precisions beyond Go's limit (1e6) are errors as in Go's fmt, not a signed overflow
// (found by tests/fuzz, template target).
TEST(TemplateTest, PrintfHugeWidthsAndPrecisions) {
  EXPECT_EQ(Expand(R"({{ printf "%99999999999d|" 1 }})", 0), "%!(NOVERB)%!(EXTRA int=1)");
  EXPECT_EQ(Expand(R"({{ printf "%.99999999999f|" 2.5 }})", 0), "%!(NOVERB)%!(EXTRA float64=2.5)");
  EXPECT_EQ(Expand(R"({{ printf "%*d|" 10000000 1 }})", 0), "%!(BADWIDTH)1|");
  EXPECT_EQ(Expand(R"({{ printf "%*d|" -3 1 }})", 0), "1  |");
  EXPECT_EQ(Expand(R"({{ printf "%1000000d" 1 | len }})", 0), "1000000");
}

}  // namespace
}  // namespace nca::alerts::templates
