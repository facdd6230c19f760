#include "backup/data_phase.hpp"

#include "format/backup_writer.hpp"
#include "pg/connection.hpp"
#include "util/parallel.hpp"
#include "util/sql_quote.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

namespace immichbak::backup_detail {

namespace {

// How long a worker that cannot import the snapshot waits for the leader's own error:
// 250 steps of 20 ms.
constexpr int snapshot_wait_steps = 250;

struct shared_state {
  const std::vector<schema::table_data>& tables;
  const std::vector<work_item>& items;
  format::backup_writer& writer;
  run_control& control;
  reporter& report;
  const data_phase_options& options;
  std::atomic<std::size_t> next{0};
  std::mutex totals_mu;
  std::vector<table_totals> totals;
  std::size_t buffer_reserve = 0;  ///< a chunk plus room for the row that overshoots it
  std::size_t in_flight = 1;       ///< filled frames a worker may have queued or being written
};

// A failure while writing (disk full, ...) must not be reported as a table read failure.
struct writer_failure {
  std::exception_ptr error;
};

// Buffering per worker: the worker fills one buffer while a helper thread compresses and
// appends earlier ones, so the server does not wait for zstd (with --jobs 1 this overlaps
// server and client work like `pg_dump | zstd` does). At most `in_flight` filled buffers
// are queued or being written. Memory per worker: in_flight + 1 chunk buffers plus the
// writer's compressed buffer and zstd context. A lone worker gets two in flight: nothing
// else keeps the CPU busy while it waits for its compressor (measured ~6 % faster for
// --jobs 1 at 1 GB, +4 MiB). With several workers one in flight (double buffering) was as
// fast within the noise and keeps --jobs 2 at ~52 MiB instead of ~58 (docs/performance.md).
class frame_pipe {
 public:
  frame_pipe(shared_state& s, std::size_t in_flight) : s_(s), in_flight_(in_flight), thread_([this] { loop(); }) {}
  ~frame_pipe() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  frame_pipe(const frame_pipe&) = delete;
  frame_pipe& operator=(const frame_pipe&) = delete;

  /// Queues `buf` as one frame (waiting while `in_flight` frames are queued or being
  /// written) and gives back an empty buffer in its place. Throws writer_failure if a
  /// write failed.
  void submit(std::string& buf, const format::frame_meta& meta, std::size_t table_index) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return queue_.size() + (writing_ ? 1 : 0) < in_flight_ || failed_; });
    if (failed_) throw writer_failure{error_};
    queue_.push_back(job{std::move(buf), meta, table_index});
    std::string spare;
    if (!spares_.empty()) {
      spare = std::move(spares_.back());
      spares_.pop_back();
    }
    lock.unlock();
    cv_.notify_all();
    // Reuse a written buffer; size it once so it never doubles past a chunk.
    buf = std::move(spare);
    buf.clear();
    if (buf.capacity() < s_.buffer_reserve) buf.reserve(s_.buffer_reserve);
  }

  /// Waits until every queued frame is written; throws writer_failure if a write failed.
  void drain() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return (queue_.empty() && !writing_) || failed_; });
    if (failed_) throw writer_failure{error_};
  }

 private:
  struct job {
    std::string plain;
    format::frame_meta meta;
    std::size_t table = 0;
  };

  void loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return !queue_.empty() || done_; });
      if (queue_.empty()) return;
      job j = std::move(queue_.front());
      queue_.pop_front();
      writing_ = true;
      // After a failure, or once the run is stopping (cancelled, or another worker failed),
      // the rest is only drained: the file will not be committed, and compressing what is
      // queued (seconds per frame at zstd:19) would only delay the exit.
      const bool skip = failed_ || s_.control.stopped() || s_.control.user_cancelled();
      lock.unlock();
      std::exception_ptr err;
      if (!skip)
        try {
          manifest_frame f = s_.writer.write_frame(j.meta, j.plain);
          std::lock_guard tl(s_.totals_mu);
          auto& tt = s_.totals[j.table];
          tt.plain_bytes += f.plain_size;
          tt.stored_bytes += f.stored_size;
          ++tt.frames;
        } catch (...) {
          err = std::current_exception();
          s_.control.fail(err);
        }
      lock.lock();
      writing_ = false;
      if (err) {
        failed_ = true;
        error_ = err;
      }
      j.plain.clear();
      spares_.push_back(std::move(j.plain));
      cv_.notify_all();
    }
  }

  shared_state& s_;
  const std::size_t in_flight_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<job> queue_;
  std::vector<std::string> spares_;
  bool writing_ = false;
  bool done_ = false;
  bool failed_ = false;
  std::exception_ptr error_;
  std::thread thread_;  // last: starts after the members it uses exist
};

std::string read_failure_hint(const error& e) {
  if (e.code() == errc::permission_denied)
    return "; grant SELECT on it to the backup role, run the backup as the database owner, or leave its rows out "
           "with --exclude-table-data";
  return {};
}

// The search_path a session currently has: "" (the pinned setting) or the source's.
struct session_path {
  bool source = false;
};

void set_path(shared_state& s, pg::connection& conn, session_path& p, bool source) {
  if (p.source == source) return;
  conn.exec("SELECT pg_catalog.set_config('search_path', $1, false)",
            {source ? s.options.range_search_path : std::string()});
  p.source = source;
}

