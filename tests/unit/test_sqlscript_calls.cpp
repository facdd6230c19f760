// sqlscript::function_calls: the calls an index definition or a function body makes, as
// the PostgreSQL 17+ index check reads them (load/index_search_path).
#include <catch2/catch.hpp>

#include "sqlscript/calls.hpp"

using immichbak::sqlscript::function_call;
using immichbak::sqlscript::function_calls;

TEST_CASE("function calls: qualified, unqualified and quoted, never in strings, comments or type modifiers", "[sqlscript]") {
  // Old Immich's f_unaccent and earthdistance's ll_to_earth, as their bodies read.
  CHECK(function_calls("SELECT unaccent('unaccent', $1)") == std::vector<function_call>{{"", "unaccent"}});
  CHECK(function_calls("SELECT cube(cube(cube(earth()*cos(radians($1))*cos(radians($2))),"
                       "earth()*cos(radians($1))*sin(radians($2))),earth()*sin(radians($1)))::earth") ==
        std::vector<function_call>{{"", "cube"}, {"", "earth"}, {"", "cos"}, {"", "radians"}, {"", "sin"}});
  // Deparsed index definitions qualify what is outside pg_catalog (the access method
  // before its parenthesis reads as an unqualified call, which the check ignores).
  CHECK(function_calls("CREATE INDEX idx ON public.asset USING gin (public.f_unaccent((\"originalFileName\")::text) "
                       "public.gin_trgm_ops)") ==
        std::vector<function_call>{{"", "gin"}, {"public", "f_unaccent"}});
  CHECK(function_calls("CREATE INDEX g ON public.geodata_places USING gist (public.ll_to_earth_public(latitude, longitude))") ==
        std::vector<function_call>{{"", "gist"}, {"public", "ll_to_earth_public"}});
  CHECK(function_calls("SELECT \"My Schema\".\"Odd Fn\"(1), upper('x')") ==
        std::vector<function_call>{{"My Schema", "Odd Fn"}, {"", "upper"}});
  // Not calls: inside strings, dollar quotes and comments; a type modifier after ::.
  CHECK(function_calls("SELECT 'hidden(1)', $q$ also(2) $q$ -- gone(3)\n /* not(4) */ x::numeric(10, 2), "
                       "y::public.mytype(3)")
            .empty());
  // Keywords before a parenthesis come back; the catalog lookup tells them apart.
  CHECK(function_calls("SELECT coalesce(a, b) FROM t WHERE x IN (1)") ==
        std::vector<function_call>{{"", "coalesce"}, {"", "in"}});
}
