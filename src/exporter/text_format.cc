#include "exporter/text_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "common/logging.h"

namespace nca::exporter {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// As an ostream with the classic locale and precision max_digits10 - 1 (16) writes a double,
// i.e. printf's %.16g; std::to_chars with a precision is specified as that printf conversion.
void AppendDouble(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "Nan";
  } else if (std::isinf(value)) {
    out += value < 0 ? "-Inf" : "+Inf";
  } else {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::general,
                           std::numeric_limits<double>::max_digits10 - 1);
    out.append(buf, r.ptr);
  }
}

template <typename Int>
void AppendInt(std::string& out, Int value) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, r.ptr);
}

void AppendLabelValue(std::string& out, std::string_view value) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\\' || c == '"' || c == '\n') {
      out.append(value.data() + start, i - start);
      out += '\\';
      out += c == '\n' ? 'n' : c;
      start = i + 1;
    }
  }
  out.append(value.data() + start, value.size() - start);
}

// An extra label after the series' own: none, a double (quantile, le) or "+Inf".
struct Extra {
  std::string_view name;
  double value = 0;
  bool inf_text = false;
};

// Writes a line's name and labels up to the value; returns where its label text ("{...}", without
// `extra`; empty when there are no labels) starts and ends, the series' identity when merging.
std::pair<std::size_t, std::size_t> AppendHead(std::string& out, std::string_view name,
                                               std::string_view suffix, const ClientMetric& m,
                                               const Extra& extra = {}) {
  out += name;
  out += suffix;
  const std::size_t labels_begin = out.size();
  std::size_t labels_end = labels_begin;
  if (!m.label.empty() || !extra.name.empty()) {
    out += '{';
    bool first = true;
    for (const auto& l : m.label) {
      if (!first) {
        out += ',';
      }
      first = false;
      out += l.name;
      out += "=\"";
      AppendLabelValue(out, l.value);
      out += '"';
    }
    labels_end = out.size();
    if (!extra.name.empty()) {
      if (!first) {
        out += ',';
      }
      out += extra.name;
      out += "=\"";
      if (extra.inf_text) {
        out += "+Inf";
      } else {
        AppendDouble(out, extra.value);
      }
      out += '"';
    }
    out += '}';
    if (extra.name.empty()) {
      labels_end = out.size();
    }
  }
  out += ' ';
  return {labels_begin, labels_end};
}

void AppendTail(std::string& out, const ClientMetric& m) {
  if (m.timestamp_ms != 0) {
    out += ' ';
    AppendInt(out, m.timestamp_ms);
  }
  out += '\n';
}

// The _count and _sum lines of a summary or histogram series; returns the labels' place in the
// first line (see AppendHead).
std::pair<std::size_t, std::size_t> AppendCountAndSum(std::string& out, std::string_view name,
                                                      const ClientMetric& m, std::uint64_t count,
                                                      double sum) {
  const auto labels = AppendHead(out, name, "_count", m);
  AppendInt(out, count);
  AppendTail(out, m);
  AppendHead(out, name, "_sum", m);
  AppendDouble(out, sum);
  AppendTail(out, m);
  return labels;
}

