#pragma once
// Which data frame a free loading session takes next.
//
// Sessions that COPY into the same table at the same time contend for its relation
// extension lock and its TOAST table (PostgreSQL up to 15 extends a heap one page at a
// time under that lock), so the queue keeps each session on a table of its own while
// there are tables enough: a free session stays on its table while nobody else loads it,
// or takes the table nobody is loading that has the most bytes left (largest first, so
// the long tables start early); only when every table left is already being loaded does
// it join the one with the fewest sessions (and then the most bytes left), which keeps
// the phase's tail short.
//
// Pure bookkeeping, no threads of its own: take() is safe to call from several.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace immichbak::load {

class frame_queue {
 public:
  struct item {
    std::pair<std::string, std::string> table;  ///< (schema, table)
    std::uint64_t bytes = 0;
  };

  /// `items` in the order frames of one table should load (the caller's order is kept
  /// within a table); `sessions`: how many sessions will call take().
  frame_queue(const std::vector<item>& items, std::size_t sessions);

  /// Session `session` is free (its previous item, if any, is done): the index of the
  /// item it loads next, or nullopt when none is left.
  std::optional<std::size_t> take(std::size_t session);

 private:
  struct table_state {
    std::vector<std::size_t> items;  // indexes into the caller's list, in load order
    std::size_t next = 0;            // first item not yet taken
    std::uint64_t bytes_left = 0;    // bytes of the items not yet taken
    std::size_t loading = 0;         // sessions loading this table now
  };
  std::mutex mu_;
  std::vector<std::uint64_t> item_bytes_;
  std::vector<table_state> tables_;
  std::vector<std::optional<std::size_t>> current_;  // per session: index into tables_
};

}  // namespace immichbak::load
