// Properties of plan_retention() over generated histories: random gaps, clock jumps (a
// backup dated before the one made earlier, or in the future), two backups in one second,
// DST changes (TZ=Europe/Berlin, histories across the spring and autumn changes), random
// verify states and random policies.
//
//   - the newest verified backup of every group is kept;
//   - planning again on what the plan keeps removes nothing (idempotent);
//   - only backups of immichbak's name pattern and stale partial files are ever removed;
//   - nothing dated in the future is removed, nothing newer than the newest counted backup;
//   - a single rule keeps exactly what its definition, written down independently here,
//     keeps.
#include "test_retention_support.hpp"

#include "retention/calendar.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>

using namespace immichbak;
using namespace immichbak::test;

namespace {

struct history {
  std::vector<backup_entry> entries;
  std::chrono::sys_seconds now;
};

history generate(std::mt19937& rng) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  history h;
  // Start a few weeks before a DST change (spring or autumn, 2023-2025), sometimes years back.
  const int year = pick(2023, 2025);
  std::time_t t = pick(0, 1) ? local_time(year, 3, pick(1, 25), pick(0, 23), pick(0, 59))
                             : local_time(year, 10, pick(1, 25), pick(0, 23), pick(0, 59));
  if (pick(0, 9) == 0) t -= static_cast<std::time_t>(pick(1, 3)) * 365 * 86400;
  const int n = pick(0, 120);
  std::map<std::time_t, int> same_second;
  std::vector<backup_entry> v;
  for (int i = 0; i < n; ++i) {
    switch (pick(0, 19)) {
      case 0: t += pick(0, 3600); break;                          // several an hour
      case 1: t += 86400L * pick(5, 60); break;                   // a long gap
      case 2: t -= pick(60, 86400 * 3); break;                    // the clock jumped back
      case 3: break;                                              // the same second again
      case 4: t += pick(1800, 7200); break;                       // hourly-ish
      default: t += 86400 + pick(-1800, 1800); break;             // nightly, with jitter
    }
    const int suffix = same_second[t]++;
    verify_state vs = verify_state::passed;
    switch (pick(0, 19)) {
      case 0: case 1: vs = verify_state::failed; break;
      case 2: case 3: case 4: vs = verify_state::unverified; break;
      case 5: vs = verify_state::outdated; break;
      default: break;
    }
    v.push_back(synthetic(t, vs, pick(0, 7) == 0 ? "photos-db" : "immich-db", suffix));
  }
  std::time_t newest = v.empty() ? t : secs(std::max_element(v.begin(), v.end(), [](auto& a, auto& b) {
                                              return a.time < b.time;
                                            })->time);
  // Usually "now" is after the newest backup; sometimes backups are dated in the future.
  h.now = sys(pick(0, 5) == 0 ? newest - pick(0, 86400 * 3) : newest + pick(0, 86400 * 3));
  // Files prune must leave alone, and partial files of every age.
  for (int i = pick(0, 6); i > 0; --i) {
    backup_entry e = synthetic(secs(h.now) - pick(0, 86400 * 400), verify_state::unverified);
    switch (pick(0, 4)) {
      case 0: e.kind = entry_kind::foreign; e.prefix.clear(); e.name = fmt::format("notes-{}.txt", i); break;
      case 1: e.kind = entry_kind::immich; e.prefix.clear(); break;
      case 2: e.kind = entry_kind::damaged; break;
      case 3: e.kind = entry_kind::partial; e.name += ".partial"; break;
      default: e.kind = entry_kind::backup; e.prefix.clear(); e.name = fmt::format("copy-{}.sql.zst", i);
    }
    e.modified = e.time;
    v.push_back(e);
  }
  std::shuffle(v.begin(), v.end(), rng);  // the planner must not rely on the listing's order
  h.entries = std::move(v);
  return h;
}

