#include "format/backup_writer.hpp"

#include "format/file_io.hpp"
#include "format/gzip_member.hpp"
#include "format/layout.hpp"
#include "format/manifest_json.hpp"
#include "format/sha256.hpp"
#include "format/sidecar.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>
#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_getCParams (long-stable; exported by libzstd)
#include <zstd.h>
#include <zstd_errors.h>

#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

namespace immichbak::format {

namespace fs = std::filesystem;

namespace {

std::atomic<testing::commit_hook> commit_hook_{nullptr};

void commit_step(const char* step) {
  if (auto h = commit_hook_.load()) h(step);
}

fs::path with_suffix(const fs::path& p, const char* suffix) {
  fs::path out = p;
  out += suffix;
  return out;
}

unique_fd create_exclusive(const fs::path& path) {
  unique_fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) {
    if (errno == EEXIST)
      throw error(errc::io_error,
                  fmt::format("cannot create {}: the file already exists (a backup running at the same time, "
                              "or left over from a crashed one: remove it)",
                              path.string()));
    throw_io("create", path, errno);
  }
  // The umask may have removed bits, never added any; make the mode exact anyway.
  if (::fchmod(fd.get(), 0600) != 0) throw_io("chmod", path, errno);
  return fd;
}

struct cctx_deleter {
  void operator()(ZSTD_CCtx* c) const noexcept { ZSTD_freeCCtx(c); }
};

ZSTD_CCtx* thread_cctx() {
  // One compression context per thread, reused across frames and writers: contexts are
  // expensive to create and hold the match-finder tables.
  thread_local std::unique_ptr<ZSTD_CCtx, cctx_deleter> ctx(ZSTD_createCCtx());
  if (!ctx) throw error(errc::internal, "zstd: cannot allocate a compression context");
  return ctx.get();
}

void zcheck(std::size_t rc, const char* what) {
  if (ZSTD_isError(rc)) throw error(errc::internal, fmt::format("zstd: {}: {}", what, ZSTD_getErrorName(rc)));
}

std::string compress_frame(std::string_view plain, int level) {
  ZSTD_CCtx* c = thread_cctx();
  zcheck(ZSTD_CCtx_reset(c, ZSTD_reset_session_and_parameters), "reset");
  zcheck(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level), "set level");
  zcheck(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1), "set checksum flag");
  zcheck(ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1), "set content size flag");
  // Immich's COPY text is mostly decimal digits (embeddings) and hex (UUIDs), where 5-byte
  // matches are coincidences that cost more to encode than they save. Requiring 7 bytes
  // made the benchmark database's file 6% smaller with 11% less CPU at level 3, and
  // smaller at every level from 1 to 19 (docs/performance.md). Decoders are unaffected.
  zcheck(ZSTD_CCtx_setParameter(c, ZSTD_c_minMatch, 7), "set minimum match length");
  // Readers refuse windows over 2^24; stay at 2^23 (only high levels want more).
  if (ZSTD_getCParams(level, ZSTD_CONTENTSIZE_UNKNOWN, 0).windowLog > unsigned(writer_window_log_max))
    zcheck(ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, writer_window_log_max), "set window log");
  std::string out(ZSTD_compressBound(plain.size()), '\0');
  std::size_t n = ZSTD_compress2(c, out.data(), out.size(), plain.data(), plain.size());
  zcheck(n, "compress");
  out.resize(n);
  return out;
}

}  // namespace

struct backup_writer::impl {
  fs::path final_path;
  fs::path partial_path;
  fs::path sidecar_final;
  compression comp;
  int level;

  std::mutex mu;  // guards everything below
  unique_fd fd;
  std::uint64_t offset = 0;
  sha256 file_hash;
  std::vector<manifest_frame> frames;
  int last_rank = -1;
  bool failed = false;     // a write failed: the partial file is unusable
  bool committed = false;
  bool aborted = false;
  bool sidecar_renamed = false;  // FILE.sha256 is in place (commit, before the data file's rename)
  std::atomic<std::uint64_t> written{0};
  // Bytes whose write-out to the disk has been started: the file goes to the disk while it
  // is written (every writeback_step bytes), not all at once in the fsync of commit (0.2 s
  // for a 370 MiB file on the benchmark machine, with both cores idle).
  std::uint64_t written_back = 0;
  static constexpr std::uint64_t writeback_step = 16u << 20;

  void remove_partials() noexcept {
    fd.reset();
    ::unlink(partial_path.c_str());
    if (sidecar_renamed) ::unlink(sidecar_final.c_str());
  }

