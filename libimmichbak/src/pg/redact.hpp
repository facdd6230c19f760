#pragma once
// Keeping passwords out of messages. libpq's own texts can quote the connection string:
// its parse errors quote a whole URI ("invalid IPv6 host address in URI: \"postgresql://
// u:secret@[bad\"") or the token it could not decode ("invalid percent-encoded token:
// \"se%zzcret\""). Every libpq text that becomes part of an error or log line goes through
// redact_message() with the connection string the user gave.

#include <string>
#include <vector>

namespace immichbak::pg {

/// The passwords `conninfo` carries, each as typed and as libpq would decode it (percent
/// escapes, quotes and backslashes). Found by a scan that is more lenient than libpq, so
/// that a string libpq cannot parse still yields its password. Never contains "".
std::vector<std::string> conninfo_secrets(const std::string& conninfo);

/// `text` with every string of `secrets` replaced by "***", then anything else that looks
/// like a password (the userinfo password of a postgres:// URI, a password=VALUE pair)
/// replaced too.
std::string redact_message(std::string text, const std::vector<std::string>& secrets);

/// A postgres:// URI with its userinfo password removed and password= query values masked
/// ("postgresql://u:pw@h/d?password=x" -> "postgresql://u@h/d?password=***"). Works on
/// malformed URIs too (string rules, no parsing).
std::string redact_uri(const std::string& uri);

/// redact_message(text, conninfo_secrets(conninfo)).
std::string redact_message(const std::string& text, const std::string& conninfo);

}  // namespace immichbak::pg