retention_policy random_policy(std::mt19937& rng) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto count = [&] { return pick(0, 2) ? 0 : (pick(0, 12) == 0 ? keep_unlimited : pick(1, 12)); };
  auto dur = [&] {
    calendar_duration d;
    if (pick(0, 3)) return d;
    d.days = pick(0, 40);
    d.hours = pick(0, 48);
    if (pick(0, 4) == 0) d.months = pick(1, 3);
    return d;
  };
  retention_policy p;
  do {
    p = {};
    p.keep_last = count();
    p.keep_hourly = count();
    p.keep_daily = count();
    p.keep_weekly = count();
    p.keep_monthly = count();
    p.keep_yearly = count();
    p.keep_within = dur();
    p.keep_within_hourly = dur();
    p.keep_within_daily = dur();
    p.keep_within_weekly = dur();
    p.keep_within_monthly = dur();
    p.keep_within_yearly = dur();
  } while (p.empty());
  p.count_unverified = pick(0, 4) == 0;
  return p;
}

bool newer(const backup_entry& a, const backup_entry& b) {
  if (a.time != b.time) return a.time > b.time;
  if (a.name_suffix != b.name_suffix) return a.name_suffix > b.name_suffix;
  return a.name > b.name;
}

bool counts(const backup_entry& e, const retention_policy& p, std::chrono::sys_seconds now) {
  if (e.kind != entry_kind::backup || e.prefix.empty() || e.time > now) return false;
  if (e.verification == verify_state::passed) return true;
  return p.count_unverified && (e.verification == verify_state::unverified || e.verification == verify_state::outdated);
}

void check_invariants(const retention_plan& plan, const retention_policy& p) {
  std::map<std::string, const plan_entry*> newest_verified, newest_counted;
  for (const auto& pe : plan.entries) {
    const auto& e = pe.entry;
    INFO(e.name << " " << entry_kind_name(e.kind) << " " << verify_state_name(e.verification) << " "
                << plan_action_name(pe.action));
    CHECK_FALSE(pe.reasons.empty());
    if (pe.action == plan_action::remove) {
      const bool ours = e.kind == entry_kind::backup && !e.prefix.empty();
      const bool stale_partial = e.kind == entry_kind::partial && !e.prefix.empty() && plan.now - e.modified > p.partial_max_age;
      CHECK((ours || stale_partial));
      CHECK(e.time <= plan.now);
    }
    if (e.kind == entry_kind::backup && !e.prefix.empty() && e.time <= plan.now) {
      CHECK(pe.counted == counts(e, p, plan.now));
      if (e.verification == verify_state::passed) {
        auto& nv = newest_verified[e.prefix];
        if (!nv || newer(e, nv->entry)) nv = &pe;
      }
      if (pe.counted) {
        auto& nc = newest_counted[e.prefix];
        if (!nc || newer(e, nc->entry)) nc = &pe;
      }
    }
  }
  for (const auto& [prefix, pe] : newest_verified) {
    INFO("newest verified of " << prefix << ": " << pe->entry.name);
    CHECK(pe->action == plan_action::keep);
  }
  for (const auto& pe : plan.entries) {
    auto it = newest_counted.find(pe.entry.prefix);
    if (pe.entry.kind != entry_kind::backup || pe.entry.prefix.empty() || pe.counted) continue;
    // No backup that does not count and is newer than the newest counted one is removed:
    // it may be the only copy of the latest state.
    INFO(pe.entry.name);
    if (it == newest_counted.end() || pe.entry.time >= it->second->entry.time) CHECK(pe.action == plan_action::keep);
  }
}

// The counted backups a single rule keeps, from its definition: "for the last n <periods>
// which have one or more backups, keep only the most recent one for each" (restic's
// documentation), plus the oldest when fewer than n periods have one (restic >= 0.14).
std::set<std::string> reference_count(std::vector<const backup_entry*> counted, std::optional<retention::bucket> b,
                                      int n) {
  std::set<std::string> kept;
  if (counted.empty()) return kept;
  std::vector<std::int64_t> order;  // bucket keys, newest first
  std::map<std::int64_t, const backup_entry*> newest_in;
  for (std::size_t i = 0; i < counted.size(); ++i) {
    std::int64_t key = b ? retention::bucket_key(*b, secs(counted[i]->time)) : static_cast<std::int64_t>(i);
    if (!newest_in.count(key)) {
      newest_in[key] = counted[i];
      order.push_back(key);
    }
  }
  const std::size_t limit = n == keep_unlimited ? order.size() : static_cast<std::size_t>(n);
  for (std::size_t i = 0; i < order.size() && i < limit; ++i) kept.insert(newest_in[order[i]]->name);
  if (order.size() < limit) kept.insert(counted.back()->name);
  return kept;
}

