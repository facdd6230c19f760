// check_backup_age(): a monitoring verdict on the newest backup in a directory.
#include "retention/names.hpp"

#include <immichbak/error.hpp>
#include <immichbak/retention.hpp>

#include <fmt/format.h>

namespace immichbak {

using namespace retention;

const char* age_status_name(age_status s) noexcept {
  switch (s) {
    case age_status::ok: return "OK";
    case age_status::warning: return "WARNING";
    case age_status::critical: return "CRITICAL";
    case age_status::unknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

namespace {

// A backup in the future by more than this is reported (a wrong clock somewhere).
constexpr std::chrono::seconds future_slack{300};

void raise(age_check_result& r, age_status s) {
  if (static_cast<int>(s) > static_cast<int>(r.status)) r.status = s;
}

}  // namespace

age_check_result check_backup_age(const age_check_options& o) {
  if (o.max_age.count() <= 0) throw error(errc::invalid_argument, "--max-age must be more than zero");
  if (o.warn_age && (o.warn_age->count() <= 0 || *o.warn_age > o.max_age))
    throw error(errc::invalid_argument,
                fmt::format("--warn-age ({}) must be more than zero and at most --max-age ({})", format_age(*o.warn_age),
                            format_age(o.max_age)));
  const auto now = o.now.value_or(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  age_check_result r;
  r.max_age = o.max_age;
  r.warn_age = o.warn_age;
  std::vector<backup_entry> entries;
  try {
    entries = list_backups(o.dir);
  } catch (const error& e) {
    r.status = age_status::unknown;
    r.message = e.what();
    return r;
  }

  const bool good_needs_verify = !o.count_unverified;
  for (const auto& e : entries) {
    if (!e.named_like_ours() || e.kind == entry_kind::partial) continue;
    if (!o.prefix.empty() && e.prefix != o.prefix) continue;
    if (!r.newest) r.newest = e;
    const bool good = e.kind == entry_kind::backup &&
                      (e.verification == verify_state::passed ||
                       (!good_needs_verify && (e.verification == verify_state::unverified ||
                                               e.verification == verify_state::outdated)));
    if (good) {
      r.newest_good = e;
      break;
    }
  }
  const char* good_word = good_needs_verify ? "verified" : "readable";
  const std::string where = o.dir.string() + (o.prefix.empty() ? "" : " (prefix " + o.prefix + ")");
  const std::string limits = o.warn_age ? fmt::format("warn {}, max {}", format_age(*o.warn_age), format_age(o.max_age))
                                        : fmt::format("max {}", format_age(o.max_age));

  if (!r.newest) {
    r.status = age_status::critical;
    r.message = fmt::format("no immichbak backup in {}", where);
    return r;
  }
  std::vector<std::string> notes;
  if (!r.newest_good) {
    r.status = age_status::critical;
    r.message = fmt::format("no {} backup in {}; newest is {} ({}){}", good_word, where, r.newest->name,
                            r.newest->kind == entry_kind::backup ? verify_state_name(r.newest->verification)
                                                                 : entry_kind_name(r.newest->kind),
                            good_needs_verify && r.newest->kind == entry_kind::backup &&
                                    r.newest->verification != verify_state::failed
                                ? "; run `immichbak verify` on it"
                                : "");
    return r;
  }
  const auto& g = *r.newest_good;
  r.age = std::chrono::duration_cast<std::chrono::seconds>(now - g.time);
  r.status = age_status::ok;
  std::string head;
  if (*r.age < -future_slack) {
    raise(r, age_status::warning);
    head = fmt::format("newest {} backup {} is dated {} in the future (is a clock wrong?)", good_word, g.name,
                       format_age(-*r.age));
  } else {
    if (*r.age > o.max_age)
      raise(r, age_status::critical);
    else if (o.warn_age && *r.age > *o.warn_age)
      raise(r, age_status::warning);
    head = fmt::format("newest {} backup {} is {} old ({})", good_word, g.name,
                       format_age(std::max(*r.age, std::chrono::seconds(0))), limits);
  }
  // What is newer than the good one.
  const auto& n = *r.newest;
  if (n.path != g.path) {
    if (n.kind == entry_kind::backup && n.verification == verify_state::failed) {
      raise(r, age_status::critical);
      std::string checks;
      if (n.last_verify)
        for (const auto& c : n.last_verify->failed_checks) checks += (checks.empty() ? "" : ", ") + c;
      notes.push_back(fmt::format("the newest backup {} failed its verify{}", n.name,
                                  checks.empty() ? "" : " (" + checks + ")"));
    } else if (n.kind == entry_kind::backup) {
      notes.push_back(fmt::format("newer: {} ({})", n.name, verify_state_name(n.verification)));
    } else {
      raise(r, age_status::warning);
      notes.push_back(fmt::format("the newest file {} is {}", n.name, entry_kind_name(n.kind)));
    }
  }
  r.message = head;
  for (const auto& note : notes) r.message += "; " + note;
  return r;
}

}  // namespace immichbak
