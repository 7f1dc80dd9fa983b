// Private to the parsers (parsers.cc, parsers_cypher.cc, parsers_internal.cc): the JSON
// helpers and the FieldReader both the HTTP-answer parsers and the Cypher parsers use. Not part
// of the public API; include only from src/neo4j/parsers*.cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <new>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/result.h"

namespace nca::neo4j::internal {

using nlohmann::json;

// Parses without exceptions; nullopt when the body is not one JSON value, or nests deeper than
// kMaxJsonDepth (copying such a value would overflow the stack).
std::optional<json> ParseJson(std::string_view body);

Error Malformed(std::string_view context, std::string_view what);

std::string Quoted(std::string_view name);

std::string Lower(std::string_view s);

// The first entry of a Neo4j {"errors":[...]} array: code ("code", or "error" in some versions)
// and message. nullopt when `doc` carries no such entry.
struct Neo4jErrorEntry {
  std::string code;
  std::string message;
  std::size_t total = 0;
};

std::optional<Neo4jErrorEntry> FirstNeo4jError(const json& doc);

enum class IntStatus { kOk, kNotInteger, kOutOfRange };

IntStatus ToInt64(const json& v, int64_t* out);

// Column name -> position in a Cypher row, looked up by string_view without a temporary string.
struct ColumnNameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using ColumnMap = std::unordered_map<std::string, std::size_t, ColumnNameHash, std::equal_to<>>;

// Reads typed fields from a JSON object (by key) or from a Cypher row (by column name) and
// remembers the first problem as a kMalformed Error naming the key/column. Getters return a
// default value after an error; callers check ok() once at the end.
// Not thread-safe: lives on one stack frame.
class FieldReader {
 public:
  // Reads keys of `object` (which the caller has checked is an object).
  FieldReader(const json& object, std::string context)
      : object_(&object), context_(std::move(context)) {}

  // Reads the columns of `row` (positions in `columns`).
  FieldReader(const ColumnMap& columns, const std::vector<json>& row, std::string context)
      : columns_(&columns), row_(&row), context_(std::move(context)) {}

  bool ok() const { return !error_.has_value(); }
  Error TakeError() { return std::move(*error_); }

  // Present and non-null value, or nullptr.
  const json* Find(std::string_view name) const {
    if (object_ != nullptr) {
      const auto it = object_->find(name);
      if (it == object_->end() || it->is_null()) {
        return nullptr;
      }
      return &*it;
    }
    const auto it = columns_->find(name);
    if (it == columns_->end() || it->second >= row_->size() || (*row_)[it->second].is_null()) {
      return nullptr;
    }
    return &(*row_)[it->second];
  }

  bool Has(std::string_view name) const {
    if (object_ != nullptr) {
      return object_->contains(name);
    }
    return columns_->find(name) != columns_->end();
  }

  // Required: the key/column must exist; a null value is accepted only when `allow_null`.
  const json* Require(std::string_view name, bool allow_null = false) {
    if (!Has(name)) {
      Fail(std::string("missing ") + Noun() + " " + Quoted(name));
      return nullptr;
    }
    const json* v = Find(name);
    if (v == nullptr && !allow_null) {
      Fail(Quoted(name) + " is null");
    }
    return v;
  }

  std::string RequiredString(std::string_view name) {
    return StringOf(name, Require(name)).value_or(std::string());
  }
  std::optional<std::string> OptionalString(std::string_view name) {
    return StringOf(name, Find(name));
  }

  bool RequiredBool(std::string_view name) { return BoolOf(name, Require(name)).value_or(false); }
  std::optional<bool> OptionalBool(std::string_view name) { return BoolOf(name, Find(name)); }

  int64_t RequiredInt(std::string_view name) { return IntOf(name, Require(name)).value_or(0); }
  std::optional<int64_t> OptionalInt(std::string_view name) { return IntOf(name, Find(name)); }

  std::optional<double> OptionalNumber(std::string_view name) {
    const json* v = Find(name);
    if (v == nullptr) {
      return std::nullopt;
    }
    if (!v->is_number()) {
      Fail(Quoted(name) + " is not a number");
      return std::nullopt;
    }
    return v->get<double>();
  }

  std::vector<std::string> RequiredStringList(std::string_view name) {
    return StringListOf(name, Require(name));
  }
  // Missing or null -> empty.
  std::vector<std::string> OptionalStringList(std::string_view name) {
    return StringListOf(name, Find(name));
  }

  // Missing or null -> empty; values must be strings.
  std::map<std::string, std::string> OptionalStringMap(std::string_view name) {
    std::map<std::string, std::string> out;
    const json* v = Find(name);
    if (v == nullptr) {
      return out;
    }
    if (!v->is_object()) {
      Fail(Quoted(name) + " is not a map");
      return out;
    }
    for (const auto& [key, value] : v->items()) {
      if (!value.is_string()) {
        Fail(Quoted(std::string(name) + "." + key) + " is not a string");
        return out;
      }
      out.emplace(key, value.get<std::string>());
    }
    return out;
  }

  void Fail(std::string what) {
    if (!error_) {
      error_ = Malformed(context_, what);
    }
  }

 private:
  const char* Noun() const { return object_ != nullptr ? "key" : "column"; }

  std::optional<std::string> StringOf(std::string_view name, const json* v) {
    if (v == nullptr) {
      return std::nullopt;
    }
    if (!v->is_string()) {
      Fail(Quoted(name) + " is not a string");
      return std::nullopt;
    }
    return v->get<std::string>();
  }

  std::optional<bool> BoolOf(std::string_view name, const json* v) {
    if (v == nullptr) {
      return std::nullopt;
    }
    if (!v->is_boolean()) {
      Fail(Quoted(name) + " is not a boolean");
      return std::nullopt;
    }
    return v->get<bool>();
  }

  std::optional<int64_t> IntOf(std::string_view name, const json* v) {
    if (v == nullptr) {
      return std::nullopt;
    }
    int64_t out = 0;
    switch (ToInt64(*v, &out)) {
      case IntStatus::kOk:
        return out;
      case IntStatus::kNotInteger:
        Fail(Quoted(name) + " is not an integer");
        return std::nullopt;
      case IntStatus::kOutOfRange:
        Fail(Quoted(name) + " is out of range");
        return std::nullopt;
    }
    return std::nullopt;
  }

  std::vector<std::string> StringListOf(std::string_view name, const json* v) {
    std::vector<std::string> out;
    if (v == nullptr) {
      return out;
    }
    if (!v->is_array()) {
      Fail(Quoted(name) + " is not an array");
      return out;
    }
    out.reserve(v->size());
    for (std::size_t i = 0; i < v->size(); ++i) {
      const json& item = (*v)[i];
      if (!item.is_string()) {
        Fail(Quoted(std::string(name) + "[" + std::to_string(i) + "]") + " is not a string");
        return {};
      }
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  const json* object_ = nullptr;
  const ColumnMap* columns_ = nullptr;
  const std::vector<json>* row_ = nullptr;
  std::string context_;
  std::optional<Error> error_;
};

// Runs `fn` and turns any escaping exception into an Error, so every public function is total.
template <typename Fn>
auto Total(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return MakeError(ErrorKind::kInternal, "out of memory while parsing");
  } catch (const std::exception& ex) {
    return MakeError(ErrorKind::kMalformed, std::string("unexpected parse failure: ") + ex.what());
  } catch (...) {
    return MakeError(ErrorKind::kInternal, "unexpected parse failure");
  }
}

}  // namespace nca::neo4j::internal
