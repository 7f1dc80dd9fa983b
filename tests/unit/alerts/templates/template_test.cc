#include "alerts/templates/template.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

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
  EXPECT_EQ(check("{{ humanize $value }}"), "ok");
}

}  // namespace
}  // namespace nca::alerts::templates
