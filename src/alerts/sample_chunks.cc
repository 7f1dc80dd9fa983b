#include "alerts/sample_chunks.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace nca::alerts {
namespace {

std::uint64_t Bits(double v) {
  std::uint64_t b = 0;
  std::memcpy(&b, &v, sizeof(b));
  return b;
}

double FromBits(std::uint64_t b) {
  double v = 0;
  std::memcpy(&v, &b, sizeof(v));
  return v;
}

void PutVarint(std::string& out, std::uint64_t x) {
  while (x >= 0x80) {
    out.push_back(static_cast<char>((x & 0x7f) | 0x80));
    x >>= 7;
  }
  out.push_back(static_cast<char>(x));
}

std::uint64_t GetVarint(const std::string& in, std::size_t& at) {
  std::uint64_t x = 0;
  for (int shift = 0;; shift += 7) {
    const auto byte = static_cast<unsigned char>(in[at++]);
    x |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      return x;
    }
  }
}

}  // namespace

bool SampleChunks::Append(std::int64_t t, double v) {
  if (newest_) {
    if (t < newest_->t) {
      return false;
    }
    if (t == newest_->t) {
      newest_->v = v;
      return true;
    }
    Encode(*newest_);
  }
  newest_ = promql::Sample{t, v};
  return true;
}

void SampleChunks::Encode(const promql::Sample& s) {
  const std::uint64_t bits = Bits(s.v);
  // Times only grow, so the difference is exact in unsigned arithmetic; one that would not fit
  // the varint with its flag bit (more than 2^63 ms) starts a chunk.
  const std::uint64_t delta =
      chunks_.empty()
          ? 0
          : static_cast<std::uint64_t>(s.t) - static_cast<std::uint64_t>(chunks_.back().last_t);
  if (chunks_.empty() || chunks_.back().count == kChunkSamples || delta > (UINT64_MAX >> 1)) {
    Chunk& c = chunks_.emplace_back();
    c.first_t = s.t;
    c.last_t = s.t;
    c.count = 1;
    c.bytes.reserve(2 * kChunkSamples + 2 * sizeof(bits));
    PutVarint(c.bytes, 0);
    c.bytes.append(reinterpret_cast<const char*>(&bits), sizeof(bits));
  } else {
    Chunk& c = chunks_.back();
    const bool same = bits == last_bits_;
    PutVarint(c.bytes, (delta << 1) | (same ? 1 : 0));
    if (!same) {
      c.bytes.append(reinterpret_cast<const char*>(&bits), sizeof(bits));
    }
    c.last_t = s.t;
    ++c.count;
    if (c.count == kChunkSamples) {
      c.bytes.shrink_to_fit();
    }
  }
  last_bits_ = bits;
}

template <typename Fn>
void SampleChunks::Decode(const Chunk& c, Fn&& fn) {
  std::size_t at = 0;
  std::int64_t t = c.first_t;
  std::uint64_t bits = 0;
  for (std::uint32_t i = 0; i < c.count; ++i) {
    const std::uint64_t head = GetVarint(c.bytes, at);
    t = static_cast<std::int64_t>(static_cast<std::uint64_t>(t) + (head >> 1));
    if ((head & 1) == 0) {
      std::memcpy(&bits, c.bytes.data() + at, sizeof(bits));
      at += sizeof(bits);
    }
    if (!fn(promql::Sample{t, FromBits(bits)})) {
      return;
    }
  }
}

void SampleChunks::DropBefore(std::int64_t cutoff) {
  floor_ = std::max(floor_, cutoff);
  const auto keep = std::find_if(chunks_.begin(), chunks_.end(),
                                 [cutoff](const Chunk& c) { return c.last_t >= cutoff; });
  chunks_.erase(chunks_.begin(), keep);
}

bool SampleChunks::AllBefore(std::int64_t cutoff) const { return !newest_ || newest_->t < cutoff; }

void SampleChunks::Read(std::int64_t mint, std::int64_t maxt,
                        std::vector<promql::Sample>& out) const {
  mint = std::max(mint, floor_);
  for (const Chunk& c : chunks_) {
    if (c.last_t < mint) {
      continue;
    }
    if (c.first_t > maxt) {
      return;
    }
    bool past = false;
    Decode(c, [&](const promql::Sample& s) {
      if (s.t > maxt) {
        past = true;
        return false;
      }
      if (s.t >= mint) {
        out.push_back(s);
      }
      return true;
    });
    if (past) {
      return;
    }
  }
  if (newest_ && newest_->t >= mint && newest_->t <= maxt) {
    out.push_back(*newest_);
  }
}

std::size_t SampleChunks::Count(std::int64_t mint) const {
  mint = std::max(mint, floor_);
  std::size_t n = 0;
  for (const Chunk& c : chunks_) {
    if (c.first_t >= mint) {
      n += c.count;
    } else if (c.last_t >= mint) {
      Decode(c, [&](const promql::Sample& s) {
        n += s.t >= mint ? 1 : 0;
        return true;
      });
    }
  }
  return n + (newest_ && newest_->t >= mint ? 1 : 0);
}

std::size_t SampleChunks::MemoryBytes() const {
  std::size_t n = chunks_.capacity() * sizeof(Chunk);
  for (const Chunk& c : chunks_) {
    // std::string keeps up to 15 bytes in place; beyond that, a heap block.
    n += c.bytes.capacity() > 15 ? c.bytes.capacity() + 1 : 0;
  }
  return n;
}

}  // namespace nca::alerts
