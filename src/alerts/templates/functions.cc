#include "alerts/templates/functions.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "alerts/promql/parser.h"
#include "alerts/templates/go_text.h"

namespace nca::alerts::templates {

namespace {

CallResult Ok(Value v) {
  CallResult r;
  r.value = std::move(v);
  return r;
}
CallResult Err(std::string msg) {
  CallResult r;
  r.error = CallError::kCall;
  r.message = std::move(msg);
  return r;
}
CallResult ArgCount(std::string_view name, std::size_t want, std::size_t got, bool at_least) {
  CallResult r;
  r.error = CallError::kArgCount;
  r.message = "wrong number of args for " + std::string(name) + ": want " +
              (at_least ? "at least " : "") + std::to_string(want) + " got " + std::to_string(got);
  return r;
}

// Checks that argument i is a string (a Go `string` parameter).
bool StringArg(const std::vector<Value>& args, std::size_t i, CallResult& err) {
  if (args[i].kind() == Value::Kind::kString) {
    return true;
  }
  err.error = CallError::kArgType;
  err.arg_index = i;
  err.message = args[i].is_nil()
                    ? "invalid value; expected string"
                    : "wrong type for value; expected string; got " + args[i].GoTypeName();
  return false;
}

// Checks that argument i is a template.queryResult; nil is Go's nil slice (an empty list).
bool ListArg(const std::vector<Value>& args, std::size_t i, CallResult& err) {
  if (args[i].kind() == Value::Kind::kList || args[i].is_nil()) {
    return true;
  }
  err.error = CallError::kArgType;
  err.arg_index = i;
  err.go_type = "template.queryResult";
  err.message = "wrong type for value; expected template.queryResult; got " + args[i].GoTypeName();
  return false;
}

// Checks that argument i is a *template.sample; nil is Go's nil pointer.
bool SampleArg(const std::vector<Value>& args, std::size_t i, CallResult& err) {
  if (args[i].IsSample() || args[i].is_nil()) {
    return true;
  }
  err.error = CallError::kArgType;
  err.arg_index = i;
  err.go_type = "*template.sample";
  err.message = "wrong type for value; expected *template.sample; got " + args[i].GoTypeName();
  return false;
}

// Go's runtime panic (recovered by text/template) when a function dereferences a nil sample.
constexpr char kNilSample[] = "runtime error: invalid memory address or nil pointer dereference";

// A sample's field (Labels or Value).
const Value& SampleField(const Value& sample, const char* field) {
  return sample.AsRecord().fields.at(field);
}

// s.Labels[name] of a sample ("" when absent).
std::string SampleLabel(const Value& sample, const std::string& name) {
  const Record& labels = SampleField(sample, "Labels").AsRecord();
  auto it = labels.fields.find(name);
  return it == labels.fields.end() ? std::string() : it->second.AsString();
}

// prometheus template.go convertToFloat.
bool ConvertToFloat(const Value& v, double& out, std::string& err) {
  switch (v.kind()) {
    case Value::Kind::kFloat:
      out = v.AsFloat();
      return true;
    case Value::Kind::kInt:
      out = static_cast<double>(v.AsInt());
      return true;
    case Value::Kind::kString:
      if (GoParseFloat(v.AsString(), out)) {
        return true;
      }
      err = "strconv.ParseFloat: parsing " + promql::GoQuote(v.AsString()) + ": invalid syntax";
      return false;
    default:
      err = "can't convert " + v.GoTypeName() + " to float";
      return false;
  }
}

// Go's basicKind for comparisons.
enum class BasicKind { kBool, kInt, kFloat, kString, kBad };
BasicKind Kind(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kBool:
      return BasicKind::kBool;
    case Value::Kind::kInt:
      return BasicKind::kInt;
    case Value::Kind::kFloat:
      return BasicKind::kFloat;
    case Value::Kind::kString:
      return BasicKind::kString;
    default:
      return BasicKind::kBad;
  }
}

constexpr char kBadComparison[] = "incompatible types for comparison";
constexpr char kBadComparisonType[] = "invalid type for comparison";

// Returns an error message or "" and sets truth.
std::string Eq(const Value& a, const std::vector<Value>& rest, bool& truth) {
  truth = false;
  if (a.kind() == Value::Kind::kRecord) {
    return "uncomparable type " + a.GoTypeName() + ": " + GoPrint(a);
  }
  if (rest.empty()) return "missing argument for comparison";
  for (const Value& b : rest) {
    BasicKind k1 = Kind(a);
    BasicKind k2 = Kind(b);
    bool t = false;
    if (k1 != k2) {
      if (!a.is_nil() && !b.is_nil()) return kBadComparison;
    } else {
      switch (k1) {
        case BasicKind::kBool:
          t = a.AsBool() == b.AsBool();
          break;
        case BasicKind::kInt:
          t = a.AsInt() == b.AsInt();
          break;
        case BasicKind::kFloat:
          t = a.AsFloat() == b.AsFloat();
          break;
        case BasicKind::kString:
          t = a.AsString() == b.AsString();
          break;
        case BasicKind::kBad:
          if (b.kind() == Value::Kind::kRecord) {
            return "uncomparable type " + b.GoTypeName() + ": " + GoPrint(b);
          }
          t = a.is_nil() && b.is_nil();
          break;
      }
    }
    if (t) {
      truth = true;
      return "";
    }
  }
  return "";
}

std::string Lt(const Value& a, const Value& b, bool& truth) {
  truth = false;
  BasicKind k1 = Kind(a);
  BasicKind k2 = Kind(b);
  if (k1 == BasicKind::kBad || k2 == BasicKind::kBad) return kBadComparisonType;
  if (k1 != k2) return kBadComparison;
  switch (k1) {
    case BasicKind::kBool:
    case BasicKind::kBad:
      return kBadComparisonType;
    case BasicKind::kInt:
      truth = a.AsInt() < b.AsInt();
      break;
    case BasicKind::kFloat:
      truth = a.AsFloat() < b.AsFloat();
      break;
    case BasicKind::kString:
      truth = a.AsString() < b.AsString();
      break;
  }
  return "";
}

// fmt.Sprint: spaces between operands when neither side is a string.
std::string Sprint(const std::vector<Value>& args) {
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    bool is_string = args[i].kind() == Value::Kind::kString;
    if (i > 0 && !is_string && args[i - 1].kind() != Value::Kind::kString) out += ' ';
    out += GoSprintValue(args[i]);
  }
  return out;
}

