#include "backup/file_name.hpp"

#include <fmt/format.h>

namespace immichbak::backup_detail {

namespace {
std::tm utc_tm(std::time_t t) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return tm;
}
}  // namespace

std::string file_timestamp(std::time_t utc) {
  std::tm tm = utc_tm(utc);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

std::string iso8601(std::time_t utc) {
  std::tm tm = utc_tm(utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

const char* file_extension(compression c) {
  switch (c) {
    case compression::zstd: return ".sql.zst";
    case compression::gzip: return ".sql.gz";
    case compression::none: break;
  }
  return ".sql";
}

std::filesystem::path backup_file_name(const std::filesystem::path& dir, const std::string& prefix, std::time_t utc,
                                       compression c, int n) {
  std::string name = prefix + "-" + file_timestamp(utc);
  if (n > 0) name += fmt::format("-{}", n);
  return dir / (name + file_extension(c));
}

bool name_taken(const std::filesystem::path& path) {
  std::error_code ec;
  auto exists = [&](const std::filesystem::path& p) { return std::filesystem::symlink_status(p, ec).type() != std::filesystem::file_type::not_found; };
  return exists(path) || exists(path.string() + ".sha256") || exists(path.string() + ".partial");
}

}  // namespace immichbak::backup_detail
