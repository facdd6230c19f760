#pragma once
// Which unit a free loading session runs next: a data frame or an index build.
//
// pg_restore starts a table's indexes as soon as the table's data is in, and so does the
// load: a free session builds the indexes of tables already loaded (the costliest ready
// one first, load/index_order.hpp) before it takes another data frame, so the long builds
// (the GiST index over ll_to_earth, Immich's vector indexes) run while other sessions
// still load other tables, instead of starting after the last row of the last table.
//
// A unit may start early only when the caller says it depends on its own table alone (an
// ordinary table without inheritance children or partitions: load/early_indexes.hpp).
// It is ready once every data frame of that table is done. Every other unit waits for
// the whole data phase, as docs/format.md's phase order asks. Units that lock their table
// exclusively never run beside another unit of the same table.
//
// Data frames are handed out by load/frame_queue.hpp. Pure bookkeeping with no threads
// of its own: take(), done() and wait_for_change() are safe to call from several.

#include "load/frame_queue.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace immichbak::load {

class load_queue {
 public:
  using table_key = std::pair<std::string, std::string>;  ///< (schema, table)

  struct index_unit {
    table_key table;  ///< the table the unit builds on (its frame's schema and table)
    /// The unit may start once every data frame of `table` is done; otherwise it waits
    /// until every data frame is done.
    bool early = false;
    /// The unit takes an ACCESS EXCLUSIVE lock on `table` (ALTER TABLE ... ADD PRIMARY KEY,
    /// UNIQUE, EXCLUDE, CHECK): it starts only when no other unit of the table runs, and
    /// none starts while it runs, so no session sits blocked on a lock (pg_restore keeps
    /// such items apart the same way). Plain CREATE INDEX units share the table.
    bool exclusive = false;
    double cost = 0;  ///< load/index_order.hpp; the costliest ready unit goes first
  };

  enum class kind { data, index, wait, finished };
  struct next {
    kind what = kind::finished;
    std::size_t item = 0;  ///< index into the data frames or the index units
    std::uint64_t seen = 0;  ///< `wait`: what wait_for_change() waits to move on from
  };

  load_queue(const std::vector<frame_queue::item>& data, const std::vector<index_unit>& indexes, std::size_t sessions);

  /// What session `session` runs next. `wait`: nothing can start before another session
  /// reports done() (wait_for_change(), then ask again); `finished`: nothing is left.
  next take(std::size_t session);

  /// `n` (from take()) completed. Returns true when it was the last data frame.
  bool done(const next& n);

  /// After take() said `wait`: blocks until done() was called by anyone since, or
  /// `timeout` passed.
  void wait_for_change(const next& waited, std::chrono::milliseconds timeout);

 private:
  bool ready(std::size_t unit) const;
  bool lock_free(std::size_t unit) const;

  struct table_locks {
    std::size_t shared = 0;  // units of the table running
    bool exclusive = false;  // one of them is exclusive
  };

  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::uint64_t changes_ = 0;
  frame_queue frames_;
  std::vector<table_key> frame_table_;
  std::map<table_key, std::size_t> frames_left_;  // per table: data frames not yet done
  std::size_t data_left_ = 0;                     // data frames not yet done
  std::vector<index_unit> units_;
  std::vector<bool> taken_;
  std::map<table_key, table_locks> locks_;
  std::size_t units_left_ = 0;  // index units not yet taken
};

}  // namespace immichbak::load
