#include "alerts/promql/parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "alerts/promql/value.h"

namespace nca::alerts::promql {
namespace {

ExprPtr MustParse(std::string_view text) {
  auto r = Parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  if (!r.ok()) return nullptr;
  return std::move(*r);
}

std::string ParseError(std::string_view text) {
  auto r = Parse(text);
  if (r.ok()) return "OK";
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
  return r.error().message;
}

double NumberOf(std::string_view text) {
  auto e = MustParse(text);
  if (!e) return -12345;
  const auto* n = std::get_if<NumberLiteral>(&e->node);
  EXPECT_NE(n, nullptr) << text;
  return n != nullptr ? n->value : -12345;
}

TEST(PromqlParserTest, NumberLiterals) {
  EXPECT_EQ(NumberOf("1"), 1);
  EXPECT_EQ(NumberOf("010"), 8);  // octal, as Go's ParseInt(s, 0, 64)
  EXPECT_EQ(NumberOf("08"), 8);   // not octal: falls back to ParseFloat
  EXPECT_EQ(NumberOf("0x10"), 16);
  EXPECT_EQ(NumberOf("0X1f"), 31);
  EXPECT_EQ(NumberOf("1e3"), 1000);
  EXPECT_EQ(NumberOf("1.5e-1"), 0.15);
  EXPECT_EQ(NumberOf(".5"), 0.5);
  EXPECT_EQ(NumberOf("5."), 5);
  EXPECT_EQ(NumberOf("-2"), -2);
  EXPECT_EQ(NumberOf("+2"), 2);
  EXPECT_EQ(NumberOf("--2"), 2);
  EXPECT_EQ(NumberOf("Inf"), INFINITY);
  EXPECT_EQ(NumberOf("-inf"), -INFINITY);
  EXPECT_TRUE(std::isnan(NumberOf("NaN")));
  EXPECT_TRUE(std::isnan(NumberOf("nAn")));
  EXPECT_EQ(NumberOf("99999999999999999999"), 1e20);
}

TEST(PromqlParserTest, Durations) {
  auto d = [](std::string_view t) {
    auto r = ParseDuration(t);
    return r.ok() ? *r : int64_t{-1};
  };
  EXPECT_EQ(d("0"), 0);
  EXPECT_EQ(d("5m"), 300000);
  EXPECT_EQ(d("1h30m"), 5400000);
  EXPECT_EQ(d("250ms"), 250);
  EXPECT_EQ(d("1y"), 365LL * 86400000);
  EXPECT_EQ(d("2w"), 14LL * 86400000);
  EXPECT_EQ(d("1d2h3m4s5ms"), 86400000 + 7200000 + 180000 + 4000 + 5);
  EXPECT_EQ(d("30m1h"), -1);
  EXPECT_EQ(d("1.5m"), -1);
  EXPECT_EQ(d("5"), -1);
  EXPECT_EQ(d(""), -1);
  EXPECT_EQ(ParseDuration("1x").error().message, "not a valid duration string: \"1x\"");
  EXPECT_EQ(ParseDuration("999999999999y").error().message, "duration out of range");

  auto e = MustParse("rate(x[1h30m] offset -2m)");
  ASSERT_NE(e, nullptr);
  const auto& call = std::get<Call>(e->node);
  const auto& ms = std::get<MatrixSelector>(call.args[0]->node);
  EXPECT_EQ(ms.range_ms, 5400000);
  EXPECT_EQ(ms.selector.offset_ms, -120000);
}

TEST(PromqlParserTest, StringsAndEscapes) {
  auto str = [](std::string_view t) {
    auto e = MustParse(t);
    return e ? std::get<StringLiteral>(e->node).value : std::string("?");
  };
  EXPECT_EQ(str(R"("a\"b")"), "a\"b");
  EXPECT_EQ(str(R"('a\'b')"), "a'b");
  EXPECT_EQ(str(R"("\x2Fx\n\t\\")"), "/x\n\t\\");
  EXPECT_EQ(str(R"("\101\u00e9\U0001F600")"), "A\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(str("`a\\n\nb`"), "a\\n\nb");  // raw: no escapes, newlines allowed
  EXPECT_EQ(ParseError(R"("\q")"), "1:1: parse error: unknown escape sequence U+0071 'q'");
  EXPECT_EQ(ParseError(R"("a\'")"), "1:1: parse error: unknown escape sequence U+0027 '''");
  EXPECT_EQ(ParseError("\"a\nb\""), "1:1: parse error: unterminated quoted string");
  EXPECT_EQ(ParseError("`abc"), "1:1: parse error: unterminated raw string");
}

TEST(PromqlParserTest, SelectorsAndMatchers) {
  auto e =
      MustParse(R"(http_requests_total{job="api", code=~"5..", path!~"/x", by!="y", on="z",})");
  ASSERT_NE(e, nullptr);
  const auto& vs = std::get<VectorSelector>(e->node);
  EXPECT_EQ(vs.name, "http_requests_total");
  ASSERT_EQ(vs.matchers.size(), 6u);
  EXPECT_EQ(vs.matchers.back().name, "__name__");  // appended last
  EXPECT_EQ(vs.matchers[1].op, MatchOp::kRegexMatch);
  EXPECT_TRUE(vs.matchers[1].Matches("503"));
  EXPECT_FALSE(vs.matchers[1].Matches("5030"));  // anchored
  EXPECT_TRUE(vs.matchers[2].Matches(""));
  EXPECT_EQ(vs.matchers[3].name, "by");
  // Keywords and colons as metric names.
  for (std::string_view name : {"sum", "by", "offset", "and", "without", "job:rate:5m", "start"}) {
    auto sel = MustParse(name);
    ASSERT_NE(sel, nullptr);
    EXPECT_EQ(std::get<VectorSelector>(sel->node).name, name);
  }
  auto c = MustParse("m # a comment\n + 1 # another");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Format(*c), "m + 1");
  EXPECT_EQ(ValueTypeName(MustParse("m[5m]")->Type()), "range vector");
}

TEST(PromqlParserTest, Precedence) {
  struct Case {
    std::string_view in;
    std::string_view out;
  };
  // Parenthesised explicitly by printing a tree with ParenExpr-free structure checks.
  auto shape = [](auto&& self, const Expr& e) -> std::string {
    if (const auto* b = std::get_if<BinaryExpr>(&e.node)) {
      return "(" + self(self, *b->lhs) + " " + std::string(BinaryOpName(b->op)) + " " +
             self(self, *b->rhs) + ")";
    }
    if (const auto* u = std::get_if<UnaryExpr>(&e.node)) {
      return std::string(u->negate ? "-" : "+") + self(self, *u->expr);
    }
    return Format(e);
  };
  for (const auto& c : std::vector<Case>{
           {"-a ^ b", "-(a ^ b)"},
           {"2 ^ 3 ^ 2", "(2 ^ (3 ^ 2))"},
           {"a * b % c", "((a * b) % c)"},
           {"a + b * c - d / e", "((a + (b * c)) - (d / e))"},
           {"-a * b", "(-a * b)"},
           {"a ^ -b * c", "((a ^ -b) * c)"},
           {"a or b and c unless d", "(a or ((b and c) unless d))"},
           {"a > b + c", "(a > (b + c))"},
           {"a == b != c", "((a == b) != c)"},
           {"a atan2 b + c", "((a atan2 b) + c)"},
           {"a + b offset 5m", "(a + b offset 5m)"},
       }) {
    auto e = MustParse(c.in);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(shape(shape, *e), c.out) << c.in;
  }
}

TEST(PromqlParserTest, Modifiers) {
  auto e = MustParse("a > bool on(job, instance) group_left(version) b");
  ASSERT_NE(e, nullptr);
  const auto& b = std::get<BinaryExpr>(e->node);
  EXPECT_TRUE(b.return_bool);
  ASSERT_TRUE(b.matching.has_value());
  EXPECT_TRUE(b.matching->on);
  EXPECT_EQ(b.matching->card, Cardinality::kManyToOne);
  EXPECT_EQ(b.matching->matching_labels, (std::vector<std::string>{"job", "instance"}));
  EXPECT_EQ(b.matching->include, (std::vector<std::string>{"version"}));

  auto s = MustParse("a and ignoring(x) b");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(std::get<BinaryExpr>(s->node).matching->card, Cardinality::kManyToMany);
  auto g = MustParse("a / on(x) group_right b");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(std::get<BinaryExpr>(g->node).matching->card, Cardinality::kOneToMany);
  auto sc = MustParse("a + 1");
  ASSERT_NE(sc, nullptr);
  EXPECT_FALSE(std::get<BinaryExpr>(sc->node).matching.has_value());

  auto agg1 = MustParse("sum by (job) (x)");
  auto agg2 = MustParse("sum(x) by (job)");
  ASSERT_TRUE(agg1 && agg2);
  EXPECT_EQ(Format(*agg1), Format(*agg2));
  auto kw = MustParse("sum without (bool, on, group_left, offset, SUM) (x)");
  ASSERT_NE(kw, nullptr);
  EXPECT_EQ(std::get<AggregateExpr>(kw->node).grouping,
            (std::vector<std::string>{"bool", "on", "group_left", "offset", "SUM"}));
}

TEST(PromqlParserTest, FormatRoundTrips) {
  for (std::string_view text : {
           "sum by (job) (rate(http_requests_total{code=\"500\"}[5m]))",
           "a + on (job) group_left (version) b",
           "a > bool ignoring (x) b",
           "a and on () b",
           "-a",
           "+a",
           "-(a + b)",
           "topk(3, x)",
           "count_values(\"v\", x)",
           "sum without (instance) (x)",
           "x offset 5m",
           "x offset -1m",
           "x[1h30m] offset 1d",
           "label_replace(x, \"a\", \"$1\", \"b\", \"(.*)\")",
           "time()",
           "x{a!=\"b\",c=~\"d\"}",
           "{__name__=~\"a|b\"}",
           "1e+06",
           "0.5",
           "NaN",
           "+Inf",
           "-Inf",
           "histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))",
       }) {
    auto e = MustParse(text);
    ASSERT_NE(e, nullptr);
    std::string once = Format(*e);
    EXPECT_EQ(once, text);
    auto again = MustParse(once);
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(Format(*again), once);
  }
  // Canonicalisation.
  EXPECT_EQ(Format(*MustParse("sum(x) BY (a)")), "sum by (a) (x)");
  EXPECT_EQ(Format(*MustParse("x{b=\"1\",a='2'}")), "x{a=\"2\",b=\"1\"}");
  EXPECT_EQ(Format(*MustParse("x[90s]")), "x[1m30s]");
  EXPECT_EQ(Format(*MustParse("0x10 + 1e3")), "16 + 1000");
  EXPECT_EQ(Format(*MustParse("x[14d]")), "x[2w]");
  EXPECT_EQ(Format(*MustParse("a + ignoring () b")), "a + b");
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(365LL * 86400000), "1y");
  EXPECT_EQ(FormatDuration(90LL * 86400000), "90d");
  EXPECT_EQ(FormatDuration(1500), "1s500ms");
}

TEST(PromqlParserTest, FunctionTable) {
  const std::vector<std::string_view> expected = {"abs",
                                                  "absent",
                                                  "absent_over_time",
                                                  "acos",
                                                  "acosh",
                                                  "asin",
                                                  "asinh",
                                                  "atan",
                                                  "atanh",
                                                  "avg_over_time",
                                                  "ceil",
                                                  "changes",
                                                  "clamp",
                                                  "clamp_max",
                                                  "clamp_min",
                                                  "cos",
                                                  "cosh",
                                                  "count_over_time",
                                                  "days_in_month",
                                                  "day_of_month",
                                                  "day_of_week",
                                                  "day_of_year",
                                                  "deg",
                                                  "delta",
                                                  "deriv",
                                                  "exp",
                                                  "floor",
                                                  "histogram_quantile",
                                                  "holt_winters",
                                                  "hour",
                                                  "idelta",
                                                  "increase",
                                                  "irate",
                                                  "label_join",
                                                  "label_replace",
                                                  "last_over_time",
                                                  "ln",
                                                  "log10",
                                                  "log2",
                                                  "max_over_time",
                                                  "min_over_time",
                                                  "minute",
                                                  "month",
                                                  "pi",
                                                  "predict_linear",
                                                  "present_over_time",
                                                  "quantile_over_time",
                                                  "rad",
                                                  "rate",
                                                  "resets",
                                                  "round",
                                                  "scalar",
                                                  "sgn",
                                                  "sin",
                                                  "sinh",
                                                  "sort",
                                                  "sort_desc",
                                                  "sqrt",
                                                  "stddev_over_time",
                                                  "stdvar_over_time",
                                                  "sum_over_time",
                                                  "tan",
                                                  "tanh",
                                                  "time",
                                                  "timestamp",
                                                  "vector",
                                                  "year"};
  EXPECT_EQ(AllFunctions().size(), expected.size());
  for (auto name : expected) {
    const FunctionInfo* f = LookupFunction(name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(f->name, name);
  }
  EXPECT_EQ(LookupFunction("histogram_count"), nullptr);
  EXPECT_EQ(LookupFunction("time")->return_type, ValueType::kScalar);
  EXPECT_EQ(LookupFunction("round")->variadic, 1);
  EXPECT_EQ(LookupFunction("label_join")->variadic, -1);
}

// Error texts and positions as promtool 2.42 prints them for the same expressions.
TEST(PromqlParserTest, ErrorsMatchPrometheus) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"up +", "1:5: parse error: unexpected end of input"},
      {"1 == 1", "1:3: parse error: comparisons between scalars must use BOOL modifier"},
      {"{job=~\".*\"}",
       "1:1: parse error: vector selector must contain at least one non-empty matcher"},
      {"{env=\"\"}",
       "1:1: parse error: vector selector must contain at least one non-empty matcher"},
      {"foo{__name__=\"bar\"}",
       "1:1: parse error: metric name must not be set twice: \"foo\" or \"bar\""},
      {"rate(up)",
       "1:6: parse error: expected type range vector in call to function \"rate\", got instant "
       "vector"},
      {"rate(up[5m], 1)", "1:1: parse error: expected 1 argument(s) in call to \"rate\", got 2"},
      {"round()", "1:1: parse error: expected at least 1 argument(s) in call to \"round\", got 0"},
      {"round(up, 1, 2)",
       "1:1: parse error: expected at most 2 argument(s) in call to \"round\", got 3"},
      {"label_join(up)",
       "1:1: parse error: expected at least 3 argument(s) in call to \"label_join\", got 1"},
      {"unknownfn(up)", "1:1: parse error: unknown function with name \"unknownfn\""},
      {"sum(up, 1)",
       "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 1, "
       "got 2"},
      {"topk(up)",
       "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, "
       "got 1"},
      {"count_values(1, up)",
       "1:14: parse error: expected type string in aggregation parameter, got scalar"},
      {"topk(\"a\", up)",
       "1:6: parse error: expected type scalar in aggregation parameter, got string"},
      {"up and bool up",
       "1:4: parse error: bool modifier can only be used on comparison operators"},
      {"up + bool up", "1:4: parse error: bool modifier can only be used on comparison operators"},
      {"1 and up",
       "1:1: parse error: set operator \"and\" not allowed in binary scalar expression"},
      {"up and on(a) group_left up", "1:1: parse error: no grouping allowed for \"and\" operation"},
      {"up * on(a) group_left(a) up",
       "1:4: parse error: label \"a\" must not occur in ON and GROUP clause at once"},
      {"1 + on(a) up", "1:1: parse error: vector matching only allowed between instant vectors"},
      {"up offset 0s", "1:11: parse error: duration must be greater than 0"},
      {"up[0s]", "1:4: parse error: duration must be greater than 0"},
      {"up[5]", "1:4: parse error: missing unit character in duration"},
      {"sum(up) offset 5m",
       "1:1: parse error: offset modifier must be preceded by an instant vector selector or range "
       "vector selector or a subquery"},
      {"(up)[5m]", "1:5: parse error: ranges only allowed for vector selectors"},
      {"up offset 1m [5m]", "1:14: parse error: no offset modifiers allowed before range"},
      {"up offset 1m offset 2m", "1:1: parse error: offset may not be set multiple times"},
      {"sum(up", "1:7: parse error: unclosed left parenthesis"},
      {"up)", "1:4: parse error: unexpected right parenthesis ')'"},
      {"\"abc", "1:1: parse error: unterminated quoted string"},
      {"up{a=\"b\"", "1:9: parse error: unexpected end of input inside braces"},
      {"up{a=1}", "1:6: parse error: unexpected character inside braces: '1'"},
      {"up{a~\"b\"}", "1:5: parse error: unexpected character inside braces: '~'"},
      {"up{a=\"b\" c=\"d\"}",
       "1:10: parse error: unexpected identifier \"c\" in label matching, expected \",\" or \"}\""},
      {"up =~ 1", "1:4: parse error: unexpected character after '=': '~'"},
      {"up ! 1", "1:4: parse error: unexpected character after '!': ' '"},
      {"rate(up[5m],)", "1:12: parse error: trailing commas not allowed in function call args"},
      {"sum by (a:b) (up)",
       "1:9: parse error: unexpected metric identifier \"a:b\" in grouping opts, expected label"},
      {"sum by (1) (up)",
       "1:9: parse error: unexpected number \"1\" in grouping opts, expected label"},
      {"sum by (a b) (up)",
       "1:11: parse error: unexpected identifier \"b\" in grouping opts, expected \",\" or \")\""},
      {"sum by a (up)",
       "1:8: parse error: unexpected identifier \"a\" in grouping opts, expected \"(\""},
      {"-\"a\"",
       "1:1: parse error: unary expression only allowed on expressions of type scalar or instant "
       "vector, got \"string\""},
      {"-up[5m]",
       "1:1: parse error: unary expression only allowed on expressions of type scalar or instant "
       "vector, got \"range vector\""},
      {"up[5m] + 1",
       "1:1: parse error: binary expression must contain only scalar and instant vector types"},
      {"1.5m", "1:1: parse error: unexpected duration \"1.5m\""},
      {"1e",
       "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"1e\": invalid "
       "syntax"},
      {"0x",
       "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"0x\": invalid "
       "syntax"},
      {"5mm", "1:1: parse error: bad number or duration syntax: \"5mm\""},
      {"up{a=~\"(\"}", "1:4: parse error: error parsing regexp: missing closing ): `^(?:()$`"},
      {"foo bar", "1:5: parse error: unexpected identifier \"bar\""},
      {"up offset 5", "1:11: parse error: unexpected number \"5\" in offset, expected duration"},
      {"$", "1:1: parse error: unexpected character: '$'"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(ParseError(in), want) << in;
}

TEST(PromqlParserTest, UnsupportedConstructsNameTheirPosition) {
  EXPECT_EQ(ParseError("up[5m:1m]"), "1:3: parse error: subqueries are not supported by the agent");
  EXPECT_EQ(ParseError("rate(up[5m:])"),
            "1:8: parse error: subqueries are not supported by the agent");
  EXPECT_EQ(ParseError("up @ 100"),
            "1:4: parse error: the @ modifier is not supported by the agent");
  EXPECT_EQ(ParseError(""), "1:1: parse error: no expression found in input");
  EXPECT_EQ(ParseError("up +\n  foo bar"), "2:7: parse error: unexpected identifier \"bar\"");
  // Several type errors are all reported.
  EXPECT_EQ(ParseError("rate(1) + rate(2)"),
            "1:6: parse error: expected type range vector in call to function \"rate\", got "
            "scalar\n1:16: parse error: expected type range vector in call to function \"rate\", "
            "got scalar");
}

// Expressions nest at most kMaxExprDepth (256) levels: parsing, type checking, printing and
// freeing recurse once per level, and a few KB of "((((" or "1+1+1+..." overflowed the stack
// (found by tests/fuzz, promql target).
TEST(PromqlParserTest, NestingDepthIsBounded) {
  const auto parens = [](int n) { return std::string(n, '(') + "1" + std::string(n, ')'); };
  const auto chain = [](int n) {
    std::string s = "up";
    for (int i = 1; i < n; ++i) s += " + up";
    return s;
  };
  constexpr char kTooDeep[] = "parse error: expression nested too deeply (more than 256 levels)";
  EXPECT_EQ(ParseError(parens(255)), "OK");
  EXPECT_EQ(ParseError(parens(256)), std::string("1:257: ") + kTooDeep);
  EXPECT_EQ(ParseError(parens(3000)), std::string("1:257: ") + kTooDeep);
  EXPECT_EQ(ParseError(std::string(300, '-') + "1"), std::string("1:257: ") + kTooDeep);
  EXPECT_EQ(ParseError(chain(256)), "OK");
  EXPECT_EQ(ParseError(chain(3000)), std::string("1:1: ") + kTooDeep);
  // Wide is fine: many arguments or matchers are not deep.
  std::string wide = "label_join(up, \"dst\", \",\"";
  for (int i = 0; i < 3000; ++i) wide += ",\n\"src\"";
  EXPECT_EQ(ParseError(wide + ")"), "OK");
  // ... and positions on its last lines are right (found with a binary search over the line
  // breaks now: scanning from the start for every node was quadratic).
  EXPECT_EQ(ParseError(wide + ", )"),
            "3001:6: parse error: trailing commas not allowed in function call args");
}

}  // namespace
}  // namespace nca::alerts::promql
