#include "verify/offline_checks.hpp"

#include "format/content_hash.hpp"
#include "format/manifest_json.hpp"
#include "verify/copy_checker.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

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

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

void layout_checks(const format::backup_reader& reader, verify_report& report) {
  const manifest& m = reader.get_manifest();
  const std::size_t before = report.checks.size();
  const char* name = "layout";
  if (m.frames.empty()) {
    fail(report, name, "the manifest lists no frames");
    return;
  }
  const auto& first = m.frames.front();
  if (first.kind != frame_kind::header || first.offset != 0)
    fail(report, name,
         fmt::format("the first frame must be the header at offset 0; it is a {} at offset {}",
                     format::describe_frame(first), first.offset),
         qualified(first.schema, first.table), first.offset);
  std::uint64_t expected = 0;
  int last_rank = -1;
  std::size_t headers = 0;
  for (std::size_t i = 0; i < m.frames.size(); ++i) {
    const auto& f = m.frames[i];
    const std::string t = qualified(f.schema, f.table);
    if (f.kind == frame_kind::header) ++headers;
    if (f.offset != expected)
      fail(report, name,
           f.offset > expected
               ? fmt::format("gap of {} bytes before the {} (expected it at offset {})", f.offset - expected,
                             format::describe_frame(f), expected)
               : fmt::format("the {} overlaps or is out of file order (expected offset {})", format::describe_frame(f),
                             expected),
           t, f.offset);
    int rank = format::frame_rank(f.kind, f.phase);
    if (rank < last_rank)
      fail(report, name,
           fmt::format("the {} comes after the {}: frames must be ordered header, pre_data, data, post_data "
                       "(indexes, foreign_keys, final), owners, privileges",
                       format::describe_frame(f), format::describe_frame(m.frames[i - 1])),
           t, f.offset);
    last_rank = std::max(last_rank, rank);
    expected = f.offset + f.stored_size;  // no overflow: the reader bounded both by the file size
  }
  if (headers != 1) fail(report, name, fmt::format("the manifest lists {} header frames, expected exactly 1", headers));
  if (expected != reader.frames_end())
    fail(report, name,
         fmt::format("the frames end at offset {} but the manifest starts at offset {} ({} unaccounted bytes)",
                     expected, reader.frames_end(),
                     reader.frames_end() > expected ? reader.frames_end() - expected : expected - reader.frames_end()),
         {}, expected);
  if (report.checks.size() == before)
    add(report, name, check_status::pass,
        fmt::format("{} frames in order, contiguous from offset 0 to the manifest at offset {}", m.frames.size(),
                    reader.frames_end()));
}

void table_checks(const manifest& m, verify_report& report) {
  const std::size_t before = report.checks.size();
  const char* name = "tables";
  struct sums {
    std::uint64_t rows = 0, plain = 0, stored = 0, frames = 0;
  };
  std::map<std::pair<std::string, std::string>, const manifest_table*> tables;
  for (const auto& t : m.tables) {
    if (!tables.emplace(std::make_pair(t.schema, t.name), &t).second)
      fail(report, name, "the manifest lists the table twice", qualified(t.schema, t.name));
    if (!t.data_excluded && !is_hex64(t.content_hash))
      fail(report, name, "the manifest has no valid content hash for the table", qualified(t.schema, t.name));
  }
  std::map<std::pair<std::string, std::string>, sums> per_table;
  for (const auto& f : m.frames) {
    if (f.kind != frame_kind::data) continue;
    const std::string t = qualified(f.schema, f.table);
    auto it = tables.find({f.schema, f.table});
    if (it == tables.end()) {
      fail(report, name, fmt::format("data frame of a table the manifest does not list ({})", t), t, f.offset);
      continue;
    }
    if (it->second->data_excluded)
      fail(report, name, "data frame of a table whose data is marked excluded", t, f.offset);
    if (f.rows == 0) fail(report, name, "data frame with 0 rows (a data frame holds at least one row)", t, f.offset);
    auto& s = per_table[{f.schema, f.table}];
    s.rows += f.rows;
    s.plain += f.plain_size;
    s.stored += f.stored_size;
    ++s.frames;
  }
  const std::size_t table_findings = report.checks.size();
  for (const auto& t : m.tables) {
    const sums& s = per_table[{t.schema, t.name}];
    const std::string q = qualified(t.schema, t.name);
    if (s.rows != t.rows)
      fail(report, "rows",
           fmt::format("the manifest gives the table {} rows, its {} data frames hold {}", t.rows, s.frames, s.rows),
           q);
    if (s.plain != t.plain_bytes || s.stored != t.stored_bytes)
      fail(report, name,
           fmt::format("the manifest gives the table {} plain / {} stored bytes, its data frames add up to {} / {}",
                       t.plain_bytes, t.stored_bytes, s.plain, s.stored),
           q);
  }
  bool rows_failed = false;
  for (std::size_t i = table_findings; i < report.checks.size(); ++i)
    if (report.checks[i].name == "rows") rows_failed = true;
  bool tables_failed = false;
  for (std::size_t i = before; i < report.checks.size(); ++i)
    if (report.checks[i].name == std::string(name)) tables_failed = true;
  if (!tables_failed)
    add(report, name, check_status::pass,
        fmt::format("{} tables listed once each; every data frame belongs to a listed table", m.tables.size()));
  if (!rows_failed) {
    std::uint64_t rows = 0;
    for (const auto& t : m.tables) rows += t.rows;
    add(report, "rows", check_status::pass,
        fmt::format("the data frames' row counts add up to the tables' ({} rows)", rows));
  }
}

