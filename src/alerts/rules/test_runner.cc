#include "alerts/rules/test_runner.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "alerts/history.h"
#include "alerts/promql/engine.h"
#include "alerts/promql/parser.h"
#include "alerts/rules/group.h"
#include "alerts/rules/rule_file.h"
#include "alerts/templates/go_text.h"
#include "common/files.h"

namespace nca::alerts::rules {

namespace {

struct YamlError {
  std::string message;
};

void CheckKnown(const YAML::Node& map, const std::set<std::string>& known, const char* type,
                std::vector<std::string>& unknown) {
  if (!map.IsMap()) return;
  for (const auto& kv : map) {
    if (!known.count(kv.first.Scalar())) {
      unknown.push_back("  line " + std::to_string(kv.first.Mark().line + 1) + ": field " +
                        kv.first.Scalar() + " not found in type " + type);
    }
  }
}

std::string Scalar(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "";
  if (!n.IsScalar()) {
    throw YamlError{"yaml: unmarshal errors:\n  line " + std::to_string(n.Mark().line + 1) +
                    ": cannot unmarshal !!" + (n.IsMap() ? "map" : "seq") + " into string"};
  }
  return n.Scalar();
}

int64_t Duration(const YAML::Node& n) {
  std::string s = Scalar(n);
  if (s.empty()) return 0;
  auto d = promql::ParseDuration(s);
  if (!d.ok()) throw YamlError{d.error().message};
  return *d;
}

std::map<std::string, std::string> StringMap(const YAML::Node& n) {
  std::map<std::string, std::string> m;
  if (!n.IsDefined() || n.IsNull()) return m;
  if (!n.IsMap()) {
    throw YamlError{"yaml: unmarshal errors:\n  line " + std::to_string(n.Mark().line + 1) +
                    ": cannot unmarshal !!seq into map[string]string"};
  }
  for (const auto& kv : n) m[kv.first.Scalar()] = Scalar(kv.second);
  return m;
}

// yaml.v2 float decoding: .nan/.inf, plain numbers; "NaN" is a string and fails.
double YamlFloat(const YAML::Node& n) {
  std::string s = Scalar(n);
  if (s.empty()) return 0;
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return std::numeric_limits<double>::quiet_NaN();
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "+.Inf" || s == "+.INF") {
    return std::numeric_limits<double>::infinity();
  }
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return -std::numeric_limits<double>::infinity();
  bool numeric = true;
  for (char c : s) {
    numeric = numeric && (std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' ||
                          c == 'E' || c == '+' || c == '-' || c == '_');
  }
  double v = 0;
  std::string clean;
  for (char c : s) {
    if (c != '_') clean += c;
  }
  if (!numeric || !templates::GoParseFloat(clean, v)) {
    throw YamlError{"yaml: unmarshal errors:\n  line " + std::to_string(n.Mark().line + 1) +
                    ": cannot unmarshal !!str `" + s + "` into float64"};
  }
  return v;
}

struct InputSeries {
  std::string series;
  std::string values;
};
struct ExpAlert {
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};
struct AlertTest {
  int64_t eval_time = 0;
  std::string alertname;
  std::vector<ExpAlert> exp_alerts;
};
struct ExpSample {
  std::string labels;
  double value = 0;
};
struct ExprTest {
  std::string expr;
  int64_t eval_time = 0;
  std::vector<ExpSample> exp_samples;
};
struct TestGroup {
  int64_t interval = 0;
  std::vector<InputSeries> input_series;
  std::vector<AlertTest> alert_tests;
  std::vector<ExprTest> expr_tests;
  std::map<std::string, std::string> external_labels;
  std::string external_url;
  std::string name;
};
struct TestFile {
  std::vector<std::string> rule_files;
  int64_t evaluation_interval = 0;
  std::vector<std::string> group_eval_order;
  std::vector<TestGroup> tests;
};

TestFile DecodeTestFile(const std::string& content) {
  YAML::Node root;
  try {
    root = YAML::Load(content);
  } catch (const YAML::Exception& e) {
    throw YamlError{"yaml: line " + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  TestFile f;
  if (!root.IsDefined() || root.IsNull()) return f;
  std::vector<std::string> unknown;
  CheckKnown(root, {"rule_files", "evaluation_interval", "group_eval_order", "tests"},
             "main.unitTestFile", unknown);
  for (const auto& n : root["rule_files"]) f.rule_files.push_back(Scalar(n));
  f.evaluation_interval = Duration(root["evaluation_interval"]);
  for (const auto& n : root["group_eval_order"]) f.group_eval_order.push_back(Scalar(n));
  for (const auto& t : root["tests"]) {
    CheckKnown(t,
               {"interval", "input_series", "alert_rule_test", "promql_expr_test",
                "external_labels", "external_url", "name"},
               "main.testGroup", unknown);
    TestGroup g;
    g.interval = Duration(t["interval"]);
    for (const auto& s : t["input_series"]) {
      CheckKnown(s, {"series", "values"}, "main.series", unknown);
      g.input_series.push_back({Scalar(s["series"]), Scalar(s["values"])});
    }
    for (const auto& a : t["alert_rule_test"]) {
      CheckKnown(a, {"eval_time", "alertname", "exp_alerts"}, "main.alertTestCase", unknown);
      AlertTest at;
      at.eval_time = Duration(a["eval_time"]);
      at.alertname = Scalar(a["alertname"]);
      for (const auto& e : a["exp_alerts"]) {
        CheckKnown(e, {"exp_labels", "exp_annotations"}, "main.alert", unknown);
        at.exp_alerts.push_back({StringMap(e["exp_labels"]), StringMap(e["exp_annotations"])});
      }
      g.alert_tests.push_back(std::move(at));
    }
    for (const auto& p : t["promql_expr_test"]) {
      CheckKnown(p, {"expr", "eval_time", "exp_samples"}, "main.promqlTestCase", unknown);
      ExprTest et;
      et.expr = Scalar(p["expr"]);
      et.eval_time = Duration(p["eval_time"]);
      for (const auto& s : p["exp_samples"]) {
        CheckKnown(s, {"labels", "value"}, "main.sample", unknown);
        et.exp_samples.push_back({Scalar(s["labels"]), YamlFloat(s["value"])});
      }
      g.expr_tests.push_back(std::move(et));
    }
    g.external_labels = StringMap(t["external_labels"]);
    g.external_url = Scalar(t["external_url"]);
    g.name = Scalar(t["name"]);
    f.tests.push_back(std::move(g));
  }
  if (!unknown.empty()) {
    std::string msg = "yaml: unmarshal errors:";
    for (const auto& u : unknown) msg += "\n" + u;
    throw YamlError{msg};
  }
  return f;
}

struct LabelsAndAnnotations {
  promql::Labels labels;
  std::map<std::string, std::string> annotations;
  friend bool operator==(const LabelsAndAnnotations&, const LabelsAndAnnotations&) = default;
};

std::string MapString(const std::map<std::string, std::string>& m) {
  std::vector<std::pair<std::string, std::string>> pairs(m.begin(), m.end());
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : pairs) {
    if (!first) out += ", ";
    first = false;
    out += k + "=" + promql::GoQuote(v);
  }
  return out + "}";
}

std::string IndentLines(const std::string& lines, const std::string& indent) {
  std::string out;
  std::size_t start = 0;
  bool first = true;
  while (true) {
    std::size_t nl = lines.find('\n', start);
    if (!first) out += indent;
    first = false;
    out += lines.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (nl == std::string::npos) break;
    out += '\n';
    start = nl + 1;
  }
  return out;
}

std::string AlertsString(const std::vector<LabelsAndAnnotations>& la) {
  if (la.empty()) return "[]";
  auto one = [](const LabelsAndAnnotations& a) {
    return "Labels:" + a.labels.ToString() + "\nAnnotations:" + MapString(a.annotations);
  };
  std::string s = "[\n0:" + IndentLines("\n" + one(la[0]), "  ");
  for (std::size_t i = 1; i < la.size(); ++i) {
    s += ",\n" + std::to_string(i) + ":" + IndentLines("\n" + one(la[i]), "  ");
  }
  return s + "\n]";
}

struct ParsedSample {
  promql::Labels labels;
  double value = 0;
};

std::string SamplesString(const std::vector<ParsedSample>& s) {
  if (s.empty()) return "nil";
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i > 0) out += ", ";
    out += s[i].labels.ToString() + " " + promql::FormatFloatE(s[i].value);
  }
  return out;
}

