#include "run/hook.hpp"

#include "format/file_io.hpp"
#include "pg/redact.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace immichbak::run_detail {

namespace {

using clock = std::chrono::steady_clock;

// Writing to a hook that exits without reading its stdin raises SIGPIPE; the library must
// not change the process's signal handling, so the signal is blocked for this thread while
// it writes and a pending one is consumed afterwards.
class sigpipe_guard {
 public:
  sigpipe_guard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~sigpipe_guard() {
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE)) {
      timespec zero{0, 0};
      sigtimedwait(&pipe_, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_{};
};

// A variable the hook must not inherit because it carries a database password.
bool holds_password(std::string_view name, std::string_view value, const std::vector<std::string>& secrets) {
  if (name == "PGPASSWORD") return true;
  std::string v(value);
  return pg::redact_message(v, secrets) != v;
}

bool stop_requested(clock::time_point deadline, const std::atomic<bool>* cancel) {
  return clock::now() >= deadline || (cancel && cancel->load());
}

// Feeds `input` to the hook until it is written, the hook closed its stdin, or time is up.
void feed(int fd, const std::string& input, clock::time_point deadline, const std::atomic<bool>* cancel) {
  sigpipe_guard guard;
  std::size_t off = 0;
  while (off < input.size() && !stop_requested(deadline, cancel)) {
    pollfd p{fd, POLLOUT, 0};
    int r = ::poll(&p, 1, 100);
    if (r < 0 && errno != EINTR) return;
    if (r <= 0) continue;
    ssize_t n = ::write(fd, input.data() + off, input.size() - off);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return;  // EPIPE: the hook does not read its stdin, which is its right
    }
    off += static_cast<std::size_t>(n);
  }
}

// Waits for the child; past the deadline (or on cancel) its group is terminated.
void reap(pid_t pid, clock::time_point deadline, const std::atomic<bool>* cancel, hook_outcome& out) {
  int status = 0;
  bool termed = false;
  clock::time_point kill_at{};
  for (;;) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) {
      out.problem = fmt::format("waitpid: {}", format::errno_text(errno));
      return;
    }
    if (!termed && stop_requested(deadline, cancel)) {
      out.timed_out = clock::now() >= deadline;
      ::kill(-pid, SIGTERM);
      termed = true;
      kill_at = clock::now() + std::chrono::seconds(2);
    } else if (termed && clock::now() >= kill_at) {
      ::kill(-pid, SIGKILL);
      kill_at = clock::time_point::max();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (WIFEXITED(status)) {
    out.exit_status = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    out.signal = WTERMSIG(status);
  }
}

}  // namespace

hook_outcome run_hook(const std::string& command, const std::string& input,
                      const std::vector<std::pair<std::string, std::string>>& env, std::chrono::seconds timeout,
                      const std::atomic<bool>* cancel, const std::vector<std::string>& secrets) noexcept {
  hook_outcome out;
  try {
    // Everything the child needs is built before fork: after fork in a threaded process only
    // async-signal-safe calls are allowed.
    std::vector<std::string> env_text;
    for (char** e = environ; e && *e; ++e) {
      std::string_view kv(*e);
      bool overridden = false;
      for (const auto& [k, v] : env)
        if (kv.size() > k.size() && kv.substr(0, k.size()) == k && kv[k.size()] == '=') overridden = true;
      auto eq = kv.find('=');
      if (eq != std::string_view::npos && holds_password(kv.substr(0, eq), kv.substr(eq + 1), secrets)) continue;
      if (!overridden) env_text.emplace_back(kv);
    }
    for (const auto& [k, v] : env) env_text.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_text) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string sh = "/bin/sh", dash_c = "-c", cmd = command;
    char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};

    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      out.problem = fmt::format("cannot create a pipe: {}", format::errno_text(errno));
      return out;
    }
    format::unique_fd read_end(fds[0]), write_end(fds[1]);
    const auto deadline = clock::now() + timeout;
    // Signals stay blocked across fork until the child has reset their handlers: a signal
    // arriving in between would otherwise run the caller's handler in the child (a copy of
    // this process), not end the hook.
    sigset_t all, before;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &before);
    pid_t pid = ::fork();
    if (pid != 0) pthread_sigmask(SIG_SETMASK, &before, nullptr);
    if (pid < 0) {
      out.problem = fmt::format("cannot start /bin/sh: {}", format::errno_text(errno));
      return out;
    }
    if (pid == 0) {
      ::setpgid(0, 0);
      // The caller's handlers are not to run here (execve would reset them, but a signal
      // pending since fork is delivered when the mask is lifted below); what the caller
      // ignores stays ignored (nohup), except the three the hook must default on.
      struct sigaction dfl {};
      dfl.sa_handler = SIG_DFL;
      for (int s = 1; s < NSIG; ++s) {
        struct sigaction cur {};
        if (::sigaction(s, nullptr, &cur) != 0) continue;
        const bool ignored = !(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == SIG_IGN;
        if (!ignored || s == SIGPIPE || s == SIGINT || s == SIGTERM) ::sigaction(s, &dfl, nullptr);
      }
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      if (::dup2(read_end.get(), 0) < 0 || ::dup2(2, 1) < 0) ::_exit(127);
      ::execve(argv[0], argv, envp.data());
      ::_exit(127);
    }
    ::setpgid(pid, pid);  // also from here, so the group exists before we may signal it
    out.started = true;
    read_end.reset();
    ::fcntl(write_end.get(), F_SETFL, O_NONBLOCK);
    feed(write_end.get(), input, deadline, cancel);
    write_end.reset();  // EOF for the hook
    reap(pid, deadline, cancel, out);
    if (out.problem.empty()) {
      if (out.timed_out)
        out.problem = fmt::format("still running after {} s; terminated", timeout.count());
      else if (out.signal)
        out.problem = fmt::format("ended by signal {} ({})", out.signal, ::strsignal(out.signal));
      else if (out.exit_status == 127)
        out.problem = "exited with status 127 (command not found?)";
      else if (out.exit_status != 0)
        out.problem = fmt::format("exited with status {}", out.exit_status);
    }
  } catch (const std::exception& e) {
    out.problem = e.what();
  }
  return out;
}

}  // namespace immichbak::run_detail
