#include "verify/verify_record.hpp"

#include "format/verify_record.hpp"

#include <immichbak/error.hpp>
#include <immichbak/version.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <sys/stat.h>
#include <unistd.h>

namespace immichbak::verify_detail {

namespace {

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

void log(const verify_options& o, log_level level, const std::string& text) {
  if (!o.events.log) return;
  try {
    o.events.log(level, text);
  } catch (...) {
  }
}

}  // namespace

void record_verification(const verify_options& options, const verify_report& report) noexcept {
  try {
    struct stat st {};
    if (::stat(options.file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
    verify_record r;
    r.verified_at = utc_now();
    r.ok = report.ok();
    r.tool_version = IMMICHBAK_VERSION_STRING;
    r.bytes = static_cast<std::uint64_t>(st.st_size);
    // A restore test counts only when it ran and passed; else this was an offline verify.
    r.kind = "offline";
    for (const auto& c : report.checks) {
      if (c.name == "restore-test" && c.status == check_status::pass) r.kind = "restore-test";
      if (c.status == check_status::fail &&
          std::find(r.failed_checks.begin(), r.failed_checks.end(), c.name) == r.failed_checks.end())
        r.failed_checks.push_back(c.name);
    }
    format::write_verify_record(options.file, r);
    log(options, log_level::debug,
        fmt::format("recorded the result in {}", format::verify_record_path(options.file).string()));
  } catch (const error& e) {
    // A read-only medium is normal for a verify; anything else is worth a warning.
    const bool expected = ::access(options.file.parent_path().empty() ? "." : options.file.parent_path().c_str(),
                                   W_OK) != 0;
    log(options, expected ? log_level::debug : log_level::warning,
        fmt::format("could not record the verify result next to the file ({}); `immichbak list` and `prune` will "
                    "not know this file was verified",
                    e.what()));
  } catch (const std::exception& e) {
    log(options, log_level::warning, fmt::format("could not record the verify result: {}", e.what()));
  }
}

}  // namespace immichbak::verify_detail
