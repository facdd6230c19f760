#include "format/backup_writer.hpp"
#include "format/file_io.hpp"
#include "format/sha256.hpp"
#include "verify/offline_checks.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <memory>

namespace immichbak::verify_detail {

namespace fs = std::filesystem;

namespace {

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

std::string file_sha256(const fs::path& file, const event_sink& events) {
  format::unique_fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) format::throw_io("open", file, errno);
  format::sha256 h;
  constexpr std::size_t cap = 1u << 20;
  auto buf = std::make_unique_for_overwrite<char[]>(cap);
  for (;;) {
    if (events.cancel && events.cancel->load()) throw error(errc::cancelled, "verify cancelled");
    ssize_t n = ::read(fd.get(), buf.get(), cap);
    if (n < 0) {
      if (errno == EINTR) continue;
      format::throw_io("read", file, errno);
    }
    if (n == 0) break;
    h.update(std::string_view(buf.get(), static_cast<std::size_t>(n)));
  }
  return h.finish_hex();
}

}  // namespace

check_result sidecar_check(const fs::path& file, const event_sink& events) {
  check_result r;
  r.name = "sidecar";
  const fs::path side = format::sidecar_path(file);
  format::unique_fd fd(::open(side.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) {
      r.status = check_status::warn;
      r.detail = fmt::format("no sidecar {}: the whole-file checksum cannot be compared (the frame checks below "
                             "still apply)",
                             side.filename().string());
      return r;
    }
    r.status = check_status::fail;
    r.detail = fmt::format("cannot read {}: {}", side.string(), format::errno_text(errno));
    return r;
  }
  std::string text(4096, '\0');
  ssize_t n = ::read(fd.get(), text.data(), text.size());
  if (n < 0) {
    r.status = check_status::fail;
    r.detail = fmt::format("cannot read {}: {}", side.string(), format::errno_text(errno));
    return r;
  }
  text.resize(static_cast<std::size_t>(n));
  // `<64 hex>  <name>\n` (sha256sum also writes ` *` for binary mode).
  const std::string base = file.filename().string();
  std::string_view t = text;
  if (!t.empty() && t.back() == '\n') t.remove_suffix(1);
  bool ok_shape = t.size() > 66 && is_hex64(t.substr(0, 64)) && t[64] == ' ' && (t[65] == ' ' || t[65] == '*') &&
                  t.find('\n') == std::string_view::npos;
  if (!ok_shape) {
    r.status = check_status::fail;
    r.detail = fmt::format("{} is not a sha256sum line \"<64 hex digits>  {}\"", side.filename().string(), base);
    return r;
  }
  std::string expected(t.substr(0, 64));
  for (char& c : expected) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view named = t.substr(66);
  if (named != base) {
    r.status = check_status::fail;
    r.detail = fmt::format("{} is for \"{}\", not \"{}\" (renamed file or sidecar?); sha256sum -c would not check "
                           "this file",
                           side.filename().string(), std::string(named), base);
    return r;
  }
  std::string actual = file_sha256(file, events);
  if (actual != expected) {
    r.status = check_status::fail;
    r.detail = fmt::format("the file's sha256 is {}, {} says {}: the file changed after it was written (damaged "
                           "or truncated copy?)",
                           actual, side.filename().string(), expected);
    return r;
  }
  r.detail = fmt::format("{} matches (sha256 {})", side.filename().string(), actual);
  return r;
}

}  // namespace immichbak::verify_detail
