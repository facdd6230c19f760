// immichbak list DIR [--prefix P] [--json | --newest-verified]: every backup in a directory, newest first, with its
// versions, size and last verify result (read from footers, manifests and FILE.verified.json).
#include "cli_common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>

namespace immichbak::cli {

namespace {

struct list_args {
  std::string dir;
  std::string prefix;
  bool newest_verified = false;
};

int run_list(const list_args& a, const global_options& g) {
  std::vector<backup_entry> entries = list_backups(a.dir);
  if (!a.prefix.empty())
    std::erase_if(entries, [&](const backup_entry& e) { return e.prefix != a.prefix; });
  if (a.newest_verified) {
    // For runbooks and scripts: `restore "$(immichbak list DIR --newest-verified)"`.
    auto it = std::find_if(entries.begin(), entries.end(), [](const backup_entry& e) {
      return e.kind == entry_kind::backup && e.verification == verify_state::passed;
    });
    if (it == entries.end())
      throw error(errc::not_a_backup,
                  fmt::format("no backup in {} passed a verify (or each changed since); run `immichbak list {}` to "
                              "see them all, and `immichbak verify FILE` on the one to restore",
                              a.dir, a.dir));
    std::cout << it->path.string() << "\n";
    return exit_code::ok;
  }
  std::cout << (g.json ? to_json(entries) : to_text(entries)) << "\n";
  return exit_code::ok;
}

}  // namespace

command add_list(CLI::App& root, const global_options& g) {
  auto a = std::make_shared<list_args>();
  CLI::App* sub = root.add_subcommand("list", "List the backups in a directory, newest first, with their verify state");
  sub->add_option("dir", a->dir, "Backup directory")->required();
  sub->add_option("--prefix", a->prefix, "Only files named PREFIX-<time>.sql[.zst] (and their partial files)");
  sub->add_flag("--newest-verified", a->newest_verified,
                "Print only the path of the newest backup that passed its last verify (exit 1 when there is none)");
  return {sub, [a, &g] { return run_list(*a, g); }};
}

}  // namespace immichbak::cli
