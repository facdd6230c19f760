// Fault injection, backup side ([faults]): the `immichbak backup` process killed at random
// points, two backups into one directory at once, and a backup taken while a writer keeps
// changing tables linked by foreign keys.

#include "integration/test_faults_support.hpp"

#include <immichbak/backup.hpp>
#include <immichbak/error.hpp>
#include <immichbak/restore.hpp>

#include <atomic>

#ifdef IMMICHBAK_CLI_PATH

using namespace immichbak;
using namespace immichbak::faults;

TEST_CASE("faults: immichbak backup killed (SIGKILL) at 24 random points leaves no unfinished file named like a "
          "backup, and the next backup works",
          "[faults][backup]") {
  test::scratch_database src("fk_backup");
  load_source(src, 3000, "src");
  test::temp_dir tmp("fk_backup");
  fs::path dest = tmp.path() / "dest";
  fs::create_directories(dest);
  const std::vector<std::string> args{"backup", "--dbname", src.dsn(), "--dest", dest.string(), "--jobs", "2", "-q"};
  const std::string mine = "datname = " + util::sql::literal(src.name());

  // A complete run first: it has to work, and its duration spreads the kill points.
  auto base = run_cli(args, tmp.path(), "baseline");
  INFO(base.err);
  REQUIRE(base.rc == 0);
  for (const auto& n : backup_like_in(dest)) {
    if (finished_backup_name(n)) CHECK(verify_problems(dest / n).empty());
    fs::remove(dest / n);
  }
  const double run_seconds = base.seconds;

  const std::uint32_t seed = fault_seed();
  test::report(fmt::format("backup kill points: seed {} (IMMICHBAK_FAULT_SEED replays another), a full backup takes "
                           "{:.2f} s",
                           seed, run_seconds));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> delay(0.0, run_seconds * 1.15);

  const int kills = 24;
  int before_file = 0, while_partial = 0, after_commit = 0, finished_first = 0;
  std::set<std::string> verified;
  for (int i = 0; i < kills; ++i) {
    // The backends of the previous, killed client hold the backup's advisory lock until
    // they notice it is gone (at once: their next read or write fails).
    REQUIRE(wait_for_no_immichbak_sessions(15, mine));
    double d = delay(rng);
    auto before = names_in(dest);
    cli_process p(args, tmp.path(), fmt::format("kill{}", i));
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long>(d * 1e6)));
    p.kill_now();
    INFO("kill " << i << " after " << d << " s: " << p.describe() << "; stderr: " << p.err());
    const bool was_running = p.killed_by(SIGKILL);
    if (!was_running) {
      // It finished before the kill: then it must have succeeded.
      CHECK(p.exit_code() == 0);
      ++finished_first;
    }
    std::vector<std::string> fresh;
    auto now = names_in(dest);
    std::set_difference(now.begin(), now.end(), before.begin(), before.end(), std::back_inserter(fresh));
    bool fresh_finished = false, fresh_partial = false;
    for (const auto& n : fresh) {
      if (finished_backup_name(n)) fresh_finished = true;
      if (ends_with(n, ".partial")) fresh_partial = true;
    }
    if (was_running) {
      if (fresh_finished) ++after_commit;
      else if (fresh_partial) ++while_partial;
      else ++before_file;
    }
    // The guarantee: every file named like a finished backup is complete, with its sidecar.
    for (const auto& n : now) {
      if (!finished_backup_name(n) || verified.count(n)) continue;
      INFO("file " << n << " (files now: " << fmt::format("{}", fmt::join(now, ", ")) << ")");
      CHECK(verify_problems(dest / n).empty());
      CHECK(fs::exists(dest / (n + ".sha256")));
      verified.insert(n);
    }
  }
  const auto now_names = names_in(dest);
  test::report(fmt::format("backup kills: {} ({} before any file, {} while the .partial was written, {} after the commit "
                   "rename, {} runs finished before their kill); {} finished file(s), all complete and verified; "
                   "{} .partial file(s) left",
                   kills, before_file, while_partial, after_commit, finished_first, verified.size(),
                   std::count_if(now_names.begin(), now_names.end(), [](const std::string& n) {
                     return ends_with(n, ".partial");
                   })));
  // The spread has to reach into the run, or the test proves little.
  CHECK(while_partial >= 3);

  // The next backup works, next to whatever the killed ones left.
  REQUIRE(wait_for_no_immichbak_sessions(15, mine));
  auto before = names_in(dest);
  auto next = run_cli(args, tmp.path(), "next");
  INFO(next.err);
  REQUIRE(next.rc == 0);
  fs::path file = fs::path(next.out.substr(0, next.out.find('\n')));
  INFO("printed path: " << next.out);
  REQUIRE(fs::exists(file));
  CHECK(std::find(before.begin(), before.end(), file.filename().string()) == before.end());
  CHECK(verify_problems(file).empty());
}

