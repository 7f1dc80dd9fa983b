// Walking the configuration's YAML with positioned errors ("file:line:col: path: message"):
// the Walker throws LoadFailure, which the loader catches at its API boundary
// (ParseConfigWithOptions) so that nothing escapes; Fields checks a mapping's keys; the Get*
// functions read typed values. Internal to src/config (loader.cc and the section parsers). Not
// shared between threads: one Walker per parse.
#pragma once

#include <spdlog/fmt/fmt.h>
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/loader.h"
#include "config/text_util.h"
#include "config/yaml_util.h"

namespace nca::config::walk {

using text::ParseUint64;

struct LoadFailure {
  std::string message;
};

inline std::string JoinPath(const std::string& parent, std::string_view key) {
  if (parent.empty()) {
    return std::string(key);
  }
  return fmt::format("{}.{}", parent, key);
}

inline std::string IndexPath(const std::string& parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

inline std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) {
      out += ", ";
    }
    out += n;
  }
  return out;
}

// Formats and throws positioned errors for one parse. Not shared between threads (one per call).
class Walker {
 public:
  explicit Walker(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void FailAt(const YAML::Mark& mark, const std::string& path,
                           std::string_view message) const {
    std::string where = source_;
    if (!mark.is_null()) {
      where = fmt::format("{}:{}:{}", source_, mark.line + 1, mark.column + 1);
    }
    if (path.empty()) {
      throw LoadFailure{fmt::format("{}: {}", where, message)};
    }
    throw LoadFailure{fmt::format("{}: {}: {}", where, path, message)};
  }

  [[noreturn]] void Fail(const YAML::Node& at, const std::string& path,
                         std::string_view message) const {
    FailAt(at.Mark(), path, message);
  }

  const std::string& source() const { return source_; }

 private:
  std::string source_;
};

// One key of a mapping with its value.
struct Field {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
  std::string path;
};

// The fields of one YAML mapping, checked against the known field names: unknown keys,
// duplicate keys, non-scalar keys and secrets (`username`/`password`) are errors. A null node
// (e.g. `web:` with nothing after it) is an empty mapping. Fields with a null value count as
// absent. Not shared between threads (one per mapping, during one parse).
class Fields {
 public:
  Fields(const Walker& w, const YAML::Node& node, std::string path,
         std::initializer_list<std::string_view> known)
      : w_(w), node_(node), path_(std::move(path)) {
    if (node.IsNull()) {
      return;
    }
    if (!node.IsMap()) {
      w.Fail(node, path_, fmt::format("want a mapping, got {}", YamlKindName(node)));
    }
    std::vector<std::string> known_list(known.begin(), known.end());
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key_node = it->first;
      if (!key_node.IsScalar()) {
        w.Fail(key_node, path_,
               fmt::format("keys must be strings, got {}", YamlKindName(key_node)));
      }
      std::string key = key_node.Scalar();
      std::string key_path = JoinPath(path_, key);
      if (key == "password" || key == "username") {
        w.Fail(key_node, key_path,
               fmt::format("secrets are not accepted in the configuration file: use {0}_file (path "
                           "of a file holding the {0}) or {0}_env (name of an environment "
                           "variable) in a credentials section",
                           key));
      }
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        w.Fail(key_node, key_path,
               fmt::format("field {} not found (want one of: {})", key, JoinNames(known_list)));
      }
      for (const auto& f : fields_) {
        if (f.key == key) {
          w.Fail(key_node, key_path,
                 fmt::format("duplicate key {} (first set at line {})", key,
                             f.key_node.Mark().line + 1));
        }
      }
      fields_.push_back(Field{key, key_node, it->second, key_path});
    }
  }

  // The field, or nullptr when absent or null.
  const Field* Find(std::string_view key) const {
    for (const auto& f : fields_) {
      if (f.key == key) {
        return f.value.IsNull() ? nullptr : &f;
      }
    }
    return nullptr;
  }

  // The field; an error at the mapping when absent or null.
  const Field& Require(std::string_view key) const {
    const Field* f = Find(key);
    if (f == nullptr) {
      // Point at the key if it is present with a null value, else at the mapping.
      for (const auto& field : fields_) {
        if (field.key == key) {
          w_.Fail(field.key_node, field.path, "required field has no value");
        }
      }
      w_.Fail(node_, JoinPath(path_, key), "required field is missing");
    }
    return *f;
  }

  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }

 private:
  const Walker& w_;
  YAML::Node node_;
  std::string path_;
  std::vector<Field> fields_;
};

