#include "retention/names.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace immichbak::retention {

namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

using util::digits_value;
using util::make_tm;
using util::valid_date;

// "YYYYMMDDTHHMMSS" -> fields; false when malformed.
bool compact_stamp(std::string_view s, std::tm* out) {
  if (s.size() != 15 || s[8] != 'T' || !all_digits(s.substr(0, 8)) || !all_digits(s.substr(9, 6))) return false;
  int y = digits_value(s.substr(0, 4)), mo = digits_value(s.substr(4, 2)), d = digits_value(s.substr(6, 2));
  int h = digits_value(s.substr(9, 2)), mi = digits_value(s.substr(11, 2)), sec = digits_value(s.substr(13, 2));
  if (!valid_date(y, mo, d, h, mi, sec)) return false;
  *out = make_tm(y, mo, d, h, mi, sec);
  return true;
}

}  // namespace

std::optional<backup_name> parse_backup_name(std::string_view name) {
  std::string_view stem;
  if (ends_with(name, ".sql.zst"))
    stem = name.substr(0, name.size() - 8);
  else if (ends_with(name, ".sql.gz"))
    stem = name.substr(0, name.size() - 7);
  else if (ends_with(name, ".sql"))
    stem = name.substr(0, name.size() - 4);
  else
    return std::nullopt;
  backup_name out;
  // "-N" after the stamp (a second backup in the same second).
  if (auto dash = stem.rfind('-'); dash != std::string_view::npos && dash > 0 && stem[dash - 1] == 'Z' &&
                                   all_digits(stem.substr(dash + 1)) && stem.size() - dash - 1 <= 4) {
    out.suffix = digits_value(stem.substr(dash + 1));
    stem = stem.substr(0, dash);
  }
  // "PREFIX-" + 16 characters "YYYYMMDDTHHMMSSZ".
  if (stem.size() < 18 || stem.back() != 'Z' || stem[stem.size() - 17] != '-') return std::nullopt;
  std::tm tm{};
  if (!compact_stamp(stem.substr(stem.size() - 16, 15), &tm)) return std::nullopt;
  out.prefix = std::string(stem.substr(0, stem.size() - 17));
  if (out.prefix.empty()) return std::nullopt;
  out.time = ::timegm(&tm);
  return out;
}

std::optional<immich_name> parse_immich_name(std::string_view name) {
  constexpr std::string_view head = "immich-db-backup-", tail = ".sql.gz";
  if (name.size() <= head.size() + tail.size() || name.substr(0, head.size()) != head || !ends_with(name, tail))
    return std::nullopt;
  std::string_view mid = name.substr(head.size(), name.size() - head.size() - tail.size());
  immich_name out;
  if (all_digits(mid) && mid.size() >= 12 && mid.size() <= 14) {
    // Older Immich releases: Date.now(), epoch milliseconds.
    std::int64_t ms = 0;
    for (char c : mid) ms = ms * 10 + (c - '0');
    out.time = static_cast<std::time_t>(ms / 1000);
    return out;
  }
  // YYYYMMDDTHHMMSS-v<immich>-pg<pg>, the time in the server's local time.
  std::tm tm{};
  if (mid.size() < 15 || !compact_stamp(mid.substr(0, 15), &tm)) return std::nullopt;
  std::string_view rest = mid.substr(15);
  if (!rest.empty()) {
    auto pg = rest.rfind("-pg");
    if (rest.substr(0, 2) != "-v" || pg == std::string_view::npos || pg < 2) return std::nullopt;
    out.immich_version = std::string(rest.substr(1, pg - 1));
    out.server_version = std::string(rest.substr(pg + 3));
  }
  out.time = std::mktime(&tm);
  return out;
}

std::string local_time_text(std::time_t t) {
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %z", &tm);
  return std::string(buf, n);
}

}  // namespace immichbak::retention
