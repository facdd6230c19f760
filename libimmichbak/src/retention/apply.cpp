// apply_retention() and prune(): the deleting half of retention. The plan decided; this
// only carries it out, checking every file again just before it goes.
#include "format/backup_reader.hpp"
#include "format/dir_lock.hpp"
#include "format/file_io.hpp"
#include "format/verify_record.hpp"
#include "retention/names.hpp"

#include <immichbak/error.hpp>
#include <immichbak/retention.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <map>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace immichbak {

namespace fs = std::filesystem;
using namespace retention;

bool apply_result::ok() const noexcept {
  for (const auto& r : removals)
    if (!r.removed) return false;
  return true;
}

namespace {

void log(const event_sink& ev, log_level l, const std::string& m) {
  if (ev.log) ev.log(l, m);
}

// The newest counted backup the plan keeps in each group it removes backups from: it must
// still be there, unchanged and readable, before anything of that group goes.
void check_keepers(const retention_plan& plan) {
  std::map<std::string, const plan_entry*> keeper;
  std::set<std::string> removing;
  for (const auto& pe : plan.entries) {
    if (pe.entry.kind != entry_kind::backup) continue;
    if (pe.action == plan_action::remove) removing.insert(pe.entry.prefix);
    if (pe.action == plan_action::keep && pe.counted) {
      auto& k = keeper[pe.entry.prefix];
      if (!k || pe.entry.time > k->entry.time) k = &pe;
    }
  }
  for (const auto& prefix : removing) {
    auto it = keeper.find(prefix);
    if (it == keeper.end())
      throw error(errc::internal,
                  fmt::format("the plan removes backups of prefix \"{}\" but keeps no verified one; nothing was removed",
                              prefix));
    const backup_entry& k = it->second->entry;
    struct stat st {};
    if (::stat(k.path.c_str(), &st) != 0 || static_cast<std::uint64_t>(st.st_size) != k.bytes)
      throw error(errc::io_error,
                  fmt::format("{}, the newest verified backup the plan keeps, is gone or changed since the plan was "
                              "made; nothing was removed (list and plan again)",
                              k.path.string()));
    try {
      format::backup_reader r(k.path);
    } catch (const error& e) {
      throw error(errc::corrupt_backup,
                  fmt::format("{}, the newest verified backup the plan keeps, cannot be read any more ({}); nothing "
                              "was removed",
                              k.path.string(), e.what()));
    }
  }
}

// Why `pe` must not be removed now, or "" when it may.
std::string recheck(const plan_entry& pe, const retention_policy& policy) {
  const backup_entry& e = pe.entry;
  struct stat st {};
  if (::lstat(e.path.c_str(), &st) != 0) return fmt::format("cannot find it any more: {}", format::errno_text(errno));
  if (!S_ISREG(st.st_mode)) return "not a regular file any more";
  if (e.kind == entry_kind::partial) {
    if (e.prefix.empty()) return "not a partial file of immichbak's";
    auto age = std::chrono::system_clock::now() - std::chrono::system_clock::from_time_t(st.st_mtime);
    if (age <= policy.partial_max_age) return "it was written to since the plan was made";
    return {};
  }
  if (e.kind != entry_kind::backup) return fmt::format("a {} file is never removed", entry_kind_name(e.kind));
  if (!parse_backup_name(e.name)) return "not named like an immichbak backup";
  if (static_cast<std::uint64_t>(st.st_size) != e.bytes) return "its size changed since the plan was made";
  try {
    format::backup_reader r(e.path);
  } catch (const error& err) {
    return fmt::format("its footer cannot be read any more ({})", err.what());
  }
  return {};
}

std::uint64_t size_of(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

apply_result apply_locked(const retention_plan& plan, const event_sink& events) {
  apply_result res;
  check_keepers(plan);
  std::set<fs::path> dirs;
  for (const auto& pe : plan.entries) {
    if (pe.action != plan_action::remove) continue;
    removal r;
    r.path = pe.entry.path;
    std::string why = recheck(pe, plan.policy);
    if (!why.empty()) {
      r.problem = why;
      log(events, log_level::warning, fmt::format("not removing {}: {}", r.path.string(), why));
      res.removals.push_back(std::move(r));
      continue;
    }
    std::uint64_t bytes = size_of(r.path);
    // The file first: a crash after it leaves at most an orphan sidecar, never a backup
    // without its sidecar.
    if (::unlink(r.path.c_str()) != 0) {
      r.problem = fmt::format("cannot remove it: {}", format::errno_text(errno));
      log(events, log_level::error, fmt::format("cannot remove {}: {}", r.path.string(), format::errno_text(errno)));
      res.removals.push_back(std::move(r));
      continue;
    }
    r.removed = true;
    dirs.insert(r.path.parent_path());
    // Its companions: those listed, and the standard ones (a verify may have written a
    // record since the listing).
    std::set<fs::path> comps(pe.entry.companions.begin(), pe.entry.companions.end());
    const std::string base = pe.entry.kind == entry_kind::partial
                                 ? r.path.string().substr(0, r.path.string().size() - 8)
                                 : r.path.string();
    if (pe.entry.kind == entry_kind::backup) {
      comps.insert(base + ".sha256");
      comps.insert(base + ".sha256.partial");
      comps.insert(format::verify_record_path(base));
    }
    for (const auto& c : comps) {
      std::uint64_t n = size_of(c);
      if (::unlink(c.c_str()) == 0) {
        bytes += n;
        r.companions.push_back(c);
      } else if (errno != ENOENT) {
        log(events, log_level::warning, fmt::format("cannot remove {}: {}", c.string(), format::errno_text(errno)));
      }
    }
    r.bytes = bytes;
    res.bytes_freed += bytes;
    log(events, log_level::info, fmt::format("removed {}", r.path.string()));
    res.removals.push_back(std::move(r));
  }
  for (const auto& d : dirs) {
    try {
      format::fsync_parent_dir(d / ".");
    } catch (const error& e) {
      log(events, log_level::warning, e.what());
    }
  }
  return res;
}

std::vector<format::dir_lock> lock_dirs(const std::set<fs::path>& dirs, std::chrono::milliseconds wait,
                                        const event_sink& events) {
  std::vector<format::dir_lock> locks;
  for (const auto& d : dirs) {
    auto l = format::dir_lock::acquire(d, format::dir_lock_mode::exclusive, wait, events.cancel, "an immichbak backup");
    if (l.unsupported())
      log(events, log_level::warning,
          fmt::format("the file system of {} does not support file locks: pruning without the directory lock "
                      "(a backup running now is not seen)",
                      d.string()));
    locks.push_back(std::move(l));
  }
  return locks;
}

}  // namespace

apply_result apply_retention(const retention_plan& plan, const apply_options& options) {
  std::set<fs::path> dirs;
  for (const auto& pe : plan.entries)
    if (pe.action == plan_action::remove) dirs.insert(pe.entry.path.parent_path());
  if (dirs.empty()) return {};
  auto locks = lock_dirs(dirs, options.lock_wait, options.events);
  return apply_locked(plan, options.events);
}

prune_result prune(const prune_options& o) {
  if (o.dir.empty()) throw error(errc::invalid_argument, "prune: no backup directory given");
  if (o.lock_wait.count() < 0) throw error(errc::invalid_argument, "the lock wait must not be negative");
  const auto now = o.now.value_or(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  (void)plan_retention({}, o.policy, now);  // a bad policy is refused before anything is locked or read
  prune_result res;
  res.dry_run = o.dry_run;
  std::vector<format::dir_lock> locks;
  if (!o.dry_run) {
    if (!fs::is_directory(o.dir))
      throw error(errc::io_error, fmt::format("cannot read backup directory {}: no such directory", o.dir.string()));
    locks = lock_dirs({o.dir}, o.lock_wait, o.events);
  }
  res.plan = plan_retention(list_backups(o.dir), o.policy, now);
  log(o.events, log_level::debug,
      fmt::format("{}: {} kept, {} to remove, {} untouched", to_string(o.policy), res.plan.count(plan_action::keep),
                  res.plan.count(plan_action::remove), res.plan.count(plan_action::untouched)));
  if (!o.dry_run) res.applied = apply_locked(res.plan, o.events);
  return res;
}

}  // namespace immichbak
