// Hostile and damaged input for restore and verify (docs/reliability.md). Every file here
// comes from a real small backup (immichbak::backup of a scratch database) that is then
// cut, flipped, extended, shuffled or re-sealed (hashes, manifest and footer recomputed, as
// an attacker or a buggy tool would). Rules:
//   - a file that starts like ours but lost its footer is a damaged backup: verify reports
//     it (findings, exit 3), restore refuses it, never as "a plain SQL dump";
//   - a sidecar that disagrees with the file stops every restore, plain dumps included;
//   - a manifest verify rejects, restore rejects, before it changes anything;
//   - a frame holding what our writer never writes is a finding and a refusal;
//   - whatever the damage: verify never crashes, restore never succeeds, never changes the
//     target, never leaves a scratch database, never runs a shell command.
#include "test_backup_support.hpp"
#include "test_restore_support.hpp"

#include "support/cli.hpp"

#include "format/backup_reader.hpp"
#include "format/backup_writer.hpp"
#include "format/gzip_member.hpp"
#include "format/layout.hpp"
#include "format/manifest_json.hpp"
#include "format/sha256.hpp"
#include "format/sidecar.hpp"

#include <immichbak/error.hpp>
#include <immichbak/restore.hpp>
#include <immichbak/verify.hpp>

#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>

using namespace immichbak;
namespace fs = std::filesystem;

