#include "alerts/rules/manifest_rules.h"

#include <cstdio>
#include <map>
#include <memory>
#include <utility>
#include <variant>

#include "alerts/promql/parser.h"

namespace nca::alerts::rules {

namespace {

using promql::Expr;
using promql::ExprPtr;

// Replaces, in place, every selector naming a manifest metric by `(query)`. Returns an error
// text for uses that cannot be substituted.
std::optional<std::string> Substitute(Expr& e, const std::map<std::string, const Expr*>& metrics) {
  auto is_metric = [&](const promql::VectorSelector& vs) {
    return !vs.name.empty() && metrics.count(vs.name) > 0;
  };
  auto check_bare = [&](const promql::VectorSelector& vs) -> std::optional<std::string> {
    if (vs.matchers.size() > 1 || vs.offset_ms != 0) {
      return "manifest metric \"" + vs.name +
             "\" is a query and cannot take label matchers or offset";
    }
    return std::nullopt;
  };
  auto recurse = [&](ExprPtr& child) -> std::optional<std::string> {
    return child ? Substitute(*child, metrics) : std::nullopt;
  };
  return std::visit(
      [&](auto& n) -> std::optional<std::string> {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, promql::VectorSelector>) {
          if (!is_metric(n)) return std::nullopt;
          if (auto err = check_bare(n)) return err;
          auto query = promql::Parse(promql::Format(*metrics.at(n.name)));
          if (!query.ok()) return query.error().message;
          promql::ParenExpr paren;
          paren.expr = std::move(query).value();
          const promql::Position pos = e.pos;
          e.node = std::move(paren);
          e.pos = pos;
          return std::nullopt;
        } else if constexpr (std::is_same_v<T, promql::MatrixSelector>) {
          if (is_metric(n.selector)) {
            return "manifest metric \"" + n.selector.name +
                   "\" is a query and cannot be used with a range [" +
                   promql::FormatDuration(n.range_ms) + "]";
          }
          return std::nullopt;
        } else if constexpr (std::is_same_v<T, promql::Call>) {
          for (auto& a : n.args) {
            if (auto err = recurse(a)) return err;
          }
          return std::nullopt;
        } else if constexpr (std::is_same_v<T, promql::AggregateExpr>) {
          if (auto err = recurse(n.expr)) return err;
          return recurse(n.param);
        } else if constexpr (std::is_same_v<T, promql::BinaryExpr>) {
          if (auto err = recurse(n.lhs)) return err;
          return recurse(n.rhs);
        } else if constexpr (std::is_same_v<T, promql::UnaryExpr> ||
                             std::is_same_v<T, promql::ParenExpr>) {
          return recurse(n.expr);
        } else {
          return std::nullopt;
        }
      },
      e.node);
}

// `text` as alert template text that expands to exactly `text`. Label values and annotations are
// templates, and manifest text (a condition may hold "{{" inside a PromQL string) is data: text
// with "{{" becomes one action printing it as a string constant, in which only '"', '\\' and
// control characters are escaped (\", \\, \xNN: escapes the template engine reads back byte for
// byte; every other byte, invalid UTF-8 included, stays as it is).
std::string TemplateText(const std::string& text) {
  if (text.find("{{") == std::string::npos) return text;
  std::string out = "{{ \"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[5];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\" }}";
}

}  // namespace

Result<std::optional<GroupDef>> MonitoringRules(const config::ClusterSpecDoc& doc) {
  const config::MonitoringSpec& m = doc.monitoring;
  if (m.alerts.empty()) return std::optional<GroupDef>();
  const std::string manifest =
      (doc.namespace_name.empty() ? std::string("default") : doc.namespace_name) + "/" + doc.name;
  auto fail = [&](const std::string& where, const std::string& what) {
    return MakeError(ErrorKind::kInvalidArgument,
                     doc.source + ": spec.monitoring." + where + ": " + what);
  };

  std::map<std::string, ExprPtr> parsed;
  for (std::size_t i = 0; i < m.metrics.size(); ++i) {
    const auto& metric = m.metrics[i];
    const std::string where = "metrics[" + std::to_string(i) + "] (" + metric.name + ")";
    auto q = promql::Parse(metric.query);
    if (!q.ok()) return fail(where, "query: " + q.error().message);
    if (!parsed.emplace(metric.name, std::move(q).value()).second) {
      return fail(where, "duplicate metric name \"" + metric.name + "\"");
    }
  }
  std::map<std::string, const Expr*> metrics;
  for (const auto& [name, expr] : parsed) metrics.emplace(name, expr.get());

  GroupDef group;
  group.file = doc.source;
  group.name = "manifest/" + manifest;
  for (std::size_t i = 0; i < m.alerts.size(); ++i) {
    const auto& alert = m.alerts[i];
    const std::string where = "alerts[" + std::to_string(i) + "] (" + alert.name + ")";
    if (alert.name.empty()) return fail(where, "name is required");
    auto cond = promql::Parse(alert.condition);
    if (!cond.ok()) return fail(where, "condition: " + cond.error().message);
    if (auto err = Substitute(**cond, metrics)) return fail(where, "condition: " + *err);
    // Re-parse the substituted text: the parser checks the types of the result as a whole.
    const std::string text = promql::Format(**cond);
    auto expr = promql::Parse(text);
    if (!expr.ok()) return fail(where, "condition: " + expr.error().message);
    const promql::ValueType type = (*expr)->Type();
    if (type != promql::ValueType::kVector && type != promql::ValueType::kScalar) {
      return fail(where, "condition must yield an instant vector or a scalar");
    }
    RuleDef r;
    r.kind = RuleDef::Kind::kAlerting;
    r.name = alert.name;
    r.expr_text = text;
    r.expr = std::shared_ptr<const Expr>(std::move(expr).value());
    if (!alert.severity.empty()) r.labels["severity"] = TemplateText(alert.severity);
    r.labels["manifest"] = TemplateText(manifest);
    r.annotations["summary"] =
        TemplateText("Manifest " + manifest + " alert " + alert.name + ": " + alert.condition);
    r.annotations["description"] =
        TemplateText("The condition \"" + alert.condition + "\" of Neo4jEnterpriseCluster " +
                     manifest + " holds (value ") +
        "{{ $value }}{{ with $labels.cluster }}, cluster {{ . }}{{ end }}).";
    group.rules.push_back(std::move(r));
  }
  return std::optional<GroupDef>(std::move(group));
}

}  // namespace nca::alerts::rules