namespace {

struct frame_outcome {
  bool done = false;
  std::string frame_error;  // decode / checksum / size / sha256
  std::string copy_problem; // data frames only
  std::uint64_t rows = 0;
  format::content_hash hash;
};

}  // namespace

void frame_checks(const format::backup_reader& reader, const verify_options& options, verify_report& report) {
  const manifest& m = reader.get_manifest();
  const auto& frames = m.frames;
  std::vector<frame_outcome> outcomes(frames.size());

  std::uint64_t total_bytes = 0;
  for (const auto& f : frames) total_bytes += f.stored_size;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex events_mu;
  std::uint64_t bytes_done = 0;
  std::size_t items_done = 0;
  const auto start = std::chrono::steady_clock::now();

  auto worker = [&] {
    for (;;) {
      if (options.events.cancel && options.events.cancel->load()) {
        stop = true;
        return;
      }
      std::size_t i = next.fetch_add(1);
      if (i >= frames.size() || stop) return;
      const auto& f = frames[i];
      frame_outcome& o = outcomes[i];
      try {
        if (f.kind == frame_kind::data) {
          copy_checker cc(f.schema, f.table);
          reader.read_frame(f, [&](std::string_view piece) { cc.feed(piece); });
          cc.finish();
          o.copy_problem = cc.problem();
          o.rows = cc.rows();
          o.hash = cc.hash();
        } else {
          reader.read_frame(f, [](std::string_view) {});
        }
      } catch (const error& e) {
        if (e.code() != errc::corrupt_backup) {
          stop = true;  // an I/O error or a bug: the file cannot be examined
          throw;
        }
        o.frame_error = e.what();
      }
      o.done = true;
      if (options.events.progress) {
        std::lock_guard lock(events_mu);
        bytes_done += f.stored_size;
        ++items_done;
        progress_event ev;
        ev.phase = "verify";
        ev.item = format::describe_frame(f);
        ev.bytes_done = bytes_done;
        ev.bytes_total = total_bytes;
        ev.items_done = items_done;
        ev.items_total = frames.size();
        ev.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        options.events.progress(ev);
      }
    }
  };

  const std::size_t threads = std::clamp<std::size_t>(static_cast<std::size_t>(std::max(1, options.jobs)), 1,
                                                      std::max<std::size_t>(1, frames.size()));
  std::exception_ptr first_error;
  std::mutex err_mu;
  auto guarded = [&] {
    try {
      worker();
    } catch (...) {
      std::lock_guard lock(err_mu);
      if (!first_error) first_error = std::current_exception();
    }
  };
  if (threads == 1) {
    guarded();
  } else {
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(guarded);
    for (auto& th : pool) th.join();
  }
  if (first_error) std::rethrow_exception(first_error);
  if (options.events.cancel && options.events.cancel->load())
    throw error(errc::cancelled, fmt::format("verify of {} cancelled", reader.path().string()));

  // Per-frame findings, in file order.
  std::size_t frame_failures = 0, copy_failures = 0, data_frames = 0, undecoded_data = 0;
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
    if (f.kind != frame_kind::data) continue;
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
                    reader.compressed() ? ", zstd checksums" : ""));
  if (copy_failures == 0)
    add(report, "copy", check_status::pass,
        fmt::format("{} data frames are well-formed COPY blocks with the manifest's row counts{}", data_frames,
                    undecoded_data ? fmt::format(" ({} more could not be decoded: see the frame findings)", undecoded_data)
                                   : std::string()));

  // Per-table content hashes, from frames that decoded and parsed cleanly.
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

}  // namespace immichbak::verify_detail
