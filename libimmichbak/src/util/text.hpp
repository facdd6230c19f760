#pragma once
// Text helpers, in one place: lists joined, sizes as messages, listings and summaries
// write them.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace immichbak::util {

/// The items with `sep` between them (fmt::join, as a string).
std::string join(const std::vector<std::string>& items, std::string_view sep = ", ");

/// "512 B", "1.5 KiB", "12.3 MiB", ... (binary units, one decimal from KiB up).
std::string human_bytes(std::uint64_t n);

}  // namespace immichbak::util
