// The functions a template may call: Go's text/template builtins (eq ne lt le gt ge not len
// index print printf println; `and`/`or` are evaluated lazily by the executor) and the functions
// Prometheus 2.42 adds (template/template.go), re-implemented, including the query family
// (query first label value strvalue sortByLabel graphLink tableLink).
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/templates/value.h"

namespace nca::alerts::templates {

enum class CallError {
  kNone,
  kArgCount,  // "wrong number of args for NAME: want N got M" (reported at the function name)
  kArgType,   // "wrong type for value; expected string; got float64" (at argument arg_index)
  kCall,      // the function failed; message becomes "error calling NAME: message"
};

struct CallResult {
  Value value;
  CallError error = CallError::kNone;
  std::string message;
  std::size_t arg_index = 0;
  // kArgType for a template.queryResult or *template.sample parameter: that Go type (a constant
  // argument then fails with Go's "can't handle \"x\" for arg of type T").
  std::string go_type;
};

// True for every name a template may call (parse-time check "function \"x\" not defined").
bool IsKnownFunction(std::string_view name);

// Calls a known function (not and/or) with evaluated arguments. `query` serves the template
// function `query`; when it is empty, `query` fails with "template queries are not supported by
// the agent".
CallResult CallFunction(std::string_view name, const std::vector<Value>& args,
                        const QueryFunc& query = {});

}  // namespace nca::alerts::templates
