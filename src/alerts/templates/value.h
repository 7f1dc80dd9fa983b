// Values of the Go text/template subset Prometheus uses for alert labels and annotations, and
// Go's fmt formatting of them (fmt.Sprint, fmt.Sprintf), as the template functions need it.
//
// Plain values; thread-safe to share once built (maps are immutable behind shared_ptr).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"

namespace nca::alerts::templates {

class Value;

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
};

// One value: nil, bool, int (Go int), float64, string, or a map/struct.
class Value {
 public:
  enum class Kind { kNil, kBool, kInt, kFloat, kString, kRecord };

  Value() = default;
  static Value Bool(bool b);
  static Value Int(int64_t i);
  static Value Float(double f);
  static Value Str(std::string s);
  static Value Rec(std::shared_ptr<const Record> r);
  // map[string]string from label pairs.
  static Value StringMap(const std::map<std::string, std::string>& m);

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_nil() const { return kind() == Kind::kNil; }
  bool AsBool() const { return std::get<1>(v_); }
  int64_t AsInt() const { return std::get<2>(v_); }
  double AsFloat() const { return std::get<3>(v_); }
  const std::string& AsString() const { return std::get<4>(v_); }
  const Record& AsRecord() const { return *std::get<5>(v_); }

  // Go's type name as fmt's %T and error messages print it: "float64", "int", "string", ...
  std::string GoTypeName() const;
  // Go's template truth: false, 0, "", nil and empty maps are false.
  bool Truth() const;

 private:
  std::variant<std::monostate, bool, int64_t, double, std::string, std::shared_ptr<const Record>>
      v_;
};

// fmt.Sprint of one value (what {{ . }} prints): floats as %v ('g' shortest with Go's exponent
// rule), maps as `map[k:v ...]` with sorted keys, nil as "<no value>" (text/template's rendering).
std::string GoPrint(const Value& v);

// fmt.Sprintf with Go's verbs %v %s %d %f %F %e %E %g %G %q %x %X %t %% (flags + - # space 0,
// width, precision), including Go's error forms "%!d(float64=1.5)", "%!d(MISSING)" and
// "%!(EXTRA ...)".
std::string GoSprintf(std::string_view format, const std::vector<Value>& args);

// fmt.Sprintf("%.4g", v) (Go: "NaN", "+Inf", "-Inf" for the special values).
std::string GoFormatG4(double v);

}  // namespace nca::alerts::templates