// Writes one series' lines; returns the place of its label text in the first line (see
// AppendHead), or an empty range at the end for a type that writes nothing.
std::pair<std::size_t, std::size_t> AppendSeries(std::string& out, std::string_view name,
                                                 MetricType type, const ClientMetric& m) {
  std::pair<std::size_t, std::size_t> labels{out.size(), out.size()};
  switch (type) {
    case MetricType::Counter:
    case MetricType::Gauge:
    case MetricType::Untyped:
      labels = AppendHead(out, name, "", m);
      AppendDouble(out, type == MetricType::Counter ? m.counter.value
                        : type == MetricType::Gauge ? m.gauge.value
                                                    : m.untyped.value);
      AppendTail(out, m);
      break;
    case MetricType::Summary:
      labels = AppendCountAndSum(out, name, m, m.summary.sample_count, m.summary.sample_sum);
      for (const auto& q : m.summary.quantile) {
        AppendHead(out, name, "", m, Extra{"quantile", q.quantile});
        AppendDouble(out, q.value);
        AppendTail(out, m);
      }
      break;
    case MetricType::Histogram: {
      labels = AppendCountAndSum(out, name, m, m.histogram.sample_count, m.histogram.sample_sum);
      double last = -std::numeric_limits<double>::infinity();
      for (const auto& b : m.histogram.bucket) {
        AppendHead(out, name, "_bucket", m, Extra{"le", b.upper_bound});
        last = b.upper_bound;
        AppendInt(out, b.cumulative_count);
        AppendTail(out, m);
      }
      if (last != std::numeric_limits<double>::infinity()) {
        AppendHead(out, name, "_bucket", m, Extra{"le", 0, true});
        AppendInt(out, m.histogram.sample_count);
        AppendTail(out, m);
      }
      break;
    }
    default:
      break;  // prometheus-cpp 1.0 has no other type; an Info family would write no series
  }
  return labels;
}

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Summary:
      return "summary";
    case MetricType::Histogram:
      return "histogram";
    case MetricType::Untyped:
      return "untyped";
    default:
      return "";
  }
}

// "# HELP" (when `help` is not empty) and "# TYPE"; false when the type has no name (nothing of
// the family's series is written then).
bool AppendFamilyHeader(std::string& out, const std::string& name, const std::string& help,
                        MetricType type) {
  if (!help.empty()) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += '\n';
  }
  const std::string_view type_name = TypeName(type);
  if (type_name.empty()) {
    return false;
  }
  out += "# TYPE ";
  out += name;
  out += ' ';
  out += type_name;
  out += '\n';
  return true;
}

std::uint32_t Offset32(std::size_t offset) {
  if (offset > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("a metric family's rendering exceeds 4 GiB");
  }
  return static_cast<std::uint32_t>(offset);
}

// One series of a RenderedFamily: its lines and its label text.
struct SeriesRef {
  const RenderedFamily* family;
  std::size_t index;

  std::string_view Lines() const {
    const std::size_t begin = family->index[index].offset;
    const std::size_t end =
        index + 1 < family->index.size() ? family->index[index + 1].offset : family->series.size();
    return std::string_view(family->series).substr(begin, end - begin);
  }
  std::string_view Labels() const {
    const RenderedFamily::Series& s = family->index[index];
    return std::string_view(family->series).substr(s.labels_offset, s.labels_size);
  }
};

// Families of one name from several renderings, as one: the first one's header, the series of
// those of the same type sorted by label text (stable), a series already seen dropped.
void AppendMerged(std::string& out, const std::vector<const RenderedFamily*>& group) {
  const RenderedFamily& first = *group.front();
  std::vector<SeriesRef> series;
  for (const RenderedFamily* f : group) {
    if (f->type != first.type) {
      GetLogger("exporter.web")
          ->warn("msg=\"dropping series of a family declared with another type\" family={}",
                 first.name);
      continue;
    }
    for (std::size_t i = 0; i < f->index.size(); ++i) {
      series.push_back({f, i});
    }
  }
  std::stable_sort(series.begin(), series.end(),
                   [](const SeriesRef& a, const SeriesRef& b) { return a.Labels() < b.Labels(); });
  auto dup = std::unique(series.begin(), series.end(), [](const SeriesRef& a, const SeriesRef& b) {
    return a.Labels() == b.Labels();
  });
  if (dup != series.end()) {
    GetLogger("exporter.web")
        ->warn("msg=\"dropping duplicate series\" family={} count={}", first.name,
               std::distance(dup, series.end()));
    series.erase(dup, series.end());
  }
  if (series.empty()) {
    return;
  }
  out += first.header;
  for (const SeriesRef& s : series) {
    out += s.Lines();
  }
}

}  // namespace

void AppendFamilyText(std::string& out, const std::string& name, const std::string& help,
                      MetricType type, const std::vector<const ClientMetric*>& series) {
  if (!AppendFamilyHeader(out, name, help, type)) {
    return;
  }
  for (const ClientMetric* m : series) {
    AppendSeries(out, name, type, *m);
  }
}

