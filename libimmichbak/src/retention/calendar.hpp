#pragma once
// Calendar arithmetic of the retention rules, in the process's local time zone (TZ):
// restic's buckets (hour, day, ISO week, month, year) and "a duration before a time".

#include <immichbak/retention.hpp>

#include <cstdint>
#include <ctime>

namespace immichbak::retention {

/// The ISO 8601 week of a date: (ISO year, week 1-53); weeks start on Monday and week 1
/// holds the year's first Thursday.
struct iso_week {
  int year = 0;
  int week = 0;
};
iso_week iso_week_of(int year, int yday, int wday);  ///< tm_year + 1900, tm_yday, tm_wday

/// Bucket keys of a time in local time: YYYYMMDDHH, YYYYMMDD, YYYYWW (ISO), YYYYMM, YYYY.
enum class bucket { hour, day, week, month, year };
std::int64_t bucket_key(bucket b, std::time_t t);
const char* bucket_name(bucket b);  ///< "hourly", "daily", ...

/// `t` minus `d` as restic computes it: years, months and days on the local calendar
/// (normalised as mktime does: 31 March minus a month is 3 March), then hours as hours.
std::time_t subtract(std::time_t t, const calendar_duration& d);

}  // namespace immichbak::retention