bool SamplesEqual(const std::vector<ParsedSample>& a, const std::vector<ParsedSample>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    // reflect.DeepEqual on float64: NaN never equals.
    if (!(a[i].labels == b[i].labels) || !(a[i].value == b[i].value)) return false;
  }
  return true;
}

std::vector<std::string> RunTestGroup(const TestGroup& tg, int64_t eval_interval,
                                      const std::map<std::string, int>& order,
                                      const std::vector<std::string>& rule_files) {
  // Input series.
  SampleHistory history(std::numeric_limits<int64_t>::max() / 4);
  std::map<promql::Labels, std::vector<SeriesValue>> defs;
  for (const auto& s : tg.input_series) {
    auto labels = ParseMetric(s.series);
    if (!labels.ok()) return {labels.error().message};
    auto values = ParseSeriesValues(s.values);
    if (!values.ok()) return {values.error().message};
    defs[*labels] = std::move(values).value();  // a later definition replaces an earlier one
  }
  for (const auto& [labels, values] : defs) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (values[i].omitted) continue;
      history.Append(labels, static_cast<int64_t>(i) * tg.interval, values[i].value);
    }
  }

  // Rule groups.
  std::vector<std::unique_ptr<Group>> groups;
  RuleContext ctx{tg.external_labels, tg.external_url};
  std::vector<std::string> load_errs;
  for (const auto& path : rule_files) {
    auto rf = LoadRuleFile(path);
    if (!rf.ok()) {
      load_errs.push_back(rf.error().message);
      continue;
    }
    for (auto& g : rf->groups) {
      groups.push_back(std::make_unique<Group>(std::move(g), tg.interval, ctx));
    }
  }
  if (!load_errs.empty()) return load_errs;
  std::stable_sort(groups.begin(), groups.end(), [&](const auto& a, const auto& b) {
    auto ia = order.find(a->def().name);
    auto ib = order.find(b->def().name);
    return (ia == order.end() ? 0 : ia->second) < (ib == order.end() ? 0 : ib->second);
  });

  int64_t maxt = 0;
  for (const auto& a : tg.alert_tests) maxt = std::max(maxt, a.eval_time);
  for (const auto& e : tg.expr_tests) maxt = std::max(maxt, e.eval_time);

  std::map<int64_t, std::vector<const AlertTest*>> alert_tests;
  std::map<int64_t, std::set<std::string>> alerts_in_test;
  for (const auto& a : tg.alert_tests) {
    if (a.alertname.empty()) {
      std::string log = tg.name.empty() ? "" : " (in TestGroup " + tg.name + ")";
      return {"an item under alert_rule_test misses required attribute alertname at eval_time " +
              promql::FormatDuration(a.eval_time) + log};
    }
    alert_tests[a.eval_time].push_back(&a);
    alerts_in_test[a.eval_time].insert(a.alertname);
  }
  std::vector<int64_t> alert_times;
  for (const auto& [t, v] : alert_tests) alert_times.push_back(t);

  promql::EngineOptions eo;
  promql::Engine engine(eo);
  QueryFunc query = EngineQueryFunc(engine, history);

  std::vector<std::string> errs;
  std::size_t curr = 0;
  const int64_t step = std::max<int64_t>(eval_interval, 1);
  for (int64_t ts = 0; ts <= maxt; ts += step) {
    std::vector<std::string> eval_errs;
    for (auto& g : groups) {
      g->Eval(ts, query, history);
      auto last = g->LastErrors();
      for (std::size_t i = 0; i < last.size(); ++i) {
        if (last[i]) {
          eval_errs.push_back("    rule: " + g->def().rules[i].name +
                              ", time: " + promql::FormatDuration(ts) + ", err: " + *last[i]);
        }
      }
    }
    errs.insert(errs.end(), eval_errs.begin(), eval_errs.end());
    if (!eval_errs.empty()) return errs;

    while (curr < alert_times.size() && ts <= alert_times[curr] && alert_times[curr] < ts + step) {
      int64_t t = alert_times[curr];
      const auto& present = alerts_in_test[t];
      std::map<std::string, std::vector<LabelsAndAnnotations>> got;
      for (auto& g : groups) {
        for (AlertingRule* r : g->AlertingRules()) {
          if (!r || !present.count(r->def().name)) continue;
          auto& list = got[r->def().name];
          for (const auto& a : r->ActiveAlerts()) {
            if (a.state == AlertState::kFiring) list.push_back({a.labels, a.annotations});
          }
        }
      }
      for (const AlertTest* tc : alert_tests[t]) {
        std::vector<LabelsAndAnnotations> got_alerts = got[tc->alertname];
        std::vector<LabelsAndAnnotations> exp_alerts;
        for (const auto& e : tc->exp_alerts) {
          std::vector<std::pair<std::string, std::string>> pairs(e.labels.begin(), e.labels.end());
          promql::Labels l(std::move(pairs));
          l.Set("alertname", tc->alertname);
          exp_alerts.push_back({std::move(l), e.annotations});
        }
        auto less = [](const LabelsAndAnnotations& a, const LabelsAndAnnotations& b) {
          return a.labels < b.labels;
        };
        std::stable_sort(got_alerts.begin(), got_alerts.end(), less);
        std::stable_sort(exp_alerts.begin(), exp_alerts.end(), less);
        if (!(got_alerts == exp_alerts)) {
          std::string name = tg.name.empty() ? "" : "    name: " + tg.name + ",\n";
          errs.push_back(
              name + "    alertname: " + tc->alertname +
              ", time: " + promql::FormatDuration(tc->eval_time) +
              ", \n        exp:" + IndentLines(AlertsString(exp_alerts), "            ") +
              ", \n        got:" + IndentLines(AlertsString(got_alerts), "            "));
        }
      }
      ++curr;
    }
  }

  for (const auto& tc : tg.expr_tests) {
    std::string head =
        "    expr: " + promql::GoQuote(tc.expr) + ", time: " + promql::FormatDuration(tc.eval_time);
    auto parsed = promql::Parse(tc.expr);
    if (!parsed.ok()) {
      errs.push_back(head + ", err: " + parsed.error().message);
      continue;
    }
    auto result = engine.Instant(**parsed, tc.eval_time, history);
    if (!result.ok()) {
      errs.push_back(head + ", err: " + result.error().message);
      continue;
    }
    std::vector<ParsedSample> got;
    if (auto* vec = std::get_if<promql::Vector>(&*result)) {
      for (const auto& s : *vec) got.push_back({s.labels, s.v});
    } else if (auto* sc = std::get_if<promql::Scalar>(&*result)) {
      got.push_back({promql::Labels(), sc->v});
    } else {
      errs.push_back(head + ", err: rule result is not a vector or scalar");
      continue;
    }
    std::vector<ParsedSample> exp;
    bool bad = false;
    for (const auto& s : tc.exp_samples) {
      auto l = ParseMetric(s.labels);
      if (!l.ok()) {
        errs.push_back(head + ", err: labels " + promql::GoQuote(s.labels) + ": " +
                       l.error().message);
        bad = true;
        break;
      }
      exp.push_back({*l, s.value});
    }
    if (bad) continue;
    auto by_labels = [](const ParsedSample& a, const ParsedSample& b) {
      return a.labels < b.labels;
    };
    std::stable_sort(exp.begin(), exp.end(), by_labels);
    std::stable_sort(got.begin(), got.end(), by_labels);
    if (!SamplesEqual(exp, got)) {
      errs.push_back(head + ",\n        exp: " + SamplesString(exp) +
                     "\n        got: " + SamplesString(got));
    }
  }
  return errs;
}

