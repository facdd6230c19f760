// immichbak.h compiled as C++ (C++11, -pedantic -Werror): the extern "C" guard and nothing
// C-only in the header.
#include <immichbak.h>

#include <cstdio>

static_assert(IMMICHBAK_OK == 0, "success is 0");

int main() {
  immichbak_verify_options o;
  if (immichbak_verify_options_init(&o, IMMICHBAK_VERIFY_OPTIONS_VERSION) != IMMICHBAK_OK) return 1;
  if (immichbak_verify_options_init(&o, 999) != IMMICHBAK_E_INVALID_ARGUMENT) return 1;
  std::printf("%s\n", immichbak_error_code_name(immichbak_last_error_code()));
  return 0;
}