  // Appends under `mu`; marks the writer failed when the append fails.
  void append(std::string_view bytes) {
    try {
      write_all(fd.get(), bytes, partial_path);
    } catch (...) {
      failed = true;
      throw;
    }
    file_hash.update(bytes);
    offset += bytes.size();
    written.store(offset, std::memory_order_relaxed);
    if (offset - written_back >= writeback_step) {
      start_writeback(fd.get(), written_back, offset - written_back);
      written_back = offset;
    }
  }

  void check_usable(const char* what) const {
    if (committed) throw error(errc::internal, fmt::format("backup writer: {} after commit", what));
    if (aborted) throw error(errc::internal, fmt::format("backup writer: {} after abort", what));
    if (failed)
      throw error(errc::io_error,
                  fmt::format("cannot {} {}: an earlier write to it failed", what, partial_path.string()));
  }
};

const char* manifest_compression(compression c) noexcept {
  switch (c) {
    case compression::zstd: return "zstd";
    case compression::gzip: return "gzip";
    case compression::none: break;
  }
  return "none";
}

backup_writer::backup_writer(fs::path final_path, compression c, int level) : impl_(std::make_unique<impl>()) {
  impl& d = *impl_;
  d.final_path = std::move(final_path);
  d.partial_path = with_suffix(d.final_path, ".partial");
  d.sidecar_final = sidecar_path(d.final_path);
  d.comp = c;
  d.level = c == compression::none ? 0 : level;
  if (c == compression::zstd && (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()))
    throw error(errc::invalid_argument, fmt::format("compression level {} is out of range: zstd accepts {} to {}",
                                                    level, ZSTD_minCLevel(), ZSTD_maxCLevel()));
  if (c == compression::gzip && (level < gzip_min_level || level > gzip_max_level))
    throw error(errc::invalid_argument, fmt::format("compression level {} is out of range: gzip accepts {} to {}",
                                                    level, gzip_min_level, gzip_max_level));
  std::error_code ec;
  if (fs::exists(d.final_path, ec))
    throw error(errc::io_error, fmt::format("cannot create {}: the file already exists", d.final_path.string()));
  if (fs::exists(d.sidecar_final, ec))
    throw error(errc::io_error,
                fmt::format("cannot create {}: {} already exists (left by a backup that was stopped while it "
                            "committed: remove it)",
                            d.final_path.string(), d.sidecar_final.string()));
  d.fd = create_exclusive(d.partial_path);
}

backup_writer::~backup_writer() { abort(); }

manifest_frame backup_writer::write_frame(const frame_meta& meta, std::string_view plain) {
  // Contract checks: a violation is a bug in the caller and would make a file that
  // psql or our reader cannot use.
  if (plain.empty() || plain.back() != '\n')
    throw error(errc::internal, fmt::format("backup writer: {} frame '{}{}' must be non-empty and end in a newline",
                                            frame_kind_name(meta.kind), meta.label, meta.table));
  if (meta.kind == frame_kind::clean && impl_->comp != compression::gzip)
    throw error(errc::internal, "backup writer: clean frames belong to the gzip variant only");
  if ((meta.kind == frame_kind::post_data) != (meta.phase != post_phase::none))
    throw error(errc::internal, fmt::format("backup writer: {} frame '{}' has phase {}", frame_kind_name(meta.kind),
                                            meta.label, post_phase_name(meta.phase)));
  if (meta.kind == frame_kind::data && (meta.schema.empty() || meta.table.empty() || meta.rows == 0))
    throw error(errc::internal,
                fmt::format("backup writer: data frame of '{}.{}' needs a table and at least one row", meta.schema,
                            meta.table));

  manifest_frame f;
  f.kind = meta.kind;
  f.phase = meta.phase;
  f.schema = meta.schema;
  f.table = meta.table;
  f.rows = meta.rows;
  f.label = meta.label;
  f.plain_size = plain.size();
  f.sha256 = sha256::hex(sha256::of(plain));

  // Compress outside the lock so workers compress in parallel.
  std::string compressed;
  std::string_view stored = plain;
  if (impl_->comp == compression::zstd) {
    compressed = compress_frame(plain, impl_->level);
    stored = compressed;
  } else if (impl_->comp == compression::gzip) {
    compressed = gzip_member(plain, impl_->level);
    stored = compressed;
  }
  f.stored_size = stored.size();

  impl& d = *impl_;
  std::lock_guard lock(d.mu);
  d.check_usable("write a frame to");
  int rank = frame_rank(f.kind, f.phase);
  if (f.kind == frame_kind::header ? d.last_rank != -1 : (d.last_rank == -1 || rank < d.last_rank))
    throw error(errc::internal,
                fmt::format("backup writer: frame order violated: {} cannot follow {} (order: header, pre_data, "
                            "data, post_data by phase, owners, privileges)",
                            describe_frame(f), d.frames.empty() ? "the start of the file" : describe_frame(d.frames.back())));
  f.offset = d.offset;
  d.append(stored);
  d.last_rank = rank;
  d.frames.push_back(f);
  return f;
}

