// immichbak prune DIR --keep-... [--dry-run]: remove the backups a retention policy does not
// keep (restic forget's rules, docs/retention.md). Refuses without a rule (exit 2); a backup
// writing into DIR makes it refuse (exit 1) unless --wait lets it wait.
#include "cli_common.hpp"

#include <fmt/format.h>

#include <iostream>

namespace immichbak::cli {

namespace {

struct prune_args {
  std::string dir;
  std::string last, hourly, daily, weekly, monthly, yearly;
  std::string within, within_hourly, within_daily, within_weekly, within_monthly, within_yearly;
  bool count_unverified = false;
  std::string prefix;
  std::string partial_age = "24h";
  std::string wait = "0s";
  bool dry_run = false;
};

int count(const std::string& option, const std::string& v) {
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

calendar_duration duration(const std::string& option, const std::string& v) {
  if (v.empty()) return {};
  try {
    return parse_calendar_duration(v);
  } catch (const error& e) {
    throw error(errc::invalid_argument, fmt::format("{}: {}", option, e.what()));
  }
}

std::chrono::seconds age(const std::string& option, const std::string& v) {
  try {
    return parse_age(v);
  } catch (const error& e) {
    throw error(errc::invalid_argument, fmt::format("{}: {}", option, e.what()));
  }
}

int run_prune(const prune_args& a, const global_options& g) {
  prune_options o;
  o.dir = a.dir;
  auto& p = o.policy;
  p.keep_last = count("--keep-last", a.last);
  p.keep_hourly = count("--keep-hourly", a.hourly);
  p.keep_daily = count("--keep-daily", a.daily);
  p.keep_weekly = count("--keep-weekly", a.weekly);
  p.keep_monthly = count("--keep-monthly", a.monthly);
  p.keep_yearly = count("--keep-yearly", a.yearly);
  p.keep_within = duration("--keep-within", a.within);
  p.keep_within_hourly = duration("--keep-within-hourly", a.within_hourly);
  p.keep_within_daily = duration("--keep-within-daily", a.within_daily);
  p.keep_within_weekly = duration("--keep-within-weekly", a.within_weekly);
  p.keep_within_monthly = duration("--keep-within-monthly", a.within_monthly);
  p.keep_within_yearly = duration("--keep-within-yearly", a.within_yearly);
  p.count_unverified = a.count_unverified;
  p.prefix = a.prefix;
  p.partial_max_age = age("--partial-age", a.partial_age);
  o.lock_wait = std::chrono::duration_cast<std::chrono::milliseconds>(age("--wait", a.wait));
  o.dry_run = a.dry_run;
  o.events = make_event_sink(g);

  prune_result r = prune(o);
  if (g.json)
    std::cout << to_json(r) << "\n";
  else if (r.dry_run || g.verbosity >= 0 || !r.applied.ok())  // -q: silent when all went well
    std::cout << to_text(r) << "\n";
  return r.applied.ok() ? exit_code::ok : exit_code::failure;
}

}  // namespace

command add_prune(CLI::App& root, const global_options& g) {
  auto a = std::make_shared<prune_args>();
  CLI::App* sub = root.add_subcommand(
      "prune", "Remove the backups a retention policy does not keep (restic forget's --keep rules; docs/retention.md)");
  sub->add_option("dir", a->dir, "Backup directory")->required();
  sub->add_option("-l,--keep-last", a->last, "Keep the N newest backups (a number, or unlimited)");
  sub->add_option("-H,--keep-hourly", a->hourly, "Keep the newest backup of each of the last N hours that have one");
  sub->add_option("-d,--keep-daily", a->daily, "Keep the newest backup of each of the last N days that have one");
  sub->add_option("-w,--keep-weekly", a->weekly, "Keep the newest backup of each of the last N ISO weeks that have one");
  sub->add_option("-m,--keep-monthly", a->monthly, "Keep the newest backup of each of the last N months that have one");
  sub->add_option("-y,--keep-yearly", a->yearly, "Keep the newest backup of each of the last N years that have one");
  sub->add_option("--keep-within", a->within,
                  "Keep every backup within DURATION of the newest one (e.g. 14d, 2w, 1y2m3d4h)");
  sub->add_option("--keep-within-hourly", a->within_hourly, "Keep hourly backups within DURATION of the newest");
  sub->add_option("--keep-within-daily", a->within_daily, "Keep daily backups within DURATION of the newest");
  sub->add_option("--keep-within-weekly", a->within_weekly, "Keep weekly backups within DURATION of the newest");
  sub->add_option("--keep-within-monthly", a->within_monthly, "Keep monthly backups within DURATION of the newest");
  sub->add_option("--keep-within-yearly", a->within_yearly, "Keep yearly backups within DURATION of the newest");
  sub->add_flag("--count-unverified", a->count_unverified,
                "Count never-verified backups like verified ones (default: only verified backups count)");
  sub->add_option("--prefix", a->prefix, "Only backups named PREFIX-<time>.sql[.zst] (default: each prefix on its own)");
  sub->add_option("--partial-age", a->partial_age, "Remove partial files older than this (units w, d, h, min, s)")
      ->capture_default_str();
  sub->add_option("--wait", a->wait, "Wait this long for a backup writing into DIR to finish (e.g. 30min; 0s: refuse)")
      ->capture_default_str();
  sub->add_flag("-n,--dry-run", a->dry_run, "Only show what would be kept and removed, and why");
  return {sub, [a, &g] { return run_prune(*a, g); }};
}

}  // namespace immichbak::cli