namespace {

using test::slurp;

void spill(const fs::path& p, std::string_view bytes) {
  std::error_code ec;
  fs::remove(p, ec);
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Where a COPY ... TO PROGRAM 'touch ...' would leave its mark (the server runs it).
fs::path marker_path() {
  static const fs::path p = fs::path("/tmp") / fmt::format("immichbak_hostile_{}_ran", ::getpid());
  return p;
}

// A small but complete database: tables with rows in several data frames, an index, a
// foreign key, a trigger and its function, a sequence, a grant, and a comment whose text is a
// statement (COPY ... TO PROGRAM) one damaged quote away from running: in the backup it
// reads IS 'x''; COPY ... TO PROGRAM $$touch ...$$; --', and with the first quote of the
// doubled pair changed the literal ends there and the COPY is a statement of its own.
void make_source(const test::scratch_database& src) {
  src.psql(fmt::format(R"(
    CREATE TABLE public.album (id serial PRIMARY KEY, name text NOT NULL);
    CREATE TABLE public.asset (id integer PRIMARY KEY, album_id integer REFERENCES public.album(id),
                               path text, taken timestamptz);
    CREATE INDEX asset_path_idx ON public.asset (path);
    CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
    CREATE TRIGGER asset_touch BEFORE UPDATE ON public.asset FOR EACH ROW EXECUTE FUNCTION public.touch();
    GRANT SELECT ON public.album TO PUBLIC;
    COMMENT ON TABLE public.asset IS 'x''; COPY public.album TO PROGRAM $$touch {}$$; --';
    INSERT INTO public.album (name) SELECT 'album ' || g FROM generate_series(1, 40) g;
    INSERT INTO public.asset SELECT g, 1 + g % 40, '/upload/' || md5(g::text) || '.jpg',
      timestamptz '2024-01-01' + g * interval '1 hour' FROM generate_series(1, 400) g;
  )",
                       marker_path().string()));
}

struct backup_file {
  fs::path file;
  std::string bytes;
  manifest m;
  std::uint64_t frames_end = 0;
  compression comp = compression::none;
};

// "cut.sql.zst", "cut.sql.gz" or "cut.sql" for stem "cut".
std::string file_name(const std::string& stem, compression c) {
  return stem + (c == compression::zstd ? ".sql.zst" : c == compression::gzip ? ".sql.gz" : ".sql");
}

backup_file make_backup(const test::scratch_database& src, const fs::path& dir, compression c) {
  auto o = test::basic_options(src.dsn(), dir);
  o.compress = c;
  o.chunk_bytes = 4096;  // several data frames per table
  backup_result r = backup(o);
  backup_file b;
  b.file = r.file;
  b.bytes = slurp(r.file);
  format::backup_reader reader(r.file);
  b.m = reader.get_manifest();
  b.frames_end = reader.frames_end();
  b.comp = c;
  return b;
}

// The frames' plain bytes, in file order.
std::vector<std::string> plain_frames(const backup_file& b) {
  format::backup_reader reader(b.file);
  std::vector<std::string> out;
  for (const auto& f : b.m.frames) {
    std::string p;
    reader.read_frame(f, [&](std::string_view piece) { p.append(piece); });
    out.push_back(std::move(p));
  }
  return out;
}

// Writes `plain` (one entry per frame of `b`, same kinds) as a new, fully sealed backup
// with the real writer: every hash, the manifest, the footer and the sidecar recomputed.
void reseal(const backup_file& b, const std::vector<std::string>& plain, const fs::path& out,
            const std::vector<std::pair<std::size_t, manifest_frame>>& extra_after = {}) {
  std::error_code ec;
  fs::remove(out, ec);
  fs::remove(format::sidecar_path(out), ec);
  format::backup_writer w(out, b.comp, b.comp == compression::gzip ? default_gzip_level : 3);
  for (std::size_t i = 0; i < b.m.frames.size(); ++i) {
    const auto& f = b.m.frames[i];
    w.write_frame({f.kind, f.phase, f.schema, f.table, f.label, f.rows}, plain[i]);
    for (const auto& [after, extra] : extra_after)
      if (after == i) w.write_frame({extra.kind, extra.phase, extra.schema, extra.table, extra.label, 0}, extra.label);
  }
  w.commit(b.m);
}

// Writes the stored frame bytes of `b` with the manifest `m` (edited by the caller) and a
// recomputed footer: a file whose every hash matches but whose manifest says what it likes.
void reseal_manifest(const backup_file& b, manifest m, const fs::path& out) {
  std::string bytes = b.bytes.substr(0, b.frames_end);
  std::string json = format::manifest_to_json(m, false);
  format::footer ft;
  ft.manifest_length = json.size();
  ft.manifest_sha256 = format::sha256::of(json);
  ft.minor = static_cast<std::uint16_t>(m.format_minor);
  if (b.comp == compression::gzip) {
    const std::string member = format::gzip_member(std::string(format::manifest_line_prefix) + json + "\n", 2);
    ft.manifest_offset = bytes.size();
    ft.manifest_length = member.size();
    bytes += member;
    bytes += format::encode_gzip_footer(ft);
  } else if (b.comp == compression::zstd) {
    ft.manifest_offset = bytes.size() + format::skippable_header_size;
    format::put_le32(bytes, format::manifest_skippable_magic);
    format::put_le32(bytes, static_cast<std::uint32_t>(json.size()));
    bytes += json;
    bytes += format::encode_binary_footer(ft);
  } else {
    ft.manifest_offset = bytes.size() + format::manifest_line_prefix.size();
    bytes += format::manifest_line_prefix;
    bytes += json;
    bytes += '\n';
    bytes += format::encode_text_footer(ft);
  }
  spill(out, bytes);
  std::error_code ec;
  fs::remove(format::sidecar_path(out), ec);
  format::write_sidecar(out, format::file_sha256(out));
}

// A target with something precious in it, and the expectation that it stays that way.
struct guarded_target {
  test::scratch_database db{"hostile_target"};
  std::string oid;
  // A session on another database (one on the target would make every restore stop at
  // "target in use"): a restore that replaced the target leaves another database under
  // its name, or one named after it (scratch, "before restore").
  pg::connection watch{test::dsn("postgres")};
  guarded_target() {
    db.psql("CREATE TABLE precious (v text); INSERT INTO precious VALUES ('keep me')");
    oid = same_database();
  }
  std::string same_database() {
    auto r = watch.exec("SELECT (SELECT oid::text FROM pg_catalog.pg_database WHERE datname = $1) || ' ' || "
                        "(SELECT count(*) FROM pg_catalog.pg_database WHERE datname LIKE $2)",
                        {db.name(), db.name() + "\\_%"});
    return r.str(0, 0);
  }
  /// Cheap: the target is still the same database and nothing was made in its name.
  bool untouched() { return same_database() == oid; }
  /// Thorough: its contents too.
  bool unchanged() const {
    return test::query_one(db.name(), "SELECT string_agg(v, ',') FROM precious") == "keep me" &&
           test::query_one(db.name(), "SELECT count(*) FROM pg_class WHERE relname IN ('album', 'asset')") == "0";
  }
  void require_unchanged() const {
    CHECK(unchanged());
    CHECK(test::databases_like(db.name() + "_before_restore_").empty());
    CHECK(test::databases_like(db.name() + "__immichbak_").empty());
    CHECK_FALSE(fs::exists(marker_path()));
  }
  restore_options options(const fs::path& file, std::vector<std::string>* log = nullptr) const {
    restore_options o;
    o.file = file;
    o.dsn = db.dsn();
    o.jobs = 2;
    o.mode = restore_mode::replace;  // the good database would be moved aside: it must not be
    if (log) o.events.log = [log](log_level, const std::string& m) { log->push_back(m); };
    return o;
  }
};

struct attempt {
  bool restored = false;
  errc code = errc::internal;
  std::string what;
  std::vector<std::string> log;
};

attempt try_restore(guarded_target& t, const fs::path& file) {
  attempt a;
  try {
    restore(t.options(file, &a.log));
    a.restored = true;
  } catch (const error& e) {
    a.code = e.code();
    a.what = e.what();
  }
  return a;
}

struct verdict {
  bool threw = false;
  errc code = errc::internal;
  std::string what;
  verify_report report;
  bool has_fail(const std::string& check) const {
    for (const auto& c : report.checks)
      if (c.status == check_status::fail && c.name == check) return true;
    return false;
  }
};

verdict try_verify(const fs::path& file) {
  verdict v;
  try {
    verify_options o;
    o.file = file;
    v.report = verify(o);
  } catch (const error& e) {
    v.threw = true;
    v.code = e.code();
    v.what = e.what();
  }
  return v;
}

std::string describe(const verdict& v) {
  return v.threw ? std::string("threw ") + code_name(v.code) + ": " + v.what : to_text(v.report);
}

bool logged_plain_restore(const attempt& a) {
  for (const auto& l : a.log)
    if (l.find("plain SQL") != std::string::npos) return true;
  return false;
}

// Offsets right after every ";\n" of the uncompressed file's frames.
std::vector<std::size_t> statement_ends(const backup_file& b) {
  std::vector<std::size_t> out;
  for (std::size_t p = b.bytes.find(";\n"); p != std::string::npos && p < b.frames_end; p = b.bytes.find(";\n", p + 1))
    out.push_back(p + 2);
  return out;
}

#ifdef IMMICHBAK_CLI_PATH
int run_cli(const std::string& args, std::string* out = nullptr) {
  test::temp_dir scratch("hostile_cli");
  auto o = test::run_cli(args, scratch.path());
  if (out) *out = o.all();
  return o.rc;
}
#endif

}  // namespace

