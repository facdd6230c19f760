#pragma once
// Connection strings are shown to people (logs, errors, manifests) only through this.

#include <immichbak/export.hpp>

#include <string>

namespace immichbak {

/// The DSN with any password removed: "postgresql://u:secret@h/db" -> "postgresql://u@h/db",
/// "host=h password=secret" -> "host=h password=***". Unparseable input is replaced by
/// "<unparseable connection string>" rather than echoed.
IMMICHBAK_EXPORT std::string redact_dsn(const std::string& dsn);

}  // namespace immichbak
