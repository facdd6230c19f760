// plan_retention(): restic's documented examples, the worked examples of docs/retention.md,
// and the safety rules, on synthetic listings (no files).
#include "test_retention_support.hpp"

#include <immichbak/error.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

using namespace immichbak;
using namespace immichbak::test;

namespace {

// "2025-02-15 02:30" in local time.
std::string lt(std::time_t t) {
  std::tm tm{};
  ::localtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min);
}

std::vector<std::string> with_action(const retention_plan& p, plan_action a) {
  std::vector<std::string> out;
  for (const auto& e : p.entries)
    if (e.action == a) out.push_back(lt(secs(e.entry.time)));
  std::sort(out.begin(), out.end());
  return out;
}

const plan_entry& entry_at(const retention_plan& p, const std::string& local) {
  for (const auto& e : p.entries)
    if (lt(secs(e.entry.time)) == local) return e;
  FAIL("no entry at " << local);
  throw;
}

bool has_reason(const plan_entry& e, const std::string& r) {
  return std::find(e.reasons.begin(), e.reasons.end(), r) != e.reasons.end();
}

// One backup a day at hh:mm local time, from the first day to the last, all verified.
std::vector<backup_entry> nightly(int y0, int m0, int d0, int y1, int m1, int d1, int hh = 2, int mm = 30) {
  std::vector<backup_entry> v;
  for (std::time_t t = local_time(y0, m0, d0, hh, mm);; ) {
    v.push_back(synthetic(t));
    std::tm tm{};
    ::localtime_r(&t, &tm);
    if (tm.tm_year + 1900 == y1 && tm.tm_mon + 1 == m1 && tm.tm_mday == d1) break;
    t = local_time(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday + 1, hh, mm);
  }
  std::reverse(v.begin(), v.end());  // newest first, as list_backups() returns them
  return v;
}

}  // namespace

// ---- restic's documented examples (doc/060_forget.rst, "Removing snapshots according to a
// policy"; restic 0.17/0.18), with the outcomes the documentation states ----

TEST_CASE("retention: restic's example: a backup every Sunday for 12 weeks, --keep-daily 4", "[retention][restic]") {
  tz_guard tz("Europe/Berlin");
  // "Suppose you have only made one backup every Sunday for 12 weeks" (2019-09-01 to
  // 2019-11-17, 11:00). "Then forget --keep-daily 4 will keep the last four snapshots, for
  // the last four Sundays, and remove the other snapshots".
  std::vector<backup_entry> v;
  for (int week = 11; week >= 0; --week) v.push_back(synthetic(local_time(2019, 9, 1 + 7 * week, 11, 0)));
  retention_policy p;
  p.keep_daily = 4;
  auto plan = plan_retention(v, p, sys(local_time(2019, 11, 18)));
  CHECK(with_action(plan, plan_action::keep) ==
        std::vector<std::string>{"2019-10-27 11:00", "2019-11-03 11:00", "2019-11-10 11:00", "2019-11-17 11:00"});
  CHECK(with_action(plan, plan_action::remove) ==
        std::vector<std::string>{"2019-09-01 11:00", "2019-09-08 11:00", "2019-09-15 11:00", "2019-09-22 11:00",
                                 "2019-09-29 11:00", "2019-10-06 11:00", "2019-10-13 11:00", "2019-10-20 11:00"});
  for (const auto& e : plan.entries)
    if (e.action == plan_action::keep) CHECK(has_reason(e, "daily"));
}