TEST_CASE("faults: two backups into one directory at once: distinct complete files or a clear refusal, never a "
          "damaged file",
          "[faults][backup]") {
  test::scratch_database a("fk_two_a");
  load_source(a, 800, "a");
  test::scratch_database b("fk_two_b");
  load_source(b, 300, "b");
  test::temp_dir tmp("fk_two");
  fs::path dest = tmp.path() / "dest";
  fs::create_directories(dest);
  auto args = [&](const test::scratch_database& db) {
    // One prefix for both: two backups of the same second compete for one name.
    return std::vector<std::string>{"backup", "--dbname", db.dsn(), "--dest", dest.string(), "--prefix", "shared"};
  };

  int same_ok = 0, same_refused = 0, other_ok = 0, same_second = 0;
  std::set<std::string> files;
  const int rounds = 3;
  for (int round = 0; round < rounds; ++round) {
    REQUIRE(wait_for_no_immichbak_sessions(15, fmt::format("datname IN ({}, {})", util::sql::literal(a.name()),
                                                           util::sql::literal(b.name()))));
    // The same database twice: its advisory lock lets one run; the other is refused by
    // name, or runs after the first (if the first was done before it asked).
    {
      cli_process p1(args(a), tmp.path(), fmt::format("same{}a", round));
      cli_process p2(args(a), tmp.path(), fmt::format("same{}b", round));
      REQUIRE(p1.wait(120));
      REQUIRE(p2.wait(120));
      for (auto* p : {&p1, &p2}) {
        INFO("same database, round " << round << ": " << p->describe() << "; stderr: " << p->err());
        if (p->exit_code() == 0) {
          ++same_ok;
        } else {
          CHECK(p->exit_code() == 1);
          CHECK(p->err().find("another immichbak backup of database") != std::string::npos);
          ++same_refused;
        }
      }
      CHECK((p1.exit_code() == 0 || p2.exit_code() == 0));
    }
    // Two databases: both run, into distinct files.
    {
      cli_process p1(args(a), tmp.path(), fmt::format("other{}a", round));
      cli_process p2(args(b), tmp.path(), fmt::format("other{}b", round));
      REQUIRE(p1.wait(120));
      REQUIRE(p2.wait(120));
      std::vector<std::string> printed;
      for (auto* p : {&p1, &p2}) {
        INFO("two databases, round " << round << ": " << p->describe() << "; stderr: " << p->err());
        CHECK(p->exit_code() == 0);
        if (p->exit_code() == 0) {
          ++other_ok;
          printed.push_back(fs::path(p->out().substr(0, p->out().find('\n'))).filename().string());
        }
      }
      if (printed.size() == 2) {
        CHECK(printed[0] != printed[1]);
        // Same second: one of them carries the -1 suffix.
        if (printed[0].substr(0, 23) == printed[1].substr(0, 23)) ++same_second;
        CHECK(read_manifest(dest / printed[0]).database == a.name());
        CHECK(read_manifest(dest / printed[1]).database == b.name());
      }
    }
    // Every finished file is complete; nothing half-written is left.
    for (const auto& n : names_in(dest)) {
      INFO("file " << n);
      CHECK(!ends_with(n, ".partial"));
      if (finished_backup_name(n) && !files.count(n)) {
        CHECK(verify_problems(dest / n).empty());
        files.insert(n);
      }
    }
  }
  CHECK(static_cast<int>(files.size()) == same_ok + other_ok);
  test::report(fmt::format("concurrent backups: {} rounds; same database: {} succeeded, {} refused (already running); two "
                   "databases: {} succeeded ({} pairs in the same second); {} distinct files, all verified",
                   rounds, same_ok, same_refused, other_ok, same_second, files.size()));
}

