// Fault injection, destination side ([faults]): a disk that fills up (RLIMIT_FSIZE on the
// process; a small tmpfs, also one with room for the file but not for its sidecar, where
// mounting is allowed), and a destination that is read-only, missing, a file, or a path
// under a file.

#include "integration/test_faults_support.hpp"

#include <immichbak/backup.hpp>

#include <sys/statvfs.h>

#ifdef IMMICHBAK_CLI_PATH

using namespace immichbak;
using namespace immichbak::faults;

namespace {

// A mount for the life of the object; `ok()` is false where this process may not mount.
class mount_point {
 public:
  mount_point(const std::string& command, const fs::path& where) : where_(where) {
    std::string out;
    ok_ = test::run(command, &out) == 0;
    why_ = out;
  }
  ~mount_point() {
    if (ok_) test::run("umount -l " + test::shell_quote(where_.string()));
  }
  mount_point(const mount_point&) = delete;
  mount_point& operator=(const mount_point&) = delete;
  bool ok() const { return ok_; }
  const std::string& why() const { return why_; }

 private:
  fs::path where_;
  bool ok_ = false;
  std::string why_;
};

std::vector<std::string> backup_args(const test::scratch_database& src, const fs::path& dest) {
  return {"backup", "--dbname", src.dsn(), "--dest", dest.string()};
}

std::string first_error_line(const std::string& err) {
  auto p = err.find("immichbak: error: ");
  if (p == std::string::npos) return {};
  std::string line = err.substr(p);
  return line.substr(0, line.find('\n'));
}

}  // namespace

TEST_CASE("faults: a full disk makes the backup fail with a clear error and leaves no file named like a backup",
          "[faults][destination]") {
  test::scratch_database src("fd_full");
  load_source(src, 600, "src");
  test::temp_dir tmp("fd_full");
  std::vector<std::string> report;

  // The size of a complete backup of it.
  fs::path probe = tmp.path() / "probe";
  fs::create_directories(probe);
  auto full = run_cli(backup_args(src, probe), tmp.path(), "probe");
  INFO(full.err);
  REQUIRE(full.rc == 0);
  const fs::path complete = fs::path(full.out.substr(0, full.out.find('\n')));
  const std::uintmax_t size = fs::file_size(complete);
  REQUIRE(size > 512 * 1024);

  // The file size limit of the process (RLIMIT_FSIZE, SIGXFSZ ignored): writes fail with EFBIG.
  {
    fs::path dest = tmp.path() / "limited";
    fs::create_directories(dest);
    cli_process::limits lim;
    lim.file_size = 256 * 1024;
    auto r = run_cli(backup_args(src, dest), tmp.path(), "fsize", lim);
    INFO(r.err);
    CHECK(r.rc == 1);
    std::string line = first_error_line(r.err);
    CHECK(line.find("cannot write") != std::string::npos);
    CHECK(line.find(dest.string()) != std::string::npos);
    CHECK(contains_ci(line, "file too large"));
    INFO("left: " << fmt::format("{}", fmt::join(names_in(dest), ", ")));
    CHECK(backup_like_in(dest).empty());
    report.push_back(fmt::format("RLIMIT_FSIZE 256 KiB: exit {}, {}", r.rc, line));
  }

  // A small tmpfs: full during the data, and full exactly at the sidecar.
  [&] {
    fs::path dest = tmp.path() / "tmpfs";
    fs::create_directories(dest);
    {
      mount_point m(fmt::format("mount -t tmpfs -o size=1m tmpfs {}", test::shell_quote(dest.string())), dest);
      if (!m.ok()) {
        report.push_back("tmpfs part not run: this process may not mount (" + m.why() + ")");
        return;
      }
      auto r = run_cli(backup_args(src, dest), tmp.path(), "tmpfs1m");
      INFO(r.err);
      CHECK(r.rc == 1);
      std::string line = first_error_line(r.err);
      CHECK(contains_ci(line, "no space left on device"));
      CHECK(line.find(dest.string()) != std::string::npos);
      INFO("left: " << fmt::format("{}", fmt::join(names_in(dest), ", ")));
      CHECK(backup_like_in(dest).empty());
      report.push_back(fmt::format("1 MiB tmpfs: exit {}, {}", r.rc, line));
    }
    {
      // Room for exactly the pages of the file (its size is the probe's: same data, same
      // level), none for the sidecar written after it.
      const std::uintmax_t pages = (size + 4095) / 4096;
      mount_point m(fmt::format("mount -t tmpfs -o size={}k tmpfs {}", (pages + 64) * 4, test::shell_quote(dest.string())),
                    dest);
      REQUIRE(m.ok());
      {
        std::ofstream filler(dest / "filler", std::ios::binary);
        std::string block(4096, 'x');
        for (int i = 0; i < 64; ++i) filler << block;
      }
      struct statvfs vfs {};
      REQUIRE(::statvfs(dest.c_str(), &vfs) == 0);
      INFO("free pages " << vfs.f_bavail << ", the file needs " << pages);
      REQUIRE(vfs.f_bavail == pages);
      auto r = run_cli(backup_args(src, dest), tmp.path(), "tmpfs_exact");
      INFO(r.err);
      CHECK(r.rc == 1);
      std::string line = first_error_line(r.err);
      CHECK(contains_ci(line, "no space left on device"));
      bool at_sidecar = line.find(".sha256") != std::string::npos;
      if (!at_sidecar) WARN("the exact-fit backup failed before its sidecar: " << line);
      auto left = backup_like_in(dest);
      INFO("left: " << fmt::format("{}", fmt::join(left, ", ")));
      CHECK(left.empty());
      report.push_back(fmt::format("tmpfs with room for the file only: exit {}, {}{}", r.rc, line,
                                   at_sidecar ? " (failed at the sidecar; both files removed)" : ""));
    }
  }();
  test::report(fmt::format("disk full: {}; nothing named like a backup left any time", fmt::join(report, "; ")));
}

