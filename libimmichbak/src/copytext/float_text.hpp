#pragma once
// real and double precision as PostgreSQL's float4out / float8out write them when
// extra_float_digits > 0 (the backup sessions set 3): the shortest decimal that reads back
// as the same bits, laid out by PostgreSQL's rules (src/common/f2s.c, d2s.c):
//   - fixed notation while the decimal exponent is in [-4, 6) for real, [-4, 15) for
//     double: "0.0001", "123456", "1.5";
//   - else scientific with a sign and at least two exponent digits: "1e-05", "1.2345678e+07";
//   - "NaN" (any payload or sign), "Infinity", "-Infinity", "0", "-0".
// Proven against the servers byte for byte by tests/integration/test_copytext_floats.cpp.

#include <string>

namespace immichbak::copytext {

void append_float4(float v, std::string& out);
void append_float8(double v, std::string& out);

}  // namespace immichbak::copytext
