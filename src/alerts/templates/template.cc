// Template execution (text/template/exec.go, re-implemented) and the public API of template.h;
// the lexer is lex.{h,cc}, the parser and its tree parse.cc and tree.h.
#include "alerts/templates/template.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "alerts/templates/functions.h"
#include "alerts/templates/tree.h"

namespace nca::alerts::templates {
namespace {

class ExecError {
 public:
  std::string msg;
};

class Executor {
 public:
  Executor(const std::string& name, const std::string& text, const QueryFunc& query)
      : name_(name), text_(text), query_(query) {}

  std::string Run(const Node& root, const Value& data) {
    vars_.push_back({"$", data});
    std::string out;
    Walk(data, root, out);
    return out;
  }

 private:
  [[noreturn]] void Fail(int pos, const std::string& context, const std::string& msg) {
    std::string_view before = std::string_view(text_).substr(0, static_cast<std::size_t>(pos));
    int line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    std::size_t nl = before.rfind('\n');
    int col = nl == std::string_view::npos ? pos : pos - static_cast<int>(nl) - 1;
    throw ExecError{"template: " + name_ + ":" + std::to_string(line) + ":" + std::to_string(col) +
                    ": executing \"" + name_ + "\" at <" + context + ">: " + msg};
  }

  void Walk(const Value& dot, const Node& n, std::string& out) {
    switch (n.kind) {
      case NodeKind::kList:
        for (const auto& c : n.list) Walk(dot, *c, out);
        return;
      case NodeKind::kText:
        out += n.text;
        return;
      case NodeKind::kAction: {
        Value v = EvalPipe(dot, *n.pipe);
        if (n.pipe->decls.empty()) out += GoPrint(v);
        return;
      }
      case NodeKind::kIf:
      case NodeKind::kWith: {
        std::size_t mark = vars_.size();
        Value v = EvalPipe(dot, *n.pipe);
        if (v.Truth()) {
          const Value& d = n.kind == NodeKind::kWith ? v : dot;
          for (const auto& c : n.list) Walk(d, *c, out);
        } else {
          for (const auto& c : n.else_list) Walk(dot, *c, out);
        }
        vars_.resize(mark);
        return;
      }
      case NodeKind::kRange: {
        std::size_t mark = vars_.size();
        Pipe p = *n.pipe;
        std::vector<std::string> decls = p.decls;
        p.decls.clear();
        Value v = EvalPipe(dot, p);
        bool any = false;
        if (v.kind() == Value::Kind::kRecord && v.AsRecord().kind != Record::Kind::kStruct) {
          for (const auto& [k, elem] : v.AsRecord().fields) {
            any = true;
            std::size_t inner = vars_.size();
            if (decls.size() == 1) {
              SetVar(decls[0], elem, n.pipe->is_assign);
            } else if (decls.size() == 2) {
              SetVar(decls[0], Value::Str(k), n.pipe->is_assign);
              SetVar(decls[1], elem, n.pipe->is_assign);
            }
            for (const auto& c : n.list) Walk(elem, *c, out);
            vars_.resize(std::max(inner, mark));
          }
        } else if (v.kind() == Value::Kind::kList) {
          const std::vector<Value>& elems = v.AsList();
          for (std::size_t idx = 0; idx < elems.size(); ++idx) {
            any = true;
            std::size_t inner = vars_.size();
            if (decls.size() == 1) {
              SetVar(decls[0], elems[idx], n.pipe->is_assign);
            } else if (decls.size() == 2) {
              SetVar(decls[0], Value::Int(static_cast<int64_t>(idx)), n.pipe->is_assign);
              SetVar(decls[1], elems[idx], n.pipe->is_assign);
            }
            for (const auto& c : n.list) Walk(elems[idx], *c, out);
            vars_.resize(std::max(inner, mark));
          }
        } else if (v.IsSample()) {
          Fail(n.pos, "range " + n.pipe->String(), "range can't iterate over " + GoPrint(v));
        } else if (!v.is_nil() && v.kind() != Value::Kind::kRecord) {
          Fail(n.pos, "range " + n.pipe->String(), "range can't iterate over " + GoPrint(v));
        }
        if (!any) {
          for (const auto& c : n.else_list) Walk(dot, *c, out);
        }
        vars_.resize(mark);
        return;
      }
    }
  }

