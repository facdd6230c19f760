// verify_example: check a backup file, optionally by restoring it into a scratch database.
//
//   verify_example FILE                    offline: sidecar, every frame, manifest
//   verify_example FILE --restore-test DSN also restore into a throwaway database and compare
//
// Findings are values: verify() returns a report with one entry per check and throws only
// when the file cannot be examined at all (unreadable, not a backup, unknown version).
#include <immichbak/immichbak.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  immichbak::verify_options options;
  if (argc == 2) {
    options.file = argv[1];
  } else if (argc == 4 && std::string(argv[2]) == "--restore-test") {
    options.file = argv[1];
    options.restore_test = true;
    options.dsn = argv[3];  // server for the scratch database (it is dropped afterwards)
  } else {
    std::cerr << "usage: verify_example FILE [--restore-test DSN]\n";
    return 2;
  }

  try {
    immichbak::verify_report report = immichbak::verify(options);
    for (const immichbak::check_result& c : report.checks) {
      if (c.status == immichbak::check_status::pass) continue;  // print only what needs attention
      std::cout << immichbak::check_status_name(c.status) << "  " << c.name
                << (c.table.empty() ? "" : " " + c.table) << ": " << c.detail << '\n';
    }
    if (report.immich)
      std::cout << "Immich " << report.immich->version << ": " << report.immich->assets << " assets, "
                << report.immich->users << " users\n";
    std::cout << (report.ok() ? "backup OK\n" : "backup has PROBLEMS\n");
    return report.ok() ? 0 : 3;  // the CLI's exit codes: 3 = verify found problems
  } catch (const immichbak::error& e) {
    std::cerr << "cannot verify (" << immichbak::code_name(e.code()) << "): " << e.what() << '\n';
    return 1;
  }
}
