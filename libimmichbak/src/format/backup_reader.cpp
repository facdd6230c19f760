#include "format/backup_reader.hpp"

#include "format/file_io.hpp"
#include "format/gzip_member.hpp"
#include "format/header_sql.hpp"
#include "format/layout.hpp"
#include "format/manifest_json.hpp"
#include "format/sha256.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <numeric>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace immichbak::format {

namespace fs = std::filesystem;

namespace {

struct dctx_deleter {
  void operator()(ZSTD_DCtx* c) const noexcept { ZSTD_freeDCtx(c); }
};

// One decompression context per thread, reused across frames (its window buffer is the
// largest allocation while decoding, at most 2^24 bytes by our limit). A sink that reads
// another frame from inside a read_frame() callback gets a context of its own.
class dctx_lease {
 public:
  dctx_lease() {
    if (!in_use_) {
      if (!cached_) cached_.reset(ZSTD_createDCtx());
      ctx_ = cached_.get();
      in_use_ = leased_ = true;
    } else {
      own_.reset(ZSTD_createDCtx());
      ctx_ = own_.get();
    }
    if (!ctx_) throw error(errc::internal, "zstd: cannot allocate a decompression context");
  }
  ~dctx_lease() {
    if (leased_) in_use_ = false;
  }
  dctx_lease(const dctx_lease&) = delete;
  dctx_lease& operator=(const dctx_lease&) = delete;
  ZSTD_DCtx* get() const noexcept { return ctx_; }

 private:
  static thread_local std::unique_ptr<ZSTD_DCtx, dctx_deleter> cached_;
  static thread_local bool in_use_;
  std::unique_ptr<ZSTD_DCtx, dctx_deleter> own_;
  ZSTD_DCtx* ctx_ = nullptr;
  bool leased_ = false;
};
thread_local std::unique_ptr<ZSTD_DCtx, dctx_deleter> dctx_lease::cached_;
thread_local bool dctx_lease::in_use_ = false;

[[noreturn]] void corrupt_frame(const fs::path& file, const manifest_frame& f, std::string_view what) {
  std::string where = describe_frame(f);
  throw error(errc::corrupt_backup,
              fmt::format("{} at offset {} in {}: {}", where, f.offset, file.string(), what));
}

}  // namespace

struct backup_reader::impl {
  fs::path path;
  unique_fd fd;
  std::uint64_t size = 0;
  footer_variant variant = footer_variant::text;
  bool compressed = false;  // zstd or gzip: frames carry their own checksum
  std::uint64_t manifest_container_start = 0;  // frames must end at or before this
  manifest m;

  void open_file();
  bool starts_like_ours() const;
  void read_footer_and_manifest();
  void validate_frames();
  void check_frame_bounds(const manifest_frame& f) const;
  void decode_zstd(const manifest_frame& f, const std::function<void(std::string_view)>& sink, sha256* h) const;
  void decode_gzip(const manifest_frame& f, const std::function<void(std::string_view)>& sink, sha256* h) const;
  std::string read_gzip_manifest(const footer& ft) const;
  [[noreturn]] void bad_manifest(std::string_view what) const;
  void copy_plain(const manifest_frame& f, const std::function<void(std::string_view)>& sink, sha256* h) const;
};

