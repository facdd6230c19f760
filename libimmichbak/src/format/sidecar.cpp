#include "format/sidecar.hpp"

#include "format/file_io.hpp"
#include "format/sha256.hpp"
#include "util/hex.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace immichbak::format {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t max_sidecar_bytes = 4096;

std::string lower_hex(std::string_view hex) {
  std::string out(hex);
  for (char& c : out)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (util::hex_digit(c) < 0) return false;
  return true;
}

}  // namespace

fs::path sidecar_path(const fs::path& file) {
  fs::path p = file;
  p += ".sha256";
  return p;
}

std::string sidecar_line(std::string_view sha256_hex, const fs::path& file) {
  return lower_hex(sha256_hex) + "  " + file.filename().string() + "\n";
}

std::optional<sidecar_entry> parse_sidecar(std::string_view t) {
  if (!t.empty() && t.back() == '\n') t.remove_suffix(1);
  if (!t.empty() && t.back() == '\r') t.remove_suffix(1);
  if (t.size() <= 66 || !is_hex64(t.substr(0, 64)) || t[64] != ' ' || (t[65] != ' ' && t[65] != '*')) return std::nullopt;
  std::string_view name = t.substr(66);
  if (name.find('\n') != std::string_view::npos || name.find('\0') != std::string_view::npos) return std::nullopt;
  return sidecar_entry{lower_hex(t.substr(0, 64)), std::string(name)};
}

void write_sidecar(const fs::path& file, std::string_view sha256_hex) {
  const fs::path final_path = sidecar_path(file);
  fs::path partial = final_path;
  partial += ".partial";
  const std::string line = sidecar_line(sha256_hex, file);
  ::unlink(partial.c_str());  // ours by name: a leftover of a crash
  unique_fd fd(::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) throw_io("create", partial, errno);
  try {
    if (::fchmod(fd.get(), 0600) != 0) throw_io("chmod", partial, errno);
    write_all(fd.get(), line, partial);
    fsync_and_close(fd, partial);
    rename_no_replace(partial, final_path);
  } catch (...) {
    fd.reset();
    ::unlink(partial.c_str());
    throw;
  }
  try {
    fsync_parent_dir(final_path);
  } catch (...) {
    ::unlink(final_path.c_str());
    throw;
  }
}

std::string file_sha256(const fs::path& file, const std::atomic<bool>* cancel) {
  unique_fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_io("open", file, errno);
  sha256 h;
  constexpr std::size_t cap = 1u << 20;
  auto buf = std::make_unique_for_overwrite<char[]>(cap);
  for (;;) {
    if (cancel && cancel->load())
      throw error(errc::cancelled, fmt::format("cancelled while checking {} against its sidecar", file.string()));
    ssize_t n = ::read(fd.get(), buf.get(), cap);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_io("read", file, errno);
    }
    if (n == 0) break;
    h.update(std::string_view(buf.get(), static_cast<std::size_t>(n)));
  }
  return h.finish_hex();
}

sidecar_result check_sidecar(const fs::path& file, const std::atomic<bool>* cancel) {
  sidecar_result r;
  const fs::path side = sidecar_path(file);
  const std::string side_name = side.filename().string();
  const std::string base = file.filename().string();
  unique_fd fd(::open(side.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) {
      r.status = sidecar_status::missing;
      r.detail = fmt::format("no checksum file {} next to the backup: the whole-file checksum cannot be compared "
                             "(every frame is still checked against the manifest)",
                             side_name);
      return r;
    }
    r.status = sidecar_status::unreadable;
    r.detail = fmt::format("cannot read the checksum file {}: {}", side.string(), errno_text(errno));
    return r;
  }
  std::string text(max_sidecar_bytes + 1, '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      r.status = sidecar_status::unreadable;
      r.detail = fmt::format("cannot read the checksum file {}: {}", side.string(), errno_text(errno));
      return r;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  auto entry = got > max_sidecar_bytes ? std::nullopt : parse_sidecar(text);
  if (!entry) {
    r.status = sidecar_status::malformed;
    r.detail = fmt::format("the checksum file {} is not a sha256sum line \"<64 hex digits>  {}\"; it may be damaged",
                           side.string(), base);
    return r;
  }
  r.expected = entry->sha256;
  r.actual = file_sha256(file, cancel);
  if (r.actual != r.expected) {
    r.status = sidecar_status::mismatch;
    r.detail = fmt::format("{} does not match its checksum file {} (the file's sha256 is {}, {} says {}): the file "
                           "changed after it was written (a damaged, truncated or edited copy)",
                           file.string(), side_name, r.actual, side_name, r.expected);
    return r;
  }
  if (entry->name != base) {
    r.status = sidecar_status::other_name;
    r.detail = fmt::format("{} matches (sha256 {}) but names \"{}\", not \"{}\" (a renamed pair?): `sha256sum -c` "
                           "would not find the file",
                           side_name, r.actual, entry->name, base);
    return r;
  }
  r.status = sidecar_status::match;
  r.detail = fmt::format("{} matches (sha256 {})", side_name, r.actual);
  return r;
}

}  // namespace immichbak::format
