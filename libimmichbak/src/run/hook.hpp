#pragma once
// Runs a user's hook command (`--on-success` / `--on-failure`) through /bin/sh with the
// run's JSON summary on its stdin. No network code of ours: the command does the talking
// (curl to ntfy or healthchecks.io, mail, ...).

#include <atomic>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace immichbak::run_detail {

struct hook_outcome {
  bool started = false;
  int exit_status = -1;  ///< when it exited; -1 when killed by a signal or not started
  int signal = 0;        ///< the signal that ended it (ours after a timeout, or another)
  bool timed_out = false;
  std::string problem;   ///< why it could not be started, or how it ended when not 0
};

/// `/bin/sh -c command` in a process group of its own, stdin the summary, stdout sent to
/// our stderr (our stdout carries the --json result), the environment ours plus `env`,
/// less every variable that holds a password: PGPASSWORD, and any whose value holds one of
/// `secrets` or a password= pair or URI password (IMMICHBAK_DBNAME=postgresql://u:pw@...).
/// The hook talks to ntfy or a mail server; it never needs the database's credentials.
/// After `timeout` (or when `cancel` becomes true) the group gets SIGTERM, and SIGKILL
/// two seconds later. Never throws.
hook_outcome run_hook(const std::string& command, const std::string& input,
                      const std::vector<std::pair<std::string, std::string>>& env, std::chrono::seconds timeout,
                      const std::atomic<bool>* cancel, const std::vector<std::string>& secrets = {}) noexcept;

}  // namespace immichbak::run_detail