void backup_reader::impl::open_file() {
  fd = unique_fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_io("open", path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_io("stat", path, errno);
  if (S_ISDIR(st.st_mode))
    throw error(errc::io_error, fmt::format("cannot read {}: it is a directory, not a backup file", path.string()));
  if (!S_ISREG(st.st_mode))
    throw error(errc::not_a_backup,
                fmt::format("{} is not a regular file; immichbak reads backups from files only", path.string()));
  size = static_cast<std::uint64_t>(st.st_size);
}

bool backup_reader::impl::starts_like_ours() const {
  // docs/format.md section 10: the file starts with the header frame, plain or as a zstd
  // frame; in the latter case decode the start of it (bounded: 64 KiB in, 4 KiB out).
  constexpr std::size_t head_max = 64u << 10, out_max = 4u << 10;
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(size, head_max));
  std::string head(n, '\0');
  if (n) pread_exact(fd.get(), head.data(), n, 0, path);
  if (starts_like_header(head)) return true;
  if (n >= 10 && static_cast<unsigned char>(head[0]) == 0x1f && static_cast<unsigned char>(head[1]) == 0x8b) {
    // Gzip: inflate the start of the first member (a cut inside it still yields its start).
    std::string out;
    inflate_member(
        n, out_max, false, out_max,
        [&](std::uint64_t off, char* buf, std::size_t len) { std::memcpy(buf, head.data() + off, len); },
        [&](std::string_view piece) { out.append(piece.substr(0, out_max - out.size())); });
    return starts_like_header(out);
  }
  if (n < 6 || get_le32(head.data()) != zstd_frame_magic) return false;
  // A cut inside the header's one zstd block decodes to nothing: then the frame header
  // alone (content checksum on, content size that of our header) has to tell.
  const bool checksum_flag = (static_cast<unsigned char>(head[4]) & 0x04) != 0;
  if (checksum_flag && ZSTD_getFrameContentSize(head.data(), n) == header_sql().size()) return true;
  dctx_lease lease;
  ZSTD_DCtx* dctx = lease.get();
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_and_parameters);
  ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, reader_window_log_max);
  std::string out(out_max, '\0');
  ZSTD_inBuffer in{head.data(), head.size(), 0};
  ZSTD_outBuffer o{out.data(), out.size(), 0};
  while (o.pos < o.size && in.pos < in.size) {
    std::size_t before_in = in.pos, before_out = o.pos;
    std::size_t ret = ZSTD_decompressStream(dctx, &o, &in);
    if (ZSTD_isError(ret) || ret == 0 || (in.pos == before_in && o.pos == before_out)) break;
  }
  return starts_like_header(std::string_view(out.data(), o.pos));
}

void backup_reader::impl::read_footer_and_manifest() {
  std::size_t tail_len = static_cast<std::size_t>(std::min<std::uint64_t>(size, footer_tail_max));
  std::string tail(tail_len, '\0');
  if (tail_len) pread_exact(fd.get(), tail.data(), tail_len, size - tail_len, path);
  auto found = detect_footer(tail, size);
  if (!found) {
    // Without a footer a file is never read as a backup. One that starts like ours lost
    // its end (or gained bytes after it): that is damage, not a foreign file.
    if (starts_like_ours())
      throw error(errc::corrupt_backup,
                  fmt::format("{} is a truncated or damaged immichbak backup: it starts like one but does not end "
                              "with an immichbak footer (cut short by an interrupted copy or transfer or a full "
                              "disk, or bytes were added after its end), so nothing can be restored from it; use an "
                              "older backup, and run `immichbak verify {}` to see what is left of this one",
                              path.string(), path.string()));
    throw error(errc::not_a_backup,
                fmt::format("{} is not an immichbak backup: it neither starts nor ends like one", path.string()));
  }
  variant = *found;
  compressed = variant != footer_variant::text;
  const std::size_t footer_len = footer_size(variant);
  footer ft = decode_footer(variant, std::string_view(tail).substr(tail.size() - footer_len), path);
  const char* const compression_of_variant = variant == footer_variant::binary ? "zstd"
                                             : variant == footer_variant::gzip ? "gzip"
                                                                               : "none";

  const std::uint64_t footer_start = size - footer_len;
  if (ft.manifest_length == 0 || ft.manifest_length > max_manifest_bytes)
    bad_manifest(fmt::format("the footer gives a manifest length of {} bytes (the limit is {})", ft.manifest_length,
                    max_manifest_bytes));
  std::string json;
  if (variant == footer_variant::gzip) {
    // [manifest member][footer member]: the footer gives the member's offset and size.
    if (ft.manifest_offset > footer_start || footer_start - ft.manifest_offset != ft.manifest_length)
      bad_manifest(fmt::format("the footer places its gzip member at offset {} with length {}, which does not end at the "
                      "footer (offset {})",
                      ft.manifest_offset, ft.manifest_length, footer_start));
    manifest_container_start = ft.manifest_offset;
    json = read_gzip_manifest(ft);
  } else {
  // Compressed: [skippable header][json][footer]; plain: [prefix][json]\n[footer line].
  const std::uint64_t before = compressed ? skippable_header_size : manifest_line_prefix.size();
  const std::uint64_t after = compressed ? 0 : 1;
  if (ft.manifest_offset < before || ft.manifest_offset > footer_start ||
      footer_start - ft.manifest_offset < after || footer_start - ft.manifest_offset - after != ft.manifest_length)
    bad_manifest(fmt::format("the footer places it at offset {} with length {}, which does not end at the footer (offset {})",
                    ft.manifest_offset, ft.manifest_length, footer_start));
  manifest_container_start = ft.manifest_offset - before;

  std::string head(before, '\0');
  pread_exact(fd.get(), head.data(), head.size(), manifest_container_start, path);
  if (compressed) {
    if (get_le32(head.data()) != manifest_skippable_magic || get_le32(head.data() + 4) != ft.manifest_length)
      bad_manifest(fmt::format("no manifest skippable frame header at offset {}", manifest_container_start));
  } else {
    if (head != manifest_line_prefix) bad_manifest(fmt::format("no manifest line at offset {}", manifest_container_start));
    char nl = 0;
    pread_exact(fd.get(), &nl, 1, ft.manifest_offset + ft.manifest_length, path);
    if (nl != '\n') bad_manifest("the manifest line does not end before the footer line");
  }

  json.assign(static_cast<std::size_t>(ft.manifest_length), '\0');
  pread_exact(fd.get(), json.data(), json.size(), ft.manifest_offset, path);
  }
  if (sha256::of(json) != ft.manifest_sha256) bad_manifest("its sha256 does not match the footer");
  try {
    m = manifest_from_json(json);
  } catch (const error& e) {
    throw error(errc::corrupt_backup, fmt::format("{} in {}", e.what(), path.string()));
  }
  if (m.format_major != ft.major || m.format_minor != ft.minor)
    bad_manifest(fmt::format("it says format {}.{} but the footer says {}.{}", m.format_major, m.format_minor, ft.major,
                    ft.minor));
  if (m.compression != compression_of_variant)
    bad_manifest(fmt::format("it says compression \"{}\" but the file ends like a {} backup", m.compression,
                    compression_of_variant == std::string_view("none") ? "uncompressed" : compression_of_variant));
  validate_frames();
}

