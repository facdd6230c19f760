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

// Renders progress on stderr: a single rewritten line on a terminal, a plain line at most
// every few seconds otherwise (so logs of cron jobs stay readable).
class progress_printer {
 public:
  explicit progress_printer(bool tty) : tty_(tty) {}

  void print(const progress_event& e) {
    auto now = std::chrono::steady_clock::now();
    bool phase_changed = e.phase != last_phase_;
    auto min_gap = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
    if (!phase_changed && now - last_ < min_gap) return;
    last_ = now;
    last_phase_ = e.phase;
    std::string line = fmt::format("{:<10}", e.phase);
    if (e.bytes_total > 0) {
      double frac = std::min(1.0, static_cast<double>(e.bytes_done) / static_cast<double>(e.bytes_total));
      if (tty_) {
        int width = 24;
        int filled = static_cast<int>(frac * width);
        line += " [" + std::string(static_cast<size_t>(filled), '#') + std::string(static_cast<size_t>(width - filled), '.') + "]";
      }
      line += fmt::format(" {:3.0f}% {} / {}", frac * 100, human_bytes(e.bytes_done), human_bytes(e.bytes_total));
      if (frac > 0.02 && frac < 1.0 && e.elapsed_seconds > 1) {
        double eta = e.elapsed_seconds * (1 - frac) / frac;
        line += fmt::format(" ETA {:.0f}s", eta);
      }
    } else if (e.bytes_done > 0) {
      line += " " + human_bytes(e.bytes_done);
    }
    if (e.items_total > 0) line += fmt::format(" ({}/{})", e.items_done, e.items_total);
    if (e.rows_done > 0) line += fmt::format(" {} rows", e.rows_done);
    if (!e.item.empty()) line += " " + e.item;
    if (tty_) {
      if (line.size() > 110) line.resize(110);
      std::fprintf(stderr, "\r%-110s", line.c_str());
      dirty_ = true;
    } else {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
  }

  void clear() {
    if (tty_ && dirty_) {
      std::fprintf(stderr, "\r%-110s\r", "");
      dirty_ = false;
    }
  }

 private:
  bool tty_;
  bool dirty_ = false;
  std::string last_phase_;
  std::chrono::steady_clock::time_point last_{};
};

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

int report_error(const global_options& g, const std::exception& e) {
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
    std::cout << j.dump(2) << "\n";
  }
  std::fprintf(stderr, "\rimmichbak: error: %s\n", e.what());
  return code;
}

}  // namespace immichbak::cli
