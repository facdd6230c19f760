// Which data frame a free loading session takes next (load/frame_queue.hpp), the order
// index builds start in (load/index_order.hpp), and how the two share the sessions
// (load/load_queue.hpp).

#include <catch2/catch.hpp>

#include "load/frame_queue.hpp"
#include "load/index_order.hpp"
#include "load/load_queue.hpp"

#include <immichbak/error.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

using namespace immichbak;
using namespace immichbak::load;

namespace {
frame_queue::item frame(const std::string& table, std::uint64_t bytes) { return {{"public", table}, bytes}; }

// "t<i>", appended rather than "t" + std::to_string(i): GCC 12's -Wrestrict misfires on
// that at -O2.
std::string t_name(int i) {
  std::string name(1, 't');
  name += std::to_string(i);
  return name;
}

// Big table "a" (3 frames), "b" (2), small "c" (1), interleaved as a backup may write them.
std::vector<frame_queue::item> mixed() {
  return {frame("a", 10), frame("b", 10), frame("a", 10), frame("c", 1), frame("b", 10), frame("a", 10)};
}
}  // namespace

TEST_CASE("frame queue: sessions load different tables, the biggest first", "[restore]") {
  auto items = mixed();
  frame_queue q(items, 2);
  auto first = q.take(0), second = q.take(1);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(items[*first].table.second == "a");
  CHECK(items[*second].table.second == "b");
}

TEST_CASE("frame queue: a session keeps its table and reads it in the given order", "[restore]") {
  auto items = mixed();
  frame_queue q(items, 2);
  CHECK(q.take(0) == 0u);  // a
  CHECK(q.take(1) == 1u);  // b
  CHECK(q.take(0) == 2u);  // a again, not c
  CHECK(q.take(1) == 4u);  // b again
  CHECK(q.take(1) == 3u);  // b is done: c (a is being loaded)
  CHECK(q.take(0) == 5u);
  CHECK_FALSE(q.take(0));
  CHECK_FALSE(q.take(1));
}

TEST_CASE("frame queue: with every table busy, a free session joins the least shared one", "[restore]") {
  std::vector<frame_queue::item> items{frame("a", 10), frame("a", 10), frame("a", 10), frame("a", 10),
                                       frame("b", 10), frame("b", 10)};
  frame_queue q(items, 3);
  CHECK(items[*q.take(0)].table.second == "a");
  CHECK(items[*q.take(1)].table.second == "b");
  // Both tables are being loaded: the third session joins the one with more bytes left.
  CHECK(items[*q.take(2)].table.second == "a");
  // Session 1 finished its frame of b; b still has one and nobody else loads it.
  CHECK(items[*q.take(1)].table.second == "b");
}

TEST_CASE("frame queue: every item is handed out exactly once", "[restore]") {
  std::vector<frame_queue::item> items;
  for (int i = 0; i < 40; ++i) items.push_back(frame(t_name(i % 7), static_cast<std::uint64_t>(i * 13 % 17 + 1)));
  for (std::size_t sessions : {1u, 2u, 4u, 9u}) {
    frame_queue q(items, sessions);
    std::multiset<std::size_t> seen;
    for (bool any = true; any;) {
      any = false;
      for (std::size_t k = 0; k < sessions; ++k)
        if (auto i = q.take(k)) {
          seen.insert(*i);
          any = true;
        }
    }
    CHECK(seen.size() == items.size());
    CHECK(std::set<std::size_t>(seen.begin(), seen.end()).size() == items.size());
  }
}

TEST_CASE("frame queue: one session finishes a table before it starts the next", "[restore]") {
  auto items = mixed();
  frame_queue q(items, 1);
  std::vector<std::string> order;
  while (auto i = q.take(0)) order.push_back(items[*i].table.second);
  CHECK(order == std::vector<std::string>{"a", "a", "a", "b", "b", "c"});
}

TEST_CASE("frame queue: empty input and unknown sessions", "[restore]") {
  frame_queue q({}, 2);
  CHECK_FALSE(q.take(0));
  CHECK_THROWS_AS(q.take(2), error);
}