TEST_CASE("retention: restic's example: a backup every day for 100 years, 7 daily 5 weekly 12 monthly 75 yearly",
          "[retention][restic]") {
  tz_guard tz("UTC");
  // "suppose you make one backup every day for 100 years. Then forget --keep-daily 7
  // --keep-weekly 5 --keep-monthly 12 --keep-yearly 75 would keep the most recent 7 daily
  // snapshots and 4 last-day-of-the-week ones (since the 7 dailies already include 1
  // weekly). Additionally, 12 or 11 last-day-of-the-month snapshots will be kept (depending
  // on whether one of them ends up being the same as a daily or weekly). And finally 75 or
  // 74 last-day-of-the-year snapshots are kept, depending on whether one of them ends up
  // being the same as an already kept snapshot."
  // The last day here is a Sunday (2019-11-17), so the week's last day is the newest daily.
  auto v = nightly(1919, 11, 18, 2019, 11, 17, 11, 0);
  REQUIRE(v.size() == 36525);
  retention_policy p;
  p.keep_daily = 7;
  p.keep_weekly = 5;
  p.keep_monthly = 12;
  p.keep_yearly = 75;
  auto plan = plan_retention(v, p, sys(local_time(2019, 11, 18)));
  std::map<std::string, int> per_rule;
  std::size_t only_weekly = 0, monthly_new = 0, yearly_new = 0;
  for (const auto& e : plan.entries) {
    for (const auto& r : e.reasons) ++per_rule[r];
    if (e.action != plan_action::keep) continue;
    if (e.reasons == std::vector<std::string>{"weekly"}) ++only_weekly;
    if (has_reason(e, "monthly") && !has_reason(e, "daily") && !has_reason(e, "weekly")) ++monthly_new;
    if (has_reason(e, "yearly") && !has_reason(e, "daily") && !has_reason(e, "weekly") && !has_reason(e, "monthly"))
      ++yearly_new;
    // Every kept backup but the newest is the last day of its week, month or year.
    std::tm tm{};
    std::time_t t = secs(e.entry.time);
    ::gmtime_r(&t, &tm);
    if (has_reason(e, "yearly") && e.entry.time != v.front().time) CHECK((tm.tm_mon == 11 && tm.tm_mday == 31));
    if (has_reason(e, "weekly") && e.entry.time != v.front().time) CHECK(tm.tm_wday == 0);
  }
  CHECK(per_rule["daily"] == 7);
  CHECK(per_rule["weekly"] == 5);
  CHECK(per_rule["monthly"] == 12);
  CHECK(per_rule["yearly"] == 75);
  CHECK(only_weekly == 4);   // "4 last-day-of-the-week ones"
  CHECK(monthly_new == 11);  // "12 or 11 last-day-of-the-month snapshots"
  CHECK(yearly_new == 73);   // 75 yearly, two of which (2019's, 2018's) are already kept
  CHECK(plan.count(plan_action::keep) == 7 + 4 + 11 + 73);
  CHECK(per_rule.count("oldest yearly") == 0);  // every quota was used up
}

TEST_CASE("retention: restic's --keep-within: 2y5m7d3h before the newest backup, exclusive", "[retention][restic]") {
  tz_guard tz("Europe/Berlin");
  // "--keep-within duration keep all snapshots having a timestamp within the specified
  // duration of the latest snapshot ... E.g. 2y5m7d3h will keep all snapshots made in the
  // two years, five months, seven days and three hours before the latest snapshot."
  std::vector<backup_entry> v{synthetic(local_time(2020, 6, 15, 12)), synthetic(local_time(2018, 1, 8, 9, 0, 1)),
                              synthetic(local_time(2018, 1, 8, 9, 0, 0)), synthetic(local_time(2017, 1, 1))};
  retention_policy p;
  p.keep_within = parse_calendar_duration("2y5m7d3h");
  // "now" is much later: within counts from the newest backup, not from now.
  auto plan = plan_retention(v, p, sys(local_time(2025, 1, 1)));
  CHECK(plan.entries[0].action == plan_action::keep);
  CHECK(plan.entries[1].action == plan_action::keep);
  CHECK(has_reason(plan.entries[1], "within 2y5m7d3h"));
  CHECK(plan.entries[2].action == plan_action::remove);
  CHECK(plan.entries[3].action == plan_action::remove);
}

// ---- docs/retention.md, worked examples ----

