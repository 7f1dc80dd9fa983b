#include "alerts/rules/rule_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <variant>

#include "alerts/promql/parser.h"
#include "alerts/promql/value.h"
#include "alerts/templates/template.h"
#include "common/files.h"

namespace nca::alerts::rules {

namespace {

struct Pos {
  int line = 0;
  int col = 0;
};

Pos PosOf(const YAML::Node& n) {
  if (!n.IsDefined() || n.Mark().is_null()) {
    return {};
  }
  return {n.Mark().line + 1, n.Mark().column + 1};
}

std::string PosText(Pos p) { return std::to_string(p.line) + ":" + std::to_string(p.col); }

bool IsValidMetricName(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// A decode error (yaml.v3 style); aborts the file like Go's strict decoder.
struct DecodeError {
  std::string message;
};

void CheckKnownFields(const YAML::Node& map, const std::set<std::string>& known,
                      const std::string& go_type, std::vector<std::string>& unknown) {
  for (const auto& kv : map) {
    std::string key = kv.first.Scalar();
    if (!known.count(key)) {
      unknown.push_back("  line " + std::to_string(kv.first.Mark().line + 1) + ": field " + key +
                        " not found in type " + go_type);
    }
  }
}

std::string ScalarOf(const YAML::Node& n, const char* what) {
  if (!n.IsDefined() || n.IsNull()) return "";
  if (!n.IsScalar()) {
    throw DecodeError{"yaml: unmarshal errors:\n  line " + std::to_string(n.Mark().line + 1) +
                      ": cannot unmarshal !!" + (n.IsMap() ? "map" : "seq") + " into " + what};
  }
  return n.Scalar();
}

int64_t DurationOf(const YAML::Node& n) {
  std::string s = ScalarOf(n, "model.Duration");
  if (s.empty()) return 0;
  auto d = promql::ParseDuration(s);
  if (!d.ok()) throw DecodeError{d.error().message};
  return *d;
}

std::map<std::string, std::string> StringMapOf(const YAML::Node& n) {
  std::map<std::string, std::string> out;
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsMap()) {
    throw DecodeError{"yaml: unmarshal errors:\n  line " + std::to_string(n.Mark().line + 1) +
                      ": cannot unmarshal !!seq into map[string]string"};
  }
  for (const auto& kv : n) {
    out[kv.first.Scalar()] = ScalarOf(kv.second, "string");
  }
  return out;
}

void CollectMaxRange(const promql::Expr& e, int64_t& max_ms) {
  promql::Walk(e, [&max_ms](const promql::Expr& sub) {
    if (const auto* vs = std::get_if<promql::VectorSelector>(&sub.node)) {
      max_ms = std::max(max_ms, vs->offset_ms);
    } else if (const auto* ms = std::get_if<promql::MatrixSelector>(&sub.node)) {
      max_ms = std::max(max_ms, ms->range_ms + std::max<int64_t>(0, ms->selector.offset_ms));
    }
  });
}

}  // namespace

Result<RuleFile> ParseRuleFile(std::string_view content, std::string_view file_name) {
  const std::string prefix = std::string(file_name) + ": ";
  YAML::Node root;
  try {
    root = YAML::Load(std::string(content));
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorKind::kInvalidArgument,
                     prefix + "yaml: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  RuleFile file;
  file.path = std::string(file_name);
  std::vector<std::string> errs;
  // Positions of each group / rule for validation, parallel to file.groups.
  std::vector<YAML::Node> group_nodes;
  std::vector<std::vector<YAML::Node>> rule_nodes;
  try {
    if (root.IsNull() || !root.IsDefined()) {
      return file;
    }
    if (!root.IsMap()) {
      throw DecodeError{"yaml: unmarshal errors:\n  line " + std::to_string(root.Mark().line + 1) +
                        ": cannot unmarshal !!" + (root.IsSequence() ? "seq" : "str") +
                        " into rulefmt.RuleGroups"};
    }
    std::vector<std::string> unknown;
    CheckKnownFields(root, {"groups"}, "rulefmt.RuleGroups", unknown);
    const YAML::Node groups = root["groups"];
    if (groups.IsDefined() && !groups.IsNull()) {
      if (!groups.IsSequence()) {
        throw DecodeError{"yaml: unmarshal errors:\n  line " +
                          std::to_string(groups.Mark().line + 1) +
                          ": cannot unmarshal !!map into []rulefmt.RuleGroup"};
      }
      for (const auto& g : groups) {
        if (!g.IsMap()) {
          throw DecodeError{"yaml: unmarshal errors:\n  line " + std::to_string(g.Mark().line + 1) +
                            ": cannot unmarshal !!" + (g.IsSequence() ? "seq" : "str") +
                            " into rulefmt.RuleGroup"};
        }
        CheckKnownFields(g, {"name", "interval", "limit", "rules"}, "rulefmt.RuleGroup", unknown);
        GroupDef gd;
        gd.file = file.path;
        gd.name = ScalarOf(g["name"], "string");
        gd.interval_ms = DurationOf(g["interval"]);
        std::string limit = ScalarOf(g["limit"], "int");
        if (!limit.empty()) {
          try {
            std::size_t used = 0;
            gd.limit = std::stoi(limit, &used);
            if (used != limit.size()) throw std::invalid_argument("limit");
          } catch (const std::exception&) {
            throw DecodeError{"yaml: unmarshal errors:\n  line " +
                              std::to_string(g["limit"].Mark().line + 1) +
                              ": cannot unmarshal !!str `" + limit + "` into int"};
          }
        }
        std::vector<YAML::Node> rnodes;
        const YAML::Node rules = g["rules"];
        if (rules.IsDefined() && !rules.IsNull()) {
          // Iterating a mapping as a list yields invalid nodes, which throw when read.
          if (!rules.IsSequence()) {
            throw DecodeError{"yaml: unmarshal errors:\n  line " +
                              std::to_string(rules.Mark().line + 1) + ": cannot unmarshal !!" +
                              (rules.IsMap() ? "map" : "str") + " into []rulefmt.RuleNode"};
          }
          for (const auto& r : rules) {
            if (!r.IsMap()) {
              throw DecodeError{"yaml: unmarshal errors:\n  line " +
                                std::to_string(r.Mark().line + 1) +
                                ": cannot unmarshal !!str into rulefmt.RuleNode"};
            }
            CheckKnownFields(
                r, {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"},
                "rulefmt.RuleNode", unknown);
            RuleDef rd;
            std::string record = ScalarOf(r["record"], "string");
            std::string alert = ScalarOf(r["alert"], "string");
            rd.kind = alert.empty() && !record.empty() ? RuleDef::Kind::kRecording
                                                       : RuleDef::Kind::kAlerting;
            rd.name = alert.empty() ? record : alert;
            rd.expr_text = ScalarOf(r["expr"], "string");
            rd.for_ms = DurationOf(r["for"]);
            rd.keep_firing_for_ms = DurationOf(r["keep_firing_for"]);
            rd.labels = StringMapOf(r["labels"]);
            rd.annotations = StringMapOf(r["annotations"]);
            gd.rules.push_back(std::move(rd));
            rnodes.push_back(r);
          }
        }
        file.groups.push_back(std::move(gd));
        group_nodes.push_back(g);
        rule_nodes.push_back(std::move(rnodes));
      }
    }
    if (!unknown.empty()) {
      std::string msg = "yaml: unmarshal errors:";
      for (const auto& u : unknown) msg += "\n" + u;
      throw DecodeError{msg};
    }
  } catch (const DecodeError& e) {
    return MakeError(ErrorKind::kInvalidArgument, prefix + e.message);
  }

  // Validation (RuleGroups.Validate and RuleNode.Validate).
  std::set<std::string> seen;
  for (std::size_t j = 0; j < file.groups.size(); ++j) {
    GroupDef& g = file.groups[j];
    Pos gp = PosOf(group_nodes[j]);
    if (g.name.empty()) {
      errs.push_back(PosText(gp) + ": Groupname must not be empty");
    }
    if (seen.count(g.name)) {
      errs.push_back(PosText(gp) + ": groupname: \"" + g.name + "\" is repeated in the same file");
    }
    seen.insert(g.name);
    for (std::size_t i = 0; i < g.rules.size(); ++i) {
      RuleDef& r = g.rules[i];
      const YAML::Node& rn = rule_nodes[j][i];
      std::string record = ScalarOf(rn["record"], "string");
      std::string alert = ScalarOf(rn["alert"], "string");
      Pos record_pos = PosOf(rn["record"]);
      Pos alert_pos = PosOf(rn["alert"]);
      Pos expr_pos = PosOf(rn["expr"]);
      std::string head =
          "group \"" + g.name + "\", rule " + std::to_string(i + 1) + ", \"" + r.name + "\": ";
      auto add = [&](std::optional<Pos> p, const std::string& msg) {
        errs.push_back((p ? PosText(*p) + ": " : std::string()) + head + msg);
      };
      if (!record.empty() && !alert.empty()) {
        errs.push_back(PosText(record_pos) + ": " + PosText(alert_pos) + ": " + head +
                       "only one of 'record' and 'alert' must be set");
      }
      if (record.empty() && alert.empty()) {
        add(record_pos, "one of 'record' or 'alert' must be set");
      }
      if (r.expr_text.empty()) {
        add(expr_pos, "field 'expr' must be set in rule");
      } else {
        auto parsed = promql::Parse(r.expr_text);
        if (!parsed.ok()) {
          add(expr_pos, "could not parse expression: " + parsed.error().message);
        } else {
          promql::ValueType t = (*parsed)->Type();
          if (t != promql::ValueType::kVector && t != promql::ValueType::kScalar) {
            add(expr_pos, "rule result is not a vector or scalar (expression of type " +
                              std::string(promql::ValueTypeName(t)) + ")");
          }
          r.expr = std::shared_ptr<const promql::Expr>(std::move(parsed).value());
        }
      }
      if (!record.empty()) {
        if (!r.annotations.empty())
          add(record_pos, "invalid field 'annotations' in recording rule");
        if (r.for_ms != 0) add(record_pos, "invalid field 'for' in recording rule");
        if (r.keep_firing_for_ms != 0) {
          add(record_pos, "invalid field 'keep_firing_for' in recording rule");
        }
        if (!IsValidMetricName(record)) add(record_pos, "invalid recording rule name: " + record);
      }
      for (const auto& [k, v] : r.labels) {
        if (!promql::IsValidLabelName(k) || k == promql::kMetricNameLabel) {
          add(std::nullopt, "invalid label name: " + k);
        }
        if (!IsValidUtf8(v)) add(std::nullopt, "invalid label value: " + v);
      }
      for (const auto& [k, v] : r.annotations) {
        if (!promql::IsValidLabelName(k)) add(std::nullopt, "invalid annotation name: " + k);
      }
      if (!alert.empty()) {
        for (const auto& [k, v] : r.labels) {
          Status s = templates::CheckAlertTemplate(alert, v);
          if (!s.ok()) add(std::nullopt, "label \"" + k + "\": " + s.error().message);
        }
        for (const auto& [k, v] : r.annotations) {
          Status s = templates::CheckAlertTemplate(alert, v);
          if (!s.ok()) add(std::nullopt, "annotation \"" + k + "\": " + s.error().message);
        }
      }
    }
  }
  if (!errs.empty()) {
    std::string msg;
    for (std::size_t i = 0; i < errs.size(); ++i) {
      if (i > 0) msg += "\n";
      msg += prefix + errs[i];
    }
    return MakeError(ErrorKind::kInvalidArgument, msg);
  }
  return file;
}

Result<RuleFile> LoadRuleFile(const std::string& path) {
  auto content = ReadWholeFile(path, "rule file");
  if (!content.ok()) {
    return MakeError(ErrorKind::kInvalidArgument, path + ": " + content.error().message);
  }
  return ParseRuleFile(*content, path);
}

int64_t MaxRangeMs(const std::vector<RuleFile>& files) {
  int64_t max_ms = 0;
  for (const auto& f : files) {
    for (const auto& g : f.groups) {
      for (const auto& r : g.rules) {
        if (r.expr) CollectMaxRange(*r.expr, max_ms);
      }
    }
  }
  return max_ms;
}

int CheckRuleFiles(const std::vector<std::string>& files, std::ostream& out, std::ostream& err) {
  int rc = 0;
  for (const auto& f : files) {
    out << "Checking " << f << "\n";
    auto rf = LoadRuleFile(f);
    if (!rf.ok()) {
      err << "  FAILED:\n" << rf.error().message << "\n";
      rc = 1;
    } else {
      std::size_t n = 0;
      for (const auto& g : rf->groups) n += g.rules.size();
      out << "  SUCCESS: " << n << " rules found\n";
    }
    out << "\n";
  }
  return rc;
}

std::optional<std::set<std::string>> SelectedMetricNames(const std::vector<GroupDef>& groups) {
  std::set<std::string> names;
  bool all = false;
  auto note = [&](const promql::VectorSelector& vs) {
    if (vs.name.empty()) {
      all = true;  // {__name__=~"..."} or a selector by labels only
    } else {
      names.insert(vs.name);
    }
  };
  for (const auto& g : groups) {
    for (const auto& r : g.rules) {
      promql::Walk(*r.expr, [&](const promql::Expr& sub) {
        if (const auto* vs = std::get_if<promql::VectorSelector>(&sub.node)) {
          note(*vs);
        } else if (const auto* ms = std::get_if<promql::MatrixSelector>(&sub.node)) {
          note(ms->selector);
        }
      });
    }
  }
  if (all) return std::nullopt;
  return names;
}

}  // namespace nca::alerts::rules
