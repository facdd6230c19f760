#pragma once
// Shared helpers of the restore integration tests (test_restore_*.cpp,
// test_verify_restore_*.cpp): a small backup built with the format writer directly (so
// the restore can be tested on exactly the frames it must handle, including ones
// immichbak::backup() never writes: a missing extension, a deliberately slow table), and
// small database probes.

#include "support/test_env.hpp"

#include <immichbak/backup.hpp>
#include <immichbak/error.hpp>
#include <immichbak/manifest.hpp>
#include <immichbak/restore.hpp>

#include "format/backup_writer.hpp"
#include "format/content_hash.hpp"
#include "format/header_sql.hpp"
#include "pg/connection.hpp"
#include "util/sql_quote.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <chrono>
#include <map>
#include <thread>
#include <string>
#include <vector>

namespace immichbak::test {

struct ddl {
  frame_kind kind = frame_kind::pre_data;
  post_phase phase = post_phase::none;
  std::string label;
  std::string schema;
  std::string table;
  std::string sql;
};

/// What to write: DDL units as given, and the rows of `tables` copied from `source_db`.
struct handmade_backup {
  std::string source_db;
  std::vector<ddl> units;                      ///< any order of kinds; written sorted by kind
  std::vector<std::pair<std::string, std::string>> tables;  ///< (schema, table) with data
  std::vector<std::pair<std::string, std::string>> excluded;  ///< definition only
  std::vector<manifest_extension> extensions;
  std::vector<std::string> roles;
  std::vector<std::string> exclusion_presets;
  std::string restore_search_path = "\"$user\", public";
  compression compress = compression::zstd;
  std::size_t rows_per_frame = 1000;
  /// Writes a wrong content hash for this table (schema.table) into the manifest.
  std::string tamper_hash_of;
};

inline int kind_order(frame_kind k) {
  switch (k) {
    case frame_kind::header: return 0;
    case frame_kind::clean: return 0;
    case frame_kind::pre_data: return 1;
    case frame_kind::data: return 2;
    case frame_kind::post_data: return 3;
    case frame_kind::owners: return 4;
    case frame_kind::privileges: return 5;
  }
  return 9;
}

inline int phase_order(post_phase p) {
  return p == post_phase::indexes ? 0 : p == post_phase::foreign_keys ? 1 : 2;
}

/// Writes the backup to dir/name and returns its path (sidecar written too).
inline std::filesystem::path write_handmade(const std::filesystem::path& dir, const std::string& name,
                                            const handmade_backup& b) {
  std::filesystem::path file = dir / name;
  format::backup_writer w(file, b.compress, 3);
  manifest m;
  m.database = b.source_db;
  m.encoding = "UTF8";
  m.compression = b.compress == compression::zstd ? "zstd" : "none";
  m.session_settings = format::pinned_session_settings_map();
  m.restore_search_path = b.restore_search_path;
  m.extensions = b.extensions;
  m.roles = b.roles;
  m.exclusion_presets = b.exclusion_presets;
  m.created_at = "2025-01-01T00:00:00Z";

  w.write_frame({frame_kind::header, post_phase::none, {}, {}, "header", 0}, format::header_sql());
  std::vector<ddl> units = b.units;
  std::stable_sort(units.begin(), units.end(), [](const ddl& a, const ddl& c) {
    if (kind_order(a.kind) != kind_order(c.kind)) return kind_order(a.kind) < kind_order(c.kind);
    return a.kind == frame_kind::post_data && phase_order(a.phase) < phase_order(c.phase);
  });
  auto write_units = [&](auto pred) {
    for (const auto& u : units)
      if (pred(u)) w.write_frame({u.kind, u.phase, u.schema, u.table, u.label, 0}, u.sql);
  };
  write_units([](const ddl& u) { return u.kind == frame_kind::pre_data; });
  w.write_frame({frame_kind::pre_data, post_phase::none, {}, {}, "SEARCH_PATH", 0},
                format::set_search_path_sql(b.restore_search_path));

  pg::connection src(dsn(b.source_db));
  src.exec(format::session_settings_sql());
  for (const auto& [schema, table] : b.tables) {
    // Column list as the backup writes it: non-generated columns in attnum order.
    auto cols = src.exec(
        "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT "
        "a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum",
        {util::sql::qualified(schema, table)});
    std::string list;
    for (int i = 0; i < cols.rows(); ++i) list += (i ? ", " : "") + util::sql::ident(cols.str(i, 0));
    std::string head = "COPY " + util::sql::qualified(schema, table) + (list.empty() ? "" : " (" + list + ")");
    format::content_hash h;
    std::string chunk;
    std::size_t rows_in_chunk = 0;
    auto flush = [&] {
      if (rows_in_chunk == 0) return;
      w.write_frame({frame_kind::data, post_phase::none, schema, table, {}, rows_in_chunk},
                    head + " FROM stdin;\n" + chunk + "\\.\n");
      chunk.clear();
      rows_in_chunk = 0;
    };
    std::uint64_t rows = src.copy_out(head + " TO STDOUT", [&](std::string_view row) {
      h.add_row(row.substr(0, row.size() - 1));
      chunk.append(row);
      if (++rows_in_chunk == b.rows_per_frame) flush();
    });
    flush();
    manifest_table mt;
    mt.schema = schema;
    mt.name = table;
    mt.rows = rows;
    mt.content_hash = h.hex();
    if (b.tamper_hash_of == schema + "." + table) mt.content_hash = std::string(64, 'a');
    m.tables.push_back(mt);
  }
  for (const auto& [schema, table] : b.excluded) {
    manifest_table mt;
    mt.schema = schema;
    mt.name = table;
    mt.data_excluded = true;
    mt.exclusion_reason = "--exclude-regenerable";
    m.tables.push_back(mt);
  }
  write_units([](const ddl& u) { return u.kind != frame_kind::pre_data; });
  w.commit(m);
  return file;
}

inline bool database_exists(const std::string& name) {
  pg::connection c(dsn("postgres"));
  return c.exec("SELECT 1 FROM pg_database WHERE datname = $1", {name}).rows() == 1;
}

inline std::string query_one(const std::string& db, const std::string& sql) {
  pg::connection c(dsn(db));
  auto r = c.exec(sql);
  return r.rows() ? r.str(0, 0) : std::string();
}

/// Databases whose name starts with `prefix` (LIKE-escaped here).
inline std::vector<std::string> databases_like(const std::string& prefix) {
  std::string pat;
  for (char ch : prefix) {
    if (ch == '_' || ch == '%' || ch == '\\') pat += '\\';
    pat += ch;
  }
  pg::connection c(dsn("postgres"));
  auto r = c.exec("SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1", {pat + "%"});
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.str(i, 0));
  return out;
}

