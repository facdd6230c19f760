// The format's promise to users without immichbak: a backup written by the format layer
// restores with stock tools alone (`zstd -dc FILE | psql`, `psql -f FILE.sql`), including
// the trailing manifest/footer (skippable frames, comment lines), and the content hash in
// the manifest equals the one recomputed from the restored rows.
#include "format/backup_reader.hpp"
#include "format/backup_writer.hpp"
#include "format/content_hash.hpp"
#include "format/header_sql.hpp"
#include "support/test_env.hpp"

#include <immichbak/verify.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <sstream>

using namespace immichbak;
using namespace immichbak::test;
namespace fs = std::filesystem;

namespace {

// COPY TO STDOUT under the header's session settings (what a backup captures).
std::string copy_out(const std::string& db, const std::string& table) {
  return run_ok(fmt::format("PGCLIENTENCODING=UTF8 PGOPTIONS='-c DateStyle=ISO -c IntervalStyle=postgres -c "
                            "extra_float_digits=3 -c TimeZone=UTC' psql -X -q -d {} -c {}",
                            shell_quote(db), shell_quote(fmt::format("COPY {} TO STDOUT", table))));
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) out.push_back(l);
  return out;
}

const char* const source_sql = R"sql(
DO $$BEGIN CREATE ROLE fmt_owner; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
DO $$BEGIN CREATE ROLE fmt_reader; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
CREATE TABLE public.parent (id integer PRIMARY KEY, name text);
CREATE TABLE public."Child ""x""" (id integer, parent_id integer, v text, ts timestamptz, f double precision,
                                   b bytea, j jsonb, iv interval, arr text[]);
INSERT INTO public.parent SELECT g, 'p' || g FROM generate_series(1, 50) g;
INSERT INTO public."Child ""x""" VALUES
  (1, 1, E'tab\there', '2024-02-29 23:59:59.123456+05', 0.1, '\x00ff', '{"a": [1, "\u00e9"]}', '1 day 02:03:04', '{a,"b c",NULL}'),
  (2, 2, E'new\nline\\back\rcr', 'infinity', 'NaN', '', 'null', '-1 mon', '{}'),
  (3, NULL, NULL, NULL, 1e300, NULL, NULL, NULL, NULL),
  (4, 3, 'ünïcödé ✓ 😀', '1999-12-31 00:00:00+00', -0, '\x5c2e', '"\\."', '0', '{"\\."}'),
  (5, 3, '\.', '2000-01-01 00:00:00+00', 2.5, '\x2e', '1', '1 year', '{x}');
INSERT INTO public."Child ""x""" SELECT g, 1 + g % 50, repeat('r', g % 17), '2020-01-01'::timestamptz + g * interval '1 hour',
  g / 7.0, NULL, NULL, NULL, NULL FROM generate_series(6, 400) g;
)sql";

}  // namespace

