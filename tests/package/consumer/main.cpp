// An outside program built against the installed package: uses only public headers.
#include <immichbak/immichbak.hpp>

#include <cstring>
#include <iostream>

int main() {
  if (std::strcmp(immichbak::library_version(), immichbak::header_version) != 0) {
    std::cerr << "header/library version mismatch\n";
    return 1;
  }
  std::string redacted = immichbak::redact_dsn("postgresql://u:secret@localhost/immich");
  if (redacted.find("secret") != std::string::npos) {
    std::cerr << "password not redacted: " << redacted << "\n";
    return 1;
  }
  // Member functions of public value types are exported too (a shared library hides
  // everything else): one call each.
  immichbak::verify_report report;
  immichbak::retention_policy policy;
  immichbak::retention_plan plan;
  immichbak::apply_result applied;
  if (!report.ok() || !policy.empty() || plan.count(immichbak::plan_action::keep) != 0 || !applied.ok()) {
    std::cerr << "default-constructed report, policy, plan or result misreported\n";
    return 1;
  }
  try {
    (void)immichbak::read_manifest("/nonexistent/backup.sql.zst");
    std::cerr << "reading a missing file did not throw\n";
    return 1;
  } catch (const immichbak::error& e) {
    std::cout << "immichbak " << immichbak::library_version() << " ok (" << immichbak::code_name(e.code()) << ")\n";
  }
  return 0;
}