TEST_CASE("retention docs: example 1, nightly backups, --keep-daily 7 --keep-weekly 4 --keep-monthly 3",
          "[retention][docs]") {
  tz_guard tz("Europe/Berlin");
  auto v = nightly(2025, 1, 1, 2025, 2, 15);  // 46 nights, all verified
  retention_policy p;
  p.keep_daily = 7;
  p.keep_weekly = 4;
  p.keep_monthly = 3;
  auto plan = plan_retention(v, p, sys(local_time(2025, 2, 15, 10)));
  CHECK(with_action(plan, plan_action::keep) ==
        std::vector<std::string>{"2025-01-01 02:30", "2025-01-26 02:30", "2025-01-31 02:30", "2025-02-02 02:30",
                                 "2025-02-09 02:30", "2025-02-10 02:30", "2025-02-11 02:30", "2025-02-12 02:30",
                                 "2025-02-13 02:30", "2025-02-14 02:30", "2025-02-15 02:30"});
  CHECK(plan.count(plan_action::remove) == 35);
  CHECK(entry_at(plan, "2025-02-15 02:30").reasons ==
        std::vector<std::string>{"daily", "weekly", "monthly", "newest verified backup"});
  CHECK(entry_at(plan, "2025-02-09 02:30").reasons == std::vector<std::string>{"daily", "weekly"});
  CHECK(entry_at(plan, "2025-02-02 02:30").reasons == std::vector<std::string>{"weekly"});
  CHECK(entry_at(plan, "2025-01-31 02:30").reasons == std::vector<std::string>{"monthly"});
  // Only two months have backups: the third monthly keeps the oldest (restic >= 0.14).
  CHECK(entry_at(plan, "2025-01-01 02:30").reasons == std::vector<std::string>{"oldest monthly"});
  CHECK(entry_at(plan, "2025-01-30 02:30").reasons == std::vector<std::string>{"no rule keeps it"});
}

TEST_CASE("retention docs: example 2, failed and unverified backups", "[retention][docs]") {
  tz_guard tz("Europe/Berlin");
  auto v = nightly(2025, 1, 1, 2025, 1, 10);
  auto at = [&](int day) -> backup_entry& { return v[static_cast<std::size_t>(10 - day)]; };
  at(3).verification = verify_state::failed;
  at(9).verification = verify_state::unverified;
  at(10).verification = verify_state::unverified;
  retention_policy p;
  p.keep_last = 3;
  auto plan = plan_retention(v, p, sys(local_time(2025, 1, 10, 12)));
  CHECK(with_action(plan, plan_action::keep) ==
        std::vector<std::string>{"2025-01-06 02:30", "2025-01-07 02:30", "2025-01-08 02:30", "2025-01-09 02:30",
                                 "2025-01-10 02:30"});
  CHECK(entry_at(plan, "2025-01-10 02:30").reasons ==
        std::vector<std::string>{"never verified; kept: newer than the newest verified backup"});
  CHECK_FALSE(entry_at(plan, "2025-01-10 02:30").counted);
  CHECK(entry_at(plan, "2025-01-08 02:30").reasons == std::vector<std::string>{"last", "newest verified backup"});
  CHECK(entry_at(plan, "2025-01-03 02:30").reasons ==
        std::vector<std::string>{"its verify failed, and older than the newest verified backup"});
  CHECK(entry_at(plan, "2025-01-03 02:30").action == plan_action::remove);

  // --count-unverified: the two unverified ones count (and fill --keep-last 3 with Jan 8);
  // the failed one still does not.
  p.count_unverified = true;
  auto plan2 = plan_retention(v, p, sys(local_time(2025, 1, 10, 12)));
  CHECK(with_action(plan2, plan_action::keep) ==
        std::vector<std::string>{"2025-01-08 02:30", "2025-01-09 02:30", "2025-01-10 02:30"});
  // --keep-last 2 would drop Jan 8, the newest verified one: the safety rule keeps it.
  p.keep_last = 2;
  auto plan3 = plan_retention(v, p, sys(local_time(2025, 1, 10, 12)));
  CHECK(with_action(plan3, plan_action::keep) ==
        std::vector<std::string>{"2025-01-08 02:30", "2025-01-09 02:30", "2025-01-10 02:30"});
  CHECK(entry_at(plan3, "2025-01-08 02:30").reasons == std::vector<std::string>{"newest verified backup"});
}

