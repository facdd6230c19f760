#include "format/verify_record.hpp"

#include "format/file_io.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace immichbak::format {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {
constexpr int record_format = 1;
constexpr std::string_view record_suffix = ".verified.json";
constexpr std::size_t record_max_bytes = 64u << 10;
}  // namespace

fs::path verify_record_path(const fs::path& file) { return fs::path(file.string() + std::string(record_suffix)); }

bool is_verify_record_temp(std::string_view name, std::string_view file_name) {
  const std::string head = std::string(file_name) + std::string(record_suffix) + ".";
  constexpr std::string_view tail = ".tmp";
  if (name.size() <= head.size() + tail.size() || name.substr(0, head.size()) != head ||
      name.substr(name.size() - tail.size()) != tail)
    return false;
  std::string_view digits = name.substr(head.size(), name.size() - head.size() - tail.size());
  for (char c : digits)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string verify_record_json(const verify_record& r, const fs::path& file) {
  json j;
  j["format"] = record_format;
  j["file"] = file.filename().string();
  j["bytes"] = r.bytes;
  j["verified_at"] = r.verified_at;
  j["ok"] = r.ok;
  j["kind"] = r.kind;
  j["tool_version"] = r.tool_version;
  j["failed_checks"] = r.failed_checks;
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::optional<verify_record> parse_verify_record(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  auto has = [&](const char* k, json::value_t t) {
    auto it = j.find(k);
    if (it == j.end()) return false;
    if (t == json::value_t::number_unsigned) return it->is_number_unsigned();
    return it->type() == t;
  };
  if (!has("format", json::value_t::number_unsigned) || j["format"].get<std::uint64_t>() != record_format)
    return std::nullopt;
  if (!has("bytes", json::value_t::number_unsigned) || !has("verified_at", json::value_t::string) ||
      !has("ok", json::value_t::boolean) || !has("kind", json::value_t::string))
    return std::nullopt;
  verify_record r;
  r.bytes = j["bytes"].get<std::uint64_t>();
  r.verified_at = j["verified_at"].get<std::string>();
  r.ok = j["ok"].get<bool>();
  r.kind = j["kind"].get<std::string>();
  if (auto it = j.find("tool_version"); it != j.end() && it->is_string()) r.tool_version = it->get<std::string>();
  if (auto it = j.find("failed_checks"); it != j.end() && it->is_array())
    for (const auto& c : *it)
      if (c.is_string()) r.failed_checks.push_back(c.get<std::string>());
  return r;
}

void write_verify_record(const fs::path& file, const verify_record& r) {
  const fs::path final_path = verify_record_path(file);
  const fs::path tmp = fs::path(fmt::format("{}.{}.tmp", final_path.string(), ::getpid()));
  const std::string text = verify_record_json(r, file);
  ::unlink(tmp.c_str());  // a leftover of a crashed process with the same pid
  unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd) throw_io("create", tmp, errno);
  try {
    write_all(fd.get(), text, tmp);
    fsync_and_close(fd, tmp);
    if (::rename(tmp.c_str(), final_path.c_str()) != 0) throw_io(fmt::format("rename {} to", tmp.string()), final_path, errno);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  fsync_parent_dir(final_path);
}

std::optional<verify_record> read_verify_record(const fs::path& file, std::string* problem) {
  const fs::path p = verify_record_path(file);
  unique_fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    if (errno != ENOENT && problem) *problem = fmt::format("cannot read {}: {}", p.string(), errno_text(errno));
    return std::nullopt;
  }
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (problem) *problem = fmt::format("cannot read {}: {}", p.string(), errno_text(errno));
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > record_max_bytes) {
      if (problem) *problem = fmt::format("{} is not a verify record (larger than 64 KiB)", p.string());
      return std::nullopt;
    }
  }
  auto r = parse_verify_record(text);
  if (!r && problem) *problem = fmt::format("{} is not a verify record this version can read", p.string());
  return r;
}

}  // namespace immichbak::format
