#pragma once
// The order index builds start in: the longest first, so the end of the phase is not one
// long build on one session while the others idle (longest-processing-time-first).
//
// A build's length is estimated from its table's rows and its access method: on the
// benchmark's Immich database the GiST index over ll_to_earth() took 2 s of a 3.7 s phase,
// alone at the end when it started late; in real Immich databases the vector indexes
// (HNSW, vchordrq, ivfflat) on the embedding tables take minutes and must start first.

#include <cstdint>
#include <string_view>

namespace immichbak::load {

/// Relative cost of building the index (or index-backed constraint) `ddl` creates on a
/// table of `table_rows` rows. Only the order of the values means anything.
double index_build_cost(std::string_view ddl, std::uint64_t table_rows);

/// Whether the index unit `ddl` locks its table exclusively: an ALTER TABLE (ADD PRIMARY
/// KEY / UNIQUE / EXCLUDE / CHECK, CLUSTER ON, REPLICA IDENTITY) takes ACCESS EXCLUSIVE,
/// where CREATE INDEX takes a SHARE lock that other index builds share. Errs on the safe
/// side: "ALTER TABLE" anywhere in the text counts.
bool locks_table_exclusively(std::string_view ddl);

}  // namespace immichbak::load
