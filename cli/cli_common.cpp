#include "cli_common.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <unistd.h>

namespace immichbak::cli {

std::atomic<bool>& cancel_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}

namespace {

extern "C" void on_signal(int) { cancel_flag().store(true); }

std::string human_bytes(std::uint64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", b) : fmt::format("{:.1f} {}", v, units[u]);
}

const char* level_name(log_level l) {
  switch (l) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warning: return "warning";
    case log_level::error: return "error";
  }
  return "";
}

std::string human_rate(double bytes, double seconds) {
  if (seconds < 0.05 || bytes <= 0) return {};
  return human_bytes(static_cast<std::uint64_t>(bytes / seconds)) + "/s";
}

// Renders progress on stderr.
//
// On a terminal: one bar, rewritten at most ten times a second.
// Elsewhere (cron logs): for each phase, a line once it has run 5 seconds, then lines
// spaced out to one a minute, and a closing line with its totals and rate when the next
// phase starts or the command ends. A phase's start prints nothing, so a log reads in
// order: the library's log lines, then each phase's line as it closes.
class progress_printer {
 public:
  explicit progress_printer(bool tty) : tty_(tty) {}

  void print(const progress_event& e) {
    auto now = std::chrono::steady_clock::now();
    if (tty_) {
      if (e.phase == phase_ && now - last_line_ < std::chrono::milliseconds(100)) return;
      phase_ = e.phase;
      last_line_ = now;
      std::string line = status(e, now);
      if (line.size() > 110) line.resize(110);
      std::fprintf(stderr, "\r%-110s", line.c_str());
      dirty_ = true;
      std::fflush(stderr);
      return;
    }
    if (e.phase != phase_) {
      close_phase(now);
      phase_ = e.phase;
      phase_start_ = now;
      last_line_ = now;
      gap_ = std::chrono::seconds(5);
    }
    last_ = e;
    have_ = true;
    if (now - last_line_ >= gap_) {
      last_line_ = now;
      gap_ = std::min<std::chrono::seconds>(gap_ * 2, std::chrono::seconds(60));
      std::fprintf(stderr, "%s\n", status(e, now).c_str());
      std::fflush(stderr);
    }
  }

  /// Before a log line: the bar is wiped so the line starts clean.
  void clear() {
    if (tty_ && dirty_) {
      std::fprintf(stderr, "\r%-110s\r", "");
      dirty_ = false;
    }
  }

  /// The command is over: the last phase's closing line (plain lines) or a clean line.
  void finish(bool ok) {
    if (tty_) {
      clear();
    } else if (ok) {
      close_phase(std::chrono::steady_clock::now());
    }
    phase_.clear();
    have_ = false;
  }

 private:
  double seconds_since(std::chrono::steady_clock::time_point t, std::chrono::steady_clock::time_point now) const {
    return std::chrono::duration<double>(now - t).count();
  }

  // "data       45% 1.2 MiB / 3.4 MiB (12/39) 5000 rows, 1.1 MiB/s, ETA 3s public.asset"
  std::string status(const progress_event& e, std::chrono::steady_clock::time_point now) const {
    std::string line = fmt::format("{:<10}", e.phase);
    double secs = tty_ ? e.elapsed_seconds : seconds_since(phase_start_, now);
    if (e.bytes_total > 0) {
      double frac = std::min(1.0, static_cast<double>(e.bytes_done) / static_cast<double>(e.bytes_total));
      if (tty_) {
        int width = 24;
        int filled = static_cast<int>(frac * width);
        line += " [" + std::string(static_cast<size_t>(filled), '#') + std::string(static_cast<size_t>(width - filled), '.') + "]";
      }
      line += fmt::format(" {:3.0f}% {} / {}", frac * 100, human_bytes(e.bytes_done), human_bytes(e.bytes_total));
    } else if (e.bytes_done > 0) {
      line += " " + human_bytes(e.bytes_done);
    }
    if (e.items_total > 0) line += fmt::format(" ({}/{})", e.items_done, e.items_total);
    if (e.rows_done > 0) line += fmt::format(" {} rows", e.rows_done);
    if (!tty_) {
      std::string rate = human_rate(static_cast<double>(e.bytes_done), secs);
      if (!rate.empty()) line += ", " + rate;
    }
    if (e.bytes_total > 0) {
      double frac = static_cast<double>(e.bytes_done) / static_cast<double>(e.bytes_total);
      double t = tty_ ? e.elapsed_seconds : secs;
      if (frac > 0.02 && frac < 1.0 && t > 1) line += fmt::format(", ETA {:.0f}s", t * (1 - frac) / frac);
    }
    if (!e.item.empty()) line += " " + e.item;
    return line;
  }

