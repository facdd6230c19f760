// plan_retention(): which backups a policy keeps, and why. A pure function of the
// listing, the policy, `now` and the local time zone; docs/retention.md is its spec.
//
// The rules are restic `forget`'s (restic's doc/060_forget.rst and
// internal/restic/snapshot_policy.go, version 0.14 and later): independent rules, a backup
// is kept when any rule keeps it; calendar buckets in local time, ISO weeks; a count rule
// that still has quota left when the backups run out keeps the oldest one as well; the
// --keep-within rules measure back from the newest backup, not from now. What immichbak
// adds (the safety rules): only verified backups count (and are kept first), never-verified
// or failed ones are removed only once a newer verified backup exists, and the newest
// verified backup is always kept.

#include "retention/calendar.hpp"
#include "retention/names.hpp"

#include <immichbak/error.hpp>
#include <immichbak/retention.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <map>

namespace immichbak {

using namespace retention;

bool retention_policy::empty() const noexcept {
  return keep_last == 0 && keep_hourly == 0 && keep_daily == 0 && keep_weekly == 0 && keep_monthly == 0 &&
         keep_yearly == 0 && keep_within.zero() && keep_within_hourly.zero() && keep_within_daily.zero() &&
         keep_within_weekly.zero() && keep_within_monthly.zero() && keep_within_yearly.zero();
}

std::string to_string(const retention_policy& p) {
  std::vector<std::string> parts;
  auto count = [&](int n, const char* what) {
    if (n == keep_unlimited)
      parts.push_back(fmt::format("all {}", what));
    else if (n > 0)
      parts.push_back(fmt::format("{} {}", n, what));
  };
  count(p.keep_last, "last");
  count(p.keep_hourly, "hourly");
  count(p.keep_daily, "daily");
  count(p.keep_weekly, "weekly");
  count(p.keep_monthly, "monthly");
  count(p.keep_yearly, "yearly");
  if (!p.keep_within.zero()) parts.push_back(fmt::format("all within {}", to_string(p.keep_within)));
  auto within = [&](const calendar_duration& d, const char* what) {
    if (!d.zero()) parts.push_back(fmt::format("{} within {}", what, to_string(d)));
  };
  within(p.keep_within_hourly, "hourly");
  within(p.keep_within_daily, "daily");
  within(p.keep_within_weekly, "weekly");
  within(p.keep_within_monthly, "monthly");
  within(p.keep_within_yearly, "yearly");
  std::string s = "keep ";
  for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? ", " : "") + parts[i];
  if (parts.empty()) s += "nothing (no rule)";
  if (p.count_unverified) s += "; unverified backups count";
  if (!p.prefix.empty()) s += fmt::format("; prefix {}", p.prefix);
  return s;
}

const char* plan_action_name(plan_action a) noexcept {
  switch (a) {
    case plan_action::keep: return "keep";
    case plan_action::remove: return "remove";
    case plan_action::untouched: return "untouched";
  }
  return "unknown";
}

std::size_t retention_plan::count(plan_action a) const noexcept {
  return static_cast<std::size_t>(
      std::count_if(entries.begin(), entries.end(), [&](const plan_entry& e) { return e.action == a; }));
}

std::uint64_t retention_plan::bytes_to_free() const noexcept {
  std::uint64_t n = 0;
  for (const auto& e : entries)
    if (e.action == plan_action::remove) n += e.entry.bytes;
  return n;
}

