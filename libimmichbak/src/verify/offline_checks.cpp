#include "verify/offline_checks.hpp"

#include "format/content_hash.hpp"
#include "format/layout.hpp"
#include "format/manifest_check.hpp"
#include "format/manifest_json.hpp"
#include "sqlscript/statement_check.hpp"
#include "util/parallel.hpp"
#include "util/reporter.hpp"
#include "verify/copy_checker.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <atomic>
#include <map>
#include <set>
#include <algorithm>

namespace immichbak::verify_detail {

namespace {

std::string qualified(const std::string& schema, const std::string& table) {
  return table.empty() ? std::string() : schema + "." + table;
}

void add(verify_report& r, const char* name, check_status s, std::string detail, std::string table = {},
         std::optional<std::uint64_t> offset = std::nullopt) {
  r.checks.push_back(check_result{name, s, std::move(detail), std::move(table), offset});
}

void fail(verify_report& r, const char* name, std::string detail, std::string table = {},
          std::optional<std::uint64_t> offset = std::nullopt) {
  add(r, name, check_status::fail, std::move(detail), std::move(table), offset);
}

}  // namespace

void manifest_checks(const format::backup_reader& reader, verify_report& report) {
  const manifest& m = reader.get_manifest();
  std::map<std::string, std::size_t> failed;
  for (auto& p : format::check_manifest(m, reader.frames_end())) {
    ++failed[p.check];
    report.checks.push_back(check_result{p.check, check_status::fail, std::move(p.detail), std::move(p.table), p.offset});
  }
  if (!failed.count("layout"))
    add(report, "layout", check_status::pass,
        fmt::format("{} frames in order, contiguous from offset 0 to the manifest at offset {}", m.frames.size(),
                    reader.frames_end()));
  if (!failed.count("tables"))
    add(report, "tables", check_status::pass,
        fmt::format("{} tables listed once each; every data frame belongs to a listed table", m.tables.size()));
  if (!failed.count("rows")) {
    std::uint64_t rows = 0;
    for (const auto& t : m.tables) rows += t.rows;
    add(report, "rows", check_status::pass,
        fmt::format("the data frames' row counts add up to the tables' ({} rows)", rows));
  }
}

namespace {

struct frame_outcome {
  std::string frame_error;  // decode / checksum / size / sha256
  std::string copy_problem; // data frames only
  std::string statement_problem;  // DDL frames only (sqlscript/statement_check.hpp)
  std::uint64_t rows = 0;
  format::content_hash hash;
};

}  // namespace

namespace {

/// One frame decoded and examined: its outcome, or a thrown error when the file cannot be
/// examined at all (I/O, a bug); damage inside the frame is an outcome, not an error.
frame_outcome examine_frame(const format::backup_reader& reader, const manifest_frame& f) {
  frame_outcome o;
  try {
    if (f.kind == frame_kind::data) {
      copy_checker cc(f.schema, f.table);
      reader.read_frame(f, [&](std::string_view piece) { cc.feed(piece); });
      cc.finish();
      o.copy_problem = cc.problem();
      o.rows = cc.rows();
      o.hash = cc.hash();
    } else if (f.plain_size <= format::max_frame_string_bytes) {
      std::string text = reader.read_frame(f);
      if (auto why = sqlscript::check_frame_statements(f, text)) o.statement_problem = *why;
    } else {
      reader.read_frame(f, [](std::string_view) {});
      o.statement_problem = fmt::format("{} plain bytes is over the {} byte limit for a DDL frame", f.plain_size,
                                        format::max_frame_string_bytes);
    }
  } catch (const error& e) {
    if (e.code() != errc::corrupt_backup) throw;
    o.frame_error = e.what();
  }
  return o;
}

/// Every frame examined, options.jobs at a time (util::run_workers), in any order; the
/// outcomes in file order. Progress goes through util::reporter (one phase "verify", an
/// item per frame). Throws what examine_frame throws, or errc::cancelled.
std::vector<frame_outcome> examine_frames(const format::backup_reader& reader, const verify_options& options) {
  const auto& frames = reader.get_manifest().frames;
  std::vector<frame_outcome> outcomes(frames.size());
  std::uint64_t total_bytes = 0;
  for (const auto& f : frames) total_bytes += f.stored_size;
  util::reporter progress(options.events);
  progress.phase("verify", frames.size(), total_bytes);

  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  auto cancelled = [&] { return options.events.cancel && options.events.cancel->load(); };
  const std::size_t workers = std::clamp<std::size_t>(static_cast<std::size_t>(std::max(1, options.jobs)), 1,
                                                      std::max<std::size_t>(1, frames.size()));
  util::run_workers(workers, [&](std::size_t) {
    while (!stop && !cancelled()) {
      std::size_t i = next.fetch_add(1);
      if (i >= frames.size()) return;
      try {
        outcomes[i] = examine_frame(reader, frames[i]);
      } catch (...) {
        stop = true;  // the file cannot be examined: the others need not go on
        throw;
      }
      progress.item_done(format::describe_frame(frames[i]), frames[i].stored_size, 0);
    }
  });
  if (cancelled()) throw error(errc::cancelled, fmt::format("verify of {} cancelled", reader.path().string()));
  return outcomes;
}

/// The "frame", "statements" and "copy" findings: per frame in file order, then a pass line
/// for each check that found nothing.
void report_frame_findings(const format::backup_reader& reader, const std::vector<frame_outcome>& outcomes,
                           verify_report& report) {
  const auto& frames = reader.get_manifest().frames;
  std::size_t frame_failures = 0, copy_failures = 0, data_frames = 0, undecoded_data = 0;
  std::size_t statement_failures = 0, ddl_frames = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto& f = frames[i];
    const auto& o = outcomes[i];
    const std::string t = qualified(f.schema, f.table);
    if (!o.frame_error.empty()) {
      ++frame_failures;
      if (f.kind == frame_kind::data) ++undecoded_data;
      fail(report, "frame", o.frame_error, t, f.offset);
      continue;
    }
    if (f.kind != frame_kind::data) {
      ++ddl_frames;
      if (!o.statement_problem.empty()) {
        ++statement_failures;
        fail(report, "statements",
             fmt::format("{}: {}; immichbak never writes this, so the file was made or changed by something else "
                         "(do not restore it)",
                         format::describe_frame(f), o.statement_problem),
             t, f.offset);
      }
      continue;
    }
    ++data_frames;
    if (!o.copy_problem.empty()) {
      ++copy_failures;
      fail(report, "copy", fmt::format("{}: {}", format::describe_frame(f), o.copy_problem), t, f.offset);
    } else if (o.rows != f.rows) {
      ++copy_failures;
      fail(report, "copy",
           fmt::format("{} holds {} rows, the manifest says {}", format::describe_frame(f), o.rows, f.rows), t,
           f.offset);
    }
  }
  if (frame_failures == 0)
    add(report, "frame", check_status::pass,
        fmt::format("{} frames decoded; sizes{} and sha256 match the manifest", frames.size(),
                    reader.get_manifest().compression == "zstd"   ? ", zstd checksums"
                    : reader.get_manifest().compression == "gzip" ? ", gzip CRC-32s"
                                                                  : ""));
  if (statement_failures == 0)
    add(report, "statements", check_status::pass,
        fmt::format("{} DDL frames hold only statements immichbak writes in their section{}", ddl_frames,
                    frame_failures ? " (frames that could not be decoded are not counted: see the frame findings)"
                                   : ""));
  if (copy_failures == 0)
    add(report, "copy", check_status::pass,
        fmt::format("{} data frames are well-formed COPY blocks with the manifest's row counts{}", data_frames,
                    undecoded_data ? fmt::format(" ({} more could not be decoded: see the frame findings)", undecoded_data)
                                   : std::string()));
}

/// The "content-hash" findings: each table's rows, hashed from the frames that decoded and
/// parsed cleanly, against the manifest.
void report_content_hashes(const manifest& m, const std::vector<frame_outcome>& outcomes, verify_report& report) {
  const auto& frames = m.frames;
  struct table_acc {
    format::content_hash hash;
    std::optional<std::uint64_t> broken_at;
  };
  std::map<std::pair<std::string, std::string>, table_acc> acc;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto& f = frames[i];
    if (f.kind != frame_kind::data) continue;
    auto& a = acc[{f.schema, f.table}];
    const auto& o = outcomes[i];
    if (!o.frame_error.empty() || !o.copy_problem.empty()) {
      if (!a.broken_at) a.broken_at = f.offset;
      continue;
    }
    a.hash.merge(o.hash);
  }
  std::size_t hash_failures = 0, hashed = 0;
  for (const auto& t : m.tables) {
    if (t.data_excluded) continue;
    const std::string q = qualified(t.schema, t.name);
    const table_acc& a = acc[{t.schema, t.name}];
    ++hashed;
    if (a.broken_at) {
      ++hash_failures;
      fail(report, "content-hash",
           fmt::format("cannot be checked: the data frame at offset {} is damaged", *a.broken_at), q, *a.broken_at);
      continue;
    }
    std::string got = a.hash.hex();
    if (got != t.content_hash) {
      ++hash_failures;
      fail(report, "content-hash",
           fmt::format("the rows hash to {} ({} rows), the manifest says {} ({} rows)", got, a.hash.rows(),
                       t.content_hash.empty() ? "nothing" : t.content_hash, t.rows),
           q);
    }
  }
  if (hash_failures == 0)
    add(report, "content-hash", check_status::pass,
        fmt::format("{} tables: recomputed content hashes match the manifest", hashed));
}

}  // namespace

void frame_checks(const format::backup_reader& reader, const verify_options& options, verify_report& report) {
  const std::vector<frame_outcome> outcomes = examine_frames(reader, options);
  report_frame_findings(reader, outcomes, report);
  report_content_hashes(reader.get_manifest(), outcomes, report);
}

}  // namespace immichbak::verify_detail
