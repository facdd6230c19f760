#include "connection_args.hpp"

#include <immichbak/dsn.hpp>
#include <immichbak/immich_env.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace immichbak::cli {

namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

void add_immich_env_option(CLI::App* sub, std::string& file) {
  sub->add_option("--immich-env", file,
                  "Connect with the settings of Immich's .env file (DB_URL or DB_HOSTNAME, DB_PORT, DB_USERNAME, "
                  "DB_PASSWORD, DB_DATABASE_NAME); --dbname and PG* variables given too win")
      ->envname("IMMICHBAK_IMMICH_ENV");
}

std::string resolve_dsn(const std::string& immich_env, const std::string& dsn, const event_sink& events) {
  if (immich_env.empty()) return dsn;
  immich_env_connection c = connection_from_immich_env(immich_env, dsn);
  if (events.log) {
    std::string text = fmt::format("connecting with Immich's {}: {}", immich_env,
                                   c.used.empty() ? std::string("none of its DB_* variables is set") : joined(c.used));
    if (!c.defaults.empty()) text += fmt::format("; Immich's defaults: {}", joined(c.defaults));
    if (!c.overridden.empty()) text += fmt::format("; given instead: {}", joined(c.overridden));
    text += fmt::format(" -> {}", redact_dsn(c.dsn));
    events.log(log_level::info, text);
    const bool compose_host = std::find(c.defaults.begin(), c.defaults.end(), "host=database (DB_HOSTNAME unset)") !=
                              c.defaults.end();
    const bool host_given = std::any_of(c.overridden.begin(), c.overridden.end(),
                                        [](const std::string& o) { return o.rfind("host ", 0) == 0; });
    if (compose_host && !host_given)
      events.log(log_level::info,
                 "the host \"database\" is Immich's compose service name: it resolves only on Immich's compose network "
                 "(as in the immichbak container); from the host, publish the port on 127.0.0.1 and set "
                 "PGHOST=127.0.0.1 (docs/immich.md)");
  }
  return c.dsn;
}

}  // namespace immichbak::cli