TEST_CASE("a truncated backup is refused as damaged, never restored as a plain SQL dump",
          "[restore][hostile][matrix]") {
  test::scratch_database src("trunc_src");
  make_source(src);
  test::temp_dir dir("trunc");
  guarded_target target;
  for (auto c : {compression::zstd, compression::gzip, compression::none}) {
    backup_file b = make_backup(src, dir.path(), c);
    const std::string good_sidecar = slurp(format::sidecar_path(b.file));
    // Where the adversarial run cut: after the header, after a data frame (rows lost),
    // after the last data frame, in the middle of post-data, at the manifest, in the footer.
    std::vector<std::size_t> cuts;
    const manifest_frame* last_data = nullptr;
    const manifest_frame* first_data = nullptr;
    for (const auto& f : b.m.frames) {
      if (f.kind == frame_kind::data) {
        if (!first_data) first_data = &f;
        last_data = &f;
      }
    }
    REQUIRE(first_data);
    cuts.push_back(b.m.frames[0].offset + b.m.frames[0].stored_size);
    cuts.push_back(first_data->offset + first_data->stored_size);
    cuts.push_back(last_data->offset + last_data->stored_size);
    cuts.push_back((last_data->offset + last_data->stored_size + b.frames_end) / 2);
    cuts.push_back(b.frames_end);
    cuts.push_back(b.bytes.size() - 1);
    if (c == compression::none)  // after every statement of the uncompressed script
      for (std::size_t e : statement_ends(b)) cuts.push_back(e);
    const fs::path cut = dir.path() / file_name("cut", c);
    std::size_t refused = 0;
    for (std::size_t len : cuts) {
      INFO("compression " << int(c) << ", cut at " << len << " of " << b.bytes.size());
      spill(cut, b.bytes.substr(0, len));
      // Once without a sidecar, once with the original's (which no longer matches).
      for (bool sidecar : {false, true}) {
        std::error_code ec;
        fs::remove(format::sidecar_path(cut), ec);
        if (sidecar) spill(format::sidecar_path(cut), good_sidecar.substr(0, 66) + cut.filename().string() + "\n");
        attempt a = try_restore(target, cut);
        INFO("sidecar " << sidecar << ": " << a.what);
        REQUIRE_FALSE(a.restored);
        CHECK(a.code == errc::corrupt_backup);
        CHECK_THAT(a.what, Catch::Contains(cut.string()));
        CHECK_FALSE(logged_plain_restore(a));
        if (len < b.frames_end) {
          CHECK_THAT(a.what, Catch::Contains("truncated or damaged"));
          CHECK_THAT(a.what, Catch::Contains("older backup"));
        }
        REQUIRE(target.untouched());
        verdict v = try_verify(cut);
        INFO(describe(v));
        REQUIRE_FALSE(v.threw);  // damage to a file of ours is a finding
        CHECK_FALSE(v.report.ok());
        CHECK(v.has_fail("manifest"));
        ++refused;
      }
    }
    target.require_unchanged();
    test::report(fmt::format("truncated {} backups: {} cuts, {} restores refused, {} verify findings",
                             file_name("", c), cuts.size(), refused, refused));
  }
}

