#include "load/loader.hpp"

#include <immichbak/error.hpp>

#include "format/backup_reader.hpp"
#include "format/content_hash.hpp"
#include "format/header_sql.hpp"
#include "load/analyze.hpp"
#include "load/binary_types.hpp"
#include "load/frame_queue.hpp"
#include "load/early_indexes.hpp"
#include "load/index_order.hpp"
#include "load/load_queue.hpp"
#include "load/index_search_path.hpp"
#include "pg/connection.hpp"
#include "sqlscript/statement_check.hpp"
#include "util/sql_quote.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

namespace immichbak::load {

namespace {

constexpr std::size_t max_copy_line = 16u << 20;  // a COPY line longer than this is damage
constexpr std::string_view end_marker = "\\.\n";

// A data frame's first line, `COPY "s"."t" (...) FROM stdin;`, gathered from the pieces
// it arrives in (the text and the binary path read it alike).
struct copy_head {
  enum class step { more, done, too_long, not_copy };
  std::string line;
  std::optional<std::string> columns;  ///< parse_copy_line() of the complete line

  /// Moves the line's bytes (and its newline) from the front of `piece` into `line`.
  step take(std::string_view& piece, const manifest_frame& f) {
    auto nl = piece.find('\n');
    line.append(piece.substr(0, nl));
    if (line.size() > max_copy_line) return step::too_long;
    if (nl == std::string_view::npos) return step::more;
    piece.remove_prefix(nl + 1);
    columns = parse_copy_line(line, f.schema, f.table);
    return columns ? step::done : step::not_copy;
  }
};

// Rethrows `e` with the frame named, keeping code and SQLSTATE.
[[noreturn]] void rethrow_named(const error& e, const manifest_frame& f) {
  throw error(e.code(), fmt::format("{} failed: {}", describe_frame(f), e.what()), e.sqlstate());
}

std::string label_of(const manifest_frame& f) {
  if (f.kind == frame_kind::data) return f.schema + "." + f.table;
  return f.label.empty() ? std::string(frame_kind_name(f.kind)) : f.label;
}

// One DDL frame: read (sha256 checked), run. Deadlocks between parallel units are retried.
void run_ddl(const format::backup_reader& reader, const manifest_frame& f, pg::connection& c, int retries) {
  std::string sql = reader.read_frame(f);
  for (int attempt = 0;; ++attempt) {
    try {
      c.exec(sql);
      return;
    } catch (const error& e) {
      if (e.sqlstate() == "40P01" && attempt < retries) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50 * (attempt + 1)));
        continue;
      }
      rethrow_named(e, f);
    }
  }
}

}  // namespace

load_plan make_plan(const manifest& m, bool no_owner, bool no_privileges,
                    const std::function<bool(const manifest_frame&)>& filter) {
  load_plan p;
  std::set<table_key> seen;
  for (const auto& f : m.frames) {
    // The clean frame's DROPs are for scripts run into an existing database; a restore
    // always loads a new (or, in place, an empty) one.
    if (f.kind == frame_kind::header || f.kind == frame_kind::clean) continue;
    if (filter && !filter(f)) continue;
    switch (f.kind) {
      case frame_kind::header:
      case frame_kind::clean: break;
      case frame_kind::pre_data: p.pre_data.push_back(&f); break;
      case frame_kind::data:
        p.data.push_back(&f);
        p.data_bytes += f.plain_size;
        p.data_rows += f.rows;
        if (seen.insert({f.schema, f.table}).second) p.tables_with_data.emplace_back(f.schema, f.table);
        break;
      case frame_kind::post_data:
        if (f.phase == post_phase::indexes) p.indexes.push_back(&f);
        else if (f.phase == post_phase::foreign_keys) p.foreign_keys.push_back(&f);
        else p.final_units.push_back(&f);
        break;
      case frame_kind::owners:
        if (!no_owner) p.owners.push_back(&f);
        break;
      case frame_kind::privileges:
        if (!no_privileges) p.privileges.push_back(&f);
        break;
    }
  }
  // Data frames stay in file order: load/frame_queue.hpp picks which table a session
  // loads next, and within a table the frames are read front to back.
  return p;
}

