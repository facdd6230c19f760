// retention/names and retention/calendar: file names, durations, ISO weeks, calendar
// subtraction (the pieces the planner is built from).
#include "test_retention_support.hpp"

#include "retention/calendar.hpp"
#include "retention/names.hpp"

#include <immichbak/error.hpp>

#include <catch2/catch.hpp>

using namespace immichbak;
using namespace immichbak::retention;
using namespace immichbak::test;

TEST_CASE("retention: immichbak's file names are recognised, with prefix, time and -N suffix", "[retention]") {
  auto a = parse_backup_name("immich-db-20250615T020000Z.sql.zst");
  REQUIRE(a);
  CHECK(a->prefix == "immich-db");
  CHECK(a->time == utc_time(2025, 6, 15, 2, 0, 0));
  CHECK(a->suffix == 0);

  auto b = parse_backup_name("my-other-db-20250615T020000Z-2.sql");
  REQUIRE(b);
  CHECK(b->prefix == "my-other-db");
  CHECK(b->suffix == 2);

  for (const char* bad :
       {"immich-db-20250615T020000Z.sql.bz2", "immich-db-20251315T020000Z.sql.zst", "immich-db-20250230T020000Z.sql",
        "-20250615T020000Z.sql.zst", "20250615T020000Z.sql.zst", "immich-db-20250615T020000.sql.zst",
        "immich-db-20250615T020000Z.sql.zst.partial", "immich-db-20250615T026000Z.sql", "notes.txt",
        "immich-db-20250615T020000Z-x.sql.zst"}) {
    INFO(bad);
    CHECK_FALSE(parse_backup_name(bad));
  }
  CHECK(parse_backup_name("immich-db-20240229T235959Z.sql"));  // a leap day
  // The gzip variant; Immich's own routine names are not ours.
  auto g = parse_backup_name("immich-db-20250615T020000Z-1.sql.gz");
  REQUIRE(g);
  CHECK(g->prefix == "immich-db");
  CHECK(g->suffix == 1);
  CHECK_FALSE(parse_backup_name("immich-db-backup-20250729T114018-v1.136.0-pg14.17.sql.gz"));
  CHECK_FALSE(parse_backup_name("immich-db-backup-1738288800000.sql.gz"));
}

TEST_CASE("retention: Immich's own backup names, both forms", "[retention]") {
  tz_guard tz("Europe/Berlin");
  auto a = parse_immich_name("immich-db-backup-20250615T020000-v1.135.0-pg15.18.sql.gz");
  REQUIRE(a);
  CHECK(a->time == local_time(2025, 6, 15, 2, 0, 0));  // Immich names its files in local time
  CHECK(a->immich_version == "v1.135.0");
  CHECK(a->server_version == "15.18");

  auto b = parse_immich_name("immich-db-backup-1734567890123.sql.gz");
  REQUIRE(b);
  CHECK(b->time == 1734567890);
  CHECK(b->immich_version.empty());

  CHECK_FALSE(parse_immich_name("immich-db-backup-20250615T020000-v1.135.0-pg15.18.sql.gz.tmp"));
  CHECK_FALSE(parse_immich_name("immich-db-backup-.sql.gz"));
  CHECK_FALSE(parse_immich_name("immich-db-20250615T020000Z.sql.zst"));
}

TEST_CASE("retention: manifest times parse back exactly", "[retention]") {
  CHECK(parse_iso8601_utc("2025-06-15T02:00:00Z") == utc_time(2025, 6, 15, 2));
  CHECK(iso8601_utc(utc_time(2025, 6, 15, 2)) == "2025-06-15T02:00:00Z");
  CHECK_FALSE(parse_iso8601_utc("2025-06-15 02:00:00Z"));
  CHECK_FALSE(parse_iso8601_utc("2025-06-15T02:00:00+02:00"));
  CHECK_FALSE(parse_iso8601_utc(""));
}

TEST_CASE("retention: durations as restic writes them, plus weeks", "[retention]") {
  CHECK(parse_calendar_duration("14d") == calendar_duration{0, 0, 14, 0});
  CHECK(parse_calendar_duration("2w") == calendar_duration{0, 0, 14, 0});
  CHECK(parse_calendar_duration("1y2m3d4h") == calendar_duration{1, 2, 3, 4});
  CHECK(parse_calendar_duration("36h") == calendar_duration{0, 0, 0, 36});
  CHECK(to_string(calendar_duration{1, 2, 3, 4}) == "1y2m3d4h");
  CHECK(to_string(calendar_duration{}) == "0h");
  for (const char* bad : {"", "d", "14", "14x", "1.5d", "-1d", "14 d", "99999999d"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_calendar_duration(bad), error);
  }
  try {
    parse_calendar_duration("3q");
  } catch (const error& e) {
    CHECK(e.code() == errc::invalid_argument);
    CHECK_THAT(e.what(), Catch::Contains("unknown unit \"q\""));
  }
}