TEST_CASE("retention docs: example 3, hourly backups through the night the clocks go back", "[retention][docs]") {
  tz_guard tz("Europe/Berlin");
  // Every 30 minutes from 00:00 CEST to 04:30 CET on 2024-10-27: 12 backups in 5 local
  // hours (02:00-02:59 happens twice, once in summer time, once in winter time).
  std::vector<backup_entry> v;
  for (int i = 11; i >= 0; --i) v.push_back(synthetic(utc_time(2024, 10, 26, 22, 0) + i * 1800));
  retention_policy p;
  p.keep_hourly = 10;
  auto plan = plan_retention(v, p, sys(utc_time(2024, 10, 27, 12)));
  std::vector<std::string> kept;
  for (const auto& e : plan.entries)
    if (e.action == plan_action::keep) kept.push_back(retention::local_time_text(secs(e.entry.time)));
  CHECK(kept == std::vector<std::string>{"2024-10-27 04:30:00 +0100", "2024-10-27 03:30:00 +0100",
                                         "2024-10-27 02:30:00 +0100", "2024-10-27 01:30:00 +0200",
                                         "2024-10-27 00:30:00 +0200", "2024-10-27 00:00:00 +0200"});
  CHECK(plan.entries.back().reasons == std::vector<std::string>{"oldest hourly"});
  // 02:30 CEST is in the same hour bucket as the later 02:30 CET, so it goes.
  CHECK(plan.entries[6].action == plan_action::remove);
  CHECK(retention::local_time_text(secs(plan.entries[6].entry.time)) == "2024-10-27 02:30:00 +0200");
}

TEST_CASE("retention docs: example 4, --keep-within after the backups stopped", "[retention][docs]") {
  tz_guard tz("Europe/Berlin");
  // Nightly backups until 20 January, then none for 20 days. `find -mtime +14 -delete` on
  // 9 February would delete every one of them; --keep-within 14d counts from the newest.
  auto v = nightly(2025, 1, 1, 2025, 1, 20);
  retention_policy p;
  p.keep_within = parse_calendar_duration("14d");
  auto plan = plan_retention(v, p, sys(local_time(2025, 2, 9, 12)));
  CHECK(plan.count(plan_action::keep) == 14);
  CHECK(with_action(plan, plan_action::remove) ==
        std::vector<std::string>{"2025-01-01 02:30", "2025-01-02 02:30", "2025-01-03 02:30", "2025-01-04 02:30",
                                 "2025-01-05 02:30", "2025-01-06 02:30"});
}

// ---- the rules one by one ----

TEST_CASE("retention: --keep-within-daily keeps one a day inside the window only", "[retention]") {
  tz_guard tz("Europe/Berlin");
  // The restic forum's example: a1 May 1 08:00, a2 May 2 08:00, a3 May 2 11:00, a4 May 4
  // 09:00, a5 May 5 10:00. --keep-within-daily 4d: from May 1 10:00 on, one per day.
  std::vector<backup_entry> v{synthetic(local_time(2025, 5, 5, 10)), synthetic(local_time(2025, 5, 4, 9)),
                              synthetic(local_time(2025, 5, 2, 11)), synthetic(local_time(2025, 5, 2, 8)),
                              synthetic(local_time(2025, 5, 1, 8))};
  retention_policy p;
  p.keep_within_daily = parse_calendar_duration("4d");
  auto plan = plan_retention(v, p, sys(local_time(2025, 5, 5, 12)));
  CHECK(with_action(plan, plan_action::keep) ==
        std::vector<std::string>{"2025-05-02 11:00", "2025-05-04 09:00", "2025-05-05 10:00"});
  CHECK(has_reason(entry_at(plan, "2025-05-02 11:00"), "daily within 4d"));
  // --keep-daily 4 keeps a1 too: four days that have a backup.
  retention_policy q;
  q.keep_daily = 4;
  CHECK(with_action(plan_retention(v, q, sys(local_time(2025, 5, 5, 12))), plan_action::keep) ==
        std::vector<std::string>{"2025-05-01 08:00", "2025-05-02 11:00", "2025-05-04 09:00", "2025-05-05 10:00"});
}