namespace {

// One writer transaction of the consistency test, chosen by `op`: keeps the invariants
// (parent.n_children = its children, grandchild.parent_id = its child's parent, the stats
// row = the table sizes) in every committed state.
const char* const writer_setup_sql = R"SQL(
CREATE TABLE public.parent (id bigserial PRIMARY KEY, n_children int NOT NULL DEFAULT 0, payload text NOT NULL);
CREATE TABLE public.child (id bigserial PRIMARY KEY,
  parent_id bigint NOT NULL REFERENCES public.parent (id) ON DELETE CASCADE, payload text NOT NULL);
CREATE INDEX ON public.child (parent_id);
CREATE TABLE public.grandchild (id bigserial PRIMARY KEY,
  child_id bigint NOT NULL REFERENCES public.child (id) ON DELETE CASCADE,
  parent_id bigint NOT NULL REFERENCES public.parent (id) ON DELETE CASCADE, payload text NOT NULL);
CREATE INDEX ON public.grandchild (child_id);
CREATE INDEX ON public.grandchild (parent_id);
CREATE TABLE public.stats (k int PRIMARY KEY, parents bigint NOT NULL, children bigint NOT NULL,
  grandchildren bigint NOT NULL);
INSERT INTO public.parent (n_children, payload) SELECT 4, repeat(md5(g::text), 6) FROM generate_series(1, 30000) g;
INSERT INTO public.child (parent_id, payload) SELECT p.id, repeat(md5(p.id::text || c::text), 4)
  FROM public.parent p, generate_series(1, 4) c;
INSERT INTO public.grandchild (child_id, parent_id, payload) SELECT c.id, c.parent_id, md5(c.id::text) FROM public.child c;
INSERT INTO public.stats VALUES (1, (SELECT count(*) FROM public.parent), (SELECT count(*) FROM public.child),
  (SELECT count(*) FROM public.grandchild));
CREATE FUNCTION public.fault_write(op int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  p bigint; q bigint; c bigint; n int; g bigint;
BEGIN
  SELECT id INTO p FROM public.parent WHERE id >= (SELECT (random() * max(id))::bigint FROM public.parent)
    ORDER BY id LIMIT 1;
  IF op = 0 OR p IS NULL THEN  -- a new family
    INSERT INTO public.parent (n_children, payload) VALUES (3, repeat(md5(random()::text), 6)) RETURNING id INTO q;
    WITH ins AS (INSERT INTO public.child (parent_id, payload)
                 SELECT q, md5(random()::text) FROM generate_series(1, 3) RETURNING id)
    INSERT INTO public.grandchild (child_id, parent_id, payload) SELECT id, q, 'new' FROM ins;
    UPDATE public.stats SET parents = parents + 1, children = children + 3, grandchildren = grandchildren + 3;
  ELSIF op = 1 THEN  -- a family goes (cascade)
    SELECT count(*) INTO g FROM public.grandchild WHERE parent_id = p;
    SELECT n_children INTO n FROM public.parent WHERE id = p FOR UPDATE;
    DELETE FROM public.parent WHERE id = p;
    UPDATE public.stats SET parents = parents - 1, children = children - n, grandchildren = grandchildren - g;
  ELSIF op = 2 THEN  -- a child moves to another parent, with its grandchildren
    SELECT id, parent_id INTO c, q FROM public.child WHERE parent_id = p LIMIT 1;
    IF c IS NULL THEN RETURN; END IF;
    SELECT id INTO q FROM public.parent WHERE id > p ORDER BY id LIMIT 1;
    IF q IS NULL THEN RETURN; END IF;
    PERFORM 1 FROM public.parent WHERE id IN (p, q) ORDER BY id FOR UPDATE;
    UPDATE public.child SET parent_id = q WHERE id = c;
    UPDATE public.grandchild SET parent_id = q WHERE child_id = c;
    UPDATE public.parent SET n_children = n_children - 1 WHERE id = p;
    UPDATE public.parent SET n_children = n_children + 1 WHERE id = q;
  ELSE  -- rows rewritten in place (new tuple versions all over the table)
    UPDATE public.parent SET payload = repeat(md5(random()::text), 6) WHERE id BETWEEN p AND p + 20;
    UPDATE public.child SET payload = md5(random()::text) WHERE parent_id BETWEEN p AND p + 20;
  END IF;
END $$;
)SQL";

}  // namespace

