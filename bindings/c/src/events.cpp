// Events: the cancel token, and the C callbacks bridged to the C++ event_sink.

#include "c_api.hpp"

#include <new>

namespace immichbak_c {

immichbak::event_sink to_sink(const immichbak_events& e) {
  immichbak::event_sink sink;
  // The library serialises calls to these, so the C callbacks need no locking of their own.
  // They are C functions: they cannot throw, so nothing unwinds through the library from here.
  if (e.log != nullptr) {
    immichbak_log_fn fn = e.log;
    void* user = e.user;
    sink.log = [fn, user](immichbak::log_level level, const std::string& message) {
      fn(static_cast<int>(level), message.c_str(), user);
    };
  }
  if (e.progress != nullptr) {
    immichbak_progress_fn fn = e.progress;
    void* user = e.user;
    sink.progress = [fn, user](const immichbak::progress_event& p) {
      immichbak_progress c{};
      c.phase = p.phase.c_str();
      c.item = p.item.c_str();
      c.bytes_done = p.bytes_done;
      c.bytes_total = p.bytes_total;
      c.rows_done = p.rows_done;
      c.rows_total = p.rows_total;
      c.items_done = p.items_done;
      c.items_total = p.items_total;
      c.elapsed_seconds = p.elapsed_seconds;
      fn(&c, user);
    };
  }
  if (e.cancel != nullptr) sink.cancel = &e.cancel->flag;
  return sink;
}

}  // namespace immichbak_c

static_assert(static_cast<int>(immichbak::log_level::debug) == IMMICHBAK_LOG_DEBUG);
static_assert(static_cast<int>(immichbak::log_level::info) == IMMICHBAK_LOG_INFO);
static_assert(static_cast<int>(immichbak::log_level::warning) == IMMICHBAK_LOG_WARNING);
static_assert(static_cast<int>(immichbak::log_level::error) == IMMICHBAK_LOG_ERROR);

extern "C" {

int immichbak_cancel_token_new(immichbak_cancel_token** out) {
  return immichbak_c::guarded([&] {
    immichbak_c::require(out, "out");
    *out = nullptr;
    *out = new immichbak_cancel_token;
  });
}

// Relaxed ordering would do for a flag, but seq_cst costs nothing here and is what the
// library's watchdog reads with.
void immichbak_cancel_token_cancel(immichbak_cancel_token* token) {
  if (token != nullptr) token->flag.store(true);
}

void immichbak_cancel_token_reset(immichbak_cancel_token* token) {
  if (token != nullptr) token->flag.store(false);
}

int immichbak_cancel_token_is_cancelled(const immichbak_cancel_token* token) {
  return token != nullptr && token->flag.load() ? 1 : 0;
}

void immichbak_cancel_token_free(immichbak_cancel_token* token) { delete token; }

}  // extern "C"
