// immichbak verify FILE [--restore-test [--dbname DSN] [--immich-env FILE]] [--media-root SERVER=LOCAL]... [--sample N]
#include "cli_common.hpp"
#include "connection_args.hpp"

#include <iostream>

namespace immichbak::cli {

namespace {

struct verify_args {
  std::string file;
  verify_options o;
  std::vector<std::string> media_roots;
  std::string immich_env;
};

int run_verify(verify_args& a, const global_options& g) {
  a.o.file = a.file;
  for (const auto& m : a.media_roots) {
    auto eq = m.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == m.size())
      throw error(errc::invalid_argument,
                  "--media-root expects SERVER_PREFIX=LOCAL_PREFIX, e.g. /usr/src/app/upload=/mnt/photos; got \"" + m + "\"");
    a.o.media_roots.emplace_back(m.substr(0, eq), m.substr(eq + 1));
  }
  if (!a.o.media_roots.empty() && !a.o.restore_test)
    throw error(errc::invalid_argument, "--media-root needs --restore-test (assets are read from the restored copy)");
  a.o.events = make_event_sink(g);
  // An offline verify connects to nothing: IMMICHBAK_IMMICH_ENV set for `run` is not read then.
  if (a.o.restore_test) a.o.dsn = resolve_dsn(a.immich_env, a.o.dsn, a.o.events);
  verify_report r = verify(a.o);
  finish_progress();
  std::cout << (g.json ? to_json(r) : to_text(r)) << "\n";
  return r.ok() ? exit_code::ok : exit_code::verify_problems;
}

}  // namespace

command add_verify(CLI::App& root, const global_options& g) {
  auto a = std::make_shared<verify_args>();
  CLI::App* sub = root.add_subcommand("verify", "Check a backup offline, and optionally by a real test restore");
  sub->add_option("file", a->file, "Backup file")->required();
  sub->add_flag("--restore-test", a->o.restore_test,
                "Restore into a scratch database (dropped afterwards) and compare with the manifest");
  sub->add_option("-d,--dbname", a->o.dsn, "Server for --restore-test (libpq DSN; only a scratch database is created)")
      ->envname("IMMICHBAK_DBNAME");
  add_immich_env_option(sub, a->immich_env);
  sub->add_option("--media-root", a->media_roots,
                  "Check sampled original files: SERVER_PREFIX=LOCAL_PREFIX (e.g. /usr/src/app/upload=/mnt/photos)");
  sub->add_option("--sample", a->o.media_sample, "Assets to sample for the media check")->capture_default_str();
  sub->add_option("-j,--jobs", a->o.jobs, "Parallel workers for the test restore")->check(CLI::Range(1, 64));
  return {sub, [a, &g] { return run_verify(*a, g); }};
}

}  // namespace immichbak::cli