TEST_CASE("faults: a backup taken while a writer changes tables linked by foreign keys restores consistent",
          "[faults][backup]") {
  test::scratch_database src("fk_writes");
  src.psql(writer_setup_sql);
  test::temp_dir dir("fk_writes");

  std::atomic<bool> stop{false};
  std::atomic<long> committed{0}, failed{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w)
    writers.emplace_back([&, w] {
      try {
        pg::connection c(src.dsn());
        std::mt19937 rng(fault_seed() + static_cast<unsigned>(w));
        std::uniform_int_distribution<int> op(0, 3);
        while (!stop) {
          try {
            c.exec("SELECT public.fault_write($1)", {std::to_string(op(rng))});
            ++committed;
          } catch (const error&) {
            ++failed;  // a deadlock between the two writers: that transaction rolled back
            if (!c.is_open()) return;
          }
        }
      } catch (...) {
        ++failed;
      }
    });
  // Let the writers get going, then back up with two sessions and tables cut into ctid
  // ranges, so rows of one table are read by different sessions while they change.
  while (committed < 50) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  backup_options o;
  o.dsn = src.dsn();
  o.dest_dir = dir.path();
  o.jobs = 2;
  o.split_table_bytes = 1u << 20;
  o.chunk_bytes = 256u << 10;
  long at_start = committed;
  auto t0 = clock_type::now();
  backup_result res;
  std::string backup_error;
  try {
    res = backup(o);
  } catch (const std::exception& e) {
    backup_error = e.what();
  }
  double backup_seconds = seconds_since(t0);
  long during = committed - at_start;
  stop = true;
  for (auto& t : writers) t.join();
  INFO(backup_error);
  REQUIRE(backup_error.empty());
  // The writer has to have been busy for the whole backup.
  CHECK(during >= 20);

  std::string target = src.name() + "_r";
  database_guard guard{{target}, {}};
  restore_options r;
  r.file = res.file;
  r.dsn = test::dsn(target);
  r.jobs = 2;
  restore(r);  // fails if a foreign key does not hold (they are created after the rows)

  pg::connection c(test::dsn(target));
  auto one = [&](const std::string& sql) { return c.exec(sql).i64(0, 0); };
  CHECK(one("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND convalidated") == 3);
  CHECK(one("SELECT count(*) FROM public.child c LEFT JOIN public.parent p ON p.id = c.parent_id WHERE p.id IS NULL") ==
        0);
  CHECK(one("SELECT count(*) FROM public.grandchild g LEFT JOIN public.child c ON c.id = g.child_id "
            "WHERE c.id IS NULL OR c.parent_id <> g.parent_id") == 0);
  CHECK(one("SELECT count(*) FROM public.parent p WHERE n_children <> "
            "(SELECT count(*) FROM public.child c WHERE c.parent_id = p.id)") == 0);
  CHECK(one("SELECT count(*) FROM public.stats s WHERE s.parents <> (SELECT count(*) FROM public.parent) "
            "OR s.children <> (SELECT count(*) FROM public.child) "
            "OR s.grandchildren <> (SELECT count(*) FROM public.grandchild)") == 0);
  // Row counts as the manifest recorded them.
  manifest m = read_manifest(res.file);
  std::size_t compared = 0;
  for (const auto& t : m.tables) {
    INFO(t.schema << "." << t.name);
    CHECK(static_cast<std::uint64_t>(
              one(fmt::format("SELECT count(*) FROM {}", util::sql::qualified(t.schema, t.name)))) == t.rows);
    ++compared;
  }
  CHECK(compared == 4);
  test::report(fmt::format("concurrent writes: {} writer transactions committed during the {:.2f} s backup ({} rolled back by "
                   "deadlocks); restored {} parents, {} children: foreign keys, n_children, grandchild parents and "
                   "the stats row all hold, {} tables match the manifest's row counts",
                   during, backup_seconds, failed.load(), one("SELECT count(*) FROM public.parent"),
                   one("SELECT count(*) FROM public.child"), compared));
}

#endif  // IMMICHBAK_CLI_PATH
