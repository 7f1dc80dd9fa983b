#include "neo4j/prom_text.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>

namespace nca::neo4j {
namespace {

// Line endings: `\n` separates lines (text format 0.0.4). A single `\r` before the `\n` is
// dropped, so CRLF text (a proxy or a Windows-side rewrite) parses the same; a `\r` anywhere
// else is not a blank and makes the line malformed.

constexpr std::size_t kMaxSnippet = 40;

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

bool IsLabelStart(char c) { return c != ':' && IsNameStart(c); }

bool IsLabelChar(char c) { return c != ':' && IsNameChar(c); }

bool IsValidMetricName(std::string_view name) {
  if (name.empty() || !IsNameStart(name.front())) {
    return false;
  }
  for (char c : name) {
    if (!IsNameChar(c)) {
      return false;
    }
  }
  return true;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Printable-ASCII excerpt of untrusted input for error messages.
std::string Snippet(std::string_view text) {
  std::string out;
  for (char raw : text) {
    if (out.size() >= kMaxSnippet) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(raw);
    out += (c >= 0x20 && c < 0x7f) ? raw : '?';
  }
  return out;
}

// Length of the valid UTF-8 sequence at `s[i]` (RFC 3629: no overlongs, no surrogates, at most
// U+10FFFF), or 0 when it is not one.
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    if (i + k >= s.size()) {
      return false;
    }
    const auto b = static_cast<unsigned char>(s[i + k]);
    return b >= lo && b <= hi;
  };
  if (b0 < 0x80) {
    return 1;
  }
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    return cont(1) ? 2 : 0;
  }
  if (b0 == 0xE0) {
    return cont(1, 0xA0) && cont(2) ? 3 : 0;
  }
  if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) {
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (b0 == 0xED) {
    return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
  }
  if (b0 == 0xF0) {
    return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  }
  if (b0 >= 0xF1 && b0 <= 0xF3) {
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  if (b0 == 0xF4) {
    return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

// Parses a sample value: a decimal or exponent float as written by Go's or Java's formatter
// (`0.0`, `2.7036229E8`, `-1e-3`, `+5`), or `NaN`, `+Inf`, `-Inf`, `Inf` (case-insensitive, as
// Go's strconv.ParseFloat, which Prometheus uses). Hexadecimal floats are not accepted.
std::optional<double> ParseValue(std::string_view token) {
  if (token.empty()) {
    return std::nullopt;
  }
  std::string_view body = token;
  bool negative = false;
  if (body.front() == '+' || body.front() == '-') {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  auto lower_equals = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
      char c = a[i];
      if (c >= 'A' && c <= 'Z') {
        c = static_cast<char>(c - 'A' + 'a');
      }
      if (c != b[i]) {
        return false;
      }
    }
    return true;
  };
  if (lower_equals(body, "inf") || lower_equals(body, "infinity")) {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  if (lower_equals(body, "nan")) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (body.empty() || !((body.front() >= '0' && body.front() <= '9') || body.front() == '.')) {
    return std::nullopt;
  }
  double value = 0;
  const auto [end, ec] =
      std::from_chars(body.data(), body.data() + body.size(), value, std::chars_format::general);
  if (end != body.data() + body.size()) {
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range) {
    // Java writes Double.MAX_VALUE-range numbers exactly; only a genuine overflow lands here.
    value = std::numeric_limits<double>::infinity();
  } else if (ec != std::errc()) {
    return std::nullopt;
  }
  return negative ? -value : value;
}

std::optional<std::int64_t> ParseTimestamp(std::string_view token) {
  std::string_view body = token;
  if (!body.empty() && body.front() == '+') {
    body.remove_prefix(1);
  }
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), value);
  if (body.empty() || ec != std::errc() || end != body.data() + body.size()) {
    return std::nullopt;
  }
  return value;
}

class Parser {
 public:
  Parser(std::string_view text, const PromParseLimits& limits) : text_(text), limits_(limits) {}

  Result<std::vector<PromFamily>> Run() {
    if (text_.size() > limits_.max_bytes) {
      return MakeError(ErrorKind::kTooLarge, "Prometheus text is " + std::to_string(text_.size()) +
                                                 " bytes, more than the limit of " +
                                                 std::to_string(limits_.max_bytes));
    }
    std::size_t pos = 0;
    while (pos < text_.size()) {
      ++line_no_;
      std::size_t end = text_.find('\n', pos);
      if (end == std::string_view::npos) {
        end = text_.size();
      }
      std::string_view line = text_.substr(pos, end - pos);
      pos = end + 1;
      if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
      }
      if (line.size() > limits_.max_line_bytes) {
        return Fail(ErrorKind::kTooLarge, "line is " + std::to_string(line.size()) +
                                              " bytes, more than the limit of " +
                                              std::to_string(limits_.max_line_bytes));
      }
      if (auto status = CheckBytes(line); !status.ok()) {
        return status.error();
      }
      if (auto status = ParseLine(line); !status.ok()) {
        return status.error();
      }
    }
    if (!saw_content_) {
      return MakeError(ErrorKind::kMalformed, "not Prometheus text: no sample and no comment line");
    }
    return std::move(families_);
  }

 private:
  Error Fail(ErrorKind kind, const std::string& what) const {
    return MakeError(kind, "line " + std::to_string(line_no_) + ": " + what);
  }
  Error Malformed(const std::string& what) const { return Fail(ErrorKind::kMalformed, what); }

  Status CheckBytes(std::string_view line) const {
    for (std::size_t i = 0; i < line.size();) {
      if (line[i] == '\0') {
        return Malformed("NUL byte at column " + std::to_string(i + 1));
      }
      const std::size_t n = Utf8SequenceLength(line, i);
      if (n == 0) {
        return Malformed("invalid UTF-8 at column " + std::to_string(i + 1));
      }
      i += n;
    }
    return OkStatus();
  }

  Status ParseLine(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && IsBlank(line[i])) {
      ++i;
    }
    if (i == line.size()) {
      return OkStatus();  // blank line
    }
    if (line[i] == '#') {
      saw_content_ = true;
      return ParseComment(line.substr(i + 1));
    }
    if (!saw_content_ && !IsNameStart(line[i])) {
      // The first significant line tells a wrong endpoint apart from a broken exposition.
      const char c = line[i];
      const char* looks = c == '<'                 ? " (looks like HTML)"
                          : (c == '{' || c == '[') ? " (looks like JSON)"
                                                   : "";
      return Malformed(std::string("not Prometheus text") + looks + ": \"" +
                       Snippet(line.substr(i)) + "\"");
    }
    saw_content_ = true;
    return ParseSample(line, i);
  }

  // `rest` is the line after `#`: `HELP name text`, `TYPE name type`, or any other comment.
  Status ParseComment(std::string_view rest) {
    std::size_t i = 0;
    while (i < rest.size() && IsBlank(rest[i])) {
      ++i;
    }
    std::size_t kw_end = i;
    while (kw_end < rest.size() && !IsBlank(rest[kw_end])) {
      ++kw_end;
    }
    const std::string_view keyword = rest.substr(i, kw_end - i);
    if (keyword != "HELP" && keyword != "TYPE") {
      return OkStatus();  // a plain comment
    }
    i = kw_end;
    while (i < rest.size() && IsBlank(rest[i])) {
      ++i;
    }
    std::size_t name_end = i;
    while (name_end < rest.size() && !IsBlank(rest[name_end])) {
      ++name_end;
    }
    const std::string_view name = rest.substr(i, name_end - i);
    if (name.empty()) {
      return Malformed("expected a metric name after # " + std::string(keyword));
    }
    if (!IsValidMetricName(name)) {
      return Malformed("invalid metric name \"" + Snippet(name) + "\" in # " +
                       std::string(keyword));
    }
    std::string_view text;
    if (name_end < rest.size()) {
      text = rest.substr(name_end + 1);  // one separating blank; the rest is the docstring
    }
    return keyword == "HELP" ? OnHelp(name, text) : OnType(name, text);
  }

  Status OnHelp(std::string_view name, std::string_view raw) {
    std::string help;
    help.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '\\') {
        help += raw[i];
        continue;
      }
      if (i + 1 == raw.size()) {
        return Malformed("HELP text of \"" + std::string(name) + "\" ends in a lone '\\'");
      }
      const char next = raw[++i];
      if (next == '\\') {
        help += '\\';
      } else if (next == 'n') {
        help += '\n';
      } else {
        return Malformed("invalid escape sequence '\\" + Snippet(std::string_view(&next, 1)) +
                         "' in HELP text of \"" + std::string(name) + "\"");
      }
    }
    PromFamily& family = FamilyFor(name);
    if (has_help_[current_]) {
      return Malformed("second HELP line for \"" + std::string(name) + "\"");
    }
    has_help_[current_] = true;
    family.help = std::move(help);
    return OkStatus();
  }

  Status OnType(std::string_view name, std::string_view raw) {
    std::size_t b = 0;
    std::size_t e = raw.size();
    while (b < e && IsBlank(raw[b])) {
      ++b;
    }
    while (e > b && IsBlank(raw[e - 1])) {
      --e;
    }
    const std::string_view token = raw.substr(b, e - b);
    PromType type = PromType::kUntyped;
    if (token == "counter") {
      type = PromType::kCounter;
    } else if (token == "gauge") {
      type = PromType::kGauge;
    } else if (token == "summary") {
      type = PromType::kSummary;
    } else if (token == "histogram") {
      type = PromType::kHistogram;
    } else if (token == "untyped") {
      type = PromType::kUntyped;
    } else {
      return Malformed("unknown metric type \"" + Snippet(token) + "\" for \"" + std::string(name) +
                       "\"");
    }
    PromFamily& family = FamilyFor(name);
    if (has_type_[current_]) {
      return Malformed("second TYPE line for \"" + std::string(name) + "\"");
    }
    if (!family.samples.empty()) {
      return Malformed("TYPE line for \"" + std::string(name) + "\" after its samples");
    }
    has_type_[current_] = true;
    family.type = type;
    return OkStatus();
  }

  // The family named `name`, created when new; it becomes the current family.
  PromFamily& FamilyFor(std::string_view name) {
    const std::string key(name);
    auto it = index_.find(key);
    if (it == index_.end()) {
      it = index_.emplace(key, families_.size()).first;
      families_.push_back(PromFamily{key, "", PromType::kUntyped, {}});
      has_help_.push_back(false);
      has_type_.push_back(false);
    }
    current_ = it->second;
    return families_[current_];
  }

  // Whether a sample named `name` belongs to family `f` (see the header).
  static bool BelongsTo(const PromFamily& f, std::string_view name) {
    if (name == f.name) {
      return true;
    }
    if (name.size() <= f.name.size() || name.substr(0, f.name.size()) != f.name) {
      return false;
    }
    const std::string_view suffix = name.substr(f.name.size());
    switch (f.type) {
      case PromType::kSummary:
        return suffix == "_sum" || suffix == "_count";
      case PromType::kHistogram:
        return suffix == "_sum" || suffix == "_count" || suffix == "_bucket";
      case PromType::kCounter:
        return suffix == "_total";  // `# TYPE x counter` followed by `x_total`
      default:
        return false;
    }
  }

  Status ParseSample(std::string_view line, std::size_t i) {
    std::size_t name_end = i;
    while (name_end < line.size() && IsNameChar(line[name_end])) {
      ++name_end;
    }
    const std::string_view name = line.substr(i, name_end - i);
    if (name.empty() || !IsNameStart(name.front())) {
      return Malformed("invalid metric name \"" + Snippet(line.substr(i)) + "\"");
    }
    if (++sample_count_ > limits_.max_samples) {
      return Fail(ErrorKind::kTooLarge,
                  "more than " + std::to_string(limits_.max_samples) + " samples");
    }
    PromSample sample;
    sample.name = std::string(name);
    i = name_end;
    while (i < line.size() && IsBlank(line[i])) {
      ++i;
    }
    const bool has_labels = i < line.size() && line[i] == '{';
    if (has_labels) {
      if (auto status = ParseLabels(line, i, sample); !status.ok()) {
        return status;
      }
      while (i < line.size() && IsBlank(line[i])) {
        ++i;
      }
    }
    if (i == line.size()) {
      return Malformed("expected a value after \"" + sample.name + "\"");
    }
    if (!has_labels && i == name_end) {
      return Malformed("invalid character '" + Snippet(line.substr(i, 1)) + "' in metric name \"" +
                       sample.name + "\"");
    }
    std::size_t value_end = i;
    while (value_end < line.size() && !IsBlank(line[value_end])) {
      ++value_end;
    }
    const std::string_view value_token = line.substr(i, value_end - i);
    const std::optional<double> value = ParseValue(value_token);
    if (!value) {
      return Malformed("invalid value \"" + Snippet(value_token) + "\" for \"" + sample.name +
                       "\"");
    }
    sample.value = *value;
    i = value_end;
    while (i < line.size() && IsBlank(line[i])) {
      ++i;
    }
    if (i < line.size()) {
      std::size_t ts_end = i;
      while (ts_end < line.size() && !IsBlank(line[ts_end])) {
        ++ts_end;
      }
      const std::string_view ts_token = line.substr(i, ts_end - i);
      const std::optional<std::int64_t> ts = ParseTimestamp(ts_token);
      if (!ts) {
        return Malformed("invalid timestamp \"" + Snippet(ts_token) + "\" for \"" + sample.name +
                         "\"");
      }
      sample.timestamp_ms = *ts;
      i = ts_end;
      while (i < line.size() && IsBlank(line[i])) {
        ++i;
      }
      if (i < line.size()) {
        return Malformed("unexpected text \"" + Snippet(line.substr(i)) + "\" after the timestamp");
      }
    }
    Attach(std::move(sample));
    return OkStatus();
  }

  void Attach(PromSample sample) {
    if (current_ < families_.size() && BelongsTo(families_[current_], sample.name)) {
      families_[current_].samples.push_back(std::move(sample));
      return;
    }
    // A family seen before (e.g. a summary's `_count` after unrelated lines), else a new
    // untyped family of the sample's own name.
    for (std::string_view suffix : {"_count", "_sum", "_bucket", "_total"}) {
      if (!EndsWith(sample.name, suffix)) {
        continue;
      }
      const std::string base = sample.name.substr(0, sample.name.size() - suffix.size());
      if (auto it = index_.find(base);
          it != index_.end() && BelongsTo(families_[it->second], sample.name)) {
        current_ = it->second;
        families_[current_].samples.push_back(std::move(sample));
        return;
      }
    }
    const std::string name = sample.name;
    FamilyFor(name).samples.push_back(std::move(sample));
  }

  // Parses `{name="value",...}` starting at line[i] == '{'; leaves `i` after the `}`.
  Status ParseLabels(std::string_view line, std::size_t& i, PromSample& sample) {
    ++i;  // '{'
    auto skip_blanks = [&] {
      while (i < line.size() && IsBlank(line[i])) {
        ++i;
      }
    };
    skip_blanks();
    while (true) {
      if (i == line.size()) {
        return Malformed("expected '}' to close the label set of \"" + sample.name + "\"");
      }
      if (line[i] == '}') {
        ++i;
        return OkStatus();
      }
      if (!IsLabelStart(line[i])) {
        return Malformed("invalid label name \"" + Snippet(line.substr(i)) + "\" in \"" +
                         sample.name + "\"");
      }
      std::size_t name_end = i;
      while (name_end < line.size() && IsLabelChar(line[name_end])) {
        ++name_end;
      }
      std::string label(line.substr(i, name_end - i));
      i = name_end;
      skip_blanks();
      if (i == line.size() || line[i] != '=') {
        return Malformed("expected '=' after label name \"" + label + "\"");
      }
      ++i;
      skip_blanks();
      if (i == line.size() || line[i] != '"') {
        return Malformed("expected '\"' to open the value of label \"" + label + "\"");
      }
      ++i;
      std::string value;
      bool closed = false;
      while (i < line.size()) {
        const char c = line[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c != '\\') {
          value += c;
          continue;
        }
        if (i == line.size()) {
          break;
        }
        const char next = line[i++];
        if (next == '\\') {
          value += '\\';
        } else if (next == '"') {
          value += '"';
        } else if (next == 'n') {
          value += '\n';
        } else {
          return Malformed("invalid escape sequence '\\" + Snippet(std::string_view(&next, 1)) +
                           "' in the value of label \"" + label + "\"");
        }
      }
      if (!closed) {
        return Malformed("unterminated value of label \"" + label + "\"");
      }
      for (const auto& [existing, unused] : sample.labels) {
        if (existing == label) {
          return Malformed("duplicate label name \"" + label + "\" in \"" + sample.name + "\"");
        }
      }
      if (sample.labels.size() == limits_.max_labels_per_sample) {
        return Fail(ErrorKind::kTooLarge, "more than " +
                                              std::to_string(limits_.max_labels_per_sample) +
                                              " labels in \"" + sample.name + "\"");
      }
      sample.labels.emplace_back(std::move(label), std::move(value));
      skip_blanks();
      if (i < line.size() && line[i] == ',') {
        ++i;  // a trailing `,` before `}` is allowed (Neo4j's Dropwizard bridge writes one)
        skip_blanks();
        continue;
      }
      if (i < line.size() && line[i] == '}') {
        continue;
      }
      return Malformed("expected ',' or '}' after the value of label \"" +
                       sample.labels.back().first + "\"");
    }
  }

  std::string_view text_;
  const PromParseLimits& limits_;
  std::size_t line_no_ = 0;
  std::size_t sample_count_ = 0;
  bool saw_content_ = false;
  std::vector<PromFamily> families_;
  std::vector<bool> has_help_;
  std::vector<bool> has_type_;
  std::unordered_map<std::string, std::size_t> index_;
  std::size_t current_ = std::numeric_limits<std::size_t>::max();
};

}  // namespace

std::string_view PromTypeName(PromType type) {
  switch (type) {
    case PromType::kCounter:
      return "counter";
    case PromType::kGauge:
      return "gauge";
    case PromType::kSummary:
      return "summary";
    case PromType::kHistogram:
      return "histogram";
    case PromType::kUntyped:
      break;
  }
  return "untyped";
}

Result<std::vector<PromFamily>> ParsePromText(std::string_view text,
                                              const PromParseLimits& limits) {
  return Parser(text, limits).Run();
}

}  // namespace nca::neo4j