void setup_session(pg::connection& c, int jobs, bool throwaway) {
  std::string sql = format::session_settings_sql();
  // A scratch database is thrown away on any failure, so losing the last commits in a
  // crash costs nothing; the final rename commits synchronously and flushes all of it.
  if (throwaway) sql += "SET synchronous_commit = off;\n";
  // Values over ~2 kB are compressed before they are TOASTed. pglz spends a lot of time
  // failing on data that does not compress (Immich's embeddings: ~9 % of the load's
  // server CPU in a profile); lz4 gives up fast and decompresses faster. It only picks
  // the method for the rows this session writes: columns with their own COMPRESSION keep
  // it, and the database's default stays what it is.
  auto r = c.exec(
      "SELECT (SELECT setting::bigint FROM pg_catalog.pg_settings WHERE name = 'maintenance_work_mem'), "
      "EXISTS (SELECT 1 FROM pg_catalog.pg_settings WHERE name = 'default_toast_compression' "
      "AND 'lz4' = ANY(enumvals))");
  if (r.get(0, 1) == "t") sql += "SET default_toast_compression = lz4;\n";
  // Index builds: up to 256MB each, at most ~1GB over all sessions, never below the
  // server's own setting.
  std::int64_t current_kb = r.is_null(0, 0) ? 65536 : r.i64(0, 0);
  std::int64_t want_kb = std::min<std::int64_t>(256 * 1024, 1024 * 1024 / std::max(jobs, 1));
  if (want_kb > current_kb) sql += fmt::format("SET maintenance_work_mem = '{}kB';\n", want_kb);
  c.exec(sql);
}

void session_set::open(const std::function<pg::connection()>& connect, int count, int jobs, bool throwaway) {
  for (int i = 0; i < count; ++i) {
    auto c = std::make_unique<pg::connection>(connect());
    setup_session(*c, jobs, throwaway);
    state_.add(c.get());
    ptrs_.push_back(c.get());
    conns_.push_back(std::move(c));
  }
}

void session_set::close() noexcept {
  for (auto* p : ptrs_) state_.remove(p);
  ptrs_.clear();
  conns_.clear();
}

void set_restore_search_path(pg::connection& c, const manifest& m) {
  c.exec("SELECT pg_catalog.set_config('search_path', $1, false)", {m.restore_search_path});
}

std::optional<std::string> parse_copy_line(std::string_view line, const std::string& schema, const std::string& table) {
  // The parser verify uses too (sqlscript/statement_check.hpp).
  sqlscript::copy_line p = sqlscript::parse_copy_line(line, schema, table);
  if (!p.ok) return std::nullopt;
  return p.columns;
}

std::string describe_frame(const manifest_frame& f) {
  if (f.kind == frame_kind::data)
    return fmt::format("data of {} (frame at offset {})", util::sql::qualified(f.schema, f.table), f.offset);
  std::string kind = frame_kind_name(f.kind);
  if (f.kind == frame_kind::post_data) {
    kind += f.phase == post_phase::indexes ? " (indexes)" : f.phase == post_phase::foreign_keys ? " (foreign keys)" : "";
  }
  return fmt::format("{} unit \"{}\" (frame at offset {})", kind, f.label, f.offset);
}

