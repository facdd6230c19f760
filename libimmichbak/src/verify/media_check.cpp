#include "verify/media_check.hpp"

#include <immichbak/error.hpp>

#include "pg/connection.hpp"
#include "util/sql_quote.hpp"
#include "verify/immich_check.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

namespace immichbak::verify_detail {

namespace fs = std::filesystem;

namespace {

check_result finding(check_status s, std::string detail, std::string table = "public.asset") {
  return check_result{"media", s, std::move(detail), std::move(table), std::nullopt};
}

}  // namespace

std::optional<fs::path> map_media_path(const std::string& server_path,
                                       const std::vector<std::pair<std::string, std::string>>& roots) {
  const std::pair<std::string, std::string>* best = nullptr;
  for (const auto& r : roots) {
    std::string prefix = r.first;
    while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
    bool match = server_path.rfind(prefix, 0) == 0 &&
                 (server_path.size() == prefix.size() || server_path[prefix.size()] == '/' || prefix == "/");
    if (match && (!best || prefix.size() > best->first.size())) best = &r;
  }
  if (!best) return std::nullopt;
  std::string prefix = best->first;
  while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
  std::string rest = server_path.substr(prefix == "/" ? 1 : prefix.size());
  while (!rest.empty() && rest.front() == '/') rest.erase(0, 1);
  return fs::path(best->second) / rest;
}

std::string file_sha1_hex(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw error(errc::io_error, fmt::format("cannot read {}: {}", file.string(), std::strerror(errno)));
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr) != 1)
    throw error(errc::internal, "OpenSSL: cannot initialise SHA-1");
  std::vector<char> buf(1u << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw error(errc::io_error, fmt::format("cannot read {}: {}", file.string(), std::strerror(errno)));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

void media_check(pg::connection& c, const verify_options& options, verify_report& report) {
  if (options.media_roots.empty()) return;
  std::string assets = immich_table(c, "assets");
  if (assets.empty()) {
    report.checks.push_back(finding(check_status::skipped, "the restored copy has no Immich asset table", {}));
    return;
  }
  std::string table = util::sql::qualified("public", assets);
  // Deterministic sample: the first N live assets by id, so a rerun checks the same files.
  std::string live = public_has_column(c, assets, "deletedAt") ? "WHERE \"deletedAt\" IS NULL " : "";
  auto r = c.exec(fmt::format("SELECT \"originalPath\", pg_catalog.encode(\"checksum\", 'hex') FROM {} "
                              "{}ORDER BY \"id\" LIMIT $1",
                              table, live),
                  {std::to_string(options.media_sample)});
  std::size_t ok = 0, missing = 0, mismatched = 0, unmapped = 0;
  for (int i = 0; i < r.rows(); ++i) {
    std::string server_path = r.str(i, 0), expected = r.str(i, 1);
    auto local = map_media_path(server_path, options.media_roots);
    if (!local) {
      ++unmapped;
      report.checks.push_back(finding(check_status::warn,
                                      fmt::format("{} is under no --media-root (add SERVER_PREFIX=LOCAL_PREFIX for it)",
                                                  server_path)));
      continue;
    }
    std::error_code ec;
    if (!fs::is_regular_file(*local, ec)) {
      ++missing;
      report.checks.push_back(finding(check_status::fail, fmt::format("missing: {} (asset file {})", local->string(),
                                                                      server_path)));
      continue;
    }
    std::string actual;
    try {
      actual = file_sha1_hex(*local);
    } catch (const error& e) {
      ++missing;
      report.checks.push_back(finding(check_status::fail, e.what()));
      continue;
    }
    if (actual != expected) {
      ++mismatched;
      report.checks.push_back(finding(check_status::fail,
                                      fmt::format("content differs: {} has SHA-1 {}, Immich recorded {}",
                                                  local->string(), actual, expected)));
      continue;
    }
    ++ok;
  }
  report.checks.push_back(finding(
      missing + mismatched > 0 ? check_status::fail
      : r.rows() == 0          ? check_status::skipped
      : ok == 0                ? check_status::warn
                               : check_status::pass,
      fmt::format("{} of {} sampled assets present with matching SHA-1 ({} missing, {} different, {} outside the "
                  "media roots)",
                  ok, r.rows(), missing, mismatched, unmapped)));
}

}  // namespace immichbak::verify_detail
