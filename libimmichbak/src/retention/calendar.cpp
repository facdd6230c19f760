#include "retention/calendar.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <cctype>
#include <limits>

namespace immichbak::retention {

namespace {
bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in(int y) { return leap(y) ? 366 : 365; }
}  // namespace

iso_week iso_week_of(int year, int yday, int wday) {
  const int monday_based = (wday + 6) % 7;    // Monday 0 ... Sunday 6
  int thursday = yday - monday_based + 3;     // the Thursday of this week, as a day of `year`
  int y = year;
  if (thursday < 0) {
    --y;
    thursday += days_in(y);
  } else if (thursday >= days_in(y)) {
    thursday -= days_in(y);
    ++y;
  }
  return {y, thursday / 7 + 1};
}

std::int64_t bucket_key(bucket b, std::time_t t) {
  std::tm tm{};
  ::localtime_r(&t, &tm);
  const std::int64_t y = tm.tm_year + 1900, m = tm.tm_mon + 1, d = tm.tm_mday, h = tm.tm_hour;
  switch (b) {
    case bucket::hour: return ((y * 100 + m) * 100 + d) * 100 + h;
    case bucket::day: return (y * 100 + m) * 100 + d;
    case bucket::week: {
      iso_week w = iso_week_of(tm.tm_year + 1900, tm.tm_yday, tm.tm_wday);
      return std::int64_t{w.year} * 100 + w.week;
    }
    case bucket::month: return y * 100 + m;
    case bucket::year: return y;
  }
  return 0;
}

const char* bucket_name(bucket b) {
  switch (b) {
    case bucket::hour: return "hourly";
    case bucket::day: return "daily";
    case bucket::week: return "weekly";
    case bucket::month: return "monthly";
    case bucket::year: return "yearly";
  }
  return "?";
}

std::time_t subtract(std::time_t t, const calendar_duration& d) {
  std::tm tm{};
  ::localtime_r(&t, &tm);
  tm.tm_year -= d.years;
  tm.tm_mon -= d.months;
  tm.tm_mday -= d.days;
  tm.tm_isdst = -1;
  std::time_t r = std::mktime(&tm);
  return r - static_cast<std::time_t>(d.hours) * 3600;
}

}  // namespace immichbak::retention

namespace immichbak {

namespace {

// "1y2m3d4h" -> (value, unit) pairs; units from `allowed`. Throws naming `what`.
template <class F>
void parse_units(const std::string& text, const char* what, const char* example, F&& add) {
  if (text.empty()) throw error(errc::invalid_argument, fmt::format("{}: empty duration (e.g. {})", what, example));
  std::size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i])))
      throw error(errc::invalid_argument,
                  fmt::format("{}: \"{}\" is not a duration (a number before each unit, e.g. {})", what, text, example));
    long long v = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      v = v * 10 + (text[i] - '0');
      if (v > 1000000)
        throw error(errc::invalid_argument, fmt::format("{}: \"{}\": the number is too large", what, text));
      ++i;
    }
    std::size_t u = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    if (u == i)
      throw error(errc::invalid_argument,
                  fmt::format("{}: \"{}\" has a number without a unit (e.g. {})", what, text, example));
    add(static_cast<int>(v), text.substr(u, i - u));
  }
}

}  // namespace

calendar_duration parse_calendar_duration(const std::string& text) {
  calendar_duration d;
  parse_units(text, "duration", "14d, 2w, 1y2m3d4h", [&](int v, const std::string& unit) {
    if (unit == "y")
      d.years += v;
    else if (unit == "m")
      d.months += v;
    else if (unit == "w")
      d.days += 7 * v;
    else if (unit == "d")
      d.days += v;
    else if (unit == "h")
      d.hours += v;
    else
      throw error(errc::invalid_argument,
                  fmt::format("duration \"{}\": unknown unit \"{}\" (y years, m months, w weeks, d days, h hours; "
                              "e.g. 14d, 2w, 1y2m3d4h)",
                              text, unit));
  });
  return d;
}

std::string to_string(const calendar_duration& d) {
  std::string s;
  if (d.years) s += fmt::format("{}y", d.years);
  if (d.months) s += fmt::format("{}m", d.months);
  if (d.days) s += fmt::format("{}d", d.days);
  if (d.hours) s += fmt::format("{}h", d.hours);
  return s.empty() ? "0h" : s;
}

std::chrono::seconds parse_age(const std::string& text) {
  long long total = 0;
  parse_units(text, "age", "26h, 1d2h, 90min", [&](int v, const std::string& unit) {
    long long f = 0;
    if (unit == "w")
      f = 7 * 86400;
    else if (unit == "d")
      f = 86400;
    else if (unit == "h")
      f = 3600;
    else if (unit == "min")
      f = 60;
    else if (unit == "s")
      f = 1;
    else if (unit == "m")
      throw error(errc::invalid_argument,
                  fmt::format("age \"{}\": \"m\" is ambiguous; write \"min\" for minutes (e.g. 90min)", text));
    else
      throw error(errc::invalid_argument,
                  fmt::format("age \"{}\": unknown unit \"{}\" (w, d, h, min, s; e.g. 26h, 1d2h, 90min)", text, unit));
    total += f * v;
  });
  return std::chrono::seconds(total);
}

std::string format_age(std::chrono::seconds s) {
  long long v = s.count();
  std::string sign;
  if (v < 0) {
    sign = "-";
    v = -v;
  }
  long long d = v / 86400, h = v % 86400 / 3600, m = v % 3600 / 60, sec = v % 60;
  std::string out;
  if (d) out += fmt::format("{}d", d);
  if (h) out += fmt::format("{}h", h);
  if (m && d == 0) out += fmt::format("{}min", m);
  if (out.empty()) out = fmt::format("{}s", sec);
  return sign + out;
}

}  // namespace immichbak
