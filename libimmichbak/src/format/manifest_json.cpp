#include "format/manifest_json.hpp"

#include "format/layout.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <limits>

namespace immichbak {

const char* frame_kind_name(frame_kind k) noexcept {
  switch (k) {
    case frame_kind::header: return "header";
    case frame_kind::pre_data: return "pre_data";
    case frame_kind::data: return "data";
    case frame_kind::post_data: return "post_data";
    case frame_kind::owners: return "owners";
    case frame_kind::privileges: return "privileges";
    case frame_kind::clean: return "clean";
  }
  return "unknown";
}

}  // namespace immichbak

namespace immichbak::format {

using json = nlohmann::json;

const char* post_phase_name(post_phase p) noexcept {
  switch (p) {
    case post_phase::none: return "none";
    case post_phase::indexes: return "indexes";
    case post_phase::foreign_keys: return "foreign_keys";
    case post_phase::final: return "final";
  }
  return "unknown";
}

std::optional<frame_kind> frame_kind_from_name(std::string_view n) noexcept {
  for (auto k : {frame_kind::header, frame_kind::pre_data, frame_kind::data, frame_kind::post_data,
                 frame_kind::owners, frame_kind::privileges, frame_kind::clean})
    if (n == frame_kind_name(k)) return k;
  return std::nullopt;
}

std::optional<post_phase> post_phase_from_name(std::string_view n) noexcept {
  for (auto p : {post_phase::none, post_phase::indexes, post_phase::foreign_keys, post_phase::final})
    if (n == post_phase_name(p)) return p;
  return std::nullopt;
}

int frame_rank(frame_kind k, post_phase p) noexcept {
  switch (k) {
    case frame_kind::header: return 0;
    case frame_kind::clean: return 1;
    case frame_kind::pre_data: return 2;
    case frame_kind::data: return 3;
    case frame_kind::post_data:
      return p == post_phase::foreign_keys ? 5 : p == post_phase::final ? 6 : 4;
    case frame_kind::owners: return 7;
    case frame_kind::privileges: return 8;
  }
  return 9;
}

std::string describe_frame(const manifest_frame& f) {
  std::string s = frame_kind_name(f.kind);
  if (f.kind == frame_kind::post_data && f.phase != post_phase::none) s += fmt::format(" ({})", post_phase_name(f.phase));
  s += " frame";
  if (f.kind == frame_kind::data) s += fmt::format(" of {}.{}", f.schema, f.table);
  else if (!f.label.empty()) s += fmt::format(" '{}'", f.label);
  return s;
}

// ---------------------------------------------------------------- writing

namespace {

json frame_json(const manifest_frame& f) {
  json j = json::object();
  j["kind"] = frame_kind_name(f.kind);
  if (f.phase != post_phase::none) j["phase"] = post_phase_name(f.phase);
  j["offset"] = f.offset;
  j["stored_size"] = f.stored_size;
  j["plain_size"] = f.plain_size;
  j["sha256"] = f.sha256;
  if (!f.schema.empty()) j["schema"] = f.schema;
  if (!f.table.empty()) j["table"] = f.table;
  if (f.kind == frame_kind::data || f.rows != 0) j["rows"] = f.rows;
  if (!f.label.empty()) j["label"] = f.label;
  return j;
}

}  // namespace

std::string manifest_to_json(const manifest& m, bool pretty) {
  json j = json::object();
  j["format_major"] = m.format_major;
  j["format_minor"] = m.format_minor;
  j["tool_version"] = m.tool_version;
  j["created_at"] = m.created_at;
  j["database"] = m.database;
  j["server_version"] = m.server_version;
  j["server_version_num"] = m.server_version_num;
  j["compression"] = m.compression;
  j["compression_level"] = m.compression_level;
  j["immich_version"] = m.immich_version;
  j["immich_migration"] = m.immich_migration;
  j["encoding"] = m.encoding;
  j["session_settings"] = json::object();
  for (const auto& [k, v] : m.session_settings) j["session_settings"][k] = v;
  j["restore_search_path"] = m.restore_search_path;
  j["database_settings"] = json::array();
  for (const auto& s : m.database_settings)
    j["database_settings"].push_back({{"role", s.role}, {"name", s.name}, {"value", s.value}});
  j["extensions"] = json::array();
  for (const auto& e : m.extensions)
    j["extensions"].push_back(
        {{"name", e.name}, {"version", e.version}, {"schema", e.schema}, {"needs_preload", e.needs_preload}});
  j["roles"] = m.roles;
  j["exclusion_presets"] = m.exclusion_presets;
  j["tables"] = json::array();
  for (const auto& t : m.tables) {
    json tj = {{"schema", t.schema},           {"name", t.name},
               {"rows", t.rows},               {"content_hash", t.content_hash},
               {"plain_bytes", t.plain_bytes}, {"stored_bytes", t.stored_bytes},
               {"data_excluded", t.data_excluded}};
    if (!t.exclusion_reason.empty()) tj["exclusion_reason"] = t.exclusion_reason;
    j["tables"].push_back(std::move(tj));
  }
  j["frames"] = json::array();
  for (const auto& f : m.frames) j["frames"].push_back(frame_json(f));
  try {
    return j.dump(pretty ? 2 : -1);
  } catch (const json::exception& e) {
    // Only invalid UTF-8 in a name can get here.
    throw error(errc::invalid_argument,
                fmt::format("cannot write the manifest of database {}: a name is not valid UTF-8 ({})", m.database,
                            e.what()));
  }
}

// ---------------------------------------------------------------- reading

namespace {

[[noreturn]] void bad(const std::string& where, std::string_view what) {
  throw error(errc::corrupt_backup, fmt::format("damaged manifest: {} {}", where, what));
}

const json* member(const json& o, const char* key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &*it;
}

std::string get_string(const json& o, const char* key, const std::string& where, bool required = false) {
  const json* v = member(o, key);
  if (!v) {
    if (required) bad(where, fmt::format("has no \"{}\"", key));
    return {};
  }
  if (!v->is_string()) bad(where, fmt::format("member \"{}\" is not a string", key));
  return v->get<std::string>();
}

std::uint64_t get_u64(const json& o, const char* key, const std::string& where, bool required = false) {
  const json* v = member(o, key);
  if (!v) {
    if (required) bad(where, fmt::format("has no \"{}\"", key));
    return 0;
  }
  if (!v->is_number_unsigned()) bad(where, fmt::format("member \"{}\" is not a non-negative integer", key));
  return v->get<std::uint64_t>();
}

int get_int(const json& o, const char* key, const std::string& where, bool required = false) {
  const json* v = member(o, key);
  if (!v) {
    if (required) bad(where, fmt::format("has no \"{}\"", key));
    return 0;
  }
  if (v->is_number_unsigned()) {
    auto u = v->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
      bad(where, fmt::format("member \"{}\" is out of range", key));
    return static_cast<int>(u);
  }
  if (v->is_number_integer()) {
    auto i = v->get<std::int64_t>();
    if (i < std::numeric_limits<int>::min()) bad(where, fmt::format("member \"{}\" is out of range", key));
    return static_cast<int>(i);
  }
  bad(where, fmt::format("member \"{}\" is not an integer", key));
}

bool get_bool(const json& o, const char* key, const std::string& where) {
  const json* v = member(o, key);
  if (!v) return false;
  if (!v->is_boolean()) bad(where, fmt::format("member \"{}\" is not a boolean", key));
  return v->get<bool>();
}

const json& get_array(const json& o, const char* key, const std::string& where, bool required = false) {
  static const json empty = json::array();
  const json* v = member(o, key);
  if (!v) {
    if (required) bad(where, fmt::format("has no \"{}\"", key));
    return empty;
  }
  if (!v->is_array()) bad(where, fmt::format("member \"{}\" is not an array", key));
  return *v;
}

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::vector<std::string> get_strings(const json& o, const char* key, const std::string& where) {
  std::vector<std::string> out;
  for (const auto& v : get_array(o, key, where)) {
    if (!v.is_string()) bad(where, fmt::format("member \"{}\" holds a non-string", key));
    out.push_back(v.get<std::string>());
  }
  return out;
}

manifest_frame parse_frame(const json& j, std::size_t i) {
  std::string where = fmt::format("frame #{}", i);
  if (!j.is_object()) bad(where, "is not an object");
  manifest_frame f;
  std::string kind = get_string(j, "kind", where, true);
  auto k = frame_kind_from_name(kind);
  if (!k) bad(where, fmt::format("has unknown kind \"{}\"", kind));
  f.kind = *k;
  if (member(j, "phase")) {
    std::string phase = get_string(j, "phase", where);
    auto p = post_phase_from_name(phase);
    if (!p) bad(where, fmt::format("has unknown phase \"{}\"", phase));
    f.phase = *p;
  }
  if ((f.kind == frame_kind::post_data) != (f.phase != post_phase::none))
    bad(where, fmt::format("({} frame) has phase \"{}\"", kind, post_phase_name(f.phase)));
  f.offset = get_u64(j, "offset", where, true);
  f.stored_size = get_u64(j, "stored_size", where, true);
  f.plain_size = get_u64(j, "plain_size", where, true);
  f.sha256 = get_string(j, "sha256", where, true);
  if (!is_hex64(f.sha256)) bad(where, "has a sha256 that is not 64 lowercase hex digits");
  f.schema = get_string(j, "schema", where);
  f.table = get_string(j, "table", where);
  f.rows = get_u64(j, "rows", where);
  f.label = get_string(j, "label", where);
  return f;
}

manifest_table parse_table(const json& j, std::size_t i) {
  std::string where = fmt::format("table #{}", i);
  if (!j.is_object()) bad(where, "is not an object");
  manifest_table t;
  t.schema = get_string(j, "schema", where, true);
  t.name = get_string(j, "name", where, true);
  where = fmt::format("table {}.{}", t.schema, t.name);
  t.rows = get_u64(j, "rows", where);
  t.content_hash = get_string(j, "content_hash", where);
  t.plain_bytes = get_u64(j, "plain_bytes", where);
  t.stored_bytes = get_u64(j, "stored_bytes", where);
  t.data_excluded = get_bool(j, "data_excluded", where);
  t.exclusion_reason = get_string(j, "exclusion_reason", where);
  return t;
}

}  // namespace

manifest manifest_from_json(std::string_view text) {
  json j;
  try {
    // Depth limit: the manifest is shallow; a hostile file must not make us build (and
    // later walk) a deeply nested document.
    json::parser_callback_t cb = [](int depth, json::parse_event_t, json&) {
      if (depth > max_manifest_json_depth)
        throw error(errc::corrupt_backup,
                    fmt::format("damaged manifest: JSON nested deeper than {} levels", max_manifest_json_depth));
      return true;
    };
    j = json::parse(text.begin(), text.end(), cb);
  } catch (const json::exception& e) {
    throw error(errc::corrupt_backup, fmt::format("damaged manifest: not valid JSON ({})", e.what()));
  }
  const std::string top = "document";
  if (!j.is_object()) bad(top, "is not a JSON object");
  manifest m;
  m.format_major = get_int(j, "format_major", top, true);
  m.format_minor = get_int(j, "format_minor", top, true);
  m.tool_version = get_string(j, "tool_version", top);
  m.created_at = get_string(j, "created_at", top);
  m.database = get_string(j, "database", top);
  m.server_version = get_string(j, "server_version", top);
  m.server_version_num = get_int(j, "server_version_num", top);
  m.compression = get_string(j, "compression", top, true);
  m.compression_level = get_int(j, "compression_level", top);
  m.immich_version = get_string(j, "immich_version", top);
  m.immich_migration = get_string(j, "immich_migration", top);
  m.encoding = get_string(j, "encoding", top);
  if (const json* s = member(j, "session_settings")) {
    if (!s->is_object()) bad(top, "member \"session_settings\" is not an object");
    for (auto it = s->begin(); it != s->end(); ++it) {
      if (!it->is_string()) bad("session setting", fmt::format("\"{}\" is not a string", it.key()));
      m.session_settings[it.key()] = it->get<std::string>();
    }
  }
  m.restore_search_path = get_string(j, "restore_search_path", top);
  for (const auto& s : get_array(j, "database_settings", top)) {
    if (!s.is_object()) bad("database setting", "is not an object");
    m.database_settings.push_back({get_string(s, "role", "database setting"),
                                   get_string(s, "name", "database setting", true),
                                   get_string(s, "value", "database setting")});
  }
  for (const auto& e : get_array(j, "extensions", top)) {
    if (!e.is_object()) bad("extension", "is not an object");
    manifest_extension x;
    x.name = get_string(e, "name", "extension", true);
    x.version = get_string(e, "version", "extension " + x.name);
    x.schema = get_string(e, "schema", "extension " + x.name);
    x.needs_preload = get_bool(e, "needs_preload", "extension " + x.name);
    m.extensions.push_back(std::move(x));
  }
  m.roles = get_strings(j, "roles", top);
  m.exclusion_presets = get_strings(j, "exclusion_presets", top);
  const json& tables = get_array(j, "tables", top, true);
  m.tables.reserve(tables.size());
  for (std::size_t i = 0; i < tables.size(); ++i) m.tables.push_back(parse_table(tables[i], i));
  const json& frames = get_array(j, "frames", top, true);
  m.frames.reserve(frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) m.frames.push_back(parse_frame(frames[i], i));
  return m;
}

}  // namespace immichbak::format