#ifdef IMMICHBAK_CLI_PATH
TEST_CASE("cli: a truncated backup makes restore exit 1 and verify exit 3, a file that is not one verify exit 1",
          "[cli][hostile][matrix]") {
  test::scratch_database src("trunc_cli_src");
  make_source(src);
  test::temp_dir dir("trunc_cli");
  backup_file b = make_backup(src, dir.path(), compression::zstd);
  guarded_target target;
  const fs::path cut = dir.path() / "cut.sql.zst";
  spill(cut, b.bytes.substr(0, b.frames_end - 1));
  std::string out;
  CHECK(run_cli(fmt::format("restore {} --dbname {} --replace", test::shell_quote(cut.string()),
                            test::shell_quote(target.db.dsn())),
                &out) == 1);
  CHECK_THAT(out, Catch::Contains("truncated or damaged") && Catch::Contains("cut.sql.zst"));
  CHECK(out.find("plain SQL") == std::string::npos);
  target.require_unchanged();
  CHECK(run_cli(fmt::format("verify {}", test::shell_quote(cut.string())), &out) == 3);
  CHECK_THAT(out, Catch::Contains("truncated or damaged"));

  const fs::path other = dir.path() / "holiday.jpg";
  spill(other, std::string("\xff\xd8\xff\xe0\x00\x10JFIF\x00", 11) + std::string(500, 'x'));
  CHECK(run_cli(fmt::format("verify {}", test::shell_quote(other.string())), &out) == 1);
  CHECK_THAT(out, Catch::Contains("not an immichbak backup"));
}
#endif

TEST_CASE("a sidecar that disagrees stops the restore of a plain SQL dump too", "[restore][hostile][matrix]") {
  test::temp_dir dir("plain_side");
  guarded_target target;
  const fs::path dump = dir.path() / "dump.sql";
  spill(dump, "CREATE TABLE public.album (id integer);\nINSERT INTO public.album VALUES (1);\n");
  format::write_sidecar(dump, std::string(64, 'a'));
  attempt a = try_restore(target, dump);
  INFO(a.what);
  REQUIRE_FALSE(a.restored);
  CHECK(a.code == errc::corrupt_backup);
  CHECK_THAT(a.what, Catch::Contains("dump.sql.sha256"));
  target.require_unchanged();
  // With a matching sidecar (upper-case hex, as some tools write it) it restores.
  fs::remove(format::sidecar_path(dump));
  std::string sha = format::file_sha256(dump);
  for (char& ch : sha) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  spill(format::sidecar_path(dump), sha + "  dump.sql\n");
  restore_options o = target.options(dump);
  o.mode = restore_mode::replace_drop_old;
  restore_result r = restore(o);
  CHECK(r.plain_sql);
  CHECK(test::query_one(target.db.name(), "SELECT count(*) FROM public.album") == "1");
}

