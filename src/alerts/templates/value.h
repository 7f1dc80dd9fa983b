// Values of the Go text/template subset Prometheus uses for alert labels and annotations, and
// Go's fmt formatting of them (fmt.Sprint, fmt.Sprintf), as the template functions need it.
//
// Plain values; thread-safe to share once built (maps are immutable behind shared_ptr).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"

namespace nca::alerts::templates {

class Value;

// One sample of a template query result (Prometheus' template.sample: Labels, Value).
struct QuerySample {
  std::map<std::string, std::string> labels;  // __name__ included when the series has one
  double value = 0;
};

// Evaluates a PromQL instant query for the template function `query` (the caller evaluates it
// at the rule's evaluation time). An error becomes the template execution error
// `error calling query: <message>`.
using QueryFunc = std::function<Result<std::vector<QuerySample>>(const std::string& query)>;

// A Go map or struct as a template sees it.
struct Record {
  enum class Kind {
    kStringMap,     // map[string]string: a missing key yields "" (missingkey=zero)
    kInterfaceMap,  // map[string]interface{}: a missing key yields nil
    kStruct,        // struct: a missing field is an execution error
  };
  Kind kind = Kind::kStringMap;
  std::string go_type;  // for error messages, e.g. "map[string]string"
  std::map<std::string, Value> fields;
  // A pointer to a struct (Prometheus' *template.sample): fmt prints it as `&{...}`, while a
  // template action prints the struct it points to (`{...}`).
  bool pointer = false;
};

// One value: nil, bool, int (Go int), float64, string, a map/struct, or a list (Prometheus'
// template.queryResult, a []*template.sample).
class Value {
 public:
  enum class Kind { kNil, kBool, kInt, kFloat, kString, kRecord, kList };

  Value() = default;
  static Value Bool(bool b);
  static Value Int(int64_t i);
  static Value Float(double f);
  static Value Str(std::string s);
  static Value Rec(std::shared_ptr<const Record> r);
  // map[string]string from label pairs.
  static Value StringMap(const std::map<std::string, std::string>& m);
  // A template.queryResult of the given elements (each a Sample()).
  static Value List(std::vector<Value> elems);
  // A *template.sample {Labels map[string]string; Value float64}.
  static Value Sample(const QuerySample& s);
  // A template.queryResult of samples.
  static Value QueryResult(const std::vector<QuerySample>& samples);

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_nil() const { return kind() == Kind::kNil; }
  bool AsBool() const { return std::get<1>(v_); }
  int64_t AsInt() const { return std::get<2>(v_); }
  double AsFloat() const { return std::get<3>(v_); }
  const std::string& AsString() const { return std::get<4>(v_); }
  const Record& AsRecord() const { return *std::get<5>(v_); }
  const std::vector<Value>& AsList() const { return *std::get<6>(v_); }
  // True for a *template.sample.
  bool IsSample() const { return kind() == Kind::kRecord && AsRecord().pointer; }

  // Go's type name as fmt's %T and error messages print it: "float64", "int", "string", ...
  std::string GoTypeName() const;
  // Go's template truth: false, 0, "", nil, empty maps and empty lists are false.
  bool Truth() const;

 private:
  std::variant<std::monostate, bool, int64_t, double, std::string, std::shared_ptr<const Record>,
               std::shared_ptr<const std::vector<Value>>>
      v_;
};

// What a template action ({{ . }}) prints: fmt.Sprint of the value after text/template's
// printableValue, i.e. floats as %v ('g' shortest with Go's exponent rule), maps as
// `map[k:v ...]` with sorted keys, structs as `{v1 v2}`, a pointer to a struct as the struct it
// points to (`{map[instance:a] 1}` for a sample), lists as `[e1 e2]`, nil as "<no value>".
//
// Deviation from Go: fmt prints a pointer nested in a list or struct as its address
// (`[0xc000123450]`); that is not reproducible, so samples inside a list print as `&{...}`.
std::string GoPrint(const Value& v);

// fmt.Sprint / %v of one operand: like GoPrint, but nil is "<nil>" and a pointer to a struct is
// `&{...}` (as print, println and printf "%v" show a sample).
std::string GoSprintValue(const Value& v);

// fmt.Sprintf with Go's verbs %v %s %d %f %F %e %E %g %G %q %x %X %t %% (flags + - # space 0,
// width, precision), including Go's error forms "%!d(float64=1.5)", "%!d(MISSING)" and
// "%!(EXTRA ...)".
std::string GoSprintf(std::string_view format, const std::vector<Value>& args);

// fmt.Sprintf("%.4g", v) (Go: "NaN", "+Inf", "-Inf" for the special values).
std::string GoFormatG4(double v);

}  // namespace nca::alerts::templates
