// The Prometheus text exposition format (version 0.0.4) written straight into strings, from
// pointers to families: no copy of a family or series, no ostream. A family can be rendered once
// (RenderFamilies) and joined with others later (JoinRenderedFamilies) without formatting it again.
// Its bytes are those of prometheus-cpp 1.0's TextSerializer (the library Debian bookworm ships),
// which the tests check value by value: doubles as printf's %.16g ("Nan", "+Inf", "-Inf" for the
// non-finite), label values with \\, \" and \n escaped, HELP as given, a histogram's +Inf bucket
// added when missing, a timestamp only when not 0.
//
// Pure functions; thread-safe.
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nca::exporter {

// Appends one family: "# HELP" (when `help` is not empty; written as given, escape it first),
// "# TYPE", then the series in the order given.
void AppendFamilyText(std::string& out, const std::string& name, const std::string& help,
                      prometheus::MetricType type,
                      const std::vector<const prometheus::ClientMetric*>& series);

// HELP text escaped as the format requires (backslash and line feed).
std::string EscapeHelp(const std::string& help);

// One family rendered once, for joining with others later without formatting again: what
// /metrics shows for it, and where each series' lines and label text are, for merging it with a
// family of the same name rendered apart (another collector's snapshot). A plain value.
struct RenderedFamily {
  // Where one series is in `series`: its lines start at `offset` (and end where the next
  // series' start); its label text ("{...}" of its first line, empty without labels) is
  // `labels_size` bytes at `labels_offset`.
  struct Series {
    std::uint32_t offset = 0;
    std::uint32_t labels_offset = 0;
    std::uint32_t labels_size = 0;
  };
  std::string name;
  prometheus::MetricType type = prometheus::MetricType::Untyped;
  std::string header;  // "# HELP" (when there is help) and "# TYPE" lines
  std::string series;  // the series' lines, in label order, no series twice
  std::vector<Series> index;
};
// In name order, names unique.
using RenderedFamilies = std::vector<RenderedFamily>;

// Renders `families` as /metrics shows them: families of one name merged (the series of all of
// them under the first one's HELP and TYPE; series of a family declared with another type are
// dropped, with a warning), families sorted by name, series by labels (stable), duplicate
// series dropped after the first (with a warning), empty families left out.
RenderedFamilies RenderFamilies(std::vector<const prometheus::MetricFamily*> families);
// RenderFamilies of every family of `families` (e.g. a MetricSet).
RenderedFamilies RenderAllFamilies(const std::vector<prometheus::MetricFamily>& families);

// The text of renderings joined: families sorted by name (stable). Families of one name from
// several renderings are merged under the first one's HELP and TYPE: the series of those of its
// type (others are dropped, with a warning) sorted by their label text (stable: this is byte
// order of the escaped text, which can differ from the label order within one rendering), a
// series whose label text was already seen dropped (with a warning). `size_hint`: the expected
// size of the result (e.g. the previous join's), reserved at once.
std::string JoinRenderedFamilies(std::vector<const RenderedFamily*> families,
                                 std::size_t size_hint = 0);

// RenderFamilies, then JoinRenderedFamilies: one rendering of `families`.
std::string RenderFamiliesText(std::vector<const prometheus::MetricFamily*> families,
                               std::size_t size_hint = 0);

}  // namespace nca::exporter
