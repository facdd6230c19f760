#include "format/manifest_check.hpp"

#include "format/manifest_json.hpp"
#include "util/hex.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace immichbak::format {

namespace {

std::string qualified(const std::string& schema, const std::string& table) {
  return table.empty() ? std::string() : schema + "." + table;
}

bool is_hex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return util::hex_digit(c) >= 0 && !(c >= 'A' && c <= 'F'); });
}

}  // namespace

// A flat list of independent checks, each a few lines, in the order the manifest lists its
// parts; kept in one function (about 100 lines) so the list reads as the specification.
std::vector<manifest_problem> check_manifest(const manifest& m, std::uint64_t frames_end) {
  std::vector<manifest_problem> out;
  auto add = [&](const char* check, std::string detail, std::string table = {},
                 std::optional<std::uint64_t> offset = std::nullopt) {
    out.push_back({check, std::move(detail), std::move(table), offset});
  };

  // ---- layout: header first at 0, contiguous, kinds and phases in order, up to the manifest
  if (m.frames.empty()) {
    add("layout", "the manifest lists no frames");
  } else {
    const auto& first = m.frames.front();
    if (first.kind != frame_kind::header || first.offset != 0)
      add("layout",
          fmt::format("the first frame must be the header at offset 0; it is a {} at offset {}", describe_frame(first),
                      first.offset),
          qualified(first.schema, first.table), first.offset);
    std::uint64_t expected = 0;
    int last_rank = -1;
    std::size_t headers = 0;
    for (std::size_t i = 0; i < m.frames.size(); ++i) {
      const auto& f = m.frames[i];
      const std::string t = qualified(f.schema, f.table);
      if (f.kind == frame_kind::header) ++headers;
      if (f.kind == frame_kind::clean && m.compression != "gzip")
        add("layout", fmt::format("a clean frame in a {} file (only the gzip variant has them)", m.compression), t,
            f.offset);
      if (f.offset != expected)
        add("layout",
            f.offset > expected
                ? fmt::format("gap of {} bytes before the {} (expected it at offset {})", f.offset - expected,
                              describe_frame(f), expected)
                : fmt::format("the {} overlaps or is out of file order (expected offset {})", describe_frame(f),
                              expected),
            t, f.offset);
      int rank = frame_rank(f.kind, f.phase);
      if (rank < last_rank)
        add("layout",
            fmt::format("the {} comes after the {}: frames must be ordered header, clean, pre_data, data, post_data "
                        "(indexes, foreign_keys, final), owners, privileges",
                        describe_frame(f), describe_frame(m.frames[i - 1])),
            t, f.offset);
      last_rank = std::max(last_rank, rank);
      // The reader bounded offset and size by the file size; saturate anyway for
      // manifests that did not come through it.
      expected = f.offset + std::min(f.stored_size, UINT64_MAX - f.offset);
    }
    if (headers != 1) add("layout", fmt::format("the manifest lists {} header frames, expected exactly 1", headers));
    if (expected != frames_end)
      add("layout",
          fmt::format("the frames end at offset {} but the manifest starts at offset {} ({} unaccounted bytes)",
                      expected, frames_end, frames_end > expected ? frames_end - expected : expected - frames_end),
          {}, expected);
  }

  // ---- tables: listed once, data frames belong to listed, non-excluded tables, byte sums
  struct sums {
    std::uint64_t rows = 0, plain = 0, stored = 0, frames = 0;
  };
  std::map<std::pair<std::string, std::string>, const manifest_table*> tables;
  for (const auto& t : m.tables) {
    if (!tables.emplace(std::make_pair(t.schema, t.name), &t).second)
      add("tables", "the manifest lists the table twice", qualified(t.schema, t.name));
    if (!t.data_excluded && !is_hex64(t.content_hash))
      add("tables", "the manifest has no valid content hash for the table", qualified(t.schema, t.name));
    if (t.data_excluded && t.rows != 0)
      add("tables", fmt::format("the table's data is marked excluded, yet the manifest gives it {} rows", t.rows),
          qualified(t.schema, t.name));
  }
  std::map<std::pair<std::string, std::string>, sums> per_table;
  for (const auto& f : m.frames) {
    if (f.kind != frame_kind::data) continue;
    const std::string t = qualified(f.schema, f.table);
    if (f.table.empty()) {
      add("tables", "data frame without a table", t, f.offset);
      continue;
    }
    auto it = tables.find({f.schema, f.table});
    if (it == tables.end()) {
      add("tables", fmt::format("data frame of a table the manifest does not list ({})", t), t, f.offset);
      continue;
    }
    if (it->second->data_excluded) add("tables", "data frame of a table whose data is marked excluded", t, f.offset);
    if (f.rows == 0) add("tables", "data frame with 0 rows (a data frame holds at least one row)", t, f.offset);
    auto& s = per_table[{f.schema, f.table}];
    s.rows += f.rows;
    s.plain += f.plain_size;
    s.stored += f.stored_size;
    ++s.frames;
  }
  for (const auto& t : m.tables) {
    const sums& s = per_table[{t.schema, t.name}];
    const std::string q = qualified(t.schema, t.name);
    if (s.rows != t.rows)
      add("rows",
          fmt::format("the manifest gives the table {} rows, its {} data frames hold {}", t.rows, s.frames, s.rows), q);
    if (s.plain != t.plain_bytes || s.stored != t.stored_bytes)
      add("tables",
          fmt::format("the manifest gives the table {} plain / {} stored bytes, its data frames add up to {} / {}",
                      t.plain_bytes, t.stored_bytes, s.plain, s.stored),
          q);
  }
  return out;
}

}  // namespace immichbak::format
