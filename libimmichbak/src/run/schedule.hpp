#pragma once
// Whether this run's verify includes a test restore (--restore-test-every): pure, so the
// rule is unit-tested without a server or a clock.

#include <chrono>
#include <ctime>
#include <optional>
#include <string>

namespace immichbak::run_detail {

struct restore_test_decision {
  bool due = false;
  std::string reason;  ///< "last one 2d ago, every 7d", "none recorded yet", ...
};

/// `every`: nullopt never, zero every run. `last`: the newest passed restore test recorded
/// for the directory. A `last` in the future (a clock that was wrong) does not postpone the
/// test: it is due.
restore_test_decision restore_test_due(std::optional<std::chrono::seconds> every, std::optional<std::time_t> last,
                                       std::time_t now);

}  // namespace immichbak::run_detail
