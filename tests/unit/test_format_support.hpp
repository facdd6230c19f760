#pragma once
// Helpers for the format and verify unit tests: a small but complete backup written by
// the real writer, and a raw assembler for files the writer would refuse to produce.

#include "format/backup_reader.hpp"
#include "format/backup_writer.hpp"
#include "format/content_hash.hpp"
#include "format/header_sql.hpp"
#include "format/layout.hpp"
#include "format/manifest_json.hpp"
#include "format/sha256.hpp"
#include "format/sidecar.hpp"
#include "support/test_env.hpp"

#include <immichbak/manifest.hpp>

#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace immichbak::test {

namespace fs = std::filesystem;

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_file(const fs::path& p, std::string_view bytes) {
  // Remove first: ext4 flushes a file truncated and rewritten in place on close, which
  // makes the corruption suite's thousands of rewrites slow.
  std::error_code ec;
  fs::remove(p, ec);
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

struct sample_table {
  std::string schema, name, columns;  // columns: ("a", "b")
  std::vector<std::string> rows;      // COPY text without newline
  std::size_t rows_per_frame = 2;
  bool excluded = false;
};

struct sample_backup {
  fs::path file;
  std::string file_sha256;
  manifest m;                          // as returned by the reader would be
  std::vector<std::string> plain;      // plain bytes of each frame, in file order
  std::string script() const {
    std::string s;
    for (const auto& p : plain) s += p;
    return s;
  }
};

inline std::vector<sample_table> default_tables() {
  std::vector<sample_table> t;
  t.push_back({"public", "asset", "(\"id\", \"originalPath\", \"ownerId\")",
               {"1\t/usr/src/app/upload/a.jpg\tu1", "2\t/usr/src/app/upload/tab\\there.jpg\tu1",
                "3\t/data/ü/ß.heic\t\\N", "4\tback\\\\slash\\nnewline\tu2", "5\tx\tu2"},
               2});
  t.push_back({"public", "tag", "(\"id\", \"value\")", {"10\tholiday", "11\tfamily"}, 5});
  t.push_back({"public", "empty_table", "(\"id\")", {}, 1});
  t.push_back({"public", "smart_search", "(\"assetId\", \"embedding\")", {}, 1, true});
  t.push_back({"We\"ird", "Tab le", "(\"c\"\"1\")", {"only one"}, 1});
  return t;
}

/// Writes a complete backup (header, pre-data, data, post-data, owners, privileges) with
/// the real writer and returns what it wrote.
/// The name write_sample() gives a file of variant `c`.
inline std::string sample_file_name(compression c) {
  return c == compression::zstd   ? "immich-db-20250131T020000Z.sql.zst"
         : c == compression::gzip ? "immich-db-20250131T020000Z.sql.gz"
                                  : "immich-db-20250131T020000Z.sql";
}

/// Every variant of the format, for tests that run over all of them.
inline constexpr compression all_variants[] = {compression::zstd, compression::gzip, compression::none};

inline sample_backup write_sample(const fs::path& dir, compression c, const std::string& name = "",
                                  std::vector<sample_table> tables = default_tables(), int level = 3) {
  sample_backup s;
  s.file = dir / (name.empty() ? sample_file_name(c) : name);
  format::backup_writer w(s.file, c, level);
  auto put = [&](format::frame_meta meta, std::string plain) {
    w.write_frame(meta, plain);
    s.plain.push_back(std::move(plain));
  };
  put({frame_kind::header, post_phase::none, "", "", "", 0},
      c == compression::gzip ? format::gzip_header_sql() : format::header_sql());
  if (c == compression::gzip)
    put({frame_kind::clean, post_phase::none, "", "", "CLEAN", 0},
        "DROP EXTENSION IF EXISTS \"cube\" CASCADE;\nDROP SCHEMA IF EXISTS \"We\"\"ird\" CASCADE;\n");
  for (const auto& t : tables) {
    std::string q = "\"" + t.schema + "\".\"" + t.name + "\"";
    // (test data: names without quotes except the one test table, quoted by hand)
    if (t.schema == "We\"ird") q = "\"We\"\"ird\".\"Tab le\"";
    put({frame_kind::pre_data, post_phase::none, t.schema, t.name, "TABLE " + t.schema + "." + t.name, 0},
        "CREATE TABLE " + q + " (id integer);\n");
  }
  put({frame_kind::pre_data, post_phase::none, "", "", "SEARCH_PATH", 0},
      format::set_search_path_sql("\"$user\", public"));
  for (const auto& t : tables) {
    if (t.excluded) continue;
    std::string q = t.schema == "We\"ird" ? "\"We\"\"ird\".\"Tab le\"" : "\"" + t.schema + "\".\"" + t.name + "\"";
    for (std::size_t i = 0; i < t.rows.size(); i += t.rows_per_frame) {
      std::string plain = "COPY " + q + " " + t.columns + " FROM stdin;\n";
      std::uint64_t n = 0;
      for (std::size_t k = i; k < t.rows.size() && k < i + t.rows_per_frame; ++k, ++n) plain += t.rows[k] + "\n";
      plain += "\\.\n";
      put({frame_kind::data, post_phase::none, t.schema, t.name, "", n}, plain);
    }
  }
  put({frame_kind::post_data, post_phase::indexes, "public", "asset", "INDEX public.asset_path_idx", 0},
      "CREATE INDEX asset_path_idx ON \"public\".\"asset\" USING btree (id);\n");
  put({frame_kind::post_data, post_phase::foreign_keys, "public", "tag", "FK public.tag_fk", 0},
      "ALTER TABLE ONLY \"public\".\"tag\" ADD CONSTRAINT tag_fk FOREIGN KEY (id) REFERENCES \"public\".\"asset\"(id);\n");
  put({frame_kind::post_data, post_phase::final, "", "", "SEQUENCE SET public.seq", 0},
      "SELECT pg_catalog.setval('public.seq', 5, true);\n");
  put({frame_kind::owners, post_phase::none, "public", "asset", "OWNER TABLE public.asset", 0},
      "ALTER TABLE \"public\".\"asset\" OWNER TO \"immich\";\n");
  put({frame_kind::privileges, post_phase::none, "public", "asset", "ACL TABLE public.asset", 0},
      "GRANT SELECT ON TABLE \"public\".\"asset\" TO \"reader\";\n");

  manifest m;
  m.tool_version = "0.1.0-test";
  m.created_at = "2025-01-31T02:00:00Z";
  m.database = "immich";
  m.server_version = "15.18";
  m.server_version_num = 150018;
  m.immich_version = "v1.130.0";
  m.immich_migration = "1740000000000-AddOcr";
  m.encoding = "UTF8";
  m.session_settings = format::pinned_session_settings_map();
  m.restore_search_path = "\"$user\", public";
  m.database_settings.push_back({"", "search_path", "\"$user\", public, vectors"});
  m.extensions.push_back({"cube", "1.5", "public", false});
  m.extensions.push_back({"earthdistance", "1.1", "public", false});
  m.roles = {"immich", "reader"};
  for (const auto& t : tables) {
    manifest_table mt;
    mt.schema = t.schema;
    mt.name = t.name;
    mt.data_excluded = t.excluded;
    if (t.excluded) {
      mt.exclusion_reason = "--exclude-regenerable";
    } else {
      format::content_hash h;
      for (const auto& r : t.rows) h.add_row(r);
      mt.rows = t.rows.size();
      mt.content_hash = h.hex();
    }
    m.tables.push_back(mt);
  }
  s.file_sha256 = w.commit(m);
  s.m = format::backup_reader(s.file).get_manifest();
  return s;
}

/// Assembles a file from stored frame bytes and a manifest whose frames' offsets are set
/// here, without any of the writer's checks. `tweak_json` may edit the manifest text,
/// `tweak_footer` the footer before it is encoded.
inline void assemble(const fs::path& file, bool compressed, const std::vector<std::string>& stored, manifest m,
                     const std::function<void(std::string&)>& tweak_json = {},
                     const std::function<void(format::footer&)>& tweak_footer = {}) {
  std::string out;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    if (i < m.frames.size()) {
      m.frames[i].offset = out.size();
      m.frames[i].stored_size = stored[i].size();
    }
    out += stored[i];
  }
  m.compression = compressed ? "zstd" : "none";
  std::string json = format::manifest_to_json(m, false);
  if (tweak_json) tweak_json(json);
  format::footer ft;
  ft.manifest_length = json.size();
  ft.manifest_sha256 = format::sha256::of(json);
  if (compressed) {
    ft.manifest_offset = out.size() + 8;
    format::put_le32(out, format::manifest_skippable_magic);
    format::put_le32(out, static_cast<std::uint32_t>(json.size()));
    out += json;
    if (tweak_footer) tweak_footer(ft);
    out += format::encode_binary_footer(ft);
  } else {
    ft.manifest_offset = out.size() + format::manifest_line_prefix.size();
    out += format::manifest_line_prefix;
    out += json;
    out += '\n';
    if (tweak_footer) tweak_footer(ft);
    out += format::encode_text_footer(ft);
  }
  write_file(file, out);
}

/// A manifest frame entry for assemble() (offset and stored size are filled in there).
inline manifest_frame frame_entry(frame_kind k, std::string_view plain, std::string schema = {}, std::string table = {},
                                  std::uint64_t rows = 0, post_phase phase = post_phase::none) {
  manifest_frame f;
  f.kind = k;
  f.phase = phase;
  f.plain_size = plain.size();
  f.sha256 = format::sha256::hex(format::sha256::of(plain));
  f.schema = std::move(schema);
  f.table = std::move(table);
  f.rows = rows;
  return f;
}

/// Runs a shell command, returns its exit status (output into `out` when given).
inline int sh(const std::string& cmd, std::string* out = nullptr) { return test::run(cmd, out); }

}  // namespace immichbak::test
