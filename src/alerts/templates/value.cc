#include "alerts/templates/value.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

#include "alerts/promql/ast.h"
#include "alerts/promql/value.h"

namespace nca::alerts::templates {

Value Value::Bool(bool b) {
  Value v;
  v.v_ = b;
  return v;
}
Value Value::Int(int64_t i) {
  Value v;
  v.v_ = i;
  return v;
}
Value Value::Float(double f) {
  Value v;
  v.v_ = f;
  return v;
}
Value Value::Str(std::string s) {
  Value v;
  v.v_ = std::move(s);
  return v;
}
Value Value::Rec(std::shared_ptr<const Record> r) {
  Value v;
  v.v_ = std::move(r);
  return v;
}
Value Value::StringMap(const std::map<std::string, std::string>& m) {
  auto rec = std::make_shared<Record>();
  rec->kind = Record::Kind::kStringMap;
  rec->go_type = "map[string]string";
  for (const auto& [k, val] : m) {
    rec->fields.emplace(k, Str(val));
  }
  return Rec(std::move(rec));
}

Value Value::List(std::vector<Value> elems) {
  Value v;
  v.v_ = std::make_shared<const std::vector<Value>>(std::move(elems));
  return v;
}
Value Value::Sample(const QuerySample& s) {
  auto rec = std::make_shared<Record>();
  rec->kind = Record::Kind::kStruct;
  rec->go_type = "*template.sample";
  rec->pointer = true;
  rec->fields.emplace("Labels", StringMap(s.labels));
  rec->fields.emplace("Value", Float(s.value));
  return Rec(std::move(rec));
}
Value Value::QueryResult(const std::vector<QuerySample>& samples) {
  std::vector<Value> elems;
  elems.reserve(samples.size());
  for (const auto& s : samples) {
    elems.push_back(Sample(s));
  }
  return List(std::move(elems));
}

std::string Value::GoTypeName() const {
  switch (kind()) {
    case Kind::kNil:
      return "<nil>";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float64";
    case Kind::kString:
      return "string";
    case Kind::kRecord:
      return AsRecord().go_type;
    case Kind::kList:
      return "template.queryResult";
  }
  return "";
}

bool Value::Truth() const {
  switch (kind()) {
    case Kind::kNil:
      return false;
    case Kind::kBool:
      return AsBool();
    case Kind::kInt:
      return AsInt() != 0;
    case Kind::kFloat:
      return AsFloat() != 0;
    case Kind::kString:
      return !AsString().empty();
    case Kind::kRecord:
      return AsRecord().kind == Record::Kind::kStruct || !AsRecord().fields.empty();
    case Kind::kList:
      return !AsList().empty();
  }
  return false;
}

namespace {

// fmt's %v of a value; `deref` prints a pointer to a struct as the struct (text/template's
// printableValue does that for the top-level value of an action).
std::string FmtV(const Value& v, bool deref) {
  switch (v.kind()) {
    case Value::Kind::kNil:
      return "<nil>";
    case Value::Kind::kBool:
      return v.AsBool() ? "true" : "false";
    case Value::Kind::kInt:
      return std::to_string(v.AsInt());
    case Value::Kind::kFloat:
      return promql::FormatFloat(v.AsFloat());
    case Value::Kind::kString:
      return v.AsString();
    case Value::Kind::kRecord: {
      const Record& r = v.AsRecord();
      bool is_struct = r.kind == Record::Kind::kStruct;
      std::string out = is_struct ? (r.pointer && !deref ? "&{" : "{") : "map[";
      bool first = true;
      for (const auto& [k, val] : r.fields) {
        if (!first) out += ' ';
        first = false;
        if (!is_struct) {
          out += k + ":";
        }
        out += FmtV(val, false);
      }
      out += is_struct ? "}" : "]";
      return out;
    }
    case Value::Kind::kList: {
      std::string out = "[";
      bool first = true;
      for (const Value& e : v.AsList()) {
        if (!first) out += ' ';
        first = false;
        out += FmtV(e, false);
      }
      return out + "]";
    }
  }
  return "";
}

// Go's fmt "%v" inside composite values prints nil as "<nil>"; at the top level text/template
// prints "<no value>".
std::string PrintInner(const Value& v) { return FmtV(v, false); }

struct Spec {
  bool plus = false;
  bool minus = false;
  bool sharp = false;
  bool space = false;
  bool zero = false;
  int width = -1;
  int prec = -1;
};

std::string Pad(std::string s, const Spec& spec, bool allow_zero) {
  // Width counts runes in Go; count UTF-8 lead bytes.
  int runes = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) {
      ++runes;
    }
  }
  if (spec.width < 0 || runes >= spec.width) {
    return s;
  }
  std::size_t n = static_cast<std::size_t>(spec.width - runes);
  if (spec.minus) {
    return s + std::string(n, ' ');
  }
  if (spec.zero && allow_zero) {
    std::size_t sign = (!s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) ? 1 : 0;
    return s.substr(0, sign) + std::string(n, '0') + s.substr(sign);
  }
  return std::string(n, ' ') + s;
}

