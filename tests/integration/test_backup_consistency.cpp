// Every worker reads the same snapshot: a backup taken while other sessions move money
// between accounts and add/remove parent and child rows restores to a state that keeps
// the sum and every foreign key, even with tables cut into ctid ranges read by different
// sessions.

#include "integration/test_backup_support.hpp"
#include "pg/connection.hpp"

#include <immichbak/error.hpp>

#include <atomic>
#include <thread>

using namespace immichbak;

TEST_CASE("backup: jobs 4 under concurrent writes restores a consistent state", "[backup][consistency]") {
  test::scratch_database src("bk_consistency");
  src.psql(
      "CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL, pad text NOT NULL);"
      "INSERT INTO accounts SELECT g, 1000, repeat('x', 200) FROM generate_series(1, 20000) g;"
      "CREATE TABLE parent (id bigserial PRIMARY KEY, note text NOT NULL);"
      "CREATE TABLE child (id bigserial PRIMARY KEY, parent_id bigint NOT NULL REFERENCES parent (id), "
      "                    note text NOT NULL);"
      "INSERT INTO parent (note) SELECT repeat('p', 100) FROM generate_series(1, 5000);"
      "INSERT INTO child (parent_id, note) SELECT id, repeat('c', 100) FROM parent");
  src.psql("VACUUM ANALYZE");
  const long long expected_sum = 20000LL * 1000;

  std::atomic<bool> stop{false};
  std::atomic<long> transactions{0};
  std::string writer_error;
  std::thread writer([&] {
    try {
      pg::connection c(src.dsn());
      unsigned x = 12345;
      auto next = [&] { return x = x * 1103515245u + 12345u; };
      while (!stop) {
        int a = static_cast<int>(next() % 20000) + 1, b = static_cast<int>(next() % 20000) + 1;
        // Updates write new row versions at other ctids: a range split read under two
        // snapshots would see a row twice or not at all.
        c.exec(fmt::format("BEGIN; UPDATE accounts SET balance = balance - 7 WHERE id = {};"
                           "UPDATE accounts SET balance = balance + 7 WHERE id = {}; COMMIT",
                           a, b));
        c.exec("WITH p AS (INSERT INTO parent (note) VALUES ('new') RETURNING id) "
               "INSERT INTO child (parent_id, note) SELECT id, 'new' FROM p");
        c.exec(fmt::format("BEGIN; DELETE FROM child WHERE parent_id = {0}; DELETE FROM parent WHERE id = {0}; COMMIT",
                           next() % 5000 + 1));
        ++transactions;
      }
    } catch (const std::exception& e) {
      writer_error = e.what();
    }
  });
  // Let the writer get going, then back up while it runs.
  while (transactions < 20 && writer_error.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  test::temp_dir dir("bk_consistency");
  auto o = test::basic_options(src.dsn(), dir.path());
  o.jobs = 4;
  o.chunk_bytes = 4096;
  o.split_table_bytes = 256 * 1024;
  // Slow the data phase down a little (the sink is called at every item boundary), so the
  // writer commits many transactions while the workers read.
  o.events.progress = [](const progress_event& e) {
    if (e.phase == "data") std::this_thread::sleep_for(std::chrono::milliseconds(20));
  };
  long before = transactions;
  backup_result res;
  try {
    res = backup(o);
  } catch (...) {
    stop = true;
    writer.join();
    throw;
  }
  long during = transactions - before;
  stop = true;
  writer.join();
  REQUIRE(writer_error.empty());
  INFO("writer transactions during the backup: " << during);
  CHECK(during > 20);

  test::scratch_database dst("bk_consistency_dst");
  test::restore_with_psql(res.file, dst.name());  // the FK constraints are created after the data
  pg::connection c(dst.dsn());
  CHECK(c.exec("SELECT sum(balance) FROM accounts").i64(0, 0) == expected_sum);
  CHECK(c.exec("SELECT count(*) FROM accounts").i64(0, 0) == 20000);
  CHECK(c.exec("SELECT count(*) FROM child c LEFT JOIN parent p ON p.id = c.parent_id WHERE p.id IS NULL").i64(0, 0) ==
        0);
  // Every parent still has its child (they were inserted and deleted together).
  CHECK(c.exec("SELECT count(*) FROM parent p WHERE NOT EXISTS (SELECT 1 FROM child c WHERE c.parent_id = p.id)")
            .i64(0, 0) == 0);
}
