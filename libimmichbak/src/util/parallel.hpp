#pragma once
// One job's workers at once, for every command that works in parallel (a backup's COPY
// sessions, a restore's loading sessions, verify's frame decoders): start them, wait for all,
// and hand back what went wrong. What the workers share (their items, a stop flag, a
// pg::run_control) stays with the caller.

#include <cstddef>
#include <exception>
#include <functional>

namespace immichbak::util {

/// Runs worker(k) for every k in [0, count) at the same time: worker 0 on the calling thread
/// (a one-worker job starts no thread), the others on threads of their own. Returns once
/// every worker has returned.
///
/// An exception escaping a worker does not stop the others by itself:
/// - without `on_failure`, the first one is rethrown after every worker returned;
/// - with `on_failure`, each is handed to it at once, on the failing worker's thread, so the
///   caller can stop the others and keep its own record (pg::run_control::fail); nothing is
///   rethrown then. It must not throw.
/// A thread that cannot be started is such a failure; the workers already started, and
/// worker 0, still run (they should see the caller's stop flag).
void run_workers(std::size_t count, const std::function<void(std::size_t)>& worker,
                 const std::function<void(std::exception_ptr)>& on_failure = {});

}  // namespace immichbak::util
