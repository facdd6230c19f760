// immichbak check-age DIR --max-age 26h [--warn-age 25h]: a monitoring plugin (Nagios,
// Icinga, Checkmk, ...). One status line and the plugin exit codes: 0 OK, 1 WARNING,
// 2 CRITICAL, 3 UNKNOWN (also for bad options given to it).
#include "cli_common.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace immichbak::cli {

namespace {

struct check_age_args {
  std::string dir;
  std::string max_age;
  std::string warn_age;
  std::string prefix;
  bool count_unverified = false;
};

int unknown(const global_options& g, const std::string& message) {
  if (g.json) {
    nlohmann::json j{{"ok", false}, {"status", "UNKNOWN"}, {"exit_code", 3}, {"message", message}};
    std::cout << dump_json(j) << "\n";
  } else {
    std::cout << "IMMICHBAK UNKNOWN - " << message << "\n";
  }
  return static_cast<int>(age_status::unknown);
}

int run_check_age(const check_age_args& a, const global_options& g) {
  age_check_result r;
  try {
    age_check_options o;
    o.dir = a.dir;
    if (a.max_age.empty()) throw error(errc::invalid_argument, "--max-age is required (e.g. --max-age 26h)");
    o.max_age = parse_age(a.max_age);
    if (!a.warn_age.empty()) o.warn_age = parse_age(a.warn_age);
    o.prefix = a.prefix;
    o.count_unverified = a.count_unverified;
    r = check_backup_age(o);
  } catch (const std::exception& e) {
    return unknown(g, e.what());
  }
  std::cout << (g.json ? to_json(r) : to_text(r)) << "\n";
  return static_cast<int>(r.status);
}

}  // namespace

command add_check_age(CLI::App& root, const global_options& g) {
  auto a = std::make_shared<check_age_args>();
  CLI::App* sub = root.add_subcommand(
      "check-age", "Monitoring plugin: is the newest verified backup recent? (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)");
  sub->add_option("dir", a->dir, "Backup directory")->required();
  sub->add_option("--max-age", a->max_age, "CRITICAL when the newest verified backup is older (e.g. 26h; units w, d, h, min, s)");
  sub->add_option("--warn-age", a->warn_age, "WARNING when it is older than this (at most --max-age)");
  sub->add_option("--prefix", a->prefix, "Only backups named PREFIX-<time>.sql[.zst]");
  sub->add_flag("--count-unverified", a->count_unverified, "A readable backup that was never verified counts as good");
  return {sub, [a, &g] { return run_check_age(*a, g); }};
}

}  // namespace immichbak::cli
