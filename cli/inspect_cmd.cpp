// immichbak inspect FILE: the manifest in human form (or JSON).
#include "cli_common.hpp"

#include <iostream>

namespace immichbak::cli {

command add_inspect(CLI::App& root, const global_options& g) {
  auto file = std::make_shared<std::string>();
  CLI::App* sub = root.add_subcommand("inspect", "Show what a backup contains: versions, time, tables, rows, sizes");
  sub->add_option("file", *file, "Backup file")->required();
  return {sub, [file, &g] {
            manifest m = read_manifest(*file);
            std::cout << (g.json ? to_json(m) : to_text(m)) << "\n";
            return int(exit_code::ok);
          }};
}

}  // namespace immichbak::cli
