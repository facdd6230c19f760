#include "sqlscript/byte_source.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace immichbak::sqlscript {

namespace fs = std::filesystem;

const char* compression_name(compression c) noexcept {
  switch (c) {
    case compression::gzip: return "gzip";
    case compression::zstd: return "zstd";
    case compression::none: break;
  }
  return "plain";
}

namespace {
constexpr std::size_t in_capacity = 256 * 1024;

bool is_zstd_magic(const unsigned char* p) { return p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd; }
// Skippable frames: magic 0x184D2A50..0x184D2A5F, little endian.
bool is_skippable_magic(const unsigned char* p) { return (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d && p[3] == 0x18; }
}  // namespace

struct byte_source::impl {
  fs::path path;
  int fd = -1;
  std::uint64_t size = 0;
  compression kind = compression::none;

  std::vector<char> in = std::vector<char>(in_capacity);
  std::size_t in_pos = 0;
  std::size_t in_len = 0;
  bool eof = false;
  std::uint64_t file_read = 0;
  std::uint64_t plain_out = 0;

  std::string lookahead;
  std::size_t la_pos = 0;
  bool finished = false;

  // gzip
  z_stream zs{};
  bool z_ready = false;
  bool member_done = false;
  std::uint64_t members = 0;
  // zstd
  ZSTD_DCtx* dctx = nullptr;
  std::size_t zstd_last = 0;

  ~impl() {
    if (z_ready) inflateEnd(&zs);
    if (dctx) ZSTD_freeDCtx(dctx);
    if (fd >= 0) ::close(fd);
  }

  std::uint64_t consumed() const { return file_read - (in_len - in_pos); }
  std::string name() const { return path.string(); }

  [[noreturn]] void corrupt(const std::string& what) const {
    throw error(errc::corrupt_backup,
                fmt::format("{} is damaged: {} at compressed offset {} of {}", name(), what, consumed(), size));
  }
  [[noreturn]] void truncated(const char* inside) const {
    throw error(errc::corrupt_backup,
                fmt::format("{} is truncated: the {} stream ends at offset {} inside a {} (the file is incomplete; "
                            "use an older backup, and check the job that wrote it)",
                            name(), compression_name(kind), consumed(), inside));
  }

  // Moves unread input to the front and reads more; returns the bytes read (0 at EOF).
  std::size_t fill() {
    if (eof) return 0;
    if (in_pos > 0) {
      std::memmove(in.data(), in.data() + in_pos, in_len - in_pos);
      in_len -= in_pos;
      in_pos = 0;
    }
    if (in_len == in.size()) return 0;
    for (;;) {
      ssize_t n = ::read(fd, in.data() + in_len, in.size() - in_len);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        throw error(errc::io_error, fmt::format("could not read {}: {}", name(), std::strerror(errno)));
      if (n == 0) eof = true;
      in_len += static_cast<std::size_t>(n);
      file_read += static_cast<std::uint64_t>(n);
      return static_cast<std::size_t>(n);
    }
  }

  std::size_t avail() const { return in_len - in_pos; }

  std::size_t read_plain(char* out, std::size_t max) {
    if (avail() == 0) fill();
    std::size_t n = std::min(max, avail());
    std::memcpy(out, in.data() + in_pos, n);
    in_pos += n;
    return n;
  }

  std::size_t read_gzip(char* out, std::size_t max) {
    std::size_t produced = 0;
    while (produced == 0) {
      if (member_done) {
        while (avail() < 2 && !eof) fill();
        if (avail() == 0) return 0;
        auto* p = reinterpret_cast<const unsigned char*>(in.data() + in_pos);
        if (avail() >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
          inflateReset(&zs);
          member_done = false;
          continue;
        }
        // Zero padding after the last member (tape/block devices) is what gzip(1)
        // accepts too; anything else is not part of a gzip file.
        for (;;) {
          while (avail() > 0 && in[in_pos] == 0) ++in_pos;
          if (avail() > 0)
            corrupt(fmt::format("unexpected data after gzip member {} (not a gzip header)", members));
          if (fill() == 0) return 0;
        }
      }
      if (avail() == 0 && fill() == 0) truncated("gzip member");
      zs.next_in = reinterpret_cast<Bytef*>(in.data() + in_pos);
      zs.avail_in = static_cast<uInt>(avail());
      zs.next_out = reinterpret_cast<Bytef*>(out + produced);
      zs.avail_out = static_cast<uInt>(max - produced);
      int rc = inflate(&zs, Z_NO_FLUSH);
      in_pos = in_len - zs.avail_in;
      produced = max - zs.avail_out;
      if (rc == Z_STREAM_END) {
        member_done = true;
        ++members;
      } else if (rc == Z_OK || rc == Z_BUF_ERROR) {
        // Z_BUF_ERROR: no progress without more input; the loop refills (or reports the
        // truncation at EOF).
        if (rc == Z_BUF_ERROR && zs.avail_in > 0 && zs.avail_out > 0) corrupt("gzip decoder made no progress");
      } else {
        corrupt(fmt::format("corrupt gzip data ({})", zs.msg ? zs.msg : "inflate error"));
      }
    }
    return produced;
  }