TEST_CASE("index order: vector indexes, then GiST and GIN, then btree, by table rows", "[restore]") {
  using immichbak::load::index_build_cost;
  const char* hnsw = "CREATE INDEX clip_index ON public.smart_search USING hnsw (embedding vector_cosine_ops);";
  const char* gist = "CREATE INDEX exif_earthcoord_idx ON public.asset_exif USING gist (public.ll_to_earth(a, b));";
  const char* gin = "CREATE INDEX idx ON public.asset USING gin (f_unaccent(\"originalFileName\") gin_trgm_ops);";
  const char* btree = "CREATE INDEX idx ON public.asset USING btree (\"ownerId\");";
  const char* pkey = "ALTER TABLE ONLY \"public\".\"asset\" ADD CONSTRAINT \"asset_pkey\" PRIMARY KEY (id);";
  CHECK(index_build_cost(hnsw, 1000) > index_build_cost(gist, 20000));
  CHECK(index_build_cost(gist, 70000) > index_build_cost(gin, 70000));
  CHECK(index_build_cost(gin, 70000) > index_build_cost(btree, 70000));
  CHECK(index_build_cost(btree, 70000) == index_build_cost(pkey, 70000));
  CHECK(index_build_cost(btree, 100000) > index_build_cost(btree, 70000));
  CHECK(index_build_cost("CREATE INDEX i ON t USING VCHORDRQ (e);", 0) > index_build_cost(btree, 500));
}

namespace {
using lq = load_queue;
lq::index_unit unit(const std::string& table, double cost, bool exclusive = false) {
  return {lq::table_key{"public", table}, true, exclusive, cost};
}
lq::index_unit late_unit(double cost) { return {lq::table_key{"public", "parent"}, false, false, cost}; }
}  // namespace

TEST_CASE("load queue: a table's indexes start as soon as its data is in, before more data", "[restore]") {
  // a: 2 frames, b: 1 frame. Units: an index of b (cheap), one of a (costly), one that
  // waits for all data (a parent table's).
  std::vector<frame_queue::item> data{frame("a", 10), frame("a", 10), frame("b", 5)};
  lq q(data, {unit("b", 1), unit("a", 5), late_unit(100)}, 2);
  auto s0 = q.take(0), s1 = q.take(1);
  CHECK(s0.what == lq::kind::data);
  CHECK(s1.what == lq::kind::data);
  CHECK(data[s0.item].table.second == "a");
  CHECK(data[s1.item].table.second == "b");
  CHECK_FALSE(q.done(s1));  // b is in: its index is ready before a's second frame
  auto n = q.take(1);
  CHECK(n.what == lq::kind::index);
  CHECK(n.item == 0u);
  CHECK_FALSE(q.done(s0));
  auto a2 = q.take(0);  // a's index waits for a's last frame
  CHECK(a2.what == lq::kind::data);
  CHECK(data[a2.item].table.second == "a");
  CHECK_FALSE(q.done(n));
  CHECK(q.take(1).what == lq::kind::wait);  // nothing ready, a frame still loading
  CHECK(q.done(a2));                        // the last data frame
  auto c1 = q.take(1), c0 = q.take(0);      // the costliest first
  CHECK(c1.what == lq::kind::index);
  CHECK(c1.item == 2u);
  CHECK(c0.item == 1u);
  CHECK(q.take(0).what == lq::kind::finished);
}

TEST_CASE("load queue: without data every unit is ready, the costliest first", "[restore]") {
  lq q({}, {unit("a", 1), late_unit(3), unit("b", 2)}, 1);
  std::vector<std::size_t> order;
  for (auto n = q.take(0); n.what == lq::kind::index; n = q.take(0)) {
    order.push_back(n.item);
    q.done(n);
  }
  CHECK(order == std::vector<std::size_t>{1, 2, 0});
}

TEST_CASE("load queue: a unit whose table has no data frames is ready at once", "[restore]") {
  lq q({frame("a", 10)}, {unit("empty", 1)}, 1);
  CHECK(q.take(0).what == lq::kind::index);
}

