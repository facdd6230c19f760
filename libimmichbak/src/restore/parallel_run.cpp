#include "restore/parallel_run.hpp"

#include "pg/connection.hpp"

#include <immichbak/error.hpp>

#include <algorithm>
#include <atomic>
#include <thread>

namespace immichbak::restore_detail {

void for_each_parallel(std::size_t count, const std::vector<pg::connection*>& sessions, run_control& state,
                       const std::function<void(pg::connection&, std::size_t)>& work) {
  if (count == 0) return;
  if (sessions.empty()) throw error(errc::internal, "for_each_parallel without sessions");
  std::atomic<std::size_t> next{0};
  auto worker = [&](pg::connection* c) {
    try {
      for (;;) {
        state.check();
        std::size_t i = next.fetch_add(1);
        if (i >= count) return;
        work(*c, i);
      }
    } catch (const stopped_signal&) {
    } catch (...) {
      state.fail(std::current_exception());
    }
  };
  std::size_t n = std::min(sessions.size(), count);
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (std::size_t k = 0; k < n; ++k) threads.emplace_back(worker, sessions[k]);
  for (auto& t : threads) t.join();
  state.rethrow_if_failed();
}

}  // namespace immichbak::restore_detail
