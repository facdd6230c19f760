// Helpers: redact_dsn, connection_from_immich_env, ages and durations.

#include "c_api.hpp"

#include <algorithm>

using namespace immichbak_c;

immichbak_env_connection::~immichbak_env_connection() {
  // The DSN holds the database password: overwrite it before its memory goes back to the
  // allocator. A volatile pointer, so the stores are not elided as dead.
  volatile char* p = value.dsn.data();
  for (std::size_t i = 0; i < value.dsn.size(); ++i) p[i] = '\0';
}

namespace {
const std::vector<std::string>* env_list(const immichbak_env_connection* c, int which) {
  if (c == nullptr) return nullptr;
  switch (which) {
    case IMMICHBAK_ENV_USED: return &c->value.used;
    case IMMICHBAK_ENV_DEFAULTS: return &c->value.defaults;
    case IMMICHBAK_ENV_OVERRIDDEN: return &c->value.overridden;
    default: return nullptr;
  }
}
}  // namespace

extern "C" {

int immichbak_redact_dsn(const char* dsn, char** out) {
  return text_out(out, [&] { return immichbak::redact_dsn(str(dsn)); });
}

int immichbak_connection_from_immich_env(const char* env_file, const char* dsn, immichbak_env_connection** out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    if (env_file == nullptr || *env_file == '\0') invalid("env_file must be set");
    auto* c = new immichbak_env_connection;
    try {
      c->value = immichbak::connection_from_immich_env(env_file, str(dsn));
    } catch (...) {
      delete c;
      throw;
    }
    *out = c;
  });
}

const char* immichbak_env_connection_dsn(const immichbak_env_connection* c) { return c ? c->value.dsn.c_str() : nullptr; }
size_t immichbak_env_connection_list_count(const immichbak_env_connection* c, int which) {
  const auto* l = env_list(c, which);
  return l ? l->size() : 0;
}
const char* immichbak_env_connection_list_item(const immichbak_env_connection* c, int which, size_t i) {
  const auto* l = env_list(c, which);
  const std::string* s = l ? at(*l, i) : nullptr;
  return s ? s->c_str() : nullptr;
}
void immichbak_env_connection_free(immichbak_env_connection* c) { delete c; }

int immichbak_parse_age(const char* text, int64_t* seconds) {
  return guarded([&] {
    require(seconds, "seconds");
    *seconds = static_cast<int64_t>(immichbak::parse_age(str(text)).count());
  });
}

int immichbak_format_age(int64_t seconds, char** out) {
  return text_out(out, [&] { return immichbak::format_age(std::chrono::seconds(seconds)); });
}

int immichbak_parse_calendar_duration(const char* text, immichbak_calendar_duration* out) {
  return guarded([&] {
    require(out, "out");
    const immichbak::calendar_duration d = immichbak::parse_calendar_duration(str(text));
    out->years = d.years;
    out->months = d.months;
    out->days = d.days;
    out->hours = d.hours;
  });
}

}  // extern "C"
