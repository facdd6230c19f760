// restore_example: load a backup into a database, all or nothing, with a progress bar.
//
//   restore_example FILE DSN [--replace]
//
// DSN names the target database. It must not exist (or, with --replace, it is swapped for
// the restored copy and kept as NAME_before_restore_<time>). On any failure the target is
// exactly as it was. Files from pg_dump and Immich's own .sql.gz backups restore too.
#include <immichbak/immichbak.hpp>

#include <algorithm>
#include <iostream>
#include <string>

namespace {

// One line, redrawn in place: "data  [#########...........]  43%  public.asset".
void draw(const immichbak::progress_event& p) {
  const double done = p.bytes_total ? double(p.bytes_done) / double(p.bytes_total)
                      : p.items_total ? double(p.items_done) / double(p.items_total)
                                      : 0.0;
  const int width = 30;
  const int filled = std::clamp(int(done * width + 0.5), 0, width);
  std::cerr << '\r' << p.phase << std::string(p.phase.size() < 10 ? 10 - p.phase.size() : 1, ' ') << '['
            << std::string(filled, '#') << std::string(width - filled, '.') << "] " << int(done * 100 + 0.5)
            << "%  " << p.item.substr(0, 40) << "\033[K" << std::flush;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4 || (argc == 4 && std::string(argv[3]) != "--replace")) {
    std::cerr << "usage: restore_example FILE DSN [--replace]\n";
    return 2;
  }
  immichbak::restore_options options;
  options.file = argv[1];
  options.dsn = argv[2];
  options.jobs = 2;
  options.mode = argc == 4 ? immichbak::restore_mode::replace : immichbak::restore_mode::new_database;
  int draws = 0;
  options.events.progress = [&draws](const immichbak::progress_event& p) {
    draw(p);
    ++draws;
  };

  try {
    immichbak::restore_result r = immichbak::restore(options);
    std::cerr << '\n';
    std::cout << "restored " << r.rows << " rows in " << r.tables << " tables into " << r.database << " in "
              << r.seconds << " s (" << draws << " progress updates)\n";
    if (r.kept_old_database) std::cout << "the old database is kept as " << *r.kept_old_database << '\n';
    for (const std::string& w : r.warnings) std::cout << "warning: " << w << '\n';
    for (const std::string& job : r.immich_jobs_to_run) std::cout << "run in Immich: " << job << '\n';
    return 0;
  } catch (const immichbak::error& e) {
    std::cerr << "\nrestore failed, nothing changed (" << immichbak::code_name(e.code()) << "): " << e.what() << '\n';
    return 1;
  }
}