TEST_CASE("load queue: every frame and unit is handed out once, whatever the interleaving", "[restore]") {
  std::vector<frame_queue::item> data;
  for (int i = 0; i < 30; ++i) data.push_back(frame(t_name(i % 5), static_cast<std::uint64_t>(i % 7 + 1)));
  std::vector<lq::index_unit> units;
  for (int i = 0; i < 12; ++i)
    units.push_back(i % 4 == 0 ? late_unit(i) : unit(t_name(i % 6), i, i % 3 == 0));
  for (std::size_t sessions : {1u, 2u, 3u, 8u}) {
    lq q(data, units, sessions);
    std::vector<std::optional<lq::next>> running(sessions);
    std::map<std::string, int> left;  // per table: frames not yet done
    for (const auto& f : data) ++left[f.table.second];
    std::multiset<std::size_t> frames, built;
    std::map<std::string, std::pair<int, bool>> on_table;  // units running per table, one exclusive
    std::size_t data_done = 0;
    bool last_seen = false;
    for (bool progress = true; progress;) {
      progress = false;
      for (std::size_t k = 0; k < sessions; ++k) {
        if (running[k]) {  // finish what the session runs, then ask again
          if (running[k]->what == lq::kind::data) --left[data[running[k]->item].table.second];
          if (running[k]->what == lq::kind::index) {
            auto& [count, exclusive] = on_table[units[running[k]->item].table.second];
            --count;
            if (units[running[k]->item].exclusive) exclusive = false;
          }
          bool last = q.done(*running[k]);
          if (running[k]->what == lq::kind::data) CHECK(last == (++data_done == data.size()));
          last_seen = last_seen || last;
          running[k].reset();
          progress = true;
        }
        lq::next n = q.take(k);
        if (n.what == lq::kind::data) frames.insert(n.item);
        if (n.what == lq::kind::index) {
          built.insert(n.item);
          // Early only when its table's frames are all done; otherwise after all data.
          const auto& u = units[n.item];
          CHECK((data_done == data.size() || (u.early && left[u.table.second] == 0)));
          // Never beside an exclusive unit of its table; exclusive only on a table alone.
          auto& [count, exclusive] = on_table[u.table.second];
          CHECK_FALSE(exclusive);
          if (u.exclusive) CHECK(count == 0);
          ++count;
          exclusive = u.exclusive;
        }
        if (n.what == lq::kind::data || n.what == lq::kind::index) {
          running[k] = n;
          progress = true;
        }
      }
    }
    CHECK(last_seen);
    CHECK(frames.size() == data.size());
    CHECK(std::set<std::size_t>(frames.begin(), frames.end()).size() == data.size());
    CHECK(built.size() == units.size());
    CHECK(std::set<std::size_t>(built.begin(), built.end()).size() == units.size());
  }
}

TEST_CASE("load queue: a unit that locks its table exclusively runs alone on it", "[restore]") {
  // On a: a costly CREATE INDEX, the primary key (exclusive), a cheap CREATE INDEX; on b: one index.
  lq q({}, {unit("a", 10), unit("a", 5, true), unit("a", 1), unit("b", 2)}, 3);
  auto s0 = q.take(0), s1 = q.take(1), s2 = q.take(2);
  CHECK(s0.item == 0u);  // the costliest
  CHECK(s1.item == 3u);  // b's: the primary key must not wait on a's lock inside a session
  CHECK(s2.item == 2u);  // shares a with the first
  q.done(s1);
  CHECK(q.take(1).what == lq::kind::wait);  // the key waits for both builds on a
  q.done(s0);
  CHECK(q.take(0).what == lq::kind::wait);
  q.done(s2);
  auto key = q.take(2);
  CHECK(key.item == 1u);
  CHECK(q.take(0).what == lq::kind::finished);  // nothing left to hand out
  q.done(key);
}

TEST_CASE("index order: ALTER TABLE units lock their table exclusively", "[restore]") {
  CHECK(locks_table_exclusively("ALTER TABLE ONLY \"public\".\"a\" ADD CONSTRAINT \"a_pkey\" PRIMARY KEY (id);\n"));
  CHECK(locks_table_exclusively("CREATE INDEX i ON public.a USING btree (x);\nalter table public.a cluster on i;\n"));
  CHECK_FALSE(locks_table_exclusively("CREATE INDEX i ON public.a USING btree (x);\nCOMMENT ON INDEX public.i IS 'x';\n"));
  CHECK_FALSE(locks_table_exclusively("CREATE STATISTICS public.s ON a, b FROM public.t;\n"));
}

TEST_CASE("load queue: a waiting session wakes when another reports done", "[restore]") {
  lq q({frame("a", 10)}, {unit("a", 1)}, 2);
  auto d = q.take(0);
  auto w = q.take(1);
  REQUIRE(w.what == lq::kind::wait);
  q.done(d);
  auto t0 = std::chrono::steady_clock::now();
  q.wait_for_change(w, std::chrono::seconds(10));  // done() came after take(): returns at once
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  CHECK(q.take(1).what == lq::kind::index);
}