TEST_CASE("a written backup restores with zstd -dc | psql and psql -f", "[format][stock-tools][matrix]") {
  scratch_database src("fmt_src");
  src.psql(source_sql);

  const std::string parent_q = "\"public\".\"parent\"";
  const std::string child_q = "\"public\".\"Child \"\"x\"\"\"";
  const std::string child_cols = "(\"id\", \"parent_id\", \"v\", \"ts\", \"f\", \"b\", \"j\", \"iv\", \"arr\")";
  auto parent_rows = lines(copy_out(src.name(), parent_q));
  auto child_rows = lines(copy_out(src.name(), child_q));
  REQUIRE(parent_rows.size() == 50);
  REQUIRE(child_rows.size() == 400);

  temp_dir dir("fmt_stock");
  for (auto c : {compression::zstd, compression::none}) {
    fs::path file = dir.path() / (c == compression::zstd ? "stock.sql.zst" : "stock.sql");
    manifest m;
    {
      format::backup_writer w(file, c, 3);
      w.write_frame({frame_kind::header, post_phase::none, "", "", "", 0}, format::header_sql());
      w.write_frame({frame_kind::pre_data, post_phase::none, "public", "parent", "TABLE public.parent", 0},
                    "CREATE TABLE " + parent_q + " (\"id\" integer NOT NULL, \"name\" text);\n");
      w.write_frame({frame_kind::pre_data, post_phase::none, "public", "Child \"x\"", "TABLE public.Child", 0},
                    "CREATE TABLE " + child_q +
                        " (\"id\" integer, \"parent_id\" integer, \"v\" text, \"ts\" timestamp with time zone, \"f\" "
                        "double precision, \"b\" bytea, \"j\" jsonb, \"iv\" interval, \"arr\" text[]);\n");
      w.write_frame({frame_kind::pre_data, post_phase::none, "", "", "SEARCH_PATH", 0},
                    format::set_search_path_sql("public"));
      auto put_table = [&](const std::string& schema, const std::string& name, const std::string& q,
                           const std::string& cols, const std::vector<std::string>& rows, std::size_t per_frame) {
        format::content_hash h;
        for (std::size_t i = 0; i < rows.size(); i += per_frame) {
          std::string plain = "COPY " + q + " " + cols + " FROM stdin;\n";
          std::uint64_t n = 0;
          for (std::size_t k = i; k < rows.size() && k < i + per_frame; ++k, ++n) {
            plain += rows[k] + "\n";
            h.add_row(rows[k]);
          }
          plain += "\\.\n";
          w.write_frame({frame_kind::data, post_phase::none, schema, name, "", n}, plain);
        }
        m.tables.push_back({schema, name, rows.size(), h.hex(), 0, 0, false, ""});
      };
      put_table("public", "parent", parent_q, "(\"id\", \"name\")", parent_rows, 20);
      put_table("public", "Child \"x\"", child_q, child_cols, child_rows, 64);
      w.write_frame({frame_kind::post_data, post_phase::indexes, "public", "parent", "CONSTRAINT parent_pkey", 0},
                    "ALTER TABLE ONLY " + parent_q + " ADD CONSTRAINT \"parent_pkey\" PRIMARY KEY (\"id\");\n");
      w.write_frame({frame_kind::post_data, post_phase::indexes, "public", "Child \"x\"", "INDEX child_v", 0},
                    "CREATE INDEX \"child_v\" ON " + child_q + " USING btree (\"v\");\n");
      w.write_frame({frame_kind::post_data, post_phase::foreign_keys, "public", "Child \"x\"", "FK child_parent", 0},
                    "ALTER TABLE ONLY " + child_q + " ADD CONSTRAINT \"child_parent\" FOREIGN KEY (\"parent_id\") "
                    "REFERENCES " + parent_q + "(\"id\");\n");
      w.write_frame({frame_kind::owners, post_phase::none, "public", "parent", "OWNER public.parent", 0},
                    "ALTER TABLE " + parent_q + " OWNER TO \"fmt_owner\";\n");
      w.write_frame({frame_kind::privileges, post_phase::none, "public", "parent", "ACL public.parent", 0},
                    "GRANT SELECT ON TABLE " + parent_q + " TO \"fmt_reader\";\n");
      m.database = src.name();
      m.restore_search_path = "public";
      m.session_settings = format::pinned_session_settings_map();
      w.commit(m);
    }

    // Offline verify of what we wrote.
    verify_options o;
    o.file = file;
    verify_report rep = verify(o);
    INFO(to_text(rep));
    CHECK(rep.ok());

    // Stock tools only.
    scratch_database dst("fmt_dst");
    std::string out;
    std::string cmd = c == compression::zstd
                          ? fmt::format("zstd -dc {} | psql -X -q -d {}", shell_quote(file.string()),
                                        shell_quote(dst.name()))
                          : fmt::format("psql -X -q -d {} -f {}", shell_quote(dst.name()), shell_quote(file.string()));
    int rc = run(cmd, &out);
    INFO(out);
    REQUIRE(rc == 0);
    CHECK(out.find("ERROR") == std::string::npos);
    CHECK(data_dump(dst.name()) == data_dump(src.name()));

    // The manifest's content hashes match the restored rows.
    format::backup_reader r(file);
    for (const auto& t : r.get_manifest().tables) {
      std::string q = t.name == "parent" ? parent_q : child_q;
      format::content_hash h;
      for (const auto& row : lines(copy_out(dst.name(), q))) h.add_row(row);
      CHECK(h.hex() == t.content_hash);
      CHECK(h.rows() == t.rows);
    }
    // Post-data and owners/privileges took effect.
    std::string owner = run_ok(fmt::format("psql -X -At -d {} -c {}", shell_quote(dst.name()),
                                           shell_quote("SELECT tableowner FROM pg_tables WHERE tablename = 'parent'")));
    CHECK(owner == "fmt_owner\n");
    std::string fk = run_ok(fmt::format("psql -X -At -d {} -c {}", shell_quote(dst.name()),
                                        shell_quote("SELECT count(*) FROM pg_constraint WHERE conname = 'child_parent'")));
    CHECK(fk == "1\n");
  }
}
