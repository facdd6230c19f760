// Which data frame a free loading session takes next (load/frame_queue.hpp), and the
// order index builds start in (load/index_order.hpp).

#include <catch2/catch.hpp>

#include "load/frame_queue.hpp"
#include "load/index_order.hpp"

#include <immichbak/error.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

using namespace immichbak;
using namespace immichbak::load;

namespace {
frame_queue::item frame(const std::string& table, std::uint64_t bytes) { return {{"public", table}, bytes}; }

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
  for (int i = 0; i < 40; ++i) items.push_back(frame("t" + std::to_string(i % 7), static_cast<std::uint64_t>(i * 13 % 17 + 1)));
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
