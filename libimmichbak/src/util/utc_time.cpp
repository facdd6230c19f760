#include "util/utc_time.hpp"

#include <fmt/format.h>

#include <array>

namespace immichbak::util {

namespace {

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

int digits_value(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

std::tm make_tm(int y, int mo, int d, int h, int mi, int s) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  tm.tm_isdst = -1;
  return tm;
}

bool valid_date(int y, int mo, int d, int h, int mi, int s) {
  static constexpr std::array<int, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return false;
  int dim = days[static_cast<std::size_t>(mo - 1)] + (mo == 2 && leap(y) ? 1 : 0);
  return d <= dim;
}

std::optional<std::time_t> parse_iso8601_utc(std::string_view s) {
  if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
    return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  int y = digits_value(s.substr(0, 4)), mo = digits_value(s.substr(5, 2)), d = digits_value(s.substr(8, 2));
  int h = digits_value(s.substr(11, 2)), mi = digits_value(s.substr(14, 2)), sec = digits_value(s.substr(17, 2));
  if (!valid_date(y, mo, d, h, mi, sec)) return std::nullopt;
  std::tm tm = make_tm(y, mo, d, h, mi, sec);
  return ::timegm(&tm);
}

std::string iso8601_utc(std::time_t t) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

}  // namespace immichbak::util
