// The parse tree of a Go text/template (the subset template.h describes), and the parser that
// builds it (parse.cc). Internal to the templates library. Trees are immutable once parsed and
// shared by every execution; thread-safe to read.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nca::alerts::templates {

enum class ArgKind { kField, kVariable, kDot, kIdent, kString, kNumber, kBool, kNil, kPipe };

struct Pipe;

struct Arg {
  ArgKind kind = ArgKind::kNil;
  int pos = 0;
  std::string text;                // as written (for error contexts)
  std::string name;                // variable name ("$x"), identifier, or string value
  std::vector<std::string> chain;  // field names following the operand
  bool is_int = false;             // number literal kind
  int64_t int_value = 0;
  double float_value = 0;
  bool bool_value = false;
  std::shared_ptr<Pipe> pipe;  // kPipe
};

struct Command {
  int pos = 0;
  std::vector<Arg> args;
  std::string String() const;
};

struct Pipe {
  int pos = 0;
  bool is_assign = false;
  std::vector<std::string> decls;
  std::vector<Command> cmds;
  std::string String() const;
};

enum class NodeKind { kList, kText, kAction, kIf, kWith, kRange };

struct Node {
  NodeKind kind = NodeKind::kList;
  int pos = 0;
  std::string text;                         // kText
  std::shared_ptr<Pipe> pipe;               // action / control
  std::vector<std::shared_ptr<Node>> list;  // kList; body of control nodes
  std::vector<std::shared_ptr<Node>> else_list;
};

// An operand as written, with its field chain (for error messages: Go's "at <...>").
std::string ArgString(const Arg& a);

// Parses `text` (template `name`, for error messages) into its tree. Errors are
// kInvalidArgument with Go's message, e.g. `template: NAME:1: unclosed action`.
Result<std::shared_ptr<Node>> ParseTree(const std::string& name, std::string_view text);

}  // namespace nca::alerts::templates
