#pragma once
// Shared helpers of the backup integration tests (test_backup_*.cpp).

#include "support/test_env.hpp"

#include <immichbak/backup.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace immichbak::test {

/// Every file in `dir` that looks like a backup, a sidecar or a partial file.
inline std::vector<std::string> backup_like_files(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string n = e.path().filename().string();
    auto ends = [&](const std::string& s) { return n.size() >= s.size() && n.compare(n.size() - s.size(), s.size(), s) == 0; };
    if (ends(".sql") || ends(".sql.zst") || ends(".partial") || ends(".sha256")) out.push_back(n);
  }
  return out;
}

inline void require_no_backup_left(const std::filesystem::path& dir) {
  auto files = backup_like_files(dir);
  INFO("left in " << dir << ": " << fmt::format("{}", fmt::join(files, ", ")));
  CHECK(files.empty());
}

inline unsigned file_mode(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

/// Restores a backup file into `db` with stock tools only. On failure the exception
/// carries psql's messages (its ERROR line): only stdout is thrown away, and the
/// pipeline's stderr stays with run_ok's capture (`… | psql >/dev/null 2>&1` would not).
inline void restore_with_psql(const std::filesystem::path& file, const std::string& db) {
  std::string psql = fmt::format("psql -X -q -v ON_ERROR_STOP=1 -d {}", shell_quote(db));
  if (file.extension() == ".zst")
    run_ok(fmt::format("{{ zstd -dc {} | {} >/dev/null; }}", shell_quote(file.string()), psql));
  else
    run_ok(fmt::format("{{ {} -f {} >/dev/null; }}", psql, shell_quote(file.string())));
}

/// `sha256sum -c` of the sidecar, run in the file's directory as a user would.
inline void check_sidecar(const std::filesystem::path& file) {
  run_ok(fmt::format("cd {} && sha256sum -c {}", shell_quote(file.parent_path().string()),
                     shell_quote(file.filename().string() + ".sha256")));
}

inline backup_options basic_options(const std::string& dsn, const std::filesystem::path& dir) {
  backup_options o;
  o.dsn = dsn;
  o.dest_dir = dir;
  return o;
}

}  // namespace immichbak::test
