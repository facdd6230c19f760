#pragma once
// Applies a backup's frames to a database, in the order docs/format.md requires:
//
//   pre_data            sequential, on the leader (sessions[0])
//   data                parallel: one frame = one COPY ... FROM STDIN, streamed
//   post_data indexes   parallel, one unit per session; a table's units start as soon as
//                       its data is in, while other tables still load (load/load_queue.hpp)
//   post_data FKs       parallel
//   post_data final     sequential (triggers, sequence values, database settings, ...)
//   owners, privileges  sequential (each skipped on request)
//   ANALYZE             parallel per table
//
// The loader knows nothing about scratch databases or transactions: the caller hands it
// sessions that are connected to the database to load (all the same one) and set up with
// setup_session(), and decides what a failure means. With a single session inside
// BEGIN ... COMMIT, the whole load is one transaction (--in-place, --table).

#include <immichbak/manifest.hpp>

#include "format/content_hash.hpp"
#include "load/binary_copy.hpp"
#include "load/parallel_run.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace immichbak::format {
class backup_reader;
}
namespace immichbak::pg {
class connection;
}

namespace immichbak::load {

using table_key = std::pair<std::string, std::string>;  ///< (schema, table)

/// The frames a restore applies, grouped in the order they run.
struct load_plan {
  std::vector<const manifest_frame*> pre_data, data, indexes, foreign_keys, final_units, owners, privileges;
  std::uint64_t data_bytes = 0;
  std::uint64_t data_rows = 0;
  /// Tables whose data frames are in the plan.
  std::vector<table_key> tables_with_data;
};

/// Groups the manifest's frames. `filter`, when set, keeps only the frames it accepts
/// (selective restore); the header frame is never part of a plan (its settings are
/// applied by setup_session()).
load_plan make_plan(const manifest& m, bool no_owner, bool no_privileges,
                    const std::function<bool(const manifest_frame&)>& filter = {});

/// Session settings of a loading session: the backup's pinned settings (they must match
/// how the COPY text was produced) and a larger maintenance_work_mem for index builds
/// (bounded so `jobs` sessions stay near 1 GB). `throwaway`: the database is a scratch
/// copy that is dropped on any failure, so synchronous_commit is turned off too.
void setup_session(pg::connection& c, int jobs, bool throwaway);

/// The loading sessions of one restore: opened, set up and registered with a run_control;
/// closed (and unregistered) by close() or the destructor.
class session_set {
 public:
  explicit session_set(run_control& state) : state_(state) {}
  ~session_set() { close(); }
  session_set(const session_set&) = delete;
  session_set& operator=(const session_set&) = delete;
  /// Adds `count` sessions made by `connect`, each set up with setup_session(jobs, throwaway).
  void open(const std::function<pg::connection()>& connect, int count, int jobs, bool throwaway);
  const std::vector<pg::connection*>& sessions() const noexcept { return ptrs_; }
  pg::connection& leader() { return *ptrs_.at(0); }
  void close() noexcept;

 private:
  run_control& state_;
  std::vector<std::unique_ptr<pg::connection>> conns_;
  std::vector<pg::connection*> ptrs_;
};

/// The search path data and post-data run with (manifest.restore_search_path).
void set_restore_search_path(pg::connection& c, const manifest& m);

/// Parses a data frame's first line, `COPY "s"."t" ("c1", "c2") FROM stdin;`, strictly:
/// it must name exactly `schema`.`table` and list only quoted identifiers. Returns the
/// column list as written ("(\"c1\", \"c2\")", or "" for a table without columns), or
/// nullopt when the line is anything else.
std::optional<std::string> parse_copy_line(std::string_view line, const std::string& schema,
                                           const std::string& table);

/// "data of "s"."t" (frame at offset N)" / "post_data unit "INDEX ..." (frame at offset N)"
std::string describe_frame(const manifest_frame& f);

/// What loading one data frame did.
struct frame_loaded {
  std::uint64_t rows = 0;      ///< confirmed by the server
  std::string columns;         ///< the frame's column list, as parse_copy_line() returns it
  format::content_hash hash;   ///< of the frame's text rows
  bool binary = false;         ///< sent as binary COPY
};

/// Loads one data frame with COPY FROM STDIN on `c`, streaming (the frame is never held
/// whole). `check` runs between pieces (it throws to stop). Throws
/// error(corrupt_backup) naming the frame when it is damaged or malformed. With
/// `binary_columns` (the table's columns that may go binary, load/binary_types.hpp), a
/// frame whose every column is among them is streamed as binary COPY instead, and loaded
/// again as text when a value turns out to be one the encoder declines; the rows hashed
/// are the frame's text rows either way.
frame_loaded load_data_frame(const format::backup_reader& reader, const manifest_frame& f, pg::connection& c,
                             const std::function<void()>& check,
                             const std::map<std::string, binary_kind>* binary_columns = nullptr);

struct load_options {
  bool analyze = true;
  /// Keep autovacuum off the tables while data and post-data load (load/analyze.hpp).
  /// Pointless inside one transaction: autovacuum sees nothing before it commits. A load
  /// that fails leaves the pause in place: the caller drops such a database anyway.
  bool pause_autovacuum = true;
  /// Retry a parallel DDL unit that lost a deadlock (two FKs locking the same tables).
  int deadlock_retries = 3;
};

struct load_result {
  std::uint64_t rows = 0;
  std::uint64_t frames = 0;
  std::uint64_t binary_frames = 0;  ///< data frames sent as binary COPY
  /// Column list of each table's data frames, as parse_copy_line() returns it.
  std::map<table_key, std::string> copy_columns;
  /// Content hash (and count) of the rows sent to the server, per table (all its frames
  /// merged; every frame's count was confirmed by the server).
  std::map<table_key, format::content_hash> loaded_hashes;
};

/// Applies `plan`. sessions[0] leads and runs every sequential step; all sessions are set
/// up (setup_session) and registered with `state`. The search path is switched to the
/// restore search path after pre-data on every session. Throws the first error, naming the
/// frame; the caller undoes the load.
load_result load_backup(const format::backup_reader& reader, const load_plan& plan, const std::vector<pg::connection*>& sessions,
                 run_control& state, reporter& rep, const load_options& options);

}  // namespace immichbak::load
