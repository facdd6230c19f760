#pragma once
// Immich's `.env`, read the way docker compose reads an env file: KEY=VALUE lines, `#`
// comments, `export ` prefixes, single quotes literal, double quotes with escapes, `${VAR}`
// and `$VAR` from earlier lines or the process environment (compose interpolates too).
// Values are never quoted in errors: DB_PASSWORD is one of them.

#include <map>
#include <string>

namespace immichbak::immich {

/// The variables of an env file's text. `source` names the file in errors. Throws
/// error(invalid_argument) naming the line (never its value) for a line compose rejects:
/// no `=`, a bad name, an unterminated quote.
std::map<std::string, std::string> parse_env_file(const std::string& text, const std::string& source);

}  // namespace immichbak::immich