std::string CFormat(const Spec& spec, char verb, double v) {
  std::string fmt = "%";
  if (spec.plus) fmt += '+';
  if (spec.minus) fmt += '-';
  if (spec.sharp) fmt += '#';
  if (spec.space) fmt += ' ';
  if (spec.zero) fmt += '0';
  if (spec.width >= 0) fmt += std::to_string(spec.width);
  if (spec.prec >= 0) fmt += "." + std::to_string(spec.prec);
  fmt += verb;
  int n = std::snprintf(nullptr, 0, fmt.c_str(), v);
  std::string out(static_cast<std::size_t>(n), '\0');
  std::snprintf(out.data(), out.size() + 1, fmt.c_str(), v);
  return out;
}

std::string FormatFloatVerb(const Spec& spec, char verb, double v) {
  if (std::isnan(v) || std::isinf(v)) {
    std::string s;
    if (std::isnan(v)) {
      s = spec.plus ? "+NaN" : (spec.space ? " NaN" : "NaN");
    } else {
      s = v > 0 ? (spec.plus ? "+Inf" : (spec.space ? " Inf" : "+Inf")) : "-Inf";
    }
    return Pad(s, spec, false);
  }
  if ((verb == 'g' || verb == 'G' || verb == 'v') && spec.prec < 0) {
    // Shortest representation with Go's %e/%f choice.
    std::string s = promql::FormatFloat(v);
    if (verb == 'G') {
      for (char& c : s) {
        if (c == 'e') c = 'E';
      }
    }
    if (spec.plus && s[0] != '-') {
      s = "+" + s;
    } else if (spec.space && s[0] != '-') {
      s = " " + s;
    }
    return Pad(s, spec, true);
  }
  char cverb = verb == 'v' ? 'g' : verb;
  if (cverb == 'x' || cverb == 'X') {
    std::string s = CFormat(spec, cverb == 'x' ? 'a' : 'A', v);
    // Go prints at least two exponent digits.
    std::size_t p = s.find_first_of("pP");
    if (p != std::string::npos && p + 2 < s.size() + 1) {
      std::size_t digits = s.size() - (p + 2);
      if (digits == 1) {
        s.insert(p + 2, "0");
      }
    }
    return s;
  }
  return CFormat(spec, cverb, v);
}

std::string BadVerb(char verb, const Value& v) {
  if (v.is_nil()) {
    return std::string("%!") + verb + "(<nil>)";
  }
  return std::string("%!") + verb + "(" + v.GoTypeName() + "=" + PrintInner(v) + ")";
}

std::string HexString(const std::string& s, bool upper, const Spec& spec) {
  static const char* lower_digits = "0123456789abcdef";
  static const char* upper_digits = "0123456789ABCDEF";
  const char* d = upper ? upper_digits : lower_digits;
  std::string out;
  std::size_t n = s.size();
  if (spec.prec >= 0 && static_cast<std::size_t>(spec.prec) < n) {
    n = static_cast<std::size_t>(spec.prec);
  }
  for (std::size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    out += d[c >> 4];
    out += d[c & 0xF];
  }
  return out;
}

std::string TruncateRunes(const std::string& s, int prec) {
  if (prec < 0) {
    return s;
  }
  int runes = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (runes == prec) {
        return s.substr(0, i);
      }
      ++runes;
    }
  }
  return s;
}

