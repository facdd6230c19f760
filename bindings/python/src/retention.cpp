// Generations: list_backups(), plan_retention(), apply_retention(), prune(),
// check_backup_age(), and the durations they use.

#include "common.hpp"

#include <immichbak/retention.hpp>

namespace immichbak::python {

namespace {

calendar_duration to_calendar(py::handle value) {
  if (value.is_none()) return {};
  if (py::isinstance<calendar_duration>(value)) return value.cast<calendar_duration>();
  if (py::isinstance<py::str>(value)) return parse_calendar_duration(value.cast<std::string>());
  throw py::type_error("expected an immichbak.CalendarDuration or a string such as \"14d\", \"1y2m\"");
}

std::chrono::sys_seconds now_or(const py::object& now) {
  if (now.is_none()) return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return to_sys_seconds(now);
}

template <class Class>
void calendar_property(Class& cls, const char* name, calendar_duration retention_policy::*member, const char* doc) {
  cls.def_property(
      name, [member](const retention_policy& p) { return p.*member; },
      [member](retention_policy& p, py::object v) { p.*member = to_calendar(v); }, doc);
}

// The listing: BackupEntry, list_backups() and its text/JSON.
void bind_listing(py::module_& m) {
  py::enum_<entry_kind>(m, "EntryKind", "What a file in a backup directory is.")
      .value("backup", entry_kind::backup)
      .value("damaged", entry_kind::damaged)
      .value("unsupported", entry_kind::unsupported)
      .value("unreadable", entry_kind::unreadable)
      .value("partial", entry_kind::partial)
      .value("immich", entry_kind::immich)
      .value("foreign", entry_kind::foreign);
  py::enum_<verify_state>(m, "VerifyState", "What the verify record next to a file says about it.")
      .value("unverified", verify_state::unverified)
      .value("passed", verify_state::passed)
      .value("failed", verify_state::failed)
      .value("outdated", verify_state::outdated);

  py::class_<verify_record>(m, "VerifyRecord", "The last verification of a file (FILE.verified.json).")
      .def_readonly("verified_at", &verify_record::verified_at, "UTC, ISO 8601 text.")
      .def_readonly("ok", &verify_record::ok)
      .def_readonly("kind", &verify_record::kind, "\"offline\" or \"restore-test\"")
      .def_readonly("tool_version", &verify_record::tool_version)
      .def_readonly("bytes", &verify_record::bytes)
      .def_readonly("failed_checks", &verify_record::failed_checks);

  py::class_<backup_entry>(m, "BackupEntry", "One file of a backup directory, as list_backups() found it.")
      .def_readonly("path", &backup_entry::path)
      .def_readonly("name", &backup_entry::name)
      .def_readonly("kind", &backup_entry::kind)
      .def_readonly("prefix", &backup_entry::prefix)
      .def_readonly("name_suffix", &backup_entry::name_suffix)
      .def_property_readonly(
          "time", [](const backup_entry& e) { return to_datetime(e.time); },
          "The backup's time (timezone-aware UTC datetime).")
      .def_readonly("time_source", &backup_entry::time_source, "\"manifest\", \"name\" or \"modified\"")
      .def_property_readonly("modified", [](const backup_entry& e) { return to_datetime(e.modified); })
      .def_readonly("bytes", &backup_entry::bytes)
      .def_readonly("database", &backup_entry::database)
      .def_readonly("immich_version", &backup_entry::immich_version)
      .def_readonly("server_version", &backup_entry::server_version)
      .def_readonly("tables", &backup_entry::tables)
      .def_readonly("rows", &backup_entry::rows)
      .def_readonly("has_sidecar", &backup_entry::has_sidecar)
      .def_readonly("verification", &backup_entry::verification)
      .def_readonly("last_verify", &backup_entry::last_verify)
      .def_readonly("companions", &backup_entry::companions)
      .def_readonly("problem", &backup_entry::problem)
      .def_property_readonly("named_like_ours", &backup_entry::named_like_ours)
      .def("__repr__", [](const backup_entry& e) {
        return "<BackupEntry " + e.name + " " + entry_kind_name(e.kind) + " " + verify_state_name(e.verification) + ">";
      });

  m.def(
      "list_backups",
      [](std::filesystem::path dir) {
        call_context ctx;
        return ctx.invoke([&] { return immichbak::list_backups(dir); });
      },
      py::arg("dir"),
      "Every file in dir, newest first (`immichbak list`), read from footers and manifests only. "
      "Raises IoError when dir cannot be read.");
  m.def(
      "listing_to_json", [](const std::vector<backup_entry>& e, bool pretty) { return to_json(e, pretty); },
      py::arg("entries"), py::arg("pretty") = true, "A listing as `immichbak list --json` prints it.");
  m.def(
      "listing_to_text", [](const std::vector<backup_entry>& e) { return to_text(e); }, py::arg("entries"),
      "A listing as `immichbak list` prints it.");
}

// Calendar durations (CalendarDuration), as --keep-within takes them.
void bind_durations(py::module_& m) {
  py::class_<calendar_duration>(m, "CalendarDuration",
                                "A restic-style duration on the calendar: years, months, days, hours.")
      .def(py::init([](const std::string& text) { return parse_calendar_duration(text); }), py::arg("text"),
           "Parse \"14d\", \"2w\", \"1y2m3d4h\", \"36h\".")
      .def(py::init([](int years, int months, int days, int hours) {
             return calendar_duration{years, months, days, hours};
           }),
           py::kw_only(), py::arg("years") = 0, py::arg("months") = 0, py::arg("days") = 0, py::arg("hours") = 0)
      .def_readwrite("years", &calendar_duration::years)
      .def_readwrite("months", &calendar_duration::months)
      .def_readwrite("days", &calendar_duration::days)
      .def_readwrite("hours", &calendar_duration::hours)
      .def_property_readonly("zero", &calendar_duration::zero, "True when every part is zero (the rule is off).")
      .def("__eq__", [](const calendar_duration& a, const calendar_duration& b) { return a == b; })
      .def("__str__", [](const calendar_duration& d) { return to_string(d); })
      .def("__repr__", [](const calendar_duration& d) { return "CalendarDuration(\"" + to_string(d) + "\")"; });
  m.def("parse_calendar_duration", &parse_calendar_duration, py::arg("text"),
        "\"14d\", \"2w\", \"1y2m3d4h\" -> CalendarDuration. Raises InvalidArgument.");
  m.def(
      "parse_age", [](const std::string& text) { return to_timedelta(parse_age(text)); }, py::arg("text"),
      "\"26h\", \"1d2h\", \"90min\", \"45s\", \"2w\" -> datetime.timedelta (\"m\" is refused as "
      "ambiguous). Raises InvalidArgument.");
  m.def(
      "format_age", [](py::object age) { return format_age(to_seconds(age)); }, py::arg("age"),
      "A timedelta (or seconds) as \"1d2h\", \"3h12min\", \"45s\".");
}

// The policy, its plan and prune(). One declarative list of bindings, kept whole so each
// class reads top to bottom next to its docstrings; over 100 lines for that reason only.
void bind_policy(py::module_& m) {
  m.attr("KEEP_UNLIMITED") = keep_unlimited;
  py::class_<retention_policy> policy_class(
      m, "RetentionPolicy",
      "Which backups to keep (restic `forget`'s rules; a backup is kept when any rule keeps it). Counts: "
      "0 off, KEEP_UNLIMITED (-1) all. Durations: CalendarDuration or text (\"14d\"), measured back from "
      "the newest counted backup.");
  policy_class
      .def(py::init([](int keep_last, int keep_hourly, int keep_daily, int keep_weekly, int keep_monthly,
                       int keep_yearly, py::object keep_within, py::object keep_within_hourly,
                       py::object keep_within_daily, py::object keep_within_weekly, py::object keep_within_monthly,
                       py::object keep_within_yearly, bool count_unverified, py::object partial_max_age,
                       std::string prefix) {
             retention_policy p;
             p.keep_last = keep_last;
             p.keep_hourly = keep_hourly;
             p.keep_daily = keep_daily;
             p.keep_weekly = keep_weekly;
             p.keep_monthly = keep_monthly;
             p.keep_yearly = keep_yearly;
             p.keep_within = to_calendar(keep_within);
             p.keep_within_hourly = to_calendar(keep_within_hourly);
             p.keep_within_daily = to_calendar(keep_within_daily);
             p.keep_within_weekly = to_calendar(keep_within_weekly);
             p.keep_within_monthly = to_calendar(keep_within_monthly);
             p.keep_within_yearly = to_calendar(keep_within_yearly);
             p.count_unverified = count_unverified;
             p.partial_max_age = to_seconds(partial_max_age);
             p.prefix = std::move(prefix);
             return p;
           }),
           py::kw_only(), py::arg("keep_last") = 0, py::arg("keep_hourly") = 0, py::arg("keep_daily") = 0,
           py::arg("keep_weekly") = 0, py::arg("keep_monthly") = 0, py::arg("keep_yearly") = 0,
           py::arg("keep_within") = py::none(), py::arg("keep_within_hourly") = py::none(),
           py::arg("keep_within_daily") = py::none(), py::arg("keep_within_weekly") = py::none(),
           py::arg("keep_within_monthly") = py::none(), py::arg("keep_within_yearly") = py::none(),
           py::arg("count_unverified") = false, py::arg("partial_max_age") = 86400, py::arg("prefix") = "")
      .def_readwrite("keep_last", &retention_policy::keep_last)
      .def_readwrite("keep_hourly", &retention_policy::keep_hourly)
      .def_readwrite("keep_daily", &retention_policy::keep_daily)
      .def_readwrite("keep_weekly", &retention_policy::keep_weekly)
      .def_readwrite("keep_monthly", &retention_policy::keep_monthly)
      .def_readwrite("keep_yearly", &retention_policy::keep_yearly)
      .def_readwrite("count_unverified", &retention_policy::count_unverified)
      .def_readwrite("prefix", &retention_policy::prefix)
      .def_property(
          "partial_max_age",
          [](const retention_policy& p) {
            return to_timedelta(std::chrono::duration_cast<std::chrono::seconds>(p.partial_max_age));
          },
          [](retention_policy& p, py::object v) { p.partial_max_age = to_seconds(v); },
          "Partial files older than this are removed (timedelta; set from timedelta, seconds or \"24h\").")
      .def_property_readonly("empty", &retention_policy::empty, "True when no keep rule is set.")
      .def("__str__", [](const retention_policy& p) { return to_string(p); })
      .def("__repr__", [](const retention_policy& p) { return "<RetentionPolicy " + to_string(p) + ">"; });
  calendar_property(policy_class, "keep_within", &retention_policy::keep_within, "Every backup within this of the newest.");
  calendar_property(policy_class, "keep_within_hourly", &retention_policy::keep_within_hourly, "One per hour within this.");
  calendar_property(policy_class, "keep_within_daily", &retention_policy::keep_within_daily, "One per day within this.");
  calendar_property(policy_class, "keep_within_weekly", &retention_policy::keep_within_weekly, "One per week within this.");
  calendar_property(policy_class, "keep_within_monthly", &retention_policy::keep_within_monthly,
                    "One per month within this.");
  calendar_property(policy_class, "keep_within_yearly", &retention_policy::keep_within_yearly, "One per year within this.");

  py::enum_<plan_action>(m, "PlanAction", "What a plan does with a file.")
      .value("keep", plan_action::keep)
      .value("remove", plan_action::remove)
      .value("untouched", plan_action::untouched);

  py::class_<plan_entry>(m, "PlanEntry", "One file of the plan: the listing's entry, what happens to it, and why.")
      .def_readonly("entry", &plan_entry::entry)
      .def_readonly("action", &plan_entry::action)
      .def_readonly("reasons", &plan_entry::reasons)
      .def_readonly("counted", &plan_entry::counted)
      .def("__repr__", [](const plan_entry& e) {
        return "<PlanEntry " + e.entry.name + " " + plan_action_name(e.action) + ">";
      });

  py::class_<retention_plan>(m, "RetentionPlan", "The decision of plan_retention() for every file of a listing.")
      .def_readonly("policy", &retention_plan::policy)
      .def_property_readonly("now", [](const retention_plan& p) { return to_datetime(p.now); })
      .def_readonly("entries", &retention_plan::entries)
      .def("count", &retention_plan::count, py::arg("action"), "How many entries have this PlanAction.")
      .def_property_readonly("bytes_to_free", &retention_plan::bytes_to_free);

  m.def(
      "plan_retention",
      [](const std::vector<backup_entry>& entries, const retention_policy& policy, py::object now) {
        return plan_retention(entries, policy, now_or(now));
      },
      py::arg("entries"), py::arg("policy"), py::arg("now") = py::none(),
      "Decide which backups the policy keeps, touching nothing (pure; calendar buckets in local time). "
      "now: a datetime or epoch seconds, default the clock. Raises InvalidArgument for an empty policy.");

  py::class_<removal>(m, "Removal", "The outcome of one removal a plan asked for.")
      .def_readonly("path", &removal::path)
      .def_readonly("removed", &removal::removed)
      .def_readonly("problem", &removal::problem)
      .def_readonly("bytes", &removal::bytes)
      .def_readonly("companions", &removal::companions);

  py::class_<apply_result>(m, "ApplyResult", "What apply_retention() removed.")
      .def_readonly("removals", &apply_result::removals)
      .def_readonly("bytes_freed", &apply_result::bytes_freed)
      .def_property_readonly("ok", &apply_result::ok, "Every removal the plan asked for was made.");

  m.def(
      "apply_retention",
      [](const retention_plan& plan, py::object lock_wait, py::object log, py::object cancel) {
        apply_options o;
        o.lock_wait = to_milliseconds(lock_wait);
        call_context ctx(std::move(log), py::none(), std::move(cancel));
        o.events = ctx.sink();
        return ctx.invoke([&] { return apply_retention(plan, o); });
      },
      py::arg("plan"), py::kw_only(), py::arg("lock_wait") = 0, py::arg("log") = py::none(),
      py::arg("cancel") = py::none(),
      "Delete what the plan removes, each file with its companions, under the directory lock, "
      "re-checking every file first. Raises AlreadyRunning / LockTimeout for the lock.");

  py::class_<prune_result>(m, "PruneResult", "What prune() planned and, unless it was a dry run, did.")
      .def_readonly("plan", &prune_result::plan)
      .def_readonly("applied", &prune_result::applied)
      .def_readonly("dry_run", &prune_result::dry_run)
      .def(
          "to_json", [](const prune_result& r, bool pretty) { return to_json(r, pretty); }, py::arg("pretty") = true)
      .def("to_text", [](const prune_result& r) { return to_text(r); });

  m.def(
      "prune",
      [](std::filesystem::path dir, const retention_policy& policy, bool dry_run, py::object lock_wait, py::object now,
         py::object log, py::object cancel) {
        prune_options o;
        o.dir = std::move(dir);
        o.policy = policy;
        o.dry_run = dry_run;
        o.lock_wait = to_milliseconds(lock_wait);
        if (!now.is_none()) o.now = to_sys_seconds(now);
        call_context ctx(std::move(log), py::none(), std::move(cancel));
        o.events = ctx.sink();
        return ctx.invoke([&] { return immichbak::prune(o); });
      },
      py::arg("dir"), py::arg("policy"), py::kw_only(), py::arg("dry_run") = false, py::arg("lock_wait") = 0,
      py::arg("now") = py::none(), py::arg("log") = py::none(), py::arg("cancel") = py::none(),
      "Lock the directory, list, plan and apply the policy (`immichbak prune`); dry_run only plans.");
}

// check_age(): the monitoring verdict.
void bind_monitoring(py::module_& m) {
  py::enum_<age_status>(m, "AgeStatus", "Monitoring-plugin states; int(status) is the plugin exit code.")
      .value("ok", age_status::ok)
      .value("warning", age_status::warning)
      .value("critical", age_status::critical)
      .value("unknown", age_status::unknown);

  py::class_<age_check_result>(m, "AgeCheckResult", "The verdict of check_backup_age().")
      .def_readonly("status", &age_check_result::status)
      .def_readonly("message", &age_check_result::message)
      .def_readonly("newest", &age_check_result::newest)
      .def_readonly("newest_good", &age_check_result::newest_good)
      .def_property_readonly("age", [](const age_check_result& r) { return to_timedelta(r.age); })
      .def_property_readonly("max_age", [](const age_check_result& r) { return to_timedelta(r.max_age); })
      .def_property_readonly("warn_age", [](const age_check_result& r) { return to_timedelta(r.warn_age); })
      .def_property_readonly(
          "exit_code", [](const age_check_result& r) { return static_cast<int>(r.status); },
          "The monitoring plugin exit code (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).")
      .def(
          "to_json", [](const age_check_result& r, bool pretty) { return to_json(r, pretty); },
          py::arg("pretty") = true)
      .def(
          "to_text", [](const age_check_result& r) { return to_text(r); },
          "The monitoring plugin line: \"IMMICHBAK OK - ... | age=...\".");

  m.def(
      "check_backup_age",
      [](std::filesystem::path dir, py::object max_age, py::object warn_age, std::string prefix, bool count_unverified,
         py::object now) {
        age_check_options o;
        o.dir = std::move(dir);
        o.max_age = to_seconds(max_age);
        if (!warn_age.is_none()) o.warn_age = to_seconds(warn_age);
        o.prefix = std::move(prefix);
        o.count_unverified = count_unverified;
        if (!now.is_none()) o.now = to_sys_seconds(now);
        call_context ctx;
        return ctx.invoke([&] { return check_backup_age(o); });
      },
      py::arg("dir"), py::kw_only(), py::arg("max_age") = "26h", py::arg("warn_age") = py::none(),
      py::arg("prefix") = "", py::arg("count_unverified") = false, py::arg("now") = py::none(),
      "A monitoring verdict for the newest good backup in dir (`immichbak check-age`). Ages: timedelta, "
      "seconds or text (\"26h\").");
}

}  // namespace

void init_retention(py::module_& m) {
  bind_listing(m);
  bind_durations(m);
  bind_policy(m);
  bind_monitoring(m);
}

}  // namespace immichbak::python