  void SetVar(const std::string& name, Value v, bool assign) {
    if (assign) {
      for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
        if (it->first == name) {
          it->second = std::move(v);
          return;
        }
      }
    }
    vars_.emplace_back(name, std::move(v));
  }

  Value EvalPipe(const Value& dot, const Pipe& p) {
    Value v;
    bool have_final = false;
    for (const auto& cmd : p.cmds) {
      v = EvalCommand(dot, cmd, have_final ? &v : nullptr);
      have_final = true;
    }
    for (const auto& d : p.decls) SetVar(d, v, p.is_assign);
    return v;
  }

  Value EvalCommand(const Value& dot, const Command& cmd, const Value* final) {
    const Arg& first = cmd.args[0];
    if (first.kind == ArgKind::kIdent) {
      return Call(dot, cmd, final);
    }
    if (cmd.args.size() > 1 || final != nullptr) {
      if (first.kind == ArgKind::kField || first.kind == ArgKind::kVariable ||
          first.kind == ArgKind::kDot || first.kind == ArgKind::kPipe) {
        if (first.chain.empty() && first.kind != ArgKind::kField) {
          Fail(cmd.pos, cmd.String(), "can't give argument to non-function " + ArgString(first));
        }
        Fail(first.pos, ArgString(first),
             "can't give argument to non-function " + ArgString(first));
      }
      Fail(cmd.pos, cmd.String(), "can't give argument to non-function " + ArgString(first));
    }
    return EvalArg(dot, first);
  }

  Value EvalArg(const Value& dot, const Arg& a) {
    Value base;
    switch (a.kind) {
      case ArgKind::kField:
        base = dot;
        break;
      case ArgKind::kVariable: {
        bool found = false;
        for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
          if (it->first == a.name) {
            base = it->second;
            found = true;
            break;
          }
        }
        if (!found) Fail(a.pos, a.text, "undefined variable: " + a.name);
        break;
      }
      case ArgKind::kDot:
        return dot;
      case ArgKind::kString:
        return Value::Str(a.name);
      case ArgKind::kNumber:
        return a.is_int ? Value::Int(a.int_value) : Value::Float(a.float_value);
      case ArgKind::kBool:
        return Value::Bool(a.bool_value);
      case ArgKind::kNil:
        Fail(a.pos, "nil", "nil is not a command");
      case ArgKind::kPipe:
        base = EvalPipe(dot, *a.pipe);
        break;
      case ArgKind::kIdent: {
        Command c;
        c.pos = a.pos;
        c.args.push_back(a);
        Value v = Call(dot, c, nullptr);
        return v;
      }
    }
    for (const auto& field : a.chain) {
      base = Field(base, field, a);
    }
    return base;
  }

  Value Field(const Value& receiver, const std::string& field, const Arg& a) {
    if (receiver.kind() == Value::Kind::kRecord) {
      const Record& r = receiver.AsRecord();
      auto it = r.fields.find(field);
      if (it != r.fields.end()) return it->second;
      switch (r.kind) {
        case Record::Kind::kStringMap:
          return Value::Str("");
        case Record::Kind::kInterfaceMap:
          return Value();
        case Record::Kind::kStruct:
          Fail(a.pos, ArgString(a), "can't evaluate field " + field + " in type " + r.go_type);
      }
    }
    if (receiver.is_nil()) {
      Fail(a.pos, ArgString(a), "nil pointer evaluating interface {}." + field);
    }
    Fail(a.pos, ArgString(a),
         "can't evaluate field " + field + " in type " + receiver.GoTypeName());
  }

