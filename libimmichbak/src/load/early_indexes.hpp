#pragma once
// Which tables' index units may start while other tables still load (load/load_queue.hpp).
//
// An index unit (indexes, PRIMARY KEY / UNIQUE / EXCLUDE / CHECK constraints, extended
// statistics) reads only its own table, unless that table has children: an index or a
// constraint on a partitioned or inheritance parent covers its partitions' or children's
// rows as well. So a unit may start as soon as every data frame of its table is in when
// the table is an ordinary table that has never had children (relhassubclass false);
// everything else waits for the whole data phase.

#include "load/loader.hpp"

#include <set>
#include <vector>

namespace immichbak::pg {
class connection;
}

namespace immichbak::load {

/// Of `tables`, the ordinary tables without children, read from the catalog of the
/// database `c` is connected to (after pre-data).
std::set<table_key> tables_indexable_early(pg::connection& c, const std::vector<table_key>& tables);

}  // namespace immichbak::load
