// immichbak: back up, verify, inspect and restore an Immich PostgreSQL database.
// Every subcommand lives in its own <name>_cmd.cpp and calls one public library function.

#include "cli_common.hpp"

#include <fmt/format.h>

#include <iostream>

using namespace immichbak;

namespace immichbak::cli {  // generations of backups in a directory: list_cmd, prune_cmd, check_age_cmd
command add_list(CLI::App& root, const global_options& g);
command add_prune(CLI::App& root, const global_options& g);
command add_check_age(CLI::App& root, const global_options& g);
command add_run(CLI::App& root, const global_options& g);  // the scheduled job: run_cmd
}  // namespace immichbak::cli

int main(int argc, char** argv) {
  CLI::App app{"immichbak: backups of an Immich PostgreSQL database that are proven to restore"};
  app.set_version_flag("--version", fmt::format("immichbak {}", library_version()));
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the subcommand

  cli::global_options g;
  app.add_flag_function("-v,--verbose", [&](std::int64_t n) { g.verbosity += static_cast<int>(n); },
                        "More log output on stderr (repeat for more)");
  app.add_flag_function("-q,--quiet", [&](std::int64_t) { g.verbosity = -1; }, "Only errors on stderr");
  app.add_flag("--json", g.json, "Print the result as one JSON object on stdout");
  std::map<std::string, cli::progress_mode> modes{{"auto", cli::progress_mode::auto_},
                                                  {"always", cli::progress_mode::always},
                                                  {"never", cli::progress_mode::never}};
  app.add_option("--progress", g.progress,
                 "Progress on stderr: auto (a bar on a terminal), always (also plain lines in logs), never")
      ->transform(CLI::CheckedTransformer(modes, CLI::ignore_case))
      ->envname("IMMICHBAK_PROGRESS");

  std::vector<cli::command> commands{cli::add_backup(app, g), cli::add_restore(app, g), cli::add_verify(app, g),
                                     cli::add_inspect(app, g), cli::add_extract(app, g)};
  for (auto add : {cli::add_list, cli::add_prune, cli::add_check_age, cli::add_run}) commands.push_back(add(app, g));
  // Options from a file, CLI11's own format (TOML-like; INI reads too): top-level keys are
  // global options, a [run] (or [backup], ...) section holds that command's options. A flag
  // wins over the file, the file over IMMICHBAK_* variables (CLI11's order, docs/cli.md).
  app.set_config("--config", "", "Read options from this file ([run], [backup], ... sections; docs/scheduling.md)");
  app.allow_config_extras(CLI::config_extras_mode::error);  // a misspelt key is refused, not ignored

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      app.exit(e);  // --help, --version
      return cli::exit_code::ok;
    }
    // CLI11 checks required options before it looks for unknown ones, and says "A
    // subcommand is required" for a misspelt one: name the unknown word first.
    std::string msg = cli::diagnose_usage(app, argc, argv);
    if (msg.empty()) msg = e.what();
    return cli::report_usage_error(app, argc, argv, msg);
  }

  cli::install_signal_handlers();
  for (auto& c : commands) {
    if (c.app->parsed()) {
      try {
        return c.run();
      } catch (const std::exception& e) {
        return cli::report_error(g, e);
      }
    }
  }
  return cli::exit_code::usage;
}