namespace {

constexpr std::size_t binary_send_at = 256u << 10;  // encoded bytes collected before a send

struct declined {};

// The binary path of load_data_frame(): decodes the frame, hashes its rows, encodes them
// (load/binary_copy.hpp) and streams one binary COPY. Returns nullopt when the frame is
// not entirely in the forms the encoder reproduces, is damaged in any way, or the server
// refuses the binary rows: whatever was sent is rolled back first (the COPY is aborted, and
// inside a transaction a savepoint is rolled back to), so the text path then loads the frame
// from the start, or reports the problem in its own words.
std::optional<frame_loaded> try_load_binary(const format::backup_reader& reader, const manifest_frame& f,
                                            pg::connection& c, const std::function<void()>& check,
                                            const std::map<std::string, binary_kind>& binary_columns) {
  copy_head head;
  std::string partial, out, sql;
  std::vector<binary_kind> kinds;
  format::content_hash hash;
  bool ended = false;
  const bool in_transaction = c.in_transaction();
  bool savepoint = false, copying = false, sending = false;

  auto send = [&] {
    sending = true;
    if (!copying) {
      if (in_transaction) {
        c.exec("SAVEPOINT immichbak_binary_frame");
        savepoint = true;
      }
      c.copy_in_start(sql);
      copying = true;
      c.copy_in_put(binary_copy_header());
    }
    c.copy_in_put(out);
    out.clear();
    sending = false;
  };
  auto undo = [&]() noexcept {
    if (copying) c.copy_in_abort("immichbak: this frame is loaded as text instead");
    copying = false;
    if (savepoint) {
      try {
        c.exec("ROLLBACK TO SAVEPOINT immichbak_binary_frame; RELEASE SAVEPOINT immichbak_binary_frame");
      } catch (...) {
        // the text path fails on this session next, with the reason
      }
    }
    savepoint = false;
  };
  auto on_line = [&](std::string_view line) {
    if (ended) throw declined{};
    if (line == "\\.") {
      ended = true;
      return;
    }
    if (!encode_row(kinds, line, out)) throw declined{};
    hash.add_row(line);
    if (out.size() >= binary_send_at) send();
  };
  try {
    reader.read_frame(f, [&](std::string_view piece) {
      if (check) check();
      if (!head.columns) {
        copy_head::step step = head.take(piece, f);
        if (step == copy_head::step::more) return;
        if (step != copy_head::step::done) throw declined{};
        kinds = binary_plan(binary_columns, *head.columns);
        if (kinds.empty()) throw declined{};
        constexpr std::string_view text_tail = " FROM stdin;";
        sql = head.line.substr(0, head.line.size() - text_tail.size()) + " FROM STDIN (FORMAT binary)";
      }
      while (!piece.empty()) {
        auto nl = piece.find('\n');
        if (nl == std::string_view::npos) {
          partial.append(piece);
          if (partial.size() > max_copy_line) throw declined{};
          return;
        }
        if (partial.empty()) {
          on_line(piece.substr(0, nl));
        } else {
          partial.append(piece.substr(0, nl));
          on_line(partial);
          partial.clear();
        }
        piece.remove_prefix(nl + 1);
      }
    }, !reader.compressed());
    if (!head.columns || !ended || !partial.empty() || hash.rows() != f.rows) throw declined{};
    send();
    c.copy_in_put(binary_copy_trailer());
  } catch (const declined&) {
    undo();
    return std::nullopt;
  } catch (const error& e) {
    undo();
    // The server or the connection failed while rows were sent: that is the restore's
    // error. Anything the reader found wrong, the text path reports in its own words.
    if (sending || e.code() == errc::cancelled || e.code() == errc::connection_failed) rethrow_named(e, f);
    return std::nullopt;
  } catch (...) {
    undo();
    throw;
  }

  std::uint64_t rows = 0;
  try {
    copying = false;
    rows = c.copy_in_finish();
    if (savepoint) c.exec("RELEASE SAVEPOINT immichbak_binary_frame");
  } catch (const error& e) {
    if (e.code() == errc::connection_failed) rethrow_named(e, f);
    undo();  // the server refused the binary rows: text gets the last word
    return std::nullopt;
  }
  if (rows != f.rows)
    throw error(errc::corrupt_backup,
                fmt::format("{}: loaded {} rows but the manifest says {}", describe_frame(f), rows, f.rows));
  return frame_loaded{rows, *head.columns, hash, true};
}

// The index units as load/load_queue.hpp takes them: build cost (load/index_order.hpp),
// table, whether they may start once that table is in (`early`), whether they lock it
// exclusively. A frame that cannot be read costs 0 and is kept apart; running it reports
// the damage.
std::vector<load_queue::index_unit> index_units(const format::backup_reader& reader,
                                                const std::vector<const manifest_frame*>& units,
                                                const std::set<table_key>& early) {
  std::map<table_key, std::uint64_t> rows;
  for (const auto& t : reader.get_manifest().tables) rows[{t.schema, t.name}] = t.rows;
  std::vector<load_queue::index_unit> out;
  out.reserve(units.size());
  for (const auto* f : units) {
    load_queue::index_unit u;
    u.table = {f->schema, f->table};
    u.early = early.count(u.table) > 0;
    u.exclusive = true;
    try {
      std::string sql = reader.read_frame(*f);
      auto it = rows.find(u.table);
      u.cost = index_build_cost(sql, it == rows.end() ? 0 : it->second);
      u.exclusive = locks_table_exclusively(sql);
    } catch (const error&) {
    }
    out.push_back(std::move(u));
  }
  return out;
}

}  // namespace

