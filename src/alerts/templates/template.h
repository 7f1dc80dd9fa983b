// Go text/template, the subset Prometheus 2.42 alert labels and annotations use
// (template/template.go with missingkey=zero): text and actions with trim markers and comments,
// pipelines, variables ($x := / =), fields (.Labels.x, $labels.x), string/number/bool/nil
// literals, parenthesised pipelines, if / else if / else, with, range over maps and lists, and
// the functions eq ne lt le gt ge and or not len index print printf println plus Prometheus'
// humanize humanize1024 humanizeDuration humanizePercentage humanizeTimestamp toUpper toLower
// title reReplaceAll match stripPort stripDomain args externalURL pathPrefix safeHtml
// parseDuration and the query family query first label value strvalue sortByLabel graphLink
// tableLink. `query` runs through a caller-supplied QueryFunc; without one it fails at execution
// with "template queries are not supported by the agent".
//
// Errors follow Go's texts: parse errors `template: NAME:LINE: msg`, execution errors
// `template: NAME:LINE:COL: executing "NAME" at <node>: msg`.
//
// A parsed Template is immutable; Execute may be called concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "alerts/templates/value.h"
#include "common/result.h"

namespace nca::alerts::templates {

struct Node;

class Template {
 public:
  // Parses `text`; `name` is the template name used in error messages.
  static Result<Template> Parse(std::string name, std::string_view text);

  // Executes with `data` as dot (and $). Errors are kInvalidArgument with Go's message.
  // `query` serves the template function `query` (may be empty: then `query` fails).
  Result<std::string> Execute(const Value& data, const QueryFunc& query = {}) const;

  const std::string& name() const { return name_; }

 private:
  Template(std::string name, std::string text, std::shared_ptr<const Node> root)
      : name_(std::move(name)), text_(std::move(text)), root_(std::move(root)) {}

  std::string name_;
  std::string text_;
  std::shared_ptr<const Node> root_;
};

// What Prometheus passes to an alert template (template.AlertTemplateData).
struct AlertTemplateData {
  std::map<std::string, std::string> labels;  // the result sample's labels, __name__ included
  std::map<std::string, std::string> external_labels;
  std::string external_url;
  double value = 0;
  // Serves the template function `query`, evaluated by the caller at the rule's evaluation time;
  // empty => `query` fails with "template queries are not supported by the agent".
  QueryFunc query;
};

// The preamble Prometheus prepends to every alert label/annotation template.
inline constexpr std::string_view kAlertTemplatePreamble =
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}"
    "{{$externalURL := .ExternalURL}}{{$value := .Value}}";

// Parses preamble + text as "__alert_<rule>" (rulefmt's testTemplateParsing). The error message
// is Go's parse error, e.g. `template: __alert_B:1: unclosed action`.
Status CheckAlertTemplate(std::string_view rule_name, std::string_view text);

// Expands one alert label/annotation value like AlertingRule.Eval's expand(): on any error the
// result is `<error expanding template: ...>` (never fails).
std::string ExpandAlertTemplate(std::string_view rule_name, std::string_view text,
                                const AlertTemplateData& data);

}  // namespace nca::alerts::templates