namespace {

std::time_t secs(std::chrono::sys_seconds t) { return static_cast<std::time_t>(t.time_since_epoch().count()); }

std::string age_text(std::chrono::sys_seconds now, std::chrono::sys_seconds then) {
  return format_age(std::chrono::duration_cast<std::chrono::seconds>(now - then));
}

// Newest first; two backups of one second by their "-N" suffix, then by name.
bool newer(const backup_entry& a, const backup_entry& b) {
  if (a.time != b.time) return a.time > b.time;
  if (a.name_suffix != b.name_suffix) return a.name_suffix > b.name_suffix;
  return a.name > b.name;
}

bool verified(const backup_entry& e) { return e.verification == verify_state::passed; }

bool good(const backup_entry& e, const retention_policy& p) {
  if (verified(e)) return true;
  return p.count_unverified &&
         (e.verification == verify_state::unverified || e.verification == verify_state::outdated);
}

std::string not_counted_why(const backup_entry& e) {
  switch (e.verification) {
    case verify_state::failed: return "its verify failed";
    case verify_state::outdated: return "the file changed after its verify";
    default: return "never verified";
  }
}

// restic's ApplyPolicy over the counted backups of one group, newest first: the reasons
// each one is kept for (empty: no rule keeps it).
std::vector<std::vector<std::string>> apply_rules(const std::vector<const backup_entry*>& list,
                                                  const retention_policy& p) {
  std::vector<std::vector<std::string>> reasons(list.size());
  if (list.empty()) return reasons;
  constexpr std::int64_t none = std::numeric_limits<std::int64_t>::min();

  struct count_rule {
    int count;
    std::optional<bucket> b;  // nullopt: --keep-last (every backup its own bucket)
    std::int64_t last = none;
    const char* name;
  };
  std::array<count_rule, 6> counts{{{p.keep_last, std::nullopt, none, "last"},
                                    {p.keep_hourly, bucket::hour, none, "hourly"},
                                    {p.keep_daily, bucket::day, none, "daily"},
                                    {p.keep_weekly, bucket::week, none, "weekly"},
                                    {p.keep_monthly, bucket::month, none, "monthly"},
                                    {p.keep_yearly, bucket::year, none, "yearly"}}};
  struct within_rule {
    calendar_duration d;
    bucket b;
    std::int64_t last = none;
  };
  std::array<within_rule, 5> withins{{{p.keep_within_hourly, bucket::hour, none},
                                      {p.keep_within_daily, bucket::day, none},
                                      {p.keep_within_weekly, bucket::week, none},
                                      {p.keep_within_monthly, bucket::month, none},
                                      {p.keep_within_yearly, bucket::year, none}}};

  const std::time_t latest = secs(list.front()->time);
  const std::time_t within_from = p.keep_within.zero() ? 0 : subtract(latest, p.keep_within);
  std::array<std::time_t, 5> withins_from{};
  for (std::size_t i = 0; i < withins.size(); ++i)
    if (!withins[i].d.zero()) withins_from[i] = subtract(latest, withins[i].d);

  for (std::size_t nr = 0; nr < list.size(); ++nr) {
    const std::time_t t = secs(list[nr]->time);
    auto& why = reasons[nr];
    if (!p.keep_within.zero() && t > within_from) why.push_back(fmt::format("within {}", to_string(p.keep_within)));
    const bool oldest = nr + 1 == list.size();
    for (auto& r : counts) {
      if (r.count == 0) continue;
      const std::int64_t key = r.b ? bucket_key(*r.b, t) : static_cast<std::int64_t>(nr);
      // restic >= 0.14: a rule with quota left when the backups run out keeps the oldest
      // one too, so the history kept is as long as it can be.
      if (key != r.last || oldest) {
        why.push_back(key != r.last ? std::string(r.name) : fmt::format("oldest {}", r.name));
        r.last = key;
        if (r.count > 0) --r.count;
      }
    }
    for (std::size_t i = 0; i < withins.size(); ++i) {
      auto& r = withins[i];
      if (r.d.zero() || t <= withins_from[i]) continue;
      const std::int64_t key = bucket_key(r.b, t);
      if (key != r.last) {
        why.push_back(fmt::format("{} within {}", bucket_name(r.b), to_string(r.d)));
        r.last = key;
      }
    }
  }
  return reasons;
}

void plan_group(std::vector<plan_entry>& entries, std::vector<std::size_t> members, const retention_policy& p,
                std::chrono::sys_seconds now) {
  std::sort(members.begin(), members.end(),
            [&](std::size_t a, std::size_t b) { return newer(entries[a].entry, entries[b].entry); });

  std::vector<std::size_t> counted;
  const backup_entry* newest_verified = nullptr;
  for (std::size_t i : members) {
    const auto& e = entries[i].entry;
    if (e.time > now) continue;
    if (good(e, p)) counted.push_back(i);
    if (!newest_verified && verified(e)) newest_verified = &e;
  }

  std::vector<const backup_entry*> list;
  for (std::size_t i : counted) list.push_back(&entries[i].entry);
  auto reasons = apply_rules(list, p);
  for (std::size_t k = 0; k < counted.size(); ++k) {
    auto& pe = entries[counted[k]];
    pe.counted = true;
    pe.reasons = std::move(reasons[k]);
    pe.action = pe.reasons.empty() ? plan_action::remove : plan_action::keep;
    if (pe.reasons.empty()) pe.reasons.push_back("no rule keeps it");
  }

  for (std::size_t i : members) {
    auto& pe = entries[i];
    const auto& e = pe.entry;
    if (pe.counted) continue;
    if (e.time > now) {
      pe.action = plan_action::keep;
      pe.reasons.push_back(fmt::format("dated in the future ({}; is a clock wrong?): kept, not counted",
                                       local_time_text(secs(e.time))));
    } else if (counted.empty()) {
      pe.action = plan_action::keep;
      pe.reasons.push_back(fmt::format("{}; kept: there is no {} backup to rely on", not_counted_why(e),
                                       p.count_unverified ? "good" : "verified"));
    } else if (e.time >= entries[counted.front()].entry.time) {
      pe.action = plan_action::keep;
      pe.reasons.push_back(fmt::format("{}; kept: newer than the newest {} backup", not_counted_why(e),
                                       p.count_unverified ? "good" : "verified"));
    } else {
      pe.action = plan_action::remove;
      pe.reasons.push_back(fmt::format("{}, and older than the newest {} backup", not_counted_why(e),
                                       p.count_unverified ? "good" : "verified"));
    }
  }

  // Safety: whatever the rules say, the newest verified backup stays.
  if (newest_verified) {
    for (std::size_t i : members) {
      auto& pe = entries[i];
      if (&pe.entry != newest_verified) continue;
      if (pe.action == plan_action::remove) pe.reasons.clear();
      pe.action = plan_action::keep;
      pe.reasons.push_back("newest verified backup");
    }
  }
}

}  // namespace

