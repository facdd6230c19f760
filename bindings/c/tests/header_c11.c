/* immichbak.h compiled as strict C11 (-std=c11 -pedantic -Werror): the header on its own,
 * plus a run-time look at the interface version. */
#include <immichbak.h>

#include <stdio.h>

_Static_assert(IMMICHBAK_OK == 0, "success is 0");
_Static_assert(IMMICHBAK_E_INTERNAL == 99, "internal is 99");
_Static_assert(IMMICHBAK_BACKUP_OPTIONS_VERSION >= 1, "options versions start at 1");

int main(void) {
  immichbak_backup_options o;
  if (immichbak_backup_options_init(&o, IMMICHBAK_BACKUP_OPTIONS_VERSION) != IMMICHBAK_OK) return 1;
  if (immichbak_c_api_version() < IMMICHBAK_C_API_VERSION) return 1;
  printf("immichbak %s, C API %d\n", immichbak_library_version(), immichbak_c_api_version());
  return 0;
}
