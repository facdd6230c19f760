#include "util/parallel.hpp"

#include <mutex>
#include <thread>
#include <vector>

namespace immichbak::util {

void run_workers(std::size_t count, const std::function<void(std::size_t)>& worker,
                 const std::function<void(std::exception_ptr)>& on_failure) {
  std::mutex mu;
  std::exception_ptr first;
  auto failed = [&](std::exception_ptr e) {
    if (on_failure) {
      on_failure(std::move(e));
      return;
    }
    std::lock_guard lock(mu);
    if (!first) first = std::move(e);
  };
  auto guarded = [&](std::size_t k) {
    try {
      worker(k);
    } catch (...) {
      failed(std::current_exception());
    }
  };
  std::vector<std::thread> threads;
  if (count > 1) {
    try {
      threads.reserve(count - 1);
      for (std::size_t k = 1; k < count; ++k) threads.emplace_back(guarded, k);
    } catch (...) {
      failed(std::current_exception());
    }
  }
  if (count > 0) guarded(0);
  for (auto& t : threads) t.join();
  if (first) std::rethrow_exception(first);
}

}  // namespace immichbak::util
