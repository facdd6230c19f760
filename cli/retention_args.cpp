#include "retention_args.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

namespace immichbak::cli {

int parse_keep_count(const std::string& option, const std::string& v) {
  if (v.empty()) return 0;
  if (v == "unlimited") return keep_unlimited;
  std::size_t used = 0;
  long n = -1;
  try {
    n = std::stol(v, &used);
  } catch (...) {
  }
  if (used != v.size() || n < 0 || n > 1000000)
    throw error(errc::invalid_argument,
                fmt::format("{}: expected a number of backups or \"unlimited\", got \"{}\"", option, v));
  return static_cast<int>(n);
}

calendar_duration parse_keep_duration(const std::string& option, const std::string& v) {
  if (v.empty()) return {};
  try {
    return parse_calendar_duration(v);
  } catch (const error& e) {
    throw error(errc::invalid_argument, fmt::format("{}: {}", option, e.what()));
  }
}

std::chrono::seconds parse_age_option(const std::string& option, const std::string& v) {
  try {
    return parse_age(v);
  } catch (const error& e) {
    throw error(errc::invalid_argument, fmt::format("{}: {}", option, e.what()));
  }
}

void add_retention_options(CLI::App* sub, retention_args& a, bool short_names, bool env) {
  auto opt = [&](const char* names_short, const char* names_long, const char* envname, std::string& target,
                 const char* help) {
    CLI::Option* o = sub->add_option(short_names && names_short ? names_short : names_long, target, help);
    if (env) o->envname(envname);
    return o;
  };
  opt("-l,--keep-last", "--keep-last", "IMMICHBAK_KEEP_LAST", a.last, "Keep the N newest backups (a number, or unlimited)");
  opt("-H,--keep-hourly", "--keep-hourly", "IMMICHBAK_KEEP_HOURLY", a.hourly,
      "Keep the newest backup of each of the last N hours that have one");
  opt("-d,--keep-daily", "--keep-daily", "IMMICHBAK_KEEP_DAILY", a.daily,
      "Keep the newest backup of each of the last N days that have one");
  opt("-w,--keep-weekly", "--keep-weekly", "IMMICHBAK_KEEP_WEEKLY", a.weekly,
      "Keep the newest backup of each of the last N ISO weeks that have one");
  opt("-m,--keep-monthly", "--keep-monthly", "IMMICHBAK_KEEP_MONTHLY", a.monthly,
      "Keep the newest backup of each of the last N months that have one");
  opt("-y,--keep-yearly", "--keep-yearly", "IMMICHBAK_KEEP_YEARLY", a.yearly,
      "Keep the newest backup of each of the last N years that have one");
  opt(nullptr, "--keep-within", "IMMICHBAK_KEEP_WITHIN", a.within,
      "Keep every backup within DURATION of the newest one (e.g. 14d, 2w, 1y2m3d4h)");
  opt(nullptr, "--keep-within-hourly", "IMMICHBAK_KEEP_WITHIN_HOURLY", a.within_hourly,
      "Keep hourly backups within DURATION of the newest");
  opt(nullptr, "--keep-within-daily", "IMMICHBAK_KEEP_WITHIN_DAILY", a.within_daily,
      "Keep daily backups within DURATION of the newest");
  opt(nullptr, "--keep-within-weekly", "IMMICHBAK_KEEP_WITHIN_WEEKLY", a.within_weekly,
      "Keep weekly backups within DURATION of the newest");
  opt(nullptr, "--keep-within-monthly", "IMMICHBAK_KEEP_WITHIN_MONTHLY", a.within_monthly,
      "Keep monthly backups within DURATION of the newest");
  opt(nullptr, "--keep-within-yearly", "IMMICHBAK_KEEP_WITHIN_YEARLY", a.within_yearly,
      "Keep yearly backups within DURATION of the newest");
  CLI::Option* cu = sub->add_flag("--count-unverified", a.count_unverified,
                                  "Count never-verified backups like verified ones (default: only verified backups count)");
  if (env) cu->envname("IMMICHBAK_COUNT_UNVERIFIED");
  opt(nullptr, "--partial-age", "IMMICHBAK_PARTIAL_AGE", a.partial_age,
      "Remove partial files older than this (units w, d, h, min, s)")
      ->capture_default_str();
}

retention_policy to_policy(const retention_args& a) {
  retention_policy p;
  p.keep_last = parse_keep_count("--keep-last", a.last);
  p.keep_hourly = parse_keep_count("--keep-hourly", a.hourly);
  p.keep_daily = parse_keep_count("--keep-daily", a.daily);
  p.keep_weekly = parse_keep_count("--keep-weekly", a.weekly);
  p.keep_monthly = parse_keep_count("--keep-monthly", a.monthly);
  p.keep_yearly = parse_keep_count("--keep-yearly", a.yearly);
  p.keep_within = parse_keep_duration("--keep-within", a.within);
  p.keep_within_hourly = parse_keep_duration("--keep-within-hourly", a.within_hourly);
  p.keep_within_daily = parse_keep_duration("--keep-within-daily", a.within_daily);
  p.keep_within_weekly = parse_keep_duration("--keep-within-weekly", a.within_weekly);
  p.keep_within_monthly = parse_keep_duration("--keep-within-monthly", a.within_monthly);
  p.keep_within_yearly = parse_keep_duration("--keep-within-yearly", a.within_yearly);
  p.count_unverified = a.count_unverified;
  p.partial_max_age = parse_age_option("--partial-age", a.partial_age);
  return p;
}

}  // namespace immichbak::cli