frame_loaded load_data_frame(const format::backup_reader& reader, const manifest_frame& f, pg::connection& c,
                             const std::function<void()>& check,
                             const std::map<std::string, binary_kind>* binary_columns) {
  if (binary_columns && !binary_columns->empty())
    if (auto done = try_load_binary(reader, f, c, check, *binary_columns)) return std::move(*done);
  copy_head head;
  // The rows exactly as sent to the server, hashed on the way (the client is mostly idle
  // while the server parses): the restore compares them with the manifest.
  format::content_hash_stream sent;
  auto put = [&](std::string_view bytes) {
    c.copy_in_put(bytes);
    sent.feed(bytes);
  };
  std::string held;  // the last bytes seen, kept back until we know they are not "\.\n"
  bool started = false;
  auto corrupt = [&](const std::string& what) {
    return error(errc::corrupt_backup, fmt::format("{} is damaged: {}", describe_frame(f), what));
  };
  try {
    // A zstd frame's content checksum (a gzip member's CRC-32) is verified as it decodes,
    // and the rows are hashed for the content check: a SHA-256 of the plain bytes on top
    // would only take client CPU from the server on a small machine. Uncompressed frames
    // have no other checksum.
    const bool check_sha256 = !reader.compressed();
    reader.read_frame(f, [&](std::string_view piece) {
      if (check) check();
      if (!started) {
        switch (head.take(piece, f)) {
          case copy_head::step::more: return;
          case copy_head::step::too_long: throw corrupt("its first line is not a COPY statement");
          case copy_head::step::not_copy:
            throw corrupt(fmt::format("its first line is not COPY {} (...) FROM stdin;",
                                      util::sql::qualified(f.schema, f.table)));
          case copy_head::step::done: break;
        }
        c.copy_in_start(head.line);
        started = true;
      }
      // Send everything but the last 3 bytes seen so far.
      std::size_t keep = end_marker.size();
      if (held.size() + piece.size() <= keep) {
        held.append(piece);
        return;
      }
      std::size_t send = held.size() + piece.size() - keep;
      if (send <= held.size()) {
        put(std::string_view(held).substr(0, send));
        held = held.substr(send);
        held.append(piece);
      } else {
        if (!held.empty()) put(held);
        std::size_t from_piece = send - held.size();
        put(piece.substr(0, from_piece));
        held.assign(piece.substr(from_piece));
      }
    }, check_sha256);
    if (!started) throw corrupt("it holds no complete COPY line");
    if (held != end_marker || sent.partial_line()) throw corrupt("it does not end with the \\. line");
  } catch (const error& e) {
    if (started) c.copy_in_abort("immichbak: the restore stopped");
    if (e.code() == errc::corrupt_backup) throw;
    rethrow_named(e, f);
  } catch (...) {
    if (started) c.copy_in_abort("immichbak: the restore stopped");
    throw;
  }
  std::uint64_t rows = 0;
  try {
    rows = c.copy_in_finish();
  } catch (const error& e) {
    rethrow_named(e, f);
  }
  if (rows != f.rows)
    throw error(errc::corrupt_backup,
                fmt::format("{}: loaded {} rows but the manifest says {}", describe_frame(f), rows, f.rows));
  return frame_loaded{rows, *head.columns, sent.hash(), false};
}

