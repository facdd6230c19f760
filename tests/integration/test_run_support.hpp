#pragma once
// Helpers of the `immichbak run` tests: the command run the way systemd runs a service
// (a clean environment, the variables of an EnvironmentFile, no terminal anywhere), and
// small file helpers.

#include "support/test_env.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace immichbak::test {

inline void spit(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

struct service_outcome {
  int rc;
  std::string out;  // stdout
  std::string err;  // stderr
};

/// Runs `cli args` as a systemd service would: `env -i` (only PATH, HOME, TZ), then the
/// KEY=VALUE lines of `env_file` exported (what EnvironmentFile= does), stdin /dev/null and
/// stdout/stderr files (no TTY). `scratch` holds the output files.
inline service_outcome run_as_service(const std::string& cli, const std::string& args, const std::filesystem::path& env_file,
                                      const std::filesystem::path& scratch) {
  const auto out = scratch / "service.stdout", err = scratch / "service.stderr";
  const char* path = std::getenv("PATH");
  std::string cmd = fmt::format(
      "( env -i PATH={} HOME={} TZ=UTC /bin/sh -c {} </dev/null >{} 2>{} )", shell_quote(path ? path : "/usr/bin:/bin"),
      shell_quote(scratch.string()),
      shell_quote(fmt::format("set -a; . {}; set +a; exec {} {}", shell_quote(env_file.string()), shell_quote(cli), args)),
      shell_quote(out.string()), shell_quote(err.string()));
  std::string ignored;
  int rc = run(cmd, &ignored);
  return {rc, slurp(out), slurp(err)};
}

/// The immichbak backups (PREFIX-*.sql.zst) in `dir`, sorted by name (= by time).
inline std::vector<std::string> backup_names(const std::filesystem::path& dir) {
  std::vector<std::string> v;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string n = e.path().filename().string();
    if (n.size() > 8 && n.substr(n.size() - 8) == ".sql.zst") v.push_back(n);
  }
  std::sort(v.begin(), v.end());
  return v;
}

/// The value of a metric sample line "NAME{...} VALUE" in a textfile, or "" when absent.
inline std::string metric(const std::string& text, const std::string& name) {
  std::size_t pos = 0;
  while ((pos = text.find(name + "{", pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') {
      std::size_t sp = text.find("} ", pos);
      std::size_t nl = text.find('\n', sp);
      return text.substr(sp + 2, nl - sp - 2);
    }
    pos += name.size();
  }
  return {};
}

}  // namespace immichbak::test
