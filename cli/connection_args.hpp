#pragma once
// --immich-env FILE: every command that connects can take its settings from Immich's
// `.env` instead of a hand-written connection string (docs/immich.md).

#include <immichbak/events.hpp>

#include <CLI/CLI.hpp>

#include <string>

namespace immichbak::cli {

/// Registers --immich-env FILE (also IMMICHBAK_IMMICH_ENV) on `sub`.
void add_immich_env_option(CLI::App* sub, std::string& file);

/// `dsn` itself without --immich-env; with it, the connection Immich's `.env` gives with
/// `dsn` and PG* winning, and an info line naming the variables used (never the password).
std::string resolve_dsn(const std::string& immich_env, const std::string& dsn, const event_sink& events);

}  // namespace immichbak::cli
