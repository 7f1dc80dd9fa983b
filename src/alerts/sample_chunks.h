// SampleChunks: one series' samples for the rule history, kept compact. A collector's series is
// sampled every few seconds for the 21 minutes the shipped rules read (252 samples at 5 s), and
// most of its values repeat (roles, up, health): as plain promql::Samples that is 16 bytes a
// sample (4 KiB a series), encoded here it is about 2 (a time delta and a "same value" bit).
//
// Encoding: the newest sample is kept as is (an equal timestamp may still replace its value);
// older ones are encoded in chunks of up to kChunkSamples, each readable on its own: per sample
// a LEB128 varint of (time delta from the previous sample in the chunk << 1 | same value),
// followed by the value's 8 bytes when it differs from the previous sample's bit for bit (so a
// stale marker, a NaN with a payload, stays itself). A chunk's first sample has delta 0 from the
// chunk's start time and always carries its value.
//
// Plain value; not thread-safe (SampleHistory guards it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alerts/promql/value.h"

namespace nca::alerts {

class SampleChunks {
 public:
  static constexpr std::uint32_t kChunkSamples = 64;

  // Appends a sample newer than the newest; an equal timestamp replaces the newest's value; an
  // older one is ignored (returns false).
  bool Append(std::int64_t t, double v);

  // Drops the samples older than `cutoff`: whole chunks go, and the older samples of a chunk
  // that stays are hidden from Read and Count from then on (also when a later call passes an
  // earlier cutoff), exactly as if dropped. The newest sample stays stored (appends continue
  // after it), hidden too when it is older than `cutoff`.
  void DropBefore(std::int64_t cutoff);

  // Whether every sample is older than `cutoff` (or there is none).
  bool AllBefore(std::int64_t cutoff) const;

  // Appends the samples with mint <= t <= maxt to `out`, ascending.
  void Read(std::int64_t mint, std::int64_t maxt, std::vector<promql::Sample>& out) const;

  // Samples with t >= mint.
  std::size_t Count(std::int64_t mint) const;

  // Heap bytes held (chunk buffers and their bookkeeping).
  std::size_t MemoryBytes() const;

 private:
  struct Chunk {
    std::int64_t first_t = 0;
    std::int64_t last_t = 0;
    std::uint32_t count = 0;
    std::string bytes;
  };

  // Encodes `s` at the end of the last chunk (a new chunk when it is full).
  void Encode(const promql::Sample& s);
  // Calls fn(sample) for each sample of `c` in order until fn returns false.
  template <typename Fn>
  static void Decode(const Chunk& c, Fn&& fn);

  std::vector<Chunk> chunks_;             // oldest first
  std::optional<promql::Sample> newest_;  // not yet encoded
  std::uint64_t last_bits_ = 0;           // value bits of the last encoded sample
  std::int64_t floor_ = INT64_MIN;        // samples before it are dropped
};

}  // namespace nca::alerts