void backup_reader::impl::bad_manifest(std::string_view what) const {
  throw error(errc::corrupt_backup,
              fmt::format("damaged manifest in {}: {}; the file is corrupt (restore from another copy)", path.string(),
                          what));
}

std::string backup_reader::impl::read_gzip_manifest(const footer& ft) const {
  // Inflate the member (bounded: the JSON limit plus its line's prefix and newline), then
  // take the JSON out of its comment line.
  const std::uint64_t line_max = max_manifest_bytes + manifest_line_prefix.size() + 1;
  std::string line;
  auto problem = inflate_member(
      ft.manifest_length, line_max, false, io_chunk_bytes,
      [&](std::uint64_t off, char* buf, std::size_t n) { pread_exact(fd.get(), buf, n, ft.manifest_offset + off, path); },
      [&](std::string_view piece) { line.append(piece); });
  if (problem) bad_manifest(fmt::format("its gzip member: {}", problem->what));
  if (line.size() < manifest_line_prefix.size() + 2 || line.substr(0, manifest_line_prefix.size()) != manifest_line_prefix ||
      line.back() != '\n')
    bad_manifest("its gzip member does not hold one \"-- immichbak-manifest\" line");
  return line.substr(manifest_line_prefix.size(), line.size() - manifest_line_prefix.size() - 1);
}

void backup_reader::impl::check_frame_bounds(const manifest_frame& f) const {
  if (f.stored_size == 0) corrupt_frame(path, f, "the manifest gives it a size of 0");
  if (f.offset > manifest_container_start || manifest_container_start - f.offset < f.stored_size)
    corrupt_frame(path, f,
                  fmt::format("the manifest places it at offset {} with {} bytes, beyond the frames' end at "
                              "offset {}",
                              f.offset, f.stored_size, manifest_container_start));
  if (!compressed && f.stored_size != f.plain_size)
    corrupt_frame(path, f,
                  fmt::format("stored size {} differs from plain size {} in an uncompressed file", f.stored_size,
                              f.plain_size));
}