/// Drops the named databases when the test ends (restored copies, kept old ones).
struct drop_databases {
  std::vector<std::string> names;
  ~drop_databases() {
    try {
      pg::connection c(dsn("postgres"));
      for (const auto& n : names) c.exec("DROP DATABASE IF EXISTS " + util::sql::ident(n) + " WITH (FORCE)");
    } catch (...) {
    }
  }
};

/// Flips one byte of the file at `offset` (for damage tests).
inline void flip_byte(const std::filesystem::path& file, std::uint64_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5a);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

/// A unique name for a database a test creates through restore (dropped by the test).
inline std::string unique_db(const std::string& hint) {
  static int n = 0;
  return fmt::format("r_{}_{}_{}", ::getpid(), n++, hint);
}

}  // namespace immichbak::test

namespace immichbak::test {

/// Roles the sample schema's owner/privilege units name (created once per cluster).
inline void ensure_sample_roles() {
  pg::connection c(dsn("postgres"));
  c.exec(
      "DO $$BEGIN "
      "IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'immichbak_t_owner') THEN CREATE ROLE immichbak_t_owner; END IF; "
      "IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'immichbak_t_reader') THEN CREATE ROLE immichbak_t_reader; END IF; "
      "END$$");
}

/// A small schema with most of what a restore must order right (extension, schema, enum,
/// function, sequence, generated column, GIN trigram index, FK, trigger, sequence value,
/// database setting, owner, grant), built in `src` from the same units the backup carries,
/// with `people` rows (nasty text included) and two pets each.
inline handmade_backup sample_backup(const scratch_database& src, int people = 1200) {
  ensure_sample_roles();
  handmade_backup b;
  b.source_db = src.name();
  b.extensions = {{"pg_trgm", "1.6", "public", false}};
  b.roles = {"immichbak_t_owner", "immichbak_t_reader"};
  auto pre = [&](std::string label, std::string schema, std::string table, std::string sql) {
    b.units.push_back({frame_kind::pre_data, post_phase::none, std::move(label), std::move(schema), std::move(table),
                       std::move(sql)});
  };
  auto post = [&](post_phase ph, std::string label, std::string schema, std::string table, std::string sql) {
    b.units.push_back({frame_kind::post_data, ph, std::move(label), std::move(schema), std::move(table), std::move(sql)});
  };
  pre("EXTENSION pg_trgm", "", "", "CREATE EXTENSION IF NOT EXISTS \"pg_trgm\" WITH SCHEMA \"public\";\n");
  pre("SCHEMA app", "", "", "CREATE SCHEMA \"app\";\n");
  pre("TYPE app.mood", "", "", "CREATE TYPE \"app\".\"mood\" AS ENUM ('sad', 'ok', 'happy');\n");
  pre("FUNCTION app.touch()", "", "",
      "CREATE FUNCTION \"app\".\"touch\"() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.\"name\" := "
      "NEW.\"name\"; RETURN NEW; END$$;\n");
  pre("FUNCTION public.f_lower(text)", "", "",
      "CREATE FUNCTION \"public\".\"f_lower\"(text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT lower($1)';\n");
  pre("TABLE app.person", "app", "person",
      "CREATE TABLE \"app\".\"person\" (\"id\" integer NOT NULL, \"name\" text NOT NULL, \"mood\" \"app\".\"mood\", "
      "\"born\" date, \"score\" double precision, \"name_len\" integer GENERATED ALWAYS AS (length(\"name\")) STORED);\n"
      "COMMENT ON TABLE \"app\".\"person\" IS 'people';\n");
  pre("SEQUENCE app.person_id_seq", "app", "person",
      "CREATE SEQUENCE \"app\".\"person_id_seq\" AS integer;\n"
      "ALTER SEQUENCE \"app\".\"person_id_seq\" OWNED BY \"app\".\"person\".\"id\";\n"
      "ALTER TABLE \"app\".\"person\" ALTER COLUMN \"id\" SET DEFAULT nextval('\"app\".\"person_id_seq\"'::regclass);\n");
  pre("TABLE app.pet", "app", "pet",
      "CREATE TABLE \"app\".\"pet\" (\"id\" bigint NOT NULL, \"owner_id\" integer NOT NULL, \"name\" text, "
      "\"photo\" bytea, \"tags\" text[]);\n");
  pre("TABLE public.empty_table", "public", "empty_table", "CREATE TABLE \"public\".\"empty_table\" (\"x\" integer);\n");
  post(post_phase::indexes, "CONSTRAINT app.person_pkey", "app", "person",
       "ALTER TABLE ONLY \"app\".\"person\" ADD CONSTRAINT \"person_pkey\" PRIMARY KEY (\"id\");\n");
  post(post_phase::indexes, "CONSTRAINT app.pet_pkey", "app", "pet",
       "ALTER TABLE ONLY \"app\".\"pet\" ADD CONSTRAINT \"pet_pkey\" PRIMARY KEY (\"id\");\n");
  post(post_phase::indexes, "INDEX app.person_name_trgm", "app", "person",
       "CREATE INDEX \"person_name_trgm\" ON \"app\".\"person\" USING gin (\"name\" \"public\".\"gin_trgm_ops\");\n");
  // Unqualified on purpose: only resolves through the restore search path (like Immich's
  // f_unaccent index expressions).
  post(post_phase::indexes, "INDEX app.pet_name_sim", "app", "pet",
       "CREATE INDEX \"pet_name_lower\" ON \"app\".\"pet\" USING btree (f_lower(\"name\"));\n");
  post(post_phase::foreign_keys, "FK CONSTRAINT app.pet_owner_fkey", "app", "pet",
       "ALTER TABLE ONLY \"app\".\"pet\" ADD CONSTRAINT \"pet_owner_fkey\" FOREIGN KEY (\"owner_id\") REFERENCES "
       "\"app\".\"person\"(\"id\") ON DELETE CASCADE;\n");
  post(post_phase::final, "TRIGGER app.person_touch", "app", "person",
       "CREATE TRIGGER \"person_touch\" BEFORE UPDATE ON \"app\".\"person\" FOR EACH ROW EXECUTE FUNCTION "
       "\"app\".\"touch\"();\n");
  post(post_phase::final, "SEQUENCE SET app.person_id_seq", "app", "person",
       fmt::format("SELECT pg_catalog.setval('\"app\".\"person_id_seq\"', {}, true);\n", people));
  // As schema::setting_statement() writes it (the database's name is taken at run time).
  post(post_phase::final, "DATABASE SETTINGS", "", "",
       "DO $do$ BEGIN EXECUTE 'ALTER DATABASE ' || pg_catalog.quote_ident(pg_catalog.current_database()) || ' SET "
       "\"search_path\" TO ''$user'', ''public'', ''app'''; END $do$;\n");
  b.units.push_back({frame_kind::owners, post_phase::none, "OWNER app.pet", "app", "pet",
                     "ALTER TABLE \"app\".\"pet\" OWNER TO \"immichbak_t_owner\";\n"});
  b.units.push_back({frame_kind::privileges, post_phase::none, "ACL app.person", "app", "person",
                     "GRANT SELECT ON TABLE \"app\".\"person\" TO \"immichbak_t_reader\";\n"});
  // The pet table's owner runs its FK triggers: it needs the schema.
  b.units.push_back({frame_kind::privileges, post_phase::none, "ACL SCHEMA app", "", "",
                     "GRANT USAGE ON SCHEMA \"app\" TO \"immichbak_t_owner\";\n"});
  b.tables = {{"app", "person"}, {"app", "pet"}, {"public", "empty_table"}};
  b.rows_per_frame = 500;

  // The source: the same units, data in between.
  std::string pre_sql, post_sql;
  for (const auto& u : b.units) (u.kind == frame_kind::pre_data ? pre_sql : post_sql) += u.sql;
  src.psql(pre_sql);
  src.psql(fmt::format(
      "INSERT INTO app.person (id, name, mood, born, score) SELECT g, "
      "CASE g % 7 WHEN 0 THEN E'tab\\there' WHEN 1 THEN E'new\\nline' WHEN 2 THEN E'back\\\\slash' "
      "WHEN 3 THEN 'ünïcødé ✓' WHEN 4 THEN '\\.' WHEN 5 THEN '' ELSE 'person ' || g END, "
      "(ARRAY['sad','ok','happy',NULL])[1 + g % 4]::app.mood, DATE '1970-01-01' + g, "
      "CASE WHEN g % 5 = 0 THEN NULL ELSE g / 3.0 END FROM generate_series(1, {}) g;"
      "INSERT INTO app.pet (id, owner_id, name, photo, tags) SELECT g, 1 + (g % {}), 'pet ' || g, "
      "decode(md5(g::text), 'hex'), ARRAY['a,b', NULL, 'q\"uote'] FROM generate_series(1, {}) g;",
      people, people, people * 2));
  src.psql(post_sql);
  return b;
}

}  // namespace immichbak::test