std::string FormatOne(const Spec& spec, char verb, const Value& v) {
  switch (verb) {
    case 'v':
      if (v.kind() == Value::Kind::kFloat) {
        return FormatFloatVerb(spec, 'v', v.AsFloat());
      }
      if (v.kind() == Value::Kind::kInt) {
        return Pad(std::to_string(v.AsInt()), spec, true);
      }
      return Pad(PrintInner(v), spec, false);
    case 's':
      if (v.kind() == Value::Kind::kString) {
        return Pad(TruncateRunes(v.AsString(), spec.prec), spec, false);
      }
      if (v.kind() == Value::Kind::kRecord || v.kind() == Value::Kind::kList) {
        return Pad(PrintInner(v), spec, false);
      }
      return BadVerb(verb, v);
    case 'q':
      if (v.kind() == Value::Kind::kString) {
        return Pad(promql::GoQuote(v.AsString()), spec, false);
      }
      return BadVerb(verb, v);
    case 'd':
      if (v.kind() == Value::Kind::kInt) {
        std::string s = std::to_string(v.AsInt());
        if (spec.plus && v.AsInt() >= 0) s = "+" + s;
        return Pad(s, spec, true);
      }
      return BadVerb(verb, v);
    case 't':
      if (v.kind() == Value::Kind::kBool) {
        return Pad(v.AsBool() ? "true" : "false", spec, false);
      }
      return BadVerb(verb, v);
    case 'x':
    case 'X':
      if (v.kind() == Value::Kind::kString) {
        return Pad(HexString(v.AsString(), verb == 'X', spec), spec, false);
      }
      if (v.kind() == Value::Kind::kInt) {
        char buf[40];
        int64_t i = v.AsInt();
        uint64_t u = i < 0 ? static_cast<uint64_t>(-(i + 1)) + 1 : static_cast<uint64_t>(i);
        std::snprintf(buf, sizeof buf, verb == 'x' ? "%llx" : "%llX",
                      static_cast<unsigned long long>(u));
        std::string s = std::string(i < 0 ? "-" : "") + buf;
        return Pad(s, spec, true);
      }
      if (v.kind() == Value::Kind::kFloat) {
        return FormatFloatVerb(spec, verb, v.AsFloat());
      }
      return BadVerb(verb, v);
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G':
      if (v.kind() == Value::Kind::kFloat) {
        Spec s = spec;
        if (s.prec < 0 && verb != 'g' && verb != 'G') {
          s.prec = 6;
        }
        return FormatFloatVerb(s, verb == 'F' ? 'f' : verb, v.AsFloat());
      }
      return BadVerb(verb, v);
    default:
      return BadVerb(verb, v);
  }
}

}  // namespace

std::string GoPrint(const Value& v) {
  if (v.is_nil()) {
    return "<no value>";
  }
  return FmtV(v, true);
}

std::string GoSprintValue(const Value& v) { return FmtV(v, false); }

std::string GoSprintf(std::string_view format, const std::vector<Value>& args) {
  std::string out;
  std::size_t argi = 0;
  std::size_t i = 0;
  while (i < format.size()) {
    char c = format[i];
    if (c != '%') {
      out += c;
      ++i;
      continue;
    }
    ++i;
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    Spec spec;
    for (; i < format.size(); ++i) {
      char f = format[i];
      if (f == '+') {
        spec.plus = true;
      } else if (f == '-') {
        spec.minus = true;
      } else if (f == '#') {
        spec.sharp = true;
      } else if (f == ' ') {
        spec.space = true;
      } else if (f == '0') {
        spec.zero = !spec.minus;
      } else {
        break;
      }
    }
    // Go's fmt rejects widths and precisions beyond +-1e6 (tooLarge): a `*` argument that large
    // is a bad width, and digits that large end the format (parsenum returns its end).
    constexpr int64_t kMaxNum = 1000000;
    auto read_num = [&](int& target) {
      if (i < format.size() && format[i] == '*') {
        ++i;
        if (argi < args.size() && args[argi].kind() == Value::Kind::kInt &&
            args[argi].AsInt() <= kMaxNum && args[argi].AsInt() >= -kMaxNum) {
          target = static_cast<int>(args[argi].AsInt());
          ++argi;
        } else {
          out += "%!(BADWIDTH)";
          if (argi < args.size()) ++argi;
        }
        return;
      }
      int n = -1;
      while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
        if (n > kMaxNum) {
          n = -1;
          i = format.size();
          break;
        }
        n = (n < 0 ? 0 : n * 10) + (format[i] - '0');
        ++i;
      }
      target = n;
    };
    read_num(spec.width);
    if (spec.width < -1) {
      spec.minus = true;
      spec.width = -spec.width;
    }
    if (i < format.size() && format[i] == '.') {
      ++i;
      read_num(spec.prec);
      if (spec.prec < 0) spec.prec = 0;
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    char verb = format[i++];
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (argi >= args.size()) {
      out += std::string("%!") + verb + "(MISSING)";
      continue;
    }
    out += FormatOne(spec, verb, args[argi++]);
  }
  if (argi < args.size()) {
    out += "%!(EXTRA ";
    for (std::size_t k = argi; k < args.size(); ++k) {
      if (k > argi) out += ", ";
      out += args[k].is_nil() ? "<nil>" : args[k].GoTypeName() + "=" + PrintInner(args[k]);
    }
    out += ")";
  }
  return out;
}

std::string GoFormatG4(double v) {
  Spec spec;
  spec.prec = 4;
  return FormatFloatVerb(spec, 'g', v);
}

}  // namespace nca::alerts::templates