  Value Call(const Value& dot, const Command& cmd, const Value* final) {
    const Arg& fn = cmd.args[0];
    const std::string& name = fn.name;
    // and/or evaluate lazily (Go 1.18+).
    if (name == "and" || name == "or") {
      std::size_t n = cmd.args.size() - 1 + (final ? 1 : 0);
      if (n < 1) {
        Fail(fn.pos, fn.text, "wrong number of args for " + name + ": want at least 1 got 0");
      }
      Value v;
      for (std::size_t k = 1; k <= n; ++k) {
        v = k < cmd.args.size() ? EvalArg(dot, cmd.args[k]) : *final;
        if ((name == "and") != v.Truth()) return v;
      }
      return v;
    }
    std::vector<Value> args;
    std::vector<const Arg*> arg_nodes;
    for (std::size_t k = 1; k < cmd.args.size(); ++k) {
      // Go's evalArg: a nil argument is the zero value of a nilable parameter (a list or a
      // sample here); only a command cannot be nil.
      args.push_back(cmd.args[k].kind == ArgKind::kNil && cmd.args[k].chain.empty()
                         ? Value()
                         : EvalArg(dot, cmd.args[k]));
      arg_nodes.push_back(&cmd.args[k]);
    }
    if (final) {
      args.push_back(*final);
      arg_nodes.push_back(nullptr);
    }
    CallResult r = CallFunction(name, args, query_);
    switch (r.error) {
      case CallError::kNone:
        break;
      case CallError::kArgCount:
        Fail(fn.pos, fn.text, r.message);
      case CallError::kArgType: {
        const Arg* node = r.arg_index < arg_nodes.size() ? arg_nodes[r.arg_index] : nullptr;
        if (node && !r.go_type.empty() &&
            (node->kind == ArgKind::kString || node->kind == ArgKind::kNumber ||
             node->kind == ArgKind::kBool)) {
          // Go's evalArg: a constant cannot become a slice or pointer parameter.
          Fail(node->pos, ArgString(*node),
               "can't handle " + ArgString(*node) + " for arg of type " + r.go_type);
        }
        if (node && node->kind == ArgKind::kNil && r.go_type.empty()) {
          Fail(node->pos, "nil", "cannot assign nil to string");
        }
        if (node) Fail(node->pos, ArgString(*node), r.message);
        Fail(cmd.pos, cmd.String(), r.message);
      }
      case CallError::kCall:
        Fail(cmd.pos, cmd.String(), "error calling " + name + ": " + r.message);
    }
    Value v = std::move(r.value);
    for (const auto& field : fn.chain) v = Field(v, field, fn);
    return v;
  }

  const std::string& name_;
  const std::string& text_;
  const QueryFunc& query_;
  std::vector<std::pair<std::string, Value>> vars_;
};

}  // namespace

Result<Template> Template::Parse(std::string name, std::string_view text) {
  auto root = ParseTree(name, text);
  if (!root.ok()) {
    return root.error();
  }
  return Template(std::move(name), std::string(text), std::move(root).value());
}

Result<std::string> Template::Execute(const Value& data, const QueryFunc& query) const {
  Executor ex(name_, text_, query);
  try {
    return ex.Run(*root_, data);
  } catch (const ExecError& e) {
    return MakeError(ErrorKind::kInvalidArgument, e.msg);
  }
}

Status CheckAlertTemplate(std::string_view rule_name, std::string_view text) {
  std::string full(kAlertTemplatePreamble);
  full += text;
  auto t = Template::Parse("__alert_" + std::string(rule_name), full);
  if (!t.ok()) return t.error();
  return OkStatus();
}

namespace {

Value AlertData(const AlertTemplateData& d) {
  auto rec = std::make_shared<Record>();
  rec->kind = Record::Kind::kStruct;
  rec->go_type =
      "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; "
      "Value float64 }";
  rec->fields.emplace("Labels", Value::StringMap(d.labels));
  rec->fields.emplace("ExternalLabels", Value::StringMap(d.external_labels));
  rec->fields.emplace("ExternalURL", Value::Str(d.external_url));
  rec->fields.emplace("Value", Value::Float(d.value));
  return Value::Rec(std::move(rec));
}

}  // namespace

std::string ExpandAlertTemplate(std::string_view rule_name, std::string_view text,
                                const AlertTemplateData& data) {
  std::string name = "__alert_" + std::string(rule_name);
  std::string full(kAlertTemplatePreamble);
  full += text;
  auto t = Template::Parse(name, full);
  if (!t.ok()) {
    return "<error expanding template: error parsing template " + name + ": " + t.error().message +
           ">";
  }
  auto out = t->Execute(AlertData(data), data.query);
  if (!out.ok()) {
    return "<error expanding template: error executing template " + name + ": " +
           out.error().message + ">";
  }
  return std::move(out).value();
}

}  // namespace nca::alerts::templates
