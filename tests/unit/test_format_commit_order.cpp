// The writer's commit order (format/backup_writer.cpp, docs/reliability.md): a process
// killed at any step of the commit leaves either no backup (at most NAME.partial and an
// orphan sidecar) or a complete backup with its matching sidecar -- never a complete
// backup without one, which verify would warn about and restore would take unchecked.
#include "test_format_support.hpp"

#include <immichbak/error.hpp>
#include <immichbak/verify.hpp>

#include <catch2/catch.hpp>

#include <cstring>
#include <sys/wait.h>
#include <unistd.h>

using namespace immichbak;
using namespace immichbak::test;

namespace {

const char* stop_at = nullptr;

void stop_here(const char* step) {
  if (stop_at && std::strcmp(step, stop_at) == 0) ::_exit(42);  // as abrupt as kill -9
}

// Writes the sample backup in a child process that dies at `step` (nullptr: never).
int write_in_child(const fs::path& dir, compression c, const char* step) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    stop_at = step;
    format::testing::set_commit_hook(&stop_here);
    try {
      write_sample(dir, c);
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

}  // namespace

TEST_CASE("a backup killed at any step of its commit is absent, or complete with its sidecar",
          "[format][commit]") {
  for (auto c : all_variants) {
    for (const char* step : {"synced", "sidecar", "renamed", static_cast<const char*>(nullptr)}) {
      INFO("compression " << int(c) << ", killed after step " << (step ? step : "(none: completes)"));
      temp_dir dir("commit_order");
      int rc = write_in_child(dir.path(), c, step);
      CHECK(rc == (step ? 42 : 0));
      const fs::path file = dir.path() / sample_file_name(c);
      const bool committed = step == nullptr || std::strcmp(step, "renamed") == 0;
      CHECK(fs::exists(file) == committed);
      if (fs::exists(file)) {
        // Complete, and its sidecar is there and matches: verify finds nothing to warn about.
        REQUIRE(fs::exists(format::sidecar_path(file)));
        CHECK(format::check_sidecar(file).status == format::sidecar_status::match);
        verify_options o;
        o.file = file;
        verify_report r = verify(o);
        INFO(to_text(r));
        CHECK(r.ok());
        for (const auto& ch : r.checks) CHECK(ch.status == check_status::pass);
      } else {
        // Not a backup: what is left is named so that nothing takes it for one.
        for (const auto& e : fs::directory_iterator(dir.path())) {
          INFO(e.path());
          std::string n = e.path().filename().string();
          const bool partial = n.size() > 8 && n.compare(n.size() - 8, 8, ".partial") == 0;
          const bool sidecar = n.size() > 7 && n.compare(n.size() - 7, 7, ".sha256") == 0;
          CHECK((partial || sidecar));
        }
      }
    }
  }
}

TEST_CASE("the writer never replaces a sidecar, not even an orphan one", "[format][commit]") {
  temp_dir dir("commit_orphan");
  const fs::path file = dir.path() / "immich-db-20250131T020000Z.sql.zst";
  write_file(format::sidecar_path(file), "left behind by a backup killed while it committed\n");
  try {
    write_sample(dir.path(), compression::zstd);
    FAIL("the writer replaced an existing sidecar");
  } catch (const error& e) {
    CHECK(e.code() == errc::io_error);
    CHECK_THAT(e.what(), Catch::Contains(".sha256"));
  }
  CHECK_FALSE(fs::exists(file));
  CHECK(read_file(format::sidecar_path(file)) == "left behind by a backup killed while it committed\n");
}