void backup_reader::impl::validate_frames() {
  for (const auto& f : m.frames) check_frame_bounds(f);
  std::vector<std::size_t> order(m.frames.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return m.frames[a].offset < m.frames[b].offset; });
  for (std::size_t i = 1; i < order.size(); ++i) {
    const auto& prev = m.frames[order[i - 1]];
    const auto& cur = m.frames[order[i]];
    if (cur.offset < prev.offset + prev.stored_size)
      corrupt_frame(path, cur,
                    fmt::format("the manifest makes it overlap the {} at offset {}", describe_frame(prev),
                                prev.offset));
  }
}

void backup_reader::impl::copy_plain(const manifest_frame& f, const std::function<void(std::string_view)>& sink,
                                     sha256* h) const {
  const auto cap = static_cast<std::size_t>(std::min<std::uint64_t>(f.stored_size, io_chunk_bytes));
  auto buf = std::make_unique_for_overwrite<char[]>(cap);
  std::uint64_t pos = f.offset, end = f.offset + f.stored_size;
  while (pos < end) {
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(end - pos, cap));
    pread_exact(fd.get(), buf.get(), n, pos, path);
    std::string_view piece(buf.get(), n);
    if (h) h->update(piece);
    sink(piece);
    pos += n;
  }
}

void backup_reader::impl::decode_zstd(const manifest_frame& f, const std::function<void(std::string_view)>& sink,
                                      sha256* h) const {
  // The frame header first (RFC 8878 3.1.1): a frame we would not have written is
  // refused before decoding. Parsed by hand to stay on zstd's stable API.
  unsigned char hdr[18] = {};  // the largest zstd frame header
  auto hdr_len = static_cast<std::size_t>(std::min<std::uint64_t>(f.stored_size, sizeof hdr));
  pread_exact(fd.get(), hdr, hdr_len, f.offset, path);
  if (hdr_len < 6 || get_le32(hdr) != zstd_frame_magic)
    corrupt_frame(path, f, "it does not start with a zstd frame header");
  const unsigned char descriptor = hdr[4];
  if (!(descriptor & 0x04)) corrupt_frame(path, f, "the zstd frame has no content checksum");
  unsigned long long declared = ZSTD_getFrameContentSize(hdr, hdr_len);
  if (declared == ZSTD_CONTENTSIZE_ERROR) corrupt_frame(path, f, "the zstd frame header is damaged or truncated");
  if (declared != f.plain_size)
    corrupt_frame(path, f,
                  declared == ZSTD_CONTENTSIZE_UNKNOWN
                      ? std::string("the zstd frame does not declare its content size")
                      : fmt::format("the zstd frame declares {} bytes, the manifest {}", declared, f.plain_size));

  dctx_lease lease;
  ZSTD_DCtx* dctx = lease.get();
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_and_parameters);
  ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, reader_window_log_max);

  // Buffers sized to the frame when it is small (no 128 KiB allocations for DDL frames).
  const auto in_cap = static_cast<std::size_t>(std::min<std::uint64_t>(f.stored_size, io_chunk_bytes));
  const auto out_cap = static_cast<std::size_t>(std::clamp<std::uint64_t>(f.plain_size, 1, io_chunk_bytes));
  auto in_buf = std::make_unique_for_overwrite<char[]>(in_cap);
  auto out_buf = std::make_unique_for_overwrite<char[]>(out_cap);
  std::uint64_t pos = f.offset;
  const std::uint64_t end = f.offset + f.stored_size;
  std::uint64_t produced = 0;
  ZSTD_inBuffer in{in_buf.get(), 0, 0};
  for (;;) {
    if (in.pos == in.size && pos < end) {
      auto n = static_cast<std::size_t>(std::min<std::uint64_t>(end - pos, in_cap));
      pread_exact(fd.get(), in_buf.get(), n, pos, path);
      pos += n;
      in = ZSTD_inBuffer{in_buf.get(), n, 0};
    }
    ZSTD_outBuffer out{out_buf.get(), out_cap, 0};
    std::size_t ret = ZSTD_decompressStream(dctx, &out, &in);
    if (ZSTD_isError(ret)) {
      const char* why = ZSTD_getErrorCode(ret) == ZSTD_error_checksum_wrong ? "zstd content checksum mismatch"
                                                                            : ZSTD_getErrorName(ret);
      corrupt_frame(path, f, fmt::format("cannot decompress: {}", why));
    }
    if (out.pos > 0) {
      if (out.pos > f.plain_size - produced)
        corrupt_frame(path, f, fmt::format("it decompresses to more than the manifest's {} bytes", f.plain_size));
      produced += out.pos;
      std::string_view piece(out_buf.get(), out.pos);
      if (h) h->update(piece);
      sink(piece);
    }
    if (ret == 0) break;  // frame complete, checksum verified, output flushed
    if (in.pos == in.size && pos == end && out.pos < out.size)
      corrupt_frame(path, f, "the zstd frame is truncated (it continues past its stored size)");
  }
  if (in.pos != in.size || pos != end)
    corrupt_frame(path, f, "the zstd frame ends before its stored size (trailing bytes)");
  if (produced != f.plain_size)
    corrupt_frame(path, f, fmt::format("it decompresses to {} bytes, the manifest says {}", produced, f.plain_size));
}

