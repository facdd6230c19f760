// immichbak list DIR [--prefix P]: every backup in a directory, newest first, with its
// versions, size and last verify result (read from footers, manifests and FILE.verified.json).
#include "cli_common.hpp"

#include <iostream>

namespace immichbak::cli {

namespace {

struct list_args {
  std::string dir;
  std::string prefix;
};

int run_list(const list_args& a, const global_options& g) {
  std::vector<backup_entry> entries = list_backups(a.dir);
  if (!a.prefix.empty())
    std::erase_if(entries, [&](const backup_entry& e) { return e.prefix != a.prefix; });
  std::cout << (g.json ? to_json(entries) : to_text(entries)) << "\n";
  return exit_code::ok;
}

}  // namespace

command add_list(CLI::App& root, const global_options& g) {
  auto a = std::make_shared<list_args>();
  CLI::App* sub = root.add_subcommand("list", "List the backups in a directory, newest first, with their verify state");
  sub->add_option("dir", a->dir, "Backup directory")->required();
  sub->add_option("--prefix", a->prefix, "Only files named PREFIX-<time>.sql[.zst] (and their partial files)");
  return {sub, [a, &g] { return run_list(*a, g); }};
}

}  // namespace immichbak::cli
