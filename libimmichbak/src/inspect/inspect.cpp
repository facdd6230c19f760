// `immichbak inspect`: read_manifest and the manifest's JSON and text forms.
#include "format/backup_reader.hpp"
#include "format/manifest_json.hpp"
#include "util/text.hpp"

#include <immichbak/manifest.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>

namespace immichbak {

manifest read_manifest(const std::filesystem::path& file) {
  return format::backup_reader(file).get_manifest();
}

std::string to_json(const manifest& m, bool pretty) { return format::manifest_to_json(m, pretty); }

namespace {

std::string grouped(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string or_unknown(const std::string& s) { return s.empty() ? "(unknown)" : s; }

}  // namespace

std::string to_text(const manifest& m) {
  std::string out;
  auto line = [&](std::string_view key, const std::string& value) {
    out += fmt::format("{:<13}{}\n", fmt::format("{}:", key), value);
  };
  line("format", fmt::format("{}.{} (written by immichbak {})", m.format_major, m.format_minor,
                             or_unknown(m.tool_version)));
  line("created", or_unknown(m.created_at));
  line("database", fmt::format("{}{}", or_unknown(m.database), m.encoding.empty() ? "" : " (encoding " + m.encoding + ")"));
  line("server", fmt::format("PostgreSQL {}", or_unknown(m.server_version)));
  std::string immich = m.immich_version.empty() ? "(not found)" : m.immich_version;
  if (!m.immich_migration.empty()) immich += fmt::format(" (migration {})", m.immich_migration);
  line("immich", immich);
  line("compression", m.compression == "zstd" ? fmt::format("zstd level {}", m.compression_level) : m.compression);
  if (!m.extensions.empty()) {
    std::string ext;
    for (const auto& e : m.extensions) {
      if (!ext.empty()) ext += ", ";
      ext += e.name + (e.version.empty() ? "" : " " + e.version);
      if (e.needs_preload) ext += " (needs shared_preload_libraries)";
    }
    line("extensions", ext);
  }
  if (!m.roles.empty()) {
    std::string roles;
    for (const auto& r : m.roles) roles += (roles.empty() ? "" : ", ") + r;
    line("roles", roles);
  }
  if (!m.restore_search_path.empty()) line("search_path", m.restore_search_path);
  for (const auto& s : m.database_settings)
    line("db setting", fmt::format("{}{} = {}", s.role.empty() ? "" : "(role " + s.role + ") ", s.name, s.value));
  if (!m.exclusion_presets.empty()) {
    std::string p;
    for (const auto& x : m.exclusion_presets) p += (p.empty() ? "" : ", ") + x;
    line("exclusions", p);
  }

  std::map<std::string, std::size_t> kinds;
  for (const auto& f : m.frames) ++kinds[frame_kind_name(f.kind)];
  std::string fr = fmt::format("{}", m.frames.size());
  if (!kinds.empty()) {
    fr += " (";
    bool first = true;
    for (const auto& [k, n] : kinds) {
      fr += fmt::format("{}{} {}", first ? "" : ", ", n, k);
      first = false;
    }
    fr += ")";
  }
  line("frames", fr);

  std::uint64_t rows = 0, plain = 0, stored = 0;
  std::size_t excluded = 0;
  for (const auto& t : m.tables) {
    rows += t.rows;
    plain += t.plain_bytes;
    stored += t.stored_bytes;
    if (t.data_excluded) ++excluded;
  }
  line("tables", fmt::format("{} ({} rows, {} of data, {} stored{})", m.tables.size(), grouped(rows),
                             util::human_bytes(plain), util::human_bytes(stored),
                             excluded ? fmt::format("; {} with data excluded", excluded) : std::string()));

  std::vector<const manifest_table*> sorted;
  for (const auto& t : m.tables) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(), [](const manifest_table* a, const manifest_table* b) {
    return std::tie(a->schema, a->name) < std::tie(b->schema, b->name);
  });
  std::size_t width = 5;
  for (const auto* t : sorted) width = std::max(width, t->schema.size() + 1 + t->name.size());
  out += fmt::format("\n{:<{}}  {:>14}  {:>10}  {:>10}\n", "table", width, "rows", "data", "stored");
  for (const auto* t : sorted) {
    std::string name = t->schema + "." + t->name;
    if (t->data_excluded)
      out += fmt::format("{:<{}}  {:>14}  excluded ({})\n", name, width, "-",
                         t->exclusion_reason.empty() ? "by option" : t->exclusion_reason);
    else
      out += fmt::format("{:<{}}  {:>14}  {:>10}  {:>10}\n", name, width, grouped(t->rows), util::human_bytes(t->plain_bytes),
                         util::human_bytes(t->stored_bytes));
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace immichbak