load_result load_backup(const format::backup_reader& reader, const load_plan& plan, const std::vector<pg::connection*>& sessions,
                 run_control& state, reporter& rep, const load_options& options) {
  if (sessions.empty()) throw error(errc::internal, "load without sessions");
  const manifest& m = reader.get_manifest();
  load_result res;
  std::mutex mu;
  std::vector<pg::connection*> leader{sessions[0]};

  auto sequential = [&](const char* phase, const std::vector<const manifest_frame*>& frames) {
    if (frames.empty()) return;
    rep.phase(phase, frames.size());
    for_each_parallel(frames.size(), leader, state, [&](pg::connection& c, std::size_t i) {
      run_ddl(reader, *frames[i], c, 0);
      rep.item_done(label_of(*frames[i]), 0, 0);
    });
    res.frames += frames.size();
  };
  auto parallel = [&](const char* phase, const std::vector<const manifest_frame*>& frames) {
    if (frames.empty()) return;
    rep.phase(phase, frames.size());
    for_each_parallel(frames.size(), sessions, state, [&](pg::connection& c, std::size_t i) {
      run_ddl(reader, *frames[i], c, options.deadlock_retries);
      rep.item_done(label_of(*frames[i]), 0, 0);
    });
    res.frames += frames.size();
  };

  sequential("pre-data", plan.pre_data);
  // Before any row: indexes PostgreSQL 17+ could not build (load/index_search_path.hpp).
  refuse_unbuildable_indexes(*sessions[0], reader, plan.indexes);
  autovacuum_pause paused;
  if (options.pause_autovacuum) paused.pause(*sessions[0], plan.tables_with_data);

  // Data and post-data run with the source database's search path (old Immich index
  // expressions call unaccent / ll_to_earth unqualified).
  for (auto* s : sessions) set_restore_search_path(*s, m);

  // Data frames and index builds share the sessions (load/load_queue.hpp): a table's
  // indexes may start once its data is in, while other tables still load.
  binary_columns binary;
  if (!plan.data.empty()) binary = find_binary_columns(*sessions[0], plan.tables_with_data);
  std::vector<frame_queue::item> items;
  items.reserve(plan.data.size());
  for (const auto* f : plan.data) items.push_back({{f->schema, f->table}, f->plain_size});
  load_queue queue(items, index_units(reader, plan.indexes, tables_indexable_early(*sessions[0], plan.tables_with_data)),
                   sessions.size());
  // Progress: the "indexes" phase starts when the last data frame is in; the units built
  // before that are counted done as it starts.
  std::size_t built_early = 0;
  bool indexes_started = false;
  auto start_indexes = [&] {  // with `mu` held
    indexes_started = true;
    if (plan.indexes.empty()) return;
    rep.phase("indexes", plan.indexes.size());
    if (built_early > 0)
      rep.log(log_level::debug, fmt::format("{} of {} index units were built while data loaded", built_early,
                                            plan.indexes.size()));
    for (std::size_t i = 0; i < built_early; ++i) rep.item_done("", 0, 0);
  };
  if (plan.data.empty()) {
    start_indexes();
  } else {
    rep.phase("data", plan.data.size(), plan.data_bytes, plan.data_rows);
  }
  auto take = [&](std::size_t k) -> std::optional<std::size_t> {
    for (;;) {
      load_queue::next n = queue.take(k);
      switch (n.what) {
        case load_queue::kind::data: return n.item;
        case load_queue::kind::index: return plan.data.size() + n.item;  // after the data frames
        case load_queue::kind::finished: return std::nullopt;
        case load_queue::kind::wait:
          state.check();
          queue.wait_for_change(n, std::chrono::milliseconds(50));
          break;
      }
    }
  };
  for_each_parallel(sessions, state, take, [&](pg::connection& c, std::size_t i) {
    if (i >= plan.data.size()) {
      const manifest_frame& f = *plan.indexes[i - plan.data.size()];
      run_ddl(reader, f, c, options.deadlock_retries);
      queue.done({load_queue::kind::index, i - plan.data.size()});
      std::lock_guard lock(mu);
      if (indexes_started) rep.item_done(label_of(f), 0, 0);
      else ++built_early;
      return;
    }
    const manifest_frame& f = *plan.data[i];
    auto bin = binary.find({f.schema, f.table});
    frame_loaded done = load_data_frame(reader, f, c, [&] { state.check(); },
                                        bin == binary.end() ? nullptr : &bin->second);
    std::lock_guard lock(mu);
    res.rows += done.rows;
    if (done.binary) ++res.binary_frames;
    res.loaded_hashes[{f.schema, f.table}].merge(done.hash);
    auto [it, fresh] = res.copy_columns.emplace(table_key{f.schema, f.table}, done.columns);
    if (!fresh && it->second != done.columns)
      throw error(errc::corrupt_backup,
                  fmt::format("{} lists other columns than the table's other data frames", describe_frame(f)));
    rep.item_done(label_of(f), f.plain_size, done.rows);
    if (queue.done({load_queue::kind::data, i})) {
      rep.log(log_level::debug, fmt::format("{} of {} data frames sent as binary COPY", res.binary_frames,
                                            plan.data.size()));
      start_indexes();
    }
  });
  res.frames += plan.data.size() + plan.indexes.size();

  parallel("foreign-keys", plan.foreign_keys);
  sequential("post-data", plan.final_units);
  paused.resume(*sessions[0]);  // before the owners step: ours to alter until then
  sequential("owners", plan.owners);
  sequential("privileges", plan.privileges);

  if (options.analyze && !plan.tables_with_data.empty()) {
    // Fresh tables have no statistics; Immich's first queries would plan badly. A failed
    // ANALYZE costs speed, not correctness: it is logged, never fatal.
    // Quick statistics where autovacuum will complete them (load/analyze.hpp).
    std::vector<analyze_step> steps = plan_analyze(*sessions[0], plan.tables_with_data);
    rep.phase("analyze", steps.size());
    for_each_parallel(steps.size(), sessions, state, [&](pg::connection& c, std::size_t i) {
      const auto& [schema, table] = steps[i].table;
      try {
        run_analyze(c, steps[i]);
      } catch (const error& e) {
        if (e.code() == errc::connection_failed) throw;
        state.check();
        rep.log(log_level::warning, fmt::format("ANALYZE {}.{} failed: {}", schema, table, e.what()));
      }
      rep.item_done(schema + "." + table, 0, 0);
    });
  }
  return res;
}

}  // namespace immichbak::load