TEST_CASE("retention: unlimited counts keep every bucket", "[retention]") {
  tz_guard tz("UTC");
  auto v = nightly(2024, 1, 1, 2025, 12, 31);
  retention_policy p;
  p.keep_monthly = keep_unlimited;
  auto plan = plan_retention(v, p, sys(utc_time(2026, 1, 1)));
  // 24 months, and the oldest backup: an unlimited quota is never used up (restic >= 0.14).
  CHECK(plan.count(plan_action::keep) == 25);
  CHECK(plan.entries.back().reasons == std::vector<std::string>{"oldest monthly"});
  CHECK(to_string(p) == "keep all monthly");
}

TEST_CASE("retention: an empty policy or a negative count is refused", "[retention]") {
  std::vector<backup_entry> v{synthetic(utc_time(2025, 1, 1))};
  retention_policy p;
  CHECK(p.empty());
  try {
    plan_retention(v, p, sys(utc_time(2025, 1, 2)));
    FAIL("an empty policy was accepted");
  } catch (const error& e) {
    CHECK(e.code() == errc::invalid_argument);
    CHECK_THAT(e.what(), Catch::Contains("no keep rule"));
  }
  p.keep_daily = -2;
  CHECK_THROWS_AS(plan_retention(v, p, sys(utc_time(2025, 1, 2))), error);
}

TEST_CASE("retention: no verified backup at all: nothing is removed", "[retention]") {
  tz_guard tz("UTC");
  auto v = nightly(2025, 1, 1, 2025, 1, 10);
  for (auto& e : v) e.verification = verify_state::unverified;
  v[5].verification = verify_state::failed;
  retention_policy p;
  p.keep_last = 1;
  auto plan = plan_retention(v, p, sys(utc_time(2025, 1, 11)));
  CHECK(plan.count(plan_action::remove) == 0);
  CHECK(plan.count(plan_action::keep) == 10);
  CHECK_THAT(plan.entries[0].reasons.front(), Catch::Contains("no verified backup"));
}

TEST_CASE("retention: backups dated in the future are kept and do not count", "[retention]") {
  tz_guard tz("UTC");
  auto v = nightly(2025, 1, 1, 2025, 1, 10);
  // A clock that ran a year ahead wrote three backups.
  std::vector<backup_entry> all;
  for (int i = 3; i >= 1; --i) all.push_back(synthetic(utc_time(2026, 1, i, 2, 30)));
  all.insert(all.end(), v.begin(), v.end());
  retention_policy p;
  p.keep_last = 2;
  auto plan = plan_retention(all, p, sys(utc_time(2025, 1, 10, 12)));
  for (int i = 0; i < 3; ++i) {
    CHECK(plan.entries[static_cast<std::size_t>(i)].action == plan_action::keep);
    CHECK_THAT(plan.entries[static_cast<std::size_t>(i)].reasons.front(), Catch::Contains("future"));
  }
  // The two real newest ones fill --keep-last 2.
  CHECK(plan.entries[3].action == plan_action::keep);
  CHECK(plan.entries[4].action == plan_action::keep);
  CHECK(plan.entries[5].action == plan_action::remove);
}

