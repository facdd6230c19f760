#include "load/parallel_run.hpp"

#include "pg/connection.hpp"
#include "util/parallel.hpp"

#include <immichbak/error.hpp>

#include <algorithm>
#include <atomic>

namespace immichbak::load {

void for_each_parallel(const std::vector<pg::connection*>& sessions, run_control& state,
                       const std::function<std::optional<std::size_t>(std::size_t)>& take,
                       const std::function<void(pg::connection&, std::size_t)>& work) {
  if (sessions.empty()) throw error(errc::internal, "for_each_parallel without sessions");
  util::run_workers(
      sessions.size(),
      [&](std::size_t k) {
        try {
          for (;;) {
            state.check();
            std::optional<std::size_t> i = take(k);
            if (!i) return;
            work(*sessions[k], *i);
          }
        } catch (const stopped_signal&) {
        }
      },
      [&](std::exception_ptr e) { state.fail(std::move(e)); });
  state.rethrow_if_failed();
}

void for_each_parallel(std::size_t count, const std::vector<pg::connection*>& sessions, run_control& state,
                       const std::function<void(pg::connection&, std::size_t)>& work) {
  if (count == 0) return;
  if (sessions.empty()) throw error(errc::internal, "for_each_parallel without sessions");
  std::atomic<std::size_t> next{0};
  std::vector<pg::connection*> used(sessions.begin(), sessions.begin() + std::min(sessions.size(), count));
  for_each_parallel(
      used, state,
      [&](std::size_t) -> std::optional<std::size_t> {
        std::size_t i = next.fetch_add(1);
        if (i >= count) return std::nullopt;
        return i;
      },
      work);
}

}  // namespace immichbak::load
