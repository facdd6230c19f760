// inspect_example: what is in a backup? Reads only the footer and manifest (fast, even for
// a large file); no frame is decompressed.
//
//   inspect_example FILE
#include <immichbak/immichbak.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: inspect_example FILE\n";
    return 2;
  }
  try {
    immichbak::manifest m = immichbak::read_manifest(argv[1]);
    std::cout << "format " << m.format_major << '.' << m.format_minor << ", written by immichbak "
              << m.tool_version << " at " << m.created_at << '\n'
              << "database " << m.database << " on PostgreSQL " << m.server_version;
    if (!m.immich_version.empty()) std::cout << ", Immich " << m.immich_version;
    std::cout << '\n';
    for (const immichbak::manifest_extension& x : m.extensions)
      std::cout << "  extension " << x.name << ' ' << x.version << (x.needs_preload ? " (preload)" : "") << '\n';
    for (const immichbak::manifest_table& t : m.tables) {
      std::cout << "  " << t.schema << '.' << t.name << ": ";
      if (t.data_excluded) std::cout << "definition only (" << t.exclusion_reason << ")\n";
      else std::cout << t.rows << " rows, " << t.plain_bytes << " bytes\n";
    }
    // immichbak::to_text(m) gives the CLI's summary; immichbak::to_json(m) the raw manifest.
    return 0;
  } catch (const immichbak::error& e) {
    std::cerr << "not readable (" << immichbak::code_name(e.code()) << "): " << e.what() << '\n';
    return 1;
  }
}