using Fn = std::function<CallResult(std::string_view, const std::vector<Value>&)>;

struct FnSpec {
  std::size_t nargs;  // fixed count, or minimum when variadic
  bool variadic;
  Fn fn;
};

CallResult FloatFn(std::string (*f)(double), const std::vector<Value>& a) {
  double v = 0;
  std::string err;
  if (!ConvertToFloat(a[0], v, err)) return Err(err);
  return Ok(Value::Str(f(v)));
}

const std::map<std::string, FnSpec, std::less<>>& Functions() {
  static const auto* table = new std::map<std::string, FnSpec, std::less<>>{
      {"eq", {1, true, [](std::string_view, const std::vector<Value>& a) {
         bool t = false;
         std::string e = Eq(a[0], std::vector<Value>(a.begin() + 1, a.end()), t);
         return e.empty() ? Ok(Value::Bool(t)) : Err(e);
       }}},
      {"ne", {2, false, [](std::string_view, const std::vector<Value>& a) {
         bool t = false;
         std::string e = Eq(a[0], {a[1]}, t);
         return e.empty() ? Ok(Value::Bool(!t)) : Err(e);
       }}},
      {"lt", {2, false, [](std::string_view, const std::vector<Value>& a) {
         bool t = false;
         std::string e = Lt(a[0], a[1], t);
         return e.empty() ? Ok(Value::Bool(t)) : Err(e);
       }}},
      {"le", {2, false, [](std::string_view, const std::vector<Value>& a) {
         bool t = false;
         std::string e = Lt(a[0], a[1], t);
         if (!e.empty()) return Err(e);
         if (!t) {
           e = Eq(a[0], {a[1]}, t);
           if (!e.empty()) return Err(e);
         }
         return Ok(Value::Bool(t));
       }}},
      {"gt", {2, false, [](std::string_view, const std::vector<Value>& a) {
         bool t = false;
         std::string e = Lt(a[0], a[1], t);
         if (!e.empty()) return Err(e);
         if (!t) {
           e = Eq(a[0], {a[1]}, t);
           if (!e.empty()) return Err(e);
         }
         return Ok(Value::Bool(!t));
       }}},
      {"ge", {2, false, [](std::string_view, const std::vector<Value>& a) {
         bool t = false;
         std::string e = Lt(a[0], a[1], t);
         return e.empty() ? Ok(Value::Bool(!t)) : Err(e);
       }}},
      {"not", {1, false, [](std::string_view, const std::vector<Value>& a) {
         return Ok(Value::Bool(!a[0].Truth()));
       }}},
      {"len", {1, false, [](std::string_view, const std::vector<Value>& a) {
         if (a[0].kind() == Value::Kind::kString) {
           return Ok(Value::Int(static_cast<int64_t>(a[0].AsString().size())));
         }
         if (a[0].kind() == Value::Kind::kRecord &&
             a[0].AsRecord().kind != Record::Kind::kStruct) {
           return Ok(Value::Int(static_cast<int64_t>(a[0].AsRecord().fields.size())));
         }
         if (a[0].kind() == Value::Kind::kList) {
           return Ok(Value::Int(static_cast<int64_t>(a[0].AsList().size())));
         }
         return Err("len of type " + a[0].GoTypeName());
       }}},
      {"index", {1, true, [](std::string_view, const std::vector<Value>& a) {
         Value v = a[0];
         for (std::size_t i = 1; i < a.size(); ++i) {
           if (v.kind() == Value::Kind::kList) {
             // Go's indexArg: an int index in [0, len]; len itself panics in reflect.
             if (a[i].is_nil()) return Err("cannot index slice/array with nil");
             if (a[i].kind() != Value::Kind::kInt) {
               return Err("cannot index slice/array with type " + a[i].GoTypeName());
             }
             int64_t x = a[i].AsInt();
             const auto n = static_cast<int64_t>(v.AsList().size());
             if (x < 0 || x > n) return Err("index out of range: " + std::to_string(x));
             if (x == n) return Err("reflect: slice index out of range");
             Value elem = v.AsList()[static_cast<std::size_t>(x)];
             v = std::move(elem);
             continue;
           }
           if (v.kind() != Value::Kind::kRecord || v.AsRecord().kind == Record::Kind::kStruct) {
             return Err("can't index item of type " + v.GoTypeName());
           }
           if (a[i].kind() != Value::Kind::kString) {
             return Err("value has type " + a[i].GoTypeName() + "; should be string");
           }
           const Record& r = v.AsRecord();
           auto it = r.fields.find(a[i].AsString());
           if (it != r.fields.end()) {
             v = it->second;
           } else {
             v = r.kind == Record::Kind::kStringMap ? Value::Str("") : Value();
           }
         }
         return Ok(v);
       }}},
      {"print", {0, true, [](std::string_view, const std::vector<Value>& a) {
         return Ok(Value::Str(Sprint(a)));
       }}},
      {"println", {0, true, [](std::string_view, const std::vector<Value>& a) {
         std::string out;
         for (std::size_t i = 0; i < a.size(); ++i) {
           if (i > 0) out += ' ';
           out += GoSprintValue(a[i]);
         }
         return Ok(Value::Str(out + "\n"));
       }}},
      {"printf", {1, true, [](std::string_view, const std::vector<Value>& a) {
         CallResult err;
         if (!StringArg(a, 0, err)) return err;
         return Ok(Value::Str(GoSprintf(a[0].AsString(), std::vector<Value>(a.begin() + 1, a.end()))));
       }}},
      {"humanize", {1, false, [](std::string_view, const std::vector<Value>& a) {
         return FloatFn(&Humanize, a);
       }}},
      {"humanize1024", {1, false, [](std::string_view, const std::vector<Value>& a) {
         return FloatFn(&Humanize1024, a);
       }}},
      {"humanizeDuration", {1, false, [](std::string_view, const std::vector<Value>& a) {
         return FloatFn(&HumanizeDuration, a);
       }}},
      {"humanizePercentage", {1, false, [](std::string_view, const std::vector<Value>& a) {
         return FloatFn(+[](double v) { return GoFormatG4(v * 100) + "%"; }, a);
       }}},
      {"humanizeTimestamp", {1, false, [](std::string_view, const std::vector<Value>& a) {
         double v = 0;
         std::string err;
         if (!ConvertToFloat(a[0], v, err)) return Err(err);
         if (std::isnan(v) || std::isinf(v)) return Ok(Value::Str(GoFormatG4(v)));
         double ns = v * 1e9;
         if (ns > 9223372036854775807.0 || ns < -9223372036854775808.0) {
           return Err(GoPrint(Value::Float(v)) +
                      " cannot be represented as a nanoseconds timestamp since it overflows int64");
         }
         // model.TimeFromUnixNano keeps milliseconds.
         int64_t ms = GoInt64(ns) / 1000000;
         return Ok(Value::Str(GoTimeString(ms)));
       }}},
      {"toUpper", {1, false, [](std::string_view, const std::vector<Value>& a) {
         CallResult err;
         if (!StringArg(a, 0, err)) return err;
         std::string s = a[0].AsString();
         for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
         return Ok(Value::Str(s));
       }}},
      {"toLower", {1, false, [](std::string_view, const std::vector<Value>& a) {
         CallResult err;
         if (!StringArg(a, 0, err)) return err;
         std::string s = a[0].AsString();
         for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
         return Ok(Value::Str(s));
       }}},
      {"title", {1, false, [](std::string_view, const std::vector<Value>& a) {
         CallResult err;
         if (!StringArg(a, 0, err)) return err;
         std::string s = a[0].AsString();
         unsigned char prev = ' ';
         for (char& c : s) {
           auto u = static_cast<unsigned char>(c);
           if (IsSeparator(prev)) c = static_cast<char>(std::toupper(u));
           prev = u;
         }
         return Ok(Value::Str(s));
       }}},
      {"safeHtml", {1, false, [](std::string_view, const std::vector<Value>& a) {
         CallResult err;
         if (!StringArg(a, 0, err)) return err;
         return Ok(a[0]);
       }}},
      {"stripPort", {1, false, [](std::string_view, const std::vector<Value>& a) {
         CallResult err;
         if (!StringArg(a, 0, err)) return err;
         std::string host;
         std::string port;
         if (!SplitHostPort(a[0].AsString(), host, port)) return Ok(a[0]);
         return Ok(Value::Str(host));
       }}},
      {"stripDomain", {1, false, [](std::string_view, const std::vector<Value>& a) {
         CallResult err;
         if (!StringArg(a, 0, err)) return err;
         std::string host;
         std::string port;
         if (!SplitHostPort(a[0].AsString(), host, port)) {
           host = a[0].AsString();
           port.clear();
         }
         if (LooksLikeIP(host)) return Ok(a[0]);
         host = host.substr(0, host.find('.'));
         if (!port.empty()) {
           return Ok(Value::Str(host.find(':') != std::string::npos ? "[" + host + "]:" + port
                                                                     : host + ":" + port));
         }
         return Ok(Value::Str(host));
       }}},
      {"match", {2, false, [](std::string_view, const std::vector<Value>& a) {
         CallResult err;
         if (!StringArg(a, 0, err) || !StringArg(a, 1, err)) return err;
         re2::RE2 re(a[0].AsString(), re2::RE2::Quiet);
         if (!re.ok()) return Err("error parsing regexp: " + re.error());
         return Ok(Value::Bool(re2::RE2::PartialMatch(a[1].AsString(), re)));
       }}},
      {"reReplaceAll", {3, false, [](std::string_view, const std::vector<Value>& a) {
         CallResult err;
         if (!StringArg(a, 0, err) || !StringArg(a, 1, err) || !StringArg(a, 2, err)) return err;
         std::string replaced;
         std::string message;
         if (!GoRegexpReplaceAll(a[0].AsString(), a[1].AsString(), a[2].AsString(), replaced,
                                 message)) {
           return Err(message);
         }
         return Ok(Value::Str(std::move(replaced)));
       }}},
      {"args", {0, true, [](std::string_view, const std::vector<Value>& a) {
         auto rec = std::make_shared<Record>();
         rec->kind = Record::Kind::kInterfaceMap;
         rec->go_type = "map[string]interface {}";
         for (std::size_t i = 0; i < a.size(); ++i) {
           rec->fields.emplace("arg" + std::to_string(i), a[i]);
         }
         return Ok(Value::Rec(std::move(rec)));
       }}},
      {"parseDuration", {1, false, [](std::string_view, const std::vector<Value>& a) {
         CallResult err;
         if (!StringArg(a, 0, err)) return err;
         auto d = promql::ParseDuration(a[0].AsString());
         if (!d.ok()) return Err(d.error().message);
         return Ok(Value::Float(static_cast<double>(*d) / 1000.0));
       }}},
      {"externalURL", {0, false, [](std::string_view, const std::vector<Value>&) {
         return Ok(Value::Str(""));
       }}},
      {"pathPrefix", {0, false, [](std::string_view, const std::vector<Value>&) {
         return Ok(Value::Str(""));
       }}},
      // `query` needs the query function: CallFunction serves it after the arity check.
      {"query", {1, false, [](std::string_view, const std::vector<Value>&) {
         return Err("template queries are not supported by the agent");
       }}},
      {"first", {1, false, [](std::string_view, const std::vector<Value>& a) {
         CallResult err;
         if (!ListArg(a, 0, err)) return err;
         if (a[0].is_nil() || a[0].AsList().empty()) {
           return Err("first() called on vector with no elements");
         }
         return Ok(a[0].AsList().front());
       }}},
      {"label", {2, false, [](std::string_view, const std::vector<Value>& a) {
         CallResult err;
         if (!StringArg(a, 0, err) || !SampleArg(a, 1, err)) return err;
         if (a[1].is_nil()) return Err(kNilSample);
         return Ok(Value::Str(SampleLabel(a[1], a[0].AsString())));
       }}},
      {"value", {1, false, [](std::string_view, const std::vector<Value>& a) {
         CallResult err;
         if (!SampleArg(a, 0, err)) return err;
         if (a[0].is_nil()) return Err(kNilSample);
         return Ok(SampleField(a[0], "Value"));
       }}},
      {"strvalue", {1, false, [](std::string_view, const std::vector<Value>& a) {
         CallResult err;
         if (!SampleArg(a, 0, err)) return err;
         if (a[0].is_nil()) return Err(kNilSample);
         return Ok(Value::Str(SampleLabel(a[0], "__value__")));
       }}},
      {"sortByLabel", {2, false, [](std::string_view, const std::vector<Value>& a) {
         CallResult err;
         if (!StringArg(a, 0, err) || !ListArg(a, 1, err)) return err;
         if (a[1].is_nil()) return Ok(Value::List({}));
         std::vector<Value> sorted = a[1].AsList();
         const std::string& by = a[0].AsString();
         // sort.Stable by Labels[by]; a nil sample in the list panics like Go's Less would.
         for (const Value& v : sorted) {
           if (!v.IsSample()) return Err(kNilSample);
         }
         std::stable_sort(sorted.begin(), sorted.end(), [&by](const Value& x, const Value& y) {
           return SampleLabel(x, by) < SampleLabel(y, by);
         });
         return Ok(Value::List(std::move(sorted)));
       }}},
      {"graphLink", {1, false, [](std::string_view, const std::vector<Value>& a) {
         CallResult err;
         if (!StringArg(a, 0, err)) return err;
         return Ok(Value::Str("/graph?g0.expr=" + GoQueryEscape(a[0].AsString()) + "&g0.tab=0"));
       }}},
      {"tableLink", {1, false, [](std::string_view, const std::vector<Value>& a) {
         CallResult err;
         if (!StringArg(a, 0, err)) return err;
         return Ok(Value::Str("/graph?g0.expr=" + GoQueryEscape(a[0].AsString()) + "&g0.tab=1"));
       }}},
  };
  return *table;
}

}  // namespace

bool IsKnownFunction(std::string_view name) {
  return name == "and" || name == "or" || Functions().count(name) > 0;
}

CallResult CallFunction(std::string_view name, const std::vector<Value>& args,
                        const QueryFunc& query) {
  auto it = Functions().find(name);
  if (it == Functions().end()) {
    return Err("function not defined");
  }
  const FnSpec& spec = it->second;
  if (spec.variadic ? args.size() < spec.nargs : args.size() != spec.nargs) {
    // Go reports eq's arity as its declared (arg1, arg2 ...) form.
    if (name == "eq" && args.size() < 1) return ArgCount(name, 1, args.size(), true);
    return ArgCount(name, spec.nargs, args.size(), spec.variadic);
  }
  if (name == "query" && query) {
    CallResult err;
    if (!StringArg(args, 0, err)) return err;
    auto samples = query(args[0].AsString());
    if (!samples.ok()) return Err(samples.error().message);
    return Ok(Value::QueryResult(*samples));
  }
  return spec.fn(name, args);
}

}  // namespace nca::alerts::templates
