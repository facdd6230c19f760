// Binary COPY in the restore (load/binary_copy.hpp, binary_types.hpp): frames of tables
// whose columns are all uuid / real[] load as binary, every other frame as text, and the
// restored rows are exactly the source's (compared as COPY text, and read back by the
// restore's own --check-readback).
#include "test_backup_support.hpp"
#include "test_restore_support.hpp"

#include <immichbak/backup.hpp>
#include <immichbak/restore.hpp>

#include <mutex>
#include <regex>

using namespace immichbak;

namespace {

// Floats over 60 orders of magnitude, the edges of float4, NULLs, empty arrays; and in
// `odd` values the encoder declines after ~1.6 MB of rows it took and already sent, so
// that COPY is aborted (inside a transaction: rolled back to a savepoint) and the frame
// loads again as text.
void make_source(const test::scratch_database& src) {
  src.psql(R"(
    CREATE TABLE public.emb (id uuid PRIMARY KEY, embedding real[] NOT NULL);
    INSERT INTO public.emb SELECT gen_random_uuid(),
      ARRAY(SELECT ((random() - 0.5) * power(10, floor(random() * 60) - 30))::real FROM generate_series(1, 64))
      FROM generate_series(1, 3000);
    INSERT INTO public.emb VALUES
      (gen_random_uuid(), '{-0,0,3.4028235e+38,-3.4028235e+38,1.1754944e-38,1e-05,0.1,123456790,1.5e-30,-2.5}'),
      (gen_random_uuid(), '{}');
    CREATE TABLE public.loose (u uuid, e real[]);
    INSERT INTO public.loose VALUES (NULL, NULL), (gen_random_uuid(), NULL), (NULL, '{1,2}');
    CREATE TABLE public.odd (u uuid, e real[]);
    INSERT INTO public.odd SELECT gen_random_uuid(), ARRAY(SELECT (g * k)::real / 7 FROM generate_series(1, 64) k)
      FROM generate_series(1, 3000) g;
    INSERT INTO public.odd VALUES (gen_random_uuid(), '{NaN,Infinity,-Infinity}'), (gen_random_uuid(), '{1,NULL}'),
      (gen_random_uuid(), '{{1,2},{3,4}}'), (gen_random_uuid(), '[0:1]={5,6}'), (gen_random_uuid(), '{1e-45}');
    CREATE TABLE public.other (id integer, e real[]);
    INSERT INTO public.other SELECT g, ARRAY[g::real] FROM generate_series(1, 100) g;
  )");
}

struct binary_count {
  int binary = -1, frames = -1;
};

restore_options options(const std::filesystem::path& file, const std::string& db, std::mutex& mu,
                        binary_count& count) {
  restore_options o;
  o.file = file;
  o.dsn = test::dsn(db);
  o.check_readback = true;
  o.events.log = [&mu, &count](log_level, const std::string& m) {
    std::smatch sm;
    static const std::regex re(R"((\d+) of (\d+) data frames sent as binary COPY)");
    std::lock_guard lock(mu);
    if (std::regex_search(m, sm, re)) count = {std::stoi(sm[1]), std::stoi(sm[2])};
  };
  return o;
}

}  // namespace

TEST_CASE("restore sends uuid and real[] frames as binary COPY and the rows come back identical",
          "[restore][binary][matrix]") {
  test::scratch_database src("bin_src");
  make_source(src);
  test::temp_dir dir("bin");
  auto file = backup(test::basic_options(src.dsn(), dir.path())).file;

  std::mutex mu;
  binary_count count;
  // emb and loose go binary; odd (declined values at its end) and other (an integer
  // column) load as text.
  auto check_restored = [&](const std::string& target) {
    CHECK(count.binary == 2);
    CHECK(count.frames == 4);
    CHECK(test::data_dump(target) == test::data_dump(src.name()));
  };

  SECTION("scratch database, two jobs") {
    std::string target = test::unique_db("bin");
    test::drop_databases cleanup{{target}};
    auto o = options(file, target, mu, count);
    o.jobs = 2;
    restore(o);
    check_restored(target);
  }
  SECTION("one transaction (--in-place): the type probes run under a savepoint") {
    test::scratch_database target("bin_ip");
    auto o = options(file, target.name(), mu, count);
    o.mode = restore_mode::in_place;
    restore(o);
    check_restored(target.name());
  }
}

TEST_CASE("restore keeps the text path for a type whose send function the encoder does not reproduce",
          "[restore][binary][matrix]") {
  // A base type named "vector" with a receive function named vector_recv, as pgvector's,
  // but text underneath whose receive function takes any bytes: "[1,2]" is valid input
  // for both, their binary forms differ, and the server would store binary rows without a
  // word. Only the probe tells them apart. A backup never creates such a type (C-level
  // functions are refused by the statement check, sqlscript/statement_check.hpp), so the
  // type is in the target already and the table is restored into it with --table.
  const std::string type_sql =
      "CREATE TYPE public.vector;\n"
      "CREATE FUNCTION public.vector_in(cstring) RETURNS public.vector LANGUAGE internal IMMUTABLE STRICT AS "
      "'textin';\n"
      "CREATE FUNCTION public.vector_out(public.vector) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS "
      "'textout';\n"
      "CREATE FUNCTION public.vector_recv(internal) RETURNS public.vector LANGUAGE internal IMMUTABLE STRICT AS "
      "'bytearecv';\n"
      "CREATE FUNCTION public.vector_send(public.vector) RETURNS bytea LANGUAGE internal IMMUTABLE STRICT AS "
      "'byteasend';\n"
      "CREATE TYPE public.vector (INPUT = public.vector_in, OUTPUT = public.vector_out, RECEIVE = "
      "public.vector_recv, SEND = public.vector_send, LIKE = text);\n";
  const std::string table_sql =
      "CREATE TABLE \"public\".\"emb\" (\"id\" uuid, \"embedding\" \"public\".\"vector\");\n";
  test::scratch_database src("binp_src");
  src.psql(type_sql + table_sql +
           "INSERT INTO public.emb SELECT gen_random_uuid(), ('[' || g || ',0.5,-2.5e-07]')::public.vector "
           "FROM generate_series(1, 2000) g;");
  test::handmade_backup spec;
  spec.source_db = src.name();
  spec.units = {{frame_kind::pre_data, post_phase::none, "TABLE public.emb", "public", "emb", table_sql}};
  spec.tables = {{"public", "emb"}};
  test::temp_dir dir("binp");
  auto file = test::write_handmade(dir.path(), "b.sql.zst", spec);

  test::scratch_database target("binp_target");
  target.psql(type_sql);
  std::mutex mu;
  binary_count count;
  auto o = options(file, target.name(), mu, count);
  o.tables = {"public.emb"};
  restore(o);
  CHECK(count.binary == 0);
  CHECK(count.frames == 2);
  CHECK(test::data_dump(target.name()) == test::data_dump(src.name()));
}