TEST_CASE("a manifest verify rejects is rejected by restore, before anything changes", "[restore][hostile][matrix]") {
  test::scratch_database src("man_src");
  make_source(src);
  test::temp_dir dir("man");
  guarded_target target;
  for (auto c : {compression::zstd, compression::gzip, compression::none}) {
    backup_file b = make_backup(src, dir.path(), c);
    std::size_t first_data = 0, first_post = 0;
    for (std::size_t i = 0; i < b.m.frames.size(); ++i) {
      if (b.m.frames[i].kind == frame_kind::data && !first_data) first_data = i;
      if (b.m.frames[i].kind == frame_kind::post_data && !first_post) first_post = i;
    }
    REQUIRE(first_data > 0);
    REQUIRE(first_post > first_data + 1);
    struct edit {
      const char* what;
      const char* check;  // the verify finding expected
      std::function<void(manifest&)> apply;
    };
    const std::vector<edit> edits = {
        {"a table listed twice", "tables", [](manifest& m) { m.tables.push_back(m.tables.front()); }},
        {"frames listed out of file order", "layout",
         [&](manifest& m) { std::swap(m.frames[first_data], m.frames[first_data + 1]); }},
        {"a post-data frame listed before the data", "layout",
         [&](manifest& m) {
           // Entries in file order, but kinds out of order: move the first post-data
           // frame's entry (and its bytes' place) in front of the data frames.
           auto f = m.frames[first_post];
           m.frames.erase(m.frames.begin() + static_cast<std::ptrdiff_t>(first_post));
           m.frames.insert(m.frames.begin() + static_cast<std::ptrdiff_t>(first_data), f);
         }},
        {"a frame left out (a gap)", "layout",
         [&](manifest& m) { m.frames.erase(m.frames.begin() + static_cast<std::ptrdiff_t>(first_post)); }},
        // Overlaps the reader refuses as it opens the file: a `manifest` finding.
        {"a data frame counted twice (overlapping frames)", "manifest",
         [&](manifest& m) {
           m.frames.insert(m.frames.begin() + static_cast<std::ptrdiff_t>(first_data + 1), m.frames[first_data]);
         }},
        {"rows that do not add up", "rows", [](manifest& m) { m.tables.front().rows += 1; }},
        {"a data frame of a table not listed", "tables",
         [&](manifest& m) { m.frames[first_data].table = "not_listed"; }},
        {"the data of an excluded table", "tables",
         [&](manifest& m) {
           for (auto& t : m.tables)
             if (t.schema == m.frames[first_data].schema && t.name == m.frames[first_data].table) {
               t.data_excluded = true;
               t.content_hash.clear();
             }
         }},
        {"two header frames (one overlapping the other)", "manifest",
         [](manifest& m) {
           m.frames.insert(m.frames.begin() + 1, m.frames.front());
         }},
    };
    for (const auto& e : edits) {
      INFO("compression " << int(c) << ": " << e.what);
      manifest m = b.m;
      e.apply(m);
      const fs::path file = dir.path() / file_name("edited", c);
      reseal_manifest(b, m, file);
      verdict v = try_verify(file);
      INFO(describe(v));
      bool rejected = v.threw ? v.code == errc::corrupt_backup : !v.report.ok();
      CHECK(rejected);
      if (!v.threw) CHECK(v.has_fail(e.check));
      attempt a = try_restore(target, file);
      INFO(a.what);
      REQUIRE_FALSE(a.restored);
      CHECK(a.code == errc::corrupt_backup);
      CHECK(target.untouched());
    }
  }
  target.require_unchanged();
}