std::vector<std::string> RunFile(const std::string& path) {
  auto content = ReadWholeFile(path, "test file");
  if (!content.ok()) return {content.error().message};
  TestFile tf;
  try {
    tf = DecodeTestFile(*content);
  } catch (const YamlError& e) {
    return {e.message};
  }
  // rule_files are relative to the test file; globs are expanded.
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::vector<std::string> rule_files;
  for (const auto& rf : tf.rule_files) {
    std::filesystem::path p =
        std::filesystem::path(rf).is_absolute() ? std::filesystem::path(rf) : dir / rf;
    rule_files.push_back(p.lexically_normal().string());
  }
  int64_t eval_interval = tf.evaluation_interval == 0 ? 60000 : tf.evaluation_interval;
  std::map<std::string, int> order;
  for (std::size_t i = 0; i < tf.group_eval_order.size(); ++i) {
    if (order.count(tf.group_eval_order[i])) {
      return {"group name repeated in evaluation order: " + tf.group_eval_order[i]};
    }
    order[tf.group_eval_order[i]] = static_cast<int>(i);
  }
  std::vector<std::string> errs;
  for (const auto& tg : tf.tests) {
    auto e = RunTestGroup(tg, eval_interval, order, rule_files);
    errs.insert(errs.end(), e.begin(), e.end());
  }
  return errs;
}

