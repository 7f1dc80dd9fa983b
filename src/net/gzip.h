// gzip (RFC 1952) for response bodies that are mostly prepared in advance: a large prefix
// compressed once (GzipStart) and a small tail compressed for each response (GzipFinish), which
// together make one valid gzip member. The prefix's deflate blocks end at a byte boundary with a
// sync flush and are not final; the tail is a fresh raw deflate stream (it refers to nothing
// before it) ending with the final block; the trailer's CRC-32 is combined from both parts
// (zlib's crc32_combine), its length is the sum. Pure functions over zlib.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nca::net {

struct GzipPrefix {
  std::string bytes;    // gzip header + deflate blocks of the data (not final)
  uint32_t crc = 0;     // CRC-32 of the uncompressed data
  uint64_t length = 0;  // uncompressed length
};

// Compresses `data` as the beginning of a gzip member (level: zlib's 1..9; 6 is its default).
GzipPrefix GzipStart(std::string_view data, int level = 6);

// The bytes that follow prefix.bytes to complete the member: `tail` compressed as final deflate
// blocks, then the trailer (CRC-32 and length of the prefix's data followed by `tail`).
std::string GzipFinish(const GzipPrefix& prefix, std::string_view tail, int level = 1);

// Decompresses a whole gzip body (every member), up to `max_bytes` of output. For tests and
// tools; errors say what is wrong.
Result<std::string> Gunzip(std::string_view body, std::size_t max_bytes = 64u << 20);

}  // namespace nca::net