  // "data       done: 39/39, 12000 rows, 3.4 MiB in 1.2 s (2.8 MiB/s)"
  void close_phase(std::chrono::steady_clock::time_point now) {
    if (phase_.empty() || !have_) return;
    double secs = seconds_since(phase_start_, now);
    std::vector<std::string> parts;
    if (last_.items_total > 0 || last_.items_done > 0)
      parts.push_back(fmt::format("{}/{}", last_.items_done, std::max(last_.items_total, last_.items_done)));
    if (last_.rows_done > 0) parts.push_back(fmt::format("{} rows", last_.rows_done));
    if (last_.bytes_done > 0) parts.push_back(human_bytes(last_.bytes_done));
    std::string what;
    for (const auto& p : parts) what += (what.empty() ? "" : ", ") + p;
    std::string rate = human_rate(static_cast<double>(last_.bytes_done), secs);
    std::fprintf(stderr, "%-10s done%s%s in %.1f s%s\n", phase_.c_str(), what.empty() ? "" : ": ", what.c_str(), secs,
                 rate.empty() ? "" : (" (" + rate + ")").c_str());
    std::fflush(stderr);
    have_ = false;
  }

  bool tty_;
  bool dirty_ = false;
  std::string phase_;
  std::chrono::steady_clock::time_point phase_start_{};
  std::chrono::steady_clock::time_point last_line_{};
  std::chrono::seconds gap_{5};
  progress_event last_;
  bool have_ = false;
};

std::shared_ptr<progress_printer>& current_printer() {
  static std::shared_ptr<progress_printer> p;
  return p;
}

}  // namespace

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

event_sink make_event_sink(const global_options& g) {
  event_sink sink;
  sink.cancel = &cancel_flag();
  bool tty = ::isatty(STDERR_FILENO) != 0;
  bool show_progress = g.verbosity >= 0 && (g.progress == progress_mode::always ||
                                            (g.progress == progress_mode::auto_ && tty));
  auto printer = std::make_shared<progress_printer>(tty && g.progress != progress_mode::never);
  current_printer() = printer;
  int verbosity = g.verbosity;
  sink.log = [verbosity, printer](log_level level, const std::string& msg) {
    if (level == log_level::debug && verbosity < 1) return;
    if (level == log_level::info && verbosity < 0) return;
    printer->clear();
    std::fprintf(stderr, "immichbak: %s%s\n", level == log_level::info ? "" : (std::string(level_name(level)) + ": ").c_str(),
                 msg.c_str());
    std::fflush(stderr);
  };
  if (show_progress) sink.progress = [printer](const progress_event& e) { printer->print(e); };
  return sink;
}

void finish_progress() {
  if (auto& p = current_printer()) p->finish(true);
}

std::string dump_json(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

int report_error(const global_options& g, const std::exception& e) {
  if (auto& p = current_printer()) p->finish(false);
  const auto* ie = dynamic_cast<const immichbak::error*>(&e);
  int code = exit_code::failure;
  if (ie && ie->code() == errc::cancelled) code = exit_code::interrupted;
  if (ie && ie->code() == errc::invalid_argument) code = exit_code::usage;
  if (g.json) {
    nlohmann::json j;
    j["ok"] = false;
    j["error"]["message"] = e.what();
    j["error"]["code"] = ie ? code_name(ie->code()) : "internal";
    if (ie && !ie->sqlstate().empty()) j["error"]["sqlstate"] = ie->sqlstate();
    std::cout << dump_json(j) << "\n";
  }
  std::fprintf(stderr, "immichbak: error: %s\n", e.what());
  return code;
}

}  // namespace immichbak::cli
