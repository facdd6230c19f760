// The verify side of the sidecar: format::check_sidecar() (the one check restore uses
// too) as a report line.
#include "format/sidecar.hpp"
#include "verify/offline_checks.hpp"

#include <immichbak/error.hpp>

namespace immichbak::verify_detail {

check_result sidecar_check(const std::filesystem::path& file, const event_sink& events) {
  format::sidecar_result s = format::check_sidecar(file, events.cancel);
  check_result r;
  r.name = "sidecar";
  r.detail = s.detail;
  r.status = s.bad() ? check_status::fail : s.warning() ? check_status::warn : check_status::pass;
  return r;
}

}  // namespace immichbak::verify_detail
