// `immichbak extract`: one table's definition and data, as a psql script.
#include "format/backup_reader.hpp"
#include "format/header_sql.hpp"
#include "format/manifest_json.hpp"

#include <immichbak/error.hpp>
#include <immichbak/manifest.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace immichbak {

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string close_names(const manifest& m, const std::string& wanted) {
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const auto& t : m.tables) {
    std::string full = t.schema + "." + t.name;
    std::size_t d = std::min(edit_distance(wanted, full), edit_distance(wanted, t.name));
    bool contains = full.find(wanted) != std::string::npos || (!t.name.empty() && wanted.find(t.name) != std::string::npos);
    std::size_t limit = std::max<std::size_t>(2, wanted.size() / 3);
    if (d <= limit || contains) scored.emplace_back(contains ? 0 : d, full);
  }
  std::sort(scored.begin(), scored.end());
  if (scored.size() > 5) scored.resize(5);
  std::string out;
  for (const auto& [d, name] : scored) out += (out.empty() ? "" : ", ") + name;
  return out;
}

const manifest_table& find_table(const manifest& m, const std::string& wanted, const std::filesystem::path& file) {
  std::vector<const manifest_table*> hits;
  for (const auto& t : m.tables)
    if (t.schema + "." + t.name == wanted) hits.push_back(&t);
  if (hits.empty())
    for (const auto& t : m.tables)
      if (t.name == wanted) hits.push_back(&t);
  if (hits.size() == 1) return *hits.front();
  if (hits.size() > 1) {
    std::string names;
    for (const auto* t : hits) names += (names.empty() ? "" : ", ") + t->schema + "." + t->name;
    throw error(errc::invalid_argument,
                fmt::format("table \"{}\" is ambiguous in {}: it matches {}; name it as schema.table", wanted,
                            file.string(), names));
  }
  std::string close = close_names(m, wanted);
  throw error(errc::invalid_argument,
              fmt::format("backup {} has no table \"{}\"{}", file.string(), wanted,
                          close.empty() ? "; `immichbak inspect FILE` lists the tables"
                                        : fmt::format("; did you mean {}?", close)));
}

}  // namespace

void extract_table(const std::filesystem::path& file, const std::string& table, std::ostream& out) {
  format::backup_reader reader(file);
  const manifest& m = reader.get_manifest();
  const manifest_table& t = find_table(m, table, file);
  auto write = [&](std::string_view piece) { out.write(piece.data(), static_cast<std::streamsize>(piece.size())); };
  bool search_path_set = false;
  for (const auto& f : m.frames) {
    bool ours = f.schema == t.schema && f.table == t.name;
    if (f.kind != frame_kind::header && !ours) continue;
    if (!search_path_set && format::frame_rank(f.kind, f.phase) >= format::frame_rank(frame_kind::data, post_phase::none)) {
      // The full script's last pre-data frame does this; it is not one of this table's.
      if (!m.restore_search_path.empty()) write(format::set_search_path_sql(m.restore_search_path));
      search_path_set = true;
    }
    reader.read_frame(f, write);
  }
  out.flush();
  if (!out)
    throw error(errc::io_error, fmt::format("cannot write table {}.{} extracted from {}", t.schema, t.name, file.string()));
}

}  // namespace immichbak