std::set<std::string> reference_within(std::vector<const backup_entry*> counted, std::optional<retention::bucket> b,
                                       const calendar_duration& d) {
  std::set<std::string> kept;
  if (counted.empty()) return kept;
  const std::time_t from = retention::subtract(secs(counted.front()->time), d);
  std::set<std::int64_t> seen;
  for (const auto* e : counted) {
    if (secs(e->time) <= from) continue;
    if (!b || seen.insert(retention::bucket_key(*b, secs(e->time))).second) kept.insert(e->name);
  }
  return kept;
}

}  // namespace

TEST_CASE("retention properties: generated histories keep the safety rules and are idempotent",
          "[retention][property]") {
  tz_guard tz("Europe/Berlin");
  for (std::uint32_t seed = 1; seed <= 600; ++seed) {
    std::mt19937 rng(seed);
    history h = generate(rng);
    retention_policy p = random_policy(rng);
    INFO("seed " << seed << ", " << to_string(p) << ", now " << retention::local_time_text(secs(h.now)) << ", "
                 << h.entries.size() << " entries");
    retention_plan plan = plan_retention(h.entries, p, h.now);
    REQUIRE(plan.entries.size() == h.entries.size());
    check_invariants(plan, p);

    // Idempotent: what the plan keeps or leaves alone, planned again, loses nothing.
    std::vector<backup_entry> rest;
    for (const auto& pe : plan.entries)
      if (pe.action != plan_action::remove) rest.push_back(pe.entry);
    retention_plan again = plan_retention(rest, p, h.now);
    for (const auto& pe : again.entries) {
      INFO("planned again: " << pe.entry.name << " (" << (pe.reasons.empty() ? "" : pe.reasons.front()) << ")");
      CHECK(pe.action != plan_action::remove);
    }
  }
}

TEST_CASE("retention properties: each rule alone keeps what its definition says", "[retention][property]") {
  tz_guard tz("Europe/Berlin");
  using retention::bucket;
  for (std::uint32_t seed = 1; seed <= 400; ++seed) {
    std::mt19937 rng(seed * 7919u);
    history h = generate(rng);
    const int which = static_cast<int>(seed % 11);
    const int n = std::uniform_int_distribution<int>(1, 15)(rng);
    calendar_duration d;
    d.days = std::uniform_int_distribution<int>(0, 30)(rng);
    d.hours = std::uniform_int_distribution<int>(1, 30)(rng);
    retention_policy p;
    std::optional<bucket> b;
    bool within = false;
    switch (which) {
      case 0: p.keep_last = n; break;
      case 1: p.keep_hourly = n; b = bucket::hour; break;
      case 2: p.keep_daily = n; b = bucket::day; break;
      case 3: p.keep_weekly = n; b = bucket::week; break;
      case 4: p.keep_monthly = n; b = bucket::month; break;
      case 5: p.keep_yearly = n; b = bucket::year; break;
      case 6: p.keep_within = d; within = true; break;
      case 7: p.keep_within_hourly = d; within = true; b = bucket::hour; break;
      case 8: p.keep_within_daily = d; within = true; b = bucket::day; break;
      case 9: p.keep_within_weekly = d; within = true; b = bucket::week; break;
      default: p.keep_within_monthly = d; within = true; b = bucket::month; break;
    }
    INFO("seed " << seed << ", " << to_string(p));
    retention_plan plan = plan_retention(h.entries, p, h.now);
    for (const std::string prefix : {"immich-db", "photos-db"}) {
      std::vector<const backup_entry*> counted;
      for (const auto& e : h.entries)
        if (e.prefix == prefix && counts(e, p, h.now)) counted.push_back(&e);
      std::sort(counted.begin(), counted.end(), [](auto* a, auto* c) { return newer(*a, *c); });
      std::set<std::string> expected = within ? reference_within(counted, b, d) : reference_count(counted, b, n);
      std::set<std::string> got;
      for (const auto& pe : plan.entries)
        if (pe.entry.prefix == prefix && pe.counted && pe.action == plan_action::keep) got.insert(pe.entry.name);
      INFO(prefix << ": " << counted.size() << " counted");
      CHECK(got == expected);
    }
  }
}
