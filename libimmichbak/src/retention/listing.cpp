// list_backups(): what is in a backup directory, from names, footers and manifests only.
#include "format/backup_reader.hpp"
#include "format/verify_record.hpp"
#include "retention/names.hpp"

#include <immichbak/error.hpp>
#include <immichbak/retention.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <map>
#include <set>
#include <sys/stat.h>

namespace immichbak {

namespace fs = std::filesystem;
using namespace retention;

const char* entry_kind_name(entry_kind k) noexcept {
  switch (k) {
    case entry_kind::backup: return "backup";
    case entry_kind::damaged: return "damaged";
    case entry_kind::unsupported: return "unsupported";
    case entry_kind::unreadable: return "unreadable";
    case entry_kind::partial: return "partial";
    case entry_kind::immich: return "immich";
    case entry_kind::foreign: return "foreign";
  }
  return "unknown";
}

const char* verify_state_name(verify_state s) noexcept {
  switch (s) {
    case verify_state::unverified: return "unverified";
    case verify_state::passed: return "passed";
    case verify_state::failed: return "failed";
    case verify_state::outdated: return "outdated";
  }
  return "unknown";
}

namespace {

std::chrono::sys_seconds to_sys(std::time_t t) { return std::chrono::sys_seconds(std::chrono::seconds(t)); }

// "no such file or directory", as format/file_io words the system's messages.
std::string lower_first(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

// Which names in the directory belong to another one (its companions), and to which.
class companions {
 public:
  explicit companions(const std::set<std::string>& names) : names_(names) {
    for (const auto& n : names) {
      std::string owner = owner_of(n);
      if (!owner.empty()) of_[owner].push_back(n);
    }
  }
  bool is_companion(const std::string& n) const { return !owner_of(n).empty(); }
  const std::vector<std::string>& of(const std::string& owner) const {
    static const std::vector<std::string> none;
    auto it = of_.find(owner);
    return it == of_.end() ? none : it->second;
  }

 private:
  bool has(const std::string& n) const { return names_.count(n) > 0; }
  // The file `n` goes with: "X" for X.sha256, X.verified.json, X.verified.json.<pid>.tmp
  // when X is there; "X.partial" for X.sha256 and X.sha256.partial when only the partial
  // file is there (a backup that did not commit). "" when `n` is a file of its own.
  std::string owner_of(const std::string& n) const {
    auto base_with = [&](std::string_view suffix) -> std::string {
      if (!ends_with(n, suffix)) return {};
      std::string base = n.substr(0, n.size() - suffix.size());
      if (has(base)) return base;
      if (has(base + ".partial")) return base + ".partial";
      return {};
    };
    for (std::string_view s : {std::string_view(".sha256"), std::string_view(".sha256.partial")})
      if (auto b = base_with(s); !b.empty()) return b;
    if (ends_with(n, ".verified.json")) {
      std::string base = n.substr(0, n.size() - 14);
      if (has(base)) return base;
    }
    if (ends_with(n, ".tmp")) {
      auto at = n.rfind(".verified.json.");
      if (at != std::string::npos) {
        std::string base = n.substr(0, at);
        if (has(base) && format::is_verify_record_temp(n, base)) return base;
      }
    }
    return {};
  }

  const std::set<std::string>& names_;
  std::map<std::string, std::vector<std::string>> of_;
};

void read_backup(backup_entry& e, const std::optional<backup_name>& named) {
  try {
    format::backup_reader reader(e.path);
    const manifest& m = reader.get_manifest();
    e.kind = entry_kind::backup;
    e.database = m.database;
    e.immich_version = m.immich_version;
    e.server_version = m.server_version;
    e.tables = m.tables.size();
    for (const auto& t : m.tables) e.rows += t.rows;
    if (auto t = parse_iso8601_utc(m.created_at)) {
      e.time = to_sys(*t);
      e.time_source = "manifest";
    }
  } catch (const error& err) {
    e.problem = err.what();
    switch (err.code()) {
      case errc::corrupt_backup: e.kind = entry_kind::damaged; break;
      case errc::unsupported_format: e.kind = entry_kind::unsupported; break;
      case errc::not_a_backup:
        // Named like a backup but not readable as one: a backup that lost its end (the
        // reader tells a truncated backup from a foreign file by its start; a name of
        // ours is reason enough not to take it for foreign).
        e.kind = named ? entry_kind::damaged : entry_kind::foreign;
        if (!named) e.problem.clear();
        break;
      default: e.kind = entry_kind::unreadable; break;
    }
  }
}

void read_verification(backup_entry& e) {
  std::string problem;
  e.last_verify = format::read_verify_record(e.path, &problem);
  if (!e.last_verify) {
    e.verification = verify_state::unverified;
    return;
  }
  if (e.last_verify->bytes != e.bytes)
    e.verification = verify_state::outdated;
  else
    e.verification = e.last_verify->ok ? verify_state::passed : verify_state::failed;
}

}  // namespace

std::vector<backup_entry> list_backups(const fs::path& dir) {
  std::error_code ec;
  auto st = fs::status(dir, ec);
  if (ec || st.type() == fs::file_type::not_found)
    throw error(errc::io_error, fmt::format("cannot read backup directory {}: {}", dir.string(),
                                            ec ? lower_first(ec.message()) : "no such directory"));
  if (st.type() != fs::file_type::directory)
    throw error(errc::io_error, fmt::format("{} is not a directory", dir.string()));

  std::set<std::string> names;
  std::map<std::string, fs::file_type> types;
  fs::directory_iterator it(dir, ec);
  if (ec)
    throw error(errc::io_error, fmt::format("cannot read backup directory {}: {}", dir.string(), lower_first(ec.message())));
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec)
    throw error(errc::io_error, fmt::format("cannot read backup directory {}: {}", dir.string(), lower_first(ec.message())));
    std::string n = it->path().filename().string();
    if (n.empty() || n[0] == '.') continue;  // the lock file, and hidden files of other tools
    std::error_code tec;
    auto t = it->symlink_status(tec).type();
    if (t == fs::file_type::directory) continue;
    names.insert(n);
    types[n] = t;
  }
  companions comp(names);