void run_item(shared_state& s, pg::connection& conn, session_path& path, frame_pipe& pipe, const work_item& item,
              std::string& buf) {
  const auto& t = s.tables[item.table_index];
  const std::string name = t.schema + "." + t.name;
  const std::string header = copy_from_header(t);
  format::frame_meta meta;
  meta.kind = frame_kind::data;
  meta.schema = t.schema;
  meta.table = t.name;

  format::content_hash hash;
  std::uint64_t rows = 0, bytes = 0, reported_rows = 0, reported_bytes = 0;
  buf.assign(header);

  auto flush = [&] {
    buf += "\\.\n";
    pipe.submit(buf, meta, item.table_index);
    meta.rows = 0;
    buf.assign(header);
    s.report.add(name, bytes - reported_bytes, rows - reported_rows, false, false);
    reported_bytes = bytes;
    reported_rows = rows;
  };

  try {
    set_path(s, conn, path, item.ranged);
    auto on_row = [&](std::string_view row) {
      s.control.check();
      // Rows arrive with their newline; the hash is over the text without it.
      hash.add_row(row.substr(0, row.empty() ? 0 : row.size() - 1));
      buf.append(row);
      bytes += row.size();
      ++meta.rows;
      ++rows;
      if (buf.size() >= s.options.chunk_bytes) flush();
    };
    const auto& binary = s.options.binary_columns;
    if (item.table_index < binary.size() && !binary[item.table_index].empty()) {
      // The server sends binary rows; they are written as the text rows it would have sent.
      copytext::binary_row_decoder decoder(binary[item.table_index]);
      conn.copy_out(item.copy_sql + " (FORMAT binary)", [&](std::string_view m) { decoder.feed(m, on_row); });
      decoder.finish();
    } else {
      conn.copy_out(item.copy_sql, on_row);
    }
    if (meta.rows > 0) flush();
  } catch (const writer_failure&) {
    throw stopped_signal{};  // the pipe recorded the error already
  } catch (const error& e) {
    if (s.control.stopped()) throw stopped_signal{};
    throw error(e.code(), fmt::format("could not read table {}: {}{}", util::sql::qualified(t.schema, t.name), e.what(),
                                      read_failure_hint(e)),
                e.sqlstate());
  }

  {
    std::lock_guard lock(s.totals_mu);
    auto& tt = s.totals[item.table_index];
    tt.hash.merge(hash);
    tt.rows += rows;
    --tt.items_left;
  }
  s.report.add(name, bytes - reported_bytes, rows - reported_rows, true, true);
}

// Opens a worker session inside the leader's snapshot.
pg::connection open_worker(const shared_state& s) {
  pg::connection c(s.options.dsn, {}, s.options.session_events);
  c.exec(s.options.worker_setup_sql);
  c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  try {
    c.exec("SET TRANSACTION SNAPSHOT " + util::sql::literal(s.options.snapshot));
  } catch (const error& e) {
    // "invalid snapshot identifier" (22023: the exporting transaction ended and its
    // snapshot file is gone; PostgreSQL 17+ says 'snapshot "..." does not exist', 42704)
    // or "the source process is not running anymore" (55000). The
    // leader holds its transaction open until every worker is done, so this means the
    // leader's session went away: the server stopped or restarted, or the session was
    // terminated. The leader finds out on its next step and reports that itself; wait
    // for it, so the error reported is the leader's lost connection rather than this
    // worker's side effect of it (it lost that race once, as a query_failed).
    if (e.code() != errc::query_failed ||
        (e.sqlstate() != "22023" && e.sqlstate() != "42704" && e.sqlstate() != "55000"))
      throw;
    for (int i = 0; i < snapshot_wait_steps && !s.control.stopped(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (s.control.stopped()) throw stopped_signal{};
    throw error(errc::connection_failed,
                fmt::format("a backup worker could not join the backup's snapshot: the leader session that exported "
                            "it has ended (the server stopped or restarted, or the session was terminated): {}",
                            e.what()),
                e.sqlstate());
  }
  return c;
}

void worker_main(shared_state& s, pg::connection* leader) {
  std::optional<pg::connection> own;
  bool registered = false;
  try {
    pg::connection* conn = leader;
    if (!conn) {
      own.emplace(open_worker(s));
      s.control.add(&*own);
      registered = true;
      conn = &*own;
    }
    std::string buf;
    buf.reserve(s.buffer_reserve);
    frame_pipe pipe(s, s.in_flight);
    session_path path;
    for (;;) {
      s.control.check();
      std::size_t i = s.next.fetch_add(1);
      if (i >= s.items.size()) break;
      run_item(s, *conn, path, pipe, s.items[i], buf);
    }
    pipe.drain();
  } catch (const stopped_signal&) {
  } catch (const writer_failure&) {
    // recorded by the pipe
  } catch (...) {
    s.control.fail(std::current_exception());
  }
  if (registered) s.control.remove(&*own);
}

}  // namespace

std::vector<table_totals> run_data_phase(pg::connection& leader, const std::vector<schema::table_data>& tables,
                                         const std::vector<work_item>& items, format::backup_writer& writer,
                                         run_control& control, reporter& report, const data_phase_options& options) {
  shared_state s{tables, items, writer, control, report, options, {}, {}, std::vector<table_totals>(tables.size())};
  for (const auto& it : items) ++s.totals[it.table_index].items_left;
  s.buffer_reserve = std::min<std::size_t>(options.chunk_bytes, 64u << 20) + (64u << 10);

  // Never more sessions than items: an idle session would only cost a connection.
  int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(std::max<std::size_t>(items.size(), 1))));
  s.in_flight = jobs == 1 ? 2 : 1;
  // Worker 0 is the leader's session (the snapshot's owner); the others open their own.
  util::run_workers(
      static_cast<std::size_t>(jobs), [&](std::size_t k) { worker_main(s, k == 0 ? &leader : nullptr); },
      [&](std::exception_ptr e) { control.fail(std::move(e)); });
  return std::move(s.totals);
}

}  // namespace immichbak::backup_detail
