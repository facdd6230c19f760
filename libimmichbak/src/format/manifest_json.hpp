#pragma once
// The manifest's JSON form (docs/format.md section 4), both directions.

#include <immichbak/manifest.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace immichbak::format {

/// Compact form is a single line (no raw newline), as embedded in files.
std::string manifest_to_json(const manifest& m, bool pretty);

/// Parses and validates types and required members. Unknown members are ignored (minor
/// versions). Throws error(corrupt_backup, "manifest ...") naming the offending member.
manifest manifest_from_json(std::string_view json);

const char* post_phase_name(post_phase p) noexcept;
std::optional<frame_kind> frame_kind_from_name(std::string_view name) noexcept;
std::optional<post_phase> post_phase_from_name(std::string_view name) noexcept;

/// Order of kinds (and post-data phases) in a file: header 0, pre_data 1, data 2,
/// post_data 3..5 (indexes, foreign_keys, final), owners 6, privileges 7.
int frame_rank(frame_kind k, post_phase p) noexcept;

/// "data frame of public.asset", "pre_data frame 'TABLE public.asset'", "header frame".
std::string describe_frame(const manifest_frame& f);

}  // namespace immichbak::format
