// retention_plan_example: what would a retention policy keep, and why? Plans only: nothing
// is deleted (apply_retention() or prune() would).
//
//   retention_plan_example DIR [KEEP_DAILY [KEEP_WEEKLY [KEEP_MONTHLY]]]
//
// The plan is a pure function of the listing, the policy and the time: the same inputs
// always give the same decisions, so it can be shown, reviewed, tested, then applied.
#include <immichbak/immichbak.hpp>

#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>

int main(int argc, char** argv) {
  if (argc < 2 || argc > 5) {
    std::cerr << "usage: retention_plan_example DIR [KEEP_DAILY [KEEP_WEEKLY [KEEP_MONTHLY]]]\n";
    return 2;
  }
  immichbak::retention_policy policy;
  policy.keep_last = 1;
  policy.keep_daily = argc > 2 ? std::atoi(argv[2]) : 7;
  policy.keep_weekly = argc > 3 ? std::atoi(argv[3]) : 4;
  policy.keep_monthly = argc > 4 ? std::atoi(argv[4]) : 6;
  policy.keep_within = immichbak::parse_calendar_duration("2d");  // everything of the last two days
  policy.count_unverified = true;  // this example also counts backups nobody verified yet

  try {
    const std::vector<immichbak::backup_entry> listing = immichbak::list_backups(argv[1]);
    const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    const immichbak::retention_plan plan = immichbak::plan_retention(listing, policy, now);

    std::cout << "policy: " << immichbak::to_string(policy) << '\n';
    for (const immichbak::plan_entry& e : plan.entries) {
      std::cout << std::left << std::setw(10) << immichbak::plan_action_name(e.action) << std::setw(48)
                << e.entry.name << ' ';
      for (std::size_t i = 0; i < e.reasons.size(); ++i) std::cout << (i ? ", " : "") << e.reasons[i];
      std::cout << '\n';
    }
    std::cout << plan.count(immichbak::plan_action::keep) << " kept, " << plan.count(immichbak::plan_action::remove)
              << " would be removed (" << plan.bytes_to_free() << " bytes), "
              << plan.count(immichbak::plan_action::untouched) << " not the policy's to decide\n";
    return 0;
  } catch (const immichbak::error& e) {
    std::cerr << "cannot plan (" << immichbak::code_name(e.code()) << "): " << e.what() << '\n';
    return 1;
  }
}
