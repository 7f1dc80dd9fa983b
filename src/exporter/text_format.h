// The Prometheus text exposition format (version 0.0.4) written straight into one string, from
// pointers to the snapshots' families: no copy of a family or series, no ostream. Its bytes are
// those of prometheus-cpp 1.0's TextSerializer (the library Debian bookworm ships), which the
// tests check value by value: doubles as printf's %.16g ("Nan", "+Inf", "-Inf" for the
// non-finite), label values with \\, \" and \n escaped, HELP as given, a histogram's +Inf bucket
// added when missing, a timestamp only when not 0.
//
// Pure functions; thread-safe.
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>

#include <cstddef>
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

// Renders `families` as /metrics shows them: families of one name merged (the series of all of
// them under the first one's HELP and TYPE; series of a family declared with another type are
// dropped, with a warning), families sorted by name, series by labels (stable), duplicate
// series dropped after the first (with a warning), empty families left out. `size_hint`: the
// expected size of the result (e.g. the previous rendering's), reserved at once.
std::string RenderFamiliesText(std::vector<const prometheus::MetricFamily*> families,
                               std::size_t size_hint = 0);

}  // namespace nca::exporter
