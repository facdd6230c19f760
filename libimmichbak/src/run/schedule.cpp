#include "run/schedule.hpp"

#include <immichbak/retention.hpp>

#include <fmt/format.h>

namespace immichbak::run_detail {

restore_test_decision restore_test_due(std::optional<std::chrono::seconds> every, std::optional<std::time_t> last,
                                       std::time_t now) {
  if (!every) return {false, "not asked for (--restore-test-every)"};
  if (every->count() <= 0) return {true, "every run"};
  const std::string every_text = format_age(*every);
  if (!last) return {true, fmt::format("none recorded yet (every {})", every_text)};
  if (*last > now) return {true, fmt::format("the last one is dated in the future (every {})", every_text)};
  const std::chrono::seconds age(now - *last);
  const std::string age_text = format_age(age);
  if (age >= *every) return {true, fmt::format("the last one was {} ago (every {})", age_text, every_text)};
  return {false, fmt::format("the last one was {} ago (every {})", age_text, every_text)};
}

}  // namespace immichbak::run_detail
