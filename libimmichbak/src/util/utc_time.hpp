#pragma once
// UTC timestamps as the manifest, the verify record and the run state write them
// ("2025-06-15T02:00:00Z"). Below every command: the retention listing reads them, the
// scheduled run (run/) reads and writes them.

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace immichbak::util {

/// A calendar date and time of day that exists (1970-9999; a leap second is allowed).
bool valid_date(int y, int mo, int d, int h, int mi, int s);
/// The fields as a std::tm (tm_isdst -1: mktime decides; timegm ignores it).
std::tm make_tm(int y, int mo, int d, int h, int mi, int s);
/// The value of a run of ASCII digits the caller has checked.
int digits_value(std::string_view digits);
/// "YYYY-MM-DDTHH:MM:SSZ" as UTC; nullopt when malformed.
std::optional<std::time_t> parse_iso8601_utc(std::string_view text);
/// The other way round.
std::string iso8601_utc(std::time_t t);

}  // namespace immichbak::util