RenderedFamilies RenderFamilies(std::vector<const MetricFamily*> families) {
  std::stable_sort(families.begin(), families.end(),
                   [](const MetricFamily* a, const MetricFamily* b) { return a->name < b->name; });
  RenderedFamilies out;
  std::vector<const ClientMetric*> series;
  for (std::size_t i = 0; i < families.size();) {
    const MetricFamily& first = *families[i];
    std::size_t j = i;
    series.clear();
    while (j < families.size() && families[j]->name == first.name) {
      if (families[j]->type != first.type) {
        GetLogger("exporter.web")
            ->warn("msg=\"dropping series of a family declared with another type\" family={}",
                   first.name);
      } else {
        for (const ClientMetric& m : families[j]->metric) {
          series.push_back(&m);
        }
      }
      ++j;
    }
    std::stable_sort(
        series.begin(), series.end(),
        [](const ClientMetric* a, const ClientMetric* b) { return a->label < b->label; });
    auto dup = std::unique(
        series.begin(), series.end(),
        [](const ClientMetric* a, const ClientMetric* b) { return a->label == b->label; });
    if (dup != series.end()) {
      GetLogger("exporter.web")
          ->warn("msg=\"dropping duplicate series\" family={} count={}", first.name,
                 std::distance(dup, series.end()));
      series.erase(dup, series.end());
    }
    if (!series.empty()) {
      RenderedFamily& f = out.emplace_back();
      f.name = first.name;
      f.type = first.type;
      if (AppendFamilyHeader(f.header, first.name, EscapeHelp(first.help), first.type)) {
        f.index.reserve(series.size());
        for (const ClientMetric* m : series) {
          const std::size_t offset = f.series.size();
          const auto [labels_begin, labels_end] =
              AppendSeries(f.series, first.name, first.type, *m);
          f.index.push_back(
              {Offset32(offset), Offset32(labels_begin), Offset32(labels_end - labels_begin)});
        }
        f.series.shrink_to_fit();
      }
    }
    i = j;
  }
  return out;
}

RenderedFamilies RenderAllFamilies(const std::vector<MetricFamily>& families) {
  std::vector<const MetricFamily*> pointers;
  pointers.reserve(families.size());
  for (const MetricFamily& f : families) {
    pointers.push_back(&f);
  }
  return RenderFamilies(std::move(pointers));
}

std::string JoinRenderedFamilies(std::vector<const RenderedFamily*> families,
                                 std::size_t size_hint) {
  std::stable_sort(
      families.begin(), families.end(),
      [](const RenderedFamily* a, const RenderedFamily* b) { return a->name < b->name; });
  std::string out;
  out.reserve(size_hint);
  std::vector<const RenderedFamily*> group;
  for (std::size_t i = 0; i < families.size();) {
    std::size_t j = i + 1;
    while (j < families.size() && families[j]->name == families[i]->name) {
      ++j;
    }
    if (j == i + 1) {
      out += families[i]->header;
      out += families[i]->series;
    } else {
      group.assign(families.begin() + static_cast<std::ptrdiff_t>(i),
                   families.begin() + static_cast<std::ptrdiff_t>(j));
      AppendMerged(out, group);
    }
    i = j;
  }
  return out;
}

std::string RenderFamiliesText(std::vector<const MetricFamily*> families, std::size_t size_hint) {
  const RenderedFamilies rendered = RenderFamilies(std::move(families));
  std::vector<const RenderedFamily*> refs;
  refs.reserve(rendered.size());
  for (const RenderedFamily& f : rendered) {
    refs.push_back(&f);
  }
  return JoinRenderedFamilies(std::move(refs), size_hint);
}

std::string EscapeHelp(const std::string& help) {
  if (help.find_first_of("\\\n") == std::string::npos) {
    return help;
  }
  std::string out;
  out.reserve(help.size() + 8);
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace nca::exporter