TEST_CASE("a re-sealed backup holding what immichbak never writes: a verify finding, a restore refusal",
          "[restore][hostile][matrix]") {
  test::scratch_database src("seal_src");
  make_source(src);
  test::scratch_database victim("victim");
  test::temp_dir dir("seal");
  guarded_target target;
  {
    // The role the test runs as may be a superuser: make sure no earlier run left a trace.
    pg::connection c(test::dsn("postgres"));
    c.exec("ALTER SYSTEM RESET log_min_duration_statement");
    c.exec("SELECT pg_catalog.pg_reload_conf()");
  }
  for (auto c : {compression::zstd, compression::gzip, compression::none}) {
    backup_file b = make_backup(src, dir.path(), c);
    const std::vector<std::string> plain = plain_frames(b);
    auto index_of = [&](frame_kind k, post_phase p = post_phase::none) {
      for (std::size_t i = 0; i < b.m.frames.size(); ++i)
        if (b.m.frames[i].kind == k && (p == post_phase::none || b.m.frames[i].phase == p)) return i;
      FAIL("no such frame");
      return std::size_t{0};
    };
    struct payload {
      const char* what;
      std::size_t frame;
      std::string text;   // appended to that frame's statements (or replacing its COPY line)
      bool replace_copy_line = false;
      bool own_frame = false;  // the text is a frame of its own after `frame`
      const char* finding = "statements";
    };
    const std::string touch = fmt::format("touch {}", marker_path().string());
    const std::vector<payload> payloads = {
        {"DROP DATABASE (a frame of its own: no transaction block around it)", index_of(frame_kind::pre_data),
         fmt::format("DROP DATABASE {};\n", util::sql::ident(victim.name())), false, true},
        {"COPY ... TO PROGRAM", index_of(frame_kind::post_data, post_phase::final),
         fmt::format("COPY \"public\".\"album\" TO PROGRAM '{}';\n", touch)},
        {"ALTER SYSTEM (a frame of its own)", index_of(frame_kind::post_data, post_phase::final),
         "ALTER SYSTEM SET log_min_duration_statement = 123456;\n", false, true},
        {"a psql shell escape in the header", index_of(frame_kind::header), fmt::format("\\! {}\n", touch)},
        {"COPY ... TO PROGRAM as a data frame's COPY line", index_of(frame_kind::data),
         fmt::format("COPY \"public\".\"album\" (\"id\", \"name\") TO PROGRAM '{}';", touch), true, false, "copy"},
        {"a grant of pg_execute_server_program", index_of(frame_kind::privileges),
         "GRANT \"pg_execute_server_program\" TO PUBLIC;\n"},
        {"a function in an untrusted language", index_of(frame_kind::pre_data),
         fmt::format("CREATE OR REPLACE FUNCTION public.f() RETURNS void LANGUAGE plpgsql AS $$BEGIN EXECUTE "
                     "'COPY public.album TO PROGRAM ''{}'''; END$$;\n",
                     touch)},
    };
    for (const auto& p : payloads) {
      INFO("compression " << int(c) << ": " << p.what);
      std::vector<std::string> tampered = plain;
      std::vector<std::pair<std::size_t, manifest_frame>> extra;
      if (p.own_frame) {
        manifest_frame f = b.m.frames[p.frame];
        f.label = p.text;  // reseal() writes the label as the frame's text
        extra.emplace_back(p.frame, f);
      } else if (p.replace_copy_line) {
        std::string& d = tampered[p.frame];
        d = p.text + d.substr(d.find('\n'));
      } else {
        tampered[p.frame] += p.text;
      }
      const fs::path file = dir.path() / file_name("sealed", c);
      reseal(b, tampered, file, extra);
      REQUIRE(format::check_sidecar(file).status == format::sidecar_status::match);

      verdict v = try_verify(file);
      INFO(describe(v));
      REQUIRE_FALSE(v.threw);
      CHECK_FALSE(v.report.ok());
      CHECK(v.has_fail(p.finding));

      attempt a = try_restore(target, file);
      INFO(a.what);
      REQUIRE_FALSE(a.restored);
      CHECK(a.code == errc::corrupt_backup);
      CHECK(target.untouched());
      CHECK(test::database_exists(victim.name()));
      CHECK_FALSE(fs::exists(marker_path()));
      CHECK(test::query_one("postgres", "SELECT count(*) FROM pg_catalog.pg_file_settings WHERE name = "
                                        "'log_min_duration_statement' AND setting = '123456'") == "0");
    }
  }
  target.require_unchanged();
}

