#include "net/gzip.h"

#include <zlib.h>

#include <array>

namespace nca::net {
namespace {

// The 10-byte member header: magic, deflate, no flags, no mtime, no extra flags, OS 3 (Unix).
constexpr std::array<unsigned char, 10> kHeader{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};

// Raw deflate of `data` into `out` (appended), ending with `flush` (Z_SYNC_FLUSH or Z_FINISH).
void Deflate(std::string_view data, int level, int flush, std::string& out) {
  z_stream z{};
  // windowBits -15: raw deflate (no zlib or gzip wrapper); memLevel 8 is zlib's default.
  if (deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::bad_alloc();
  }
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  const std::size_t start = out.size();
  out.resize(start + deflateBound(&z, static_cast<uLong>(data.size())) + 16);
  z.next_out = reinterpret_cast<Bytef*>(out.data() + start);
  z.avail_out = static_cast<uInt>(out.size() - start);
  int rc = deflate(&z, flush);
  while (rc == Z_OK && z.avail_out == 0) {  // only if the bound was too small
    const std::size_t used = out.size() - z.avail_out;
    out.resize(out.size() * 2);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    z.avail_out = static_cast<uInt>(out.size() - used);
    rc = deflate(&z, flush);
  }
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
}

void PutLe32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

}  // namespace

GzipPrefix GzipStart(std::string_view data, int level) {
  GzipPrefix p;
  p.bytes.assign(reinterpret_cast<const char*>(kHeader.data()), kHeader.size());
  Deflate(data, level, Z_SYNC_FLUSH, p.bytes);
  // Deflate reserved its bound, about the input's size; the prefix is cached until the next
  // render and keeps only what it uses (~50-170 KB of a 600 KB exposition, not 600 KB). A
  // per-scrape tail (GzipFinish) is short-lived and grows by its trailer: no shrink there.
  p.bytes.shrink_to_fit();
  p.crc = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
  p.length = data.size();
  return p;
}

std::string GzipFinish(const GzipPrefix& prefix, std::string_view tail, int level) {
  std::string out;
  Deflate(tail, level, Z_FINISH, out);
  const uLong tail_crc =
      crc32(0, reinterpret_cast<const Bytef*>(tail.data()), static_cast<uInt>(tail.size()));
  PutLe32(out, static_cast<uint32_t>(
                   crc32_combine(prefix.crc, tail_crc, static_cast<z_off_t>(tail.size()))));
  PutLe32(out, static_cast<uint32_t>((prefix.length + tail.size()) & 0xffffffffu));
  return out;
}

Result<std::string> Gunzip(std::string_view body, std::size_t max_bytes) {
  z_stream z{};
  // 15 + 32: zlib or gzip wrapper, detected.
  if (inflateInit2(&z, 15 + 32) != Z_OK) {
    return MakeError(ErrorKind::kInternal, "gunzip: inflateInit2 failed");
  }
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  std::array<char, 16384> buf{};
  int rc = Z_OK;
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(buf.data());
    z.avail_out = buf.size();
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf.data(), buf.size() - z.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&z);
      return MakeError(ErrorKind::kTooLarge,
                       "gunzip: more than " + std::to_string(max_bytes) + " bytes");
    }
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) {
        break;
      }
      inflateReset(&z);  // another member follows
      continue;
    }
    if (rc != Z_OK) {
      const std::string why = z.msg != nullptr ? z.msg : "error " + std::to_string(rc);
      inflateEnd(&z);
      return MakeError(ErrorKind::kMalformed, "gunzip: " + why);
    }
    if (z.avail_in == 0 && z.avail_out != 0) {
      inflateEnd(&z);
      return MakeError(ErrorKind::kMalformed, "gunzip: truncated");
    }
  }
  inflateEnd(&z);
  return out;
}

}  // namespace nca::net
