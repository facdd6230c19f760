// immichbak prune DIR --keep-... [--dry-run]: remove the backups a retention policy does not
// keep (restic forget's rules, docs/retention.md). Refuses without a rule (exit 2); a backup
// writing into DIR makes it refuse (exit 1) unless --wait lets it wait.
#include "cli_common.hpp"
#include "retention_args.hpp"

#include <fmt/format.h>

#include <iostream>

namespace immichbak::cli {

namespace {

struct prune_args {
  std::string dir;
  retention_args retention;
  std::string prefix;
  std::string wait = "0s";
  bool dry_run = false;
};

int run_prune(const prune_args& a, const global_options& g) {
  prune_options o;
  o.dir = a.dir;
  o.policy = to_policy(a.retention);
  o.policy.prefix = a.prefix;
  o.lock_wait = std::chrono::duration_cast<std::chrono::milliseconds>(parse_age_option("--wait", a.wait));
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
  add_retention_options(sub, a->retention, true, false);
  sub->add_option("--prefix", a->prefix, "Only backups named PREFIX-<time>.sql[.zst] (default: each prefix on its own)");
  sub->add_option("--wait", a->wait, "Wait this long for a backup writing into DIR to finish (e.g. 30min; 0s: refuse)")
      ->capture_default_str();
  sub->add_flag("-n,--dry-run", a->dry_run, "Only show what would be kept and removed, and why");
  return {sub, [a, &g] { return run_prune(*a, g); }};
}

}  // namespace immichbak::cli
