// The aggregation operators of PromQL (the aggregation loop of Prometheus 2.42's engine.go):
// sum, avg, count, min, max, stddev, stdvar, group, topk, bottomk, count_values, quantile.
// Declared in functions.h.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "alerts/promql/functions.h"

namespace nca::alerts::promql::internal {

Vector Aggregate(AggOp op, const std::vector<std::string>& grouping_in, bool without, double param,
                 const std::string& string_param, Vector input, int64_t ts) {
  int64_t k = 0;
  if (op == AggOp::kTopk || op == AggOp::kBottomk) {
    if (!(param <= 9223372036854775807.0 && param >= -9223372036854775808.0)) {
      throw EvalError{"Scalar value " + FormatFloat(param) + " overflows int64"};
    }
    k = static_cast<int64_t>(param);
    if (k < 1) return {};
  }
  std::vector<std::string> grouping = grouping_in;
  const std::string& value_label = string_param;
  if (op == AggOp::kCountValues) {
    if (!IsValidLabelName(value_label)) {
      throw EvalError{"invalid label name " + GoQuote(value_label)};
    }
    if (!without) {
      grouping.push_back(value_label);
      std::sort(grouping.begin(), grouping.end());
    }
  }
  auto in_grouping = [&](const std::string& name) {
    return std::binary_search(grouping.begin(), grouping.end(), name);
  };

  struct Group {
    Labels labels;
    double value = 0;
    double mean = 0;
    int64_t count = 0;
    std::vector<VectorElement> heap;
  };
  std::vector<Group> groups;
  std::unordered_map<std::string, std::size_t> index;

  // Go's vectorByValueHeap (topk: the least, NaN first, on top) and vectorByReverseValueHeap
  // (bottomk: the greatest, NaN first, on top). std heaps keep the greatest element by the
  // comparator on top, so the comparators are the reversed Less.
  auto top_cmp = [](const VectorElement& a, const VectorElement& b) {
    return LessNaNFirst(b.v, a.v);
  };
  auto bottom_cmp = [](const VectorElement& a, const VectorElement& b) {
    return GreaterNaNFirst(b.v, a.v);
  };

  for (auto& s : input) {
    if (op == AggOp::kCountValues) s.labels.Set(value_label, FormatFloatFixed(s.v));
    std::string key;
    if (without) {
      for (const auto& [name, value] : s.labels.pairs()) {
        if (name == kMetricNameLabel || in_grouping(name)) continue;
        key += name + '\xff' + value + '\xfe';
      }
    } else if (!grouping.empty()) {
      for (const auto& [name, value] : s.labels.pairs()) {
        if (!in_grouping(name)) continue;
        key += name + '\xff' + value + '\xfe';
      }
    }
    auto it = index.find(key);
    if (it == index.end()) {
      Group g;
      if (without) {
        std::vector<std::pair<std::string, std::string>> kept;
        for (const auto& [name, value] : s.labels.pairs()) {
          if (name != kMetricNameLabel && !in_grouping(name)) kept.emplace_back(name, value);
        }
        g.labels = Labels(std::move(kept));
      } else if (!grouping.empty()) {
        std::vector<std::pair<std::string, std::string>> kept;
        for (const auto& [name, value] : s.labels.pairs()) {
          if (in_grouping(name)) kept.emplace_back(name, value);
        }
        g.labels = Labels(std::move(kept));
      }
      g.value = s.v;
      g.mean = s.v;
      g.count = 1;
      switch (op) {
        case AggOp::kStdvar:
        case AggOp::kStddev:
          g.value = 0;
          break;
        case AggOp::kTopk:
        case AggOp::kBottomk:
        case AggOp::kQuantile:
          g.heap.push_back(VectorElement{s.labels, ts, s.v});
          break;
        case AggOp::kGroup:
          g.value = 1;
          break;
        default:
          break;
      }
      index.emplace(std::move(key), groups.size());
      groups.push_back(std::move(g));
      continue;
    }
    Group& g = groups[it->second];
    switch (op) {
      case AggOp::kSum:
        g.value += s.v;
        break;
      case AggOp::kAvg: {
        g.count++;
        if (std::isinf(g.mean)) {
          if (std::isinf(s.v) && (g.mean > 0) == (s.v > 0)) break;
          if (!std::isinf(s.v) && !std::isnan(s.v)) break;
        }
        double n = static_cast<double>(g.count);
        g.mean += s.v / n - g.mean / n;
        break;
      }
      case AggOp::kGroup:
        break;
      case AggOp::kMax:
        if (g.value < s.v || std::isnan(g.value)) g.value = s.v;
        break;
      case AggOp::kMin:
        if (g.value > s.v || std::isnan(g.value)) g.value = s.v;
        break;
      case AggOp::kCount:
      case AggOp::kCountValues:
        g.count++;
        break;
      case AggOp::kStdvar:
      case AggOp::kStddev: {
        g.count++;
        double delta = s.v - g.mean;
        g.mean += delta / static_cast<double>(g.count);
        g.value += delta * (s.v - g.mean);
        break;
      }
      case AggOp::kTopk:
        if (static_cast<int64_t>(g.heap.size()) < k || g.heap[0].v < s.v ||
            std::isnan(g.heap[0].v)) {
          if (static_cast<int64_t>(g.heap.size()) == k) {
            std::pop_heap(g.heap.begin(), g.heap.end(), top_cmp);
            g.heap.pop_back();
          }
          g.heap.push_back(VectorElement{std::move(s.labels), ts, s.v});
          std::push_heap(g.heap.begin(), g.heap.end(), top_cmp);
        }
        break;
      case AggOp::kBottomk:
        if (static_cast<int64_t>(g.heap.size()) < k || g.heap[0].v > s.v ||
            std::isnan(g.heap[0].v)) {
          if (static_cast<int64_t>(g.heap.size()) == k) {
            std::pop_heap(g.heap.begin(), g.heap.end(), bottom_cmp);
            g.heap.pop_back();
          }
          g.heap.push_back(VectorElement{std::move(s.labels), ts, s.v});
          std::push_heap(g.heap.begin(), g.heap.end(), bottom_cmp);
        }
        break;
      case AggOp::kQuantile:
        g.heap.push_back(VectorElement{std::move(s.labels), ts, s.v});
        break;
    }
  }

  Vector out;
  out.reserve(groups.size());
  for (auto& g : groups) {
    double value = g.value;
    switch (op) {
      case AggOp::kAvg:
        value = g.mean;
        break;
      case AggOp::kCount:
      case AggOp::kCountValues:
        value = static_cast<double>(g.count);
        break;
      case AggOp::kStdvar:
        value = g.value / static_cast<double>(g.count);
        break;
      case AggOp::kStddev:
        value = std::sqrt(g.value / static_cast<double>(g.count));
        break;
      case AggOp::kTopk:
      case AggOp::kBottomk: {
        // Largest first for topk, smallest first for bottomk (sort.Reverse of the heap order).
        if (op == AggOp::kTopk) {
          std::sort(g.heap.begin(), g.heap.end(), top_cmp);
        } else {
          std::sort(g.heap.begin(), g.heap.end(), bottom_cmp);
        }
        for (auto& e : g.heap) out.push_back(std::move(e));
        continue;
      }
      case AggOp::kQuantile: {
        std::vector<double> values;
        values.reserve(g.heap.size());
        for (const auto& e : g.heap) values.push_back(e.v);
        value = Quantile(param, values);
        break;
      }
      default:
        break;
    }
    out.push_back(VectorElement{std::move(g.labels), ts, value});
  }
  return out;
}

}  // namespace nca::alerts::promql::internal