namespace immichbak::test {

/// A backup that loads slowly: table public.slow with `rows` rows in frames of 5, and a
/// CHECK constraint (in its CREATE TABLE, so it runs during the load) calling a function
/// that sleeps `sleep` s a row.
inline handmade_backup slow_backup(const scratch_database& src, int rows = 100, double sleep = 0.05) {
  src.psql(fmt::format("CREATE TABLE public.slow (id integer); INSERT INTO public.slow SELECT generate_series(1, {})",
                       rows));
  handmade_backup b;
  b.source_db = src.name();
  b.units = {
      {frame_kind::pre_data, post_phase::none, "FUNCTION public.slow_down(integer)", "", "",
       fmt::format("CREATE FUNCTION \"public\".\"slow_down\"(integer) RETURNS boolean LANGUAGE plpgsql AS $$BEGIN "
                   "PERFORM pg_catalog.pg_sleep({}); RETURN true; END$$;\n",
                   sleep)},
      {frame_kind::pre_data, post_phase::none, "TABLE public.slow", "public", "slow",
       "CREATE TABLE \"public\".\"slow\" (\"id\" integer, CONSTRAINT \"slow_down\" CHECK "
       "(\"public\".\"slow_down\"(\"id\")));\n"},
  };
  b.tables = {{"public", "slow"}};
  b.rows_per_frame = 5;
  return b;
}

/// The error a restore that must fail throws (the test fails if it succeeds).
inline error restore_error(const restore_options& o) {
  try {
    restore(o);
  } catch (const error& e) {
    return e;
  }
  FAIL("restore was expected to fail");
  return error(errc::internal, "unreachable");
}

/// Waits (up to `seconds`) until a COPY runs in a scratch database of `target`.
inline bool wait_for_copy_in_scratch(const std::string& target, double seconds = 20) {
  pg::connection c(dsn("postgres"));
  std::string pat;
  for (char ch : target + "__immichbak_") {
    if (ch == '_' || ch == '%' || ch == '\\') pat += '\\';
    pat += ch;
  }
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int>(seconds * 1000));
  while (std::chrono::steady_clock::now() < until) {
    auto r = c.exec("SELECT 1 FROM pg_stat_activity WHERE datname LIKE $1 AND query LIKE 'COPY%'", {pat + "%"});
    if (r.rows() > 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace immichbak::test