TEST_CASE("retention: what is not a backup of ours is never removed", "[retention]") {
  tz_guard tz("UTC");
  const auto now = sys(utc_time(2025, 3, 1));
  std::vector<backup_entry> v{synthetic(utc_time(2025, 2, 1))};
  auto add = [&](entry_kind k, const std::string& name, const std::string& prefix, std::time_t t) {
    backup_entry e = synthetic(t);
    e.kind = k;
    e.name = name;
    e.prefix = prefix;
    e.verification = verify_state::unverified;
    e.modified = sys(t);
    v.push_back(e);
  };
  add(entry_kind::foreign, "notes.txt", "", utc_time(2020, 1, 1));
  add(entry_kind::immich, "immich-db-backup-20200101T020000-v1.135.0-pg15.18.sql.gz", "", utc_time(2020, 1, 1));
  add(entry_kind::damaged, "immich-db-20200101T020000Z.sql.zst", "immich-db", utc_time(2020, 1, 1));
  add(entry_kind::unsupported, "immich-db-20200102T020000Z.sql.zst", "immich-db", utc_time(2020, 1, 2));
  add(entry_kind::unreadable, "immich-db-20200103T020000Z.sql.zst", "immich-db", utc_time(2020, 1, 3));
  add(entry_kind::backup, "renamed-by-hand.sql.zst", "", utc_time(2020, 1, 4));
  v.back().verification = verify_state::passed;
  add(entry_kind::partial, "immich-db-20200105T020000Z.sql.zst.partial", "immich-db", utc_time(2020, 1, 5));
  add(entry_kind::partial, "immich-db-20250228T230000Z.sql.zst.partial", "immich-db", utc_time(2025, 2, 28, 23));
  add(entry_kind::partial, "download.partial", "", utc_time(2020, 1, 5));
  add(entry_kind::backup, "other-20200106T020000Z.sql.zst", "other", utc_time(2020, 1, 6));
  retention_policy p;
  p.keep_last = 1;
  p.prefix = "immich-db";
  auto plan = plan_retention(v, p, now);
  for (const auto& e : plan.entries) {
    INFO(e.entry.name);
    if (e.entry.name == "immich-db-20200105T020000Z.sql.zst.partial") {
      CHECK(e.action == plan_action::remove);  // a day old and more: an interrupted backup
      CHECK_THAT(e.reasons.front(), Catch::Contains("interrupted backup"));
    } else if (e.entry.kind == entry_kind::backup && e.entry.prefix == "immich-db") {
      CHECK(e.action == plan_action::keep);
    } else {
      CHECK(e.action == plan_action::untouched);
      CHECK_FALSE(e.reasons.empty());
    }
  }
}

TEST_CASE("retention: every prefix is planned on its own", "[retention]") {
  tz_guard tz("UTC");
  std::vector<backup_entry> v;
  for (int d = 10; d >= 1; --d) {
    v.push_back(synthetic(utc_time(2025, 1, d, 2)));
    v.push_back(synthetic(utc_time(2025, 1, d, 3), verify_state::passed, "photos-db"));
  }
  retention_policy p;
  p.keep_last = 2;
  auto plan = plan_retention(v, p, sys(utc_time(2025, 2, 1)));
  std::map<std::string, int> kept;
  for (const auto& e : plan.entries)
    if (e.action == plan_action::keep) ++kept[e.entry.prefix];
  CHECK(kept["immich-db"] == 2);
  CHECK(kept["photos-db"] == 2);
}

TEST_CASE("retention: two backups of one second are ordered by their -N suffix", "[retention]") {
  tz_guard tz("UTC");
  const std::time_t t = utc_time(2025, 1, 1, 2);
  std::vector<backup_entry> v{synthetic(t, verify_state::passed, "immich-db", 0),
                              synthetic(t, verify_state::passed, "immich-db", 1)};
  retention_policy p;
  p.keep_last = 1;
  auto plan = plan_retention(v, p, sys(t + 60));
  for (const auto& e : plan.entries)
    CHECK(e.action == (e.entry.name_suffix == 1 ? plan_action::keep : plan_action::remove));
}