retention_plan plan_retention(const std::vector<backup_entry>& listing, const retention_policy& policy,
                              std::chrono::sys_seconds now) {
  if (policy.empty())
    throw error(errc::invalid_argument,
                "no keep rule given: name at least one of --keep-last, --keep-hourly, --keep-daily, --keep-weekly, "
                "--keep-monthly, --keep-yearly, --keep-within, --keep-within-hourly/-daily/-weekly/-monthly/-yearly "
                "(prune never removes every backup)");
  for (int n : {policy.keep_last, policy.keep_hourly, policy.keep_daily, policy.keep_weekly, policy.keep_monthly,
                policy.keep_yearly})
    if (n < keep_unlimited)
      throw error(errc::invalid_argument, fmt::format("a keep count must be 0 or more (or unlimited), got {}", n));
  for (const calendar_duration* d : {&policy.keep_within, &policy.keep_within_hourly, &policy.keep_within_daily,
                                     &policy.keep_within_weekly, &policy.keep_within_monthly, &policy.keep_within_yearly})
    if (d->years < 0 || d->months < 0 || d->days < 0 || d->hours < 0)
      throw error(errc::invalid_argument, "a keep duration must not be negative");
  if (policy.partial_max_age.count() < 0)
    throw error(errc::invalid_argument, "the age for removing partial files must not be negative");

  retention_plan plan;
  plan.policy = policy;
  plan.now = now;
  plan.entries.reserve(listing.size());
  std::map<std::string, std::vector<std::size_t>> groups;
  for (const auto& e : listing) {
    plan_entry pe;
    pe.entry = e;
    const bool selected = policy.prefix.empty() || e.prefix == policy.prefix;
    switch (e.kind) {
      case entry_kind::backup:
        if (!e.named_like_ours())
          pe.reasons.push_back(
              "not named like an immichbak backup (PREFIX-YYYYMMDDTHHMMSSZ.sql.zst, .sql.gz or .sql): never removed");
        else if (!selected)
          pe.reasons.push_back(fmt::format("prefix \"{}\" not selected", e.prefix));
        else
          groups[e.prefix].push_back(plan.entries.size());
        break;
      case entry_kind::partial:
        if (!e.named_like_ours()) {
          pe.reasons.push_back("not a partial file of immichbak's");
        } else if (!selected) {
          pe.reasons.push_back(fmt::format("prefix \"{}\" not selected", e.prefix));
        } else if (now - e.modified > policy.partial_max_age) {
          pe.action = plan_action::remove;
          pe.reasons.push_back(fmt::format("partial file last written {} ago: left by an interrupted backup",
                                           age_text(now, e.modified)));
        } else {
          pe.reasons.push_back(fmt::format("partial file last written {} ago: a backup may still be writing it",
                                           age_text(now, e.modified)));
        }
        break;
      case entry_kind::damaged:
        pe.reasons.push_back("damaged: never removed automatically (see `immichbak verify`; remove it by hand)");
        break;
      case entry_kind::unsupported:
        pe.reasons.push_back("written by a newer immichbak: never removed");
        break;
      case entry_kind::unreadable:
        pe.reasons.push_back("could not be read: never removed");
        break;
      case entry_kind::immich:
        pe.reasons.push_back("Immich's own backup: Immich's backup settings remove these");
        break;
      case entry_kind::foreign:
        pe.reasons.push_back("not a backup");
        break;
    }
    plan.entries.push_back(std::move(pe));
  }
  for (auto& [prefix, members] : groups) plan_group(plan.entries, members, policy, now);
  return plan;
}

}  // namespace immichbak
