// backup_example: take one backup with the library, the way `immichbak backup` does.
//
//   backup_example "host=localhost user=postgres dbname=immich" /var/backups/immich [JOBS]
//
// Ctrl-C stops the backup cleanly: the library sees the cancel flag at its next safe point,
// removes its partial file and throws error(errc::cancelled).
#include <immichbak/immichbak.hpp>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>

namespace {
std::atomic<bool> stop{false};  // lock-free, so it may be set from a signal handler
void on_signal(int) { stop = true; }
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::cerr << "usage: backup_example DSN DEST_DIR [JOBS]\n";
    return 2;
  }
  immichbak::backup_options options;
  options.dsn = argv[1];  // libpq connection string or URI; "" means the PG* environment
  options.dest_dir = argv[2];
  options.jobs = argc == 4 ? std::atoi(argv[3]) : 2;  // parallel COPY workers, one snapshot
  options.events.cancel = &stop;
  // The library never prints: log lines and progress arrive through these callbacks.
  options.events.log = [](immichbak::log_level level, const std::string& message) {
    if (level >= immichbak::log_level::info) std::cerr << message << '\n';
  };
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  try {
    immichbak::backup_result r = immichbak::backup(options);
    std::cout << "backup:  " << r.file.string() << '\n'
              << "sidecar: " << r.sidecar.string() << " (sha256 " << r.sha256 << ")\n"
              << "size:    " << r.bytes << " bytes (" << r.plain_bytes << " bytes of SQL)\n"
              << "content: " << r.rows << " rows in " << r.tables << " tables"
              << (r.tables_excluded ? " (" + std::to_string(r.tables_excluded) + " without data)" : "") << '\n'
              << "source:  PostgreSQL " << r.server_version
              << (r.immich_version.empty() ? "" : ", Immich " + r.immich_version) << '\n'
              << "took:    " << r.seconds << " s\n";
    return 0;
  } catch (const immichbak::error& e) {
    // Messages never contain a password; the code is stable and machine-readable.
    std::cerr << "backup failed (" << immichbak::code_name(e.code()) << "): " << e.what() << '\n';
    return e.code() == immichbak::errc::cancelled ? 130 : 1;
  }
}