bool ParseSeriesNumber(std::string_view s, double& out) {
  if (s == "stale") {
    out = promql::StaleNaN();
    return true;
  }
  return templates::GoParseFloat(s, out) && s.find_first_of("xX") == std::string_view::npos;
}

}  // namespace

Result<std::vector<SeriesValue>> ParseSeriesValues(std::string_view values) {
  std::vector<SeriesValue> out;
  std::size_t i = 0;
  auto bad = [&](std::string_view tok) {
    return MakeError(ErrorKind::kInvalidArgument, "1:" + std::to_string(i + 1) +
                                                      ": parse error: unexpected \"" +
                                                      std::string(tok) + "\" in series values");
  };
  while (i < values.size()) {
    while (i < values.size() && std::isspace(static_cast<unsigned char>(values[i]))) ++i;
    if (i >= values.size()) break;
    std::size_t start = i;
    while (i < values.size() && !std::isspace(static_cast<unsigned char>(values[i]))) ++i;
    std::string_view tok = values.substr(start, i - start);
    std::string_view base = tok;
    std::string_view times;
    std::size_t x = tok.rfind('x');
    if (x != std::string_view::npos && x > 0 && x + 1 < tok.size() &&
        std::all_of(tok.begin() + static_cast<long>(x) + 1, tok.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      base = tok.substr(0, x);
      times = tok.substr(x + 1);
    }
    uint64_t n = 0;
    if (!times.empty()) n = std::stoull(std::string(times));
    if (base == "_") {
      std::size_t count = times.empty() ? 1 : n;
      for (std::size_t k = 0; k < count; ++k) out.push_back({true, 0});
      continue;
    }
    // a+bxn / a-bxn: an operator after the first character, not part of an exponent.
    std::size_t op = std::string_view::npos;
    if (!times.empty()) {
      for (std::size_t k = 1; k < base.size(); ++k) {
        if ((base[k] == '+' || base[k] == '-') && base[k - 1] != 'e' && base[k - 1] != 'E') {
          op = k;
          break;
        }
      }
    }
    double a = 0;
    if (op != std::string_view::npos) {
      double b = 0;
      if (!ParseSeriesNumber(base.substr(0, op), a) ||
          !templates::GoParseFloat(base.substr(op), b)) {
        return bad(tok);
      }
      for (uint64_t k = 0; k <= n; ++k) {
        out.push_back({false, a});
        a += b;
      }
      continue;
    }
    if (!ParseSeriesNumber(base, a)) return bad(tok);
    std::size_t count = times.empty() ? 1 : n + 1;
    for (std::size_t k = 0; k < count; ++k) out.push_back({false, a});
  }
  return out;
}

Result<promql::Labels> ParseMetric(std::string_view text) {
  std::size_t i = 0;
  auto skip = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  auto err = [&](const std::string& msg) {
    return MakeError(ErrorKind::kInvalidArgument,
                     "1:" + std::to_string(i + 1) + ": parse error: " + msg);
  };
  auto ident = [&] {
    std::size_t s = i;
    while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) ||
                               text[i] == '_' || text[i] == ':')) {
      ++i;
    }
    return std::string(text.substr(s, i - s));
  };
  std::vector<std::pair<std::string, std::string>> pairs;
  skip();
  std::string name = ident();
  if (!name.empty()) pairs.emplace_back(promql::kMetricNameLabel, name);
  skip();
  if (i < text.size() && text[i] == '{') {
    ++i;
    while (true) {
      skip();
      if (i < text.size() && text[i] == '}') {
        ++i;
        break;
      }
      std::string key = ident();
      if (key.empty()) return err("unexpected character in label matching");
      skip();
      if (i >= text.size() || text[i] != '=') return err("expected \"=\" after label name");
      ++i;
      skip();
      if (i >= text.size() || (text[i] != '"' && text[i] != '\'' && text[i] != '`')) {
        return err("expected label value");
      }
      char q = text[i++];
      std::string val;
      while (i < text.size() && text[i] != q) {
        if (text[i] == '\\' && q != '`' && i + 1 < text.size()) {
          char e = text[++i];
          val += e == 'n' ? '\n' : e == 't' ? '\t' : e;
          ++i;
          continue;
        }
        val += text[i++];
      }
      if (i >= text.size()) return err("unterminated quoted string");
      ++i;
      pairs.emplace_back(key, val);
      skip();
      if (i < text.size() && text[i] == ',') ++i;
    }
  } else if (name.empty()) {
    return err("unexpected end of input");
  }
  skip();
  if (i != text.size()) return err("unexpected character after metric");
  return promql::Labels(std::move(pairs));
}

int RunRuleTests(const std::vector<std::string>& files, std::ostream& out, std::ostream& err) {
  bool failed = false;
  for (const auto& f : files) {
    out << "Unit Testing:  " << f << "\n";
    auto errs = RunFile(f);
    if (!errs.empty()) {
      err << "  FAILED:\n";
      for (const auto& e : errs) {
        err << e << "\n";
        err.flush();
        out << "\n";
      }
      failed = true;
    } else {
      out << "  SUCCESS\n";
    }
    out << "\n";
  }
  return failed ? 1 : 0;
}

}  // namespace nca::alerts::rules
