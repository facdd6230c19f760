#pragma once
// The retention options of `prune` (--keep-*, --count-unverified, --partial-age), shared
// by `prune` and `run`, and the value parsers both use.

#include <immichbak/retention.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <string>

namespace immichbak::cli {

struct retention_args {
  std::string last, hourly, daily, weekly, monthly, yearly;
  std::string within, within_hourly, within_daily, within_weekly, within_monthly, within_yearly;
  bool count_unverified = false;
  std::string partial_age = "24h";
};

/// Registers the options on `sub`. `short_names`: prune's -l, -H, -d, -w, -m, -y (run has
/// -d for --dbname, as backup). `env`: every option also reads IMMICHBAK_<NAME>
/// (IMMICHBAK_KEEP_DAILY, ...), for `run` under systemd's EnvironmentFile.
void add_retention_options(CLI::App* sub, retention_args& a, bool short_names, bool env);

/// The policy (prefix not set). Throws error(invalid_argument) naming the option.
retention_policy to_policy(const retention_args& a);

/// A keep count: a number or "unlimited"; "" is 0 (rule off).
int parse_keep_count(const std::string& option, const std::string& v);
/// restic's durations (14d, 2w, 1y2m3d4h); "" is zero (rule off).
calendar_duration parse_keep_duration(const std::string& option, const std::string& v);
/// An age with the units w, d, h, min, s (parse_age), the option named in the error.
std::chrono::seconds parse_age_option(const std::string& option, const std::string& v);

}  // namespace immichbak::cli