inline std::string GetString(const Walker& w, const Field& f) {
  if (!f.value.IsScalar()) {
    w.Fail(f.value, f.path, fmt::format("want a string, got {}", YamlKindName(f.value)));
  }
  return f.value.Scalar();
}

inline std::string GetNonEmptyString(const Walker& w, const Field& f) {
  std::string s = GetString(w, f);
  if (s.empty()) {
    w.Fail(f.value, f.path, "must not be empty");
  }
  return s;
}

inline bool GetBool(const Walker& w, const Field& f) {
  bool b = false;
  if (!f.value.IsScalar() || !YAML::convert<bool>::decode(f.value, b)) {
    w.Fail(f.value, f.path,
           f.value.IsScalar()
               ? fmt::format("invalid boolean \"{}\" (want true or false)", f.value.Scalar())
               : fmt::format("want true or false, got {}", YamlKindName(f.value)));
  }
  return b;
}

inline Seconds GetDuration(const Walker& w, const Field& f) {
  Result<Seconds> d = ParseDuration(GetString(w, f));
  if (!d.ok()) {
    w.Fail(f.value, f.path, d.error().message);
  }
  return *d;
}

inline Seconds GetPositiveDuration(const Walker& w, const Field& f) {
  Seconds d = GetDuration(w, f);
  if (d.count() <= 0) {
    w.Fail(f.value, f.path, "must be greater than 0");
  }
  return d;
}

inline std::size_t GetPositiveSize(const Walker& w, const Field& f) {
  Result<std::size_t> s = ParseByteSize(GetString(w, f));
  if (!s.ok()) {
    w.Fail(f.value, f.path, s.error().message);
  }
  if (*s == 0) {
    w.Fail(f.value, f.path, "must be greater than 0");
  }
  return *s;
}

inline int GetInt(const Walker& w, const Field& f, int min, int max) {
  std::string s = GetString(w, f);
  std::uint64_t v = 0;
  if (!ParseUint64(s, v) || v > static_cast<std::uint64_t>(max) || static_cast<int>(v) < min) {
    w.Fail(f.value, f.path,
           fmt::format("invalid value \"{}\" (want an integer from {} to {})", s, min, max));
  }
  return static_cast<int>(v);
}

template <typename Fn>
void ForEachItem(const Walker& w, const Field& f, Fn&& fn) {
  if (!f.value.IsSequence()) {
    w.Fail(f.value, f.path, fmt::format("want a list, got {}", YamlKindName(f.value)));
  }
  std::size_t i = 0;
  for (auto it = f.value.begin(); it != f.value.end(); ++it, ++i) {
    fn(*it, IndexPath(f.path, i));
  }
}

// ---------------------------------------------------------------------------------------------
// Sections.

inline std::vector<std::string> GetStringList(const Walker& w, const Field& f, bool unique) {
  std::vector<std::string> out;
  std::map<std::string, int> seen;  // value -> line
  ForEachItem(w, f, [&](const YAML::Node& item, const std::string& item_path) {
    if (!item.IsScalar() || item.Scalar().empty()) {
      w.Fail(item, item_path,
             fmt::format("want a non-empty string, got {}",
                         item.IsScalar() ? "an empty string" : YamlKindName(item)));
    }
    auto [pos, inserted] = seen.emplace(item.Scalar(), item.Mark().line + 1);
    if (unique && !inserted) {
      w.Fail(item, item_path,
             fmt::format("duplicate value \"{}\" (first listed at line {})", item.Scalar(),
                         pos->second));
    }
    out.push_back(item.Scalar());
  });
  return out;
}

inline std::map<std::string, std::string> GetStringMap(const Walker& w, const Field& f) {
  std::map<std::string, std::string> out;
  if (!f.value.IsMap()) {
    w.Fail(f.value, f.path, fmt::format("want a mapping, got {}", YamlKindName(f.value)));
  }
  for (auto it = f.value.begin(); it != f.value.end(); ++it) {
    if (!it->first.IsScalar() || !it->second.IsScalar()) {
      w.Fail(it->first, f.path, "want string keys and string values");
    }
    out[it->first.Scalar()] = it->second.Scalar();
  }
  return out;
}

}  // namespace nca::config::walk
