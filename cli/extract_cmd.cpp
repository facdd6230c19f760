// immichbak extract FILE --table T: one table's SQL (definition and data) on stdout.
#include "cli_common.hpp"

#include <iostream>

namespace immichbak::cli {

command add_extract(CLI::App& root, const global_options&) {
  auto file = std::make_shared<std::string>();
  auto table = std::make_shared<std::string>();
  CLI::App* sub = root.add_subcommand("extract", "Write one table's SQL (definition and data) to stdout, for psql");
  sub->add_option("file", *file, "Backup file")->required();
  sub->add_option("-t,--table", *table, "Table: name or schema.name")->required();
  return {sub, [file, table] {
            extract_table(*file, *table, std::cout);
            std::cout.flush();
            return int(exit_code::ok);
          }};
}

}  // namespace immichbak::cli
