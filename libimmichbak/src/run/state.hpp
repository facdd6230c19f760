#pragma once
// The run state of a backup directory: DIR/.immichbak-run-<prefix>.json, written by
// `immichbak run` after it succeeded or passed a restore test. It remembers what the
// files themselves cannot: a pruned backup takes its verify record with it, yet the next
// run must still know that a restore test passed three days ago, and the metrics must
// still carry the last success when tonight's run failed. A hidden file: listing and
// prune skip it.
//
//   {"format": 1, "prefix": "immich-db", "last_success": "2025-06-15T02:04:00Z",
//    "last_restore_test": "2025-06-12T02:09:00Z", "last_restore_test_file": "immich-db-...zst"}

#include <ctime>
#include <filesystem>
#include <optional>
#include <string>

namespace immichbak::run_detail {

struct run_state {
  std::optional<std::time_t> last_success;
  std::optional<std::time_t> last_restore_test;
  std::string last_restore_test_file;
};

std::filesystem::path run_state_path(const std::filesystem::path& dir, const std::string& prefix);

/// The state; an empty one when there is none. A malformed or unreadable file is an empty
/// state with `problem` set (the run then does what a first run does: a restore test).
run_state read_run_state(const std::filesystem::path& dir, const std::string& prefix, std::string* problem);
/// Writes it atomically. Throws error(io_error).
void write_run_state(const std::filesystem::path& dir, const std::string& prefix, const run_state& s);

std::string run_state_json(const run_state& s, const std::string& prefix);
std::optional<run_state> parse_run_state(const std::string& text);

}  // namespace immichbak::run_detail
