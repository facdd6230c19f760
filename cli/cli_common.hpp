#pragma once
// What every subcommand shares: output conventions, exit codes, the log/progress sink.
//
// Results go to stdout (text, or one JSON object with --json); logs and progress go to
// stderr. Exit codes are documented in docs/cli.md and stable:
//   0 success, 1 failure, 2 usage error, 3 verify found problems, 130 interrupted.

#include <immichbak/immichbak.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace immichbak::cli {

enum exit_code : int { ok = 0, failure = 1, usage = 2, verify_problems = 3, interrupted = 130 };

enum class progress_mode { auto_, always, never };

struct global_options {
  int verbosity = 0;  // -1 quiet, 0 normal, 1+ verbose
  bool json = false;
  progress_mode progress = progress_mode::auto_;
};

/// Set by SIGINT/SIGTERM; the library polls it through event_sink::cancel.
std::atomic<bool>& cancel_flag();
void install_signal_handlers();

/// The sink that prints logs and progress to stderr according to the global options.
event_sink make_event_sink(const global_options& g);

/// Prints the closing line of the last progress phase (plain progress lines) or clears the
/// progress bar (terminal). Called once the library call returned.
void finish_progress();

/// The one way JSON reaches stdout: text that is not valid UTF-8 (a Latin-1 name, bytes
/// quoted from a damaged file) is written with U+FFFD in its place instead of aborting.
std::string dump_json(const nlohmann::json& j);

/// For a failed parse: "unknown command 'bakup'; did you mean 'backup'?", or the first
/// unknown option; "" when every word is known (CLI11's message is right then).
std::string diagnose_usage(CLI::App& app, int argc, char** argv);
/// Prints a usage error (text to stderr, and JSON to stdout when --json was given) and
/// returns exit_code::usage.
int report_usage_error(CLI::App& app, int argc, char** argv, const std::string& message);

/// Prints an error for a failed command (text to stderr, or JSON to stdout with --json)
/// and returns the exit code for it.
int report_error(const global_options& g, const std::exception& e);

/// A subcommand: registers its options on `app` and returns the function that runs it.
using runner = std::function<int()>;
struct command {
  CLI::App* app;
  runner run;
};

command add_backup(CLI::App& root, const global_options& g);
command add_restore(CLI::App& root, const global_options& g);
command add_verify(CLI::App& root, const global_options& g);
command add_inspect(CLI::App& root, const global_options& g);
command add_extract(CLI::App& root, const global_options& g);

}  // namespace immichbak::cli