// Not in the version matrix: what it exercises is the file checks, which do not depend on
// the server; run against every major it would take minutes. The tests above, which are,
// cover the server side on each version.
TEST_CASE("hundreds of mutated backups: verify never crashes, restore never restores, the target never changes",
          "[restore][hostile]") {
  const auto t0 = std::chrono::steady_clock::now();
  test::scratch_database src("mut_src");
  make_source(src);
  test::temp_dir dir("mut");
  guarded_target target;
  std::mt19937 rng(20250131);
  std::size_t total = 0, verify_findings = 0, verify_not_backup = 0, restores = 0, restore_refused = 0,
              restores_no_sidecar = 0, resealed = 0, resealed_refused = 0;
  std::map<std::string, std::size_t> codes;

  for (auto c : {compression::zstd, compression::gzip, compression::none}) {
    backup_file b = make_backup(src, dir.path(), c);
    const std::string good_sidecar = slurp(format::sidecar_path(b.file));
    const fs::path victim = dir.path() / file_name("mutant", c);
    std::vector<std::pair<std::string, std::string>> mutants;  // (what, bytes)
    const std::string& g = b.bytes;

    // Truncations: at and around every frame boundary, evenly spread, and (uncompressed)
    // after every statement.
    std::set<std::size_t> cuts;
    for (const auto& f : b.m.frames) {
      cuts.insert(f.offset);
      cuts.insert(f.offset + f.stored_size);
      cuts.insert(f.offset + f.stored_size / 2);
    }
    for (std::size_t k = 0; k < 40; ++k) cuts.insert(g.size() * k / 40);
    for (std::size_t e = 1; e <= 8; ++e) cuts.insert(g.size() - e);
    if (c == compression::none)
      for (std::size_t e : statement_ends(b)) cuts.insert(e);
    for (std::size_t len : cuts)
      if (len < g.size()) mutants.emplace_back(fmt::format("truncated at {}", len), g.substr(0, len));
    // Bit flips: the first and last byte of every frame, and spread over the file.
    std::set<std::size_t> flips;
    for (const auto& f : b.m.frames) {
      flips.insert(f.offset);
      flips.insert(f.offset + f.stored_size - 1);
    }
    for (std::size_t k = 0; k < 30; ++k) flips.insert(std::uniform_int_distribution<std::size_t>(0, g.size() - 1)(rng));
    for (std::size_t pos : flips) {
      std::string m = g;
      m[pos] = static_cast<char>(m[pos] ^ (1 << (pos % 8)));
      mutants.emplace_back(fmt::format("bit flip at {}", pos), std::move(m));
    }
    // Inserted bytes: SQL, NULs, a newline, at frame boundaries and inside frames.
    const std::vector<std::string> inserts = {";\nDROP DATABASE victim;\n", std::string(3, '\0'), "\n", "x"};
    for (std::size_t k = 0; k < b.m.frames.size(); k += 2) {
      const auto& f = b.m.frames[k];
      for (std::size_t pos : {f.offset, f.offset + f.stored_size / 2}) {
        std::string m = g;
        m.insert(pos, inserts[k / 2 % inserts.size()]);
        mutants.emplace_back(fmt::format("bytes inserted at {}", pos), std::move(m));
      }
    }
    // Adjacent frames swapped (bytes only: the manifest still names the old places).
    for (std::size_t k = 1; k + 1 < b.m.frames.size(); k += 2) {
      const auto& a = b.m.frames[k];
      const auto& z = b.m.frames[k + 1];
      std::string m = g.substr(0, a.offset) + g.substr(z.offset, z.stored_size) + g.substr(a.offset, a.stored_size) +
                      g.substr(z.offset + z.stored_size);
      mutants.emplace_back(fmt::format("frames {} and {} swapped", k, k + 1), std::move(m));
    }
    // Whole-file damage.
    mutants.emplace_back("empty file", "");
    std::string garbage(4096, '\0');
    for (char& ch : garbage) ch = static_cast<char>(rng());
    mutants.emplace_back("random bytes", garbage);
    mutants.emplace_back("garbage appended", g + "trailing garbage\n");
    mutants.emplace_back("the backup twice", g + g);
    mutants.emplace_back("the end of the backup only", g.substr(g.size() / 2));

    std::size_t n = 0;
    for (const auto& [what, bytes] : mutants) {
      INFO("compression " << int(c) << ": " << what);
      spill(victim, bytes);
      // Kept with its sidecar (as on disk), which no longer matches.
      spill(format::sidecar_path(victim), good_sidecar.substr(0, 66) + victim.filename().string() + "\n");
      ++total;
      verdict v = try_verify(victim);
      INFO(describe(v));
      if (v.threw) {
        // Only a file that is not recognisably ours may be "not a backup" (exit 1).
        CHECK(v.code == errc::not_a_backup);
        ++verify_not_backup;
      } else {
        CHECK_FALSE(v.report.ok());
        ++verify_findings;
      }
      // Restore: with the sidecar; and for every tenth truncated, flipped or extended
      // mutant without it too, so that the file's own checks and the load's must catch it.
      // (Damage the file's content does not see -- a zstd padding bit, two equal data frames
      // of one table swapped -- restores the right rows; verify without the sidecar passes
      // such files, and they are left out here.)
      for (bool sidecar : {true, false}) {
        if (!sidecar) {
          if (n % 10 != 0 || what.find("swapped") != std::string::npos) continue;
          fs::remove(format::sidecar_path(victim));
          verdict plain_verdict = try_verify(victim);
          if (!plain_verdict.threw && plain_verdict.report.ok()) continue;
          ++restores_no_sidecar;
        }
        attempt a = try_restore(target, victim);
        INFO("sidecar " << sidecar << ": " << a.what);
        ++restores;
        REQUIRE_FALSE(a.restored);
        CHECK(a.code != errc::internal);
        ++codes[code_name(a.code)];
        ++restore_refused;
        REQUIRE(target.untouched());
      }
      if (n % 50 == 0) REQUIRE(target.unchanged());
      ++n;
    }

    // Re-sealed damage: a damaged quote or letter in the frame holding the trap comment,
    // hashes recomputed. If verify rejects it, restore must reject it; whatever it became,
    // the COPY ... TO PROGRAM in the comment must never run.
    const std::vector<std::string> plain = plain_frames(b);
    std::size_t trap = plain.size();
    for (std::size_t i = 0; i < plain.size(); ++i)
      if (plain[i].find("TO PROGRAM") != std::string::npos && b.m.frames[i].kind != frame_kind::data) trap = i;
    REQUIRE(trap < plain.size());
    std::vector<std::size_t> spots;
    for (std::size_t p = plain[trap].find('\''); p != std::string::npos; p = plain[trap].find('\'', p + 1))
      spots.push_back(p);
    for (std::size_t p = plain[trap].find(';'); p != std::string::npos; p = plain[trap].find(';', p + 1))
      spots.push_back(p);
    for (std::size_t p : spots) {
      for (char to : {'&', '"', ' '}) {
        std::vector<std::string> tampered = plain;
        tampered[trap][p] = to;
        const fs::path sealed = dir.path() / file_name("resealed", c);
        reseal(b, tampered, sealed);
        ++resealed;
        ++total;
        verdict v = try_verify(sealed);
        INFO("re-sealed, byte " << p << " of the trap frame set to '" << to << "':\n" << tampered[trap] << "\n"
                                << describe(v));
        REQUIRE_FALSE(v.threw);
        if (v.report.ok()) continue;  // still a valid backup (e.g. the comment's text changed)
        ++verify_findings;
        attempt a = try_restore(target, sealed);
        INFO(a.what);
        ++restores;
        REQUIRE_FALSE(a.restored);
        ++resealed_refused;
        ++restore_refused;
        ++codes[code_name(a.code)];
        REQUIRE(target.untouched());
        REQUIRE_FALSE(fs::exists(marker_path()));
      }
    }
  }
  target.require_unchanged();
  CHECK(total >= 300);
  std::string by_code;
  for (const auto& [code, count] : codes) by_code += fmt::format(" {}={}", code, count);
  test::report(fmt::format(
                   "mutated backups: {} ({} re-sealed); verify: {} with findings, {} not a backup, 0 crashes; "
                   "restore: {} attempts ({} without the sidecar), {} refused, 0 restored, target unchanged, no "
                   "shell command ran; refusals by code:{}; {:.1f} s",
                   total, resealed, verify_findings, verify_not_backup, restores, restores_no_sidecar,
                   restore_refused, by_code,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()));
}