std::string backup_writer::commit(manifest m) {
  impl& d = *impl_;
  std::lock_guard lock(d.mu);
  d.check_usable("commit");
  if (d.frames.empty() || d.frames.front().kind != frame_kind::header)
    throw error(errc::internal, "backup writer: commit without a header frame");
  try {
    m.format_major = current_major;
    m.format_minor = d.comp == compression::gzip ? gzip_minor : current_minor;
    m.compression = manifest_compression(d.comp);
    m.compression_level = d.level;
    m.frames = d.frames;
    std::map<std::pair<std::string, std::string>, manifest_table*> by_name;
    for (auto& t : m.tables) {
      t.plain_bytes = 0;
      t.stored_bytes = 0;
      by_name[{t.schema, t.name}] = &t;
    }
    for (const auto& f : d.frames) {
      if (f.kind != frame_kind::data) continue;
      auto it = by_name.find({f.schema, f.table});
      if (it == by_name.end())
        throw error(errc::internal,
                    fmt::format("backup writer: data frames of {}.{} but the table is not in the manifest", f.schema,
                                f.table));
      it->second->plain_bytes += f.plain_size;
      it->second->stored_bytes += f.stored_size;
    }
    std::string json = manifest_to_json(m, false);
    if (json.size() > max_manifest_bytes)
      throw error(errc::internal, fmt::format("backup writer: the manifest is {} bytes, over the format's limit of {}",
                                              json.size(), max_manifest_bytes));

    footer ft;
    ft.minor = static_cast<std::uint16_t>(m.format_minor);
    ft.manifest_length = json.size();
    ft.manifest_sha256 = sha256::of(json);
    std::string tail;
    if (d.comp == compression::zstd) {
      ft.manifest_offset = d.offset + skippable_header_size;
      put_le32(tail, manifest_skippable_magic);
      put_le32(tail, static_cast<std::uint32_t>(json.size()));
      tail += json;
      tail += encode_binary_footer(ft);
    } else if (d.comp == compression::gzip) {
      // The manifest line in a member of its own (a comment to psql after gunzip); the
      // footer points at the member and hashes the JSON inside it.
      std::string line = std::string(manifest_line_prefix) + json + "\n";
      tail = gzip_member(line, d.level);
      ft.manifest_offset = d.offset;
      ft.manifest_length = tail.size();
      if (ft.manifest_length > max_manifest_bytes)
        throw error(errc::internal, fmt::format("backup writer: the manifest member is {} bytes, over the format's "
                                                "limit of {}", ft.manifest_length, max_manifest_bytes));
      tail += encode_gzip_footer(ft);
    } else {
      ft.manifest_offset = d.offset + manifest_line_prefix.size();
      tail += manifest_line_prefix;
      tail += json;
      tail += '\n';
      tail += encode_text_footer(ft);
    }
    d.append(tail);
    fsync_and_close(d.fd, d.partial_path);

    commit_step("synced");
    std::string file_sha = d.file_hash.finish_hex();
    // The commit order (docs/format.md section 10, docs/reliability.md): the sidecar is
    // put in place and made durable first, the data file's rename is the commit point.
    // A crash before it leaves NAME.partial (and maybe an orphan NAME.sha256), never a
    // backup; after it the backup and its sidecar are both there. The reverse order left
    // a complete backup without its sidecar when killed between the two renames.
    write_sidecar(d.final_path, file_sha);
    d.sidecar_renamed = true;
    commit_step("sidecar");
    rename_no_replace(d.partial_path, d.final_path);
    commit_step("renamed");
    try {
      fsync_parent_dir(d.final_path);
    } catch (...) {
      // Not known to be durable: take the renamed file back out (the sidecar goes below).
      ::unlink(d.final_path.c_str());
      throw;
    }
    d.committed = true;
    return file_sha;
  } catch (...) {
    d.failed = true;
    d.remove_partials();
    throw;
  }
}

void backup_writer::abort() noexcept {
  if (!impl_) return;
  std::lock_guard lock(impl_->mu);
  if (impl_->committed || impl_->aborted) return;
  impl_->aborted = true;
  impl_->remove_partials();
}

void testing::set_commit_hook(commit_hook hook) noexcept { commit_hook_.store(hook); }

const fs::path& backup_writer::final_path() const noexcept { return impl_->final_path; }

std::uint64_t backup_writer::bytes_written() const noexcept {
  return impl_->written.load(std::memory_order_relaxed);
}

}  // namespace immichbak::format