TEST_CASE("retention: monitoring ages, where m is refused as ambiguous", "[retention]") {
  CHECK(parse_age("26h") == std::chrono::hours(26));
  CHECK(parse_age("1d2h") == std::chrono::hours(26));
  CHECK(parse_age("90min") == std::chrono::minutes(90));
  CHECK(parse_age("45s") == std::chrono::seconds(45));
  CHECK(parse_age("1w") == std::chrono::hours(168));
  CHECK_THROWS_WITH(parse_age("30m"), Catch::Contains("\"min\" for minutes"));
  CHECK_THROWS_AS(parse_age("1y"), error);
  CHECK(format_age(std::chrono::hours(26)) == "1d2h");
  CHECK(format_age(std::chrono::minutes(192)) == "3h12min");
  CHECK(format_age(std::chrono::seconds(45)) == "45s");
  CHECK(format_age(std::chrono::seconds(0)) == "0s");
}

TEST_CASE("retention: ISO weeks agree with strftime's %G%V on every day of 1990-2040", "[retention]") {
  tz_guard tz("UTC");
  for (std::time_t t = utc_time(1990, 1, 1, 12); t < utc_time(2041, 1, 1); t += 86400) {
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%G%V", &tm);
    iso_week w = iso_week_of(tm.tm_year + 1900, tm.tm_yday, tm.tm_wday);
    INFO(iso8601_utc(t));
    REQUIRE(fmt::format("{:04}{:02}", w.year, w.week) == buf);
  }
  CHECK(bucket_key(bucket::week, utc_time(2021, 1, 3, 12)) == 202053);  // Sunday: still 2020's week 53
  CHECK(bucket_key(bucket::week, utc_time(2021, 1, 4, 12)) == 202101);
  CHECK(bucket_key(bucket::week, utc_time(2024, 12, 30, 12)) == 202501);  // Monday: 2025's week 1
}

TEST_CASE("retention: buckets are local time, and the hour DST repeats is one bucket", "[retention]") {
  tz_guard tz("Europe/Berlin");
  // 2024-10-27: 03:00 CEST becomes 02:00 CET. 00:30Z is 02:30 CEST, 01:30Z is 02:30 CET.
  CHECK(bucket_key(bucket::hour, utc_time(2024, 10, 27, 0, 30)) == 2024102702);
  CHECK(bucket_key(bucket::hour, utc_time(2024, 10, 27, 1, 30)) == 2024102702);
  CHECK(bucket_key(bucket::day, utc_time(2024, 10, 26, 22, 30)) == 20241027);  // past midnight in Berlin
  CHECK(bucket_key(bucket::month, utc_time(2024, 10, 31, 23, 30)) == 202411);
  CHECK(bucket_key(bucket::year, utc_time(2024, 12, 31, 23, 30)) == 2025);
}

TEST_CASE("retention: durations are taken off the local calendar as restic (Go's AddDate) does", "[retention]") {
  tz_guard tz("Europe/Berlin");
  // 31 March minus one month is "31 February", normalised to 2 March (2024 is a leap year).
  CHECK(subtract(local_time(2024, 3, 31, 12), {0, 1, 0, 0}) == local_time(2024, 3, 2, 12));
  // Days are calendar days: across the spring DST change a day is 23 hours.
  CHECK(subtract(local_time(2024, 3, 31, 12), {0, 0, 1, 0}) == local_time(2024, 3, 30, 12));
  CHECK(local_time(2024, 3, 31, 12) - local_time(2024, 3, 30, 12) == 23 * 3600);
  // Hours are hours.
  CHECK(subtract(local_time(2024, 3, 31, 12), {0, 0, 0, 24}) == local_time(2024, 3, 30, 11));
  // restic's documented example: 2y5m7d3h before 2020-06-15 12:00 is 2018-01-08 09:00.
  CHECK(subtract(local_time(2020, 6, 15, 12), {2, 5, 7, 3}) == local_time(2018, 1, 8, 9));
}