void backup_reader::impl::decode_gzip(const manifest_frame& f, const std::function<void(std::string_view)>& sink,
                                      sha256* h) const {
  auto problem = inflate_member(
      f.stored_size, f.plain_size, true, io_chunk_bytes,
      [&](std::uint64_t off, char* buf, std::size_t n) { pread_exact(fd.get(), buf, n, f.offset + off, path); },
      [&](std::string_view piece) {
        if (h) h->update(piece);
        sink(piece);
      });
  if (problem) corrupt_frame(path, f, problem->what);
}

backup_reader::backup_reader(const fs::path& file) : impl_(std::make_unique<impl>()) {
  impl_->path = file;
  impl_->open_file();
  impl_->read_footer_and_manifest();
}

backup_reader::~backup_reader() = default;
backup_reader::backup_reader(backup_reader&&) noexcept = default;
backup_reader& backup_reader::operator=(backup_reader&&) noexcept = default;

const manifest& backup_reader::get_manifest() const noexcept { return impl_->m; }
bool backup_reader::compressed() const noexcept { return impl_->compressed; }
std::uint64_t backup_reader::file_size() const noexcept { return impl_->size; }
const fs::path& backup_reader::path() const noexcept { return impl_->path; }
std::uint64_t backup_reader::frames_end() const noexcept { return impl_->manifest_container_start; }

void backup_reader::read_frame(const manifest_frame& frame, const std::function<void(std::string_view)>& sink,
                               bool check_sha256) const {
  // Callers may pass frames from elsewhere than our manifest: check them again.
  impl_->check_frame_bounds(frame);
  std::optional<sha256> h;
  if (check_sha256) h.emplace();
  if (impl_->variant == footer_variant::binary) impl_->decode_zstd(frame, sink, h ? &*h : nullptr);
  else if (impl_->variant == footer_variant::gzip) impl_->decode_gzip(frame, sink, h ? &*h : nullptr);
  else impl_->copy_plain(frame, sink, h ? &*h : nullptr);
  if (h) {
    std::string got = h->finish_hex();
    if (got != frame.sha256)
      corrupt_frame(impl_->path, frame,
                    fmt::format("sha256 of the plain bytes is {}, the manifest says {}", got, frame.sha256));
  }
}

std::string backup_reader::read_frame(const manifest_frame& frame) const {
  if (frame.plain_size > max_frame_string_bytes)
    throw error(errc::corrupt_backup,
                fmt::format("{} at offset {} in {}: {} plain bytes is over the {} byte limit for a DDL frame",
                            describe_frame(frame), frame.offset, impl_->path.string(), frame.plain_size,
                            max_frame_string_bytes));
  std::string out;
  out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(frame.plain_size, 1u << 20)));
  read_frame(frame, [&](std::string_view piece) { out.append(piece); });
  return out;
}

}  // namespace immichbak::format
