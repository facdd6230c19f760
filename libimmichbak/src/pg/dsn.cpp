// Password redaction for anything shown to people: logs, errors, manifests.
#include <immichbak/dsn.hpp>

#include "pg/conninfo.hpp"
#include "pg/redact.hpp"

#include <libpq-fe.h>

#include <memory>
#include <string>

namespace immichbak {

namespace {

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

}  // namespace

std::string redact_dsn(const std::string& dsn) {
  if (dsn.empty()) return dsn;
  if (starts_with(dsn, "postgresql://") || starts_with(dsn, "postgres://")) return pg::redact_uri(dsn);
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(dsn.c_str(), &err);
  if (err) PQfreemem(err);
  if (!opts) return "<unparseable connection string>";
  std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)> guard(opts, PQconninfoFree);
  std::string out;
  for (auto* o = opts; o->keyword; ++o) {
    if (!o->val) continue;
    if (!out.empty()) out += ' ';
    out += o->keyword;
    out += '=';
    // A value may itself hold a URI or keywords (dbname=postgresql://u:pw@h/d): masked too.
    out += std::string(o->keyword) == "password" ? std::string("***")
                                                  : pg::redact_message(pg::conninfo_quote(o->val), std::vector<std::string>{});
  }
  return out;
}

}  // namespace immichbak
