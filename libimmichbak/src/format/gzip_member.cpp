#include "format/gzip_member.hpp"

#include "format/layout.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>
#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <memory>

namespace immichbak::format {

namespace {

// windowBits 15 + 16: zlib reads the gzip wrapper (header, CRC-32, ISIZE) and checks it.
constexpr int gzip_window_bits = 15 + 16;

struct compressor_deleter {
  void operator()(libdeflate_compressor* c) const noexcept { libdeflate_free_compressor(c); }
};

libdeflate_compressor* thread_compressor(int level) {
  // One compressor per thread and level, reused across frames: allocating one sets up
  // its hash tables (about 1 MiB).
  thread_local std::unique_ptr<libdeflate_compressor, compressor_deleter> c;
  thread_local int c_level = 0;
  if (!c || c_level != level) {
    c.reset(libdeflate_alloc_compressor(level));
    c_level = level;
    if (!c) throw error(errc::internal, "libdeflate: cannot allocate a compressor");
  }
  return c.get();
}

}  // namespace

std::uint32_t crc32_of(std::string_view bytes) {
  uLong c = crc32(0L, Z_NULL, 0);
  // zlib's crc32 takes a uInt length: feed large inputs in pieces.
  while (!bytes.empty()) {
    auto n = static_cast<uInt>(std::min<std::size_t>(bytes.size(), 1u << 30));
    c = crc32(c, reinterpret_cast<const Bytef*>(bytes.data()), n);
    bytes.remove_prefix(n);
  }
  return static_cast<std::uint32_t>(c);
}

std::string gzip_member(std::string_view plain, int level) {
  if (level < gzip_min_level || level > gzip_max_level)
    throw error(errc::invalid_argument,
                fmt::format("gzip compression level {} is out of range: gzip accepts {} to {}", level, gzip_min_level,
                            gzip_max_level));
  libdeflate_compressor* c = thread_compressor(level);
  std::string out(libdeflate_gzip_compress_bound(c, plain.size()), '\0');
  std::size_t n = libdeflate_gzip_compress(c, plain.data(), plain.size(), out.data(), out.size());
  if (n == 0) throw error(errc::internal, "libdeflate: the compressed member did not fit its bound");
  out.resize(n);
  return out;
}

std::string gzip_stored_head(std::uint16_t len) {
  std::string out;
  // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=255 (unknown): fixed, so readers can match it.
  out.append("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
  out += '\x01';  // BFINAL=1, BTYPE=00 (stored); the rest of the byte pads to the boundary
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(len >> 8);
  out += static_cast<char>(~len & 0xff);
  out += static_cast<char>((~len >> 8) & 0xff);
  return out;
}

std::string gzip_stored_member(std::string_view plain) {
  if (plain.size() > 0xffff) throw error(errc::internal, "gzip stored member: over 65535 bytes");
  std::string out = gzip_stored_head(static_cast<std::uint16_t>(plain.size()));
  out.reserve(plain.size() + gzip_stored_overhead);
  out += plain;
  put_le32(out, crc32_of(plain));
  put_le32(out, static_cast<std::uint32_t>(plain.size()));
  return out;
}

std::optional<gzip_member_error> inflate_member(
    std::uint64_t stored_size, std::uint64_t plain_size, bool exact, std::size_t chunk,
    const std::function<void(std::uint64_t, char*, std::size_t)>& read,
    const std::function<void(std::string_view)>& sink) {
  unsigned char hdr[4] = {};
  if (stored_size < 18) return gzip_member_error{"it is too short for a gzip member"};
  read(0, reinterpret_cast<char*>(hdr), sizeof hdr);
  if (hdr[0] != 0x1f || hdr[1] != 0x8b || hdr[2] != 8) return gzip_member_error{"it does not start with a gzip member header"};
  // We write no name, comment or extra field: a member with them is not ours.
  if (hdr[3] != 0) return gzip_member_error{"its gzip header has optional fields set (immichbak writes none)"};

  z_stream z{};
  if (inflateInit2(&z, gzip_window_bits) != Z_OK) throw error(errc::internal, "zlib: cannot allocate an inflate state");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);

  const auto in_cap = static_cast<std::size_t>(std::min<std::uint64_t>(stored_size, chunk));
  const auto out_cap = static_cast<std::size_t>(std::clamp<std::uint64_t>(plain_size, 1, chunk));
  auto in_buf = std::make_unique_for_overwrite<char[]>(in_cap);
  auto out_buf = std::make_unique_for_overwrite<char[]>(out_cap);
  std::uint64_t pos = 0, produced = 0;
  for (;;) {
    if (z.avail_in == 0 && pos < stored_size) {
      auto n = static_cast<std::size_t>(std::min<std::uint64_t>(stored_size - pos, in_cap));
      read(pos, in_buf.get(), n);
      pos += n;
      z.next_in = reinterpret_cast<Bytef*>(in_buf.get());
      z.avail_in = static_cast<uInt>(n);
    }
    z.next_out = reinterpret_cast<Bytef*>(out_buf.get());
    z.avail_out = static_cast<uInt>(out_cap);
    const uInt in_before = z.avail_in;
    int rc = inflate(&z, Z_NO_FLUSH);
    const std::size_t got = out_cap - z.avail_out;
    if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_MEM_ERROR || rc == Z_STREAM_ERROR)
      return gzip_member_error{fmt::format("cannot decompress: {}", z.msg ? z.msg : "damaged deflate data")};
    if (got > 0) {
      if (got > plain_size - produced)
        return gzip_member_error{exact ? fmt::format("it decompresses to more than the manifest's {} bytes", plain_size)
                                       : fmt::format("it decompresses to more than {} bytes", plain_size)};
      produced += got;
      sink(std::string_view(out_buf.get(), got));
    }
    if (rc == Z_STREAM_END) break;  // trailer read: CRC-32 and ISIZE checked by zlib
    if (pos == stored_size && z.avail_in == 0 && got == 0 && in_before == 0)
      return gzip_member_error{"the gzip member is truncated (it continues past its stored size)"};
  }
  if (z.avail_in != 0 || pos != stored_size)
    return gzip_member_error{"the gzip member ends before its stored size (trailing bytes)"};
  if (exact && produced != plain_size)
    return gzip_member_error{fmt::format("it decompresses to {} bytes, the manifest says {}", produced, plain_size)};
  return std::nullopt;
}

}  // namespace immichbak::format