TEST_CASE("faults: a destination that is read-only, missing, a file, or under a file is refused clearly before "
          "anything is written",
          "[faults][destination]") {
  test::scratch_database src("fd_dest");
  load_source(src, 20, "src");
  test::temp_dir tmp("fd_dest");
  std::vector<std::string> report;

  auto expect_refusal = [&](const fs::path& dest, const std::string& tag, const std::string& says) {
    auto r = run_cli(backup_args(src, dest), tmp.path(), tag);
    INFO(tag << ": " << r.err);
    CHECK(r.rc == 1);
    std::string line = first_error_line(r.err);
    CHECK(line.find(dest.string()) != std::string::npos);
    CHECK(contains_ci(line, says));
    CHECK(r.out.empty());
    report.push_back(fmt::format("{}: exit {}, {}", tag, r.rc, line));
  };

  // Read-only.
  [&] {
    fs::path real = tmp.path() / "real";
    fs::path ro = tmp.path() / "ro";
    fs::create_directories(real);
    fs::create_directories(ro);
    std::string how;
    std::optional<mount_point> m;
    if (::geteuid() == 0) {
      // chmod does not stop root: a read-only bind mount does.
      m.emplace(fmt::format("mount --bind {0} {1} && mount -o remount,bind,ro {1}", test::shell_quote(real.string()),
                            test::shell_quote(ro.string())),
                ro);
      if (!m->ok()) {
        report.push_back("read-only part not run: root may not mount here (" + m->why() + ")");
        return;
      }
      how = "read-only bind mount";
    } else {
      fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                              fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
      how = "chmod 555";
    }
    expect_refusal(ro, "read-only (" + how + ")", ::geteuid() == 0 ? "read-only file system" : "not writable");
    CHECK(names_in(real).empty());
    if (::geteuid() != 0) fs::permissions(ro, fs::perms::owner_all);
  }();

  // Missing, a file, under a file.
  {
    // docs/backup.md: "--dest missing or not a writable directory: io_error, names the
    // directory"; the library says to create it, and creates nothing itself.
    fs::path missing = tmp.path() / "missing" / "dir";
    expect_refusal(missing, "missing", "does not exist");
    CHECK(!fs::exists(tmp.path() / "missing"));

    fs::path file = tmp.path() / "a-file";
    std::ofstream(file) << "not a directory";
    expect_refusal(file, "a file", "is not a directory");
    CHECK(slurp(file) == "not a directory");

    // std::filesystem reports ENOTDIR as not found: the refusal must not say "create it".
    expect_refusal(file / "sub", "a path under a file", "is a file, not a directory");
  }
  test::report(fmt::format("destinations refused: {}", fmt::join(report, "; ")));
}

#endif  // IMMICHBAK_CLI_PATH