  std::size_t read_zstd(char* out, std::size_t max) {
    ZSTD_outBuffer o{out, max, 0};
    for (;;) {
      if (avail() == 0) fill();
      // 0 = the last frame is complete and flushed; calling again without input would
      // only ask for the next frame's header.
      if (avail() == 0 && eof && zstd_last == 0) return 0;
      ZSTD_inBuffer i{in.data() + in_pos, avail(), 0};
      std::size_t r = ZSTD_decompressStream(dctx, &o, &i);
      in_pos += i.pos;
      if (ZSTD_isError(r)) {
        std::string what = fmt::format("corrupt zstd data ({})", ZSTD_getErrorName(r));
        if (ZSTD_getErrorCode(r) == ZSTD_error_frameParameter_windowTooLarge)
          what += "; the file was compressed with a window larger than 128 MiB (zstd --long=28 or more): "
                  "recompress it with a smaller window";
        corrupt(what);
      }
      zstd_last = r;
      if (o.pos > 0) return o.pos;
      if (avail() == 0 && eof) {
        if (zstd_last != 0) truncated("zstd frame");
        return 0;
      }
    }
  }

  std::size_t decode(char* out, std::size_t max) {
    if (finished || max == 0) return 0;
    std::size_t n = 0;
    switch (kind) {
      case compression::none: n = read_plain(out, max); break;
      case compression::gzip: n = read_gzip(out, max); break;
      case compression::zstd: n = read_zstd(out, max); break;
    }
    if (n == 0) finished = true;
    return n;
  }
};

byte_source::byte_source(fs::path file) : impl_(std::make_unique<impl>()) {
  auto& d = *impl_;
  d.path = std::move(file);
  std::error_code ec;
  if (fs::is_directory(d.path, ec))
    throw error(errc::unsupported_format,
                fmt::format("{} is a directory: a pg_dump directory-format dump (-Fd) is restored with pg_restore, "
                            "not as a SQL script",
                            d.name()));
  d.fd = ::open(d.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (d.fd < 0) throw error(errc::io_error, fmt::format("could not open {}: {}", d.name(), std::strerror(errno)));
  struct stat st {};
  if (::fstat(d.fd, &st) == 0) d.size = static_cast<std::uint64_t>(st.st_size);

  while (d.avail() < 6 && d.fill() > 0) {
  }
  auto* p = reinterpret_cast<const unsigned char*>(d.in.data());
  std::size_t n = d.avail();
  auto refuse = [&](const char* what, const char* how) {
    throw error(errc::unsupported_format,
                fmt::format("{} is {}-compressed, which immichbak does not read: decompress it first ({})", d.name(),
                            what, how));
  };
  if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
    d.kind = compression::gzip;
    // 16 + MAX_WBITS: gzip wrapper only (header, CRC-32 and length trailer checked).
    if (inflateInit2(&d.zs, 16 + MAX_WBITS) != Z_OK) throw error(errc::internal, "could not initialise zlib");
    d.z_ready = true;
  } else if (n >= 4 && (is_zstd_magic(p) || is_skippable_magic(p))) {
    d.kind = compression::zstd;
    d.dctx = ZSTD_createDCtx();
    if (!d.dctx) throw error(errc::internal, "could not allocate a zstd decompression context");
  } else if (n >= 3 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h') {
    refuse("bzip2", "bunzip2 -k FILE");
  } else if (n >= 6 && p[0] == 0xfd && p[1] == '7' && p[2] == 'z' && p[3] == 'X' && p[4] == 'Z' && p[5] == 0) {
    refuse("xz", "unxz -k FILE");
  } else if (n >= 4 && p[0] == 0x04 && p[1] == 0x22 && p[2] == 0x4d && p[3] == 0x18) {
    refuse("lz4", "lz4 -d FILE");
  }
}

byte_source::~byte_source() = default;

std::size_t byte_source::read(char* out, std::size_t max) {
  auto& d = *impl_;
  std::size_t n = 0;
  if (d.la_pos < d.lookahead.size()) {
    n = std::min(max, d.lookahead.size() - d.la_pos);
    std::memcpy(out, d.lookahead.data() + d.la_pos, n);
    d.la_pos += n;
    if (d.la_pos == d.lookahead.size()) {
      d.lookahead.clear();
      d.la_pos = 0;
    }
  } else {
    n = d.decode(out, max);
  }
  d.plain_out += n;
  return n;
}

std::string_view byte_source::peek(std::size_t n) {
  auto& d = *impl_;
  if (d.la_pos > 0) {
    d.lookahead.erase(0, d.la_pos);
    d.la_pos = 0;
  }
  while (d.lookahead.size() < n) {
    std::size_t have = d.lookahead.size();
    d.lookahead.resize(n);
    std::size_t got = d.decode(d.lookahead.data() + have, n - have);
    d.lookahead.resize(have + got);
    if (got == 0) break;
  }
  return std::string_view(d.lookahead).substr(0, std::min(n, d.lookahead.size()));
}

compression byte_source::kind() const noexcept { return impl_->kind; }
const fs::path& byte_source::path() const noexcept { return impl_->path; }
std::uint64_t byte_source::file_size() const noexcept { return impl_->size; }
std::uint64_t byte_source::file_offset() const noexcept { return impl_->consumed(); }
std::uint64_t byte_source::plain_offset() const noexcept { return impl_->plain_out; }

}  // namespace immichbak::sqlscript