  std::vector<backup_entry> out;
  for (const auto& n : names) {
    if (comp.is_companion(n)) continue;
    backup_entry e;
    e.path = dir / n;
    e.name = n;
    struct stat sb {};
    if (::lstat(e.path.c_str(), &sb) == 0) {
      e.bytes = static_cast<std::uint64_t>(sb.st_size);
      e.modified = to_sys(sb.st_mtime);
    }
    e.time = e.modified;
    e.time_source = "modified";
    for (const auto& c : comp.of(n)) {
      e.companions.push_back(dir / c);
      if (c == n + ".sha256") e.has_sidecar = true;
    }

    const bool regular = types[n] == fs::file_type::regular;
    if (ends_with(n, ".partial")) {
      e.kind = entry_kind::partial;
      std::string base = n.substr(0, n.size() - 8);
      if (ends_with(base, ".sha256")) base = base.substr(0, base.size() - 7);  // an orphan sidecar temporary
      if (auto b = parse_backup_name(base)) {
        e.prefix = b->prefix;
        e.name_suffix = b->suffix;
      }
      if (!regular) e.prefix.clear();  // never ours to remove
      out.push_back(std::move(e));
      continue;
    }
    if (ends_with(n, ".sha256") || ends_with(n, ".verified.json")) {
      e.kind = entry_kind::foreign;
      e.problem = "goes with a file that is not there";
      out.push_back(std::move(e));
      continue;
    }
    if (auto im = parse_immich_name(n); im && regular) {
      e.kind = entry_kind::immich;
      e.time = to_sys(im->time);
      e.time_source = "name";
      e.immich_version = im->immich_version;
      e.server_version = im->server_version;
      out.push_back(std::move(e));
      continue;
    }
    auto named = parse_backup_name(n);
    if (!regular) {
      e.kind = entry_kind::foreign;
      if (types[n] == fs::file_type::symlink) e.problem = "a symbolic link";
      out.push_back(std::move(e));
      continue;
    }
    read_backup(e, named);
    if (named) {
      e.prefix = named->prefix;
      e.name_suffix = named->suffix;
      if (e.time_source != "manifest") {
        e.time = to_sys(named->time);
        e.time_source = "name";
      }
    }
    if (e.kind == entry_kind::backup) read_verification(e);
    out.push_back(std::move(e));
  }

  std::sort(out.begin(), out.end(), [](const backup_entry& a, const backup_entry& b) {
    if (a.time != b.time) return a.time > b.time;
    if (a.name_suffix != b.name_suffix) return a.name_suffix > b.name_suffix;
    return a.name > b.name;
  });
  return out;
}

}  // namespace immichbak
